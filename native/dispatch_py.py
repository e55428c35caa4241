"""Command-dispatch hot path in pure Python: the specification of dispatch_c.pyx.

The engine's dispatcher (``Engine.call``, Redis's processCommand + call) holds the policy.
This kernel runs a batch of parsed commands through it and encodes the replies, and it
defines the state carriers whose fields the Cython twin reads as C fields:

* ``CommandCore`` — a command's handler, arity, the flags the hot path needs, its counters
  and latency histogram (calls per hdr_histogram slot: engine/latency_histogram.py);
* ``ClientCore`` — a client's protocol version and the state that needs the full dispatcher
  (MULTI, authentication, subscriptions over RESP2, ACL restrictions, reply modes, closing,
  client-side caching: a tracking client's commands go through ``engine.call``),
  folded into one ``attention`` flag that is kept up to date by the setters;
* ``EngineCore`` — the dirty counter, the clock, the dispatch index and the thresholds.

``run(engine, client, cmds, i, out)`` executes ``cmds[i:]`` and returns ``(next index,
reply)``: ``NOT_RUN`` as the reply means ``cmds[next]`` was not executed because it needs
the caller's attention (a paused server, a client in a special state) or the batch ended;
any other reply is that of ``cmds[next - 1]``, handed back because it is a sentinel or the
client now needs attention. Replies of the commands before were encoded into ``out``.

This twin always goes through ``engine.call``. The Cython twin executes the common case
inline (known command, exact arity, a client needing no attention, no memory limit to
check) with exactly ``Engine.call``'s effects, and calls ``engine.call`` for the rest.
"""

import time

from .dispatch_common import FAST_PATHS, NOT_RUN, REPLY_ON
from .resp import BLOCKED, NO_REPLY, ProtocolError, encode_into

__all__ = ["CommandCore", "ClientCore", "EngineCore", "StatsCore", "run", "serve", "NOT_RUN", "fast_path"]


def fast_path(name: str):
    """Marks the handler of a command the Cython twin runs natively (one of FAST_PATHS).
    Here the handler itself always runs: it is the specification."""
    if name not in FAST_PATHS:
        raise ValueError("no native handler for %r" % name)

    def mark(fn):
        return fn
    return mark


class CommandCore:
    __slots__ = ("handler", "arity", "subcommands", "is_denyoom", "calls", "usec",
                 "failed_calls", "rejected_calls", "_latency")

    def __init__(self) -> None:
        self.handler = None
        self.arity = 0
        self.subcommands = None
        self.is_denyoom = False
        self.calls = self.usec = self.failed_calls = self.rejected_calls = 0
        self._latency = None  # hdr_histogram slot -> calls, made on the first record

    def record_latency(self, usec: int) -> None:
        """updateCommandLatencyHistogram(): one call of ``usec`` microseconds."""
        ns = usec * 1000
        ns = 1 if ns < 1 else 1000000000 if ns > 1000000000 else ns
        bucket = (ns | 255).bit_length() - 8  # counts_index_for() of hdr_init(1, 1e9, 2)
        slot = ((bucket + 1) << 7) + (ns >> bucket) - 128
        hist = self._latency
        if hist is None:
            hist = self._latency = {}
        hist[slot] = hist.get(slot, 0) + 1

    def latency_counts(self) -> dict:
        """The recorded calls per hdr_histogram slot ({} when none)."""
        return dict(self._latency) if self._latency else {}

    def reset_latency(self) -> None:
        self._latency = None


