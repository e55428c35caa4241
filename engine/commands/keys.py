"""Generic keyspace commands (Redis's db.c, expire.c, object.c): DEL UNLINK EXISTS TYPE
RENAME RENAMENX COPY MOVE SWAPDB KEYS SCAN RANDOMKEY DBSIZE FLUSHDB FLUSHALL TOUCH, the
EXPIRE and TTL families, PERSIST and OBJECT.

What these commands ask of the value types of other families (duck-typed, all optional for
``bytes``/``bytearray`` strings):

* ``TYPE_NAME: bytes`` -- TYPE's answer (see keyspace.type_name);
* ``encoding(self, config) -> bytes`` or a class attribute ``ENCODING: bytes`` -- OBJECT
  ENCODING's answer (``b"listpack"``, ``b"quicklist"``, ``b"hashtable"``, ``b"intset"``,
  ``b"skiplist"``, ``b"stream"``...), ``config`` being the engine's Config so thresholds
  like ``hash-max-listpack-entries`` can be read;
* ``copy(self)`` -- an independent duplicate for COPY (``copy.deepcopy`` otherwise).
"""

import copy as _copy
from typing import Any, List, Optional

from native.keytable import impl_py as _keytable_py
from native.resp_py import string2ll

from .. import errors, notify
from ..connection import Client
from ..errors import CommandError, arg
from ..glob import compile_glob
from ..keyspace import Database, type_name
from ..replies import OK, Status
from .args import LLONG_MAX, parse_int
from .table import command, container

__all__ = ["object_encoding", "object_refcount", "help_reply"]

INT_MAX, INT_MIN = 2 ** 31 - 1, -(2 ** 31)
ULONG_MAX = 2 ** 64 - 1
OBJ_SHARED_INTEGERS = 10000
OBJ_SHARED_REFCOUNT = INT_MAX
EMBSTR_SIZE_LIMIT = 44
# Values a maxmemory policy of these kinds never shares (MAXMEMORY_FLAG_NO_SHARED_INTEGERS).
_NO_SHARED_POLICIES = ("allkeys-lru", "volatile-lru", "allkeys-lfu", "volatile-lfu")


def _int32(b: bytes, error: Optional[str] = None) -> int:
    """getIntFromObjectOrReply(): ``error`` (when given) replaces both of Redis's texts."""
    v = parse_int(b, error or errors.NOT_INTEGER)
    if v < INT_MIN or v > INT_MAX:
        raise CommandError(error or errors.VALUE_OUT_OF_RANGE_BETWEEN % (INT_MIN, INT_MAX))
    return v


def _db_index(c: Client, index: int) -> Database:
    """selectDb()'s range check."""
    dbs = c.engine.dbs
    if index < 0 or index >= len(dbs):
        raise CommandError(errors.DB_INDEX)
    return dbs[index]


def _cstr(b: bytes) -> bytes:
    """An argument as C's string functions see it: up to the first NUL."""
    return b.split(b"\0", 1)[0]


def help_reply(argv0: bytes, lines: List[str]) -> List[Status]:
    """addReplyHelp(): the header, the lines, and the HELP entry, as status replies."""
    head = "%s <subcommand> [<arg> [value] [opt] ...]. Subcommands are:" % arg(argv0.upper())
    return [Status(t) for t in [head] + lines + ["HELP", "    Prints this help."]]


# ------------------------------------------------------------------ DEL EXISTS TYPE TOUCH


def _delete_keys(c: Client, argv: List[bytes]) -> int:
    db = c.db
    eng = c.engine
    n = 0
    for key in argv[1:]:
        # expireIfNeeded() first: an expired key is deleted as expired, not counted
        if db.peek(key) is not None and db.delete(key):
            db.signal_modified(key)
            eng.notify_keyspace_event(notify.GENERIC, b"del", key, db.id)
            eng.dirty += 1
            n += 1
    return n


@command("del", -2, "write", keys=(1, -1, 1), tips="request_policy:multi_shard "
         "response_policy:agg_sum", summary="Delete a key",
         complexity="O(N) where N is the number of keys that will be removed. When a key to "
         "remove holds a value other than a string, the individual complexity for this key "
         "is O(M) where M is the number of elements in the list, set, sorted set or hash. "
         "Removing a single key that holds a string value is O(1).")
def del_(c: Client, argv: List[bytes]) -> Any:
    return _delete_keys(c, argv)


