# cython: language_level=3
"""A memcached connection's read in Cython: the twin of mcserve_py.py (read its docstring).

The commonest requests run here inline: text ``get <key> [<key> ...]`` and
``set <key> <flags> <exptime> <bytes> [noreply]`` with its data block, in their plainest
spelling, and binary GET GETQ GETK GETKQ and SET SETQ without a CAS, while the keyspace is
in its plain state: no LFU policy, no keyspace notifications, and for a set no BGSAVE
snapshot, no WATCHed key and no client-side caching (with a memory limit a set first makes
room as the handler does). Their specification is the Python handlers
(engine/memcached/text.py cmd_get / run_store, binary.py run_bin, over store.py
ItemStore): the code below does what they do in that state -- the same replies,
statistics, CAS ids, item metadata, memory accounting and propagation. A request it does
not take in full (another command or spelling, a partial request, an expired, tiered or
non-string value, a value memcached has no metadata for yet, a value too large, an
absolute or negative exptime) is left untouched, and it and the rest of the read go
through the parser and the handlers (the lookup done to decide touches the LRU clock to
the value the handler sets anyway).
tests/memcached/test_native_serve.py checks replies, counters, memory accounting and
contents against mcserve_py.serve.
"""

from cpython.bytearray cimport PyByteArray_AS_STRING, PyByteArray_GET_SIZE, PyByteArray_Resize
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.dict cimport PyDict_GetItem, PyDict_SetItem
from cpython.list cimport PyList_GET_ITEM
from cpython.long cimport PyLong_AsUnsignedLongLong, PyLong_FromUnsignedLong
from cpython.object cimport PyObject
from libc.stdlib cimport malloc
from libc.string cimport memchr, memcpy, memset
from posix.time cimport CLOCK_REALTIME, clock_gettime, timespec

from libc.stdint cimport uint32_t

from .dispatch_c cimport EngineCore, StatsCore
from .keytable_c cimport Entry, KeyTable
from .memcache_c cimport BinaryParser, TextParser

from .keytable_common import INLINE_VALUE_MAX as _INLINE_MAX
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
# binary protocol (protocol_binary.h)
DEF HEADER = 24
DEF REQ_MAGIC = 0x80
DEF RES_MAGIC = 0x81
DEF OP_GET = 0x00
DEF OP_SET = 0x01
DEF OP_GETQ = 0x09
DEF OP_GETK = 0x0C
DEF OP_GETKQ = 0x0D
DEF OP_SETQ = 0x11
DEF KEY_ENOENT = 0x01

cdef bytes _SET = b"SET"
cdef bytes _PXAT = b"PXAT"
cdef Py_ssize_t _PER_EVENT = REQS_PER_EVENT

# bound on first use (importing the engine from here at load time would be circular)
cdef object _key_cost = None
cdef object _item_meta_cost = None
# Database's memory model for a string key and its memcached metadata, remembered per
# (key size, value size) for inline values and per key size: the model is a function of
# those sizes, and a call per insert costs more than the rest of it (-1: not asked yet)
cdef long long* _string_costs = NULL
cdef long long _meta_costs[KEY_MAX + 1]
memset(_meta_costs, 0xFF, sizeof(_meta_costs))
cdef Py_ssize_t _inline_max = _INLINE_MAX   # keytable_c keeps values up to this inline


cdef int _bind() except -1:
    global _key_cost, _item_meta_cost, _string_costs
    cdef size_t size
    from engine.keyspace import item_meta_cost, key_cost
    _key_cost = key_cost
    _item_meta_cost = item_meta_cost
    size = (KEY_MAX + 1) * (_inline_max + 1) * sizeof(long long)
    _string_costs = <long long*>malloc(size)
    if _string_costs == NULL:
        raise MemoryError()
    memset(_string_costs, 0xFF, size)
    return 0


cdef long long _string_cost(Py_ssize_t klen, object value) except -1:
    """key_cost(klen, value) of a bytes value (klen <= KEY_MAX)."""
    cdef Py_ssize_t vlen = PyBytes_GET_SIZE(value)
    cdef long long* slot
    if _key_cost is None:
        _bind()
    if vlen > _inline_max:
        return _key_cost(klen, value)
    slot = &_string_costs[klen * (_inline_max + 1) + vlen]
    if slot[0] < 0:
        slot[0] = _key_cost(klen, value)
    return slot[0]


