"""String commands (t_string.c): values are ``bytes``, or ``bytearray`` once modified in
place (APPEND, SETRANGE, bit commands), which is what OBJECT ENCODING reports as ``raw``."""

from fractions import Fraction
from typing import Any

from native.dispatch import fast_path

from .. import errors, notify
from ..connection import Client
from ..errors import CommandError
from ..keyspace import Database
from ..replies import OK
from .args import (
    LLONG_MAX,
    LLONG_MIN,
    add_long_double,
    format_long_double,
    parse_int,
    parse_long_double,
)
from .table import command

# ------------------------------------------------------------------ helpers


def get_string(db: Database, key: bytes) -> Any | None:
    """lookupKeyRead + checkType(OBJ_STRING): the value, None, or WRONGTYPE."""
    v = db.lookup_read(key)
    if v is None or type(v) is bytes or type(v) is bytearray:
        return v
    raise CommandError(errors.WRONGTYPE)


def get_string_for_write(db: Database, key: bytes) -> Any | None:
    v = db.lookup_write(key)
    if v is None or type(v) is bytes or type(v) is bytearray:
        return v
    raise CommandError(errors.WRONGTYPE)


def is_string(v: Any) -> bool:
    return type(v) is bytes or type(v) is bytearray


def unshare_string(db: Database, key: bytes, v: Any) -> bytearray:
    """dbUnshareStringValue(): the key's value as a bytearray that may change in place."""
    if type(v) is bytearray:
        return v
    v = bytearray(v)
    db.overwrite(key, v)
    return v


def check_string_length(c: Client, size: int) -> None:
    """checkStringLength(): a value may not grow past proto-max-bulk-len (the primary's
    writes are obeyed whatever their size)."""
    if size > c.engine.config.values["proto-max-bulk-len"] and not c.is_master:
        raise CommandError(errors.STRING_TOO_LONG)


# Flags of parseExtendedStringArgumentsOrReply()
_NX, _XX, _GET, _KEEPTTL, _PERSIST, _EX, _PX, _EXAT, _PXAT = (1 << i for i in range(9))
_EXPIRE_FLAGS = _EX | _PX | _EXAT | _PXAT
SET_CMD, GET_CMD = 1, 2


def parse_extended_args(argv: list[bytes], start: int,
                        command_type: int) -> tuple[int, bytes | None]:
    """SET/GETEX options -> (flags, expire argument or None)."""
    flags = 0
    expire: bytes | None = None
    j = start
    n = len(argv)
    while j < n:
        opt = argv[j].lower()
        more = j + 1 < n
        if opt == b"nx" and not flags & _XX and command_type == SET_CMD:
            flags |= _NX
        elif opt == b"xx" and not flags & _NX and command_type == SET_CMD:
            flags |= _XX
        elif opt == b"get" and command_type == SET_CMD:
            flags |= _GET
        elif (opt == b"keepttl" and not flags & (_PERSIST | _EXPIRE_FLAGS)
              and command_type == SET_CMD):
            flags |= _KEEPTTL
        elif (opt == b"persist" and command_type == GET_CMD
              and not flags & (_EXPIRE_FLAGS | _KEEPTTL)):
            flags |= _PERSIST
        elif opt == b"ex" and not flags & (_KEEPTTL | _PERSIST | _EXAT | _PX | _PXAT) and more:
            flags |= _EX
            j += 1
            expire = argv[j]
        elif opt == b"px" and not flags & (_KEEPTTL | _PERSIST | _EX | _EXAT | _PXAT) and more:
            flags |= _PX
            j += 1
            expire = argv[j]
        elif opt == b"exat" and not flags & (_KEEPTTL | _PERSIST | _EX | _PX | _PXAT) and more:
            flags |= _EXAT
            j += 1
            expire = argv[j]
        elif opt == b"pxat" and not flags & (_KEEPTTL | _PERSIST | _EX | _EXAT | _PX) and more:
            flags |= _PXAT
            j += 1
            expire = argv[j]
        else:
            raise CommandError(errors.SYNTAX)
        j += 1
    return flags, expire