@command("unlink", -2, "write fast", keys=(1, -1, 1), since="4.0.0",
         tips="request_policy:multi_shard response_policy:agg_sum",
         summary="Delete a key asynchronously in another thread. Otherwise it is just as "
         "DEL, but non blocking.",
         complexity="O(1) for each key removed regardless of its size. Then the command "
         "does O(N) work in a different thread in order to reclaim memory, where N is the "
         "number of allocations the deleted objects where composed of.")
def unlink(c: Client, argv: List[bytes]) -> Any:
    return _delete_keys(c, argv)


@command("exists", -2, "readonly fast", keys=(1, -1, 1),
         tips="request_policy:multi_shard response_policy:agg_sum",
         summary="Determine if a key exists",
         complexity="O(N) where N is the number of keys to check.")
def exists(c: Client, argv: List[bytes]) -> Any:
    db = c.db
    return sum(1 for key in argv[1:] if db.lookup_read(key, touch=False) is not None)


@command("type", 2, "readonly fast", keys=(1, 1, 1), summary="Determine the type stored at key")
def type_(c: Client, argv: List[bytes]) -> Any:
    return Status(type_name(c.db.lookup_read(argv[1], touch=False)).decode("latin-1"))


@command("touch", -2, "readonly fast", keys=(1, -1, 1), since="3.2.1",
         tips="request_policy:multi_shard response_policy:agg_sum",
         summary="Alters the last access time of a key(s). Returns the number of existing "
         "keys specified.",
         complexity="O(N) where N is the number of keys that will be touched.")
def touch(c: Client, argv: List[bytes]) -> Any:
    db = c.db
    return sum(1 for key in argv[1:] if db.lookup_read(key) is not None)


# ------------------------------------------------------------------ RENAME COPY MOVE SWAPDB


def _rename(c: Client, argv: List[bytes], nx: bool) -> Any:
    src, dst = argv[1], argv[2]
    db = c.db
    value = db.lookup_write(src)
    if value is None:
        raise CommandError(errors.NO_SUCH_KEY)
    if src == dst:
        return 0 if nx else OK
    when = db.get_expire(src)
    access = db.access(src)
    if db.lookup_write(dst) is not None:
        if nx:
            return 0
        db.delete(dst)
    db.add(dst, value)
    if when != -1:
        db.set_expire(dst, when)
    db.set_access(dst, access)  # the same object moves: it keeps its LRU/LFU data
    db.delete(src)
    db.signal_modified(src)
    db.signal_modified(dst)
    eng = c.engine
    eng.notify_keyspace_event(notify.GENERIC, b"rename_from", src, db.id)
    eng.notify_keyspace_event(notify.GENERIC, b"rename_to", dst, db.id)
    eng.dirty += 1
    return 1 if nx else OK


@command("rename", 3, "write", keys=(1, 2, 1), summary="Rename a key")
def rename(c: Client, argv: List[bytes]) -> Any:
    return _rename(c, argv, False)


@command("renamenx", 3, "write fast", keys=(1, 2, 1),
         summary="Rename a key, only if the new key does not exist")
def renamenx(c: Client, argv: List[bytes]) -> Any:
    return _rename(c, argv, True)


def _duplicate(value: Any) -> Any:
    t = type(value)
    if t is bytes:
        return value
    if t is bytearray:
        return bytearray(value)
    dup = getattr(value, "copy", None)
    return dup() if dup is not None else _copy.deepcopy(value)


@command("copy", -3, "write denyoom", keys=(1, 2, 1), since="6.2.0", summary="Copy a key",
         complexity="O(N) worst case for collections, where N is the number of nested "
         "items. O(1) for string values.")
def copy(c: Client, argv: List[bytes]) -> Any:
    src_db = dst_db = c.db
    replace = False
    j = 3
    while j < len(argv):
        opt = argv[j].lower()
        if opt == b"replace":
            replace = True
        elif opt == b"db" and j + 1 < len(argv):
            dst_db = _db_index(c, _int32(argv[j + 1]))
            j += 1
        else:
            raise CommandError(errors.SYNTAX)
        j += 1
    key, newkey = argv[1], argv[2]
    if src_db is dst_db and key == newkey:
        raise CommandError(errors.SAME_OBJECT)
    value = src_db.lookup_read(key)
    if value is None:
        return 0
    when = src_db.get_expire(key)
    exists_ = dst_db.lookup_write(newkey) is not None
    if exists_ and not replace:
        return 0
    new = _duplicate(value)
    if exists_:
        dst_db.delete(newkey)
    dst_db.add(newkey, new)
    if when != -1:
        dst_db.set_expire(newkey, when)
    dst_db.signal_modified(newkey)
    c.engine.notify_keyspace_event(notify.GENERIC, b"copy_to", newkey, dst_db.id)
    c.engine.dirty += 1
    return 1


