# cython: language_level=3
"""A memcached connection's read in Cython: the twin of mcserve_py.py (read its docstring).

The commonest text requests run here inline: ``get <key> [<key> ...]`` and
``set <key> <flags> <exptime> <bytes> [noreply]`` with its data block, in their plainest
spelling, while the keyspace is in its plain state: no LFU policy, no keyspace
notifications, and for a set no BGSAVE snapshot and no WATCHed key (with a memory limit
a set first makes room as run_store does). Their specification is the Python
handlers (engine/memcached/text.py cmd_get / run_store over store.py ItemStore): the code
below does what they do in that state -- the same replies, statistics, CAS ids, item
metadata, memory accounting and propagation. A request it does not take in full (another
command or spelling, a partial request, an expired, tiered or non-string value, a value
memcached has no metadata for yet, a value too large, an absolute or negative exptime) is
left untouched, and it and the rest of the read go through the parser and the handlers
(the lookup done to decide touches the LRU clock to the value the handler sets anyway).
tests/memcached/test_native_serve.py checks replies, counters, memory accounting and
contents against mcserve_py.serve.
"""

from cpython.bytearray cimport PyByteArray_AS_STRING, PyByteArray_GET_SIZE, PyByteArray_Resize
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.dict cimport PyDict_GetItem, PyDict_SetItem
from cpython.list cimport PyList_GET_ITEM
from cpython.long cimport PyLong_AsUnsignedLongLong, PyLong_FromUnsignedLong
from cpython.object cimport PyObject
from libc.string cimport memchr, memcpy
from posix.time cimport CLOCK_REALTIME, clock_gettime, timespec

from libc.stdint cimport uint32_t

from .keytable_c cimport Entry, KeyTable
from .memcache_c cimport TextParser

from .mcserve_common import COUNTER_FIELDS, REQS_PER_EVENT

__all__ = ["CountersCore", "ConnCore", "serve", "COUNTER_FIELDS", "REQS_PER_EVENT"]

DEF MAX_KEYS = 64          # keys of a get taken inline (more go through the handler)
DEF KEY_MAX = 250
DEF ITEM_OVERHEAD = 48 + 1 + 8   # item_size_ok(): header, the key's NUL, CAS
DEF REALTIME_MAXDELTA = 60 * 60 * 24 * 30
DEF FETCHED = 1
DEF M_FLAGS = 0
DEF M_CAS = 1
DEF M_ATIME = 2
DEF M_BITS = 3

cdef bytes _SET = b"SET"
cdef bytes _PXAT = b"PXAT"
cdef Py_ssize_t _PER_EVENT = REQS_PER_EVENT

# bound on first use (importing the engine from here at load time would be circular)
cdef object _key_cost = None


cdef class CountersCore:
    cdef public long long cmd_get, cmd_set, cmd_flush, cmd_touch, cmd_meta, get_hits
    cdef public long long get_misses, get_expired, get_flushed, delete_misses, delete_hits
    cdef public long long incr_misses, incr_hits, decr_misses, decr_hits, cas_misses
    cdef public long long cas_hits, cas_badval, touch_hits, touch_misses, store_too_large
    cdef public long long store_no_memory, auth_cmds, auth_errors, bytes_read, bytes_written
    cdef public long long total_items, total_connections, rejected_connections, reclaimed
    cdef public long long evictions


cdef class ConnCore:
    cdef public object st, engine, store, db, parser, transport, _out
    cdef public CountersCore stats
    cdef public Py_ssize_t max_item_size, _flushed
    cdef public bint binary, closed, _close_after
    cdef public double last_cmd_time

    def data_received(self, data):
        _serve(self, data)


def serve(ConnCore conn, data):
    """A memcached connection's read (see mcserve_py.serve)."""
    _serve(conn, data)


cdef int _serve(ConnCore conn, object data) except -1:
    cdef timespec ts
    cdef Py_ssize_t pos = 0, nreq = 0, flushed = 0
    cdef long long now_ms
    cdef TextParser tp
    if conn.closed:
        return 0
    conn.stats.bytes_read += len(data)
    parser = conn.parser
    if parser is None:
        parser = conn.choose_parser(data)
    clock_gettime(CLOCK_REALTIME, &ts)
    eng = conn.engine
    now_ms = <long long>ts.tv_sec * 1000 + ts.tv_nsec // 1000000
    eng.now_ms = now_ms
    conn.last_cmd_time = <double>ts.tv_sec + <double>ts.tv_nsec * 1e-9
    out = bytearray()
    if type(parser) is TextParser and type(data) is bytes:
        tp = <TextParser>parser
        if (not tp.closed and tp._pending is None and tp._swallow == 0
                and PyByteArray_GET_SIZE(tp._buf) == 0):
            pos = _run_plain(conn, eng, now_ms, <bytes>data, out, &nreq, &flushed)
            if pos == PyBytes_GET_SIZE(data):
                if PyByteArray_GET_SIZE(out):
                    conn.stats.bytes_written += PyByteArray_GET_SIZE(out)
                    conn.transport.write(out)
                return 0
            if pos:
                data = data[pos:]
    conn.run_requests(parser.feed(data), out, nreq, flushed)
    return 0


