"""Replication (Redis's replication.c): one ``Replication`` object per engine, the master
half in primary.py (stream, backlog, replicas, WAIT, min-replicas), the replica half in
replica.py (the link to a master), the ring buffer in backlog.py and the snapshot
wrapper in snapshot.py. This module holds the role, the options, the INFO replication
section, ROLE, the FAILOVER state machine and the events log (STRATA.EVENTS).

``engine.replication`` is this object only while it has work to do for the dispatcher (a
backlog to feed, or a master to follow); otherwise it is None and a write costs nothing
extra, as Redis returns early from replicationFeedSlaves without backlog or replicas.
"""

import collections
import time
from typing import TYPE_CHECKING, Any, Deque, List, Optional, Tuple

from .. import errors
from ..errors import CommandError
from ..config import ConfigError, OPTIONS, Option, register
from ..log import NOTICE, WARNING
from .primary import ONLINE, PrimarySide
from .replica import CONNECTED, ReplicaSide

if TYPE_CHECKING:  # pragma: no cover
    from ..commands.table import Command
    from ..connection import Client
    from ..engine import Engine

__all__ = ["Replication", "EVENTS_MAX"]

EVENTS_MAX = 1000
_NO_REPLID = "0" * 40


# ===================================================================== options
def _parse_replicaof(words: List[str]) -> Optional[List[str]]:
    if len(words) == 1 and words[0].strip() == "":
        return None
    if len(words) != 2:
        raise ConfigError("wrong number of arguments")
    if words[0].lower() == "no" and words[1].lower() == "one":
        return None
    try:
        port = int(words[1])
    except ValueError:
        raise ConfigError("Invalid master port") from None
    if not 0 <= port <= 65535:
        raise ConfigError("Invalid master port")
    return [words[0], str(port)]


def _parse_backlog_size(words: List[str]) -> int:
    from ..config import parse_memory
    if len(words) != 1:
        raise ConfigError("wrong number of arguments")
    v = parse_memory(words[0])
    if v < 1 or v > 2 ** 63 - 1:
        raise ConfigError("argument must be between 1 and 9223372036854775807 inclusive")
    return max(v, 16 * 1024)  # CONFIG_REPL_BACKLOG_MIN_SIZE, as resizeReplicationBacklog


def _register() -> None:
    if "repl-backlog-size" in OPTIONS:
        return
    R = register
    INT_MAX = 2 ** 31 - 1
    R(Option("replicaof", "special", None, mutable=False, multi_arg=True,
             aliases=("slaveof",), parse=_parse_replicaof,
             format=lambda v: " ".join(v) if v else ""))
    R(Option("masterauth", "string", "", format=lambda v: v))
    R(Option("masteruser", "string", "", format=lambda v: v))
    R(Option("repl-backlog-size", "special", 1024 * 1024, parse=_parse_backlog_size,
             format=str))
    R(Option("repl-backlog-ttl", "int", 3600, minimum=0, maximum=2 ** 63 - 1))
    R(Option("repl-timeout", "int", 60, minimum=1, maximum=INT_MAX))
    R(Option("repl-ping-replica-period", "int", 10, minimum=1, maximum=INT_MAX,
             aliases=("repl-ping-slave-period",)))
    R(Option("repl-diskless-sync", "bool", True))
    R(Option("repl-diskless-sync-delay", "int", 5, minimum=0, maximum=INT_MAX))
    R(Option("repl-diskless-sync-max-replicas", "int", 0, minimum=0, maximum=INT_MAX))
    # Strata's own: replicas a primary accepts (ElastiCache's 5 read replicas); 0 = no cap
    R(Option("max-replicas", "int", 5, minimum=0, maximum=INT_MAX))
    # the replica always receives the snapshot in memory and loads it after the transfer
    R(Option("repl-diskless-load", "enum", "disabled",
             choices=("disabled", "on-empty-db", "swapdb")))
    R(Option("replica-read-only", "bool", True, aliases=("slave-read-only",)))
    R(Option("replica-serve-stale-data", "bool", True, aliases=("slave-serve-stale-data",)))
    R(Option("replica-priority", "int", 100, minimum=0, maximum=INT_MAX,
             aliases=("slave-priority",)))
    R(Option("replica-announce-ip", "string", "", aliases=("slave-announce-ip",),
             format=lambda v: v))
    R(Option("replica-announce-port", "int", 0, minimum=0, maximum=65535,
             aliases=("slave-announce-port",)))
    R(Option("replica-announced", "bool", True))
    R(Option("replica-ignore-maxmemory", "bool", True, aliases=("slave-ignore-maxmemory",)))
    R(Option("min-replicas-to-write", "int", 0, minimum=0, maximum=INT_MAX,
             aliases=("min-slaves-to-write",)))
    R(Option("min-replicas-max-lag", "int", 10, minimum=0, maximum=INT_MAX,
             aliases=("min-slaves-max-lag",)))