@command("move", 3, "write fast", keys=(1, 1, 1), summary="Move a key to another database")
def move(c: Client, argv: List[bytes]) -> Any:
    key = argv[1]
    src = c.db
    dst = _db_index(c, _int32(argv[2]))
    if dst is src:
        raise CommandError(errors.SAME_OBJECT)
    value = src.lookup_write(key)
    if value is None:
        return 0
    when = src.get_expire(key)
    access = src.access(key)
    if dst.lookup_write(key) is not None:
        return 0
    dst.add(key, value)
    if when != -1:
        dst.set_expire(key, when)
    dst.set_access(key, access)
    src.delete(key)
    src.signal_modified(key)
    dst.signal_modified(key)
    eng = c.engine
    eng.notify_keyspace_event(notify.GENERIC, b"move_from", key, src.id)
    eng.notify_keyspace_event(notify.GENERIC, b"move_to", key, dst.id)
    eng.dirty += 1
    return 1


@command("swapdb", 3, "write fast", acl="dangerous", since="4.0.0",
         summary="Swaps two Redis databases",
         complexity="O(N) where N is the count of clients watching or blocking on keys from "
         "both databases.")
def swapdb(c: Client, argv: List[bytes]) -> Any:
    id1 = _int32(argv[1], errors.SWAPDB_FIRST_INDEX)
    id2 = _int32(argv[2], errors.SWAPDB_SECOND_INDEX)
    db1, db2 = _db_index(c, id1), _db_index(c, id2)
    if db1 is not db2:
        db1.swap(db2)
    c.engine.dirty += 1
    return OK


# ------------------------------------------------------------------ KEYS SCAN RANDOMKEY


@command("keys", 2, "readonly", acl="dangerous",
         tips="request_policy:all_shards nondeterministic_output_order",
         summary="Find all keys matching the given pattern",
         complexity="O(N) with N being the number of keys in the database, under the "
         "assumption that the key names in the database and the given pattern have limited "
         "length.")
def keys(c: Client, argv: List[bytes]) -> Any:
    found = c.db.keys()
    if argv[1] != b"*":
        match = compile_glob(argv[1])
        found = [k for k in found if match(k)]
    return found


def parse_cursor(b: bytes) -> int:
    """parseScanCursorOrReply(): strtoul() in base 10 -- a sign is allowed (a minus wraps
    around), text stops at a NUL, an empty text is 0; leading space and ERANGE refused."""
    b = _cstr(b)
    if not b:
        return 0
    digits = b[1:] if b[0] in b"+-" else b
    if not digits.isdigit():
        raise CommandError(errors.INVALID_CURSOR)
    v = int(digits)
    if v > ULONG_MAX:
        raise CommandError(errors.INVALID_CURSOR)
    return -v & ULONG_MAX if b[0] == 45 else v


@command("scan", -2, "readonly", since="2.8.0",
         tips="nondeterministic_output request_policy:special",
         summary="Incrementally iterate the keys space",
         complexity="O(1) for every call. O(N) for a complete iteration, including enough "
         "command calls for the cursor to return back to 0. N is the number of elements "
         "inside the collection.")
def scan(c: Client, argv: List[bytes]) -> Any:
    cursor = parse_cursor(argv[1])
    count = 10
    match = None
    typename = None
    i = 2
    n = len(argv)
    while i < n:
        opt = argv[i].lower()
        if opt == b"count" and n - i >= 2:
            count = parse_int(argv[i + 1])
            if count < 1:
                raise CommandError(errors.SYNTAX)
        elif opt == b"match" and n - i >= 2:
            match = None if argv[i + 1] == b"*" else compile_glob(argv[i + 1])
        elif opt == b"type" and n - i >= 2:
            typename = _cstr(argv[i + 1]).lower()
        else:
            raise CommandError(errors.SYNTAX)
        i += 2
    db = c.db
    cursor, found = db.scan(cursor, count)
    now = c.engine.now_ms
    out = []
    for key in found:
        if match is not None and not match(key):
            continue
        if typename is not None and \
                type_name(db.lookup_read(key, touch=False)).lower() != typename:
            continue
        # expireIfNeeded(): an expired key is deleted and left out. A key the TYPE lookup
        # already deleted is not "expired" any more, so SCAN TYPE none returns it (as Redis).
        when = db.get_expire(key)
        if 0 <= when < now:
            db.peek(key)
            continue
        out.append(key)
    return [b"%d" % cursor, out]