class ClientCore:
    __slots__ = ("engine", "db", "last_cmd", "propagate_argv", "attention", "_resp", "_multi",
                 "_authenticated", "_in_pubsub", "_restricted", "_reply_mode",
                 "_close_after_reply", "_tracking")

    def __init__(self) -> None:
        self.engine = None
        self.db = None
        self.last_cmd = None
        self.propagate_argv = None
        self._resp = 2
        self._multi = None
        self._authenticated = True
        self._in_pubsub = False
        self._restricted = False
        self._reply_mode = REPLY_ON
        self._close_after_reply = False
        self._tracking = False
        self.attention = False

    def _update(self) -> None:
        self.attention = (self._multi is not None or not self._authenticated
                          or (self._in_pubsub and self._resp == 2) or self._restricted
                          or self._reply_mode != REPLY_ON or self._close_after_reply
                          or self._tracking)

    @property
    def resp(self) -> int:
        return self._resp

    @resp.setter
    def resp(self, v: int) -> None:
        self._resp = v
        self._update()

    @property
    def multi(self):
        return self._multi

    @multi.setter
    def multi(self, v) -> None:
        self._multi = v
        self._update()

    @property
    def authenticated(self) -> bool:
        return self._authenticated

    @authenticated.setter
    def authenticated(self, v: bool) -> None:
        self._authenticated = bool(v)
        self._update()

    @property
    def in_pubsub(self) -> bool:
        return self._in_pubsub

    @in_pubsub.setter
    def in_pubsub(self, v: bool) -> None:
        self._in_pubsub = bool(v)
        self._update()

    @property
    def restricted(self) -> bool:
        return self._restricted

    @restricted.setter
    def restricted(self, v: bool) -> None:
        self._restricted = bool(v)
        self._update()

    @property
    def reply_mode(self) -> int:
        return self._reply_mode

    @reply_mode.setter
    def reply_mode(self, v: int) -> None:
        self._reply_mode = v
        self._update()

    @property
    def close_after_reply(self) -> bool:
        return self._close_after_reply

    @close_after_reply.setter
    def close_after_reply(self, v: bool) -> None:
        self._close_after_reply = bool(v)
        self._update()

    @property
    def tracking(self) -> bool:
        return self._tracking

    @tracking.setter
    def tracking(self, v: bool) -> None:
        self._tracking = bool(v)
        self._update()


class StatsCore:
    """The INFO stats counters the native request paths bump (engine.Stats has the rest)."""

    __slots__ = ("keyspace_hits", "keyspace_misses", "total_net_input_bytes",
                 "total_net_output_bytes", "total_reads_processed", "total_writes_processed")

    def __init__(self) -> None:
        for f in StatsCore.__slots__:
            setattr(self, f, 0)


class EngineCore:
    __slots__ = ("dirty", "now_ms", "commands", "maxmemory", "_slowlog_threshold",
                 "_latency_threshold", "monitors", "pause_until", "replication", "ready_keys",
                 "stats", "access_clock", "lfu", "notify_flags", "snapshot", "latency_tracking")

    def __init__(self) -> None:
        self.dirty = 0
        self.now_ms = 0
        self.commands = {}
        self.maxmemory = 0
        self._slowlog_threshold = 10000
        self._latency_threshold = 1 << 62
        self.monitors = []
        self.pause_until = 0.0
        self.replication = None
        self.ready_keys = {}
        self.stats = None
        self.access_clock = 0
        self.lfu = False
        self.notify_flags = 0
        self.snapshot = None
        self.latency_tracking = True  # latency-tracking: per-command histograms


def run(engine, client, cmds, i, out):
    """Execute cmds[i:] for client (see the module docstring)."""
    n = len(cmds)
    call = engine.call
    while i < n:
        if client.attention or engine.pause_until:
            return i, NOT_RUN
        reply = call(client, cmds[i])
        i += 1
        if reply is BLOCKED or reply is NO_REPLY or client.attention:
            return i, reply
        encode_into(out, reply, client.resp)
    return i, NOT_RUN


def serve(conn, data):
    """A RESP connection's read (engine/server.py RespConnection.data_received): count it,
    set the clock, parse, run the commands through run() and write their replies at once.
    What needs more goes back to the connection: a parse error to ``input_error``, a client
    with queued commands to ``received``, a command run() hands back to ``_run``."""
    eng = conn.engine
    stats = eng.stats
    stats.total_net_input_bytes += len(data)
    stats.total_reads_processed += 1
    conn.last_interaction = now = time.time()
    eng.now_ms = int(now * 1000)
    try:
        cmds = conn.parser.feed(data)
    except ProtocolError as e:
        conn.input_error(data, e)
        return
    if conn.pending is not None:
        conn.received(cmds, None)
        return
    out = bytearray()
    conn._out = out
    try:
        i, reply = run(eng, conn, cmds, 0, out)
    except BaseException:
        conn._out = None
        raise
    if reply is NOT_RUN and i >= len(cmds):
        conn._out = None
        conn._flush(out)
    else:
        conn._run(cmds, None, i, reply, out)
