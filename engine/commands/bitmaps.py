"""Bit commands (bitops.c) over string values. Bit 0 is the most significant bit of the
first byte; a missing key reads as an endless run of zero bits. Writes turn the value into
a bytearray changed in place."""

from typing import Any

from native.resp_py import string2ll

from .. import errors, notify
from ..connection import Client
from ..errors import CommandError
from .args import parse_int
from .strings import get_string, get_string_for_write, is_string, unshare_string
from .table import command

# ------------------------------------------------------------------ helpers


def bit_offset(c: Client, arg: bytes, hash_bits: int = 0) -> int:
    """getBitOffsetFromArgument(): a bit offset inside proto-max-bulk-len bytes; with
    hash_bits (BITFIELD), "#N" means the N-th field of that width."""
    use_hash = hash_bits and len(arg) > 1 and arg[0] == 35  # '#'
    v = string2ll(arg[1:] if use_hash else arg)
    if v is None:
        raise CommandError(errors.BIT_OFFSET)
    if use_hash:
        v = ((v * hash_bits + (1 << 63)) & ((1 << 64) - 1)) - (1 << 63)  # C's int64 wraps
    if v < 0 or v >> 3 >= c.engine.config.values["proto-max-bulk-len"]:
        raise CommandError(errors.BIT_OFFSET)
    return v


def string_for_bits(c: Client, key: bytes, max_bit: int) -> tuple[bytearray, bool]:
    """lookupStringForBitCommand(): the value as a bytearray holding bit max_bit, created
    or zero-extended as needed; and whether it was created or grown."""
    db = c.db
    size = (max_bit >> 3) + 1
    v = get_string_for_write(db, key)
    if v is None:
        v = bytearray(size)
        db.add(key, v)
        return v, True
    v = unshare_string(db, key, v)
    grow = size - len(v)
    if grow > 0:
        v += bytes(grow)
        db.adjust_memory(grow)
    return v, grow > 0


def _bit_unit(arg: bytes) -> bool:
    """The BYTE|BIT argument of BITCOUNT and BITPOS: True for BIT."""
    unit = arg.lower()
    if unit == b"bit":
        return True
    if unit == b"byte":
        return False
    raise CommandError(errors.SYNTAX)


def _clamp(start: int, end: int, total: int) -> tuple[int, int]:
    """Negative indexes count from the end; both ends are kept inside [0, total)."""
    if start < 0:
        start = max(total + start, 0)
    if end < 0:
        end = max(total + end, 0)
    return start, min(end, total - 1)


def _bits(v: Any, first: int, last: int) -> int:
    """Bits first..last (inclusive, both inside v) as an int, bit ``first`` the highest."""
    chunk = int.from_bytes(memoryview(v)[first >> 3:(last >> 3) + 1], "big")
    return (chunk >> (7 - (last & 7))) & ((1 << (last - first + 1)) - 1)


# ------------------------------------------------------------------ SETBIT / GETBIT


@command("setbit", 4, "write denyoom", keys=(1, 1, 1), group="bitmap", since="2.2.0",
         summary="Sets or clears the bit at offset in the string value stored at key")
def setbit(c: Client, argv: list[bytes]) -> Any:
    offset = bit_offset(c, argv[2])
    on = parse_int(argv[3], errors.BIT_VALUE)
    if on & ~1:
        raise CommandError(errors.BIT_VALUE)
    v, changed = string_for_bits(c, argv[1], offset)
    byte = offset >> 3
    mask = 0x80 >> (offset & 7)
    old = v[byte] & mask
    if changed or bool(old) != on:
        v[byte] = v[byte] | mask if on else v[byte] & ~mask
        c.db.signal_modified(argv[1])
        c.engine.notify_keyspace_event(notify.STRING, b"setbit", argv[1], c.db.id)
        c.engine.dirty += 1
    return 1 if old else 0


@command("getbit", 3, "readonly fast", keys=(1, 1, 1), group="bitmap", since="2.2.0",
         summary="Returns the bit value at offset in the string value stored at key")
def getbit(c: Client, argv: list[bytes]) -> Any:
    offset = bit_offset(c, argv[2])
    v = get_string(c.db, argv[1])
    byte = offset >> 3
    if v is None or byte >= len(v):
        return 0
    return 1 if v[byte] & (0x80 >> (offset & 7)) else 0


# ------------------------------------------------------------------ BITCOUNT / BITPOS


