"""A memcached client connection: an ``asyncio.Protocol`` like RespConnection.

The first byte picks the protocol for the connection's life, as memcached negotiates it:
0x80 is binary, anything else text (with ``memcached-sasl`` on, binary only). A read
(native/mcserve's ``serve``, the connection's ``data_received``) feeds the framing parser,
every complete request runs synchronously on the engine thread (``run_requests``), and the
replies of the whole read go out in one ``transport.write``.

When memcached closes a connection in the middle of a read (a bad binary magic byte, an
over-long text line, an HTTP request), it drops the replies it had not sent yet; it sends
at "flush points" (after a get, mn, noop, an error frame, and every 20 requests). We keep
the same points so the bytes a client sees before the close are the same.
"""

import asyncio
import socket
import time
from typing import Any, List, Optional, Tuple

from native.mcserve import REQS_PER_EVENT, ConnCore
from native.memcache import (
    B_CLOSE, B_ERR, B_REQ, BinaryParser, REQ_MAGIC, T_CLOSE, T_ERROR, T_LINE, T_META_SET,
    T_STORE, TextParser,
)

from .. import errors
from .binary import BinaryCommands
from .text import TextCommands

__all__ = ["MemcachedConnection"]

_HIGH_WATER = 256 * 1024
_LOW_WATER = 64 * 1024
_TOO_MANY = errors.MC_TOO_MANY_CONNECTIONS.encode() + b"\r\n"


class MemcachedConnection(ConnCore, TextCommands, BinaryCommands, asyncio.Protocol):
    """One memcached client (``data_received`` comes from ConnCore)."""

    def __init__(self, listener: Any) -> None:
        self.listener = listener
        st = self.st = listener.st
        self.engine = st.engine
        self.tracking = st.engine.tracking   # its ``active`` keeps sets off the native path
        self.store = st.store
        self.db = self.store.db
        self.stats = st.stats
        cfg = st.engine.config.values
        self.max_item_size = cfg["memcached-max-item-size"]
        self.sasl_required = cfg["memcached-sasl"]
        self.authenticated = False
        self.port = listener.port
        self.parser: Any = None
        self.binary = False
        self._handlers = self._text_handlers()
        self._out = bytearray()
        self._flushed = 0
        self._close_after = False
        self._opaque = 0
        self.closed = False
        self.registered = False
        self.transport: Any = None
        self.addr = self.laddr = ""
        self.fd = -1
        self.last_cmd_time = time.time()

    # -------------------------------------------------------------- lifecycle
    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        st = self.st
        peer = transport.get_extra_info("peername")
        local = transport.get_extra_info("sockname")
        self.addr = _fmt_addr(peer)
        self.laddr = _fmt_addr(local)
        sock = transport.get_extra_info("socket")
        if sock is not None:
            try:
                self.fd = sock.fileno()
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except (OSError, AttributeError):
                pass
        if st.curr_connections >= st.engine.config.values["memcached-max-connections"]:
            st.stats.rejected_connections += 1
            transport.write(_TOO_MANY)        # maxconns_fast: say so and hang up
            transport.close()
            self.closed = True
            return
        st.curr_connections += 1
        st.stats.total_connections += 1
        st.connections.add(self)
        self.registered = True
        transport.set_write_buffer_limits(_HIGH_WATER, _LOW_WATER)

    def connection_lost(self, exc: Optional[BaseException]) -> None:
        self.closed = True
        self._unregister()

    def _unregister(self) -> None:
        if self.registered:
            self.registered = False
            self.st.curr_connections -= 1
            self.st.connections.discard(self)

    def close(self) -> None:
        self.closed = True
        self._unregister()
        if self.transport is not None:
            self.transport.close()

    def pause_writing(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.pause_reading()

    def resume_writing(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.resume_reading()

    # -------------------------------------------------------------- reply control
    def flush_point(self) -> None:
        """memcached would send what is queued now (conn_mwrite)."""
        self._flushed = len(self._out)

    def close_after_write(self) -> None:
        self._close_after = True

    def close_now(self) -> None:
        """conn_closing: replies not yet flushed are dropped."""
        del self._out[self._flushed:]
        self._close_after = True

    def cluster_nodes(self) -> List[Tuple[str, str, int]]:
        nodes = self.st.membership.nodes
        if nodes:
            return nodes
        ip = self.laddr.rsplit(":", 1)[0] if self.laddr else "127.0.0.1"
        return [(socket.gethostname(), ip, self.port)]

    # -------------------------------------------------------------- input
    def choose_parser(self, data: bytes) -> Any:
        """The first read decides the protocol."""
        if data[0] == REQ_MAGIC or self.sasl_required:
            self.binary = True
            self.parser = BinaryParser(self.max_item_size, self.sasl_required)
        else:
            self.parser = TextParser(self.max_item_size)
        return self.parser

    def run_requests(self, reqs: List[tuple], out: bytearray, n: int, flushed: int) -> None:
        """Run a read's framed requests after the ``n`` (mod REQS_PER_EVENT) that serve()
        ran itself, whose replies are in ``out`` (sent up to ``flushed``); then send."""
        self._out = out
        self._flushed = flushed
        if len(reqs) == 1:
            # one request per read is the common case: no batching bookkeeping
            req = reqs[0]
            kind = req[0]
            if kind == T_LINE:
                tokens = req[1]
                handler = self._handlers.get(tokens[0]) if tokens else None
                if handler is not None:
                    handler(tokens)
                else:
                    self.run_line(tokens)
            elif kind == T_STORE:
                self.run_store(req)
            else:
                self._dispatch(req)
        else:
            for req in reqs:
                kind = req[0]
                if kind == T_LINE:
                    self.run_line(req[1])
                elif kind == T_STORE:
                    self.run_store(req)
                else:
                    self._dispatch(req)
                if self._close_after:
                    break
                n += 1
                if n == REQS_PER_EVENT:
                    n = 0
                    self._flushed = len(out)
        out = self._out
        if out:
            self.stats.bytes_written += len(out)
            self.transport.write(out)
        if self._close_after:
            self.close()

    def _dispatch(self, req: tuple) -> None:
        kind = req[0]
        if kind == B_REQ:
            self.run_bin(req)
        elif kind == T_META_SET:
            self.run_meta_set(req)
        elif kind == T_ERROR:
            self.run_error(req)
        elif kind == B_ERR:
            self.run_bin_error(req)
        elif kind == T_LINE:
            self.run_line(req[1])
        elif kind == T_STORE:
            self.run_store(req)
        else:           # T_CLOSE, B_CLOSE
            self.close_now()


def _fmt_addr(addr: Any) -> str:
    if isinstance(addr, tuple) and len(addr) >= 2:
        return "%s:%d" % (addr[0], addr[1])
    return str(addr or "")


assert B_CLOSE and T_CLOSE   # both close kinds are handled by the final branch above
