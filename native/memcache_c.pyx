# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""memcached request framing: the Cython twin of memcache_py.py, which is the specification
(same request tuples, same markers, same state after an error).

Lines are found with ``memchr`` and tokenized with C pointers over the input; numbers are
parsed by a C version of util.c's safe_strto* (strtoull semantics: leading whitespace, a
sign, a whitespace or NUL terminator). Only the unparsed tail of a read is kept, in a
bytearray, so a value arriving in many chunks costs linear time.
"""

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize
from libc.stdint cimport int32_t, int64_t, uint32_t, uint64_t
from libc.string cimport memchr, memcmp

from .memcache_common import (
    B_CLOSE, B_ERR, B_REQ, BAD_CHUNK, CLIENT_ERROR_FORMAT, CLIENT_ERROR_OPTIONS_TOO_LONG,
    DEFAULT_MAX_LINE, ERROR, STATUS, T_CLOSE, T_ERROR, T_LINE, T_META_SET, T_STORE, TOO_LARGE,
    item_size_ok,
)

__all__ = ["TextParser", "BinaryParser", "tokenize", "safe_strtoul", "safe_strtol",
           "safe_strtoull", "strtoull_data"]

cdef extern from "Python.h":
    char* PyByteArray_AS_STRING(object o)
    Py_ssize_t PyByteArray_GET_SIZE(object o)
    Py_ssize_t PyBytes_GET_SIZE(object o)

DEF KEY_MAX_LENGTH = 250
DEF LINE_PROBE_LIMIT = 2048
DEF INT_MAX_ = 2147483647
DEF ITEM_HEADER_SIZE = 48
DEF CAS_SIZE = 8
DEF HEADER_SIZE = 24
DEF MAX_SASL_MECH_LEN = 32

cdef int _T_LINE = T_LINE
cdef int _T_STORE = T_STORE
cdef int _T_META_SET = T_META_SET
cdef int _T_ERROR = T_ERROR
cdef int _T_CLOSE = T_CLOSE
cdef int _B_REQ = B_REQ
cdef int _B_ERR = B_ERR
cdef int _B_CLOSE = B_CLOSE
cdef object _TOO_LARGE = TOO_LARGE
cdef object _BAD_CHUNK = BAD_CHUNK
cdef object _ERROR = ERROR
cdef object _FORMAT = CLIENT_ERROR_FORMAT
cdef object _TOO_LONG = CLIENT_ERROR_OPTIONS_TOO_LONG
cdef int _ST_UNKNOWN = STATUS.UNKNOWN_COMMAND
cdef int _ST_EINVAL = STATUS.EINVAL
cdef int _ST_E2BIG = STATUS.E2BIG
cdef int _ST_ENOMEM = STATUS.ENOMEM

# storage commands -> modes (STORE_SET .. STORE_CAS are 1..6)
DEF M_SET = 1
DEF M_ADD = 2
DEF M_REPLACE = 3
DEF M_APPEND = 4
DEF M_PREPEND = 5
DEF M_CAS = 6


# ============================================================ numbers (util.c)
cdef inline bint _isspace(unsigned char c) nogil:
    return c == 32 or (c >= 9 and c <= 13)


cdef int _strtou(const unsigned char* s, Py_ssize_t n, uint64_t* mag, bint* neg) nogil:
    """strtoull() over s[0:n] followed by a terminator; 0 ok, -1 refused."""
    cdef Py_ssize_t i = 0, j
    cdef uint64_t v = 0
    cdef unsigned int d
    cdef bint overflow = False
    while i < n and _isspace(s[i]):
        i += 1
    neg[0] = False
    if i < n and (s[i] == 45 or s[i] == 43):
        neg[0] = s[i] == 45
        i += 1
    j = i
    while j < n and s[j] >= 48 and s[j] <= 57:
        d = s[j] - 48
        if v > (<uint64_t>0xFFFFFFFFFFFFFFFF - d) // 10:
            overflow = True
        else:
            v = v * 10 + d
        j += 1
    if j == i:
        return -1
    if j < n and not _isspace(s[j]) and s[j] != 0:
        return -1
    if overflow:
        return -1
    mag[0] = v
    return 0


cdef int _safe_strtoull(const unsigned char* s, Py_ssize_t n, uint64_t* out) nogil:
    cdef uint64_t mag
    cdef bint neg
    if _strtou(s, n, &mag, &neg) < 0:
        return -1
    if neg:
        mag = <uint64_t>0 - mag
        if mag > <uint64_t>0x7FFFFFFFFFFFFFFF:
            return -1
    out[0] = mag
    return 0


cdef int _safe_strtol(const unsigned char* s, Py_ssize_t n, int32_t* out) nogil:
    cdef uint64_t mag
    cdef bint neg
    cdef int64_t v
    if _strtou(s, n, &mag, &neg) < 0:
        return -1
    if neg:
        if mag > <uint64_t>0x8000000000000000:
            return -1
        v = <int64_t>(<uint64_t>0 - mag)
    else:
        if mag > <uint64_t>0x7FFFFFFFFFFFFFFF:
            return -1
        v = <int64_t>mag
    out[0] = <int32_t><uint32_t><uint64_t>v
    return 0


def safe_strtoull(bytes s):
    cdef uint64_t v
    if _safe_strtoull(<const unsigned char*>PyBytes_AS_STRING(s), PyBytes_GET_SIZE(s), &v) < 0:
        return None
    return v


def safe_strtoul(bytes s):
    cdef uint64_t v
    if _safe_strtoull(<const unsigned char*>PyBytes_AS_STRING(s), PyBytes_GET_SIZE(s), &v) < 0:
        return None
    return v & 0xFFFFFFFF


def safe_strtol(bytes s):
    cdef int32_t v
    if _safe_strtol(<const unsigned char*>PyBytes_AS_STRING(s), PyBytes_GET_SIZE(s), &v) < 0:
        return None
    return v


def strtoull_data(bytes value):
    if PyBytes_GET_SIZE(value) == 0:
        return None
    return safe_strtoull(value + b"\r\n")


# ============================================================ tokens
cdef list _tokenize(const char* p, Py_ssize_t n):
    cdef list out = []
    cdef Py_ssize_t i = 0, start
    while i < n:
        while i < n and p[i] == 32:
            i += 1
        if i >= n:
            break
        start = i
        while i < n and p[i] != 32:
            i += 1
        out.append(PyBytes_FromStringAndSize(p + start, i - start))
    return out


def tokenize(bytes line):
    """tokenize_command(): split on spaces only (a tab belongs to its token)."""
    return _tokenize(PyBytes_AS_STRING(line), PyBytes_GET_SIZE(line))


cdef inline bint _size_ok(Py_ssize_t nkey, uint64_t flags, int64_t nbytes, int64_t limit):
    return ITEM_HEADER_SIZE + nkey + 1 + (4 if flags else 0) + nbytes + CAS_SIZE <= limit


cdef inline bint _is_noreply(bytes t):
    return PyBytes_GET_SIZE(t) == 7 and memcmp(PyBytes_AS_STRING(t), b"noreply", 7) == 0


# ============================================================ text and meta
cdef class TextParser:
    """Frames text/meta requests; ``feed(data)`` returns the complete requests."""

    def __init__(self, Py_ssize_t max_item_size=1024 * 1024,
                 Py_ssize_t max_line=DEFAULT_MAX_LINE):
        self._buf = bytearray()
        self._pending = None
        self._need = 0
        self._swallow = 0
        self.max_item_size = max_item_size
        self.max_line = max_line
        self.closed = False

    def pending(self):
        return len(self._buf)

    def feed(self, data):
        cdef list out = []
        cdef object buf
        cdef const char* p
        cdef Py_ssize_t n, pos = 0, take, need, end, nl_at, q, z
        cdef const char* nl
        cdef list tokens
        cdef bytes cmd
        cdef bint use_bytes
        cdef int mode
        if self.closed:
            return out
        if len(self._buf):
            self._buf += data
            buf = self._buf
            use_bytes = False
        else:
            buf = bytes(data) if type(data) is not bytes else data
            use_bytes = True
        if use_bytes:
            p = PyBytes_AS_STRING(buf)
            n = PyBytes_GET_SIZE(buf)
        else:
            p = PyByteArray_AS_STRING(buf)
            n = PyByteArray_GET_SIZE(buf)
        while pos < n:
            if self._swallow:
                take = n - pos
                if take > self._swallow:
                    take = self._swallow
                self._swallow -= take
                pos += take
                continue
            if self._pending is not None:
                need = self._need
                if n - pos < need:
                    break
                end = pos + need
                pend = self._pending
                self._pending = None
                if p[end - 2] == 13 and p[end - 1] == 10:
                    out.append(pend + (PyBytes_FromStringAndSize(p + pos, need - 2),))
                else:
                    out.append(pend + (_BAD_CHUNK,))
                pos = end
                continue
            nl = <const char*>memchr(p + pos, 10, n - pos)
            if nl == NULL:
                if n - pos > LINE_PROBE_LIMIT:
                    q = pos
                    while q < n and p[q] == 32:
                        q += 1
                    if (q - pos > 100 or n - pos > self.max_line
                            or not ((n - q >= 4 and memcmp(p + q, b"get ", 4) == 0)
                                    or (n - q >= 5 and memcmp(p + q, b"gets ", 5) == 0))):
                        out.append((_T_CLOSE,))
                        self.closed = True
                        pos = n
                break
            nl_at = nl - p
            end = nl_at
            if end - pos > 1 and p[end - 1] == 13:
                end -= 1
            z = pos
            while z < end and p[z] != 0:
                z += 1
            tokens = _tokenize(p + pos, z - pos)
            pos = nl_at + 1
            if tokens:
                cmd = <bytes>tokens[0]
                mode = _storage_mode(cmd)
                if mode:
                    self._storage(out, mode, tokens)
                    continue
                if PyBytes_GET_SIZE(cmd) == 2 and memcmp(PyBytes_AS_STRING(cmd), b"ms", 2) == 0:
                    self._meta_set(out, tokens)
                    continue
            out.append((_T_LINE, tokens))
        if pos >= n:
            if not use_bytes:   # (when the input came as bytes, _buf is empty already)
                self._buf = bytearray()
        elif use_bytes:
            self._buf = bytearray(buf[pos:])
        else:
            del self._buf[:pos]
        return out

    cdef _storage(self, list out, int mode, list tokens):
        cdef Py_ssize_t ntok = len(tokens) + 1
        cdef bytes key, t
        cdef uint64_t flags, cas = 0
        cdef int32_t exptime, vlen32
        cdef int64_t vlen
        cdef bint noreply
        if mode == M_CAS:
            if ntok != 7 and ntok != 8:
                out.append((_T_ERROR, _ERROR, False))
                return
        elif ntok != 6 and ntok != 7:
            out.append((_T_ERROR, _ERROR, False))
            return
        noreply = _is_noreply(<bytes>tokens[ntok - 2])
        key = <bytes>tokens[1]
        if PyBytes_GET_SIZE(key) > KEY_MAX_LENGTH:
            out.append((_T_ERROR, _FORMAT, noreply))
            return
        t = <bytes>tokens[2]
        if _safe_strtoull(<const unsigned char*>PyBytes_AS_STRING(t), PyBytes_GET_SIZE(t),
                          &flags) < 0:
            out.append((_T_ERROR, _FORMAT, noreply))
            return
        flags = <uint32_t>flags
        t = <bytes>tokens[3]
        if _safe_strtol(<const unsigned char*>PyBytes_AS_STRING(t), PyBytes_GET_SIZE(t),
                        &exptime) < 0:
            out.append((_T_ERROR, _FORMAT, noreply))
            return
        t = <bytes>tokens[4]
        if _safe_strtol(<const unsigned char*>PyBytes_AS_STRING(t), PyBytes_GET_SIZE(t),
                        &vlen32) < 0:
            out.append((_T_ERROR, _FORMAT, noreply))
            return
        if mode == M_CAS:
            t = <bytes>tokens[5]
            if _safe_strtoull(<const unsigned char*>PyBytes_AS_STRING(t), PyBytes_GET_SIZE(t),
                              &cas) < 0:
                out.append((_T_ERROR, _FORMAT, noreply))
                return
        vlen = vlen32
        if vlen < 0 or vlen > INT_MAX_ - 2:
            out.append((_T_ERROR, _FORMAT, noreply))
            return
        vlen += 2
        if not _size_ok(PyBytes_GET_SIZE(key), flags, vlen, self.max_item_size):
            out.append((_T_STORE, mode, key, flags, exptime, cas, noreply, _TOO_LARGE))
            self._swallow = vlen
            return
        self._pending = (_T_STORE, mode, key, flags, exptime, cas, noreply)
        self._need = vlen

    cdef _meta_set(self, list out, list tokens):
        cdef Py_ssize_t ntok = len(tokens) + 1
        cdef bytes t
        cdef int32_t vlen32
        cdef int64_t vlen
        if ntok > 24:
            ntok = 24
        if ntok < 3:
            out.append((_T_ERROR, _ERROR, False))
            return
        if PyBytes_GET_SIZE(<bytes>tokens[1]) > KEY_MAX_LENGTH or ntok == 3:
            out.append((_T_ERROR, _FORMAT, False))
            return
        if ntok > 20:
            out.append((_T_ERROR, _TOO_LONG, False))
            return
        t = <bytes>tokens[2]
        if _safe_strtol(<const unsigned char*>PyBytes_AS_STRING(t), PyBytes_GET_SIZE(t),
                        &vlen32) < 0 or vlen32 < 0 or vlen32 > INT_MAX_ - 2:
            out.append((_T_ERROR, _FORMAT, False))
            return
        vlen = vlen32 + 2
        if not _size_ok(1, 0, vlen, self.max_item_size):
            out.append((_T_META_SET, tokens, _TOO_LARGE))
            self._swallow = vlen
            return
        self._pending = (_T_META_SET, tokens)
        self._need = vlen


cdef int _storage_mode(bytes cmd):
    cdef Py_ssize_t n = PyBytes_GET_SIZE(cmd)
    cdef const char* c = PyBytes_AS_STRING(cmd)
    if n == 3:
        if memcmp(c, b"set", 3) == 0:
            return M_SET
        if memcmp(c, b"add", 3) == 0:
            return M_ADD
        if memcmp(c, b"cas", 3) == 0:
            return M_CAS
    elif n == 6:
        if memcmp(c, b"append", 6) == 0:
            return M_APPEND
    elif n == 7:
        if memcmp(c, b"replace", 7) == 0:
            return M_REPLACE
        if memcmp(c, b"prepend", 7) == 0:
            return M_PREPEND
    return 0


# ============================================================ binary
cdef inline uint32_t _u32(const unsigned char* b) nogil:
    return (<uint32_t>b[0] << 24) | (<uint32_t>b[1] << 16) | (<uint32_t>b[2] << 8) | b[3]


cdef int _quiet_base(int op) nogil:
    if op == 0x11:
        return 0x01
    if op == 0x12:
        return 0x02
    if op == 0x13:
        return 0x03
    if op == 0x14:
        return 0x04
    if op == 0x15:
        return 0x05
    if op == 0x16:
        return 0x06
    if op == 0x17:
        return 0x07
    if op == 0x18:
        return 0x08
    if op == 0x19:
        return 0x0E
    if op == 0x1A:
        return 0x0F
    if op == 0x09:
        return 0x00
    if op == 0x0D:
        return 0x0C
    if op == 0x1E:
        return 0x1D
    if op == 0x24:
        return 0x23
    return op


cdef class BinaryParser:
    """Frames binary-protocol requests; ``feed(data)`` returns the complete requests."""

    def __init__(self, Py_ssize_t max_item_size=1024 * 1024, bint sasl=False):
        self._buf = bytearray()
        self._pending = None
        self._need = 0
        self._swallow = 0
        self.max_item_size = max_item_size
        self.sasl = sasl
        self.closed = False

    def pending(self):
        return len(self._buf)

    def feed(self, data):
        cdef list out = []
        cdef object buf
        cdef const unsigned char* p
        cdef Py_ssize_t n, pos = 0, take, need, q
        cdef int op, cmd, extlen, status
        cdef Py_ssize_t keylen
        cdef int64_t bodylen, vlen
        cdef uint32_t opaque
        cdef uint64_t cas
        cdef bint valid, use_bytes
        cdef bytes extras, key
        if self.closed:
            return out
        if len(self._buf):
            self._buf += data
            buf = self._buf
            use_bytes = False
            p = <const unsigned char*>PyByteArray_AS_STRING(buf)
            n = PyByteArray_GET_SIZE(buf)
        else:
            buf = bytes(data) if type(data) is not bytes else data
            use_bytes = True
            p = <const unsigned char*>PyBytes_AS_STRING(buf)
            n = PyBytes_GET_SIZE(buf)
        while True:
            if self._swallow:
                take = n - pos
                if take > self._swallow:
                    take = self._swallow
                self._swallow -= take
                pos += take
                if self._swallow:
                    break
            if self._pending is not None:
                need = self._need
                if n - pos < need:
                    break
                pend = self._pending
                self._pending = None
                out.append((_B_REQ, pend[0], pend[1], pend[2],
                            PyBytes_FromStringAndSize(<const char*>p + pos, need),
                            pend[3], pend[4]))
                pos += need
                continue
            if n - pos < HEADER_SIZE:
                break
            if p[pos] != 0x80:
                out.append((_B_CLOSE,))
                self.closed = True
                pos = n
                break
            op = p[pos + 1]
            keylen = (<Py_ssize_t>p[pos + 2] << 8) | p[pos + 3]
            extlen = p[pos + 4]
            if n - pos < HEADER_SIZE + extlen + keylen:
                break
            bodylen = _u32(p + pos + 8)
            opaque = _u32(p + pos + 12)
            cas = (<uint64_t>_u32(p + pos + 16) << 32) | _u32(p + pos + 20)
            q = pos + HEADER_SIZE
            extras = PyBytes_FromStringAndSize(<const char*>p + q, extlen)
            q += extlen
            key = PyBytes_FromStringAndSize(<const char*>p + q, keylen)
            pos = q + keylen
            if keylen > bodylen or keylen + extlen > bodylen:
                out.append((_B_ERR, op, key, opaque, _ST_UNKNOWN, True, False, False))
                self.closed = True
                pos = n
                break
            if keylen > KEY_MAX_LENGTH:
                out.append((_B_ERR, op, key, opaque, _ST_EINVAL, True, True, False))
                self.closed = True
                pos = n
                break
            cmd = _quiet_base(op)
            vlen = bodylen - keylen - extlen
            valid = True
            if cmd == 0x00 or cmd == 0x0C:
                valid = extlen == 0 and bodylen == keylen and keylen > 0
            elif cmd == 0x01 or cmd == 0x02 or cmd == 0x03:
                valid = extlen == 8 and keylen != 0 and bodylen >= keylen + 8
                if valid:
                    if not _size_ok(keylen, _u32(<const unsigned char*>PyBytes_AS_STRING(extras)),
                                    vlen + 2, self.max_item_size):
                        out.append((_B_ERR, op, key, opaque, _ST_E2BIG, False, True, vlen > 0))
                        self._swallow = vlen
                        continue
                    self._pending = (op, key, extras, opaque, cas)
                    self._need = vlen
                    continue
            elif cmd == 0x0E or cmd == 0x0F:
                valid = keylen > 0 and extlen == 0
                if valid:
                    if not _size_ok(keylen, 0, vlen + 2, self.max_item_size):
                        out.append((_B_ERR, op, key, opaque, _ST_E2BIG, False, True, vlen > 0))
                        self._swallow = vlen
                        continue
                    self._pending = (op, key, extras, opaque, cas)
                    self._need = vlen
                    continue
            elif cmd == 0x0A or cmd == 0x0B or cmd == 0x07:
                valid = extlen == 0 and keylen == 0 and bodylen == 0
            elif cmd == 0x04:
                valid = keylen > 0 and extlen == 0 and bodylen == keylen
            elif cmd == 0x05 or cmd == 0x06:
                valid = keylen > 0 and extlen == 20 and bodylen == keylen + extlen
            elif cmd == 0x1C or cmd == 0x1D or cmd == 0x23:
                valid = extlen == 4 and keylen != 0
            elif cmd == 0x08:
                valid = keylen == 0 and bodylen == extlen and (extlen == 0 or extlen == 4)
            elif cmd == 0x10:
                valid = extlen == 0
            elif cmd == 0x20:
                valid = extlen == 0 and keylen == 0 and bodylen == 0
                if valid and not self.sasl:
                    out.append((_B_ERR, op, key, opaque, _ST_UNKNOWN, False, True, False))
                    continue
            elif cmd == 0x21 or cmd == 0x22:
                valid = extlen == 0 and keylen != 0
                if valid:
                    vlen = bodylen - keylen
                    if not self.sasl:
                        status = _ST_UNKNOWN
                    elif keylen > MAX_SASL_MECH_LEN:
                        status = _ST_EINVAL
                    elif not _size_ok(keylen, 0, vlen + 2, self.max_item_size):
                        status = _ST_ENOMEM
                    else:
                        self._pending = (op, key, extras, opaque, cas)
                        self._need = vlen
                        continue
                    out.append((_B_ERR, op, key, opaque, status, False, True, vlen > 0))
                    self._swallow = vlen
                    continue
            else:
                out.append((_B_ERR, op, key, opaque, _ST_UNKNOWN, False, True, bodylen > 0))
                self._swallow = bodylen
                continue
            if not valid:
                out.append((_B_ERR, op, key, opaque, _ST_EINVAL, True, True, False))
                self.closed = True
                pos = n
                break
            out.append((_B_REQ, op, key, extras, b"", opaque, cas))
        if pos >= n:
            self._buf = bytearray()
        elif use_bytes:
            self._buf = bytearray(buf[pos:])
        else:
            del self._buf[:pos]
        return out


assert item_size_ok  # the same rule as _size_ok, for the Python twin
