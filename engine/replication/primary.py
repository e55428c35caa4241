"""The primary side of replication: the command stream, the backlog, replicas and their
synchronization (SYNC/PSYNC), acknowledgements, WAIT and min-replicas-to-write.

As Redis's replication.c (master half): every write the dispatcher executed reaches
``propagate`` in its deterministic form and is appended, as a RESP multibulk, to a pending
buffer that is flushed once per event-loop turn into the backlog and to every online
replica (one ``transport.write`` per replica per turn, however many commands ran). A
SELECT goes before a command of another database than the previous one; EXEC's commands
are wrapped in MULTI/EXEC. A new replica gets a snapshot of the dataset (the RDB, sent
diskless with the ``$EOF:<mark>`` framing when the replica has ``capa eof``, else with a
``$<length>`` header) and then the stream from the snapshot's offset; a replica that lost
its link and asks ``PSYNC <replid> <offset+1>`` gets ``+CONTINUE`` and the backlog's bytes
from there when the backlog still holds them.
"""

import os
import time
from typing import TYPE_CHECKING, Any, List, Optional

from .. import errors
from ..errors import CommandError
from ..log import NOTICE, WARNING
from ..output_limits import check as check_output_limits
from .backlog import ReplicationBacklog
from . import snapshot

if TYPE_CHECKING:  # pragma: no cover
    from ..connection import Client
    from ..engine import Engine

__all__ = ["PrimarySide", "ReplicaInfo", "encode_command"]

MULTI = b"*1\r\n$5\r\nMULTI\r\n"
EXEC = b"*1\r\n$4\r\nEXEC\r\n"
PING = b"*1\r\n$4\r\nPING\r\n"
GETACK = b"*3\r\n$8\r\nREPLCONF\r\n$6\r\nGETACK\r\n$1\r\n*\r\n"
_SELECTS: dict = {}

# replica states (INFO shows wait_bgsave / send_bulk / online, as Redis 7.0)
WAIT_BGSAVE, SEND_BULK, ONLINE = "wait_bgsave", "send_bulk", "online"
REPLICA_OBUF_HARD_LIMIT = 256 * 1024 * 1024  # client-output-buffer-limit replica 256mb
SYNC_SLICE = 0.01  # seconds of snapshot work per event-loop turn during a full sync


def select_command(dbid: int) -> bytes:
    s = _SELECTS.get(dbid)
    if s is None:
        d = b"%d" % dbid
        s = _SELECTS[dbid] = b"*2\r\n$6\r\nSELECT\r\n$%d\r\n%s\r\n" % (len(d), d)
    return s


def _as_bytes(a: Any) -> bytes:
    if isinstance(a, (bytes, bytearray, memoryview)):
        return bytes(a)
    if isinstance(a, str):
        return a.encode()
    if isinstance(a, int):
        return b"%d" % a
    if isinstance(a, float):
        return repr(a).encode()
    raise TypeError("cannot propagate %r" % (a,))


def encode_command(out: bytearray, argv: List[Any]) -> None:
    """Append argv as a RESP multibulk (what a replica parses and counts)."""
    out += b"*%d\r\n" % len(argv)
    for a in argv:
        if type(a) is not bytes:
            a = _as_bytes(a)
        out += b"$%d\r\n" % len(a)
        out += a
        out += b"\r\n"


class ReplicaInfo:
    """What the primary knows about one replica connection (client.repl_info)."""

    __slots__ = ("state", "ack_offset", "ack_time", "listening_port", "ip", "capa_eof",
                 "capa_psync2", "old_sync", "since", "sync_offset", "buffer", "last_newline")

    def __init__(self) -> None:
        self.state = WAIT_BGSAVE
        self.ack_offset = 0
        self.ack_time = time.time()
        self.listening_port = 0
        self.ip = ""
        self.capa_eof = False
        self.capa_psync2 = False
        self.old_sync = False
        self.since = time.time()
        self.sync_offset = 0
        self.buffer: Optional[List[bytes]] = None
        self.last_newline = 0.0


