"""The replica side of replication: the link to the master (connect, handshake, PSYNC,
loading its snapshot, applying its stream), ACKs, reconnection with partial resync.

As Redis's replication.c (replica half): the handshake is PING, AUTH (masterauth /
masteruser), REPLCONF listening-port / ip-address / capa eof psync2, then
``PSYNC <replid> <offset+1>`` with the history we have (``PSYNC ? -1`` without). A full
resync loads the RDB that follows ``+FULLRESYNC`` (``$<len>`` or ``$EOF:<mark>`` framing);
``+CONTINUE [<new replid>]`` resumes the stream. The stream's commands run through the
dispatcher as the master client (kind "master": replies discarded, never READONLY), each
advancing the replication offset by its size; the bytes applied are appended verbatim to
our own backlog and our replicas (chained replication keeps the master's replid).

While the master client applies the stream it sees keys as the master does: no key is
expired by our clock (the master sends DEL when it expires one), so a write that reached
the master just before a TTL passed gives the same result here.
"""

import asyncio
import os
import time
from typing import TYPE_CHECKING, Any, List, Optional

from protocols.resp import ProtocolError, RequestParser

from ..connection import Client
from ..log import NOTICE, WARNING
from . import snapshot

if TYPE_CHECKING:  # pragma: no cover
    from ..engine import Engine

__all__ = ["MasterClient", "MasterLink", "ReplicaSide"]

# link states, as ROLE and INFO name them
NONE, CONNECT, CONNECTING, HANDSHAKE, TRANSFER, CONNECTED = (
    "none", "connect", "connecting", "handshake", "sync", "connected")


def _cmd(*args: Any) -> bytes:
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        b = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(b), b))
    return b"".join(out)


def command_size(argv: List[bytes]) -> int:
    """Bytes of argv as a RESP multibulk (how a master encodes what it propagates)."""
    n = len(argv)
    size = 3 + len(str(n))
    for a in argv:
        la = len(a)
        size += la + 5 + len(str(la))
    return size


class MasterClient(Client):
    """The master as a client of ours: runs the stream's commands, replies discarded."""

    kind = "master"

    def __init__(self, engine: "Engine", link: "MasterLink") -> None:
        super().__init__(engine)
        self.link = link
        self.is_master = True
        self.authenticated = True
        self.can_block = False
        self.user = "default"
        self.closed = False

    def deliver(self, value: Any) -> None:
        pass

    def close(self) -> None:
        """CLIENT KILL TYPE master: drop the link (we reconnect and PSYNC)."""
        link = self.link
        if link is not None:
            link.drop("killed by a client")
        elif not self.closed:
            self.closed = True
            self.engine.unregister_client(self)


