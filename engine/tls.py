"""TLS: the ``tls-*`` options, the SSLContext they describe (Redis's tlsConfigure /
createSSLContext) and the TLS listeners beside the plain ones.

``tls-port`` opens TLS listeners on the ``bind`` addresses; ``tls-replication`` makes the
replica's link to its master TLS (engine/replication/replica.py uses ``client_context()``);
``tls-cluster``, with no cluster bus in Strata, does what it does in a Redis without
cluster-enabled: it requires the CA options. A change of a ``tls-*`` option while TLS is
in use rebuilds the context (a failure refuses the CONFIG SET, as Redis's applyTlsCfg)
and new connections use the new one; established connections keep theirs.

Python's ssl module has no API for TLS 1.3 cipher suites or the server's session cache:
``tls-ciphersuites``, ``tls-session-caching``, ``tls-session-cache-size`` and
``tls-session-cache-timeout`` are applied to the context's SSL_CTX through libssl (the
library the ssl module itself is linked to), as Redis's createSSLContext does.
"""

import asyncio
import ctypes
import socket
import ssl
import warnings
from typing import TYPE_CHECKING, Any, Callable, List, Optional, Tuple

from .config import ConfigError, Option, OPTIONS, register

if TYPE_CHECKING:  # pragma: no cover
    from .server import Server

__all__ = ["TLSError", "server_context", "client_context", "TLSListeners"]

UPDATE_FAILED = "Unable to update TLS configuration. Check server logs."
CONFIGURE_FAILED = "Failed to configure TLS. Check logs for more info."

_PROTOCOLS = {"tlsv1": "TLSv1", "tlsv1.1": "TLSv1_1", "tlsv1.2": "TLSv1_2",
              "tlsv1.3": "TLSv1_3"}
_NO_FLAG = {"TLSv1": "OP_NO_TLSv1", "TLSv1_1": "OP_NO_TLSv1_1", "TLSv1_2": "OP_NO_TLSv1_2",
            "TLSv1_3": "OP_NO_TLSv1_3"}
_DEFAULT_PROTOCOLS = ("TLSv1_2", "TLSv1_3")


class TLSError(Exception):
    """The TLS configuration is unusable; the text is the line Redis logs."""


def _protocols(text: str) -> List[str]:
    """parseProtocolsConfig(): space-separated names (a doubled space is an error)."""
    if not text:
        return list(_DEFAULT_PROTOCOLS)
    out = []
    for token in text.split(" "):
        name = _PROTOCOLS.get(token.lower())
        if name is None:
            raise TLSError("Invalid tls-protocols specified. Use a combination of 'TLSv1', "
                           "'TLSv1.1', 'TLSv1.2' and 'TLSv1.3'.")
        out.append(name)
    return out


