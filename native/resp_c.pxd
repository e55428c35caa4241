# Declarations of the RESP parser's C state (see resp_c.pyx), so other Cython kernels could
# cimport it and call feed() without going through Python attribute lookups.

cimport cython


@cython.final
cdef class RequestParser:
    # limits, settable from Python like the pure-Python twin's attributes
    cdef public long long max_bulk_len
    cdef public long long max_query_len
    # unparsed input: _buf[0:_end] of a PyMem buffer of _cap bytes (NULL when none)
    cdef char* _buf
    cdef Py_ssize_t _cap
    cdef Py_ssize_t _end
    # bytes of unparsed input needed before a parse can make progress
    cdef Py_ssize_t _need
    # the multibulk request in progress: its arguments, how many are still missing, and the
    # length of the bulk being read (-1 while its '$' header is awaited)
    cdef list _argv
    cdef long long _remaining
    cdef long long _bulklen
    # a big bulk (>= 32 KiB, Redis's PROTO_MBULK_BIG_ARG) is read straight into the bytes
    # object that becomes its argument: _big_len bytes of it (and its CRLF) are here
    cdef bytes _big
    cdef Py_ssize_t _big_len
    cdef bint _busy

    cdef int _append(self, const char* data, Py_ssize_t n) except -1
    cdef int _keep(self, const char* rest, Py_ssize_t n, list out) except -1
    cdef Py_ssize_t _fill_big(self, const char* data, Py_ssize_t n) except -1
    cdef Py_ssize_t _parse(self, const char* data, Py_ssize_t n, list out) except -1


# Append the encoding of a reply value to a bytearray (dispatch_c calls it without Python
# call overhead).
cdef int _encode_into(bytearray out, object v, int resp) except -1

# Redis's string2ll(): the exact integer syntax of request arguments (dispatch_c's native
# handlers parse INCR's stored value and LRANGE's indexes with it).
cdef bint _string2ll(const char* s, Py_ssize_t slen, long long* value) noexcept nogil
