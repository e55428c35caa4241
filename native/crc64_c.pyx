# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""CRC-64/Jones, the Cython twin of crc64_py.py (the specification): slice-by-8 tables as
Redis's crcspeed.c, read little-endian, with the GIL released for large buffers so a
background writer thread can checksum while the engine serves."""

from cpython.buffer cimport PyBUF_SIMPLE, PyBuffer_Release, PyObject_GetBuffer
from libc.stdint cimport uint8_t, uint64_t
from libc.string cimport memcpy

import sys

from .crc64_common import CHECK_INPUT, CHECK_VALUE, MASK64, POLY_REFLECTED

__all__ = ["crc64"]

cdef uint64_t _T[8][256]
cdef bint _little = sys.byteorder == "little"
_NOGIL_MIN = 16384


cdef void _init(uint64_t poly) noexcept:
    cdef int i, k
    cdef uint64_t crc
    for i in range(256):
        crc = i
        for k in range(8):
            crc = (crc >> 1) ^ poly if crc & 1 else crc >> 1
        _T[0][i] = crc
    for i in range(256):
        crc = _T[0][i]
        for k in range(1, 8):
            crc = _T[0][crc & 0xFF] ^ (crc >> 8)
            _T[k][i] = crc


_init(POLY_REFLECTED)


cdef uint64_t _crc(uint64_t crc, const uint8_t* p, size_t n, bint little) noexcept nogil:
    cdef uint64_t w
    if little:
        while n >= 8:
            memcpy(&w, p, 8)
            crc ^= w
            crc = (_T[7][crc & 0xFF] ^ _T[6][(crc >> 8) & 0xFF] ^
                   _T[5][(crc >> 16) & 0xFF] ^ _T[4][(crc >> 24) & 0xFF] ^
                   _T[3][(crc >> 32) & 0xFF] ^ _T[2][(crc >> 40) & 0xFF] ^
                   _T[1][(crc >> 48) & 0xFF] ^ _T[0][crc >> 56])
            p += 8
            n -= 8
    while n:
        crc = _T[0][(crc ^ p[0]) & 0xFF] ^ (crc >> 8)
        p += 1
        n -= 1
    return crc


def crc64(crc, data):
    """The CRC-64 of ``data`` (bytes-like) continuing from ``crc`` (0 to start)."""
    cdef Py_buffer view
    cdef uint64_t c = <uint64_t>(crc & MASK64)
    PyObject_GetBuffer(data, &view, PyBUF_SIMPLE)
    try:
        if view.len >= _NOGIL_MIN:
            with nogil:
                c = _crc(c, <const uint8_t*>view.buf, <size_t>view.len, _little)
        else:
            c = _crc(c, <const uint8_t*>view.buf, <size_t>view.len, _little)
    finally:
        PyBuffer_Release(&view)
    return c


assert crc64(0, CHECK_INPUT) == CHECK_VALUE
