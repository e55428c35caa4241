"""HyperLogLog registers in Redis's exact string representation (hyperloglog.c).

An HLL is a plain string: a 16-byte header ("HYLL", the encoding byte, 3 unused bytes, the
cached cardinality little endian with bit 63 meaning "stale") and a body, either dense
(16384 6-bit registers packed LSB first, 12288 bytes) or sparse (ZERO 00xxxxxx, XZERO
01xxxxxx yyyyyyyy and VAL 1vvvvvxx opcodes). Functions here work on the whole string as a
bytearray changed in place, so that GET returns the bytes Redis would.

The sparse body is edited as a list of opcodes (each its own bytes) beside the register
index each one starts at: finding an opcode is a bisection and a split or a merge is a list
edit, while the result is what hllSparseSet's byte-level memmoves leave. A dense body is
read and written 16384 registers at a time with big-integer masks.
"""

import math
import re
import struct
from bisect import bisect_right
from itertools import accumulate

__all__ = ["DENSE", "EMPTY", "HLL_REGISTERS", "SPARSE", "add", "count", "count_registers",
           "decode", "estimate", "is_hll", "max_registers", "merge_into", "murmur64a",
           "pack_dense", "pat_len", "registers_of", "store_registers", "to_dense",
           "unpack_dense"]

HLL_P = 14
HLL_Q = 64 - HLL_P
HLL_REGISTERS = 1 << HLL_P
HDR = 16
DENSE_SIZE = HDR + HLL_REGISTERS * 6 // 8
DENSE, SPARSE = 0, 1
_MAX_ENCODING = 1
_SPARSE_VAL_MAX = 32
_ALPHA_INF = 0.721347520444481703680
_MASK64 = (1 << 64) - 1
_M = 0xc6a4a7935bd1e995
_SEED = 0xadc83b19
PROMOTE = 2  # hllSparseSet's "goto promote"

# createHLLObject(): sparse, one XZERO covering all registers, cached cardinality 0 (valid)
EMPTY = b"HYLL\x01" + bytes(11) + b"\x7f\xff"

# ------------------------------------------------------------------ sparse opcodes
# Every byte starts an opcode; an XZERO takes the next byte too (a lone XZERO byte at the
# end reads the string's NUL terminator as its low byte, as Redis does).
_OP_RE = re.compile(rb"[\x40-\x7f][\x00-\xff]?|[\x00-\x3f\x80-\xff]")
_SPAN: dict[bytes, int] = {}
for _b in range(256):
    if _b < 0x40:
        _SPAN[bytes((_b,))] = _b + 1
    elif _b < 0x80:
        _SPAN[bytes((_b,))] = ((_b & 0x3f) << 8) + 1
        for _lo in range(256):
            _SPAN[bytes((_b, _lo))] = ((_b & 0x3f) << 8 | _lo) + 1
    else:
        _SPAN[bytes((_b,))] = (_b & 3) + 1
_VAL = [[b""] * 5] + [[b""] + [bytes((0x80 | (v - 1) << 2 | (n - 1),)) for n in range(1, 5)]
                      for v in range(1, 33)]
_RUNS = [[bytes((v,)) * n for n in range(5)] for v in range(33)]


def _zero(n: int) -> bytes:
    """A ZERO or XZERO opcode for a run of n zero registers."""
    if n > 64:
        n -= 1
        return bytes((0x40 | n >> 8, n & 0xff))
    return bytes((n - 1,))


# ------------------------------------------------------------------ hashing


def murmur64a(data: bytes, seed: int = _SEED) -> int:
    """MurmurHash64A as hyperloglog.c has it (little-endian words)."""
    n = len(data)
    h = (seed ^ (n * _M)) & _MASK64
    words = n >> 3
    if words:
        for k in struct.unpack_from(f"<{words}Q", data):
            k = (k * _M) & _MASK64
            k ^= k >> 47
            h ^= (k * _M) & _MASK64
            h = (h * _M) & _MASK64
    if n & 7:
        h ^= int.from_bytes(data[words << 3:], "little")
        h = (h * _M) & _MASK64
    h ^= h >> 47
    h = (h * _M) & _MASK64
    return h ^ (h >> 47)