def _base_context(cfg: Any, purpose: ssl.Purpose, cert: str, key: str, password: str,
                  protocols: List[str]) -> ssl.SSLContext:
    """createSSLContext(): protocols, certificate, key, CAs, ciphers."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER if purpose is ssl.Purpose.CLIENT_AUTH
                         else ssl.PROTOCOL_TLS_CLIENT)
    with warnings.catch_warnings():  # the OP_NO_* flags are how Redis says it, too
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
        ctx.maximum_version = ssl.TLSVersion.MAXIMUM_SUPPORTED
        for name, flag in _NO_FLAG.items():
            if name not in protocols and hasattr(ssl, flag):
                ctx.options |= getattr(ssl, flag)
    ctx.options |= ssl.OP_NO_COMPRESSION
    try:
        ctx.load_cert_chain(cert, key, password=password or None)
    except (ssl.SSLError, OSError) as e:
        if _cert_loads(cert):
            raise TLSError("Failed to load private key: %s: %s" % (key, _why(e))) from None
        raise TLSError("Failed to load certificate: %s: %s" % (cert, _why(e))) from None
    cafile, cadir = cfg["tls-ca-cert-file"], cfg["tls-ca-cert-dir"]
    if cafile or cadir:
        try:
            ctx.load_verify_locations(cafile or None, cadir or None)
        except (ssl.SSLError, OSError) as e:
            raise TLSError("Failed to configure CA certificate(s) file/directory: %s"
                           % _why(e)) from None
    if cfg["tls-ciphers"]:
        try:
            ctx.set_ciphers(cfg["tls-ciphers"])
        except ssl.SSLError:
            raise TLSError("Failed to configure ciphers: %s" % cfg["tls-ciphers"]) from None
    suites = cfg["tls-ciphersuites"]
    if suites:
        lib, ptr = _ssl_ctx(ctx)
        if not lib.SSL_CTX_set_ciphersuites(ptr, suites.encode()):
            raise TLSError("Failed to configure ciphersuites: %s" % suites)
    return ctx


# libssl's SSL_CTX controls (ssl.h macros over SSL_CTX_ctrl)
_SET_SESS_CACHE_SIZE, _SET_SESS_CACHE_MODE = 42, 44
_SESS_CACHE_OFF, _SESS_CACHE_SERVER = 0, 2
_LIBSSL: Optional[ctypes.CDLL] = None


def _libssl() -> ctypes.CDLL:
    """The libssl already loaded by the ssl module (the same library instance)."""
    global _LIBSSL
    if _LIBSSL is None:
        path = None
        with open("/proc/self/maps") as f:
            for line in f:
                name = line.split()[-1]
                if "/libssl.so" in name:
                    path = name
                    break
        if path is None:
            raise TLSError("libssl not found for the TLS session and cipher suite options")
        lib = ctypes.CDLL(path)
        lib.SSL_CTX_get_options.restype = ctypes.c_uint64
        lib.SSL_CTX_get_options.argtypes = [ctypes.c_void_p]
        lib.SSL_CTX_ctrl.restype = ctypes.c_long
        lib.SSL_CTX_ctrl.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_long,
                                     ctypes.c_void_p]
        lib.SSL_CTX_set_timeout.restype = ctypes.c_long
        lib.SSL_CTX_set_timeout.argtypes = [ctypes.c_void_p, ctypes.c_long]
        lib.SSL_CTX_set_ciphersuites.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
        lib.SSL_CTX_set_session_id_context.argtypes = [ctypes.c_void_p, ctypes.c_char_p,
                                                       ctypes.c_uint]
        _LIBSSL = lib
    return _LIBSSL


def _ssl_ctx(ctx: ssl.SSLContext) -> Tuple[ctypes.CDLL, int]:
    """libssl and the SSL_CTX pointer of ``ctx`` (CPython's PySSLContext keeps it right
    after the object header; the options read through it must be the context's)."""
    lib = _libssl()
    ptr = ctypes.c_void_p.from_address(id(ctx) + object.__basicsize__).value
    if not ptr or lib.SSL_CTX_get_options(ptr) != ctx.options:
        raise TLSError("Cannot reach the SSL_CTX of the ssl module's context")
    return lib, ptr


def _session_cache(ctx: ssl.SSLContext, cfg: Any) -> None:
    """createSSLContext()'s session cache: server-side cache of the configured size and
    timeout, or none."""
    lib, ptr = _ssl_ctx(ctx)
    if cfg["tls-session-caching"]:
        lib.SSL_CTX_ctrl(ptr, _SET_SESS_CACHE_MODE, _SESS_CACHE_SERVER, None)
        lib.SSL_CTX_ctrl(ptr, _SET_SESS_CACHE_SIZE, cfg["tls-session-cache-size"], None)
        lib.SSL_CTX_set_timeout(ptr, cfg["tls-session-cache-timeout"])
        lib.SSL_CTX_set_session_id_context(ptr, b"redis", 5)
    else:  # Redis sets no session id context then (the ssl module sets one of its own)
        lib.SSL_CTX_ctrl(ptr, _SET_SESS_CACHE_MODE, _SESS_CACHE_OFF, None)
        lib.SSL_CTX_set_session_id_context(ptr, b"", 0)


def _cert_loads(path: str) -> bool:
    try:
        ssl._ssl._test_decode_cert(path)  # type: ignore[attr-defined]
        return True
    except Exception:
        return False


def _why(e: BaseException) -> str:
    return getattr(e, "reason", None) or getattr(e, "strerror", None) or str(e)


def server_context(cfg: Any) -> ssl.SSLContext:
    """tlsConfigure(): the context of the TLS listeners; TLSError when unusable."""
    if not cfg["tls-cert-file"]:
        raise TLSError("No tls-cert-file configured!")
    if not cfg["tls-key-file"]:
        raise TLSError("No tls-key-file configured!")
    if ((cfg["tls-auth-clients"] != "no" or cfg["tls-cluster"] or cfg["tls-replication"])
            and not cfg["tls-ca-cert-file"] and not cfg["tls-ca-cert-dir"]):
        raise TLSError("Either tls-ca-cert-file or tls-ca-cert-dir must be specified when "
                       "tls-cluster, tls-replication or tls-auth-clients are enabled!")
    protocols = _protocols(cfg["tls-protocols"])
    ctx = _base_context(cfg, ssl.Purpose.CLIENT_AUTH, cfg["tls-cert-file"],
                        cfg["tls-key-file"], cfg["tls-key-file-pass"], protocols)
    ctx.verify_mode = {"yes": ssl.CERT_REQUIRED, "optional": ssl.CERT_OPTIONAL,
                       "no": ssl.CERT_NONE}[cfg["tls-auth-clients"]]
    _session_cache(ctx, cfg)
    if hasattr(ssl, "OP_NO_RENEGOTIATION"):
        ctx.options |= ssl.OP_NO_RENEGOTIATION
    if cfg["tls-prefer-server-ciphers"]:
        ctx.options |= ssl.OP_CIPHER_SERVER_PREFERENCE
    if cfg["tls-dh-params-file"]:
        try:
            ctx.load_dh_params(cfg["tls-dh-params-file"])
        except (ssl.SSLError, OSError) as e:
            raise TLSError("Failed to load DH params file: %s: %s"
                           % (cfg["tls-dh-params-file"], _why(e))) from None
    return ctx


def client_context(cfg: Any) -> ssl.SSLContext:
    """The context of outgoing links (tls-replication, tls-cluster): the client
    certificate when configured (tls-client-cert-file), else the server's."""
    protocols = _protocols(cfg["tls-protocols"])
    cert = cfg["tls-client-cert-file"] or cfg["tls-cert-file"]
    key = cfg["tls-client-key-file"] or cfg["tls-key-file"]
    password = cfg["tls-client-key-file-pass"] if cfg["tls-client-cert-file"] \
        else cfg["tls-key-file-pass"]
    ctx = _base_context(cfg, ssl.Purpose.SERVER_AUTH, cert, key, password, protocols)
    ctx.check_hostname = False  # Redis verifies the chain, not the name
    ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx


def tls_in_use(cfg: Any) -> bool:
    return bool(cfg["tls-port"] or cfg["tls-replication"] or cfg["tls-cluster"])


# ===================================================================== listeners
class TLSListeners:
    """The TLS listening sockets of one Server, rebuilt when the context or port changes
    (the listening socket is bound synchronously, so CONFIG SET can report a failure)."""

    def __init__(self, server: "Server", factory: Callable[[], asyncio.Protocol]) -> None:
        self.server = server
        self.factory = factory
        self.ctx: Optional[ssl.SSLContext] = None
        self.listening: List[socket.socket] = []   # ours; each server serves a copy
        self.servers: List[Any] = []
        self.port = 0
        cfg = server.engine.config
        for name in OPTIONS:
            if name.startswith("tls-") and name != "tls-port":
                cfg.on_change(name, self._option_changed)
        cfg.on_change("tls-port", self._port_changed)

    async def start(self) -> None:
        """tlsConfigure() at startup whenever TLS is in use (tls-port, tls-replication or
        tls-cluster): an unusable configuration stops the server; listeners if tls-port."""
        cfg = self.server.engine.config.values
        if not tls_in_use(cfg):
            return
        try:
            self.ctx = server_context(cfg)
            if cfg["tls-replication"] or cfg["tls-cluster"]:
                client_context(cfg)
        except TLSError as e:
            self._warn(str(e))
            raise OSError(CONFIGURE_FAILED) from None
        if cfg["tls-port"] and cfg["bind"]:
            self.listening = self._bind(cfg["tls-port"])
            await self._serve()

    def _bind(self, port: int) -> List[socket.socket]:
        """Listening sockets on every ``bind`` address ("-" prefixed: optional)."""
        cfg = self.server.engine.config.values
        socks = []
        for addr in cfg["bind"]:
            optional = addr.startswith("-")
            host = addr[1:] if optional else addr
            if host == "*":
                host = "0.0.0.0"
            try:
                infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                           flags=socket.AI_PASSIVE)
                family, kind, proto, _, sockaddr = infos[0]
                s = socket.socket(family, kind, proto)
                try:
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                    if family == socket.AF_INET6:
                        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
                    s.bind(sockaddr)
                    s.listen(cfg["tcp-backlog"])
                    s.setblocking(False)
                except OSError:
                    s.close()
                    raise
            except OSError as e:
                if optional:
                    continue
                for other in socks:
                    other.close()
                raise OSError(getattr(e, "errno", None),
                              "Could not create server TLS listening socket %s:%d: %s"
                              % (host, port, e.strerror or e)) from None
            socks.append(s)
        if not socks:
            raise OSError("Failed listening on port %d (tls), aborting." % port)
        return socks

    async def _serve(self) -> None:
        loop = asyncio.get_running_loop()
        backlog = self.server.engine.config.values["tcp-backlog"]
        for s in self.listening:
            srv = await loop.create_server(self.factory, sock=s.dup(), ssl=self.ctx,
                                           backlog=backlog)
            self.servers.append(srv)
        self.port = self.server.engine.config.values["tls-port"]

    def _close_servers(self) -> None:
        for srv in self.servers:
            srv.close()
        self.servers = []

    def close(self) -> None:
        self._close_servers()
        for s in self.listening:
            s.close()
        self.listening = []

    async def wait_closed(self) -> None:
        for srv in list(self.servers):
            await srv.wait_closed()

    def _warn(self, msg: str) -> None:
        from .log import WARNING
        self.server.log(WARNING, msg)

    @property
    def sockets(self) -> List[Any]:
        return [s for srv in self.servers for s in srv.sockets]

    # ------------------------------------------------------------------ CONFIG SET
    def _option_changed(self, _old: Any, _new: Any) -> None:
        cfg = self.server.engine.config.values
        if not tls_in_use(cfg):
            return
        try:
            ctx = server_context(cfg)
            if cfg["tls-replication"] or cfg["tls-cluster"]:
                client_context(cfg)
        except TLSError as e:
            self._warn(str(e))
            raise ConfigError(UPDATE_FAILED) from None
        self.ctx = ctx
        if self.listening:
            self._restart()

    def _port_changed(self, _old: Any, new: Any) -> None:
        if self.server.loop is None:
            return
        if not new:
            self.close()
            self.port = 0
            return
        cfg = self.server.engine.config.values
        try:
            ctx = server_context(cfg)
        except TLSError as e:
            self._warn(str(e))
            raise ConfigError(UPDATE_FAILED) from None
        try:
            socks = self._bind(new)
        except OSError as e:
            self._warn(str(e))
            raise ConfigError("Unable to listen on this port. Check server logs.") from None
        self.close()
        self.ctx = ctx
        self.listening = socks
        self._restart()

    def _restart(self) -> None:
        """Serve our listening sockets (they keep queueing connections meanwhile) with the
        current context; established connections are not touched."""
        self._close_servers()
        loop = self.server.loop
        assert loop is not None
        loop.create_task(self._serve())


def _register() -> None:
    if "tls-port" in OPTIONS:
        return
    R = register
    R(Option("tls-port", "int", 0, minimum=0, maximum=65535))
    for name in ("tls-cert-file", "tls-key-file", "tls-key-file-pass", "tls-client-cert-file",
                 "tls-client-key-file", "tls-client-key-file-pass", "tls-dh-params-file",
                 "tls-ca-cert-file", "tls-ca-cert-dir", "tls-protocols", "tls-ciphers",
                 "tls-ciphersuites"):
        R(Option(name, "string", ""))
    R(Option("tls-auth-clients", "enum", "yes", choices=("no", "yes", "optional")))
    R(Option("tls-prefer-server-ciphers", "bool", False))
    R(Option("tls-session-caching", "bool", True))
    R(Option("tls-session-cache-size", "int", 20 * 1024, minimum=0, maximum=2 ** 31 - 1))
    R(Option("tls-session-cache-timeout", "int", 300, minimum=0, maximum=2 ** 31 - 1))
    R(Option("tls-replication", "bool", False))
    R(Option("tls-cluster", "bool", False))


_register()
