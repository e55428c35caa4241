"""Client-side caching: key tracking and invalidation messages (Redis 7.0's tracking.c).

A client turns tracking on with CLIENT TRACKING (engine/commands/tracking.py). From then
on its commands go through ``Engine.call`` (``ClientCore.tracking`` asks the native path
for attention), which lets this module see them:

* default mode: every key a read-only command of the client names is remembered in one
  table, key -> client ids, shared by all databases as in Redis (OPTIN/OPTOUT with CLIENT
  CACHING decide per command). The first change to a remembered key (``Database.
  signal_modified``: every write, expiry and eviction) sends ``invalidate [key]`` to each
  client that had it and forgets the entry.
* BCAST mode: nothing is remembered; a changed key matching a registered prefix is
  collected, and once the event loop is done with the current input (Redis's beforeSleep)
  every client of that prefix gets one ``invalidate [keys...]`` message.

Messages are RESP3 pushes on the client's own connection, or go to the REDIRECT client: a
push if it speaks RESP3, else a Pub/Sub message on ``__redis__:invalidate`` when it is
subscribed to anything (RESP2 cannot push otherwise). A redirect client that went away
gets the tracking client a ``tracking-redir-broken`` push (RESP3) instead.

A message for the client whose command is running waits until that command's reply went
out (``pending``; the connection flushes it with ``after_reply``), so an invalidation never
precedes the reply of the write that caused it. FLUSHALL, FLUSHDB and a dataset reload
(DEBUG RELOAD, a replica's full sync) send a null key list to every tracking client and
empty the table; past tracking-table-max-keys keys, the oldest entries are dropped with
an invalidation, as if they changed (Redis picks them at random).

While anything is tracked, the native handlers of the hottest writes must not run: they
skip ``signal_modified``. ``Engine.restrict_fast_path`` sends those commands through
``Engine.call`` and the Python handlers until nothing is tracked any more.
"""

from typing import TYPE_CHECKING, Any, Dict, List, Optional

from native.dispatch_common import FAST_PATHS

from .config import Option, register
from .replies import Push, ReplyError, SetReply

if TYPE_CHECKING:  # pragma: no cover
    from .commands.table import Command
    from .connection import Client
    from .engine import Engine

__all__ = ["Tracking", "BCAST", "OPTIN", "OPTOUT", "NOLOOP", "CACHING", "BROKEN_REDIR",
           "CHANNEL"]

# Client.tracking_flags (Redis's CLIENT_TRACKING_* bits besides CLIENT_TRACKING itself,
# which is ClientCore.tracking)
BCAST, OPTIN, OPTOUT, NOLOOP, CACHING, BROKEN_REDIR = 1, 2, 4, 8, 16, 32
CHANNEL = b"__redis__:invalidate"
# Read-only commands whose own keys are not remembered: the keys of the commands their
# scripts run are (as the script caller's declared keys), see ``remember_nested``.
_SCRIPT_RO = frozenset(("eval_ro", "evalsha_ro", "fcall_ro"))

register(Option("tracking-table-max-keys", "int", 1000000, minimum=0, maximum=(1 << 63) - 1))


class _Prefix:
    """bcastState: the keys changed under one prefix since the last broadcast (key -> the
    tracking client that changed it, for NOLOOP) and the BCAST clients of the prefix."""

    __slots__ = ("keys", "clients")

    def __init__(self) -> None:
        self.keys: Dict[bytes, Any] = {}
        self.clients: Dict["Client", None] = {}


def _keep(cmd: "Command") -> bool:
    """The commands the native fast path may still run while keys are tracked: all but
    the writes it has native handlers for."""
    return cmd.name not in FAST_PATHS or "write" not in cmd.flags


def _id_order(cid: int) -> bytes:
    """Redis's rax of client ids holds the ids' native (little-endian) bytes."""
    return cid.to_bytes(8, "little")


