"""The Engine: databases, clients, statistics and the one dispatcher every command goes
through (Redis's processCommand + call). It runs without any socket: ``Engine.execute``
is the embedding API; engine/server.py puts it on the network.

Two engines in one process share nothing: all mutable state hangs off the Engine object.
"""

import os
import time
from time import perf_counter_ns
from typing import Any, Callable, Dict, List, Optional

from native.dispatch import EngineCore, StatsCore

from . import errors
from . import memcached as _memcached  # noqa: F401  (registers the memcached-* options)
from .acl import ACL
from .blocking import forget as forget_blocked
from .blocking import serve_ready_keys, signal_key_ready
from .commands import load_all
from .commands.table import Command, instantiate
from .config import OPTIONS, Config, ConfigError
from .connection import Client, EmbeddedClient, unwatch_all
from .errors import CommandError, arg
from .eviction import EVICT_FAIL, Evictor
from .expiry import active_expire_cycle
from .keyspace import Database
from .latency import add_sample as add_latency_sample
from . import latency_histogram as _latency_histogram  # noqa: F401  (registers latency-tracking)
from .notifications import install as install_notifier
from .persistence import Persistence
from .pubsub import PubSub
from .tracking import Tracking
from .replication import Replication
from .replies import BLOCKED, NO_REPLY, QUEUED, NullArray, Push, ReplyError, Status, Verbatim
from .slowlog import SlowLog
from .tiering import attach as attach_tiering

__all__ = ["Engine", "Stats"]

load_all()


# Commands flagged CMD_PROTECTED in Redis and the option that allows them; processCommand
# refuses them right after the arity check, before authentication and ACLs.
_PROTECTED = {"debug": ("DEBUG", "enable-debug-command"),
              "module|load": ("MODULE", "enable-module-command"),
              "module|loadex": ("MODULE", "enable-module-command"),
              "module|unload": ("MODULE", "enable-module-command")}
# Commands that run even inside MULTI instead of being queued.
_MULTI_IMMEDIATE = frozenset((b"exec", b"discard", b"multi", b"watch", b"quit", b"reset"))
# Commands a RESP2 client may send while subscribed.
_SUBSCRIBED_ALLOWED = frozenset((b"ping", b"subscribe", b"ssubscribe", b"unsubscribe",
                                 b"sunsubscribe", b"psubscribe", b"punsubscribe", b"quit",
                                 b"reset"))
LRU_CLOCK_MAX = (1 << 24) - 1
LLONG_MAX = (1 << 63) - 1


class Stats(StatsCore):
    """Counters reported by INFO stats (reset by CONFIG RESETSTAT). The ones the native
    request paths bump are C fields of StatsCore (native/dispatch)."""

    FIELDS = ("total_connections_received", "total_commands_processed",
              "total_net_input_bytes", "total_net_output_bytes", "rejected_connections",
              "expired_keys", "expired_stale_perc", "expired_time_cap_reached_count",
              "evicted_keys", "keyspace_hits", "keyspace_misses", "total_error_replies",
              "unexpected_error_replies", "total_reads_processed", "total_writes_processed",
              "expire_cycle_cpu_milliseconds", "sync_full", "sync_partial_ok",
              "sync_partial_err", "dump_payload_sanitizations", "evicted_clients")
    __slots__ = tuple(f for f in FIELDS if f not in StatsCore.__dict__) + (
        "errors", "ops_samples", "last_sample_time", "last_sample_ops", "in_samples",
        "out_samples", "last_in", "last_out")

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        for f in self.FIELDS:
            setattr(self, f, 0)
        self.expired_stale_perc = 0.0
        self.errors: Dict[str, int] = {}
        self.ops_samples = [0] * 16
        self.in_samples = [0.0] * 16
        self.out_samples = [0.0] * 16
        self.last_sample_time = time.monotonic()
        self.last_sample_ops = 0
        self.last_in = self.last_out = 0

    def count_error(self, text: str) -> None:
        code = text.split(" ", 1)[0]
        if len(self.errors) < 128 or code in self.errors:  # Redis caps errorstats at 128
            self.errors[code] = self.errors.get(code, 0) + 1
        self.total_error_replies += 1

    def sample(self) -> None:
        """trackInstantaneousMetric(): called by the cron every 100 ms or so (after
        ``total_commands_processed`` was refreshed from the command table)."""
        now = time.monotonic()
        dt = now - self.last_sample_time
        if dt <= 0:
            return
        ops = self.total_commands_processed
        self.ops_samples.append(int((ops - self.last_sample_ops) / dt))
        self.ops_samples.pop(0)
        self.in_samples.append((self.total_net_input_bytes - self.last_in) / dt / 1024)
        self.in_samples.pop(0)
        self.out_samples.append((self.total_net_output_bytes - self.last_out) / dt / 1024)
        self.out_samples.pop(0)
        self.last_sample_time, self.last_sample_ops = now, ops
        self.last_in, self.last_out = self.total_net_input_bytes, self.total_net_output_bytes

    def instantaneous_ops(self) -> int:
        return sum(self.ops_samples) // len(self.ops_samples)


