"""Listeners and the connection lifecycle on uvloop.

Each connection is an ``asyncio.Protocol`` (no coroutine or task per request): a read feeds
the parser, every complete command runs synchronously through ``Engine.call``, and the
replies of the whole read go out in one ``transport.write``. A client that stops reading
its replies stops being read (backpressure); a blocked client's later commands wait in
order.
"""

import asyncio
import collections
import itertools
import os
import signal
import socket
import threading
import time
from typing import Any, Deque, List, Optional

from protocols.resp import (
    ProtocolError, QueryBufferLimit, ReplyError, RequestParser, encode_into,
)

from . import errors
from .commands.table import lookup
from .connection import REPLY_ON, REPLY_SKIP, REPLY_SKIP_NEXT, Client
from native.dispatch import NOT_RUN
from native.dispatch import run as run_commands
from native.dispatch import serve as serve_batch

from .engine import Engine
from .memcached import start_memcached
from .output_limits import check as check_output_limits
from .tls import TLSListeners
from .replies import BLOCKED, NO_REPLY
from .log import NOTICE, VERBOSE, WARNING, Log

__all__ = ["Server", "ThreadedServer", "RespConnection", "serve"]

_NOT_STARTED = object()       # RespConnection._run: no kernel result to resume from
_HIGH_WATER = 256 * 1024       # pause reading a client whose unsent replies exceed this
_LOW_WATER = 64 * 1024

PROTECTED_MODE_DENIED = (
    b"-DENIED Redis is running in protected mode because protected mode is enabled and no "
    b"password is set for the default user. In this mode connections are only accepted from "
    b"the loopback interface. If you want to connect from external computers to Redis you "
    b"may adopt one of the following solutions: 1) Just disable protected mode sending the "
    b"command 'CONFIG SET protected-mode no' from the loopback interface by connecting to "
    b"Redis from the same host the server is running, however MAKE SURE Redis is not "
    b"publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change "
    b"permanent. 2) Alternatively you can just disable the protected mode by editing the "
    b"Redis configuration file, and setting the protected mode option to 'no', and then "
    b"restarting the server. 3) If you started the server manually just for testing, "
    b"restart it with the '--protected-mode no' option. 4) Setup a an authentication password "
    b"for the default user. NOTE: You only need to do one of the above things in order for "
    b"the server to start accepting connections from the outside.\r\n")


