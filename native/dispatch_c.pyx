# cython: language_level=3
"""Command-dispatch hot path in Cython: the twin of dispatch_py.py (read its docstring).

The common case of ``Engine.call`` runs here inline: the command is found by the exact
spelling the client sent, its arity matches, the client needs no attention and there is no
memory limit to check. Everything else goes through ``engine.call``. The effects are those
of ``Engine.call``: ``last_cmd``, the counters, the error statistics, slowlog/latency/MONITOR
through ``engine._observe`` and, when the dirty counter moved, ``engine._after_dirty``.
"""

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize
from cpython.dict cimport PyDict_GetItem
from cpython.object cimport PyObject
from libc.limits cimport LLONG_MAX, LLONG_MIN
from libc.stdint cimport int64_t
from libc.stdlib cimport calloc, free
from posix.time cimport clock_gettime, timespec, CLOCK_MONOTONIC, CLOCK_REALTIME

from .resp_c cimport _encode_into, _string2ll

from .resp_common import BLOCKED, NO_REPLY, OK, PONG, ProtocolError, ReplyError

cdef extern from "Python.h":
    Py_ssize_t PyBytes_GET_SIZE(object o)

cdef extern from *:
    int __builtin_clzll(unsigned long long x) nogil

cdef object _BLOCKED = BLOCKED
cdef object _NO_REPLY = NO_REPLY
cdef object _ReplyError = ReplyError
cdef object _OK = OK
cdef object _ProtocolError = ProtocolError
cdef object _PONG = PONG

DEF REPLY_ON = 0
DEF LATENCY_COUNTS_LEN = 3072  # hdr_init(1, 1e9, 2): (23 buckets + 1) * 128 slots


from .dispatch_common import FAST_PATHS, NOT_RUN

cdef object _NOT_RUN = NOT_RUN
cdef object _UNRESOLVED = object()


cdef class CommandCore:
    cdef public object handler
    cdef public long arity
    cdef public object subcommands
    cdef public bint is_denyoom
    cdef public long long calls
    cdef public long long usec
    cdef public long long failed_calls
    cdef public long long rejected_calls
    # the native handler kind of ``handler`` (0: none), resolved when handler changes
    cdef object _fast_for
    cdef int _fast_kind
    # latency tracking: calls per hdr_histogram slot (LATENCY_COUNTS_LEN), made on the
    # first record as Redis allocates its histogram (engine/latency_histogram.py reads it)
    cdef int64_t* _latency

    def __cinit__(self, *args, **kwargs):
        self.handler = None
        self.subcommands = None
        self._fast_for = _UNRESOLVED
        self._latency = NULL

    def __dealloc__(self):
        free(self._latency)

    cdef inline int _record(self, long long usec) except -1:
        """updateCommandLatencyHistogram() (see dispatch_py.CommandCore.record_latency)."""
        cdef long long ns = usec * 1000
        cdef int bucket
        if ns < 1:
            ns = 1
        elif ns > 1000000000:
            ns = 1000000000
        if self._latency == NULL:
            self._latency = <int64_t*>calloc(LATENCY_COUNTS_LEN, sizeof(int64_t))
            if self._latency == NULL:
                raise MemoryError()
        bucket = 64 - __builtin_clzll(<unsigned long long>(ns | 255)) - 8
        self._latency[((bucket + 1) << 7) + (ns >> bucket) - 128] += 1
        return 0

    def record_latency(self, long long usec):
        self._record(usec)

    def latency_counts(self):
        """The recorded calls per hdr_histogram slot ({} when none)."""
        cdef int i
        out = {}
        if self._latency != NULL:
            for i in range(LATENCY_COUNTS_LEN):
                if self._latency[i]:
                    out[i] = self._latency[i]
        return out

    def reset_latency(self):
        free(self._latency)
        self._latency = NULL