class Engine(EngineCore):
    """An in-memory Redis-compatible engine. ``Engine(port=7000, maxmemory="1gb")`` takes
    options by name (underscores or dashes) with redis.conf values.

    The fields the native dispatch path reads (dirty, now_ms, commands, maxmemory, the
    slowlog/latency thresholds, monitors, pause_until) live in ``EngineCore``."""

    def __init__(self, config: Optional[Config] = None, **options: Any) -> None:
        EngineCore.__init__(self)
        # this engine's own command objects (their counters are its command statistics)
        self.table, self.commands = instantiate()
        self.config = config if config is not None else Config()
        for name, value in options.items():
            self._apply_option(name.replace("_", "-"), value)
        self.start_time = time.time()
        self.run_id = os.urandom(20).hex()
        self.replid = os.urandom(20).hex()   # master_replid (DEBUG CHANGE-REPL-ID renews it)
        self.replid2 = "0" * 40
        self.used_memory_peak = 0
        self.stats = Stats()
        self.dirty = 0
        self.now_ms = int(time.time() * 1000)
        self.access_clock = 0
        self.lfu = False
        self.dbs: List[Database] = [Database(self, i) for i in range(self.config["databases"])]
        self.clients: Dict[int, Client] = {}
        self._next_client_id = 0
        self.monitors: List[Client] = []
        self.slowlog = SlowLog()
        self.latency_events: Dict[str, Any] = {}
        self.auth_required = False        # the default user needs a password (kept by acl)
        self.acl = ACL(self)              # users; requirepass is the default user's password
        self.pause_until = 0.0            # CLIENT PAUSE deadline (monotonic), 0 if none
        self.pause_all = False            # ALL vs WRITE pause
        self.paused_clients: List[Client] = []
        self.notify_flags = 0             # keyspace notifications (set by pub/sub)
        self.replication: Any = None      # the primary side of replication, once attached
        self.active_expire_enabled = self.config["active-expire-enabled"]
        self.shutdown_requested: Optional[Callable[..., None]] = None
        self.loop: Any = None             # set by the server that hosts this engine
        self.servers: List[Any] = []
        self.memcached: Any = None        # engine/memcached state (CAS, membership), lazily
        self.cron_loops = 0
        self.in_exec = False
        self.in_script = False
        self.scripting: Any = None        # engine/scripting.py state, created on first use
        self.busy_reply: Optional[str] = None  # the BUSY text while a script is too slow
        self.ready_keys: Dict[Any, None] = {}  # (db, key) made ready for blocked clients
        self.blocked_clients = 0
        self._slowlog_threshold = self.config["slowlog-log-slower-than"]
        self.maxmemory = min(self.config["maxmemory"], LLONG_MAX)
        self.evictor = Evictor(self)      # maxmemory policies (engine/eviction.py)
        self.tiering: Any = attach_tiering(self)  # the SSD spill store (tiering-enabled)
        self.snapshot: Any = None         # a forkless BGSAVE under way (persistence/bgsave.py)
        self.disk_error: Optional[str] = None  # MISCONF while the last bgsave failed
        self._latency_threshold = _latency_usec(self.config["latency-monitor-threshold"])
        self.latency_tracking = self.config["latency-tracking"]
        self._bind_config()
        self.pubsub = PubSub(self)
        self.tracking = Tracking(self)    # client-side caching (engine/tracking.py)
        self.reset_client_hook = self.on_client_gone = self._forget_client_state
        install_notifier(self)
        self.update_clock()
        self._embedded = EmbeddedClient(self)
        self.clients.pop(self._embedded.id, None)
        self.persistence = Persistence(self)  # RDB saves and loads (engine/persistence)
        # replication (engine/replication): the role, and the admission rules it imposes
        self.is_replica = False
        self.admission_guard: Optional[Callable[[Client, Command], Optional[str]]] = None
        self._fast_commands = self.commands
        self._fast_restrictions: Dict[str, Callable[[Command], bool]] = {}
        self.repl = Replication(self)

    # ------------------------------------------------------------------ config
    def _apply_option(self, name: str, value: Any) -> None:
        opt = OPTIONS.get(name)
        if opt is None:
            raise ConfigError("Unknown option '%s'" % name)
        if isinstance(value, bool):
            words = ["yes" if value else "no"]
        elif isinstance(value, (list, tuple)):
            words = [str(v) for v in value]
        else:
            words = [str(value)] if not opt.multi_arg else str(value).split() or [""]
        self.config.values[name] = opt.parse(words)

    def _bind_config(self) -> None:
        cfg = self.config

        def slowlog(_old: Any, new: Any) -> None:
            self._slowlog_threshold = new

        def maxmemory(_old: Any, new: Any) -> None:
            self.maxmemory = min(new, LLONG_MAX)
            self.evictor.start()

        def policy(_old: Any, new: Any) -> None:
            self.set_lfu(new.endswith("lfu"))
            self.evictor.start()

        def lfu_params(_old: Any, _new: Any) -> None:
            for db in self.dbs:
                db.table.lfu_log_factor = cfg["lfu-log-factor"]
                db.table.lfu_decay_time = cfg["lfu-decay-time"]

        def active_expire(_old: Any, new: Any) -> None:
            self.active_expire_enabled = new

        def slowlog_len(_old: Any, new: Any) -> None:
            self.slowlog.trim(new)

        def latency_threshold(_old: Any, new: Any) -> None:
            self._latency_threshold = _latency_usec(new)

        def latency_tracking(_old: Any, new: Any) -> None:
            self.latency_tracking = new

        cfg.on_change("slowlog-log-slower-than", slowlog)
        cfg.on_change("slowlog-max-len", slowlog_len)
        cfg.on_change("latency-monitor-threshold", latency_threshold)
        cfg.on_change("latency-tracking", latency_tracking)
        cfg.on_change("maxmemory", maxmemory)
        cfg.on_change("maxmemory-policy", policy)
        cfg.on_change("lfu-log-factor", lfu_params)
        cfg.on_change("lfu-decay-time", lfu_params)
        cfg.on_change("active-expire-enabled", active_expire)
        self.set_lfu(cfg["maxmemory-policy"].endswith("lfu"))
        lfu_params(None, None)

    def set_lfu(self, lfu: bool) -> None:
        """Switch the per-key access field between LRU clock and LFU counter."""
        self.lfu = lfu
        for db in self.dbs:
            db.table.lfu = lfu
        self.update_clock()

    # ------------------------------------------------------------------ time
    def update_clock(self) -> None:
        """Refresh the cached clocks (serverCron's updateCachedTime + LRU clock)."""
        now = time.time()
        self.now_ms = int(now * 1000)
        if self.lfu:
            self.access_clock = int(now / 60) & 65535
        else:
            self.access_clock = int(now) & LRU_CLOCK_MAX

    def new_access(self) -> int:
        """The access field of a new value: the LRU clock, or LFU_INIT_VAL stamped now."""
        if self.lfu:
            return (self.access_clock << 8) | 5
        return self.access_clock

    def idle_seconds(self, access: int) -> int:
        """estimateObjectIdleTime() in seconds from an LRU access field (against the cached
        clock, as Redis: the same clock stamped the access)."""
        clock = self.access_clock
        if clock >= access:
            return clock - access
        return clock + (LRU_CLOCK_MAX - access)

    # ------------------------------------------------------------------ clients
    def next_client_id(self) -> int:
        self._next_client_id += 1
        return self._next_client_id

    def register_client(self, client: Client) -> None:
        self.clients[client.id] = client
        self.stats.total_connections_received += 1

    def unregister_client(self, client: Client) -> None:
        self.clients.pop(client.id, None)
        if client.watched:
            unwatch_all(client)
        if client.in_monitor:
            client.in_monitor = False
            if client in self.monitors:
                self.monitors.remove(client)
        if client in self.paused_clients:
            self.paused_clients.remove(client)
        if client.blocked is not None:
            forget_blocked(client)
        if client.is_replica:
            self.repl.replica_gone(client)
        hook = getattr(self, "on_client_gone", None)
        if hook is not None:
            hook(client)

    def client_count(self) -> int:
        return len(self.clients)

    def _forget_client_state(self, client: Client) -> None:
        """A client disconnects or RESETs: its subscriptions and tracking end."""
        self.pubsub.forget_client(client)
        if client.tracking:
            self.tracking.disable(client)

    # ------------------------------------------------------------------ dispatch
    def call(self, c: Client, argv: List[bytes]) -> Any:
        """Execute one command for client ``c`` and return its reply value.

        The one policy point (Redis's processCommand): lookup, arity, authentication,
        MULTI queueing, subscribed-mode restriction, OOM; then call(): stats, slowlog,
        monitors, propagation. Callers refresh ``now_ms`` once per batch of requests.
        """
        if c.tracking and self.tracking.current is not c:
            return self.tracking.call(c, argv)  # which comes back here (engine/tracking.py)
        cmd = self.commands.get(argv[0])
        if cmd is None:
            cmd = self.table.get(argv[0].lower())
            if cmd is None:
                return self._reject(c, None, _unknown_command(argv))
        n = len(argv)
        if cmd.subcommands is not None and n >= 2:  # alone, a container runs itself
            sub = cmd.subcommands.get(argv[1].lower())
            if sub is None:
                return self._reject(c, None, errors.UNKNOWN_SUBCOMMAND % (
                    arg(argv[1], 128), cmd.name.upper()))
            cmd = sub
        arity = cmd.arity
        if (arity > 0 and n != arity) or n < -arity:
            return self._reject(c, cmd, errors.WRONG_ARITY % cmd.fullname)
        if cmd.is_admin and cmd.fullname in _PROTECTED:
            from .commands.server import _allowed
            name, option = _PROTECTED[cmd.fullname]
            if not _allowed(c, option):
                return self._reject(c, cmd, errors.PROTECTED_NOT_ALLOWED % (name, option))
        if self.disk_error is not None and (cmd.is_write or cmd.fullname == "ping") \
                and c.authenticated:  # writeCommandsDeniedByDiskError()
            return self._reject(c, cmd, self.disk_error)
        guard = self.admission_guard  # READONLY, MASTERDOWN, NOREPLICAS (replication)
        if guard is not None and (c.authenticated or not self.auth_required):
            text = guard(c, cmd)
            if text is not None:
                return self._reject(c, cmd, text)
        if (c.multi is not None or not c.authenticated or c.in_pubsub or c.restricted
                or self.busy_reply is not None):
            reply = self._client_state_checks(c, cmd, argv)
            if reply is not None:
                return reply
        if self.maxmemory and (cmd.is_denyoom or (
                c.multi and cmd.fullname == "exec" and any(q.is_denyoom for q, _ in c.multi))) \
                and self.evictor.perform() == EVICT_FAIL:  # an EXEC of denyoom commands too
            return self._reject(c, cmd, errors.OOM)
        # ---- call()
        dirty = self.dirty
        c.last_cmd = cmd
        t0 = perf_counter_ns()
        try:
            reply = cmd.handler(c, argv)
        except ReplyError as e:
            reply = e
            self.stats.count_error(e.text)
            cmd.failed_calls += 1
        except Exception as e:  # a bug must cost one reply, not the connection
            reply = self._internal_error(cmd, e)
        usec = (perf_counter_ns() - t0) // 1000
        cmd.calls += 1
        cmd.usec += usec
        if reply is BLOCKED:  # its histogram and slowlog entry come when it is served
            self._blocked_call(c, argv, usec)
        elif self.latency_tracking:
            cmd.record_latency(usec)
        if usec >= self._slowlog_threshold >= 0 or usec >= self._latency_threshold \
                or self.monitors:
            self._observe(c, cmd, argv, usec)
        if c.tracking:  # call()'s trackingRememberKeys
            self.tracking.remember(c, cmd, argv)
        if self.dirty != dirty:
            self._after_dirty(c, argv)
        return reply

    def _internal_error(self, cmd: Command, e: Exception) -> ReplyError:
        """An unexpected exception in a handler: log it, answer an error, keep serving."""
        import traceback
        text = "ERR internal error in '%s': %s: %s" % (cmd.fullname, type(e).__name__, e)
        for srv in self.servers:
            srv.log(3, "%s\n%s" % (text, traceback.format_exc()))
        self.stats.count_error(text)
        cmd.failed_calls += 1
        return ReplyError(text)

    def _after_dirty(self, c: Client, argv: List[bytes]) -> None:
        """After a command that changed the dataset: propagation, then blocked clients
        whose keys became ready (never in the middle of EXEC or a script)."""
        # an empty propagate_argv: the handler propagated its own effects (scripts)
        if self.replication is not None and c.propagate_argv != []:
            self.replication.propagate(c.db.id, c.propagate_argv or argv)
        c.propagate_argv = None
        if self.ready_keys and not self.in_exec and not self.in_script:
            serve_ready_keys(self)

    def set_busy(self, reply: Optional[str]) -> None:
        """Enter busy mode with its BUSY text (a script past busy-reply-threshold), or
        leave it (None). Busy, every command goes through ``call``, which answers BUSY
        unless the command is allow_busy: the native fast path finds nothing to run inline
        in an empty ``commands`` index."""
        if reply is not None and self.busy_reply is None:
            self.restrict_fast_path("busy", lambda cmd: False)
        elif reply is None and self.busy_reply is not None:
            self.restrict_fast_path("busy", None)
        self.busy_reply = reply

    def restrict_fast_path(self, reason: str, keep: Optional[Callable[[Command], bool]]) -> None:
        """Let the native fast path run inline only the commands that every restriction
        in force keeps (``keep`` None lifts ``reason``'s); the others go through ``call``,
        where the policy checks are (a busy script; a replica's READONLY rule ...)."""
        if keep is None:
            self._fast_restrictions.pop(reason, None)
        else:
            self._fast_restrictions[reason] = keep
        full = self._fast_commands
        rules = list(self._fast_restrictions.values())
        self.commands = full if not rules else {
            name: cmd for name, cmd in full.items() if all(rule(cmd) for rule in rules)}

    def signal_key_ready(self, db: Database, key: bytes) -> None:
        """A key with blocked clients may be ready for them (see engine/blocking.py)."""
        signal_key_ready(self, db, key)

    def _blocked_call(self, c: Client, argv: List[bytes], usec: int) -> None:
        """A command that blocked: what its statistics need when it is served."""
        w = c.blocked
        if w is not None:
            w.argv = argv
            w.usec = usec

    def unblocked_stats(self, c: Client, w: Any, reply_usec: int, error: bool,
                        argv: Optional[List[bytes]] = None) -> None:
        """updateStatsOnUnblock(): a served (or CLIENT UNBLOCKed) command's duration, the
        first call's plus the serving's (not the wait), goes to its command statistics,
        latency histogram and the slowlog, under its original arguments (or ``argv``)."""
        cmd = w.cmd
        if cmd is None or w.argv is None:
            return
        if argv is None:
            argv = w.argv
        usec = w.usec + reply_usec
        cmd.usec += usec
        if error:
            cmd.failed_calls += 1
        if self.latency_tracking:
            cmd.record_latency(usec)
        if usec >= self._slowlog_threshold >= 0 and not cmd.is_skip_slowlog:
            self.slowlog.add(c, argv, usec, self.config.values["slowlog-max-len"])
        if reply_usec >= self._latency_threshold:
            add_latency_sample(self.latency_events, "command-unblocking", reply_usec // 1000)

    def serve_blocked(self, c: Client, waiter: Any) -> Any:
        """Retry a blocked client's command on a ready key; its writes propagate as the
        non-blocking command the retry names in ``c.propagate_argv``."""
        dirty = self.dirty
        t0 = perf_counter_ns()
        try:
            reply = waiter.retry(c)
        except ReplyError as e:
            reply = e
            self.stats.count_error(e.text)
        if reply is not None:
            self.unblocked_stats(c, waiter, (perf_counter_ns() - t0) // 1000,
                                 isinstance(reply, ReplyError))
        # a served BLPOP/BLMOVE propagates without touching dirty, as in Redis 7.0
        if self.dirty != dirty or c.propagate_argv is not None:
            if self.replication is not None and c.propagate_argv is not None:
                self.replication.propagate(c.db.id, c.propagate_argv)
            c.propagate_argv = None
        return reply

    def _client_state_checks(self, c: Client, cmd: Command, argv: List[bytes]) -> Any:
        """The checks that only apply to clients in a special state: not authenticated,
        restricted by ACL rules, in MULTI (queue the command), subscribed over RESP2, in
        processCommand's order. None means go on."""
        if not c.authenticated and self.auth_required and not cmd.is_no_auth:
            return self._reject(c, cmd, errors.NOAUTH)
        if c.multi is not None and cmd.is_no_multi:
            return self._reject(c, cmd, errors.NOT_ALLOWED_IN_MULTI)
        if c.restricted:
            denied = self.acl.check_call(c, cmd, argv)
            if denied is not None:
                return self._reject(c, cmd, denied)
        if self.busy_reply is not None and not cmd.is_allow_busy:
            return self._reject(c, cmd, self.busy_reply)
        if c.multi is not None:
            base = cmd.parent.name if cmd.parent is not None else cmd.name
            if base.encode() not in _MULTI_IMMEDIATE:
                # any queued command, not only denyoom ones: queuing itself takes memory
                if self.maxmemory and self.evictor.perform() == EVICT_FAIL:
                    return self._reject(c, cmd, errors.OOM)
                c.multi.append((cmd, argv))
                return QUEUED
        if c.in_pubsub and c.resp == 2:
            base = cmd.parent.name if cmd.parent is not None else cmd.name
            if base.encode() not in _SUBSCRIBED_ALLOWED:
                return self._reject(c, cmd, errors.SUBSCRIBE_CONTEXT % cmd.fullname)
        return None

    def execute_command(self, c: Client, cmd: Command, argv: List[bytes]) -> Any:
        """Redis's call() alone (EXEC, scripts): run the handler with stats, slowlog,
        monitors and propagation, without the admission checks of ``call``. CLIENT LIST
        keeps showing the command that ran these (EXEC), as Redis's lastcmd does."""
        if c.restricted and self.in_exec:  # ACL rules may have changed since it queued
            denied = self.acl.check_exec(c, cmd, argv)
            if denied is not None:
                self.stats.count_error(denied)
                return CommandError(denied)
        dirty = self.dirty
        t0 = perf_counter_ns()
        try:
            reply = cmd.handler(c, argv)
        except ReplyError as e:
            reply = e
            self.stats.count_error(e.text)
            cmd.failed_calls += 1
        except Exception as e:  # a bug must cost one reply, not the connection
            reply = self._internal_error(cmd, e)
        usec = (perf_counter_ns() - t0) // 1000
        cmd.calls += 1
        cmd.usec += usec
        if self.latency_tracking:
            cmd.record_latency(usec)
        self._observe(c, cmd, argv, usec)
        if self.tracking.clients:
            self.tracking.remember_nested(c, cmd, argv)
        if self.dirty != dirty:
            if self.replication is not None and c.propagate_argv != []:
                self.replication.propagate(c.db.id, c.propagate_argv or argv)
            c.propagate_argv = None
        return reply

    def _observe(self, c: Client, cmd: Command, argv: List[bytes], usec: int) -> None:
        """Slowlog, latency monitor and MONITOR feed for an executed command (a command
        that blocked goes to the slowlog when it is served, see serve_blocked)."""
        if usec >= self._slowlog_threshold >= 0 and not cmd.is_skip_slowlog \
                and c.blocked is None:
            self.slowlog.add(c, argv, usec, self.config.values["slowlog-max-len"])
        if usec >= self._latency_threshold:
            add_latency_sample(self.latency_events, "fast-command" if cmd.is_fast else "command",
                               usec // 1000)
        if self.monitors and not cmd.is_admin and not cmd.is_skip_monitor:
            self.feed_monitors(c, argv)

    def _reject(self, c: Client, cmd: Optional[Command], text: str) -> CommandError:
        """rejectCommand(): an error before execution; inside MULTI it dooms the EXEC."""
        if c.multi is not None:
            c.multi_error = True
        if cmd is not None:
            cmd.rejected_calls += 1
            if cmd.fullname == "exec":  # execCommandAbort(): a refused EXEC ends the MULTI
                c.multi = None
                c.multi_error = c.dirty_cas = False
                if c.watched:
                    unwatch_all(c)
                text = errors.EXECABORT_BECAUSE % (text[4:] if text.startswith("ERR ") else text)
        self.stats.count_error(text)
        return CommandError(text)

    def refresh_stats(self) -> None:
        """Derive the counters the dispatcher does not keep itself (it only counts calls
        per command): total_commands_processed is their sum, as Redis's is."""
        total = 0
        for cmd in self.table.values():
            total += cmd.calls
            if cmd.subcommands:
                for sub in cmd.subcommands.values():
                    total += sub.calls
        self.stats.total_commands_processed = total

    # ------------------------------------------------------------------ memory
    def used_memory(self) -> int:
        """Estimated bytes in use: keys and values kept incrementally per database."""
        return BASE_MEMORY + sum(db.used_memory for db in self.dbs)

    def out_of_memory(self) -> bool:
        """Over maxmemory right now (no eviction attempted: see ``perform_evictions``)."""
        limit = self.config.values["maxmemory"]
        return bool(limit) and self.used_memory() > limit

    def perform_evictions(self) -> bool:
        """performEvictions() by the maxmemory policy; False when memory is still over the
        limit and nothing more can be freed (denyoom commands then get -OOM)."""
        return self.evictor.perform() != EVICT_FAIL

    # ------------------------------------------------------------------ hooks
    def notify_keyspace_event(self, klass: str, event: bytes, key: bytes, dbid: int) -> None:
        """notifyKeyspaceEvent(); a no-op until pub/sub enables notifications."""
        if self.notify_flags:
            self.notifier(klass, event, key, dbid)

    def notifier(self, klass: str, event: bytes, key: bytes, dbid: int) -> None:
        """Replaced by the pub/sub module when keyspace notifications are configured."""

    def propagate_expire(self, db: Database, key: bytes) -> None:
        """An expired key reaches replicas as a DEL (deterministic replay)."""
        if self.replication is not None:
            self.replication.propagate(db.id, [b"DEL", key])

    def feed_monitors(self, c: Client, argv: List[bytes]) -> None:
        """replicationFeedMonitors(): ``+<time> [<db> <addr>] "arg" ...``."""
        now = time.time()
        parts = ['"%s"' % _repr_arg(a) for a in argv]
        if c.kind == "lua":
            where = "lua"
        elif getattr(c, "unix", False):
            where = "unix:" + self.config.values["unixsocket"]
        else:
            where = c.addr
        line = Status("%.6f [%d %s] %s" % (now, c.db.id, where, " ".join(parts)))
        for m in list(self.monitors):
            m.deliver(line)

    # ------------------------------------------------------------------ cron
    def cron(self) -> None:
        """serverCron(): clocks, active expiry, metrics; called ``hz`` times a second."""
        self.cron_loops += 1
        self.update_clock()
        if self.tracking.clients:  # trackingLimitUsedSlots(), also when idle
            self.tracking.limit_used_slots()
        if self.active_expire_enabled and not self.is_replica:  # the master expires for us
            active_expire_cycle(self, 1.0 / self.config.values["hz"])
        self.refresh_stats()
        self.stats.sample()
        used = self.used_memory()
        if used > self.used_memory_peak:
            self.used_memory_peak = used
        if self.maxmemory:  # evictions a time budget cut short, or a promoted value
            self.evictor.perform()
        if self.tiering is not None:
            self.tiering.cron()
        self.persistence.cron()

    # ------------------------------------------------------------------ embedding
    def execute(self, *args: Any) -> Any:
        """Run one command in-process: ``engine.execute("SET", "k", "v")`` -> "OK".

        Arguments may be bytes, str, int or float. Replies become Python values (bulk ->
        bytes, status -> str, array -> list, map -> dict); an error reply raises
        ReplyError. Runs as one embedded client (RESP3, database 0 unless SELECTed)."""
        argv = [_to_bytes(a) for a in args]
        if not argv:
            raise ValueError("execute() needs a command name")
        self.now_ms = int(time.time() * 1000)
        reply = self.call(self._embedded, argv)
        return to_python(reply)

    def client(self, resp: int = 3) -> "EmbeddedClient":
        """A fresh embedded client with its own state (db, MULTI, subscriptions)."""
        c = EmbeddedClient(self, resp)
        self.register_client(c)
        return c


BASE_MEMORY = 1024 * 1024  # the empty engine's own structures, as a constant estimate


_NEVER = 1 << 62  # microseconds no command reaches


def _latency_usec(threshold_ms: int) -> int:
    """latency-monitor-threshold as the microseconds a command must reach (0: never)."""
    return min(threshold_ms * 1000, _NEVER) if threshold_ms > 0 else _NEVER


def _unknown_command(argv: List[bytes]) -> str:
    args = ""
    for a in argv[1:]:
        if len(args) >= 128:
            break
        args += "'%s' " % arg(a.split(b"\0", 1)[0], 128 - len(args))
    return errors.UNKNOWN_COMMAND % (arg(argv[0].split(b"\0", 1)[0], 128), args)


def _repr_arg(a: bytes) -> str:
    """sdscatrepr() without the quotes: printable ASCII kept, the rest escaped."""
    out = []
    for ch in a:
        if ch == 92:
            out.append("\\\\")
        elif ch == 34:
            out.append('\\"')
        elif ch == 10:
            out.append("\\n")
        elif ch == 13:
            out.append("\\r")
        elif ch == 9:
            out.append("\\t")
        elif ch == 7:
            out.append("\\a")
        elif ch == 8:
            out.append("\\b")
        elif 32 <= ch < 127:
            out.append(chr(ch))
        else:
            out.append("\\x%02x" % ch)
    return "".join(out)


def _to_bytes(a: Any) -> bytes:
    if isinstance(a, bytes):
        return a
    if isinstance(a, str):
        return a.encode()
    if isinstance(a, (int, float)) and not isinstance(a, bool):
        return repr(a).encode()
    if isinstance(a, (bytearray, memoryview)):
        return bytes(a)
    raise TypeError("cannot send %r as a command argument" % (a,))


def to_python(v: Any) -> Any:
    """A reply value as the embedding API returns it (see Engine.execute)."""
    t = type(v)
    if t is bytes or t is int or v is None or t is float or t is bool:
        return v
    if t is Status:
        return v.text
    if t is bytearray or t is Verbatim:
        return bytes(v)
    if t is list or t is tuple or t is Push:
        return [to_python(x) for x in v]
    if t is dict:
        return {to_python(k): to_python(x) for k, x in v.items()}
    if t is set or t is frozenset:
        return {to_python(x) for x in v}
    if t is NullArray:
        return None
    if isinstance(v, ReplyError):
        raise v
    if t is str:
        return v.encode()
    return v