class RespConnection(Client, asyncio.Protocol):
    """A RESP client on a socket."""

    def __init__(self, engine: Engine, server: "Server", unix: bool = False) -> None:
        Client.__init__(self, engine)
        cfg = engine.config.values
        self.server = server
        self.unix = unix
        self.parser = RequestParser(cfg["proto-max-bulk-len"], cfg["client-query-buffer-limit"])
        self.transport: Any = None
        self.pending: Optional[Deque[List[bytes]]] = None   # commands waiting their turn
        self.pending_error: Optional[ProtocolError] = None
        self._out: Optional[bytearray] = None               # replies of the running batch
        self._write_paused = False
        self._read_paused = False
        self.closed = False

    # -------------------------------------------------------------- lifecycle
    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        eng = self.engine
        cfg = eng.config.values
        # limits as of now: a CONFIG SET since this object was built must apply to it too
        self.parser.max_bulk_len = cfg["proto-max-bulk-len"]
        self.parser.max_query_len = cfg["client-query-buffer-limit"]
        sock = transport.get_extra_info("socket")
        peer = transport.get_extra_info("peername")
        local = transport.get_extra_info("sockname")
        if self.unix:
            self.addr = "%s:0" % (local or "")
            self.laddr = self.addr
        else:
            self.addr = _fmt_addr(peer)
            self.laddr = _fmt_addr(local)
        if sock is not None:
            try:
                self.fd = sock.fileno()
            except (OSError, AttributeError):
                self.fd = -1
        if len(eng.clients) >= eng.config.values["maxclients"]:
            eng.stats.rejected_connections += 1
            transport.write(b"-%s\r\n" % errors.MAX_CLIENTS.encode())
            transport.close()
            self.closed = True
            return
        cfg = eng.config.values
        if (cfg["protected-mode"] and eng.acl.default.nopass and not self.unix
                and not _is_loopback(peer)):
            eng.stats.rejected_connections += 1
            transport.write(PROTECTED_MODE_DENIED)
            transport.close()
            self.closed = True
            return
        eng.register_client(self)
        transport.set_write_buffer_limits(_HIGH_WATER, _LOW_WATER)
        if sock is not None and not self.unix:
            _tune_socket(sock, cfg["tcp-keepalive"])

    def connection_lost(self, exc: Optional[BaseException]) -> None:
        if not self.closed:
            self.closed = True
            self.engine.unregister_client(self)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.engine.unregister_client(self)
        if self.transport is not None:
            self.transport.close()

    def close_asap(self) -> None:
        """freeClientAsync(): gone now, and what it still had to send is dropped."""
        if not self.closed:
            self.closed = True
            self.engine.unregister_client(self)
        if self.transport is not None:
            self.transport.abort()

    def pause_writing(self) -> None:
        self._write_paused = True
        self._set_reading()

    def resume_writing(self) -> None:
        self._write_paused = False
        self._set_reading()

    def _set_reading(self) -> None:
        # A blocked client is still read, as Redis does: its commands queue in ``pending``
        # and a disconnect is seen at once (a push must not be served to a dead client).
        want_pause = self._write_paused or (self.pending is not None and self.blocked is None)
        if want_pause != self._read_paused and self.transport is not None \
                and not self.transport.is_closing():
            self._read_paused = want_pause
            if want_pause:
                self.transport.pause_reading()
            else:
                self.transport.resume_reading()

    # -------------------------------------------------------------- input
    def data_received(self, data: bytes) -> None:
        # parse, run and reply (native/dispatch_py.py's serve() is the specification); what
        # needs more comes back to input_error(), received() and _run() below
        serve_batch(self, data)

    def input_error(self, data: bytes, err: ProtocolError) -> None:
        """The parser refused the input; the commands complete before the error still run."""
        if isinstance(err, QueryBufferLimit):
            self.server.log(WARNING, "Closing client that reached max query buffer length: "
                            "id=%d addr=%s (qbuf initial bytes: %r)"
                            % (self.id, self.addr, bytes(data[:64])))
        self.received(err.commands, err)

    def received(self, cmds: List[List[bytes]], err: Optional[ProtocolError]) -> None:
        if self.pending is not None:
            self.pending.extend(cmds)
            if err is not None:
                self.pending_error = err
            return
        self._run(cmds, err)

    def _run(self, cmds: List[List[bytes]], err: Optional[ProtocolError], i: int = 0,
             reply: Any = _NOT_STARTED, out: Optional[bytearray] = None) -> None:
        """Execute commands in order; replies go out in one write. The native kernel runs
        the common case; a command or reply that needs more (a paused server, a client in
        MULTI or another special state, BLOCKED, reply modes, closing) comes back here.
        serve() resumes here with where its kernel run stopped: ``(i, reply)`` as
        run_commands returned them, and the replies so far in ``out``."""
        if out is None:
            out = bytearray()
        self._out = out
        eng = self.engine
        n = len(cmds)
        try:
            while i < n or reply is not _NOT_STARTED:
                if reply is _NOT_STARTED:
                    i, reply = run_commands(eng, self, cmds, i, out)
                if reply is NOT_RUN:
                    if i >= n:
                        break
                    argv = cmds[i]
                    i += 1
                    if eng.pause_until and self._paused_by(argv):
                        self._park(cmds, i - 1, err)
                        return
                    reply = eng.call(self, argv)
                if reply is BLOCKED:
                    self._park(cmds, i, err)
                    return
                mode = self.reply_mode
                if mode == REPLY_ON:
                    if reply is not NO_REPLY:
                        encode_into(out, reply, self.resp)
                elif mode == REPLY_SKIP_NEXT:
                    self.reply_mode = REPLY_SKIP
                elif mode == REPLY_SKIP:
                    self.reply_mode = REPLY_ON
                if eng.tracking.pending:  # invalidations this command owes us: after its reply
                    eng.tracking.after_reply(self)
                reply = _NOT_STARTED
                if self.close_after_reply:
                    err = None
                    break
            if err is not None:
                if not isinstance(err, QueryBufferLimit):
                    eng.stats.count_error(err.text)
                    encode_into(out, ReplyError("ERR " + err.text), self.resp)
                    self.server.log(VERBOSE, "Protocol error (%s) from client: id=%d addr=%s"
                                    % (err.text, self.id, self.addr))
                self.close_after_reply = True
        finally:
            self._out = None
        self._flush(out)

    def _flush(self, out: bytearray) -> None:
        if out and not self.closed:
            self.engine.stats.total_net_output_bytes += len(out)
            self.engine.stats.total_writes_processed += 1
            self.transport.write(out)
            if self.transport.get_write_buffer_size():  # replies are piling up
                check_output_limits(self)
        if self.close_after_reply:
            self.close()

    def _park(self, cmds: List[List[bytes]], i: int, err: Optional[ProtocolError]) -> None:
        """Keep the unexecuted commands (from index i) until resume()."""
        self.pending = collections.deque(itertools.islice(cmds, i, None))
        self.pending_error = err
        if self.engine.tracking.pending:
            self.engine.tracking.after_reply(self)
        out = self._out
        self._out = None
        self._flush(out if out is not None else bytearray())
        self._set_reading()

    def _paused_by(self, argv: List[bytes]) -> bool:
        """CLIENT PAUSE: does this command wait? (ALL: every command; WRITE: writes)."""
        eng = self.engine
        if time.monotonic() >= eng.pause_until:
            eng.pause_until = 0.0
            return False
        if self.is_replica or self.is_master:
            return False
        if eng.pause_all:
            if self not in eng.paused_clients:
                eng.paused_clients.append(self)
            return True
        cmd = lookup(argv[0])
        if cmd is None or not (cmd.is_write or cmd.is_may_replicate):
            return False
        if self not in eng.paused_clients:
            eng.paused_clients.append(self)
        return True

    def resume(self) -> None:
        """Run the commands that waited (the client was unblocked or unpaused)."""
        if self.pending is None or self.closed:
            return
        cmds = self.pending
        err = self.pending_error
        self.pending = None
        self.pending_error = None
        self._set_reading()
        self.engine.now_ms = int(time.time() * 1000)
        self._run(list(cmds), err)

    # -------------------------------------------------------------- output
    def deliver(self, value: Any) -> None:
        """An out-of-band reply (pub/sub message, a blocked command's answer, MONITOR)."""
        if self.closed:
            return
        if self._out is not None:
            encode_into(self._out, value, self.resp)
            return
        out = bytearray()
        encode_into(out, value, self.resp)
        self._flush(out)

    def output_size(self) -> int:
        t = self.transport
        return t.get_write_buffer_size() if t is not None and not t.is_closing() else 0

    def query_buffer_size(self) -> int:
        return self.parser.pending()