class MasterLink(asyncio.Protocol):
    """One connection attempt to the master and, once synced, its stream."""

    def __init__(self, side: "ReplicaSide", host: str, port: int,
                 failover: bool = False) -> None:
        self.side = side
        self.engine = side.engine
        self.host, self.port = host, port
        self.failover = failover
        self.transport: Any = None
        self.state = CONNECTING
        self.buf = bytearray()
        self.expect: List[str] = []     # handshake replies still to read, in order
        self.psync_reply: Optional[bytes] = None
        self.payload_len = -1           # $<len> framing: bytes still expected
        self.eof_mark: Optional[bytes] = None
        self.payload = bytearray()
        self.parser: Optional[RequestParser] = None
        self.client: Optional[MasterClient] = None
        self.last_io = time.time()
        self.closed = False
        self.transfer_start = 0.0
        self.transfer_size = -1

    # ------------------------------------------------------------ connection
    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        self.state = HANDSHAKE
        self.last_io = time.time()
        sock = transport.get_extra_info("socket")
        if sock is not None:
            try:
                import socket
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:
                pass
        self.side.log(NOTICE, "MASTER <-> REPLICA sync started")
        transport.write(_cmd("PING"))
        self.expect = ["ping"]

    def connection_lost(self, exc: Optional[BaseException]) -> None:
        if not self.closed:
            self.closed = True
            self.side.link_lost(self, "connection lost" if exc is None else str(exc))

    def drop(self, why: str) -> None:
        if self.transport is not None:
            self.transport.close()
        if not self.closed:
            self.closed = True
            self.side.link_lost(self, why)

    def send(self, data: bytes) -> None:
        t = self.transport
        if t is not None and not t.is_closing():
            t.write(data)

    # ------------------------------------------------------------ input
    def data_received(self, data: bytes) -> None:
        self.last_io = time.time()
        if self.closed:
            return
        st = self.state
        if st == CONNECTED:
            self.side.apply_stream(self, data)
            return
        self.buf += data
        try:
            self._progress()
        except Exception as e:  # noqa: BLE001 - a bad master reply ends this attempt
            self.side.log(WARNING, "Replication link error: %r" % (e,))
            self.drop("error: %r" % (e,))

    def _line(self) -> Optional[bytes]:
        i = self.buf.find(b"\n")
        if i < 0:
            return None
        line = bytes(self.buf[:i]).rstrip(b"\r")
        del self.buf[:i + 1]
        return line

    def _progress(self) -> None:
        side = self.side
        while not self.closed:
            if self.state == HANDSHAKE:
                line = self._line()
                if line is None:
                    return
                if not line:
                    continue  # a newline the master sends to keep us alive
                if not self.expect:
                    continue
                step = self.expect.pop(0)
                if not self._handshake_reply(step, line):
                    return
            elif self.state == TRANSFER:
                if not self._transfer():
                    return
            else:
                if self.buf:
                    data = bytes(self.buf)
                    self.buf.clear()
                    side.apply_stream(self, data)
                return

    def _handshake_reply(self, step: str, line: bytes) -> bool:
        side = self.side
        cfg = self.engine.config.values
        if step == "ping":
            if line.startswith(b"-") and not (line.startswith(b"-NOAUTH")
                                               or line.startswith(b"-NOPERM")
                                               or line.startswith(b"-ERR operation not "
                                                                  b"permitted")):
                self.drop("Error reply to PING from master: '%s'" % line.decode("utf-8",
                                                                                   "replace"))
                return False
            out = []
            if cfg["masterauth"]:
                if cfg["masteruser"]:
                    out.append(_cmd("AUTH", cfg["masteruser"], cfg["masterauth"]))
                else:
                    out.append(_cmd("AUTH", cfg["masterauth"]))
                self.expect.append("auth")
            port = cfg["replica-announce-port"] or (
                cfg["tls-port"] if cfg["tls-replication"] and cfg["tls-port"] else cfg["port"])
            out.append(_cmd("REPLCONF", "listening-port", port))
            self.expect.append("port")
            if cfg["replica-announce-ip"]:
                out.append(_cmd("REPLCONF", "ip-address", cfg["replica-announce-ip"]))
                self.expect.append("ip")
            out.append(_cmd("REPLCONF", "capa", "eof", "capa", "psync2"))
            self.expect.append("capa")
            self.send(b"".join(out))
            return True
        if step == "auth":
            if line.startswith(b"-"):
                self.drop("Unable to AUTH to MASTER: %s" % line.decode("utf-8", "replace"))
                return False
            return True
        if step in ("port", "ip", "capa"):
            if line.startswith(b"-"):
                side.log(NOTICE, "(Non critical) Master does not understand REPLCONF %s: %s"
                         % (step, line.decode("utf-8", "replace")))
            if step == "capa":
                # PSYNC only once every reply was read: a master refuses it with replies
                # still pending ("SYNC and PSYNC are invalid with pending output")
                replid, offset = side.psync_position()
                psync = ["PSYNC", replid, offset]
                if self.failover:
                    psync.append("FAILOVER")
                self.send(_cmd(*psync))
                self.expect.append("psync")
            return True
        # psync
        if line.startswith(b"+FULLRESYNC"):
            parts = line.split()
            self.psync_reply = line
            replid = parts[1].decode() if len(parts) > 1 else "?"
            offset = int(parts[2]) if len(parts) > 2 else -1
            side.log(NOTICE, "Full resync from master: %s:%d" % (replid, offset))
            self.full_replid, self.full_offset = replid, offset
            self.state = TRANSFER
            self.transfer_start = time.time()
            side.sync_started(self)
            return True
        if line.startswith(b"+CONTINUE"):
            parts = line.split()
            new_id = parts[1].decode() if len(parts) > 1 else None
            side.continue_sync(self, new_id)
            return True
        text = line.decode("utf-8", "replace")
        if self.failover and side.failover is not None:
            side.failover_abort("Failover target rejected psync request")
            return False
        if line.startswith(b"-NOMASTERLINK") or line.startswith(b"-LOADING"):
            side.log(NOTICE, "Master is currently unable to PSYNC but should be in the "
                     "future: %s" % text)
        else:
            side.log(WARNING, "Unexpected reply to PSYNC from master: %s" % text)
        self.drop("PSYNC refused: %s" % text)
        return False

    def _transfer(self) -> bool:
        """Read the snapshot ($<len> or $EOF:<mark> framed); False when more is needed."""
        if self.payload_len < 0 and self.eof_mark is None:
            line = self._line()
            if line is None:
                return False
            if not line:
                return True  # keepalive newline while the master prepares the snapshot
            if line.startswith(b"-"):
                raise RuntimeError("MASTER aborted replication with an error: %s"
                                   % line.decode("utf-8", "replace"))
            if not line.startswith(b"$"):
                raise RuntimeError("Bad protocol from MASTER, the first byte is not '$'")
            if line.startswith(b"$EOF:"):
                self.eof_mark = line[5:]
                if len(self.eof_mark) != 40:
                    raise RuntimeError("Bad EOF mark from MASTER")
            else:
                self.payload_len = int(line[1:])
                self.transfer_size = self.payload_len
            return True
        if self.eof_mark is not None:
            self.payload += self.buf
            self.buf.clear()
            mark = self.eof_mark
            if len(self.payload) >= 40 and self.payload.endswith(mark):
                data = bytes(self.payload[:-40])
                self.payload = bytearray()
                self._loaded(data)
                return True
            # the mark may have arrived with stream bytes after it: never for a master
            # that waits for our first ACK, but look for it anyway
            i = self.payload.find(mark, max(0, len(self.payload) - len(mark) - (1 << 20)))
            if i >= 0 and len(self.payload) > i + 40:
                rest = bytes(self.payload[i + 40:])
                data = bytes(self.payload[:i])
                self.payload = bytearray()
                self._loaded(data)
                self.buf += rest
                return True
            return False
        need = self.payload_len - len(self.payload)
        if len(self.buf) <= need:
            self.payload += self.buf
            self.buf.clear()
        else:
            self.payload += self.buf[:need]
            del self.buf[:need]
        if len(self.payload) < self.payload_len:
            return False
        data = bytes(self.payload)
        self.payload = bytearray()
        self._loaded(data)
        return True

    def _loaded(self, data: bytes) -> None:
        self.side.load_snapshot(self, data, self.full_replid, self.full_offset)

    def read_bytes(self) -> int:
        return len(self.payload)


