# The declarations of memcache_c.pyx (the memcached framing twin of memcache_py.py).

cdef class TextParser:
    cdef bytearray _buf
    cdef object _pending
    cdef Py_ssize_t _need
    cdef Py_ssize_t _swallow
    cdef public Py_ssize_t max_item_size
    cdef public Py_ssize_t max_line
    cdef public bint closed

    cdef _storage(self, list out, int mode, list tokens)
    cdef _meta_set(self, list out, list tokens)


cdef class BinaryParser:
    cdef bytearray _buf
    cdef object _pending
    cdef Py_ssize_t _need
    cdef Py_ssize_t _swallow
    cdef public Py_ssize_t max_item_size
    cdef public bint sasl
    cdef public bint closed
