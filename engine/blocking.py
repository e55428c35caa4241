"""Blocking commands (BLPOP, BLMOVE, BZPOPMIN, XREAD BLOCK ...): clients wait on keys.

As Redis's blocked.c: a command that cannot be served registers its client on each key
(FIFO per key) with a retry function and returns BLOCKED; any write that may make a key
ready calls ``Engine.signal_key_ready`` (the keyspace does it when a key is created); after
the command that made keys ready (after EXEC or a script as a whole, never in the middle),
the dispatcher serves waiters in arrival order by calling their retry functions. A waiter
whose timeout passes gets its command's timeout reply.

``retry(client)`` runs the command again for a woken client, on the key named by
``client.blocked.ready_key``: it returns the reply, or ``None`` when that key is still not
ready for it (the client keeps waiting, in place). A served client's next commands run
after the current command's work is done (Redis's processUnblockedClients).
"""

import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import errors
from .commands.args import _round_long_double, parse_long_double
from .errors import CommandError
from .replies import NULL_ARRAY, ReplyError

if TYPE_CHECKING:  # pragma: no cover
    from .connection import Client
    from .engine import Engine
    from .keyspace import Database

__all__ = [
    "UNBLOCKED_ERROR",
    "Waiter",
    "block",
    "can_block",
    "forget",
    "parse_timeout",
    "serve_ready_keys",
    "signal_key_ready",
    "unblock",
]

UNBLOCKED_ERROR = errors.UNBLOCKED

Retry = Callable[["Client"], Any]
_MAX_TIMER = 1e9  # seconds; a longer wait is not scheduled (the loop's timers overflow)


class Waiter:
    """What a blocked client waits for."""

    __slots__ = (
        "client",
        "cmd",
        "db",
        "deadline",
        "keys",
        "ready_key",
        "retry",
        "since",
        "timeout",
        "timeout_reply",
        "timer",
        "argv",
        "usec",
    )

    def __init__(self, client: "Client", db: "Database", keys: list[bytes], retry: Retry,
                 timeout_reply: Any, deadline: float | None, cmd: Any) -> None:
        self.client = client
        self.db = db
        self.keys = keys
        self.retry = retry
        self.timeout_reply = timeout_reply
        self.deadline = deadline       # time.monotonic() value, None waits forever
        self.timeout = 0.0 if deadline is None else deadline - time.monotonic()
        self.timer: Any = None
        self.cmd = cmd
        self.since = time.monotonic()
        self.ready_key: bytes | None = None  # the key being served (set for retry)
        self.argv: list[bytes] | None = None  # the command, once it blocked (the dispatcher
        self.usec = 0                         # sets both: see Engine.unblocked_stats)


def parse_timeout(b: bytes) -> float:
    """getTimeoutFromObjectOrReply(UNIT_SECONDS): a long double of seconds, times 1000,
    ceil'd to whole milliseconds; returned in seconds, 0 waiting forever (so does
    "-0.0001")."""
    if b.isdigit() and len(b) < 10:
        return int(b)
    v = parse_long_double(b, errors.TIMEOUT_NOT_FLOAT)
    ms = v * 1000
    if type(ms) is not float:
        ms = _round_long_double(ms.numerator, ms.denominator)
    # (long long) of an infinite or too large value is LLONG_MIN on x86: "negative"
    if ms is None or ms <= -1 or ms >= 2 ** 63:
        raise CommandError(errors.TIMEOUT_NEGATIVE)
    return math.ceil(ms) / 1000


def can_block(c: "Client") -> bool:
    """False inside MULTI/EXEC, a script, or for a client that cannot wait
    (CLIENT_DENY_BLOCKING): the command then answers at once as if it timed out."""
    eng = c.engine
    return c.can_block and not eng.in_exec and not eng.in_script