# ============================================================================ parsing
cdef inline bint _key_byte(char c) noexcept:
    # memcached splits a line on spaces only and a NUL ends it: any other byte is part of
    # a key (memaslap's keys start with control bytes)
    return c != c' ' and c != 0


cdef inline Py_ssize_t _token(const char* p, Py_ssize_t i, Py_ssize_t end) noexcept:
    """The end of the token of key bytes starting at i (i itself when there is none)."""
    while i < end and _key_byte(p[i]):
        i += 1
    return i


cdef inline Py_ssize_t _digits(const char* p, Py_ssize_t i, Py_ssize_t end, int most,
                               unsigned long long* v) noexcept:
    """A run of 1..most decimal digits at i: its end, or -1."""
    cdef Py_ssize_t j = i
    cdef unsigned long long x = 0
    while j < end and c'0' <= p[j] <= c'9':
        if j - i == most:
            return -1
        x = x * 10 + <unsigned long long>(p[j] - c'0')
        j += 1
    if j == i:
        return -1
    v[0] = x
    return j


cdef int _append(bytearray out, const char* p, Py_ssize_t n) except -1:
    cdef Py_ssize_t size = PyByteArray_GET_SIZE(out)
    PyByteArray_Resize(out, size + n)
    memcpy(PyByteArray_AS_STRING(out) + size, p, n)
    return 0


cdef inline int _ndigits(unsigned long long v) noexcept:
    cdef int n = 1
    while v >= 10:
        v //= 10
        n += 1
    return n


cdef inline char* _put_uint(char* dst, unsigned long long v) noexcept:
    """Write v in decimal at dst; the end of what was written."""
    cdef int n = _ndigits(v), i
    for i in range(n - 1, -1, -1):
        dst[i] = <char>(c'0' + v % 10)
        v //= 10
    return dst + n


# ============================================================================ plain requests
cdef Py_ssize_t _run_plain(ConnCore conn, object eng, long long now_ms, bytes data,
                           bytearray out, Py_ssize_t* nreq, Py_ssize_t* flushed) except -1:
    """Run the requests at the start of ``data`` that the plain path takes; the offset of
    the first one it leaves (len(data) when it took them all)."""
    cdef const char* p = PyBytes_AS_STRING(data)
    cdef Py_ssize_t n = PyBytes_GET_SIZE(data), pos = 0, end, nxt
    cdef const char* nl
    cdef int writes = -1     # the state allows sets (-1: not looked at yet)
    # reads of strings are plain unless LFU counts them or a miss is notified
    if eng.lfu or eng.notify_flags:
        return 0
    db = conn.db
    while pos < n:
        nl = <const char*>memchr(p + pos, c'\n', n - pos)
        if nl == NULL:
            break
        end = nl - p - 1      # the "\r" of "\r\n"
        if end < pos + 4 or p[end] != c'\r' or p[pos + 3] != c' ':
            break
        if p[pos] == c'g' and p[pos + 1] == c'e' and p[pos + 2] == c't':
            nxt = _get(conn, eng, now_ms, db, p, pos + 4, end, out)
            if nxt < 0:
                break
            flushed[0] = PyByteArray_GET_SIZE(out)   # a get is a flush point
        elif p[pos] == c's' and p[pos + 1] == c'e' and p[pos + 2] == c't':
            if writes < 0:   # a BGSAVE keeps pre-images, WATCH is signalled by the door
                writes = eng.snapshot is None and not db.watched
            if not writes:
                break
            nxt = _set(conn, eng, now_ms, db, p, n, pos + 4, end, out)
            if nxt < 0:
                break
        else:
            break
        pos = nxt
        nreq[0] += 1
        if nreq[0] == _PER_EVENT:
            nreq[0] = 0
            flushed[0] = PyByteArray_GET_SIZE(out)
    return pos