@command("bitcount", -2, "readonly", keys=(1, 1, 1), group="bitmap", since="2.6.0",
         summary="Count set bits in a string", complexity="O(N)")
def bitcount(c: Client, argv: list[bytes]) -> Any:
    # Redis 7.0 looks the key up before it parses the range: a missing key counts 0 whatever
    # the other arguments say.
    v = get_string(c.db, argv[1])
    if v is None:
        return 0
    n = len(argv)
    if n == 2:
        return int.from_bytes(v, "big").bit_count()
    if n > 5 or n == 3:
        raise CommandError(errors.SYNTAX)
    start = parse_int(argv[2])
    end = parse_int(argv[3])
    if start < 0 and end < 0 and start > end:
        return 0
    in_bits = n == 5 and _bit_unit(argv[4])
    start, end = _clamp(start, end, len(v) * 8 if in_bits else len(v))
    if start > end:
        return 0
    if not in_bits:
        start, end = start * 8, end * 8 + 7
    return _bits(v, start, end).bit_count()


@command("bitpos", -3, "readonly", keys=(1, 1, 1), group="bitmap", since="2.8.7",
         summary="Find first bit set or clear in a string", complexity="O(N)")
def bitpos(c: Client, argv: list[bytes]) -> Any:
    bit = parse_int(argv[2])
    if bit != 0 and bit != 1:
        raise CommandError(errors.BITPOS_BIT)
    v = get_string(c.db, argv[1])
    if v is None:
        return -1 if bit else 0
    n = len(argv)
    end_given = n >= 5
    if n == 3:
        start, end, in_bits = 0, len(v) - 1, False
    elif n <= 6:
        start = parse_int(argv[3])
        in_bits = n == 6 and _bit_unit(argv[5])
        total = len(v) * 8 if in_bits else len(v)
        end = parse_int(argv[4]) if end_given else total - 1
        start, end = _clamp(start, end, total)
    else:
        raise CommandError(errors.SYNTAX)
    if start > end:
        return -1
    if not in_bits:
        start, end = start * 8, end * 8 + 7
    width = end - start + 1
    field = _bits(v, start, end)
    if not bit:
        field ^= (1 << width) - 1
    if field:
        return start + width - field.bit_length()
    # No clear bit: without an explicit end the string counts as padded with zeros.
    return end + 1 if not bit and not end_given else -1


# ------------------------------------------------------------------ BITOP


@command("bitop", -4, "write denyoom", keys=(2, -1, 1), group="bitmap", since="2.6.0",
         summary="Perform bitwise operations between strings", complexity="O(N)")
def bitop(c: Client, argv: list[bytes]) -> Any:
    op = argv[1].lower()
    if op not in (b"and", b"or", b"xor", b"not"):
        raise CommandError(errors.SYNTAX)
    if op == b"not" and len(argv) != 4:
        raise CommandError(errors.BITOP_NOT_SINGLE)
    db = c.db
    sources = []
    for key in argv[3:]:
        v = db.lookup_read(key)
        if v is None:
            v = b""
        elif not is_string(v):
            raise CommandError(errors.WRONGTYPE)
        sources.append(v)
    size = max(map(len, sources))
    dest = argv[2]
    eng = c.engine
    if size:
        # Shorter strings are padded with zero bytes at their end.
        ints = [int.from_bytes(v, "big") << 8 * (size - len(v)) for v in sources]
        result = ints[0]
        if op == b"not":
            result ^= (1 << 8 * size) - 1
        elif op == b"and":
            for x in ints[1:]:
                result &= x
        elif op == b"or":
            for x in ints[1:]:
                result |= x
        else:
            for x in ints[1:]:
                result ^= x
        db.set_key(dest, bytearray(result.to_bytes(size, "big")))
        eng.notify_keyspace_event(notify.STRING, b"set", dest, db.id)
        eng.dirty += 1
    elif db.delete(dest):
        db.signal_modified(dest)
        eng.notify_keyspace_event(notify.GENERIC, b"del", dest, db.id)
        eng.dirty += 1
    return size


# ------------------------------------------------------------------ BITFIELD

_GET, _SET, _INCRBY = 0, 1, 2
_WRAP, _SAT, _FAIL = 0, 1, 2
_OVERFLOW = {b"wrap": _WRAP, b"sat": _SAT, b"fail": _FAIL}
_OPS = {b"get": (_GET, 2), b"set": (_SET, 3), b"incrby": (_INCRBY, 3)}