def block(c: "Client", keys: list[bytes], timeout: float, retry: Retry,
          timeout_reply: Any = NULL_ARRAY) -> Any:
    """Register ``c`` as waiting on ``keys`` (timeout in seconds, 0 = forever) and return
    the BLOCKED sentinel the handler returns. Inside MULTI/EXEC or a script, or for a
    client that cannot wait, Redis answers at once with the timeout reply instead."""
    from .replies import BLOCKED
    eng = c.engine
    if not can_block(c):
        return timeout_reply
    db = c.db
    deadline = time.monotonic() + timeout if timeout > 0 else None
    w = Waiter(c, db, list(dict.fromkeys(keys)), retry, timeout_reply, deadline, c.last_cmd)
    for key in w.keys:
        db.blocking_keys.setdefault(key, []).append(w)
    c.blocked = w
    eng.blocked_clients += 1
    if deadline is not None and eng.loop is not None and timeout < _MAX_TIMER:
        w.timer = eng.loop.call_later(timeout, _timed_out, w)
    return BLOCKED


def _detach(w: Waiter) -> None:
    c = w.client
    if c.blocked is not w:
        return
    c.blocked = None
    c.engine.blocked_clients -= 1
    if w.timer is not None:
        w.timer.cancel()
        w.timer = None
    for key in w.keys:
        waiters = w.db.blocking_keys.get(key)
        if waiters is not None:
            try:
                waiters.remove(w)
            except ValueError:
                pass
            if not waiters:
                del w.db.blocking_keys[key]


def _timed_out(w: Waiter) -> None:
    if w.client.blocked is w:
        _detach(w)
        _reply_and_resume(w.client, w.timeout_reply)


def _reply_and_resume(c: "Client", reply: Any) -> None:
    eng = c.engine
    eng.update_clock()
    c.deliver(reply)
    if eng.loop is not None:
        eng.loop.call_soon(c.resume)
    else:
        c.resume()


def unblock(c: "Client", error: bool = False) -> bool:
    """CLIENT UNBLOCK: end the wait with the timeout reply, or an UNBLOCKED error."""
    w = c.blocked
    if w is None:
        return False
    _detach(w)
    if error:
        c.engine.stats.count_error(UNBLOCKED_ERROR)
    _reply_and_resume(c, ReplyError(UNBLOCKED_ERROR) if error else w.timeout_reply)
    # updateStatsOnUnblock(target, 0, 0, 1) after resetClient(): Redis counts a failed
    # call either way and logs an entry without arguments
    c.engine.unblocked_stats(c, w, 0, True, [])
    return True


def forget(c: "Client") -> None:
    """A blocked client went away."""
    if c.blocked is not None:
        _detach(c.blocked)


def serve_ready_keys(eng: "Engine") -> None:
    """handleClientsBlockedOnKeys(): serve waiters of keys made ready, FIFO per key; a
    served command may make more keys ready (BLMOVE), which are served in turn."""
    while eng.ready_keys:
        ready: list[tuple[Database, bytes]] = list(eng.ready_keys)
        eng.ready_keys.clear()  # an ordered set: dict keys
        for db, key in ready:
            waiters = db.blocking_keys.get(key)
            if not waiters:
                continue
            # updateCachedTime(): a key that expired meanwhile (a MULTI with DEBUG SLEEP)
            # is deleted by the lookup, and its waiters keep waiting
            eng.update_clock()
            # a key already gone (a deleted stream) is served to every waiter: XREADGROUP
            # ones end with -UNBLOCKED, the others keep waiting
            existed = db.table.peek(key) is not None
            for w in list(waiters):
                c = w.client
                if c.blocked is not w:
                    continue
                saved_db = c.db
                c.db = w.db
                w.ready_key = key
                try:
                    reply = eng.serve_blocked(c, w)
                finally:
                    if c.db is w.db:
                        c.db = saved_db
                if reply is None:
                    continue  # still not ready for this one: it keeps its place
                _detach(w)
                _reply_and_resume(c, reply)
                if existed and db.table.peek(key) is None:
                    break  # the key is gone: the rest keep waiting


def signal_key_ready(eng: "Engine", db: "Database", key: bytes) -> None:
    """signalKeyAsReady(): remember a key with waiters for serve_ready_keys."""
    if key in db.blocking_keys:
        eng.ready_keys[(db, key)] = None

