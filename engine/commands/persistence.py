"""Persistence commands (Redis's rdb.c, cluster.c DUMP/RESTORE): SAVE BGSAVE LASTSAVE DUMP
RESTORE, and STRATA.SNAPSHOT for named backups (engine/persistence/snapshots.py)."""

import time
from typing import Any, List

from .. import errors, notify
from ..connection import Client
from ..errors import CommandError, arg
from ..persistence import rdb
from ..persistence.snapshots import SnapshotFailure
from ..replies import OK, Status
from .args import parse_int
from .keys import help_reply
from .table import command, container

_LRU_CLOCK_MAX = (1 << 24) - 1


# =================================================================== SAVE BGSAVE LASTSAVE
@command("save", 1, "admin noscript no_async_loading no_multi", group="server",
         complexity="O(N) where N is the total number of keys in all databases",
         summary="Synchronously save the dataset to disk")
def save(c: Client, argv: List[bytes]) -> Any:
    p = c.engine.persistence
    if p.job is not None:
        raise CommandError(errors.BGSAVE_IN_PROGRESS)
    if not p.save():
        raise CommandError(errors.ERR)
    return OK


@command("bgsave", -1, "admin noscript no_async_loading", group="server",
         complexity="O(1)", summary="Asynchronously save the dataset to disk")
def bgsave(c: Client, argv: List[bytes]) -> Any:
    schedule = False
    if len(argv) > 1:
        if len(argv) == 2 and argv[1].lower() == b"schedule":
            schedule = True
        else:
            raise CommandError(errors.SYNTAX)
    eng = c.engine
    p = eng.persistence
    job = p.job
    if job is not None and job.kind == "bgsave":
        raise CommandError(errors.BGSAVE_IN_PROGRESS)
    if job is not None or eng.in_exec:
        # another writer (a named snapshot) is active, or we are inside MULTI/EXEC
        if schedule or eng.in_exec:
            p.bgsave_scheduled = True
            return Status("Background saving scheduled")
        raise CommandError(errors.BGSAVE_OTHER_CHILD)
    err = p.bgsave()
    if err is not None:
        raise CommandError(err)
    return Status("Background saving started")


@command("lastsave", 1, "loading stale fast", acl="admin dangerous", group="server",
         since="1.0.0", tips="nondeterministic_output",
         summary="Get the UNIX time stamp of the last successful save to disk")
def lastsave(c: Client, argv: List[bytes]) -> Any:
    return c.engine.persistence.lastsave


# =================================================================== DUMP RESTORE
@command("dump", 2, "readonly", keys=(1, 1, 1), since="2.6.0",
         tips="nondeterministic_output",
         complexity="O(1) to access the key and additional O(N*M) to serialize it, where N "
                    "is the number of Redis objects composing the value and M their average "
                    "size. For small string values the time complexity is thus O(1)+O(1*M) "
                    "where M is small, so simply O(1).",
         summary="Return a serialized version of the value stored at the specified key.")
def dump(c: Client, argv: List[bytes]) -> Any:
    value = c.db.lookup_read(argv[1])
    if value is None:
        return None
    return rdb.dump_payload(value, rdb.Encoder(c.engine.config.values))


@command("restore", -4, "write denyoom", keys=(1, 1, 1), acl="dangerous", since="2.6.0",
         complexity="O(1) to create the new key and additional O(N*M) to reconstruct the "
                    "serialized value, where N is the number of Redis objects composing the "
                    "value and M their average size. For small string values the time "
                    "complexity is thus O(1)+O(1*M) where M is small, so simply O(1). However "
                    "for sorted set values the complexity is O(N*M*log(N)) because inserting "
                    "values into sorted sets is O(log(N)).",
         summary="Create a key using the provided serialized value, previously obtained "
                 "using DUMP.")