class ReplicaSide:
    """Mixed into engine.replication.Replication: the replica half."""

    engine: "Engine"

    def _init_replica(self) -> None:
        self.master_host: Optional[str] = None
        self.master_port = 0
        self.link: Optional[MasterLink] = None
        self.link_state = NONE
        self.master_client: Optional[MasterClient] = None
        self.cached_db = 0                # the master client's database, kept across links
        self.have_history = False         # replid/offset are a master's history we hold
        self.read_offset = 0              # bytes of stream read (slave_read_repl_offset)
        self.link_down_since: Optional[float] = time.time()
        self.last_connect_try = 0.0
        self.ack_requested = False
        self.failover_link = False
        self._connect_handle: Any = None
        self.sync_in_progress = False
        self._raw = bytearray()
        self.last_ack_sent = 0.0

    # ---------------------------------------------------------------- REPLICAOF
    def set_master(self, host: str, port: int, failover: bool = False,
                   cache_self: bool = True) -> None:
        """replicationSetMaster(): follow host:port (keeping our history to PSYNC with)."""
        was_master = self.master_host is None and cache_self
        self.master_host, self.master_port = host, port
        self.engine.config.values["replicaof"] = [host, str(port)]
        self.close_link("new master")
        self.flush_stream()
        self.wait_abort_all()
        self.disconnect_replicas()   # they resync with us, learning any new replid
        if was_master:
            # replicationCacheMasterUsingMyself(): PSYNC the new master with our history
            self.have_history = True
            self.read_offset = self.master_repl_offset
            self.cached_db = self.seldb if self.seldb >= 0 else 0
        self.failover_link = failover
        self.link_state = CONNECT
        self.link_down_since = time.time()
        self.refresh_activation()
        self.update_guard()
        self.event("replicaof", "REPLICAOF %s:%d enabled" % (host, port))
        self.connect_soon(0)

    def unset_master(self, reason: str = "") -> None:
        """replicationUnsetMaster(): REPLICAOF NO ONE, keeping the data; the history we
        had becomes replid2 so that the other replicas can continue with us."""
        if self.master_host is None:
            return
        old = "%s:%d" % (self.master_host, self.master_port)
        self.master_host = None
        self.master_port = 0
        self.engine.config.values["replicaof"] = None
        self.close_link("no longer a replica")
        self.link_state = NONE
        self.shift_replid()
        self.disconnect_replicas()  # so they learn the new replid (+CONTINUE <new>)
        self.ensure_backlog()
        self.seldb = -1
        self.have_history = False
        self.refresh_activation()
        self.update_guard()
        self.log(NOTICE, "MASTER MODE enabled (%s)" % (reason or "user request"))
        self.event("promoted", "Replica of %s promoted to master (%s); replid %s, replid2 "
                   "%s valid up to offset %d" % (old, reason or "REPLICAOF NO ONE",
                                                  self.engine.replid, self.engine.replid2,
                                                  self.second_replid_offset))

    def psync_position(self) -> tuple:
        if not self.have_history:
            return "?", -1
        return self.engine.replid, self.master_repl_offset + 1

    # ---------------------------------------------------------------- connecting
    def connect_soon(self, delay: float) -> None:
        loop = self.engine.loop
        if loop is None or self.master_host is None:
            return
        if self._connect_handle is not None:
            self._connect_handle.cancel()
        self._connect_handle = loop.call_later(delay, self._connect)

    def _connect(self) -> None:
        self._connect_handle = None
        if self.master_host is None or self.link is not None or self.engine.loop is None:
            return
        self.last_connect_try = time.time()
        link = MasterLink(self, self.master_host, self.master_port, self.failover_link)
        self.link = link
        self.link_state = CONNECTING
        self.log(NOTICE, "Connecting to MASTER %s:%d" % (self.master_host, self.master_port))

        async def go() -> None:
            from ..tls import TLSError, client_context
            cfg = self.engine.config.values
            try:
                # tls-replication: the link is TLS, with the client certificate of tls.py
                ctx = client_context(cfg) if cfg["tls-replication"] else None
                await asyncio.wait_for(self.engine.loop.create_connection(
                    lambda: link, link.host, link.port, ssl=ctx), cfg["repl-timeout"])
            except (OSError, asyncio.TimeoutError, TLSError) as e:
                if not link.closed:
                    link.closed = True
                    self.link_lost(link, "Error condition on socket for SYNC: %s" % (e,))

        asyncio.ensure_future(go())

    def close_link(self, why: str) -> None:
        link = self.link
        if link is not None:
            link.closed = True
            if link.transport is not None:
                link.transport.close()
            self._link_down(link, why)
        if self._connect_handle is not None:
            self._connect_handle.cancel()
            self._connect_handle = None

    def link_lost(self, link: MasterLink, why: str) -> None:
        if link is not self.link:
            return
        self._link_down(link, why)
        if self.master_host is not None:
            self.link_state = CONNECT
            self.connect_soon(0.5 if why != "killed by a client" else 0.1)

    def _link_down(self, link: MasterLink, why: str) -> None:
        was_up = link.state == CONNECTED
        self.link = None
        self.sync_in_progress = False
        mc = link.client
        if mc is not None:
            self.cached_db = mc.db.id
            if mc.multi is not None:  # a transaction cut in half is discarded, as Redis
                mc.multi = None
            link.client = None
            mc.link = None
            if not mc.closed:
                mc.closed = True
                self.engine.unregister_client(mc)
        if self.master_client is mc:
            self.master_client = None
        self._raw = bytearray()
        if was_up:
            self.link_down_since = time.time()
            self.log(NOTICE, "Connection with master lost (%s)." % why)
            self.event("master-link-down", "Connection with master %s:%d lost: %s"
                       % (link.host, link.port, why))
        self.link_state = CONNECT if self.master_host is not None else NONE
        self.update_guard()

    def link_connected(self) -> bool:
        return self.link is not None and self.link.state == CONNECTED

    # ---------------------------------------------------------------- sync
    def sync_started(self, link: MasterLink) -> None:
        self.link_state = TRANSFER
        self.sync_in_progress = True

    def load_snapshot(self, link: MasterLink, data: bytes, replid: str, offset: int) -> None:
        """readSyncBulkPayload() done: replace the dataset, take the master's history."""
        eng = self.engine
        t0 = time.perf_counter()
        self.flush_stream()
        self.disconnect_replicas()  # they must full-sync with our new dataset
        try:
            keys = snapshot.load(eng, data)
        except Exception as e:  # noqa: BLE001 - a bad payload: start over
            self.log(WARNING, "Failed trying to load the MASTER synchronization DB from "
                     "socket: %s" % (e,))
            for db in eng.dbs:
                db.flush()
            link.drop("bad snapshot")
            return
        took = time.perf_counter() - t0
        eng.replid = replid
        eng.replid2 = "0" * 40
        self.second_replid_offset = -1
        self.master_repl_offset = offset
        self.read_offset = offset
        self.have_history = True
        self.backlog = None
        self.ensure_backlog()  # history starts at the snapshot's offset
        self.cached_db = 0
        self.sync_in_progress = False
        eng.dirty += 1
        self.log(NOTICE, "MASTER <-> REPLICA sync: Finished with success")
        self.event("sync-full", "Full resynchronization from master %s:%d: %d keys, %d bytes "
                   "loaded in %.3f s, offset %d" % (link.host, link.port, keys, len(data),
                                                   took, offset))
        self._link_up(link)
        self.send_ack()

    def continue_sync(self, link: MasterLink, new_replid: Optional[str]) -> None:
        """+CONTINUE: the master keeps our history; a new replid means it was promoted."""
        eng = self.engine
        if new_replid and new_replid != eng.replid:
            eng.replid2 = eng.replid
            self.second_replid_offset = self.master_repl_offset + 1
            eng.replid = new_replid
            self.disconnect_replicas()
        self.ensure_backlog()
        self.log(NOTICE, "Successful partial resynchronization with master.")
        self.event("sync-partial", "Partial resynchronization with master %s:%d from offset "
                   "%d" % (link.host, link.port, self.master_repl_offset + 1))
        self._link_up(link)

    def _link_up(self, link: MasterLink) -> None:
        eng = self.engine
        link.state = CONNECTED
        self.link_state = CONNECTED
        self.link_down_since = None
        self.failover_link = False
        mc = MasterClient(eng, link)
        mc.addr = "%s:%d" % (link.host, link.port)
        sock = link.transport.get_extra_info("sockname") if link.transport else None
        if isinstance(sock, tuple):
            mc.laddr = "%s:%d" % (sock[0], sock[1])
        mc.db = eng.dbs[self.cached_db] if self.cached_db < len(eng.dbs) else eng.dbs[0]
        eng.register_client(mc)
        eng.stats.total_connections_received -= 1  # not a client connection
        link.client = mc
        self.master_client = mc
        cfg = eng.config.values
        link.parser = RequestParser(cfg["proto-max-bulk-len"], 1 << 62)
        self.update_guard()
        fo = self.failover
        if fo is not None and fo.state == "failover-in-progress":
            self.failover_done()
        if link.buf:
            data = bytes(link.buf)
            link.buf.clear()
            self.apply_stream(link, data)

    # ---------------------------------------------------------------- the stream
    def apply_stream(self, link: MasterLink, data: bytes) -> None:
        """Run the master's commands; our offset grows by each command's bytes."""
        eng = self.engine
        parser = link.parser
        mc = link.client
        if parser is None or mc is None:
            return
        self.read_offset += len(data)
        raw = self._raw
        raw += data
        try:
            cmds = parser.feed(data)
        except ProtocolError as e:
            cmds = e.commands
            self.log(WARNING, "Protocol error from master: %s" % e)
            link.drop("protocol error")
        mc.last_interaction = time.time()
        saved_now = eng.now_ms
        eng.now_ms = 0  # see the module docstring: no expiry by our clock for the master
        call = eng.call
        try:
            for argv in cmds:
                call(mc, argv)
        finally:
            eng.now_ms = saved_now
        consumed = len(raw) - parser.pending()
        if consumed > 0:
            chunk = bytes(raw[:consumed])
            del raw[:consumed]
            self._pending += chunk
            if not self._flush_scheduled:
                self._schedule_flush()
            self.master_repl_offset += consumed
            if self.backlog is not None:
                # the backlog follows master_repl_offset through flush_stream
                pass
        if self.ack_requested:
            self.ack_requested = False
            self.send_ack()

    def send_ack(self) -> None:
        """REPLCONF ACK <offset>: what we applied (flushed first so that our own backlog
        offset and the acknowledged one agree)."""
        link = self.link
        if link is None or link.state != CONNECTED:
            return
        self.last_ack_sent = time.time()
        link.send(_cmd("REPLCONF", "ACK", self.master_repl_offset))

    # ---------------------------------------------------------------- cron
    def replica_cron(self, now: float) -> None:
        if self.master_host is None:
            return
        cfg = self.engine.config.values
        link = self.link
        if link is None:
            if self._connect_handle is None and now - self.last_connect_try >= 1:
                self._connect()
            return
        if now - link.last_io > cfg["repl-timeout"]:
            self.log(WARNING, "MASTER timeout: no data nor PING received...")
            link.drop("timeout")
            return
        if link.state == CONNECTED:
            self.send_ack()