@command("randomkey", 1, "readonly", tips="request_policy:all_shards nondeterministic_output",
         summary="Return a random key from the keyspace")
def randomkey(c: Client, argv: List[bytes]) -> Any:
    return c.db.random_key()


# ------------------------------------------------------------------ DBSIZE FLUSHDB FLUSHALL


@command("dbsize", 1, "readonly fast", tips="request_policy:all_shards response_policy:agg_sum",
         summary="Return the number of keys in the selected database")
def dbsize(c: Client, argv: List[bytes]) -> Any:
    return len(c.db)


def _check_flush_args(argv: List[bytes]) -> None:
    """getFlushCommandFlags(): ASYNC or SYNC (both free synchronously here)."""
    if len(argv) > 2 or (len(argv) == 2 and argv[1].lower() not in (b"sync", b"async")):
        raise CommandError(errors.SYNTAX)


@command("flushdb", -1, "write", acl="dangerous",
         tips="request_policy:all_shards response_policy:all_succeeded",
         summary="Remove all keys from the current database",
         complexity="O(N) where N is the number of keys in the selected database")
def flushdb(c: Client, argv: List[bytes]) -> Any:
    _check_flush_args(argv)
    flushed = c.db.flush()
    c.engine.tracking.on_flush()  # signalFlushedDb()
    c.engine.dirty += flushed
    _force_propagation(c, argv, flushed)
    return OK


def _force_propagation(c: Client, argv: List[bytes], flushed: int) -> None:
    """forceCommandPropagation(): a FLUSH of empty databases changes nothing, yet it
    replicates (a change propagates the usual way, after the command)."""
    if not flushed and c.engine.replication is not None:
        c.engine.replication.propagate(c.db.id, argv)


@command("flushall", -1, "write", acl="dangerous",
         tips="request_policy:all_shards response_policy:all_succeeded",
         summary="Remove all keys from all databases",
         complexity="O(N) where N is the total number of keys in all databases")
def flushall(c: Client, argv: List[bytes]) -> Any:
    _check_flush_args(argv)
    eng = c.engine
    flushed = sum(db.flush() for db in eng.dbs)
    eng.tracking.on_flush()  # signalFlushedDb()
    eng.dirty += flushed
    _force_propagation(c, argv, flushed)
    return OK


# ------------------------------------------------------------------ EXPIRE family


_NX, _XX, _GT, _LT = 1, 2, 4, 8
_EXPIRE_OPTIONS = {b"nx": _NX, b"xx": _XX, b"gt": _GT, b"lt": _LT}


def _expire_flags(argv: List[bytes]) -> int:
    """parseExtendedExpireArgumentsOrReply()."""
    flags = 0
    for opt in argv[3:]:
        bit = _EXPIRE_OPTIONS.get(opt.lower())
        if bit is None:
            raise CommandError(errors.UNSUPPORTED_OPTION % arg(_cstr(opt)))
        flags |= bit
    if flags & _NX and flags & (_XX | _GT | _LT):
        raise CommandError(errors.EXPIRE_OPTIONS_NX_XX_GT_LT)
    if flags & _GT and flags & _LT:
        raise CommandError(errors.EXPIRE_OPTIONS_GT_LT)
    return flags