cdef long long _meta_cost(Py_ssize_t klen) except -1:
    """item_meta_cost(klen)."""
    if _key_cost is None:
        _bind()
    if _meta_costs[klen] < 0:
        _meta_costs[klen] = _item_meta_cost(klen)
    return _meta_costs[klen]


cdef class CountersCore:
    cdef public long long cmd_get, cmd_set, cmd_flush, cmd_touch, cmd_meta, get_hits
    cdef public long long get_misses, get_expired, get_flushed, delete_misses, delete_hits
    cdef public long long incr_misses, incr_hits, decr_misses, decr_hits, cas_misses
    cdef public long long cas_hits, cas_badval, touch_hits, touch_misses, store_too_large
    cdef public long long store_no_memory, auth_cmds, auth_errors, bytes_read, bytes_written
    cdef public long long total_items, total_connections, rejected_connections, reclaimed
    cdef public long long evictions


cdef class ConnCore:
    cdef public object st, engine, store, db, parser, transport, _out, tracking
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
    cdef EngineCore eng
    cdef TextParser tp
    cdef BinaryParser bp
    if conn.closed:
        return 0
    conn.stats.bytes_read += len(data)
    parser = conn.parser
    if parser is None:
        parser = conn.choose_parser(data)
    clock_gettime(CLOCK_REALTIME, &ts)
    eng = <EngineCore?>conn.engine
    now_ms = <long long>ts.tv_sec * 1000 + ts.tv_nsec // 1000000
    eng.now_ms = now_ms
    conn.last_cmd_time = <double>ts.tv_sec + <double>ts.tv_nsec * 1e-9
    out = bytearray()
    if type(data) is bytes:
        if type(parser) is TextParser:
            tp = <TextParser>parser
            if (not tp.closed and tp._pending is None and tp._swallow == 0
                    and PyByteArray_GET_SIZE(tp._buf) == 0):
                pos = _run_plain(conn, eng, now_ms, <bytes>data, out, &nreq, &flushed)
        elif type(parser) is BinaryParser:
            bp = <BinaryParser>parser
            if (not bp.closed and not bp.sasl and bp._pending is None and bp._swallow == 0
                    and PyByteArray_GET_SIZE(bp._buf) == 0):
                pos = _run_binary(conn, eng, now_ms, <bytes>data, out, &nreq, &flushed)
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
cdef inline bint _sets_plain(ConnCore conn, EngineCore eng, object db) except -1:
    """A set may run here: no BGSAVE keeping pre-images, and no WATCH or client-side
    caching (engine/tracking.py) for the door to signal."""
    return eng.snapshot is None and not db.watched and not conn.tracking.active