def expire_to_ms(c: Client, flags: int, expire: bytes, cmdname: str) -> int:
    """An EX/PX/EXAT/PXAT argument as an absolute unix-ms time, with Redis's checks."""
    v = parse_int(expire)
    seconds = flags & (_EX | _EXAT)
    if v <= 0 or (seconds and v > LLONG_MAX // 1000):
        raise CommandError(errors.INVALID_EXPIRE % cmdname)
    if seconds:
        v *= 1000
    if flags & (_EX | _PX):
        v += c.engine.now_ms
        if v > LLONG_MAX:
            raise CommandError(errors.INVALID_EXPIRE % cmdname)
    return v


def _store(c: Client, key: bytes, value: bytes, keep_ttl: bool, when: int) -> None:
    """The write of setGenericCommand(): the key, its expiry, events, the replicated form."""
    db = c.db
    eng = c.engine
    db.set_key(key, value, keep_ttl)
    eng.dirty += 1
    eng.notify_keyspace_event(notify.STRING, b"set", key, db.id)
    if when >= 0:
        db.set_expire(key, when)
        # any expiry replicates as SET key value PXAT <ms>, the token uppercase (Redis's
        # shared object), whatever the client sent
        c.propagate_argv = [b"SET", key, value, b"PXAT", b"%d" % when]
        eng.notify_keyspace_event(notify.GENERIC, b"expire", key, db.id)


def _delete(c: Client, key: bytes) -> None:
    """A command's own delete (GETDEL, GETEX in the past): replicated as DEL."""
    db = c.db
    db.delete(key)
    db.signal_modified(key)
    c.propagate_argv = [b"DEL", key]
    c.engine.notify_keyspace_event(notify.GENERIC, b"del", key, db.id)
    c.engine.dirty += 1


# ------------------------------------------------------------------ GET / SET


@command("get", 2, "readonly fast", keys=(1, 1, 1), group="string",
         summary="Get the value of a key")
@fast_path("get")
def get(c: Client, argv: list[bytes]) -> Any:
    v = c.db.lookup_read(argv[1])
    if v is None or type(v) is bytes:
        return v
    if type(v) is bytearray:
        return bytes(v)  # a copy: EXEC encodes replies after later commands ran
    raise CommandError(errors.WRONGTYPE)


@command("set", -3, "write denyoom", keys=(1, 1, 1), group="string",
         summary="Set the string value of a key")
@fast_path("set")
def set_(c: Client, argv: list[bytes]) -> Any:
    key, value = argv[1], argv[2]
    db = c.db
    if len(argv) == 3:  # the plain SET fast path
        db.set_key(key, value)
        c.engine.dirty += 1
        c.engine.notify_keyspace_event(notify.STRING, b"set", key, db.id)
        return OK
    flags, expire = parse_extended_args(argv, 3, SET_CMD)
    when = expire_to_ms(c, flags, expire, "set") if expire is not None else -1
    old = None
    if flags & _GET:
        old = get_string(db, key)
        if type(old) is bytearray:
            old = bytes(old)
    found = db.lookup_write(key) is not None
    if (flags & _NX and found) or (flags & _XX and not found):
        return old if flags & _GET else None
    _store(c, key, value, bool(flags & _KEEPTTL), when)
    if flags & _GET:
        if when < 0:  # replicas get the SET without its GET arguments
            c.propagate_argv = argv[:3] + [a for a in argv[3:] if a.lower() != b"get"]
        return old
    return OK


@command("setnx", 3, "write denyoom fast", keys=(1, 1, 1), group="string",
         summary="Set the value of a key, only if the key does not exist")
def setnx(c: Client, argv: list[bytes]) -> Any:
    if c.db.lookup_write(argv[1]) is not None:
        return 0
    _store(c, argv[1], argv[2], False, -1)
    return 1


@command("setex", 4, "write denyoom", keys=(1, 1, 1), group="string", since="2.0.0",
         summary="Set the value and expiration of a key")
def setex(c: Client, argv: list[bytes]) -> Any:
    _store(c, argv[1], argv[3], False, expire_to_ms(c, _EX, argv[2], "setex"))
    return OK


@command("psetex", 4, "write denyoom", keys=(1, 1, 1), group="string", since="2.6.0",
         summary="Set the value and expiration in milliseconds of a key")
def psetex(c: Client, argv: list[bytes]) -> Any:
    _store(c, argv[1], argv[3], False, expire_to_ms(c, _PX, argv[2], "psetex"))
    return OK


@command("getset", 3, "write denyoom fast", keys=(1, 1, 1), group="string",
         summary="Set the string value of a key and return its old value")
def getset(c: Client, argv: list[bytes]) -> Any:
    old = get_string(c.db, argv[1])
    _store(c, argv[1], argv[2], False, -1)
    c.propagate_argv = [b"SET", argv[1], argv[2]]
    return None if old is None else bytes(old)


@command("getdel", 2, "write fast", keys=(1, 1, 1), group="string", since="6.2.0",
         summary="Get the value of a key and delete the key")
def getdel(c: Client, argv: list[bytes]) -> Any:
    v = get_string(c.db, argv[1])
    if v is None:
        return None
    _delete(c, argv[1])
    return bytes(v)


@command("getex", -2, "write fast", keys=(1, 1, 1), group="string", since="6.2.0",
         summary="Get the value of a key and optionally set its expiration")
def getex(c: Client, argv: list[bytes]) -> Any:
    flags, expire = parse_extended_args(argv, 2, GET_CMD)
    key = argv[1]
    db = c.db
    v = get_string(db, key)
    if v is None:
        return None
    v = bytes(v)
    eng = c.engine
    if expire is not None:
        when = expire_to_ms(c, flags, expire, "getex")
        if flags & (_EXAT | _PXAT) and when <= eng.now_ms:
            _delete(c, key)
            return v
        db.set_expire(key, when)
        c.propagate_argv = [b"PEXPIREAT", key, b"%d" % when]  # whatever the option
        db.signal_modified(key)
        eng.notify_keyspace_event(notify.GENERIC, b"expire", key, db.id)
        eng.dirty += 1
    elif flags & _PERSIST and db.persist(key):
        db.signal_modified(key)
        c.propagate_argv = [b"PERSIST", key]
        eng.notify_keyspace_event(notify.GENERIC, b"persist", key, db.id)
        eng.dirty += 1
    return v


@command("mget", -2, "readonly fast", keys=(1, -1, 1), group="string",
         tips="request_policy:multi_shard", summary="Get the values of all the given keys",
         complexity="O(N) where N is the number of keys to retrieve.")
def mget(c: Client, argv: list[bytes]) -> Any:
    db = c.db
    out = []
    for key in argv[1:]:
        v = db.lookup_read(key)
        if type(v) is bytes:
            out.append(v)
        elif type(v) is bytearray:
            out.append(bytes(v))
        else:
            out.append(None)
    return out


def _set_pairs(c: Client, argv: list[bytes]) -> None:
    db = c.db
    eng = c.engine
    for i in range(1, len(argv), 2):
        db.set_key(argv[i], argv[i + 1])
        eng.notify_keyspace_event(notify.STRING, b"set", argv[i], db.id)
    eng.dirty += (len(argv) - 1) // 2


@command("mset", -3, "write denyoom", keys=(1, -1, 2), group="string", since="1.0.1",
         tips="request_policy:multi_shard response_policy:all_succeeded",
         summary="Set multiple keys to multiple values",
         complexity="O(N) where N is the number of keys to set.")
@fast_path("mset")
def mset(c: Client, argv: list[bytes]) -> Any:
    if len(argv) % 2 == 0:
        raise CommandError(errors.WRONG_ARITY % "mset")
    _set_pairs(c, argv)
    return OK


@command("msetnx", -3, "write denyoom", keys=(1, -1, 2), group="string", since="1.0.1",
         tips="request_policy:multi_shard response_policy:agg_min",
         summary="Set multiple keys to multiple values, only if none of the keys exist",
         complexity="O(N) where N is the number of keys to set.")
def msetnx(c: Client, argv: list[bytes]) -> Any:
    if len(argv) % 2 == 0:
        raise CommandError(errors.WRONG_ARITY % "msetnx")
    db = c.db
    for i in range(1, len(argv), 2):
        if db.lookup_write(argv[i]) is not None:
            return 0
    _set_pairs(c, argv)
    return 1


# ------------------------------------------------------------------ substrings


@command("append", 3, "write denyoom fast", keys=(1, 1, 1), group="string", since="2.0.0",
         summary="Append a value to a key",
         complexity="O(1). The amortized time complexity is O(1) assuming the appended value "
         "is small and the already present value is of any size, since the dynamic string "
         "library used by Redis will double the free space available on every reallocation.")
def append(c: Client, argv: list[bytes]) -> Any:
    key, tail = argv[1], argv[2]
    db = c.db
    v = get_string_for_write(db, key)
    if v is None:
        db.add(key, tail)
        size = len(tail)
    else:
        check_string_length(c, len(v) + len(tail))
        v = unshare_string(db, key, v)
        v += tail
        db.adjust_memory(len(tail))
        size = len(v)
    db.signal_modified(key)
    c.engine.notify_keyspace_event(notify.STRING, b"append", key, db.id)
    c.engine.dirty += 1
    return size


@command("strlen", 2, "readonly fast", keys=(1, 1, 1), group="string", since="2.2.0",
         summary="Get the length of the value stored in a key")
def strlen(c: Client, argv: list[bytes]) -> Any:
    v = get_string(c.db, argv[1])
    return 0 if v is None else len(v)


@command("setrange", 4, "write denyoom", keys=(1, 1, 1), group="string", since="2.2.0",
         summary="Overwrite part of a string at key starting at the specified offset",
         complexity="O(1), not counting the time taken to copy the new string in place. "
         "Usually, this string is very small so the amortized complexity is O(1). Otherwise, "
         "complexity is O(M) with M being the length of the value argument.")
def setrange(c: Client, argv: list[bytes]) -> Any:
    key, value = argv[1], argv[3]
    offset = parse_int(argv[2])
    if offset < 0:
        raise CommandError(errors.OFFSET_OUT_OF_RANGE)
    db = c.db
    v = get_string_for_write(db, key)
    if not value:
        return 0 if v is None else len(v)
    check_string_length(c, offset + len(value))
    if v is None:
        v = bytearray(offset)
        v += value
        db.add(key, v)
    else:
        v = unshare_string(db, key, v)
        size = len(v)
        if offset > size:
            v += bytes(offset - size)
        v[offset:offset + len(value)] = value
        db.adjust_memory(len(v) - size)
    db.signal_modified(key)
    c.engine.notify_keyspace_event(notify.STRING, b"setrange", key, db.id)
    c.engine.dirty += 1
    return len(v)


_RANGE_COMPLEXITY = (
    "O(N) where N is the length of the returned string. The complexity is ultimately "
    "determined by the returned length, but because creating a substring from an existing "
    "string is very cheap, it can be considered O(1) for small strings.")


@command("getrange", 4, "readonly", keys=(1, 1, 1), group="string", since="2.4.0",
         summary="Get a substring of the string stored at a key", complexity=_RANGE_COMPLEXITY)
def getrange(c: Client, argv: list[bytes]) -> Any:
    start = parse_int(argv[2])
    end = parse_int(argv[3])
    v = get_string(c.db, argv[1])
    if v is None or (start < 0 and end < 0 and start > end):
        return b""
    n = len(v)
    if start < 0:
        start = max(n + start, 0)
    if end < 0:
        end = max(n + end, 0)
    if end >= n:
        end = n - 1
    if start > end:
        return b""
    return bytes(v[start:end + 1])


@command("substr", 4, "readonly", keys=(1, 1, 1), group="string",
         summary="Get a substring of the string stored at a key", complexity=_RANGE_COMPLEXITY)
def substr(c: Client, argv: list[bytes]) -> Any:
    return getrange(c, argv)


# ------------------------------------------------------------------ counters


def incr_by(c: Client, key: bytes, incr: int) -> int:
    db = c.db
    v = get_string_for_write(db, key)
    if v is None:
        value = 0
    else:
        value = parse_int(bytes(v) if type(v) is bytearray else v)
    if (incr < 0 and value < 0 and incr < LLONG_MIN - value) or \
            (incr > 0 and value > 0 and incr > LLONG_MAX - value):
        raise CommandError(errors.OVERFLOW)
    value += incr
    new = b"%d" % value
    if v is None:
        db.add(key, new)
    else:
        db.overwrite(key, new)
    db.signal_modified(key)
    eng = c.engine
    eng.notify_keyspace_event(notify.STRING, b"incrby", key, db.id)
    eng.dirty += 1
    return value


@command("incr", 2, "write denyoom fast", keys=(1, 1, 1), group="string",
         summary="Increment the integer value of a key by one")
@fast_path("incr")
def incr(c: Client, argv: list[bytes]) -> Any:
    return incr_by(c, argv[1], 1)


@command("decr", 2, "write denyoom fast", keys=(1, 1, 1), group="string",
         summary="Decrement the integer value of a key by one")
@fast_path("decr")
def decr(c: Client, argv: list[bytes]) -> Any:
    return incr_by(c, argv[1], -1)


@command("incrby", 3, "write denyoom fast", keys=(1, 1, 1), group="string",
         summary="Increment the integer value of a key by the given amount")
def incrby(c: Client, argv: list[bytes]) -> Any:
    return incr_by(c, argv[1], parse_int(argv[2]))


@command("decrby", 3, "write denyoom fast", keys=(1, 1, 1), group="string",
         summary="Decrement the integer value of a key by the given number")
def decrby(c: Client, argv: list[bytes]) -> Any:
    incr = parse_int(argv[2])
    if incr == LLONG_MIN:
        raise CommandError(errors.DECREMENT_OVERFLOW)
    return incr_by(c, argv[1], -incr)


@command("incrbyfloat", 3, "write denyoom fast", keys=(1, 1, 1), group="string",
         since="2.6.0", summary="Increment the float value of a key by the given amount")
def incrbyfloat(c: Client, argv: list[bytes]) -> Any:
    key = argv[1]
    db = c.db
    v = get_string_for_write(db, key)
    value = Fraction(0) if v is None else parse_long_double(v)
    new = format_long_double(add_long_double(value, parse_long_double(argv[2])))
    if v is None:
        db.add(key, new)
    else:
        db.overwrite(key, new)
    db.signal_modified(key)
    c.engine.notify_keyspace_event(notify.STRING, b"incrbyfloat", key, db.id)
    c.engine.dirty += 1
    # Replicated as the SET of the result, so replicas need not redo the float arithmetic.
    c.propagate_argv = [b"SET", key, new, b"KEEPTTL"]
    return new


# ------------------------------------------------------------------ LCS


@command("lcs", -3, "readonly", keys=(1, 2, 1), group="string", since="7.0.0",
         summary="Find longest common substring",
         complexity="O(N*M) where N and M are the lengths of s1 and s2, respectively")
def lcs(c: Client, argv: list[bytes]) -> Any:
    db = c.db
    a = db.lookup_read(argv[1])
    b = db.lookup_read(argv[2])
    if (a is not None and not is_string(a)) or (b is not None and not is_string(b)):
        raise CommandError(errors.LCS_WRONGTYPE)
    a = b"" if a is None else bytes(a)
    b = b"" if b is None else bytes(b)
    get_idx = get_len = with_match_len = False
    min_match_len = 0
    j = 3
    while j < len(argv):
        opt = argv[j].lower()
        if opt == b"idx":
            get_idx = True
        elif opt == b"len":
            get_len = True
        elif opt == b"withmatchlen":
            with_match_len = True
        elif opt == b"minmatchlen" and j + 1 < len(argv):
            j += 1
            min_match_len = max(parse_int(argv[j]), 0)
        else:
            raise CommandError(errors.SYNTAX)
        j += 1
    if get_idx and get_len:
        raise CommandError(errors.LCS_IDX_AND_LEN)
    if (len(a) + 1) * (len(b) + 1) * 4 > c.engine.config.values["proto-max-bulk-len"]:
        raise CommandError(errors.LCS_MEMORY)
    rows = _lcs_rows(a, b)
    total = len(b) - rows[-1].bit_count()
    if get_len:
        return total
    # Walk the table back from the end as Redis does (on a tie, drop b's last byte), so
    # the string and the ranges are the ones Redis picks among equally long answers.
    out = bytearray(total)
    matches = []
    k, i, j = total, len(a), len(b)
    a_start = b_start = a_end = b_end = -1
    while i > 0 and j > 0:
        emit = False
        if a[i - 1] == b[j - 1]:
            k -= 1
            out[k] = a[i - 1]
            if a_start < 0:
                a_end, b_end = i - 1, j - 1
            i -= 1
            j -= 1
            a_start, b_start = i, j
            emit = not i or not j  # a range touching a string's start ends the walk
        else:
            up = j - (rows[i - 1] & ((1 << j) - 1)).bit_count()  # LCS(i-1, j)
            left = j - 1 - (rows[i] & ((1 << (j - 1)) - 1)).bit_count()  # LCS(i, j-1)
            if up > left:
                i -= 1
            else:
                j -= 1
            emit = a_start >= 0
        if emit:
            length = a_end - a_start + 1
            if get_idx and length >= min_match_len:
                match = [[a_start, a_end], [b_start, b_end]]
                if with_match_len:
                    match.append(length)
                matches.append(match)
            a_start = -1
    if get_idx:
        return {b"matches": matches, b"len": total}
    return bytes(out)


def _lcs_rows(a: bytes, b: bytes) -> list[int]:
    """The LCS table, one bit-parallel row per prefix of a (Allison-Dix/Hyyro): the length
    of LCS(a[:i], b[:j]) is j minus the number of set bits among the j low bits of row i."""
    full = (1 << len(b)) - 1
    masks = {}
    for ch in set(b):
        marks = b.translate(_ZEROS[:ch] + b"1" + _ZEROS[ch + 1:])  # "1" where b[j] == ch
        masks[ch] = int(marks[::-1], 2)
    rows = [full]
    v = full
    for ch in a:
        u = v & masks.get(ch, 0)
        v = ((v + u) | (v - u)) & full
        rows.append(v)
    return rows


_ZEROS = b"0" * 256