class PrimarySide:
    """Mixed into engine.replication.Replication: the master half."""

    engine: "Engine"
    master_host: Optional[str]
    failover: Any

    def _init_primary(self) -> None:
        self.backlog: Optional[ReplicationBacklog] = None
        self.master_repl_offset = 0
        self.second_replid_offset = -1
        self.replicas: List["Client"] = []
        self.seldb = -1
        self._pending = bytearray()
        self._flush_scheduled = False
        # 0 none, 1 begun (nothing written yet), 3 one write held back, 2 MULTI sent
        self._multi_state = 0
        self._held: Any = None      # (dbid, argv) of the held write
        self._after_exec = False
        self._waiting_sync: List["Client"] = []
        self._sync_timer: Any = None
        self.wait_clients: List[Any] = []
        self.good_replicas = 0
        self.no_replicas_since: Optional[float] = time.time()
        self.last_ping = 0.0
        self.getack_pending = False

    # ---------------------------------------------------------------- the stream
    def propagate(self, dbid: int, argv: List[Any]) -> None:
        """replicationFeedSlaves(): called by the dispatcher after each write."""
        if self.master_host is not None:
            return  # a replica's sub-replicas get its master's stream verbatim
        if self._after_exec:
            self._after_exec = False
            name = argv[0]
            if name == b"EXEC" or name == b"exec" or name.lower() == b"exec":
                return  # EXEC's own propagation: we already wrapped its commands
        state = self._multi_state
        if state == 1:
            # propagatePendingCommands(): a transaction's single write goes out bare;
            # MULTI only once a second one comes
            self._held = (dbid, argv)
            self._multi_state = 3
            return
        if state == 3:
            held, self._held = self._held, None
            self._multi_state = 2
            self._feed(held[0], held[1], True)
        self._feed(dbid, argv, False)

    def _feed(self, dbid: int, argv: List[Any], multi: bool) -> None:
        out = self._pending
        if dbid != self.seldb:
            out += select_command(dbid)
            self.seldb = dbid
        if multi:
            out += MULTI
        encode_command(out, argv)
        if not self._flush_scheduled:
            self._schedule_flush()

    def feed_raw(self, data: bytes) -> None:
        """Append bytes that are already stream (PING, a master's stream we proxy)."""
        self._pending += data
        if not self._flush_scheduled:
            self._schedule_flush()

    def begin_transaction(self, dbid: int) -> None:
        """EXEC (or a script) starts: its writes go out inside MULTI ... EXEC, the MULTI
        only once the first write comes (a read-only transaction sends nothing)."""
        self._multi_state = 1
        self._after_exec = False

    def end_transaction(self) -> None:
        if self._multi_state == 2 and self.master_host is None:
            self._pending += EXEC
            if not self._flush_scheduled:
                self._schedule_flush()
        elif self._multi_state == 3:
            held, self._held = self._held, None
            self._feed(held[0], held[1], False)
        self._multi_state = 0
        self._after_exec = True

    def _schedule_flush(self) -> None:
        loop = self.engine.loop
        if loop is None:
            self.flush_stream()
            return
        self._flush_scheduled = True
        loop.call_soon(self.flush_stream)

    def flush_stream(self) -> None:
        """Move the pending stream into the backlog and out to the online replicas."""
        self._flush_scheduled = False
        out = self._pending
        if not out:
            return
        data = bytes(out)
        out.clear()
        backlog = self.backlog
        if backlog is None:
            return
        backlog.append(data)
        self.master_repl_offset = backlog.offset
        for c in self.replicas:
            info = c.repl_info
            if info.buffer is not None:
                info.buffer.append(data)
            elif info.state == ONLINE:
                t = c.transport
                if t is None or t.is_closing():
                    continue
                t.write(data)
                if t.get_write_buffer_size():  # client-output-buffer-limit replica ...
                    check_output_limits(c)

    def _start_stream(self, c: "Client") -> None:
        """A diskless replica acknowledged its snapshot: send what was kept meanwhile
        (it finds the end of an EOF-marked payload only if nothing follows it at once)."""
        info = c.repl_info
        buffered, info.buffer = info.buffer, None
        t = c.transport
        if buffered and t is not None and not t.is_closing():
            t.write(b"".join(buffered))

    # ---------------------------------------------------------------- backlog
    def ensure_backlog(self) -> None:
        """createReplicationBacklog(); a master that had none starts a new history (its
        offsets did not advance without one), as Redis changes its replid then."""
        if self.backlog is not None:
            return
        eng = self.engine
        if self.master_host is None and not self.replicas_beyond_handshake():
            eng.replid = os.urandom(20).hex()
            eng.replid2 = "0" * 40
            self.second_replid_offset = -1
        self.backlog = ReplicationBacklog(eng.config.values["repl-backlog-size"],
                                          self.master_repl_offset)
        self.seldb = -1
        self.activate()

    def replicas_beyond_handshake(self) -> bool:
        return any(c.repl_info.state != WAIT_BGSAVE for c in self.replicas)

    def free_backlog(self) -> None:
        self.flush_stream()
        self.backlog = None
        self.refresh_activation()

    def shift_replid(self) -> None:
        """shiftReplicationId(): a replica promoted keeps its master's history as replid2,
        valid up to the offset it reached, so the other replicas can continue from it."""
        eng = self.engine
        eng.replid2 = eng.replid
        self.second_replid_offset = self.master_repl_offset + 1
        eng.replid = os.urandom(20).hex()

    # ---------------------------------------------------------------- SYNC / PSYNC
    def sync_command(self, c: "Client", argv: List[bytes]) -> Any:
        """SYNC and PSYNC <replid> <offset> [FAILOVER] from a would-be replica."""
        from ..replies import NO_REPLY
        if c.is_replica:
            return NO_REPLY  # already one: ignore, as Redis
        eng = self.engine
        psync = argv[0].lower() == b"psync"
        if psync and len(argv) > 3 and argv[3].lower() == b"failover":
            if self.master_host is None:
                raise CommandError(errors.PSYNC_FAILOVER_TO_MASTER)
            if argv[1].decode("utf-8", "replace") != eng.replid:
                raise CommandError(errors.PSYNC_FAILOVER_REPLID)
            self.unset_master(reason="failover request from '%s'" % c.addr)
        if self.failover is not None:
            raise CommandError(errors.NOMASTERLINK_FAILOVER)
        if self.master_host is not None and not self.link_connected():
            raise CommandError(errors.NOMASTERLINK)
        if getattr(c, "transport", None) is None or eng.loop is None:
            raise CommandError(errors.SYNC_NOT_NETWORK)
        cap = eng.config.values["max-replicas"]
        if cap and len(self.replicas) >= cap:
            raise CommandError(errors.MAX_REPLICAS % cap)
        info = getattr(c, "repl_info", None)
        if info is None:
            info = c.repl_info = ReplicaInfo()
        info.old_sync = not psync
        c.is_replica = True
        self.replicas.append(c)
        self._update_guard_soon()
        if psync:
            replid = argv[1].decode("utf-8", "replace")
            try:
                offset = int(argv[2])
            except ValueError:
                offset = -1
            eng.loop.call_soon(self._serve_psync, c, replid, offset)
        else:
            eng.loop.call_soon(self._queue_full_sync, c)
        return NO_REPLY

    def _serve_psync(self, c: "Client", replid: str, psync_offset: int) -> None:
        """masterTryPartialResynchronization(), then a full one if that fails."""
        if c.closed:
            return
        eng = self.engine
        self.flush_stream()
        info = c.repl_info
        ok = (self.backlog is not None
              and (replid == eng.replid
                   or (replid == eng.replid2 and psync_offset <= self.second_replid_offset))
              and self.backlog.covers(psync_offset))
        if not ok:
            if replid != "?":
                eng.stats.sync_partial_err += 1
                if replid not in (eng.replid, eng.replid2):
                    why = "Replication ID mismatch (Replica asked for '%s', my replication " \
                          "IDs are '%s' and '%s')" % (replid, eng.replid, eng.replid2)
                else:
                    why = "offset %d is out of the backlog range" % psync_offset
                self.log(NOTICE, "Partial resynchronization not accepted: " + why)
            self._queue_full_sync(c)
            return
        data = self.backlog.since(psync_offset)  # type: ignore[union-attr]
        head = b"+CONTINUE %s\r\n" % eng.replid.encode() if info.capa_psync2 \
            else b"+CONTINUE\r\n"
        self._go_online(c)
        c.transport.write(head)
        if data:
            c.transport.write(data)
        eng.stats.sync_partial_ok += 1
        self.event("sync-partial", "Partial resynchronization request from %s accepted. "
                   "Sending %d bytes of backlog starting from offset %d."
                   % (self.replica_name(c), len(data or b""), psync_offset))

    def _queue_full_sync(self, c: "Client") -> None:
        if c.closed:
            return
        eng = self.engine
        eng.stats.sync_full += 1
        info = c.repl_info
        info.state = WAIT_BGSAVE
        info.since = time.time()
        self.ensure_backlog()
        self.log(NOTICE, "Full resync requested by replica %s" % self.replica_name(c))
        self._waiting_sync.append(c)
        cfg = eng.config.values
        delay = cfg["repl-diskless-sync-delay"] if cfg["repl-diskless-sync"] else 0
        most = cfg["repl-diskless-sync-max-replicas"]
        if delay <= 0 or (most and len(self._waiting_sync) >= most):
            if self._sync_timer is not None:
                self._sync_timer.cancel()
                self._sync_timer = None
            eng.loop.call_soon(self._start_snapshot)
        elif self._sync_timer is None:
            self._sync_timer = eng.loop.call_later(delay, self._start_snapshot)

    def _start_snapshot(self) -> None:
        """One snapshot for every replica waiting: +FULLRESYNC now, the RDB once written,
        then the stream from the snapshot's offset (kept in each replica's buffer)."""
        self._sync_timer = None
        targets = [c for c in self._waiting_sync if not c.closed]
        self._waiting_sync = []
        if not targets:
            return
        eng = self.engine
        self.ensure_backlog()
        self.flush_stream()
        offset = self.master_repl_offset
        diskless = eng.config.values["repl-diskless-sync"]
        self.seldb = -1  # the next command selects its database again
        for c in targets:
            info = c.repl_info
            info.sync_offset = offset
            info.buffer = []  # what is written from now on, sent after the snapshot
            t = c.transport
            if not info.old_sync and t is not None and not t.is_closing():
                t.write(b"+FULLRESYNC %s %d\r\n" % (eng.replid.encode(), offset))
        if self._background_snapshot(targets, offset, diskless):
            return
        # another save holds the copy-on-write hook: a snapshot taken right here
        t0 = time.perf_counter()
        payload = snapshot.dump(eng, eng.replid, offset)
        if not diskless:
            self._save_copy(payload)
        self._deliver(targets, payload, diskless, offset, time.perf_counter() - t0)

    def _background_snapshot(self, targets: List["Client"], offset: int,
                             diskless: bool) -> bool:
        """The forkless snapshot of engine/persistence/bgsave.py (copy-on-write per key),
        walked a slice per event-loop turn while clients are served, as Redis forks a
        child. Diskless, replicas with capa eof get its bytes as they are made, framed by
        ``$EOF:<mark>``; the others get ``$<length>`` and the whole of it at the end (and a
        disk-based sync saves it as ``dbfilename``). False when another save holds the
        keyspace's copy-on-write hook (the caller then snapshots inline)."""
        from ..persistence.bgsave import Snapshot, SnapshotError
        eng = self.engine
        pm = getattr(eng, "persistence", None)
        loop = eng.loop
        if pm is None or loop is None or eng.snapshot is not None or \
                getattr(pm, "job", None) is not None:
            return False
        streamed = [c for c in targets if diskless and c.repl_info.capa_eof
                    and c.transport is not None and not c.transport.is_closing()]
        mark = os.urandom(20).hex().encode()
        for c in streamed:
            c.repl_info.state = SEND_BULK  # no keepalive newline inside the payload
            c.transport.write(b"$EOF:" + mark + b"\r\n")
        sink = _SyncSink([c.transport for c in streamed], len(streamed) < len(targets))
        aux = pm.aux_fields() + [(b"repl-stream-db", b"0"), (b"repl-id", eng.replid.encode()),
                                 (b"repl-offset", b"%d" % offset)]
        snap = Snapshot(eng, sink, aux, pm.function_codes())
        eng.snapshot = snap
        t0 = time.perf_counter()

        def step() -> None:
            if eng.snapshot is not snap:  # a BGSAVE took the hook: this image is void
                self.log(WARNING, "Replica sync snapshot interrupted by another save")
                for c in targets:
                    c.close()  # they ask again
                return
            try:
                finished = snap.step(time.perf_counter() + SYNC_SLICE)
            except SnapshotError as e:
                finished = None
                self.log(WARNING, "Replica sync snapshot failed: %s" % e)
            if finished is False:
                loop.call_soon(step)
                return
            eng.snapshot = None
            if finished is None:
                for c in targets:
                    c.close()
                return
            took = time.perf_counter() - t0
            payload = b"".join(sink.parts) if sink.parts is not None else b""
            if not diskless:
                self._save_copy(payload)
            for c in streamed:
                t = c.transport
                if c.closed or t is None or t.is_closing():
                    continue
                t.write(mark)
                self._go_online(c)  # its stream starts at its first ACK
                self._synced(c, sink.size, "diskless", offset, took)
            self._deliver([c for c in targets if c not in streamed], payload, False,
                          offset, took)

        loop.call_soon(step)
        return True

    def _deliver(self, targets: List["Client"], payload: bytes, diskless: bool,
                 offset: int, took: float) -> None:
        """Send the snapshot: ``$EOF:<mark>`` framing to a replica with capa eof in
        diskless mode (its stream waits for its first ACK, which is how it finds the end),
        else ``$<length>`` with the stream right behind."""
        for c in targets:
            info = c.repl_info
            t = c.transport
            if c.closed or t is None or t.is_closing():
                continue
            eof = diskless and info.capa_eof
            if eof:
                mark = os.urandom(20).hex().encode()
                t.write(b"$EOF:" + mark + b"\r\n")
                t.write(payload)
                t.write(mark)
            else:
                t.write(b"$%d\r\n" % len(payload))
                t.write(payload)
            self._go_online(c)
            if not eof:
                self._start_stream(c)
            self._synced(c, len(payload), "diskless" if eof else "disk", offset, took)

    def _synced(self, c: "Client", size: int, how: str, offset: int, took: float) -> None:
        self.event("sync-full", "Synchronization with replica %s succeeded: %d bytes of "
                   "RDB (%s) at offset %d, snapshot in %.3f s"
                   % (self.replica_name(c), size, how, offset, took))

    def _save_copy(self, payload: bytes) -> None:
        """Disk-based sync writes the snapshot to ``dbfilename`` first, as Redis does."""
        cfg = self.engine.config.values
        path = os.path.join(os.getcwd(), cfg["dbfilename"])
        tmp = "%s.tmp-sync-%d" % (path, os.getpid())
        try:
            with open(tmp, "wb") as f:
                f.write(payload)
            os.replace(tmp, path)
        except OSError as e:
            self.log(WARNING, "Failed opening the RDB file %s for saving: %s" % (path, e))

    def _go_online(self, c: "Client") -> None:
        from ..connection import REPLY_OFF
        info = c.repl_info
        info.state = ONLINE
        info.ack_time = time.time()
        c.reply_mode = REPLY_OFF  # a master never answers its replicas' commands
        t = c.transport
        if t is not None:
            try:
                t.set_write_buffer_limits(REPLICA_OBUF_HARD_LIMIT, 1024 * 1024)
            except Exception:  # noqa: BLE001 - a transport without limits
                pass
        self.no_replicas_since = None
        self.refresh_good_replicas()

    def replica_gone(self, c: "Client") -> None:
        """A replica connection closed (engine.unregister_client)."""
        if c in self.replicas:
            self.replicas.remove(c)
            if c in self._waiting_sync:
                self._waiting_sync.remove(c)
            info = c.repl_info
            self.log(NOTICE, "Connection with replica %s lost." % self.replica_name(c))
            self.event("replica-lost", "Connection with replica %s lost (state %s)."
                       % (self.replica_name(c), info.state))
            if not self.replicas:
                self.no_replicas_since = time.time()
            self.refresh_good_replicas()
            self.check_waiters()

    def disconnect_replicas(self) -> None:
        """disconnectSlaves(): they will reconnect and resync (after a replid change)."""
        for c in list(self.replicas):
            c.close()

    def replica_name(self, c: "Client") -> str:
        info = c.repl_info
        host = info.ip or c.addr.rsplit(":", 1)[0]
        return "%s:%d" % (host, info.listening_port) if info.listening_port else c.addr

    # ---------------------------------------------------------------- REPLCONF
    def replconf(self, c: "Client", argv: List[bytes]) -> Any:
        from ..replies import NO_REPLY, OK
        if len(argv) % 2 == 0:
            raise CommandError(errors.SYNTAX)
        info = getattr(c, "repl_info", None)
        if info is None:
            info = c.repl_info = ReplicaInfo()
        for i in range(1, len(argv), 2):
            opt, val = argv[i].lower(), argv[i + 1]
            if opt == b"listening-port":
                try:
                    info.listening_port = int(val)
                except ValueError:
                    raise CommandError(errors.NOT_INTEGER) from None
            elif opt == b"ip-address":
                info.ip = val.decode("utf-8", "replace")
            elif opt == b"capa":
                low = val.lower()
                if low == b"eof":
                    info.capa_eof = True
                elif low == b"psync2":
                    info.capa_psync2 = True
            elif opt == b"ack":
                # REPLCONF ACK <offset> [FACK <aofoffset>]: from a replica, never answered
                if not c.is_replica:
                    return NO_REPLY
                try:
                    off = int(val)
                except ValueError:
                    return NO_REPLY
                if off > info.ack_offset:
                    info.ack_offset = off
                info.ack_time = time.time()
                if info.buffer is not None and info.state == ONLINE:
                    self._start_stream(c)
                self.on_ack()
                return NO_REPLY
            elif opt == b"getack":
                if self.master_host is not None:
                    self.ack_requested = True  # answered after this chunk of the stream
                return NO_REPLY
            elif opt == b"rdb-only" or opt == b"rdb-filter-only":
                pass
            else:
                raise CommandError(errors.REPLCONF_UNKNOWN_OPTION % arg_text(argv[i]))
        return OK

    def on_ack(self) -> None:
        self.refresh_good_replicas()
        if self.wait_clients:
            self.check_waiters()
        if self.failover is not None:
            self.failover_progress()

    # ---------------------------------------------------------------- min-replicas
    def refresh_good_replicas(self) -> None:
        """refreshGoodSlavesCount(): online replicas whose last ACK is recent enough."""
        cfg = self.engine.config.values
        lag = cfg["min-replicas-max-lag"]
        now = time.time()
        good = 0
        for c in self.replicas:
            info = c.repl_info
            if info.state == ONLINE and now - info.ack_time <= lag:
                good += 1
        self.good_replicas = good
        self.update_guard()

    # ---------------------------------------------------------------- WAIT
    def acked_replicas(self, offset: int) -> int:
        return sum(1 for c in self.replicas
                   if c.repl_info.state == ONLINE and c.repl_info.ack_offset >= offset)

    def wait_command(self, c: "Client", numreplicas: int, timeout_ms: int) -> Any:
        from ..blocking import Waiter, can_block
        from ..replies import BLOCKED
        if self.master_host is not None:
            raise CommandError(errors.WAIT_REPLICA)
        self.flush_stream()
        offset = self.master_repl_offset
        acked = self.acked_replicas(offset)
        if acked >= numreplicas or not can_block(c) or self.engine.loop is None:
            return acked
        eng = self.engine
        deadline = time.monotonic() + timeout_ms / 1000 if timeout_ms > 0 else None
        w = Waiter(c, c.db, [], None, 0, deadline, c.last_cmd)  # type: ignore[arg-type]
        w.keys = []
        w.retry = (offset, numreplicas)  # what this waiter waits for
        c.blocked = w
        eng.blocked_clients += 1
        if deadline is not None:
            w.timer = eng.loop.call_later(timeout_ms / 1000, self._wait_timeout, w)
        self.wait_clients.append(w)
        self.getack_pending = True
        self._send_getack_soon()
        return BLOCKED

    def _send_getack_soon(self) -> None:
        """REPLCONF GETACK * once per event-loop turn while WAIT clients wait."""
        loop = self.engine.loop
        if loop is not None:
            loop.call_soon(self._send_getack)

    def _send_getack(self) -> None:
        if not self.getack_pending:
            return
        self.getack_pending = False
        if self.master_host is None and self.backlog is not None and self.replicas:
            self.feed_raw(GETACK)

    def _wait_timeout(self, w: Any) -> None:
        from ..blocking import unblock
        if w in self.wait_clients:
            self.wait_clients.remove(w)
        if w.client.blocked is w:
            w.timer = None
            w.timeout_reply = self.acked_replicas(w.retry[0])
            unblock(w.client)

    def check_waiters(self) -> None:
        """processClientsWaitingReplicas(): answer WAITs whose replicas caught up."""
        from ..blocking import unblock
        for w in list(self.wait_clients):
            offset, numreplicas = w.retry
            acked = self.acked_replicas(offset)
            if acked >= numreplicas or w.client.blocked is not w:
                self.wait_clients.remove(w)
                if w.client.blocked is w:
                    w.timeout_reply = acked
                    unblock(w.client)

    # ---------------------------------------------------------------- cron
    def primary_cron(self, now: float) -> None:
        """replicationCron(), master half: PING, newlines, timeouts, backlog TTL."""
        eng = self.engine
        cfg = eng.config.values
        if self.master_host is None and self.replicas and self.backlog is not None:
            period = cfg["repl-ping-replica-period"]
            if now - self.last_ping >= period and not self.writes_paused():
                self.last_ping = now
                self.feed_raw(PING)
        for c in list(self.replicas):
            info = c.repl_info
            if info.state == WAIT_BGSAVE and now - info.last_newline >= 1:
                info.last_newline = now
                t = c.transport
                if t is not None and not t.is_closing():
                    t.write(b"\n")  # keep the link alive while the snapshot is pending
            if info.state == ONLINE and not info.old_sync \
                    and now - info.ack_time > cfg["repl-timeout"]:
                self.log(WARNING, "Disconnecting timedout replica (streaming sync): %s"
                         % self.replica_name(c))
                c.close()
        if self.wait_clients:
            self.getack_pending = True
            self._send_getack()
        if (self.backlog is not None and self.master_host is None and not self.replicas
                and self.no_replicas_since is not None and cfg["repl-backlog-ttl"]
                and now - self.no_replicas_since > cfg["repl-backlog-ttl"]):
            # a new replid: replicas that saw the old history must not continue from it
            self.engine.replid = os.urandom(20).hex()
            self.engine.replid2 = "0" * 40
            self.second_replid_offset = -1
            self.free_backlog()
            self.log(NOTICE, "Replication backlog freed after %d seconds without connected "
                     "replicas." % cfg["repl-backlog-ttl"])
        self.refresh_good_replicas()

    def writes_paused(self) -> bool:
        eng = self.engine
        return bool(eng.pause_until) and time.monotonic() < eng.pause_until



def arg_text(b: bytes) -> str:
    return b.decode("utf-8", "surrogateescape")


class _SyncSink:
    """Where a full sync's snapshot bytes go (the sink interface of bgsave.Snapshot):
    straight to the replicas that read the EOF-marked form, and kept whole for those that
    need the length first. ``pending`` (their unsent output) holds the walk back when
    replicas read slower than the snapshot is made."""

    def __init__(self, transports: List[Any], keep: bool) -> None:
        self.transports = transports
        self.parts: Optional[List[bytes]] = [] if keep else None
        self.error: Optional[str] = None
        self.size = 0

    @property
    def pending(self) -> int:
        return max((t.get_write_buffer_size() for t in self.transports
                    if not t.is_closing()), default=0)

    def write(self, chunk: bytes) -> None:
        self.size += len(chunk)
        for t in self.transports:
            if not t.is_closing():
                t.write(chunk)
        if self.parts is not None:
            self.parts.append(chunk)
