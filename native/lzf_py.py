"""LZF in pure Python: the specification of lzf_c.pyx.

A line-by-line port of liblzf's lzf_compress (HLOG 16, VERY_FAST) and lzf_decompress, so
the compressed bytes equal Redis's for the same input. One difference of no consequence:
liblzf leaves its hash table uninitialised (INIT_HTAB 0), here it starts empty; an empty
slot and a stale one both mostly mean "no candidate", and every candidate is verified.

``compress(data, out_len)`` returns the compressed bytes, or None when they would not fit
in ``out_len`` bytes (Redis asks for len-4: compress only when it saves space).
``decompress(data, out_len)`` returns exactly ``out_len`` bytes or raises LZFError.
"""

from .lzf_common import HSIZE, HLOG, LZFError, MAX_LIT, MAX_OFF, MAX_REF

__all__ = ["compress", "decompress", "LZFError"]

_M32 = 0xFFFFFFFF
_SHIFT = 3 * 8 - HLOG
_HMASK = HSIZE - 1


def compress(data, out_len: int):
    """lzf_compress(): compressed bytes, or None when they need more than out_len."""
    d = bytes(data)
    in_len = len(d)
    if not in_len or out_len <= 0:
        return None
    out = bytearray(out_len + 8)
    htab: dict = {}
    in_end = in_len
    out_end = out_len
    ip = 0
    op = 1  # start run
    lit = 0
    hval = (d[0] << 8) | d[1] if in_len > 1 else d[0] << 8
    while ip < in_end - 2:
        hval = ((hval << 8) | d[ip + 2]) & _M32
        slot = ((hval >> _SHIFT) - hval * 5) & _HMASK
        ref = htab.get(slot, 0)
        htab[slot] = ip
        off = ip - ref - 1
        if off < MAX_OFF and ref > 0 and d[ref + 2] == d[ip + 2] \
                and d[ref] == d[ip] and d[ref + 1] == d[ip + 1]:
            length = 2
            maxlen = in_end - ip - length
            if maxlen > MAX_REF:
                maxlen = MAX_REF
            if op + 3 + 1 >= out_end:
                if op - (0 if lit else 1) + 3 + 1 >= out_end:
                    return None
            out[op - lit - 1] = (lit - 1) & 0xFF  # stop run
            if not lit:
                op -= 1  # undo run if length is zero
            broke = False
            if maxlen > 16:
                for _ in range(16):
                    length += 1
                    if d[ref + length] != d[ip + length]:
                        broke = True
                        break
            if not broke:
                while True:
                    length += 1
                    if not (length < maxlen and d[ref + length] == d[ip + length]):
                        break
            length -= 2  # now #octets - 1
            ip += 1
            if length < 7:
                out[op] = (off >> 8) + (length << 5)
                op += 1
            else:
                out[op] = (off >> 8) + (7 << 5)
                out[op + 1] = length - 7
                op += 2
            out[op] = off & 0xFF
            op += 1
            lit = 0
            op += 1  # start run
            ip += length + 1
            if ip >= in_end - 2:
                break
            ip -= 2  # VERY_FAST: hash the two positions before the new ip
            hval = (d[ip] << 8) | d[ip + 1]
            hval = ((hval << 8) | d[ip + 2]) & _M32
            htab[((hval >> _SHIFT) - hval * 5) & _HMASK] = ip
            ip += 1
            hval = ((hval << 8) | d[ip + 2]) & _M32
            htab[((hval >> _SHIFT) - hval * 5) & _HMASK] = ip
            ip += 1
        else:
            if op >= out_end:
                return None
            lit += 1
            out[op] = d[ip]
            op += 1
            ip += 1
            if lit == MAX_LIT:
                out[op - lit - 1] = lit - 1  # stop run
                lit = 0
                op += 1  # start run
    if op + 3 > out_end:  # at most 3 bytes can be missing here
        return None
    while ip < in_end:
        lit += 1
        out[op] = d[ip]
        op += 1
        ip += 1
        if lit == MAX_LIT:
            out[op - lit - 1] = lit - 1
            lit = 0
            op += 1
    out[op - lit - 1] = (lit - 1) & 0xFF  # end run
    if not lit:
        op -= 1  # undo run if length is zero
    if op > out_len:
        return None
    return bytes(out[:op])


def decompress(data, out_len: int) -> bytes:
    """lzf_decompress() that must produce exactly out_len bytes."""
    d = bytes(data)
    in_end = len(d)
    out = bytearray()
    ip = 0
    while ip < in_end:
        ctrl = d[ip]
        ip += 1
        if ctrl < 32:  # literal run
            ctrl += 1
            if len(out) + ctrl > out_len:
                raise LZFError("LZF output overflow")
            if ip + ctrl > in_end:
                raise LZFError("LZF input truncated")
            out += d[ip:ip + ctrl]
            ip += ctrl
        else:  # back reference
            length = ctrl >> 5
            ref = len(out) - ((ctrl & 0x1F) << 8) - 1
            if ip >= in_end:
                raise LZFError("LZF input truncated")
            if length == 7:
                length += d[ip]
                ip += 1
                if ip >= in_end:
                    raise LZFError("LZF input truncated")
            ref -= d[ip]
            ip += 1
            if len(out) + length + 2 > out_len:
                raise LZFError("LZF output overflow")
            if ref < 0:
                raise LZFError("LZF back reference out of range")
            length += 2
            if ref + length <= len(out):
                out += out[ref:ref + length]
            else:
                for i in range(length):
                    out.append(out[ref + i])
    if len(out) != out_len:
        raise LZFError("LZF output length mismatch")
    return bytes(out)