cdef Py_ssize_t _run_plain(ConnCore conn, EngineCore eng, long long now_ms, bytes data,
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
            if writes < 0:
                writes = _sets_plain(conn, eng, db)
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


cdef Py_ssize_t _get(ConnCore conn, EngineCore eng, long long now_ms, object db, const char* p,
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
    cdef int found
    cdef KeyTable table
    cdef StatsCore kstats
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
        found = _find_item(table, item_meta, key, now_ms, clock, &entries[k], &metas[k])
        if found < 0:
            return -1
        hits += found
    size = PyByteArray_GET_SIZE(out)
    total = 5                        # "END\r\n"
    for k in range(nkeys):
        e = entries[k]
        if e == NULL:
            continue
        vflags[k] = _bump(<list>metas[k], now_ms)
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
    kstats = <StatsCore?>eng.stats
    if hits:
        kstats.keyspace_hits += hits
    if nkeys - hits:
        kstats.keyspace_misses += nkeys - hits
    return end + 2


cdef int _find_item(KeyTable table, object item_meta, object key, long long now_ms,
                    uint32_t clock, Entry** entry, PyObject** meta) except -2:
    """Database.lookup_read + ItemStore.lookup of one key, without counting: 1 for a live
    string with its metadata (the entry and the borrowed metadata list set, the access
    field touched), 0 for no key, -1 when the handler must decide (expired, tiered,
    another type, no metadata yet -- the handler makes it, with a CAS id)."""
    cdef Entry* e = table._find(key)
    cdef PyObject* found
    entry[0] = e
    if e == NULL:
        return 0
    if e.expire >= 0 and e.expire < now_ms:
        return -1
    if not (e.value & 1) and (e.value & 2 or type(<object><PyObject*>e.value) is not bytes):
        return -1
    found = PyDict_GetItem(item_meta, key)
    if found == NULL:
        return -1
    m = <object>found
    if (type(m) is not list or len(m) != 4
            or type(<object>PyList_GET_ITEM(m, M_FLAGS)) is not int
            or type(<object>PyList_GET_ITEM(m, M_CAS)) is not int
            or type(<object>PyList_GET_ITEM(m, M_BITS)) is not int):
        return -1
    e.access = clock             # the read's touch (plain state: the LRU clock)
    meta[0] = found
    return 1


cdef unsigned long long _bump(list m, long long now_ms) except? 0xFFFFFFFFFFFFFFFF:
    """ItemStore.bump() of a hit; the item's flags."""
    bits = m[M_BITS]
    if bits & FETCHED:
        m[M_ATIME] = now_ms // 1000
    else:
        m[M_BITS] = bits | FETCHED
    return PyLong_AsUnsignedLongLong(m[M_FLAGS])


cdef inline Py_ssize_t _value_size(Entry* e) noexcept:
    """The size of a bytes value: inline after the key, or a bytes object."""
    if e.value & 1:
        return <Py_ssize_t>(e.value >> 1)
    return PyBytes_GET_SIZE(<object><PyObject*>e.value)


cdef Py_ssize_t _set(ConnCore conn, EngineCore eng, long long now_ms, object db, const char* p,
                     Py_ssize_t n, Py_ssize_t i, Py_ssize_t end, bytearray out) except -2:
    """``set <key> <flags> <exptime> <bytes> [noreply]`` (from i to end) and its data
    block: the offset after the block, or -1 to leave the request to the handler."""
    cdef Py_ssize_t kstart = i, klen, start, vlen
    cdef unsigned long long flags = 0, exptime = 0, nbytes = 0
    cdef bint noreply = False
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
    if not _size_ok(conn, klen, flags, vlen):
        return -1              # too large: swallowed by the parser
    if _store_plain(conn, eng, now_ms, db, p + kstart, klen, flags, exptime,
                    p + start, vlen) < 0:
        return -1
    if not noreply:
        _append(out, b"STORED\r\n", 8)
    return start + vlen + 2


cdef inline int memcmp8(const char* a, const char* b) noexcept:
    cdef int k
    for k in range(8):
        if a[k] != b[k]:
            return 1
    return 0


cdef inline bint _size_ok(ConnCore conn, Py_ssize_t klen, unsigned long long flags,
                          Py_ssize_t vlen) noexcept:
    """item_size_ok() (the data block's CRLF counted, as memcached does)."""
    return ITEM_OVERHEAD + klen + (4 if flags else 0) + vlen + 2 <= conn.max_item_size


cdef long long _store_plain(ConnCore conn, EngineCore eng, long long now_ms, object db,
                            const char* kp, Py_ssize_t klen, unsigned long long flags,
                            unsigned long long exptime, const char* vp,
                            Py_ssize_t vlen) except -2:
    """A set of a well-formed item (exptime 0 or relative): run_store / _bin_store ->
    ItemStore.store(STORE_SET) -> _write. The new item's CAS, or -1 (nothing done) when
    the handler must run it."""
    cdef long long when = -1, cas
    cdef CountersCore stats
    cdef KeyTable table
    cdef Entry* e
    cdef PyObject* found
    cdef list m = None
    t = db.table
    if type(t) is not KeyTable:
        return -1
    table = <KeyTable>t
    if eng.maxmemory and not eng.perform_evictions():
        return -1              # the handler answers "out of memory" (perform_evictions
                               # again finds nothing more to free)
    key = PyBytes_FromStringAndSize(kp, klen)
    item_meta = db.item_meta
    clock = eng.access_clock
    e = table._find(key)
    if e != NULL:
        if (e.expire >= 0 and e.expire < now_ms
                or not (e.value & 1) and (e.value & 2
                                          or type(<object><PyObject*>e.value) is not bytes)):
            return -1          # expired, tiered or another type
        found = PyDict_GetItem(item_meta, key)
        if found == NULL or type(<object>found) is not list or len(<object>found) != 4:
            return -1          # no metadata yet: the handler makes it (with a CAS id)
        m = <list>found
    stats = conn.stats
    stats.cmd_set += 1
    st = conn.st
    cas = st.cas_id + 1
    st.cas_id = cas
    stats.total_items += 1
    value = None
    if e != NULL and e.value & 1 and <Py_ssize_t>(e.value >> 1) == vlen:
        # an inline value of the same size (the common overwrite): what table.set does
        # with it -- the bytes in place, no TTL, the access clock -- without the objects
        memcpy(e.data + e.klen, vp, vlen)
        if e.expire >= 0:
            e.expire = -1
            table._volatile -= 1
        e.access = <uint32_t>clock
        if exptime:
            when = now_ms + <long long>exptime * 1000
            e.expire = when
            table._volatile += 1
    else:
        value = PyBytes_FromStringAndSize(vp, vlen)
        old = table.set(key, value, clock, False)
        if old is None:
            # Database._account() of a new key (no notification in the plain state)
            db.used_memory += _string_cost(klen, value)
            blocking = db.blocking_keys
            if blocking and key in blocking:
                eng.signal_key_ready(db, key)
        elif PyBytes_GET_SIZE(old) != vlen:
            db.used_memory += _string_cost(klen, value) - _string_cost(klen, old)
        if exptime:
            when = now_ms + <long long>exptime * 1000
            table.set_expire(key, when)
    if e == NULL:            # Database.set_item_meta()
        if PyDict_GetItem(item_meta, key) == NULL:
            db.used_memory += _meta_cost(klen)
        PyDict_SetItem(item_meta, key, [PyLong_FromUnsignedLong(<unsigned long>flags), cas,
                                        now_ms // 1000, 0])
    else:
        # the handler drops the old metadata and attaches a new list (same cost): the
        # same values in the list the item has
        m[M_FLAGS] = PyLong_FromUnsignedLong(<unsigned long>flags)
        m[M_CAS] = cas
        m[M_ATIME] = now_ms // 1000
        m[M_BITS] = 0
    eng.dirty += 1
    repl = eng.replication
    if repl is not None:
        if value is None:
            value = PyBytes_FromStringAndSize(vp, vlen)
        if when >= 0:
            repl.propagate(db.id, [_SET, key, value, _PXAT, b"%d" % when])
        else:
            repl.propagate(db.id, [_SET, key, value])
    return cas


# ============================================================================ binary protocol
cdef inline unsigned long long _be(const unsigned char* b, int n) noexcept:
    cdef unsigned long long v = 0
    cdef int k
    for k in range(n):
        v = v << 8 | b[k]
    return v


cdef inline char* _put_be(char* dst, unsigned long long v, int n) noexcept:
    cdef int k
    for k in range(n - 1, -1, -1):
        dst[k] = <char>(v & 0xFF)
        v >>= 8
    return dst + n


cdef char* _bin_header(bytearray out, int op, Py_ssize_t keylen, int extlen, int status,
                       Py_ssize_t bodylen, const unsigned char* opaque,
                       unsigned long long cas) except NULL:
    """Append protocol.response()'s 24-byte header with room for its body; where the
    body goes."""
    cdef Py_ssize_t size = PyByteArray_GET_SIZE(out)
    cdef char* dst
    PyByteArray_Resize(out, size + HEADER + bodylen)
    dst = PyByteArray_AS_STRING(out) + size
    dst[0] = <char>RES_MAGIC
    dst[1] = <char>op
    _put_be(dst + 2, <unsigned long long>keylen, 2)
    dst[4] = <char>extlen
    dst[5] = 0
    _put_be(dst + 6, <unsigned long long>status, 2)
    _put_be(dst + 8, <unsigned long long>bodylen, 4)
    memcpy(dst + 12, opaque, 4)
    _put_be(dst + 16, cas, 8)
    return dst + HEADER


cdef Py_ssize_t _run_binary(ConnCore conn, EngineCore eng, long long now_ms, bytes data,
                            bytearray out, Py_ssize_t* nreq, Py_ssize_t* flushed) except -1:
    """The binary twin of _run_plain: GET GETQ GETK GETKQ and SET SETQ (no CAS given,
    exptime 0 or relative) as run_bin runs them; anything else is left with the rest of
    the read. (run_bin also keeps the opaque for SASL's refusals; SASL connections never
    come here.)"""
    cdef const char* p = PyBytes_AS_STRING(data)
    cdef Py_ssize_t n = PyBytes_GET_SIZE(data), pos = 0, keylen, bodylen, vlen, klen_out
    cdef const unsigned char* h
    cdef const char* kp
    cdef int op, extlen, found
    cdef int writes = -1
    cdef unsigned long long flags, exptime
    cdef long long cas
    cdef Entry* e
    cdef PyObject* meta
    cdef char* dst
    cdef CountersCore stats
    cdef StatsCore kstats
    cdef KeyTable table
    if eng.lfu or eng.notify_flags:
        return 0
    db = conn.db
    while n - pos >= HEADER:
        h = <const unsigned char*>(p + pos)
        op = h[1]
        keylen = <Py_ssize_t>_be(h + 2, 2)
        extlen = h[4]
        bodylen = <Py_ssize_t>_be(h + 8, 4)
        if (h[0] != REQ_MAGIC or n - pos - HEADER < bodylen or keylen == 0
                or keylen > KEY_MAX or keylen + extlen > bodylen):
            break
        kp = p + pos + HEADER + extlen
        if op == OP_GET or op == OP_GETQ or op == OP_GETK or op == OP_GETKQ:
            if extlen != 0 or bodylen != keylen:
                break
            t = db.table
            if type(t) is not KeyTable:
                break
            table = <KeyTable>t
            key = PyBytes_FromStringAndSize(kp, keylen)
            found = _find_item(table, db.item_meta, key, now_ms, <uint32_t>eng.access_clock,
                               &e, &meta)
            if found < 0:
                break
            stats = conn.stats
            stats.cmd_get += 1
            kstats = <StatsCore?>eng.stats
            if found:
                stats.get_hits += 1
                kstats.keyspace_hits += 1
                flags = _bump(<list>meta, now_ms)
                vlen = _value_size(e)
                klen_out = keylen if op == OP_GETK or op == OP_GETKQ else 0  # GETK: the key
                dst = _bin_header(out, op, klen_out, 4, 0, 4 + klen_out + vlen, h + 12,
                                  PyLong_AsUnsignedLongLong(
                                      <object>PyList_GET_ITEM(<object>meta, M_CAS)))
                dst = _put_be(dst, flags, 4)
                memcpy(dst, kp, klen_out)
                dst += klen_out
                if e.value & 1:
                    memcpy(dst, e.data + e.klen, vlen)
                else:
                    memcpy(dst, PyBytes_AS_STRING(<object><PyObject*>e.value), vlen)
            else:
                stats.get_misses += 1
                kstats.keyspace_misses += 1
                if op == OP_GETK:       # the key, no text
                    dst = _bin_header(out, op, keylen, 0, KEY_ENOENT, keylen, h + 12, 0)
                    memcpy(dst, kp, keylen)
                elif op == OP_GET:      # an error: its text, and a flush point
                    dst = _bin_header(out, op, 0, 0, KEY_ENOENT, 9, h + 12, 0)
                    memcpy(dst, b"Not found", 9)
                    flushed[0] = PyByteArray_GET_SIZE(out)
        elif op == OP_SET or op == OP_SETQ:
            if extlen != 8 or _be(h + 16, 8) != 0:
                break              # a CAS makes it a compare-and-swap
            flags = _be(h + HEADER, 4)
            exptime = _be(h + HEADER + 4, 4)
            vlen = bodylen - keylen - 8
            if exptime > REALTIME_MAXDELTA or not _size_ok(conn, keylen, flags, vlen):
                break
            if writes < 0:
                writes = _sets_plain(conn, eng, db)
            if not writes:
                break
            cas = _store_plain(conn, eng, now_ms, db, kp, keylen, flags, exptime,
                               kp + keylen, vlen)
            if cas < 0:
                break
            if op == OP_SET:
                _bin_header(out, op, 0, 0, 0, 0, h + 12, <unsigned long long>cas)
        else:
            break
        pos += HEADER + bodylen
        nreq[0] += 1
        if nreq[0] == _PER_EVENT:
            nreq[0] = 0
            flushed[0] = PyByteArray_GET_SIZE(out)
    return pos