def pat_len(element: bytes) -> tuple[int, int]:
    """hllPatLen(): (register index, length of the 000..1 run of the hash's high bits)."""
    h = murmur64a(element)
    rest = (h >> HLL_P) | (1 << HLL_Q)
    return h & (HLL_REGISTERS - 1), (rest & -rest).bit_length()


# ------------------------------------------------------------------ validation


def is_hll(v: bytes | bytearray) -> bool:
    """isHLLObjectOrReply()'s checks on a string value."""
    if len(v) < HDR or v[:4] != b"HYLL" or v[4] > _MAX_ENCODING:
        return False
    return v[4] != DENSE or len(v) == DENSE_SIZE


# ------------------------------------------------------------------ dense registers
# Registers come out of (and go back into) the packed body 4 per 3 bytes: the 3-byte
# groups are spread into 4-byte words, then each word's four 6-bit fields into bytes.
_W12 = int.from_bytes(b"\xff\x0f\x00\x00" * (HLL_REGISTERS // 4), "little")
_W6 = int.from_bytes(b"\x3f\x00\x3f\x00" * (HLL_REGISTERS // 4), "little")
_HIGH = int.from_bytes(b"\x80" * HLL_REGISTERS, "little")


def unpack_dense(body: bytes | bytearray) -> bytes:
    """The 16384 registers of a dense body, one byte each."""
    spread = bytearray(HLL_REGISTERS)
    spread[0::4] = body[0::3]
    spread[1::4] = body[1::3]
    spread[2::4] = body[2::3]
    w = int.from_bytes(spread, "little")
    x = (w & _W12) | ((w >> 12) & _W12) << 16
    return ((x & _W6) | ((x >> 6) & _W6) << 8).to_bytes(HLL_REGISTERS, "little")


def pack_dense(regs: bytes | bytearray) -> bytearray:
    """The dense body holding 16384 registers (each below 64)."""
    y = int.from_bytes(regs, "little")
    x = (y & _W6) | ((y >> 8) & _W6) << 6
    spread = ((x & _W12) | ((x >> 16) & _W12) << 12).to_bytes(HLL_REGISTERS, "little")
    body = bytearray(DENSE_SIZE - HDR)
    body[0::3] = spread[0::4]
    body[1::3] = spread[1::4]
    body[2::3] = spread[2::4]
    return body


def max_registers(a: bytes | bytearray, b: bytes | bytearray) -> bytes:
    """Register-wise maximum of two 16384-byte register arrays (values below 128)."""
    x = int.from_bytes(a, "little")
    y = int.from_bytes(b, "little")
    ge = (((x | _HIGH) - y) & _HIGH) >> 7  # 1 in each byte where a >= b
    return (y ^ ((x ^ y) & ge * 255)).to_bytes(HLL_REGISTERS, "little")


def _dense_set(v: bytearray, index: int, count: int) -> int:
    """hllDenseSet() on the whole string: 1 if the register grew."""
    pos = index * 6
    at = HDR + (pos >> 3)
    fb = pos & 7
    word = v[at] | (v[at + 1] << 8 if fb > 2 else 0)
    if count <= (word >> fb) & 63:
        return 0
    word = (word & ~(63 << fb)) | count << fb
    v[at] = word & 0xff
    if fb > 2:
        v[at + 1] = word >> 8
    return 1


# ------------------------------------------------------------------ sparse body


class _Sparse:
    """A sparse body being edited: opcodes, the register each starts at, total length."""

    __slots__ = ("ops", "size", "starts")

    def __init__(self, v: bytes | bytearray) -> None:
        self.ops = _OP_RE.findall(v, HDR)
        self.starts = list(accumulate(map(_SPAN.__getitem__, self.ops), initial=0))
        self.size = len(v)

    def body(self) -> bytes:
        return b"".join(self.ops)

    def set(self, index: int, count: int, max_bytes: int) -> int:
        """hllSparseSet(): 1 if the register grew, 0 if not, -1 if the body does not
        cover it, PROMOTE when Redis would turn the HLL dense first."""
        if count > _SPARSE_VAL_MAX:
            return PROMOTE
        starts = self.starts
        if index >= starts[-1]:
            return -1
        ops = self.ops
        i = bisect_right(starts, index) - 1
        op = ops[i]
        b = op[0]
        first = starts[i]
        runlen = starts[i + 1] - first
        if b & 0x80:
            cur = ((b >> 2) & 0x1f) + 1
            if cur >= count:
                return 0
            if runlen == 1:
                ops[i] = _VAL[count][1]
                self._merge(i)
                return 1
        elif b < 0x40 and runlen == 1:
            ops[i] = _VAL[count][1]
            self._merge(i)
            return 1
        # Split the opcode around the register: at most XZERO-VAL-XZERO
        last = first + runlen - 1
        seq = []
        new_starts = []
        if index != first:
            seq.append(_VAL[cur][index - first] if b & 0x80 else _zero(index - first))
            new_starts.append(index)
        seq.append(_VAL[count][1])
        if index != last:
            seq.append(_VAL[cur][last - index] if b & 0x80 else _zero(last - index))
            new_starts.append(index + 1)
        delta = sum(map(len, seq)) - (1 if b < 0x40 or b & 0x80 else 2)
        if delta > 0 and self.size + delta > max_bytes:
            return PROMOTE
        if len(op) == 1 and 0x40 <= b < 0x80:
            # a truncated XZERO at the very end: the new sequence loses its last byte
            tail = _OP_RE.findall(b"".join(seq)[:-1])
            ops[i:] = tail
            starts[i + 1:] = list(accumulate(map(_SPAN.__getitem__, tail), initial=first))[1:]
        else:
            ops[i:i + 1] = seq
            starts[i + 1:i + 1] = new_starts
        self.size += delta
        self._merge(i)
        return 1

    def _merge(self, i: int) -> None:
        """Step 4 of hllSparseSet(): merge adjacent VALs, scanning at most 5 opcodes from
        the one before the change (so the result depends on the order of updates)."""
        ops, starts = self.ops, self.starts
        j = i - 1 if i else 0
        scan = 5
        while j < len(ops) and scan:
            scan -= 1
            b = ops[j][0]
            if b & 0x80 and j + 1 < len(ops):
                nb = ops[j + 1][0]
                n = (b & 3) + (nb & 3) + 2
                if nb & 0x80 and nb >> 2 == b >> 2 and n <= 4:
                    ops[j + 1] = _VAL[((b >> 2) & 0x1f) + 1][n]
                    del ops[j]
                    del starts[j + 1]
                    self.size -= 1
                    continue
            j += 1

    def registers(self) -> bytearray | None:
        """hllSparseToDense()'s registers, None if the opcodes do not cover exactly 16384
        registers (Redis 7.0.15 also refuses a body that runs past the last one)."""
        if self.starts[-1] != HLL_REGISTERS:
            return None
        regs = bytearray(HLL_REGISTERS)
        for op, idx in zip(self.ops, self.starts):
            b = op[0]
            if b & 0x80:
                n = (b & 3) + 1
                regs[idx:idx + n] = _RUNS[((b >> 2) & 0x1f) + 1][n]
        return regs

    def histogram(self) -> list[int] | None:
        """hllSparseRegHisto(), None if the body does not cover exactly 16384 registers."""
        hist = [0] * 64
        if self.starts[-1] != HLL_REGISTERS:
            return None
        for op in self.ops:
            b = op[0]
            if b & 0x80:
                hist[((b >> 2) & 0x1f) + 1] += (b & 3) + 1
            else:
                hist[0] += _SPAN[op]
        return hist


def _promote(v: bytearray, sparse: _Sparse) -> bool:
    """hllSparseToDense() in place; False if the sparse body is corrupt."""
    regs = sparse.registers()
    if regs is None:
        return False
    v[4] = DENSE
    v[HDR:] = pack_dense(regs)
    return True


# ------------------------------------------------------------------ operations


def add(v: bytearray, elements: list[bytes], max_bytes: int) -> tuple[int, bool]:
    """PFADD's register updates, in place: (registers changed, corrupt HLL met). On
    corruption the updates made before it stay, as in Redis."""
    updated = 0
    sparse = _Sparse(v) if v[4] == SPARSE else None
    for element in elements:
        index, count = pat_len(element)
        if sparse is None:
            updated += _dense_set(v, index, count)
            continue
        r = sparse.set(index, count, max_bytes)
        if r == PROMOTE:
            v[HDR:] = sparse.body()
            if not _promote(v, sparse):
                return updated, True
            sparse = None
            r = _dense_set(v, index, count)
        elif r < 0:
            v[HDR:] = sparse.body()
            return updated, True
        updated += r
    if sparse is not None:
        v[HDR:] = sparse.body()
    return updated, False


def registers_of(v: bytes | bytearray) -> bytes | bytearray | None:
    """All 16384 registers of a valid HLL (None for a corrupt sparse body), as hllMerge
    reads them."""
    if v[4] == DENSE:
        return unpack_dense(v[HDR:])
    return _Sparse(v).registers()


def merge_into(acc: bytes | None, v: bytes | bytearray) -> bytes | None:
    """hllMerge(): the register-wise maximum of ``acc`` (None: all zero) and HLL ``v``;
    raises ValueError on a corrupt sparse body."""
    regs = registers_of(v)
    if regs is None:
        raise ValueError("corrupt HLL")
    return regs if acc is None else max_registers(acc, regs)


def store_registers(v: bytearray, regs: bytes, use_dense: bool, max_bytes: int) -> bool:
    """PFMERGE's write of merged registers into HLL ``v`` (converted to dense first when
    ``use_dense``); False on a corrupt sparse body."""
    if use_dense and v[4] == SPARSE and not _promote(v, _Sparse(v)):
        return False
    if v[4] == DENSE:
        v[HDR:] = pack_dense(max_registers(unpack_dense(v[HDR:]), regs))
        return True
    sparse = _Sparse(v)
    for m in re.finditer(rb"[^\x00]", regs):
        j = m.start()
        if sparse is None:
            _dense_set(v, j, regs[j])
        elif sparse.set(j, regs[j], max_bytes) == PROMOTE:
            v[HDR:] = sparse.body()
            _promote(v, sparse)
            sparse = None
            _dense_set(v, j, regs[j])
    if sparse is not None:
        v[HDR:] = sparse.body()
    return True


def to_dense(v: bytearray) -> bool:
    """PFDEBUG TODENSE: False on a corrupt sparse body."""
    return _promote(v, _Sparse(v))


def _histogram(regs: bytes | bytearray) -> list[int]:
    hist = [0] * 64
    for value in set(regs):
        hist[value] = regs.count(value)
    return hist


def _sigma(x: float) -> float:
    if x == 1.0:
        return math.inf
    y = 1.0
    z = x
    while True:
        x *= x
        prev = z
        z += x * y
        y += y
        if prev == z:
            return z


def _tau(x: float) -> float:
    if x == 0.0 or x == 1.0:
        return 0.0
    y = 1.0
    z = 1 - x
    while True:
        x = math.sqrt(x)
        prev = z
        y *= 0.5
        z -= math.pow(1 - x, 2) * y
        if prev == z:
            return z / 3


def estimate(hist: list[int]) -> int:
    """hllCount()'s estimator (Ertl's improved raw estimate) from a register histogram."""
    m = float(HLL_REGISTERS)
    z = m * _tau((m - hist[HLL_Q + 1]) / m)
    for j in range(HLL_Q, 0, -1):
        z += hist[j]
        z *= 0.5
    z += m * _sigma(hist[0] / m)
    e = _ALPHA_INF * m * m / z
    r = math.floor(e)  # llroundl(): halves away from zero
    return int(r + 1 if e - r >= 0.5 else r)


def count(v: bytes | bytearray) -> int | None:
    """The cardinality of one HLL, computed (not the cache); None if corrupt."""
    if v[4] == DENSE:
        return estimate(_histogram(unpack_dense(v[HDR:])))
    hist = _Sparse(v).histogram()
    return None if hist is None else estimate(hist)


def count_registers(regs: bytes | bytearray) -> int:
    """The cardinality of merged registers (PFCOUNT of several keys)."""
    return estimate(_histogram(regs))


def decode(v: bytes | bytearray) -> bytes:
    """PFDEBUG DECODE of a sparse HLL."""
    out = []
    for op in _OP_RE.findall(v, HDR):
        b = op[0]
        if b & 0x80:
            out.append(b"v:%d,%d" % (((b >> 2) & 0x1f) + 1, (b & 3) + 1))
        else:
            out.append(b"%s:%d" % (b"z" if b < 0x40 else b"Z", _SPAN[op]))
    return b" ".join(out)