def _expire(c: Client, argv: List[bytes], relative: bool, seconds: bool) -> int:
    """expireGenericCommand()."""
    key = argv[1]
    flags = _expire_flags(argv) if len(argv) > 3 else 0
    when = parse_int(argv[2])
    eng = c.engine
    name = argv[0].lower().decode("latin-1")
    # EXPIRE takes negative numbers: only the unit conversion and the addition can overflow
    if seconds:
        if when > LLONG_MAX // 1000 or when < -(LLONG_MAX // 1000):
            raise CommandError(errors.INVALID_EXPIRE % name)
        when *= 1000
    basetime = eng.now_ms if relative else 0
    if when > LLONG_MAX - basetime:
        raise CommandError(errors.INVALID_EXPIRE % name)
    when += basetime
    db = c.db
    if db.lookup_write(key) is None:
        return 0
    if flags:
        current = db.get_expire(key)
        if flags & _NX and current != -1:
            return 0
        if flags & _XX and current == -1:
            return 0
        if flags & _GT and (when <= current or current == -1):
            return 0
        if flags & _LT and current != -1 and when >= current:
            return 0
    if when <= eng.now_ms and not getattr(eng.replication, "is_replica", False):
        # checkAlreadyExpired(): a time in the past deletes the key, replicated as DEL
        db.delete(key)
        eng.dirty += 1
        c.propagate_argv = [b"DEL", key]
        db.signal_modified(key)
        eng.notify_keyspace_event(notify.GENERIC, b"del", key, db.id)
        return 1
    db.set_expire(key, when)
    if relative or seconds:  # replicas get PEXPIREAT with the absolute time
        c.propagate_argv = [b"PEXPIREAT", key, b"%d" % when] + argv[3:]
    db.signal_modified(key)
    eng.notify_keyspace_event(notify.GENERIC, b"expire", key, db.id)
    eng.dirty += 1
    return 1


@command("expire", -3, "write fast", keys=(1, 1, 1),
         summary="Set a key's time to live in seconds")
def expire(c: Client, argv: List[bytes]) -> Any:
    return _expire(c, argv, True, True)


@command("pexpire", -3, "write fast", keys=(1, 1, 1), since="2.6.0",
         summary="Set a key's time to live in milliseconds")
def pexpire(c: Client, argv: List[bytes]) -> Any:
    return _expire(c, argv, True, False)


@command("expireat", -3, "write fast", keys=(1, 1, 1), since="1.2.0",
         summary="Set the expiration for a key as a UNIX timestamp")
def expireat(c: Client, argv: List[bytes]) -> Any:
    return _expire(c, argv, False, True)


@command("pexpireat", -3, "write fast", keys=(1, 1, 1), since="2.6.0",
         summary="Set the expiration for a key as a UNIX timestamp specified in milliseconds")
def pexpireat(c: Client, argv: List[bytes]) -> Any:
    return _expire(c, argv, False, False)


def _ttl(c: Client, key: bytes, ms: bool, absolute: bool) -> int:
    """ttlGenericCommand(): -2 no key, -1 no TTL; seconds are rounded to nearest."""
    db = c.db
    if db.lookup_read(key, touch=False) is None:
        return -2
    when = db.get_expire(key)
    if when == -1:
        return -1
    ttl = max(when if absolute else when - c.engine.now_ms, 0)
    return ttl if ms else (ttl + 500) // 1000


@command("ttl", 2, "readonly fast", keys=(1, 1, 1), tips="nondeterministic_output",
         summary="Get the time to live for a key in seconds")
def ttl(c: Client, argv: List[bytes]) -> Any:
    return _ttl(c, argv[1], False, False)


@command("pttl", 2, "readonly fast", keys=(1, 1, 1), tips="nondeterministic_output",
         since="2.6.0", summary="Get the time to live for a key in milliseconds")
def pttl(c: Client, argv: List[bytes]) -> Any:
    return _ttl(c, argv[1], True, False)


@command("expiretime", 2, "readonly fast", keys=(1, 1, 1), since="7.0.0",
         summary="Get the expiration Unix timestamp for a key")
def expiretime(c: Client, argv: List[bytes]) -> Any:
    return _ttl(c, argv[1], False, True)


@command("pexpiretime", 2, "readonly fast", keys=(1, 1, 1), since="7.0.0",
         summary="Get the expiration Unix timestamp for a key in milliseconds")
def pexpiretime(c: Client, argv: List[bytes]) -> Any:
    return _ttl(c, argv[1], True, True)


@command("persist", 2, "write fast", keys=(1, 1, 1), since="2.2.0",
         summary="Remove the expiration from a key")
def persist(c: Client, argv: List[bytes]) -> Any:
    key = argv[1]
    db = c.db
    if db.lookup_write(key) is None or not db.persist(key):
        return 0
    db.signal_modified(key)
    c.engine.notify_keyspace_event(notify.GENERIC, b"persist", key, db.id)
    c.engine.dirty += 1
    return 1


