"""Per-client state: selected db, user, RESP version, MULTI queue, WATCHed keys,
subscriptions, reply mode, blocking. Network connections (engine/server.py) and the
embedded client of ``Engine.execute`` both are Clients.
"""

import time
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple

from native.dispatch import ClientCore

from .tracking import BCAST, BROKEN_REDIR

if TYPE_CHECKING:  # pragma: no cover
    from .engine import Engine
    from .keyspace import Database

__all__ = ["Client", "EmbeddedClient", "unwatch_all", "REPLY_ON", "REPLY_OFF", "REPLY_SKIP", "REPLY_SKIP_NEXT"]

REPLY_ON, REPLY_OFF, REPLY_SKIP, REPLY_SKIP_NEXT = 0, 1, 2, 3


class Client(ClientCore):
    """A client of the engine. Subclasses that own a socket override ``deliver`` (write
    out-of-band replies: pub/sub messages, a blocked command's late reply) and ``close``.

    The state the dispatcher's hot path reads (resp, multi, authenticated, in_pubsub,
    restricted, reply_mode, close_after_reply, folded into ``attention``) lives in
    ``ClientCore``; set those attributes normally, the setters keep ``attention`` right."""

    kind = "normal"

    def __init__(self, engine: "Engine") -> None:
        ClientCore.__init__(self)
        self.engine = engine
        self.id = engine.next_client_id()
        self.db: "Database" = engine.dbs[0]
        self.resp = 2
        self.name: Optional[bytes] = None
        self.lib_name = b""
        self.lib_ver = b""
        self.user: Any = None             # the ACL User (engine/acl.py)
        engine.acl.set_default_auth(self)  # default user; authenticated if it has nopass
        self.created = time.time()
        self.last_interaction = self.created
        self.reply_mode = REPLY_ON
        # MULTI: the queue of (command, argv) while open, else None
        self.multi: Optional[List[Tuple[Any, List[bytes]]]] = None
        self.multi_error = False          # a queued command was rejected: EXEC aborts
        self.dirty_cas = False            # a WATCHed key changed: EXEC returns null
        self.watched: List[Tuple["Database", bytes]] = []
        # subscriptions, insertion-ordered (PUNSUBSCRIBE without arguments goes in order)
        self.channels: Optional[Dict[bytes, None]] = None
        self.patterns: Optional[Dict[bytes, None]] = None
        self.shard_channels: Optional[Dict[bytes, None]] = None
        self.in_pubsub = False            # subscribed to anything (kept by pub/sub)
        self.propagate_argv: Optional[List[bytes]] = None  # a handler's rewrite for replicas
        self.blocked: Any = None          # the Waiter while blocked (engine/blocking.py)
        self.can_block = True
        self.close_after_reply = False
        self.last_cmd: Any = None         # the Command running or last run (CLIENT LIST)
        self.in_monitor = False
        self.no_evict = False
        self.is_replica = False
        self.is_master = False
        self.addr = ""
        self.laddr = ""
        self.fd = -1
        self.obuf_peak = 0
        self.obuf_soft_since = 0          # when the output went over its soft limit (s)
        # client-side caching (engine/tracking.py); ``tracking`` itself is in ClientCore
        self.tracking_flags = 0
        self.tracking_redirect = 0
        self.tracking_prefixes: Optional[Dict[bytes, None]] = None

    # ------------------------------------------------------------- subscriptions
    def subscription_count(self) -> int:
        return ((len(self.channels) if self.channels else 0)
                + (len(self.patterns) if self.patterns else 0))

    @property
    def subscribed(self) -> bool:
        return bool(self.channels or self.patterns or self.shard_channels)

    # ------------------------------------------------------------- output
    def deliver(self, value: Any) -> None:
        """Send a reply outside the request/reply cycle (pub/sub, a late blocked reply)."""
        raise NotImplementedError

    def resume(self) -> None:
        """Carry on with commands that waited (after unblocking or CLIENT UNPAUSE)."""

    def output_size(self) -> int:
        return 0

    def close(self) -> None:
        """Disconnect (CLIENT KILL, timeouts, QUIT after the reply)."""
        self.engine.unregister_client(self)

    def close_asap(self) -> None:
        """Disconnect dropping any output still pending (output buffer limits)."""
        self.close()

    # ------------------------------------------------------------- reporting
    def flags_string(self) -> str:
        f = ""
        if self.in_monitor:
            f += "O"
        elif self.is_replica:
            f += "S"
        if self.is_master:
            f += "M"
        if self.subscribed:
            f += "P"
        if self.multi is not None:
            f += "x"
        if self.blocked is not None:
            f += "b"
        if self.tracking:
            f += "t"
        if self.tracking_flags & BROKEN_REDIR:
            f += "R"
        if self.tracking_flags & BCAST:
            f += "B"
        if self.dirty_cas:
            f += "d"
        if self.close_after_reply:
            f += "c"
        if getattr(self, "unix", False):
            f += "U"
        if self.no_evict:
            f += "e"
        return f or "N"

    def info_line(self) -> str:
        """One line of CLIENT LIST / CLIENT INFO, fields in Redis 7.0's order."""
        now = time.time()
        multi = len(self.multi) if self.multi is not None else -1
        sub = len(self.channels) if self.channels else 0
        psub = len(self.patterns) if self.patterns else 0
        ssub = len(self.shard_channels) if self.shard_channels else 0
        name = (self.name or b"").decode("utf-8", "surrogateescape")
        cmd = self.last_cmd.fullname if self.last_cmd is not None else "NULL"
        qbuf = self.query_buffer_size()
        return ("id=%d addr=%s laddr=%s fd=%d name=%s age=%d idle=%d flags=%s db=%d sub=%d "
                "psub=%d ssub=%d multi=%d qbuf=%d qbuf-free=%d argv-mem=0 multi-mem=0 "
                "rbs=1024 rbp=0 obl=0 oll=0 omem=%d tot-mem=%d events=r cmd=%s user=%s "
                "redir=%d resp=%d"
                % (self.id, self.addr, self.laddr, self.fd, name, int(now - self.created),
                   int(now - self.last_interaction), self.flags_string(), self.db.id, sub,
                   psub, ssub, multi, qbuf, 0, self.output_size(),
                   1024 + qbuf + self.output_size(), cmd,
                   self.user.name.decode("utf-8", "surrogateescape"),
                   self.tracking_redirect if self.tracking else -1, self.resp))

    def query_buffer_size(self) -> int:
        return 0


class EmbeddedClient(Client):
    """The in-process client behind ``Engine.execute``: out-of-band replies are kept in
    ``pending_out`` until the embedding code collects them."""

    kind = "embedded"

    def __init__(self, engine: "Engine", resp: int = 3) -> None:
        super().__init__(engine)
        self.resp = resp
        self.can_block = False  # nothing would wake a caller waiting in execute()
        self.addr = self.laddr = "embedded:0"
        self.pending_out: List[Any] = []

    def deliver(self, value: Any) -> None:
        self.pending_out.append(value)


def unwatch_all(c: Client) -> None:
    """Forget every key the client WATCHes."""
    for db, key, _expired in c.watched:
        clients = db.watched.get(key)
        if clients is not None:
            clients.discard(c)
            if not clients:
                del db.watched[key]
    c.watched = []