class Tracking:
    """The tracking state of one engine."""

    __slots__ = ("engine", "table", "items", "prefixes", "clients", "active", "current",
                 "pending", "broadcast_due", "limit_effort")

    def __init__(self, engine: "Engine") -> None:
        self.engine = engine
        self.table: Dict[bytes, Dict[int, None]] = {}  # key -> ids of clients that read it
        self.items = 0                                 # ids over all keys (TotalItems)
        self.prefixes: Dict[bytes, _Prefix] = {}
        self.clients = 0                               # clients with tracking on
        self.active = False                            # any of the three above
        self.current: Optional["Client"] = None        # tracking client in Engine.call
        self.pending: List[tuple] = []                 # (client, key or None for a flush)
        self.broadcast_due = False
        self.limit_effort = 0                          # trackingLimitUsedSlots' counter

    def _refresh(self) -> None:
        """Keep ``active`` (Database's cheap test) and the fast-path restriction right."""
        active = bool(self.clients or self.table or self.prefixes)
        if active != self.active:
            self.active = active
            self.engine.restrict_fast_path("tracking", _keep if active else None)

    # ------------------------------------------------------------------ client state
    def enable(self, c: "Client", redirect: int, options: int, prefixes: List[bytes]) -> None:
        """enableTracking(): ON again keeps the BCAST prefixes and resets the rest."""
        if not c.tracking:
            self.clients += 1
            c.tracking = True
        c.tracking_flags = (c.tracking_flags & CACHING) | options & (BCAST | OPTIN | OPTOUT
                                                                     | NOLOOP)
        c.tracking_redirect = redirect
        if options & BCAST:
            for p in prefixes or [b""]:
                st = self.prefixes.get(p)
                if st is None:
                    st = self.prefixes[p] = _Prefix()
                if c not in st.clients:
                    st.clients[c] = None
                    if c.tracking_prefixes is None:
                        c.tracking_prefixes = {}
                    c.tracking_prefixes[p] = None
        self._refresh()

    def disable(self, c: "Client") -> None:
        """disableTracking(): the client's keys stay in the table until they change."""
        if c.tracking_flags & BCAST:
            for p in c.tracking_prefixes or ():
                st = self.prefixes[p]
                del st.clients[c]
                if not st.clients:
                    del self.prefixes[p]
            c.tracking_prefixes = None
        if c.tracking:
            self.clients -= 1
            c.tracking = False
            c.tracking_flags = 0
        self._refresh()

    # ------------------------------------------------------------------ dispatch hooks
    def call(self, c: "Client", argv: List[bytes]) -> Any:
        """Engine.call for a tracking client: it is the current client meanwhile (NOLOOP,
        deferred self-invalidations); afterwards CLIENT CACHING's one-shot flag is spent
        unless that was a CLIENT command or a transaction is open (resetClient)."""
        eng = self.engine
        # processCommand()'s trackingLimitUsedSlots(), here before a tracking client's
        # commands only: the table grows with their reads (Engine.cron covers the rest)
        limit = eng.config.values["tracking-table-max-keys"]
        if limit and len(self.table) > limit:
            self.limit_used_slots()
        prev, self.current = self.current, c
        try:
            reply = eng.call(c, argv)
        finally:
            self.current = prev
        if c.tracking_flags & CACHING and c.multi is None and argv[0].lower() != b"client":
            c.tracking_flags &= ~CACHING
        if self.pending and getattr(c, "_out", None) is None:
            self.after_reply(c)  # no reply being written by a connection: send them now
        return reply

    def after_reply(self, c: "Client") -> None:
        """trackingHandlePendingKeyInvalidations(), once ``c``'s reply is encoded."""
        pending, self.pending = self.pending, []
        for owner, key in pending:
            if owner is c:  # (anything else was left by a command whose reply never went)
                self._send(c, [key] if key is not None else None)

    def remember(self, c: "Client", cmd: "Command", argv: List[bytes]) -> None:
        """call()'s hook after a command of a tracking client (trackingRememberKeys)."""
        if "readonly" in cmd.flags and cmd.fullname not in _SCRIPT_RO:
            self._remember(c, cmd, argv)

    def remember_nested(self, c: "Client", cmd: "Command", argv: List[bytes]) -> None:
        """The same for a command run by EXEC or by a script: a script's reads remember
        the keys its caller declared (EVAL's, FCALL's), for that caller."""
        if "readonly" not in cmd.flags or cmd.fullname in _SCRIPT_RO:
            return
        if c.kind == "lua":
            run = self.engine.scripting.run if self.engine.scripting is not None else None
            if run is None:
                return
            c = run.caller
            argv = run.argv
            cmd = self.engine.table.get(argv[0].lower())
            if cmd is None or not c.tracking:
                return
        elif not c.tracking:
            return
        self._remember(c, cmd, argv)

    def _remember(self, c: "Client", cmd: "Command", argv: List[bytes]) -> None:
        flags = c.tracking_flags
        if flags & BCAST:
            return
        if (flags & OPTIN and not flags & CACHING) or (flags & OPTOUT and flags & CACHING):
            return
        if cmd.is_pubsub:
            return
        try:
            positions = cmd.key_positions(argv)
        except (ValueError, IndexError, ReplyError):  # getKeysFromCommand() finds none
            return
        table = self.table
        cid = c.id
        for i in positions:
            key = argv[i]
            ids = table.get(key)
            if ids is None:
                ids = table[key] = {}
            if cid not in ids:
                ids[cid] = None
                self.items += 1
        if table and not self.active:
            self._refresh()

    # ------------------------------------------------------------------ invalidation
    def invalidate(self, key: bytes, bcast: bool = True, by_client: bool = True) -> None:
        """trackingInvalidateKey(): ``key`` changed (``bcast`` False: only dropped from the
        table to bound its size, so BCAST clients are not told). For BCAST's NOLOOP the
        changer is the current client, unless the change came from expiry or eviction
        (``by_client`` False) or from a script (whose own client made it, in Redis)."""
        if bcast and self.prefixes:
            writer = self.current if by_client and not self.engine.in_script else None
            due = False
            for prefix, st in self.prefixes.items():
                if key.startswith(prefix):
                    st.keys[key] = writer
                    due = True
            if due:
                self._schedule_broadcast()
        ids = self.table.pop(key, None)
        if ids is None:
            return
        self.items -= len(ids)
        clients = self.engine.clients
        current = self.current
        for cid in (ids if len(ids) == 1 else sorted(ids, key=_id_order)):
            target = clients.get(cid)
            if target is None or not target.tracking or target.tracking_flags & BCAST:
                continue
            if target is current:
                if not target.tracking_flags & NOLOOP:
                    self.pending.append((target, key))  # after the running command's reply
                continue
            self._send(target, [key])
        if not self.table:
            self._refresh()

    def on_flush(self) -> None:
        """trackingInvalidateKeysOnFlush(): every tracking client gets a null ("all
        keys"), and the table is emptied; FLUSHDB too, as the table spans databases."""
        if self.clients:
            for c in list(self.engine.clients.values()):
                if c.tracking:
                    if c is self.current:
                        self.pending.append((c, None))
                    else:
                        self._send(c, None)
        self.table = {}
        self.items = 0
        self._refresh()

    def _send(self, c: "Client", keys: Optional[List[bytes]]) -> None:
        """sendTrackingMessage() for tracking client ``c`` (keys None: the flush null)."""
        redirect = c.tracking_redirect
        target = c
        if redirect:
            target = self.engine.clients.get(redirect)
            if target is None:
                c.tracking_flags |= BROKEN_REDIR
                if c.resp > 2:
                    c.deliver(Push([b"tracking-redir-broken", redirect]))
                return
        if target.resp > 2:
            target.deliver(Push([b"invalidate", keys]))
        elif redirect and target.in_pubsub:
            target.deliver(Push([b"message", CHANNEL, keys]))
        # else: a RESP2 connection cannot take a message outside of Pub/Sub

    # ------------------------------------------------------------------ BCAST
    def _schedule_broadcast(self) -> None:
        if self.broadcast_due:
            return
        loop = self.engine.loop
        if loop is None:  # an embedded engine has no event loop: tell at once
            self.broadcast()
            return
        self.broadcast_due = True
        loop.call_soon(self.broadcast)

    def broadcast(self) -> None:
        """trackingBroadcastInvalidationMessages(), prefixes and keys in Redis's (sorted)
        radix-tree order; a NOLOOP client does not hear of its own changes."""
        self.broadcast_due = False
        for prefix in sorted(self.prefixes):
            st = self.prefixes.get(prefix)
            if st is None or not st.keys:
                continue
            changed = st.keys
            st.keys = {}
            keys = sorted(changed)
            for c in list(st.clients):
                if c.tracking_flags & NOLOOP:
                    own = [k for k in keys if changed[k] is not c]
                    if own:
                        self._send(c, own)
                else:
                    self._send(c, keys)

    # ------------------------------------------------------------------ table size
    def limit_used_slots(self) -> None:
        """trackingLimitUsedSlots(): over tracking-table-max-keys, forget keys (telling
        their clients, as if they changed) with an effort that grows while still over."""
        limit = self.engine.config.values["tracking-table-max-keys"]
        if not limit or len(self.table) <= limit:
            self.limit_effort = 0
            return
        effort = 100 * (self.limit_effort + 1)
        while effort > 0 and self.table:
            effort -= 1
            self.invalidate(next(iter(self.table)), bcast=False)
            if len(self.table) <= limit:
                self.limit_effort = 0
                return
        self.limit_effort += 1

    # ------------------------------------------------------------------ reporting
    def info(self, c: "Client") -> Dict[str, Any]:
        """CLIENT TRACKINGINFO's map: flags (a set), redirect, prefixes."""
        flags = c.tracking_flags
        names = [b"on" if c.tracking else b"off"]
        for bit, name, extra in ((BCAST, b"bcast", None), (OPTIN, b"optin", b"caching-yes"),
                                 (OPTOUT, b"optout", b"caching-no"), (NOLOOP, b"noloop", None),
                                 (BROKEN_REDIR, b"broken_redirect", None)):
            if flags & bit:
                names.append(name)
                if extra is not None and flags & CACHING:
                    names.append(extra)
        return {"flags": SetReply(names),
                "redirect": c.tracking_redirect if c.tracking else -1,
                "prefixes": sorted(c.tracking_prefixes or ())}