# ------------------------------------------------------------------ OBJECT


def object_encoding(value: Any, config: Any) -> bytes:
    """OBJECT ENCODING's name for a stored value (strings as tryObjectEncoding leaves them:
    a strict integer that fits a long is "int", up to 44 bytes "embstr", else "raw")."""
    t = type(value)
    if t is bytes:
        if len(value) <= 20 and string2ll(value) is not None:
            return b"int"
        return b"embstr" if len(value) <= EMBSTR_SIZE_LIMIT else b"raw"
    if t is bytearray:
        return b"raw"
    enc = getattr(value, "ENCODING", None)
    if enc is not None:
        return enc
    method = getattr(value, "encoding", None)
    return method(config) if method is not None else b"unknown"  # strEncoding()'s default


def object_refcount(value: Any, config: Any) -> int:
    """OBJECT REFCOUNT: small integers are Redis's shared objects (OBJ_SHARED_REFCOUNT)
    unless an LRU/LFU maxmemory policy forbids sharing; every other value has one owner."""
    if type(value) is bytes and len(value) <= 4:
        n = string2ll(value)
        if n is not None and 0 <= n < OBJ_SHARED_INTEGERS and (
                not config["maxmemory"] or config["maxmemory-policy"] not in _NO_SHARED_POLICIES):
            return OBJ_SHARED_REFCOUNT
    return 1


_object = container("object", since="2.2.3",
                    summary="A container for object introspection commands")

_OBJECT_HELP = [
    "ENCODING <key>",
    "    Return the kind of internal representation used in order to store the value",
    "    associated with a <key>.",
    "FREQ <key>",
    "    Return the access frequency index of the <key>. The returned integer is",
    "    proportional to the logarithm of the recent access frequency of the key.",
    "IDLETIME <key>",
    "    Return the idle time of the <key>, that is the approximated number of",
    "    seconds elapsed since the last access to the key.",
    "REFCOUNT <key>",
    "    Return the number of references of the value associated with the specified",
    "    <key>.",
]


@command("object|help", 2, "loading stale", since="6.2.0",
         summary="Show helpful text about the different subcommands")
def object_help(c: Client, argv: List[bytes]) -> Any:
    return help_reply(argv[0], _OBJECT_HELP)


def _object_lookup(c: Client, key: bytes) -> Any:
    """objectCommandLookup(): LOOKUP_NOTOUCH, so OBJECT does not change what it reports."""
    return c.db.lookup_read(key, touch=False)


@command("object|encoding", 3, "readonly", keys=(2, 2, 1), since="2.2.3",
         tips="nondeterministic_output",
         summary="Inspect the internal encoding of a Redis object")
def object_encoding_cmd(c: Client, argv: List[bytes]) -> Any:
    value = _object_lookup(c, argv[2])
    return None if value is None else object_encoding(value, c.engine.config)


@command("object|refcount", 3, "readonly", keys=(2, 2, 1), since="2.2.3",
         tips="nondeterministic_output",
         summary="Get the number of references to the value of the key")
def object_refcount_cmd(c: Client, argv: List[bytes]) -> Any:
    value = _object_lookup(c, argv[2])
    return None if value is None else object_refcount(value, c.engine.config)


@command("object|idletime", 3, "readonly", keys=(2, 2, 1), since="2.2.3",
         tips="nondeterministic_output",
         summary="Get the time since a Redis object was last accessed")
def object_idletime(c: Client, argv: List[bytes]) -> Any:
    if _object_lookup(c, argv[2]) is None:
        return None
    eng = c.engine
    if eng.lfu:
        raise CommandError(errors.OBJECT_IDLETIME_LFU)
    return eng.idle_seconds(c.db.access(argv[2]))


@command("object|freq", 3, "readonly", keys=(2, 2, 1), since="4.0.0",
         tips="nondeterministic_output",
         summary="Get the logarithmic access frequency counter of a Redis object")
def object_freq(c: Client, argv: List[bytes]) -> Any:
    if _object_lookup(c, argv[2]) is None:
        return None
    eng = c.engine
    if not eng.lfu:
        raise CommandError(errors.OBJECT_FREQ_NOT_LFU)
    # LFUDecrAndReturn(): the counter as it would be after decaying, without storing it
    return _keytable_py.lfu_decr(c.db.access(argv[2]), eng.access_clock,
                                 eng.config["lfu-decay-time"])
