"""Transactions: MULTI EXEC DISCARD WATCH UNWATCH.

The dispatcher queues commands while a client is in MULTI (and marks the transaction
doomed when one is rejected); EXEC runs the queue through ``Engine.execute_command`` so
each queued command gets the usual stats and propagation. WATCH is invalidated by
``Database.signal_modified``, which every write reaches.
"""

from typing import Any, List

from ..replies import NO_REPLY, NULL_ARRAY, OK

from .. import errors
from ..connection import Client, unwatch_all
from ..errors import CommandError
from .table import command


@command("multi", 1, "noscript loading stale fast allow_busy", group="transactions",
         since="1.2.0", summary="Starts a transaction.")
def multi(c: Client, argv: List[bytes]) -> Any:
    if c.multi is not None:
        raise CommandError(errors.MULTI_NESTED)
    c.multi = []
    c.multi_error = False
    return OK


def _discard(c: Client) -> None:
    c.multi = None
    c.multi_error = False
    c.dirty_cas = False
    unwatch_all(c)


@command("discard", 1, "noscript loading stale fast allow_busy", group="transactions",
         since="2.0.0", summary="Discards a transaction.")
def discard(c: Client, argv: List[bytes]) -> Any:
    if c.multi is None:
        raise CommandError(errors.DISCARD_WITHOUT_MULTI)
    _discard(c)
    return OK


def _watched_key_expired(c: Client) -> bool:
    """isWatchedKeyExpired(): a key alive at WATCH time whose TTL has passed since."""
    now = c.engine.now_ms
    for db, key, expired_at_watch in c.watched:
        if expired_at_watch:
            continue
        when = db.table.get_expire(key)
        if when is not None and 0 <= when < now:
            return True
    return False


@command("exec", 1, "noscript loading stale skip_slowlog", group="transactions",
         since="1.2.0", summary="Executes all commands in a transaction.")
def exec_(c: Client, argv: List[bytes]) -> Any:
    if c.multi is None:
        raise CommandError(errors.EXEC_WITHOUT_MULTI)
    eng = c.engine
    if c.multi_error:
        _discard(c)
        raise CommandError(errors.EXECABORT)
    if c.dirty_cas or _watched_key_expired(c):
        _discard(c)
        return NULL_ARRAY
    queue = c.multi
    c.multi = None
    unwatch_all(c)
    replies = []
    eng.in_exec = True
    replication = eng.replication
    if replication is not None:
        replication.begin_transaction(c.db.id)
    try:
        for cmd, cargv in queue:
            reply = eng.execute_command(c, cmd, cargv)
            if reply is not NO_REPLY:   # CLIENT REPLY OFF|SKIP adds nothing to the array
                replies.append(reply)
    finally:
        eng.in_exec = False
        if replication is not None:
            replication.end_transaction()
    c.multi_error = False
    c.dirty_cas = False
    return replies


@command("watch", -2, "noscript loading stale fast allow_busy", keys=(1, -1, 1),
         group="transactions", since="2.2.0", summary="Monitors changes to keys to determine "
         "the execution of a transaction.")
def watch(c: Client, argv: List[bytes]) -> Any:
    if c.multi is not None:
        raise CommandError(errors.WATCH_IN_MULTI)
    if c.dirty_cas:
        return OK  # already doomed: watching more changes nothing (as Redis)
    db = c.db
    now = c.engine.now_ms
    for key in argv[1:]:
        watchers = db.watched.get(key)
        if watchers is None:
            watchers = db.watched[key] = set()
        elif c in watchers:
            continue
        watchers.add(c)
        when = db.table.get_expire(key)
        c.watched.append((db, key, when is not None and 0 <= when < now))
    return OK


@command("unwatch", 1, "noscript loading stale fast allow_busy", group="transactions",
         since="2.2.0", summary="Forgets about watched keys of a transaction.")
def unwatch(c: Client, argv: List[bytes]) -> Any:
    unwatch_all(c)
    c.dirty_cas = False
    return OK