def _fmt_addr(addr: Any) -> str:
    if isinstance(addr, tuple) and len(addr) >= 2:
        host = addr[0]
        if ":" in host:  # anetFormatAddr(): IPv6 in brackets
            return "[%s]:%d" % (host, addr[1])
        return "%s:%d" % (host, addr[1])
    return str(addr or "")


def _is_loopback(peer: Any) -> bool:
    if not isinstance(peer, tuple):
        return True
    host = peer[0]
    return host.startswith("127.") or host == "::1" or host.startswith("::ffff:127.")


def _tune_socket(sock: socket.socket, keepalive: int) -> None:
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if keepalive > 0:  # anetKeepAlive()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
            if hasattr(socket, "TCP_KEEPIDLE"):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, keepalive)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL,
                                max(1, keepalive // 3))
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, 3)
    except OSError:
        pass


class Server:
    """Puts an Engine on the network: ``async with Server(engine) as s: ...``.

    ``Server(port=7000)`` builds its own Engine from options. ``await s.serve_forever()``
    runs until SHUTDOWN or ``s.stop()``."""

    def __init__(self, engine: Optional[Engine] = None, log: Optional[Log] = None,
                 **options: Any) -> None:
        self.engine = engine if engine is not None else Engine(**options)
        cfg = self.engine.config.values
        self.log = log if log is not None else Log(cfg["logfile"], cfg["loglevel"])
        self.engine.config.on_change("loglevel", lambda _o, new: self.log.set_level(new))
        self.engine.config.on_change("proto-max-bulk-len", self._set_parser_limits)
        self.engine.config.on_change("client-query-buffer-limit", self._set_parser_limits)
        self._servers: List[Any] = []
        self._cron_handle: Any = None
        self._stopped: Optional[asyncio.Event] = None
        self.loop: Optional[asyncio.AbstractEventLoop] = None
        self.port = cfg["port"]
        self._last_client_check = 0.0

    # -------------------------------------------------------------- start/stop
    async def start(self) -> "Server":
        loop = asyncio.get_running_loop()
        self.loop = loop
        eng = self.engine
        eng.loop = loop
        eng.servers.append(self)
        eng.shutdown_requested = self._on_shutdown_command
        self._stopped = asyncio.Event()
        cfg = eng.config.values
        if not (cfg["port"] and cfg["bind"]) and not cfg["unixsocket"] \
                and not cfg["memcached-port"] and not (cfg["tls-port"] and cfg["bind"]):
            raise OSError("Configured to not listen anywhere, exiting.")
        for notice in eng.acl.startup_notices:
            self.log(NOTICE, notice)
        if not eng.persistence.startup(self.log):  # loadDataFromDisk(), before serving
            raise OSError("Could not load the dataset from disk, exiting.")
        if cfg["port"] and cfg["bind"]:
            await self._listen_tcp(cfg["bind"], cfg["port"], cfg["tcp-backlog"])
        self.tls = TLSListeners(self, lambda: RespConnection(eng, self))
        self._servers.append(self.tls)
        await self.tls.start()  # checks the TLS options whenever TLS is in use
        if cfg["unixsocket"]:
            path = cfg["unixsocket"]
            if os.path.exists(path):
                os.unlink(path)
            srv = await loop.create_unix_server(
                lambda: RespConnection(eng, self, unix=True), path, backlog=cfg["tcp-backlog"])
            if cfg["unixsocketperm"]:
                os.chmod(path, cfg["unixsocketperm"])
            self._servers.append(srv)
        if cfg["memcached-port"]:
            self._servers.append(await start_memcached(self))
        self._schedule_cron()
        self.log(NOTICE, "Ready to accept connections")
        eng.repl.start()  # the replication cron; connects to the master of ``replicaof``
        if getattr(eng, "sentinel", None) is not None:
            eng.sentinel.start()  # sentinel mode: the monitor's timer
        return self

    async def _listen_tcp(self, binds: List[str], port: int, backlog: int) -> None:
        loop = self.loop
        eng = self.engine
        bound = False
        for addr in binds:
            optional = addr.startswith("-")
            host = addr[1:] if optional else addr
            if host == "*":
                host = "0.0.0.0"
            try:
                srv = await loop.create_server(  # type: ignore[union-attr]
                    lambda: RespConnection(eng, self), host, port, backlog=backlog,
                    reuse_address=True)
            except OSError as e:
                if optional:
                    continue
                raise OSError(e.errno, "Could not create server TCP listening socket %s:%d: %s"
                              % (host, port, e.strerror)) from None
            self._servers.append(srv)
            bound = True
        if not bound:
            raise OSError("Failed listening on port %d (tcp), aborting." % port)

    async def stop(self) -> None:
        self.engine.repl.stop()
        if getattr(self.engine, "sentinel", None) is not None:
            self.engine.sentinel.stop()
        if self._cron_handle is not None:
            self._cron_handle.cancel()
            self._cron_handle = None
        for srv in self._servers:
            srv.close()
        for c in list(self.engine.clients.values()):
            c.close()
        for srv in self._servers:
            try:
                await asyncio.wait_for(srv.wait_closed(), 1.0)
            except (asyncio.TimeoutError, Exception):
                pass
        self._servers = []
        if self in self.engine.servers:
            self.engine.servers.remove(self)
        if self.engine.config.values["unixsocket"]:
            try:
                os.unlink(self.engine.config.values["unixsocket"])
            except OSError:
                pass
        if self._stopped is not None:
            self._stopped.set()

    async def serve_forever(self) -> None:
        if self._stopped is None:
            await self.start()
        await self._stopped.wait()  # type: ignore[union-attr]

    async def __aenter__(self) -> "Server":
        return await self.start()

    async def __aexit__(self, *exc: Any) -> None:
        await self.stop()

    def _set_parser_limits(self, _old: Any, _new: Any) -> None:
        """Parser limits follow CONFIG SET on open connections too, as in Redis."""
        cfg = self.engine.config.values
        for c in self.engine.clients.values():
            parser = getattr(c, "parser", None)
            if parser is not None:
                parser.max_bulk_len = cfg["proto-max-bulk-len"]
                parser.max_query_len = cfg["client-query-buffer-limit"]

    @property
    def sockets(self) -> List[Any]:
        return [s for srv in self._servers for s in srv.sockets]

    def _on_shutdown_command(self, save: Optional[bool] = None) -> None:
        self.log(WARNING, "User requested shutdown...")
        self.engine.persistence.before_exit()  # the final snapshot, when configured
        self.log(WARNING, "Redis is now ready to exit, bye bye...")
        assert self.loop is not None
        self.loop.call_soon(lambda: asyncio.ensure_future(self.stop()))

    # -------------------------------------------------------------- cron
    def _schedule_cron(self) -> None:
        hz = self.engine.config.values["hz"]
        self._cron_handle = self.loop.call_later(1.0 / hz, self._cron)  # type: ignore

    def _cron(self) -> None:
        eng = self.engine
        try:
            eng.cron()
            now = time.time()
            if now - self._last_client_check >= 1.0:
                self._last_client_check = now
                self._clients_cron(now)
            if eng.pause_until and time.monotonic() >= eng.pause_until:
                unpause(eng)
        except Exception as e:  # the cron must survive a bug in one of its jobs
            self.log(WARNING, "cron error: %r" % (e,))
        self._schedule_cron()

    def _clients_cron(self, now: float) -> None:
        """clientsCronHandleTimeout(): close idle clients after ``timeout`` seconds."""
        timeout = self.engine.config.values["timeout"]
        if not timeout:
            return
        for c in list(self.engine.clients.values()):
            if (isinstance(c, RespConnection) and not c.is_replica and not c.is_master
                    and c.blocked is None and not c.subscribed
                    and now - c.last_interaction > timeout):
                self.log(VERBOSE, "Closing idle client")
                c.close()


