# cython: language_level=3
"""Command-dispatch hot path in Cython: the twin of dispatch_py.py (read its docstring).

The common case of ``Engine.call`` runs here inline: the command is found by the exact
spelling the client sent, its arity matches, the client needs no attention and there is no
memory limit to check. Everything else goes through ``engine.call``. The effects are those
of ``Engine.call``: ``last_cmd``, the counters, the error statistics, slowlog/latency/MONITOR
through ``engine._observe`` and, when the dirty counter moved, ``engine._after_dirty``.
"""

from cpython.dict cimport PyDict_GetItem
from cpython.object cimport PyObject
from libc.stdint cimport int64_t
from posix.time cimport clock_gettime, timespec, CLOCK_MONOTONIC

from .resp_c cimport _encode_into

from .resp_common import BLOCKED, NO_REPLY, ReplyError

cdef object _BLOCKED = BLOCKED
cdef object _NO_REPLY = NO_REPLY
cdef object _ReplyError = ReplyError

DEF REPLY_ON = 0


from .dispatch_common import NOT_RUN

cdef object _NOT_RUN = NOT_RUN


cdef class CommandCore:
    cdef public object handler
    cdef public long arity
    cdef public object subcommands
    cdef public bint is_denyoom
    cdef public long long calls
    cdef public long long usec
    cdef public long long failed_calls
    cdef public long long rejected_calls

    def __cinit__(self, *args, **kwargs):
        self.handler = None
        self.subcommands = None


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

    def __cinit__(self, *args, **kwargs):
        self._resp = 2
        self._authenticated = True
        self._reply_mode = REPLY_ON

    cdef inline void _update(self):
        self.attention = (self._multi is not None or not self._authenticated
                          or (self._in_pubsub and self._resp == 2) or self._restricted
                          or self._reply_mode != REPLY_ON or self._close_after_reply)

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


cdef class EngineCore:
    cdef public long long dirty
    cdef public long long now_ms
    cdef public dict commands
    cdef public long long maxmemory
    cdef public long long _slowlog_threshold
    cdef public long long _latency_threshold
    cdef public list monitors
    cdef public double pause_until
    cdef public object replication
    cdef public dict ready_keys

    def __cinit__(self, *args, **kwargs):
        self.commands = {}
        self.ready_keys = {}
        self.monitors = []
        self._slowlog_threshold = 10000
        self._latency_threshold = 1LL << 62


cdef inline int64_t _now_ns():
    cdef timespec ts
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return <int64_t>ts.tv_sec * 1000000000 + ts.tv_nsec


cdef object _call_fast(EngineCore engine, ClientCore client, list argv):
    """Engine.call for the common case, or engine.call itself."""
    cdef PyObject* found = PyDict_GetItem(engine.commands, argv[0])
    cdef CommandCore cmd
    cdef Py_ssize_t n = len(argv)
    cdef long arity
    cdef long long dirty, usec
    cdef int64_t t0
    if found == NULL:
        return engine.call(client, argv)
    cmd = <CommandCore>found
    arity = cmd.arity
    if (cmd.subcommands is not None or (arity > 0 and n != arity) or n < -arity
            or (cmd.is_denyoom and engine.maxmemory)):
        return engine.call(client, argv)
    dirty = engine.dirty
    client.last_cmd = cmd
    t0 = _now_ns()
    try:
        reply = cmd.handler(client, argv)
    except _ReplyError as e:
        reply = e
        engine.stats.count_error(e.text)
        cmd.failed_calls += 1
    except Exception as e:
        reply = engine._internal_error(cmd, e)
    usec = (_now_ns() - t0) // 1000
    cmd.calls += 1
    cmd.usec += usec
    if ((usec >= engine._slowlog_threshold and engine._slowlog_threshold >= 0)
            or usec >= engine._latency_threshold or engine.monitors):
        engine._observe(client, cmd, argv, usec)
    if engine.dirty != dirty:
        if engine.replication is not None or engine.ready_keys:
            engine._after_dirty(client, argv)
        else:
            client.propagate_argv = None  # what _after_dirty leaves when it has nothing to do
    return reply


def run(EngineCore engine, ClientCore client, list cmds, Py_ssize_t i, bytearray out):
    """Execute cmds[i:] for client (see dispatch_py.run)."""
    cdef Py_ssize_t n = len(cmds)
    while i < n:
        if client.attention or engine.pause_until:
            return i, _NOT_RUN
        reply = _call_fast(engine, client, <list>cmds[i])
        i += 1
        if reply is _BLOCKED or reply is _NO_REPLY or client.attention:
            return i, reply
        _encode_into(out, reply, client._resp)
    return i, _NOT_RUN
