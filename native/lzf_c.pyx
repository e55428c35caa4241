# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""LZF, the Cython twin of lzf_py.py (the specification, a port of liblzf as vendored in
Redis). Same output bytes, same errors.

The hash table is static and cleared after each call by re-walking the positions that
could have touched it (O(input), instead of a 256 KiB memset for every short string); the
GIL stays held while compressing, so one table serves every engine in the process.
"""

from cpython.buffer cimport PyBUF_SIMPLE, PyBuffer_Release, PyObject_GetBuffer
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize
from libc.stdint cimport uint8_t
from libc.string cimport memcpy

from .lzf_common import LZFError, HLOG, HSIZE, MAX_LIT, MAX_OFF, MAX_REF

__all__ = ["compress", "decompress", "LZFError"]

DEF C_HLOG = 16
DEF C_HSIZE = 65536
DEF C_MAX_LIT = 32
DEF C_MAX_OFF = 8192
DEF C_MAX_REF = 264

assert HLOG == C_HLOG and HSIZE == C_HSIZE and MAX_LIT == C_MAX_LIT
assert MAX_OFF == C_MAX_OFF and MAX_REF == C_MAX_REF

cdef unsigned int _htab[C_HSIZE]


cdef inline unsigned int _idx(unsigned int h) noexcept nogil:
    return ((h >> (3 * 8 - C_HLOG)) - h * 5) & (C_HSIZE - 1)


cdef Py_ssize_t _compress(const uint8_t* data, Py_ssize_t in_len, uint8_t* out,
                          Py_ssize_t out_len) noexcept:
    cdef Py_ssize_t ip = 0, op = 1, lit = 0, ref, off, length, maxlen
    cdef Py_ssize_t in_end = in_len, out_end = out_len
    cdef unsigned int hval, slot
    cdef bint broke
    cdef int k
    hval = (data[0] << 8) | data[1] if in_len > 1 else data[0] << 8
    while ip < in_end - 2:
        hval = (hval << 8) | data[ip + 2]
        slot = _idx(hval)
        ref = _htab[slot]
        _htab[slot] = <unsigned int>ip
        off = ip - ref - 1
        if off < C_MAX_OFF and ref > 0 and data[ref + 2] == data[ip + 2] \
                and data[ref] == data[ip] and data[ref + 1] == data[ip + 1]:
            length = 2
            maxlen = in_end - ip - length
            if maxlen > C_MAX_REF:
                maxlen = C_MAX_REF
            if op + 3 + 1 >= out_end:
                if op - (0 if lit else 1) + 3 + 1 >= out_end:
                    return 0
            out[op - lit - 1] = <uint8_t>(lit - 1)
            if not lit:
                op -= 1
            broke = False
            if maxlen > 16:
                for k in range(16):
                    length += 1
                    if data[ref + length] != data[ip + length]:
                        broke = True
                        break
            if not broke:
                while True:
                    length += 1
                    if not (length < maxlen and data[ref + length] == data[ip + length]):
                        break
            length -= 2
            ip += 1
            if length < 7:
                out[op] = <uint8_t>((off >> 8) + (length << 5))
                op += 1
            else:
                out[op] = <uint8_t>((off >> 8) + (7 << 5))
                out[op + 1] = <uint8_t>(length - 7)
                op += 2
            out[op] = <uint8_t>(off & 0xFF)
            op += 1
            lit = 0
            op += 1
            ip += length + 1
            if ip >= in_end - 2:
                break
            ip -= 2
            hval = (data[ip] << 8) | data[ip + 1]
            hval = (hval << 8) | data[ip + 2]
            _htab[_idx(hval)] = <unsigned int>ip
            ip += 1
            hval = (hval << 8) | data[ip + 2]
            _htab[_idx(hval)] = <unsigned int>ip
            ip += 1
        else:
            if op >= out_end:
                return 0
            lit += 1
            out[op] = data[ip]
            op += 1
            ip += 1
            if lit == C_MAX_LIT:
                out[op - lit - 1] = <uint8_t>(lit - 1)
                lit = 0
                op += 1
    if op + 3 > out_end:
        return 0
    while ip < in_end:
        lit += 1
        out[op] = data[ip]
        op += 1
        ip += 1
        if lit == C_MAX_LIT:
            out[op - lit - 1] = <uint8_t>(lit - 1)
            lit = 0
            op += 1
    out[op - lit - 1] = <uint8_t>(lit - 1)
    if not lit:
        op -= 1
    if op > out_len:
        return 0
    return op


cdef void _clear(const uint8_t* data, Py_ssize_t in_len) noexcept:
    """Zero every slot a compression of ``data`` could have written."""
    cdef Py_ssize_t p
    cdef unsigned int h
    for p in range(in_len - 2):
        h = (data[p] << 16) | (data[p + 1] << 8) | data[p + 2]
        _htab[_idx(h)] = 0


def compress(data, Py_ssize_t out_len):
    """lzf_compress(): compressed bytes, or None when they need more than out_len."""
    cdef Py_buffer view
    cdef Py_ssize_t n
    cdef bytearray buf
    if out_len <= 0:
        return None
    PyObject_GetBuffer(data, &view, PyBUF_SIMPLE)
    try:
        if view.len == 0:
            return None
        buf = bytearray(out_len + 8)
        n = _compress(<const uint8_t*>view.buf, view.len, <uint8_t*><char*>buf, out_len)
        _clear(<const uint8_t*>view.buf, view.len)
    finally:
        PyBuffer_Release(&view)
    if n == 0:
        return None
    return PyBytes_FromStringAndSize(<char*>buf, n)


def decompress(data, Py_ssize_t out_len):
    """lzf_decompress() that must produce exactly out_len bytes."""
    cdef Py_buffer view
    cdef const uint8_t* ip
    cdef const uint8_t* in_end
    cdef uint8_t* out
    cdef Py_ssize_t op = 0, ref, length, i
    cdef unsigned int ctrl
    cdef object result
    cdef str err = None
    if out_len < 0:
        raise LZFError("LZF output overflow")
    result = PyBytes_FromStringAndSize(NULL, out_len)
    out = <uint8_t*>PyBytes_AS_STRING(result)
    PyObject_GetBuffer(data, &view, PyBUF_SIMPLE)
    try:
        ip = <const uint8_t*>view.buf
        in_end = ip + view.len
        while ip < in_end:
            ctrl = ip[0]
            ip += 1
            if ctrl < 32:
                ctrl += 1
                if op + ctrl > out_len:
                    err = "LZF output overflow"
                    break
                if ip + ctrl > in_end:
                    err = "LZF input truncated"
                    break
                memcpy(out + op, ip, ctrl)
                op += ctrl
                ip += ctrl
            else:
                length = ctrl >> 5
                ref = op - ((ctrl & 0x1F) << 8) - 1
                if ip >= in_end:
                    err = "LZF input truncated"
                    break
                if length == 7:
                    length += ip[0]
                    ip += 1
                    if ip >= in_end:
                        err = "LZF input truncated"
                        break
                ref -= ip[0]
                ip += 1
                if op + length + 2 > out_len:
                    err = "LZF output overflow"
                    break
                if ref < 0:
                    err = "LZF back reference out of range"
                    break
                length += 2
                for i in range(length):
                    out[op + i] = out[ref + i]
                op += length
    finally:
        PyBuffer_Release(&view)
    if err is not None:
        raise LZFError(err)
    if op != out_len:
        raise LZFError("LZF output length mismatch")
    return result