def unpause(engine: Engine) -> None:
    """End CLIENT PAUSE and let the clients that waited carry on, in arrival order."""
    engine.pause_until = 0.0
    waiting = engine.paused_clients
    engine.paused_clients = []
    for c in waiting:
        c.resume()


class ThreadedServer:
    """A Server on its own event loop thread, for synchronous code and tests:
    ``with ThreadedServer(port=7000) as s: redis.Redis(port=s.port)``."""

    def __init__(self, engine: Optional[Engine] = None, **options: Any) -> None:
        self.server = Server(engine, **options)
        self.engine = self.server.engine
        self.port = self.server.port
        self._thread: Optional[threading.Thread] = None
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._ready = threading.Event()
        self._error: Optional[BaseException] = None

    def start(self) -> "ThreadedServer":
        self._thread = threading.Thread(target=self._main, name="strata-server", daemon=True)
        self._thread.start()
        self._ready.wait(10)
        if self._error is not None:
            raise self._error
        return self

    def _main(self) -> None:
        loop = new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self.server.start())
        except BaseException as e:  # report start-up failures to the caller
            self._error = e
            self._ready.set()
            return
        self._ready.set()
        loop.run_until_complete(self.server.serve_forever())
        loop.close()

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None and self._thread.is_alive():
            asyncio.run_coroutine_threadsafe(self.server.stop(), self._loop)
            self._thread.join(5)

    def __enter__(self) -> "ThreadedServer":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def new_event_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop
        return uvloop.new_event_loop()
    except ImportError:  # pragma: no cover - uvloop is a dependency; keep working without
        return asyncio.new_event_loop()


def serve(engine: Engine, log: Optional[Log] = None) -> int:
    """Run a server in the foreground until SIGTERM/SIGINT or SHUTDOWN; returns exit code."""
    loop = new_event_loop()
    asyncio.set_event_loop(loop)
    server = Server(engine, log=log)

    def on_signal(signame: str) -> None:
        server.log(WARNING, "Received %s scheduling shutdown..." % signame)
        if not server.engine.persistence.prepare_shutdown():
            server.log(WARNING, "Errors trying to shut down the server. Check the logs for "
                                "more information.")
            return  # the save failed: keep serving, as Redis does
        asyncio.ensure_future(server.stop())

    for sig, name in ((signal.SIGTERM, "SIGTERM"), (signal.SIGINT, "SIGINT")):
        loop.add_signal_handler(sig, on_signal, name)
    try:
        loop.run_until_complete(server.start())
    except OSError as e:
        server.log(WARNING, str(e))
        return 1
    try:
        loop.run_until_complete(server.serve_forever())
    finally:
        loop.close()
    server.log(NOTICE, "Redis is now ready to exit, bye bye...")
    return 0

