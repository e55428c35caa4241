# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""RESP request parser and reply encoder: the Cython twin of resp_py.py, which is the
specification (same results, same errors, same state after an error).

Parser: the input is scanned in place with C pointers; only unparsed tails are copied, into
one growable PyMem buffer, and nothing is parsed again until the bytes it needs are there.
A bulk of 32 KiB or more that arrives in pieces is read straight into the bytes object that
becomes its argument (Redis's big-argument optimisation): one copy, linear in its size.
Header lines are searched with ``strchr`` semantics (a NUL ends the search), as Redis does.

Encoder: writes straight into the caller's bytearray, growing it geometrically and trimming
it once at the end, with inline fast paths for arrays of bulks and integers (LRANGE-shaped
replies). Rare reply types reuse Python-level formatting so their output matches resp_py by
construction.
"""

cimport cython
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_CheckExact, PyBytes_FromStringAndSize
from cpython.dict cimport PyDict_Next
from cpython.list cimport PyList_GET_ITEM, PyList_GET_SIZE
from cpython.long cimport PyLong_CheckExact
from cpython.mem cimport PyMem_Free, PyMem_Malloc, PyMem_Realloc
from cpython.object cimport PyObject
from cpython.buffer cimport PyBUF_SIMPLE, PyBuffer_Release, PyObject_GetBuffer
from cpython.tuple cimport PyTuple_GET_ITEM, PyTuple_GET_SIZE
from cpython.pyport cimport PY_SSIZE_T_MAX
from libc.limits cimport INT_MAX, LLONG_MAX, LLONG_MIN, ULLONG_MAX
from libc.math cimport isinf, isnan
from libc.string cimport memchr, memcpy, memmove

from .resp_common import (
    NULL_ARRAY, OK, PROTO_INLINE_MAX_SIZE, NullArray, ProtocolError, Push, QueryBufferLimit,
    Attribute, BigNumber, DoubleText, ReplyError, SetReply, Status, Verbatim,
)

__all__ = ["RequestParser", "encode", "encode_into", "split_inline"]

cdef extern from "Python.h":
    # macros and functions Cython's cpython/*.pxd do not declare (or declare on `object`)
    Py_ssize_t PyBytes_GET_SIZE(object o)
    char* PyByteArray_AS_STRING(object o)
    Py_ssize_t PyByteArray_GET_SIZE(object o)
    int PyByteArray_Resize(object o, Py_ssize_t n) except -1
    # the same on a borrowed pointer (the output buffer in _Out): no reference traffic
    Py_ssize_t _ba_size "PyByteArray_GET_SIZE"(PyObject* o)
    char* _ba_data "PyByteArray_AS_STRING"(PyObject* o)
    ctypedef struct PyByteArrayObject:
        Py_ssize_t ob_alloc
        char* ob_bytes
        char* ob_start
    bint PyUnicode_IS_ASCII(object o)
    void* PyUnicode_DATA(object o)
    Py_ssize_t PyUnicode_GET_LENGTH(object o)
    object PyUnicode_AsEncodedString(object o, const char* encoding, const char* errors)
    long long PyLong_AsLongLongAndOverflow(object o, int* overflow) except? -1
    char* PyOS_double_to_string(double val, char format_code, int precision, int flags,
                                int* ptype) except NULL
    int Py_EnterRecursiveCall(const char* where)  # nonzero (not -1) with RecursionError set
    void Py_LeaveRecursiveCall()

cdef Py_ssize_t _INLINE_MAX = PROTO_INLINE_MAX_SIZE
cdef enum:
    BIG_ARG = 32 * 1024  # PROTO_MBULK_BIG_ARG

# reply types, bound once so the encoder compares type pointers
cdef type _Status = Status
cdef type _Push = Push
cdef type _SetReply = SetReply
cdef type _Verbatim = Verbatim
cdef type _DoubleText = DoubleText
cdef type _BigNumber = BigNumber
cdef type _NullArray = NullArray
cdef type _Attribute = Attribute
cdef type _ReplyError = ReplyError
cdef object _OK = OK
cdef object _ProtocolError = ProtocolError
cdef object _QueryBufferLimit = QueryBufferLimit


# ============================================================================= parser

cdef inline Py_ssize_t _find_cr(const char* data, Py_ssize_t pos, Py_ssize_t n) noexcept nogil:
    """strchr(data+pos, '\\r'): the index of the first CR, -1 when a NUL or the end comes
    first. Header lines are a few bytes, so a plain loop beats two memchr calls."""
    cdef const char* q = data + pos
    cdef const char* end = data + n
    while q < end:
        if q[0] == c'\r':
            return q - data
        if q[0] == 0:
            return -1
        q += 1
    return -1


cdef inline Py_ssize_t _find_nl(const char* data, Py_ssize_t pos, Py_ssize_t n) noexcept nogil:
    """strchr(data+pos, '\\n') for inline requests (lines may be long: memchr)."""
    cdef const char* q = <const char*>memchr(data + pos, c'\n', <size_t>(n - pos))
    if q == NULL:
        return -1
    if memchr(data + pos, 0, <size_t>(q - (data + pos))) != NULL:
        return -1
    return q - data


cdef bint _string2ll(const char* s, Py_ssize_t slen, long long* value) noexcept nogil:
    """Redis's util.c string2ll(), step for step."""
    cdef const char* p = s
    cdef Py_ssize_t plen = 0
    cdef bint negative = False
    cdef unsigned long long v
    cdef int d
    if slen == 0 or slen >= 21:  # LONG_STR_SIZE
        return False
    if slen == 1 and p[0] == c'0':
        value[0] = 0
        return True
    if p[0] == c'-':
        negative = True
        p += 1
        plen += 1
        if plen == slen:
            return False
    if c'1' <= p[0] <= c'9':
        v = <unsigned long long>(p[0] - c'0')
        p += 1
        plen += 1
    else:
        return False
    while plen < slen and c'0' <= p[0] <= c'9':
        d = p[0] - c'0'
        if v > ULLONG_MAX // 10:
            return False
        v *= 10
        if v > ULLONG_MAX - <unsigned long long>d:
            return False
        v += <unsigned long long>d
        p += 1
        plen += 1
    if plen < slen:
        return False
    if negative:
        if v > <unsigned long long>LLONG_MAX + 1:
            return False
        value[0] = LLONG_MIN if v == <unsigned long long>LLONG_MAX + 1 else -<long long>v
    else:
        if v > <unsigned long long>LLONG_MAX:
            return False
        value[0] = <long long>v
    return True


cdef inline bint _isspace(char c) noexcept nogil:
    # isspace() in the C locale, which Redis runs its ctype calls in
    return c == c' ' or c == c'\t' or c == c'\n' or c == c'\r' or c == c'\v' or c == c'\f'


cdef inline bint _ishex(char c) noexcept nogil:
    return c'0' <= c <= c'9' or c'a' <= c <= c'f' or c'A' <= c <= c'F'


cdef inline int _hexval(char c) noexcept nogil:
    if c <= c'9':
        return c - c'0'
    if c <= c'F':
        return c - c'A' + 10
    return c - c'a' + 10


cdef object _split_inline(const char* s, Py_ssize_t n):
    """sdssplitargs() over s[0:n], which holds no NUL: a list of bytes, or None on
    unbalanced quotes. Plain tokens are sliced straight from the input; a token holding a
    quote is decoded into a scratch buffer (its output is never longer than the line)."""
    cdef list args = []
    cdef Py_ssize_t p = 0, tstart, k
    cdef char* scratch = NULL
    cdef char c, e
    cdef bint inq, insq
    try:
        while True:
            while p < n and _isspace(s[p]):
                p += 1
            if p >= n:
                return args
            tstart = p
            while p < n:
                c = s[p]
                if c == c' ' or c == c'\n' or c == c'\r' or c == c'\t' or c == c'"' or c == c"'":
                    break
                p += 1
            if p >= n or (s[p] != c'"' and s[p] != c"'"):
                args.append(PyBytes_FromStringAndSize(s + tstart, p - tstart))
                if p < n:
                    p += 1
                continue
            # a quote inside the token: run sdssplitargs' state machine from here
            if scratch == NULL:
                scratch = <char*>PyMem_Malloc(<size_t>n)
                if scratch == NULL:
                    raise MemoryError()
            k = p - tstart
            memcpy(scratch, s + tstart, <size_t>k)
            inq = insq = False
            while True:
                c = s[p] if p < n else 0
                if inq:
                    if (c == c'\\' and p + 3 < n and s[p + 1] == c'x'
                            and _ishex(s[p + 2]) and _ishex(s[p + 3])):
                        scratch[k] = <char>(_hexval(s[p + 2]) * 16 + _hexval(s[p + 3]))
                        k += 1
                        p += 3
                    elif c == c'\\' and p + 1 < n:
                        p += 1
                        e = s[p]
                        if e == c'n':
                            e = c'\n'
                        elif e == c'r':
                            e = c'\r'
                        elif e == c't':
                            e = c'\t'
                        elif e == c'b':
                            e = c'\b'
                        elif e == c'a':
                            e = c'\a'
                        scratch[k] = e
                        k += 1
                    elif c == c'"':
                        # the closing quote must be followed by a space or the end
                        if p + 1 < n and not _isspace(s[p + 1]):
                            return None
                        p += 1
                        break
                    elif p >= n:
                        return None
                    else:
                        scratch[k] = c
                        k += 1
                elif insq:
                    if c == c'\\' and p + 1 < n and s[p + 1] == c"'":
                        p += 1
                        scratch[k] = c"'"
                        k += 1
                    elif c == c"'":
                        if p + 1 < n and not _isspace(s[p + 1]):
                            return None
                        p += 1
                        break
                    elif p >= n:
                        return None
                    else:
                        scratch[k] = c
                        k += 1
                else:
                    if p >= n or c == c' ' or c == c'\n' or c == c'\r' or c == c'\t':
                        if p < n:
                            p += 1
                        break
                    if c == c'"':
                        inq = True
                    elif c == c"'":
                        insq = True
                    else:
                        scratch[k] = c
                        k += 1
                p += 1
            args.append(PyBytes_FromStringAndSize(scratch, k))
    finally:
        PyMem_Free(scratch)


def split_inline(line):
    """sdssplitargs() as resp_py.split_inline: the line is a C string (cut at a NUL)."""
    cdef const unsigned char[::1] view = line
    cdef Py_ssize_t n = view.shape[0]
    cdef const char* s
    cdef const void* nul
    if n == 0:
        return []
    s = <const char*>&view[0]
    nul = memchr(s, 0, <size_t>n)
    if nul != NULL:
        n = <const char*>nul - s
    return _split_inline(s, n)


cdef str _expected_dollar(unsigned char c):
    return ("Protocol error: expected '$', got '%s'"
            % bytes([c]).decode("utf-8", "surrogateescape"))


@cython.final
cdef class RequestParser:
    """Incremental request parser: ``feed(data)`` returns the complete commands (lists of
    bytes) found so far and keeps partial ones. Raises ProtocolError (carrying the commands
    parsed before the error) on malformed input, QueryBufferLimit when unparsed input grows
    beyond ``max_query_len``. Not re-entrant (a second feed() during one raises)."""

    def __cinit__(self):
        self._buf = NULL
        self._cap = 0
        self._end = 0
        self._need = 0
        self._argv = None
        self._remaining = 0
        self._bulklen = -1
        self._big = None
        self._big_len = 0
        self._busy = False

    def __init__(self, max_bulk_len=512 * 1024 * 1024, max_query_len=1024 * 1024 * 1024):
        self.max_bulk_len = max_bulk_len
        self.max_query_len = max_query_len

    def __dealloc__(self):
        PyMem_Free(self._buf)

    def pending(self):
        """Bytes buffered but not yet parsed (the client's query buffer)."""
        return self._end + self._big_len

    cdef int _append(self, const char* data, Py_ssize_t n) except -1:
        """Append to the unparsed tail, growing geometrically (amortised linear)."""
        cdef Py_ssize_t want = self._end + n, cap
        cdef char* nb
        if want > self._cap:
            cap = self._cap * 2
            if cap < want:
                cap = want
            nb = <char*>PyMem_Realloc(self._buf, <size_t>cap)
            if nb == NULL:
                raise MemoryError()
            self._buf = nb
            self._cap = cap
        memcpy(self._buf + self._end, data, <size_t>n)
        self._end = want
        return 0

    cdef int _keep(self, const char* rest, Py_ssize_t n, list out) except -1:
        """Make ``rest`` (possibly inside our own buffer) the unparsed tail, note how much
        input the next parse needs, and enforce the query buffer limit."""
        cdef char* nb
        cdef Py_ssize_t cap
        if (self._remaining and BIG_ARG <= self._bulklen <= self.max_query_len
                and self._bulklen <= PY_SSIZE_T_MAX - 2):
            # rest starts at the bulk's first byte: allocate the argument now, fill it as
            # input comes (the pages of a big allocation are only touched as they fill)
            self._big = PyBytes_FromStringAndSize(NULL, <Py_ssize_t>self._bulklen)
            self._big_len = 0
            self._end = 0
            self._fill_big(rest, n)
            if self._big_len > self.max_query_len:
                raise _QueryBufferLimit("query buffer limit", out)
            return 0
        if n > self._cap:  # then rest cannot lie inside _buf
            cap = n if n > 4096 else 4096
            nb = <char*>PyMem_Malloc(<size_t>cap)
            if nb == NULL:
                raise MemoryError()
            PyMem_Free(self._buf)
            self._buf = nb
            self._cap = cap
        if rest != self._buf:
            memmove(self._buf, rest, <size_t>n)
        self._end = n
        if self._cap > (1 << 20) and n < (self._cap >> 2):
            # after a big bulk: give the memory back, keep room for twice the tail
            cap = n * 2 if n * 2 > 4096 else 4096
            nb = <char*>PyMem_Realloc(self._buf, <size_t>cap)
            if nb != NULL:
                self._buf = nb
                self._cap = cap
        # inside a bulk nothing can be parsed before all of it is here; otherwise any new
        # byte may complete a header line
        if self._bulklen < 0 or self._remaining == 0:
            self._need = n + 1
        elif self._bulklen > PY_SSIZE_T_MAX - 2:  # a limit set beyond memory: never reached
            self._need = PY_SSIZE_T_MAX
        else:
            self._need = <Py_ssize_t>(self._bulklen + 2)
        if self._end > self.max_query_len:
            raise _QueryBufferLimit("query buffer limit", out)
        return 0

    cdef Py_ssize_t _fill_big(self, const char* data, Py_ssize_t n) except -1:
        """Copy what the big bulk still lacks from data[0:n] (its CRLF is counted, not
        kept: Redis does not check it either); returns the bytes taken."""
        cdef Py_ssize_t size = <Py_ssize_t>self._bulklen
        cdef Py_ssize_t take = size + 2 - self._big_len, body
        if take > n:
            take = n
        body = size - self._big_len
        if body > take:
            body = take
        if body > 0:
            memcpy(PyBytes_AS_STRING(self._big) + self._big_len, data, <size_t>body)
        self._big_len += take
        return take

    def feed(self, data):
        cdef Py_buffer view
        cdef bint have_view = False
        cdef const char* p
        cdef Py_ssize_t n, pos
        cdef list out
        if self._busy:
            raise RuntimeError("RequestParser.feed() re-entered")
        self._busy = True
        try:
            if PyBytes_CheckExact(data):
                p = PyBytes_AS_STRING(data)
                n = PyBytes_GET_SIZE(data)
            else:
                PyObject_GetBuffer(data, &view, PyBUF_SIMPLE)
                have_view = True
                p = <const char*>view.buf
                n = view.len
            if self._big is not None:
                pos = self._fill_big(p, n)
                if self._big_len < self._bulklen + 2:
                    if self._big_len > self.max_query_len:
                        raise _QueryBufferLimit("query buffer limit", [])
                    return []
                # the bulk is complete: it is the argument, then parse on from there
                out = []
                self._argv.append(self._big)
                self._big = None
                self._big_len = 0
                self._bulklen = -1
                self._remaining -= 1
                if not self._remaining:
                    out.append(self._argv)
                    self._argv = None
                p += pos
                n -= pos
                pos = self._parse(p, n, out)
                if pos < n:
                    self._keep(p + pos, n - pos, out)
                return out
            if self._end:
                self._append(p, n)
                if self._end < self._need:
                    if self._end > self.max_query_len:
                        raise _QueryBufferLimit("query buffer limit", [])
                    return []
                p = self._buf
                n = self._end
                # resp_py joins its chunks and empties its buffer before parsing, so after a
                # ProtocolError nothing is pending in either twin. _buf itself stays valid:
                # nothing appends to it during the parse (feed is not re-entrant).
                self._end = 0
            out = []
            pos = self._parse(p, n, out)
            if pos < n:
                self._keep(p + pos, n - pos, out)
            elif self._cap > (1 << 18):
                PyMem_Free(self._buf)  # an idle connection keeps no big buffer
                self._buf = NULL
                self._cap = 0
            return out
        finally:
            if have_view:
                PyBuffer_Release(&view)
            self._busy = False

    cdef Py_ssize_t _parse(self, const char* data, Py_ssize_t n, list out) except -1:
        """processInputBuffer over data[0:n]: appends complete commands to ``out`` and
        returns the offset of the first unparsed byte."""
        cdef Py_ssize_t pos = 0, nl, end, cr
        cdef long long ll
        cdef list argv
        cdef object words
        while pos < n:
            if self._remaining == 0:
                if data[pos] != c'*':  # processInlineBuffer
                    nl = _find_nl(data, pos, n)
                    if nl < 0:
                        if n - pos > _INLINE_MAX:
                            raise _ProtocolError("Protocol error: too big inline request", out)
                        return pos
                    end = nl - 1 if nl > pos and data[nl - 1] == c'\r' else nl
                    words = _split_inline(data + pos, end - pos)
                    if words is None:
                        raise _ProtocolError("Protocol error: unbalanced quotes in request", out)
                    pos = nl + 1
                    if PyList_GET_SIZE(words):
                        out.append(words)
                    continue
                cr = _find_cr(data, pos, n)
                if cr < 0:
                    if n - pos > _INLINE_MAX:
                        raise _ProtocolError("Protocol error: too big mbulk count string", out)
                    return pos
                if cr > n - 2:  # the LF is not here yet (Redis never checks it is an LF)
                    return pos
                if not _string2ll(data + pos + 1, cr - pos - 1, &ll) or ll > INT_MAX:
                    raise _ProtocolError("Protocol error: invalid multibulk length", out)
                pos = cr + 2
                if ll <= 0:
                    continue
                self._remaining = ll
                self._argv = []
            argv = self._argv
            while self._remaining:
                if self._bulklen < 0:
                    cr = _find_cr(data, pos, n)
                    if cr < 0:
                        if n - pos > _INLINE_MAX:
                            raise _ProtocolError("Protocol error: too big bulk count string", out)
                        return pos
                    if cr > n - 2:
                        return pos
                    if data[pos] != c'$':
                        raise _ProtocolError(_expected_dollar(<unsigned char>data[pos]), out)
                    if (not _string2ll(data + pos + 1, cr - pos - 1, &ll) or ll < 0
                            or ll > self.max_bulk_len):
                        raise _ProtocolError("Protocol error: invalid bulk length", out)
                    pos = cr + 2
                    self._bulklen = ll
                if n - pos - 2 < self._bulklen:  # (not bulklen + 2: it may be LLONG_MAX)
                    return pos
                argv.append(PyBytes_FromStringAndSize(data + pos, <Py_ssize_t>self._bulklen))
                pos += <Py_ssize_t>self._bulklen + 2
                self._bulklen = -1
                self._remaining -= 1
            out.append(argv)
            self._argv = None
        return pos


# ============================================================================= encoder

cdef struct _Out:
    # the caller's bytearray (borrowed: encode_into holds it), its data pointer as of the
    # last _reserve, and how many bytes are encoded; its size may exceed len until the trim
    PyObject* ba
    char* p
    Py_ssize_t len


cdef int _grow(_Out* o, Py_ssize_t extra) except -1:
    """Make room for ``extra`` more bytes. Use the slack the bytearray already allocated
    before asking for more, then double, so appending replies one by one to a batch
    buffer resizes it O(log n) times; encode_into trims the excess once at the end."""
    cdef object ba = <object>o.ba
    cdef PyByteArrayObject* b = <PyByteArrayObject*>o.ba
    cdef Py_ssize_t want = o.len + extra, target
    cdef Py_ssize_t usable = b.ob_alloc - (b.ob_start - b.ob_bytes) - 1
    if want <= usable:
        target = usable
    else:
        target = o.len * 2
        if target < want:
            target = want
    PyByteArray_Resize(ba, target)
    o.p = PyByteArray_AS_STRING(ba)
    return 0


cdef inline int _reserve(_Out* o, Py_ssize_t extra) except -1:
    # re-read the size: Python code run by a reply value (a property, __instancecheck__)
    # could have touched the bytearray; never write through a stale pointer
    cdef Py_ssize_t size = _ba_size(o.ba)
    if o.len + extra > size:
        if size < o.len:
            raise RuntimeError("reply buffer shrank during encoding")
        return _grow(o, extra)
    o.p = _ba_data(o.ba)
    return 0


cdef inline char* _digits(char* w, long long v) noexcept nogil:
    """Write v in decimal at w, return the end."""
    cdef char tmp[24]
    cdef int i = 0
    cdef unsigned long long u
    if v < 0:
        w[0] = c'-'
        w += 1
        u = <unsigned long long>0 - <unsigned long long>v
    else:
        u = <unsigned long long>v
    while True:
        tmp[i] = <char>(c'0' + u % 10)
        i += 1
        u //= 10
        if u == 0:
            break
    while i:
        i -= 1
        w[0] = tmp[i]
        w += 1
    return w


cdef inline int _header(_Out* o, char prefix, long long n) except -1:
    """``<prefix><n>\\r\\n``."""
    cdef char* w
    _reserve(o, 24)
    w = o.p + o.len
    w[0] = prefix
    w = _digits(w + 1, n)
    w[0] = c'\r'
    w[1] = c'\n'
    o.len = w + 2 - o.p
    return 0


cdef inline int _raw(_Out* o, const char* s, Py_ssize_t n) except -1:
    _reserve(o, n)
    memcpy(o.p + o.len, s, <size_t>n)
    o.len += n
    return 0


cdef inline int _bulk(_Out* o, const char* s, Py_ssize_t n) except -1:
    """``$<n>\\r\\n<s>\\r\\n``; s must not point into the output buffer."""
    cdef char* w
    _reserve(o, n + 25)
    w = o.p + o.len
    w[0] = c'$'
    w = _digits(w + 1, n)
    w[0] = c'\r'
    w[1] = c'\n'
    memcpy(w + 2, s, <size_t>n)
    w += n + 2
    w[0] = c'\r'
    w[1] = c'\n'
    o.len = w + 2 - o.p
    return 0


cdef int _int(_Out* o, object v) except -1:
    """``:<v>\\r\\n`` (int and its subclasses); big ints beyond 64 bits as Python prints."""
    cdef int overflow = 0
    cdef long long x = PyLong_AsLongLongAndOverflow(v, &overflow)
    cdef char* w
    cdef bytes s
    if overflow:
        s = b":%d\r\n" % v
        return _raw(o, PyBytes_AS_STRING(s), PyBytes_GET_SIZE(s))
    _reserve(o, 24)
    w = o.p + o.len
    w[0] = c':'
    w = _digits(w + 1, x)
    w[0] = c'\r'
    w[1] = c'\n'
    o.len = w + 2 - o.p
    return 0


cdef int _line(_Out* o, char prefix, object text) except -1:
    """``<prefix><text>\\r\\n`` for simple strings and errors: utf-8 with surrogateescape,
    CR and LF turned into spaces (as Redis's addReplyError sanitises)."""
    cdef bytes b
    cdef const char* s
    cdef Py_ssize_t n, i
    cdef char* w
    cdef char c
    if type(text) is str and PyUnicode_IS_ASCII(text):
        s = <const char*>PyUnicode_DATA(text)
        n = PyUnicode_GET_LENGTH(text)
    elif type(text) is str:
        b = PyUnicode_AsEncodedString(text, "utf-8", "surrogateescape")
        s = PyBytes_AS_STRING(b)
        n = PyBytes_GET_SIZE(b)
    else:  # whatever resp_py does with an odd .text, including its exception
        b = text.encode("utf-8", "surrogateescape").replace(b"\r", b" ").replace(b"\n", b" ")
        s = PyBytes_AS_STRING(b)
        n = PyBytes_GET_SIZE(b)
    _reserve(o, n + 3)
    w = o.p + o.len
    w[0] = prefix
    w += 1
    for i in range(n):
        c = s[i]
        w[i] = c' ' if c == c'\r' or c == c'\n' else c
    w += n
    w[0] = c'\r'
    w[1] = c'\n'
    o.len = w + 2 - o.p
    return 0


cdef int _str(_Out* o, object v) except -1:
    cdef bytes b
    if PyUnicode_IS_ASCII(v):
        return _bulk(o, <const char*>PyUnicode_DATA(v), PyUnicode_GET_LENGTH(v))
    # user bytes inside texts were decoded with surrogateescape; restore them exactly
    b = PyUnicode_AsEncodedString(v, "utf-8", "surrogateescape")
    return _bulk(o, PyBytes_AS_STRING(b), PyBytes_GET_SIZE(b))


cdef int _double(_Out* o, double d, int resp) except -1:
    """RESP3 ``,<d>``; RESP2 a bulk. ``%.17g`` through PyOS_double_to_string, the very
    routine behind resp_py's ``b"%.17g" % d``; inf/-inf/nan spelled out (as libc may not)."""
    cdef char* body = NULL
    cdef const char* s
    cdef Py_ssize_t n
    if isnan(d):
        s = "nan"
    elif isinf(d):
        s = "inf" if d > 0 else "-inf"
    else:
        body = PyOS_double_to_string(d, c'g', 17, 0, NULL)
        s = body
    n = 0
    while s[n]:
        n += 1
    try:
        if resp == 3:
            _reserve(o, n + 3)
            o.p[o.len] = c','
            memcpy(o.p + o.len + 1, s, <size_t>n)
            o.p[o.len + 1 + n] = c'\r'
            o.p[o.len + 2 + n] = c'\n'
            o.len += n + 3
        else:
            _bulk(o, s, n)
    finally:
        PyMem_Free(body)
    return 0


cdef inline int _enter() except -1:
    # one level of nesting counts against the recursion limit, as resp_py's recursive call
    # does: a deeply nested reply raises RecursionError instead of overflowing the C stack
    if Py_EnterRecursiveCall(" while encoding a reply"):
        return -1
    return 0


cdef inline int _item(_Out* o, object x, int resp) except -1:
    # the two element types of nearly every array reply, without a call per element
    if PyBytes_CheckExact(x):
        return _bulk(o, PyBytes_AS_STRING(x), PyBytes_GET_SIZE(x))
    if PyLong_CheckExact(x):
        return _int(o, x)
    return _encode(o, x, resp)


cdef int _list(_Out* o, char prefix, object v, int resp) except -1:
    """An array-like reply over a list (or list subclass): the header counts the items
    now, then items are read by index while the list is that long (as iterating does)."""
    cdef Py_ssize_t i = 0
    cdef object x
    _header(o, prefix, PyList_GET_SIZE(v))
    _enter()
    try:
        while i < PyList_GET_SIZE(v):
            x = <object>PyList_GET_ITEM(v, i)  # a new reference: the item outlives encoding
            i += 1
            _item(o, x, resp)
    finally:
        Py_LeaveRecursiveCall()
    return 0


cdef int _encode(_Out* o, object v, int resp) except -1:
    """encode_into for one value; the order of tests is resp_py's."""
    cdef type t = type(v)
    cdef Py_ssize_t i, n
    cdef PyObject* kp
    cdef PyObject* vp
    cdef object k, x
    if t is bytes:
        return _bulk(o, PyBytes_AS_STRING(v), PyBytes_GET_SIZE(v))
    if t is bytearray:
        if v is <object>o.ba:
            v = bytes(v)  # appending a buffer to itself: encode what it held before
        return _bulk(o, PyByteArray_AS_STRING(v), PyByteArray_GET_SIZE(v))
    if t is int:
        return _int(o, v)
    if v is None:
        return _raw(o, "_\r\n", 3) if resp == 3 else _raw(o, "$-1\r\n", 5)
    if t is _Status:
        if v is _OK:
            return _raw(o, "+OK\r\n", 5)
        return _line(o, c'+', v.text)
    if t is list:
        return _list(o, c'*', v, resp)
    if t is tuple:
        n = PyTuple_GET_SIZE(v)
        _header(o, c'*', n)
        _enter()
        try:
            for i in range(n):
                _item(o, <object>PyTuple_GET_ITEM(v, i), resp)
        finally:
            Py_LeaveRecursiveCall()
        return 0
    if t is str:
        return _str(o, v)
    if t is float:
        return _double(o, v, resp)
    if t is dict:
        n = len(v)
        if resp == 3:
            _header(o, c'%', n)
        else:
            _header(o, c'*', 2 * n)
        _enter()
        try:
            i = 0
            while PyDict_Next(v, &i, &kp, &vp):
                k = <object>kp  # own references while encoding runs arbitrary code
                x = <object>vp
                _item(o, k, resp)
                _item(o, x, resp)
        finally:
            Py_LeaveRecursiveCall()
        return 0
    if t is _SetReply:  # a list: indexed like one, same items as iterating it
        return _list(o, c'~' if resp == 3 else c'*', v, resp)
    if t is set or t is frozenset:
        _header(o, c'~' if resp == 3 else c'*', len(v))
        _enter()
        try:
            for x in v:
                _item(o, x, resp)
        finally:
            Py_LeaveRecursiveCall()
        return 0
    if t is bool:
        if resp == 3:
            return _raw(o, "#t\r\n" if v is True else "#f\r\n", 4)
        return _raw(o, ":1\r\n" if v is True else ":0\r\n", 4)
    if t is _Push:
        return _list(o, c'>' if resp == 3 else c'*', v, resp)
    if t is _Verbatim:
        n = PyBytes_GET_SIZE(v)
        if resp == 3:
            _header(o, c'=', n + 4)
            _raw(o, "txt:", 4)
            _raw(o, PyBytes_AS_STRING(v), n)
            return _raw(o, "\r\n", 2)
        return _bulk(o, PyBytes_AS_STRING(v), n)
    if t is _DoubleText or t is _BigNumber:
        n = PyBytes_GET_SIZE(v)
        if resp == 3:
            _raw(o, "," if t is _DoubleText else "(", 1)
            _raw(o, PyBytes_AS_STRING(v), n)
            return _raw(o, "\r\n", 2)
        return _bulk(o, PyBytes_AS_STRING(v), n)
    if t is _NullArray:
        return _raw(o, "_\r\n", 3) if resp == 3 else _raw(o, "*-1\r\n", 5)
    if t is _Attribute:
        if resp == 3:
            attrs = v.attrs
            _header(o, c'|', len(attrs))
            _enter()
            try:
                for k, x in attrs.items():
                    _item(o, k, resp)
                    _item(o, x, resp)
            finally:
                Py_LeaveRecursiveCall()
        _enter()
        try:
            _item(o, v.reply, resp)
        finally:
            Py_LeaveRecursiveCall()
        return 0
    if isinstance(v, _ReplyError):
        return _line(o, c'-', v.text)
    if isinstance(v, int):  # IntEnum and friends
        return _int(o, v)
    raise TypeError("cannot encode reply of type %s" % t.__name__)


cdef int _encode_into(bytearray out, object v, int resp) except -1:
    cdef _Out o
    o.ba = <PyObject*>out
    o.len = PyByteArray_GET_SIZE(out)
    o.p = NULL
    try:
        _encode(&o, v, resp)
    finally:
        # trim the slack _grow reserved; on an error keep what was encoded before it, as
        # resp_py's ``out +=`` does
        if PyByteArray_GET_SIZE(out) >= o.len:
            PyByteArray_Resize(out, o.len)
    return 0


def encode_into(bytearray out not None, v, int resp):
    """Append the encoding of reply value ``v`` for protocol version ``resp`` (2 or 3)."""
    _encode_into(out, v, resp)


def encode(v, int resp=2):
    cdef bytearray out = bytearray()
    _encode_into(out, v, resp)
    return PyBytes_FromStringAndSize(PyByteArray_AS_STRING(out), PyByteArray_GET_SIZE(out))