cdef class ClientCore:
    cdef public object engine
    cdef public object db
    cdef public object last_cmd
    cdef public object propagate_argv
    cdef readonly bint attention
    cdef int _resp
    cdef object _multi
    cdef bint _authenticated
    cdef bint _in_pubsub
    cdef bint _restricted
    cdef int _reply_mode
    cdef bint _close_after_reply
    cdef bint _tracking

    def __cinit__(self, *args, **kwargs):
        self._resp = 2
        self._authenticated = True
        self._reply_mode = REPLY_ON

    cdef inline void _update(self):
        self.attention = (self._multi is not None or not self._authenticated
                          or (self._in_pubsub and self._resp == 2) or self._restricted
                          or self._reply_mode != REPLY_ON or self._close_after_reply
                          or self._tracking)

    @property
    def resp(self):
        return self._resp

    @resp.setter
    def resp(self, int v):
        self._resp = v
        self._update()

    @property
    def multi(self):
        return self._multi

    @multi.setter
    def multi(self, v):
        self._multi = v
        self._update()

    @property
    def authenticated(self):
        return self._authenticated

    @authenticated.setter
    def authenticated(self, v):
        self._authenticated = bool(v)
        self._update()

    @property
    def in_pubsub(self):
        return self._in_pubsub

    @in_pubsub.setter
    def in_pubsub(self, v):
        self._in_pubsub = bool(v)
        self._update()

    @property
    def restricted(self):
        return self._restricted

    @restricted.setter
    def restricted(self, v):
        self._restricted = bool(v)
        self._update()

    @property
    def reply_mode(self):
        return self._reply_mode

    @reply_mode.setter
    def reply_mode(self, int v):
        self._reply_mode = v
        self._update()

    @property
    def close_after_reply(self):
        return self._close_after_reply

    @close_after_reply.setter
    def close_after_reply(self, v):
        self._close_after_reply = bool(v)
        self._update()

    @property
    def tracking(self):
        return self._tracking

    @tracking.setter
    def tracking(self, v):
        self._tracking = bool(v)
        self._update()


cdef class StatsCore:
    # fields: see dispatch_c.pxd
    pass


cdef class EngineCore:
    # fields: see dispatch_c.pxd (other kernels read them as C fields)

    def __cinit__(self, *args, **kwargs):
        self.latency_tracking = True
        self.commands = {}
        self.ready_keys = {}
        self.monitors = []
        self._slowlog_threshold = 10000
        self._latency_threshold = 1LL << 62
        self.access_clock = 0
        self.lfu = False
        self.notify_flags = 0


cdef inline int64_t _now_ns():
    cdef timespec ts
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return <int64_t>ts.tv_sec * 1000000000 + ts.tv_nsec


# ============================================================================ native handlers
# The handlers marked with fast_path() (engine/commands/strings.py, lists.py) are their
# specification; the code below is what they do when the keyspace is in its plain state: no
# memory limit (hence no eviction or tiering), no LRU/LFU counter beyond the LRU clock, no
# BGSAVE snapshot, no keyspace notifications, no memcached metadata, no WATCHed key. The
# door (engine/keyspace.py) in that state is a table operation plus memory accounting, done
# here with the same table calls and the door's own helpers for anything less common (a new
# key, an overwritten non-string). Anything else -- another state, an expired, tiered or
# wrongly typed value, an argument that would be an error -- returns _FALLBACK before
# changing anything, and the Python handler runs (a repeated lookup touches the LRU clock to
# the same value). tests/test_native_dispatch.py checks replies, counters, memory
# accounting and contents against the Python handlers.
# Changing the door's plain-state behaviour means changing this too (or its guards).

cdef enum:
    K_NONE = 0
    K_GET
    K_SET
    K_INCR
    K_DECR
    K_MSET
    K_LPUSH
    K_RPUSH
    K_LPOP
    K_RPOP
    K_LRANGE
    K_PING