_register()


# ===================================================================== the role
class FailoverState:
    """FAILOVER [TO host port [FORCE]] [TIMEOUT ms] in progress (replication.c)."""

    __slots__ = ("state", "host", "port", "force", "end_time")

    def __init__(self, host: Optional[str], port: int, force: bool,
                 end_time: Optional[float]) -> None:
        self.state = "waiting-for-sync"
        self.host, self.port = host, port
        self.force = force
        self.end_time = end_time


class Replication(PrimarySide, ReplicaSide):
    """The replication state of one engine (both halves; see the module docstring)."""

    def __init__(self, engine: "Engine") -> None:
        self.engine = engine
        self.events: Deque[Tuple[int, str, str]] = collections.deque(maxlen=EVENTS_MAX)
        self.failover: Optional[FailoverState] = None
        self._cron_handle: Any = None
        self._guard_soon = False
        self._guard_sig: Any = None
        self._init_primary()
        self._init_replica()
        cfg = engine.config
        cfg.on_change("repl-backlog-size", self._resize_backlog)
        for name in ("replica-read-only", "replica-serve-stale-data", "min-replicas-to-write",
                     "min-replicas-max-lag"):
            cfg.on_change(name, lambda _o, _n: self.refresh_good_replicas())
        self.update_guard()

    # ---------------------------------------------------------------- lifecycle
    def start(self) -> None:
        """The server is listening: run the replication cron; follow ``replicaof``."""
        loop = self.engine.loop
        if loop is None or self._cron_handle is not None:
            return
        self._cron_handle = loop.call_later(1.0, self._cron)
        target = self.engine.config.values.get("replicaof")
        if target and self.master_host is None:
            self.set_master(target[0], int(target[1]), cache_self=False)

    def stop(self) -> None:
        if self._cron_handle is not None:
            self._cron_handle.cancel()
            self._cron_handle = None
        self.close_link("shutdown")
        if self._sync_timer is not None:
            self._sync_timer.cancel()
            self._sync_timer = None

    def _cron(self) -> None:
        loop = self.engine.loop
        try:
            now = time.time()
            self.primary_cron(now)
            self.replica_cron(now)
            if self.failover is not None:
                self.failover_progress()
        except Exception as e:  # noqa: BLE001 - the cron must outlive a bug in one job
            self.log(WARNING, "replication cron error: %r" % (e,))
        if loop is not None and not loop.is_closed():
            self._cron_handle = loop.call_later(1.0, self._cron)

    # ---------------------------------------------------------------- dispatcher hooks
    def activate(self) -> None:
        self.engine.replication = self

    def refresh_activation(self) -> None:
        active = self.backlog is not None or self.master_host is not None
        self.engine.replication = self if active else None

    @property
    def is_replica(self) -> bool:
        return self.master_host is not None

    def update_guard(self) -> None:
        """Install the admission check the dispatcher runs (engine.admission_guard) only
        while some rule can refuse a command (read-only or stale replica, min-replicas),
        and keep the commands it may refuse off the native fast path meanwhile."""
        eng = self.engine
        cfg = eng.config.values
        eng.is_replica = self.master_host is not None
        ro = stale = norepl = False
        if self.master_host is not None:
            ro = cfg["replica-read-only"]
            stale = not cfg["replica-serve-stale-data"] and self.link_state != CONNECTED
        elif cfg["min-replicas-to-write"] and cfg["min-replicas-max-lag"]:
            norepl = self.good_replicas < cfg["min-replicas-to-write"]
        sig = (ro, stale, norepl)
        if sig == self._guard_sig:
            return
        self._guard_sig = sig
        if not (ro or stale or norepl):
            eng.admission_guard = None
            eng.restrict_fast_path("replication", None)
            return
        no_writes = ro or norepl

        def keep(cmd: "Command") -> bool:
            return not (no_writes and cmd.is_write) and not (stale and not cmd.is_stale)

        eng.admission_guard = self.admission_check
        eng.restrict_fast_path("replication", keep)

    def _update_guard_soon(self) -> None:
        self.update_guard()

    def admission_check(self, c: "Client", cmd: "Command") -> Optional[str]:
        """processCommand()'s replication rules: NOREPLICAS, READONLY, MASTERDOWN."""
        if c.is_master:
            return None
        cfg = self.engine.config.values
        write = cmd.is_write
        if not write and cmd.name == "exec" and c.multi:
            write = any(q.is_write for q, _ in c.multi)
        if self.master_host is None:
            if write and cfg["min-replicas-to-write"] and cfg["min-replicas-max-lag"] \
                    and self.good_replicas < cfg["min-replicas-to-write"]:
                return errors.NOREPLICAS
            return None
        if write and cfg["replica-read-only"]:
            return errors.READONLY_REPLICA
        if not cfg["replica-serve-stale-data"] and self.link_state != CONNECTED \
                and (not cmd.is_stale or (cmd.name == "exec" and c.multi
                                          and not all(q.is_stale for q, _ in c.multi))):
            return errors.MASTERDOWN  # an EXEC of queued non-stale commands too
        return None

    # ---------------------------------------------------------------- config
    def _resize_backlog(self, _old: Any, new: int) -> None:
        if self.backlog is not None:
            self.flush_stream()
            self.backlog.resize(new)

    # ---------------------------------------------------------------- REPLICAOF
    def replicaof(self, host: str, port: int) -> str:
        if self.failover is not None:
            raise CommandError(errors.REPLICAOF_FAILOVER)
        if self.master_host == host and self.master_port == port:
            self.log(NOTICE, "REPLICAOF would result into synchronization with the master "
                     "we are already connected with. No operation performed.")
            return "OK Already connected to specified master"
        self.set_master(host, port)
        self.log(NOTICE, "REPLICAOF %s:%d enabled" % (host, port))
        return "OK"

    def replicaof_no_one(self) -> None:
        if self.failover is not None:
            raise CommandError(errors.REPLICAOF_FAILOVER)
        if self.master_host is not None:
            self.unset_master("REPLICAOF NO ONE")

    def wait_abort_all(self) -> None:
        """Clients in WAIT get their count now (we are becoming a replica)."""
        from ..blocking import unblock
        for w in list(self.wait_clients):
            self.wait_clients.remove(w)
            if w.client.blocked is w:
                w.timeout_reply = self.acked_replicas(w.retry[0])
                unblock(w.client)

    # ---------------------------------------------------------------- FAILOVER
    def failover_start(self, host: Optional[str], port: int, force: bool,
                       timeout_ms: int) -> None:
        if self.failover is not None:
            raise CommandError(errors.FAILOVER_IN_PROGRESS)
        if self.master_host is not None:
            raise CommandError(errors.FAILOVER_REPLICA)
        if not self.replicas:
            raise CommandError(errors.FAILOVER_NO_REPLICAS)
        if force and (not timeout_ms or not host):
            raise CommandError(errors.FAILOVER_FORCE)
        if host is not None:
            target = self._find_replica(host, port)
            if target is None:
                raise CommandError(errors.FAILOVER_NOT_REPLICA)
            if target.repl_info.state != ONLINE:
                raise CommandError(errors.FAILOVER_NOT_ONLINE)
            self.log(NOTICE, "FAILOVER requested to %s:%d." % (host, port))
        else:
            self.log(NOTICE, "FAILOVER requested to any replica.")
        end = time.time() + timeout_ms / 1000 if timeout_ms else None
        self.failover = FailoverState(host, port, force, end)
        eng = self.engine
        eng.pause_all = False  # pauseClients(PAUSE_DURING_FAILOVER, CLIENT_PAUSE_WRITE)
        eng.pause_until = time.monotonic() + 10 ** 9
        self.event("failover-requested", "FAILOVER requested to %s"
                   % ("%s:%d" % (host, port) if host else "any replica"))
        self.getack_pending = True
        self._send_getack_soon()

    def _find_replica(self, host: str, port: int) -> Optional["Client"]:
        for c in self.replicas:
            info = c.repl_info
            ip = info.ip or c.addr.rsplit(":", 1)[0].strip("[]")
            if ip.lower() == host.lower() and info.listening_port == port:
                return c
        return None

    def failover_progress(self) -> None:
        """updateFailoverStatus(): fail over once the target acknowledged every byte."""
        fo = self.failover
        if fo is None:
            return
        if fo.state == "failover-in-progress":
            if fo.end_time is not None and time.time() > fo.end_time + 5 \
                    and not self.link_connected():
                self.failover_abort("Failover target did not answer")
            return
        self.flush_stream()
        if fo.end_time is not None and time.time() >= fo.end_time:
            if fo.force:
                self.log(NOTICE, "FAILOVER to %s:%d time out exceeded, failing over."
                         % (fo.host, fo.port))
                self._failover_switch()
            else:
                self.failover_abort("Replica never caught up before timeout")
            return
        replica = None
        if fo.host is not None:
            replica = self._find_replica(fo.host, fo.port)
        else:
            for c in self.replicas:
                if c.repl_info.ack_offset == self.master_repl_offset:
                    replica = c
                    fo.host = c.repl_info.ip or c.addr.rsplit(":", 1)[0].strip("[]")
                    fo.port = c.repl_info.listening_port
                    break
        if replica is not None and replica.repl_info.ack_offset == self.master_repl_offset:
            self.log(NOTICE, "Failover target %s:%d is synced, failing over."
                     % (fo.host, fo.port))
            self._failover_switch()

    def _failover_switch(self) -> None:
        fo = self.failover
        assert fo is not None and fo.host is not None
        fo.state = "failover-in-progress"
        self.set_master(fo.host, fo.port, failover=True)

    def failover_done(self) -> None:
        """Our PSYNC FAILOVER was accepted: the target is the master now."""
        fo = self.failover
        if fo is None:
            return
        self.event("failover-done", "FAILOVER to %s:%d completed" % (fo.host, fo.port))
        self._clear_failover()

    def failover_abort(self, why: str) -> None:
        fo = self.failover
        if fo is None:
            return
        self.log(NOTICE, "FAILOVER to %s aborted: %s"
                 % ("%s:%d" % (fo.host, fo.port) if fo.host else "any replica", why))
        self.event("failover-aborted", why)
        in_progress = fo.state == "failover-in-progress"
        self._clear_failover()
        if in_progress:
            self.unset_master("failover aborted")

    def _clear_failover(self) -> None:
        from ..server import unpause
        self.failover = None
        eng = self.engine
        eng.pause_until = 0.0
        if eng.paused_clients:
            if eng.loop is not None:
                eng.loop.call_soon(unpause, eng)
            else:
                unpause(eng)

    # ---------------------------------------------------------------- reporting
    def log(self, level: int, msg: str) -> None:
        for srv in self.engine.servers:
            srv.log(level, msg)
            break

    def event(self, kind: str, msg: str) -> None:
        """The events log (STRATA.EVENTS): what happened to replication, newest last."""
        self.events.append((int(time.time() * 1000), kind, msg))

    def role_reply(self) -> List[Any]:
        """ROLE."""
        if self.master_host is None:
            self.flush_stream()
            out = []
            for c in self.replicas:
                info = c.repl_info
                if info.state != ONLINE:
                    continue
                ip = info.ip or c.addr.rsplit(":", 1)[0].strip("[]")
                out.append([ip.encode(), b"%d" % info.listening_port,
                            b"%d" % info.ack_offset])
            return [b"master", self.master_repl_offset, out]
        state = self.link_state
        offset = self.master_repl_offset if self.have_history else -1
        return [b"slave", self.master_host.encode(), self.master_port, state.encode(),
                offset]

    def info_fields(self) -> List[Tuple[str, Any]]:
        """INFO replication, field for field as Redis 7.0 writes it."""
        eng = self.engine
        cfg = eng.config.values
        self.flush_stream()
        now = time.time()
        out: List[Tuple[str, Any]] = []
        if self.master_host is None:
            out.append(("role", "master"))
        else:
            link = self.link
            up = self.link_state == CONNECTED
            out += [("role", "slave"), ("master_host", self.master_host),
                    ("master_port", self.master_port),
                    ("master_link_status", "up" if up else "down"),
                    ("master_last_io_seconds_ago",
                     int(now - link.last_io) if up and link is not None else -1),
                    ("master_sync_in_progress", 1 if self.sync_in_progress else 0),
                    ("slave_read_repl_offset", self.read_offset if self.have_history else 0),
                    ("slave_repl_offset", self.master_repl_offset if self.have_history else 0)]
            if self.sync_in_progress and link is not None:
                total = link.transfer_size
                read = link.read_bytes()
                out += [("master_sync_total_bytes", total),
                        ("master_sync_read_bytes", read),
                        ("master_sync_left_bytes", total - read if total >= 0 else -1),
                        ("master_sync_perc", "%.2f" % (read * 100 / total if total > 0
                                                       else 0)),
                        ("master_sync_last_io_seconds_ago", int(now - link.last_io))]
            if not up:
                since = self.link_down_since
                out.append(("master_link_down_since_seconds",
                            int(now - since) if since is not None else -1))
            out += [("slave_priority", cfg["replica-priority"]),
                    ("slave_read_only", 1 if cfg["replica-read-only"] else 0),
                    ("replica_announced", 1 if cfg["replica-announced"] else 0)]
        out.append(("connected_slaves", len(self.replicas)))
        if cfg["min-replicas-to-write"] and cfg["min-replicas-max-lag"]:
            out.append(("min_slaves_good_slaves", self.good_replicas))
        for i, c in enumerate(self.replicas):
            info = c.repl_info
            ip = info.ip or c.addr.rsplit(":", 1)[0].strip("[]")
            out.append(("slave%d" % i, "ip=%s,port=%d,state=%s,offset=%d,lag=%d"
                        % (ip, info.listening_port, info.state, info.ack_offset,
                           int(now - info.ack_time))))
        backlog = self.backlog
        out += [("master_failover_state",
                 self.failover.state if self.failover is not None else "no-failover"),
                ("master_replid", eng.replid), ("master_replid2", eng.replid2),
                ("master_repl_offset", self.master_repl_offset),
                ("second_repl_offset", self.second_replid_offset),
                ("repl_backlog_active", 1 if backlog is not None else 0),
                ("repl_backlog_size", cfg["repl-backlog-size"]),
                ("repl_backlog_first_byte_offset",
                 backlog.first_byte_offset if backlog is not None else 0),
                ("repl_backlog_histlen", backlog.histlen if backlog is not None else 0)]
        return out


def install_info_section() -> None:
    """INFO replication reads the engine's Replication object."""
    from ..info import register_section

    def section(eng: "Engine") -> List[Tuple[str, Any]]:
        repl = getattr(eng, "repl", None)
        if repl is None:
            return []
        return repl.info_fields()

    register_section("replication", section)


install_info_section()