def restore(c: Client, argv: List[bytes]) -> Any:
    replace = absttl = False
    lru_idle = lfu_freq = -1
    n = len(argv)
    j = 4
    while j < n:
        opt = argv[j].lower()
        more = n - j - 1
        if opt == b"replace":
            replace = True
        elif opt == b"absttl":
            absttl = True
        elif opt == b"idletime" and more >= 1 and lfu_freq == -1:
            lru_idle = parse_int(argv[j + 1])
            if lru_idle < 0:
                raise CommandError(errors.RESTORE_IDLETIME)
            j += 1
        elif opt == b"freq" and more >= 1 and lru_idle == -1:
            lfu_freq = parse_int(argv[j + 1])
            if lfu_freq < 0 or lfu_freq > 255:
                raise CommandError(errors.RESTORE_FREQ)
            j += 1
        else:
            raise CommandError(errors.SYNTAX)
        j += 1
    db = c.db
    key = argv[1]
    if not replace and db.lookup_write(key) is not None:
        raise CommandError(errors.BUSYKEY)
    ttl = parse_int(argv[2])
    if ttl < 0:
        raise CommandError(errors.RESTORE_TTL)
    payload = argv[3]
    if not rdb.verify_payload(payload):
        raise CommandError(errors.DUMP_PAYLOAD)
    try:
        value = rdb.restore_payload(payload, c.engine.config.values)
    except (rdb.RDBError, ValueError, IndexError, OverflowError):
        raise CommandError(errors.BAD_DATA_FORMAT) from None
    eng = c.engine
    deleted = db.delete(key) if replace else False
    if ttl and not absttl:
        ttl += int(time.time() * 1000)
    if ttl and ttl <= int(time.time() * 1000):
        # checkAlreadyExpired(): the key would be born dead
        if deleted:
            c.propagate_argv = [b"DEL", key]
            db.signal_modified(key)
            eng.notify_keyspace_event(notify.GENERIC, b"del", key, db.id)
            eng.dirty += 1
        return OK
    db.add(key, value)
    if ttl:
        db.set_expire(key, ttl)
        if not absttl:  # propagate the TTL as an absolute time
            c.propagate_argv = argv[:2] + [b"%d" % ttl] + argv[3:] + [b"ABSTTL"]
    if eng.lfu:
        if lfu_freq >= 0:
            db.set_access(key, (eng.access_clock << 8) | lfu_freq)
    elif lru_idle >= 0:
        clock = eng.access_clock
        access = clock - lru_idle
        if access < 0:  # the clock wrapped (objectSetLRUOrLFU)
            access = (clock + _LRU_CLOCK_MAX // 2) % _LRU_CLOCK_MAX
        db.set_access(key, access & _LRU_CLOCK_MAX)
    db.signal_modified(key)
    eng.notify_keyspace_event(notify.GENERIC, b"restore", key, db.id)
    eng.dirty += 1
    return OK


# =================================================================== STRATA.SNAPSHOT
container("strata.snapshot", group="server", since="7.0.0",
          summary="Named snapshots (backups): create, list, inspect, export, delete")

_SNAPSHOT_HELP = [
    "CREATE <name>",
    "    Write a snapshot of the dataset named <name> in the background.",
    "LIST",
    "    List the snapshots with their status, source, creation time and size.",
    "INFO <name>",
    "    Show the metadata of snapshot <name>.",
    "DELETE <name>",
    "    Delete snapshot <name>.",
    "EXPORT <name> <directory>",
    "    Copy snapshot <name> (its RDB file as stored) to <directory>.",
]


def _fail(e: SnapshotFailure) -> CommandError:
    return CommandError(errors.SNAPSHOT_FAILED % e)


def _meta_reply(meta: dict) -> dict:
    out = {}
    for k in sorted(meta):
        v = meta[k]
        if isinstance(v, bool):
            v = int(v)
        elif isinstance(v, float):
            v = int(v)
        elif isinstance(v, str):
            v = v.encode("utf-8", "surrogateescape")
        out[k.encode()] = v
    return out


@command("strata.snapshot|help", 2, "loading stale", group="server",
         summary="Show helpful text about the different subcommands")
def snapshot_help(c: Client, argv: List[bytes]) -> Any:
    return help_reply(argv[0], _SNAPSHOT_HELP)


@command("strata.snapshot|create", 3, "admin noscript no_async_loading", group="server",
         summary="Write a named snapshot in the background")
def snapshot_create(c: Client, argv: List[bytes]) -> Any:
    try:
        c.engine.persistence.store.create(arg(argv[2]))
    except SnapshotFailure as e:
        raise _fail(e) from None
    return Status("Snapshot creation started")


@command("strata.snapshot|list", 2, "admin noscript loading stale", group="server",
         summary="List the named snapshots")
def snapshot_list(c: Client, argv: List[bytes]) -> Any:
    return [_meta_reply(m) for m in c.engine.persistence.store.list()]


@command("strata.snapshot|info", 3, "admin noscript loading stale", group="server",
         summary="Show a snapshot's metadata")
def snapshot_info(c: Client, argv: List[bytes]) -> Any:
    try:
        return _meta_reply(c.engine.persistence.store.info(arg(argv[2])))
    except SnapshotFailure as e:
        raise _fail(e) from None


@command("strata.snapshot|delete", 3, "admin noscript loading stale", group="server",
         summary="Delete a named snapshot")
def snapshot_delete(c: Client, argv: List[bytes]) -> Any:
    try:
        c.engine.persistence.store.delete(arg(argv[2]))
    except SnapshotFailure as e:
        raise _fail(e) from None
    return OK


@command("strata.snapshot|export", 4, "admin noscript loading stale", group="server",
         summary="Copy a named snapshot to a directory")
def snapshot_export(c: Client, argv: List[bytes]) -> Any:
    try:
        path = c.engine.persistence.store.export(arg(argv[2]), arg(argv[3]))
    except SnapshotFailure as e:
        raise _fail(e) from None
    return path.encode("utf-8", "surrogateescape")