cdef dict _KINDS = {"ping": K_PING, "get": K_GET, "set": K_SET, "incr": K_INCR, "decr": K_DECR,
                    "mset": K_MSET, "lpush": K_LPUSH, "rpush": K_RPUSH, "lpop": K_LPOP,
                    "rpop": K_RPOP, "lrange": K_LRANGE}
assert set(_KINDS) == set(FAST_PATHS)
cdef dict _FAST = {}              # Python handler -> kind
cdef object _FALLBACK = object()  # "nothing done: run the Python handler"

# bound on first use (importing the engine from here at load time would be circular)
cdef object _key_cost = None
cdef object _check_output_limits = None
cdef type _ListValue = None
cdef bint _list_cost_native = False  # _list_cost agrees with ListValue.memory_usage


def fast_path(name):
    """Marks ``fn`` as the specification of the native handler ``name`` (one of
    FAST_PATHS): the fast path runs the native code for it, Engine.call runs ``fn``."""
    kind = _KINDS.get(name)
    if kind is None:
        raise ValueError("no native handler for %r" % name)

    def mark(fn):
        _FAST[fn] = kind
        return fn
    return mark


cdef int _bind() except -1:
    global _key_cost, _ListValue, _list_cost_native, _check_output_limits
    from engine.keyspace import key_cost
    from engine.output_limits import check
    _check_output_limits = check
    from engine.types.lists import ListValue
    _ListValue = ListValue
    _key_cost = key_cost
    _list_cost_native = _list_cost_agrees()
    return 0


# ListValue.memory_usage() (engine/eviction.py's list_cost) in C: the Python model costs
# more than the rest of a push or pop. It is used only if it agrees with the model on a
# spread of shapes (checked once, at bind time; tests/test_native_dispatch.py checks more);
# a model that changed makes _resized call memory_usage() again.
cdef inline long long _alloc_bytes(long long n) noexcept:
    return (n + 15) & -16 if n <= 512 else (n + 23) & -16