cdef Py_ssize_t _get(ConnCore conn, object eng, long long now_ms, object db, const char* p,
                     Py_ssize_t i, Py_ssize_t end, bytearray out) except -2:
    """``get k1 k2 ...`` (keys from i to end): the offset after its line, or -1 to leave it.
    All keys are looked up before anything is counted, so leaving it changes nothing. The
    entries are read in place (keytable_c.pxd): no Python code runs between the lookups
    and the reply, so their pointers and the borrowed metadata stay valid."""
    cdef Py_ssize_t starts[MAX_KEYS]
    cdef Py_ssize_t lens[MAX_KEYS]
    cdef Entry* entries[MAX_KEYS]
    cdef PyObject* metas[MAX_KEYS]
    cdef unsigned long long vflags[MAX_KEYS]
    cdef Py_ssize_t nkeys = 0, j, k, hits = 0, size, total, vlen
    cdef char* dst
    cdef const char* vdata
    cdef CountersCore stats
    cdef Entry* e
    cdef PyObject* found_meta
    cdef list m
    cdef KeyTable table
    cdef uint32_t clock
    while True:
        j = _token(p, i, end)
        if j == i or j - i > KEY_MAX or nkeys == MAX_KEYS:
            return -1
        starts[nkeys] = i
        lens[nkeys] = j - i
        nkeys += 1
        if j == end:
            break
        if p[j] != c' ':
            return -1
        i = j + 1
    t = db.table
    if type(t) is not KeyTable:
        return -1
    table = <KeyTable>t
    item_meta = db.item_meta
    clock = <uint32_t>eng.access_clock
    for k in range(nkeys):
        key = PyBytes_FromStringAndSize(p + starts[k], lens[k])
        e = table._find(key)
        entries[k] = e
        if e == NULL:
            continue
        if e.expire >= 0 and e.expire < now_ms:
            return -1              # expired: the handler deletes it
        if not (e.value & 1) and (e.value & 2
                                  or type(<object><PyObject*>e.value) is not bytes):
            return -1              # tiered (an inline ref) or another type
        found_meta = PyDict_GetItem(item_meta, key)
        if found_meta == NULL:
            return -1              # its metadata is made (with a CAS id) by the handler
        meta = <object>found_meta
        if (type(meta) is not list or len(meta) != 4
                or type(<object>PyList_GET_ITEM(meta, M_FLAGS)) is not int
                or type(<object>PyList_GET_ITEM(meta, M_BITS)) is not int):
            return -1
        e.access = clock           # Database.lookup_read's touch (plain state: LRU)
        metas[k] = found_meta
        hits += 1
    size = PyByteArray_GET_SIZE(out)
    total = 5                        # "END\r\n"
    for k in range(nkeys):
        e = entries[k]
        if e == NULL:
            continue
        m = <list>metas[k]
        bits = m[M_BITS]
        if bits & FETCHED:           # ItemStore.bump()
            m[M_ATIME] = now_ms // 1000
        else:
            m[M_BITS] = bits | FETCHED
        vflags[k] = PyLong_AsUnsignedLongLong(m[M_FLAGS])
        vlen = _value_size(e)
        # "VALUE <key> <flags> <bytes>\r\n<data>\r\n"
        total += 6 + lens[k] + 1 + _ndigits(vflags[k]) + 1 + _ndigits(vlen) + 2 + vlen + 2
    PyByteArray_Resize(out, size + total)
    dst = PyByteArray_AS_STRING(out) + size
    for k in range(nkeys):
        e = entries[k]
        if e == NULL:
            continue
        vlen = _value_size(e)
        if e.value & 1:
            vdata = e.data + e.klen
        else:
            vdata = PyBytes_AS_STRING(<object><PyObject*>e.value)
        memcpy(dst, b"VALUE ", 6)
        dst += 6
        memcpy(dst, p + starts[k], lens[k])
        dst += lens[k]
        dst[0] = c' '
        dst = _put_uint(dst + 1, vflags[k])
        dst[0] = c' '
        dst = _put_uint(dst + 1, vlen)
        memcpy(dst, b"\r\n", 2)
        memcpy(dst + 2, vdata, vlen)
        dst += 2 + vlen
        memcpy(dst, b"\r\n", 2)
        dst += 2
    memcpy(dst, b"END\r\n", 5)
    stats = conn.stats
    stats.cmd_get += nkeys
    stats.get_hits += hits
    stats.get_misses += nkeys - hits
    kstats = eng.stats
    if hits:
        kstats.keyspace_hits += hits
    if nkeys - hits:
        kstats.keyspace_misses += nkeys - hits
    return end + 2