def _bitfield_type(arg: bytes) -> tuple[bool, int]:
    """getBitfieldTypeFromArgument(): "i<1..64>" or "u<1..63>" -> (signed, bits)."""
    signed = arg[:1] == b"i"
    bits = string2ll(arg[1:]) if signed or arg[:1] == b"u" else None
    if bits is None or bits < 1 or bits > (64 if signed else 63):
        raise CommandError(errors.BITFIELD_TYPE)
    return signed, bits


def _get_field(v: Any, offset: int, bits: int, signed: bool) -> int:
    """The field at offset; bytes past the end of v read as zeros."""
    first = offset >> 3
    size = ((offset + bits - 1) >> 3) - first + 1
    chunk = int.from_bytes(memoryview(v)[first:first + size], "big")
    chunk <<= 8 * (size - min(size, max(len(v) - first, 0)))
    x = (chunk >> (8 * size - (offset & 7) - bits)) & ((1 << bits) - 1)
    return x - (1 << bits) if signed and x >> (bits - 1) else x


def _set_field(v: bytearray, offset: int, bits: int, value: int) -> None:
    first = offset >> 3
    size = ((offset + bits - 1) >> 3) - first + 1
    shift = 8 * size - (offset & 7) - bits
    mask = ((1 << bits) - 1) << shift
    chunk = int.from_bytes(v[first:first + size], "big") & ~mask
    v[first:first + size] = (chunk | ((value << shift) & mask)).to_bytes(size, "big")


def _bitfield(c: Client, argv: list[bytes], read_only: bool) -> Any:
    ops = []
    overflow = _WRAP
    writes = False
    max_bit = 0
    j, n = 2, len(argv)
    while j < n:
        sub = argv[j].lower()
        if sub == b"overflow" and j + 1 < n:
            overflow = _OVERFLOW.get(argv[j + 1].lower(), -1)
            if overflow < 0:
                raise CommandError(errors.BITFIELD_OVERFLOW_TYPE)
            j += 2
            continue
        op, nargs = _OPS.get(sub, (None, 0))
        if op is None or j + nargs >= n:
            raise CommandError(errors.SYNTAX)
        signed, bits = _bitfield_type(argv[j + 1])
        offset = bit_offset(c, argv[j + 2], bits)
        value = 0
        if op != _GET:
            writes = True
            max_bit = max(max_bit, offset + bits - 1)
            value = parse_int(argv[j + 3])
        ops.append((op, signed, bits, offset, value, overflow))
        j += nargs + 1
    if not writes:
        v = get_string(c.db, argv[1])
        if v is None:
            v = b""
    elif read_only:
        raise CommandError(errors.BITFIELD_RO_WRITE)
    else:
        v, grown = string_for_bits(c, argv[1], max_bit)
    out: list[Any] = []
    changes = 0
    for op, signed, bits, offset, value, overflow in ops:
        old = _get_field(v, offset, bits, signed)
        if op == _GET:
            out.append(old)
            continue
        if signed:
            low, high = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
        else:
            low, high = 0, (1 << bits) - 1
        if op == _INCRBY:
            new = old + value
        else:
            new = value if signed else value & ((1 << 64) - 1)  # C's cast to uint64_t
        if not low <= new <= high:
            if overflow == _FAIL:
                out.append(None)
                continue
            if overflow == _SAT:
                new = high if new > high else low
            else:
                new = (new - low) % (1 << bits) + low
        _set_field(v, offset, bits, new)
        out.append(new if op == _INCRBY else old)
        if grown or new != old:
            changes += 1
    if changes:
        # a write that changed nothing (or that FAIL stopped) is no change (Redis 7.0)
        c.db.signal_modified(argv[1])
        c.engine.notify_keyspace_event(notify.STRING, b"setbit", argv[1], c.db.id)
        c.engine.dirty += changes
    return out


@command("bitfield", -2, "write denyoom", keys=(1, 1, 1), group="bitmap", since="3.2.0",
         summary="Perform arbitrary bitfield integer operations on strings",
         complexity="O(1) for each subcommand specified")
def bitfield(c: Client, argv: list[bytes]) -> Any:
    return _bitfield(c, argv, False)


@command("bitfield_ro", -2, "readonly fast", keys=(1, 1, 1), group="bitmap", since="6.0.0",
         summary="Perform arbitrary bitfield integer operations on strings. Read-only variant "
         "of BITFIELD", complexity="O(1) for each subcommand specified")
def bitfield_ro(c: Client, argv: list[bytes]) -> Any:
    return _bitfield(c, argv, True)