cdef long long _list_cost(long long n, long long nbytes) noexcept:
    cdef long long elements = 0, a, b
    if n > 0:
        a = nbytes + n * 41
        b = n * _alloc_bytes(33 + nbytes // n)
        elements = a if a > b else b
    return 280 + _alloc_bytes(528) * (n // 64 + 1) + elements


def list_cost(long long n, long long nbytes):
    """The native list cost (for the parity test)."""
    return _list_cost(n, nbytes)


cdef bint _list_cost_agrees() except -1:
    for n in (0, 1, 2, 3, 63, 64, 65, 129, 700):
        for size in (0, 1, 3, 16, 17, 100, 480, 481):
            for mixed in (0, 7):
                lv = _ListValue([b"x" * (size + (i % 3) * mixed) for i in range(n)])
                if lv.memory_usage() != _list_cost(len(lv), lv.nbytes):
                    return False
    return True


cdef inline bint _plain_write(EngineCore eng, object db) except -1:
    return (eng.maxmemory == 0 and not eng.lfu and eng.snapshot is None
            and not eng.notify_flags and not db.item_meta and not db.watched)


cdef inline bint _int_arg(object b, long long* v) noexcept:
    return _string2ll(PyBytes_AS_STRING(b), PyBytes_GET_SIZE(b), v)


cdef bytes _ll_bytes(long long v):
    """b"%d" % v."""
    cdef char buf[24]
    cdef int i = 24
    cdef unsigned long long u = <unsigned long long>v
    if v < 0:
        u = <unsigned long long>0 - u
    while True:
        i -= 1
        buf[i] = <char>(c'0' + u % 10)
        u //= 10
        if u == 0:
            break
    if v < 0:
        i -= 1
        buf[i] = c'-'
    return PyBytes_FromStringAndSize(buf + i, 24 - i)


cdef int _account_string(object db, object key, object old, object new) except -1:
    """set_key's / overwrite's memory accounting once the table took ``new`` (bytes)."""
    cdef Py_ssize_t klen
    if type(old) is bytes:
        if PyBytes_GET_SIZE(old) != PyBytes_GET_SIZE(new):  # key_cost depends on the size
            klen = len(key)
            db.used_memory += _key_cost(klen, new) - _key_cost(klen, old)
    else:
        db._account(key, old, new)
    return 0


cdef int _resized(object db, object lv) except -1:
    """Database.resized for a ListValue."""
    new = _list_cost(len(lv), lv.nbytes) if _list_cost_native else lv.memory_usage()
    db.used_memory += new - lv.cost
    lv.cost = new
    return 0


cdef object _get(EngineCore eng, ClientCore c, list argv):
    if eng.notify_flags or eng.lfu:
        return _FALLBACK
    v = c.db.table.lookup(argv[1], eng.now_ms, eng.access_clock)
    if type(v) is bytes:
        (<StatsCore?>eng.stats).keyspace_hits += 1
        return v
    if v is None:
        (<StatsCore?>eng.stats).keyspace_misses += 1
        return None
    return _FALLBACK


cdef object _mset(EngineCore eng, ClientCore c, list argv):
    """SET key value (argv of 3) and MSET."""
    cdef Py_ssize_t n = len(argv), i
    db = c.db
    if n % 2 == 0 or not _plain_write(eng, db):
        return _FALLBACK
    for i in range(1, n):
        if type(argv[i]) is not bytes:
            return _FALLBACK
    table = db.table
    clock = eng.access_clock
    for i in range(1, n, 2):
        key = argv[i]
        value = argv[i + 1]
        _account_string(db, key, table.set(key, value, clock, False), value)
    eng.dirty += (n - 1) // 2
    return _OK


cdef object _incr(EngineCore eng, ClientCore c, list argv, long long incr):
    cdef long long value = 0
    db = c.db
    key = argv[1]
    if not _plain_write(eng, db):
        return _FALLBACK
    table = db.table
    clock = eng.access_clock
    v = table.lookup(key, eng.now_ms, clock)
    if v is not None and (type(v) is not bytes or not _int_arg(v, &value)):
        return _FALLBACK
    if ((incr < 0 and value < 0 and incr < LLONG_MIN - value)
            or (incr > 0 and value > 0 and incr > LLONG_MAX - value)):
        return _FALLBACK
    value += incr
    new = _ll_bytes(value)
    if v is None:
        db.add(key, new)
    else:
        _account_string(db, key, table.set(key, new, clock, True), new)
    eng.dirty += 1
    return value


cdef object _push(EngineCore eng, ClientCore c, list argv, bint left):
    cdef Py_ssize_t n = len(argv), i, nbytes = 0
    db = c.db
    if not _plain_write(eng, db):
        return _FALLBACK
    for i in range(2, n):
        if type(argv[i]) is not bytes:
            return _FALLBACK
        nbytes += PyBytes_GET_SIZE(argv[i])
    lv = db.table.lookup(argv[1], eng.now_ms, eng.access_clock)
    if type(lv) is not _ListValue:  # a new list (and the rest) the handler makes
        return _FALLBACK
    if n == 3:
        if left:
            lv.appendleft(argv[2])
        else:
            lv.append(argv[2])
    elif left:
        lv.extendleft(argv[2:])
    else:
        lv.extend(argv[2:])
    lv.nbytes += nbytes
    _resized(db, lv)
    eng.dirty += n - 2
    return len(lv)


cdef object _pop(EngineCore eng, ClientCore c, list argv, bint left):
    if len(argv) != 2:
        return _FALLBACK
    db = c.db
    if not _plain_write(eng, db):
        return _FALLBACK
    key = argv[1]
    lv = db.table.lookup(key, eng.now_ms, eng.access_clock)
    if lv is None:
        return None
    if type(lv) is not _ListValue:
        return _FALLBACK
    x = lv.popleft() if left else lv.pop()
    lv.nbytes -= PyBytes_GET_SIZE(x)
    if len(lv):
        _resized(db, lv)
    else:
        db.delete(key)
    eng.dirty += 1
    return x


cdef object _lrange(EngineCore eng, ClientCore c, list argv):
    cdef long long start, end, llen
    if (eng.notify_flags or eng.lfu or eng.snapshot is not None
            or type(argv[2]) is not bytes or type(argv[3]) is not bytes
            or not _int_arg(argv[2], &start) or not _int_arg(argv[3], &end)):
        return _FALLBACK
    lv = c.db.table.lookup(argv[1], eng.now_ms, eng.access_clock)
    if lv is None:
        (<StatsCore?>eng.stats).keyspace_misses += 1
        return []
    if type(lv) is not _ListValue:
        return _FALLBACK
    (<StatsCore?>eng.stats).keyspace_hits += 1
    llen = len(lv)
    if start < 0:
        start = start + llen if start > -llen else 0
    if end < 0:
        end += llen
    if start > end or start >= llen:
        return []
    return lv.range(start, end if end < llen else llen - 1)


cdef object _native(int kind, EngineCore eng, ClientCore c, list argv):
    if _ListValue is None:
        _bind()
    if kind == K_PING:  # (a subscribed RESP2 client needs attention: it never gets here)
        return _PONG if len(argv) == 1 else _FALLBACK
    if kind == K_GET:
        return _get(eng, c, argv)
    if kind == K_SET:
        return _mset(eng, c, argv) if len(argv) == 3 else _FALLBACK
    if kind == K_MSET:
        return _mset(eng, c, argv)
    if kind == K_INCR:
        return _incr(eng, c, argv, 1)
    if kind == K_DECR:
        return _incr(eng, c, argv, -1)
    if kind == K_LPUSH:
        return _push(eng, c, argv, True)
    if kind == K_RPUSH:
        return _push(eng, c, argv, False)
    if kind == K_LPOP:
        return _pop(eng, c, argv, True)
    if kind == K_RPOP:
        return _pop(eng, c, argv, False)
    if kind == K_LRANGE:
        return _lrange(eng, c, argv)
    return _FALLBACK



cdef CommandCore _fast_command(EngineCore engine, list argv):
    """The command to run inline, or None when Engine.call must run it (unknown, a
    container, wrong arity, or a memory limit to check first)."""
    cdef PyObject* found = PyDict_GetItem(engine.commands, argv[0])
    cdef CommandCore cmd
    cdef Py_ssize_t n = len(argv)
    cdef long arity
    if found == NULL:
        return None
    cmd = <CommandCore>found
    arity = cmd.arity
    if (cmd.subcommands is not None or (arity > 0 and n != arity) or n < -arity
            or (cmd.is_denyoom and engine.maxmemory)):
        return None
    handler = cmd.handler
    if handler is not cmd._fast_for:
        cmd._fast_kind = _FAST.get(handler, K_NONE)
        cmd._fast_for = handler
    return cmd


cdef object _execute(EngineCore engine, ClientCore client, CommandCore cmd, list argv):
    """call()'s proc invocation: the reply, an error reply for an exception."""
    try:
        if cmd._fast_kind:
            reply = _native(cmd._fast_kind, engine, client, argv)
            if reply is not _FALLBACK:
                return reply
        return cmd.handler(client, argv)
    except _ReplyError as e:
        engine.stats.count_error(e.text)
        cmd.failed_calls += 1
        return e
    except Exception as e:
        return engine._internal_error(cmd, e)


cdef int _finish(EngineCore engine, ClientCore client, CommandCore cmd, list argv,
                 long long dirty, int64_t ns, bint blocked=False) except -1:
    """call()'s bookkeeping after the command: counters, latency histogram (a blocked
    command's is recorded when it is served), slowlog/latency/MONITOR, propagation and
    blocked clients when the dataset changed."""
    cdef long long usec = ns // 1000
    cmd.calls += 1
    cmd.usec += usec
    if blocked:
        engine._blocked_call(client, argv, usec)
    elif engine.latency_tracking:
        cmd._record(usec)
    if ((usec >= engine._slowlog_threshold and engine._slowlog_threshold >= 0)
            or usec >= engine._latency_threshold or engine.monitors):
        engine._observe(client, cmd, argv, usec)
    if engine.dirty != dirty:
        if engine.replication is not None or engine.ready_keys:
            engine._after_dirty(client, argv)
        else:
            client.propagate_argv = None  # what _after_dirty leaves when it has nothing to do
    return 0


def run(EngineCore engine, ClientCore client, list cmds, Py_ssize_t i, bytearray out):
    """Execute cmds[i:] for client (see dispatch_py.run)."""
    return _run(engine, client, cmds, i, out)


def serve(ClientCore conn, data):
    """A RESP connection's read (see dispatch_py.serve)."""
    cdef EngineCore eng = <EngineCore?>conn.engine
    cdef timespec ts
    cdef Py_ssize_t i
    cdef StatsCore stats = <StatsCore?>eng.stats
    stats.total_net_input_bytes += len(data)
    stats.total_reads_processed += 1
    clock_gettime(CLOCK_REALTIME, &ts)  # time.time()
    conn.last_interaction = <double>ts.tv_sec + <double>ts.tv_nsec * 1e-9
    eng.now_ms = <long long>ts.tv_sec * 1000 + ts.tv_nsec // 1000000
    try:
        cmds = conn.parser.feed(data)
    except _ProtocolError as e:
        conn.input_error(data, e)
        return
    if conn.pending is not None:
        conn.received(cmds, None)
        return
    out = bytearray()
    conn._out = out
    try:
        i, reply = _run(eng, conn, cmds, 0, out)
    except BaseException:
        conn._out = None
        raise
    if reply is _NOT_RUN and i >= len(cmds):
        conn._out = None
        if len(out) and not conn._close_after_reply and not conn.closed:
            # conn._flush(out) without its rarer cases
            stats.total_net_output_bytes += len(out)
            stats.total_writes_processed += 1
            transport = conn.transport
            transport.write(out)
            if transport.get_write_buffer_size():  # replies are piling up
                if _check_output_limits is None:
                    _bind()
                _check_output_limits(conn)
        else:
            conn._flush(out)
    else:
        conn._run(cmds, None, i, reply, out)


cdef tuple _run(EngineCore engine, ClientCore client, list cmds, Py_ssize_t i, bytearray out):
    """run(). A command's duration runs from the end of the previous one to the end of its reply's
    encoding (Redis times addReply as part of the command too): one clock read each."""
    cdef Py_ssize_t n = len(cmds)
    cdef CommandCore cmd
    cdef long long dirty
    cdef int64_t t0 = _now_ns(), t1
    while i < n:
        if client.attention or engine.pause_until:
            return i, _NOT_RUN
        argv = <list>cmds[i]
        i += 1
        cmd = _fast_command(engine, argv)
        if cmd is None:
            reply = engine.call(client, argv)
            if reply is _BLOCKED or reply is _NO_REPLY or client.attention:
                return i, reply
            _encode_into(out, reply, client._resp)
            t0 = _now_ns()
            continue
        dirty = engine.dirty
        client.last_cmd = cmd
        reply = _execute(engine, client, cmd, argv)
        if reply is _BLOCKED or reply is _NO_REPLY or client.attention:
            _finish(engine, client, cmd, argv, dirty, _now_ns() - t0, reply is _BLOCKED)
            return i, reply
        _encode_into(out, reply, client._resp)
        t1 = _now_ns()
        _finish(engine, client, cmd, argv, dirty, t1 - t0)
        t0 = t1
    return i, _NOT_RUN