cdef inline Py_ssize_t _value_size(Entry* e) noexcept:
    """The size of a bytes value: inline after the key, or a bytes object."""
    if e.value & 1:
        return <Py_ssize_t>(e.value >> 1)
    return PyBytes_GET_SIZE(<object><PyObject*>e.value)


cdef Py_ssize_t _set(ConnCore conn, object eng, long long now_ms, object db, const char* p,
                     Py_ssize_t n, Py_ssize_t i, Py_ssize_t end, bytearray out) except -2:
    """``set <key> <flags> <exptime> <bytes> [noreply]`` (from i to end) and its data
    block: the offset after the block, or -1 to leave the request to the handler."""
    global _key_cost
    cdef Py_ssize_t kstart = i, klen, start, vlen
    cdef unsigned long long flags = 0, exptime = 0, nbytes = 0
    cdef bint noreply = False
    cdef long long when = -1
    cdef CountersCore stats
    cdef KeyTable table
    cdef Entry* e
    i = _token(p, i, end)
    klen = i - kstart
    if klen == 0 or klen > KEY_MAX or i >= end or p[i] != c' ':
        return -1
    i = _digits(p, i + 1, end, 10, &flags)
    if i < 0 or i >= end or p[i] != c' ' or flags > 0xFFFFFFFFULL:
        return -1
    i = _digits(p, i + 1, end, 7, &exptime)
    if i < 0 or i >= end or p[i] != c' ' or exptime > REALTIME_MAXDELTA:
        return -1
    i = _digits(p, i + 1, end, 9, &nbytes)
    if i < 0:
        return -1
    if i != end:
        if end - i != 8 or memcmp8(p + i, b" noreply") != 0:
            return -1
        noreply = True
    vlen = <Py_ssize_t>nbytes
    start = end + 2
    if start + vlen + 2 > n or p[start + vlen] != c'\r' or p[start + vlen + 1] != c'\n':
        return -1              # partial, or a bad data chunk
    if ITEM_OVERHEAD + klen + (4 if flags else 0) + vlen + 2 > conn.max_item_size:
        return -1              # too large: swallowed by the parser
    t = db.table
    if type(t) is not KeyTable:
        return -1
    table = <KeyTable>t
    if eng.maxmemory and not eng.perform_evictions():
        return -1              # run_store answers "out of memory" (perform_evictions again
                               # finds nothing more to free)
    key = PyBytes_FromStringAndSize(p + kstart, klen)
    item_meta = db.item_meta
    clock = eng.access_clock
    e = table._find(key)
    if e != NULL:
        if (e.expire >= 0 and e.expire < now_ms
                or not (e.value & 1) and (e.value & 2
                                          or type(<object><PyObject*>e.value) is not bytes)
                or PyDict_GetItem(item_meta, key) == NULL):
            return -1          # expired, tiered, another type, or no metadata yet
    # run_store -> ItemStore.store(STORE_SET) -> _write
    stats = conn.stats
    stats.cmd_set += 1
    st = conn.st
    cas = st.cas_id + 1
    st.cas_id = cas
    stats.total_items += 1
    value = PyBytes_FromStringAndSize(p + start, vlen)
    old = table.set(key, value, clock, False)
    if old is None:
        db._account(key, None, value)
    elif PyBytes_GET_SIZE(old) != vlen:
        if _key_cost is None:
            from engine.keyspace import key_cost
            _key_cost = key_cost
        db.used_memory += _key_cost(klen, value) - _key_cost(klen, old)
    if exptime:
        when = now_ms + <long long>exptime * 1000
        table.set_expire(key, when)
    meta = [PyLong_FromUnsignedLong(<unsigned long>flags), cas, now_ms // 1000, 0]
    if old is None:
        db.set_item_meta(key, meta)
    else:
        PyDict_SetItem(item_meta, key, meta)
    eng.dirty += 1
    repl = eng.replication
    if repl is not None:
        if when >= 0:
            repl.propagate(db.id, [_SET, key, value, _PXAT, b"%d" % when])
        else:
            repl.propagate(db.id, [_SET, key, value])
    if not noreply:
        _append(out, b"STORED\r\n", 8)
    return start + vlen + 2


cdef inline int memcmp8(const char* a, const char* b) noexcept:
    cdef int k
    for k in range(8):
        if a[k] != b[k]:
            return 1
    return 0
