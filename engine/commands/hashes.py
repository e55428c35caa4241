"""Hash commands (t_hash.c): values are ``HashValue`` (engine/types/hashes.py)."""

import random
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from native.resp_py import string2ll

from .. import errors, notify
from ..connection import Client
from ..errors import CommandError
from ..glob import compile_glob
from ..keyspace import Database
from ..replies import OK
from ..types.hashes import HashValue
from .args import (
    LLONG_MAX,
    LLONG_MIN,
    add_long_double,
    format_long_double,
    parse_int,
    parse_long_double,
)
from .keys import parse_cursor
from .table import TABLE, command

__all__ = ["EMPTY_SCAN", "range_long", "scan_options"]

EMPTY_SCAN = (b"0", ())
LONG_MAX = LLONG_MAX


def _read(db: Database, key: bytes) -> HashValue | None:
    """lookupKeyRead + checkType(OBJ_HASH)."""
    h = db.lookup_read(key)
    if h is None or type(h) is HashValue:
        return h
    raise CommandError(errors.WRONGTYPE)


def _write(db: Database, key: bytes) -> HashValue | None:
    h = db.lookup_write(key)
    if h is None or type(h) is HashValue:
        return h
    raise CommandError(errors.WRONGTYPE)


def _limits(c: Client) -> tuple:
    values = c.engine.config.values
    return values["hash-max-listpack-entries"], values["hash-max-listpack-value"]


def _stored(c: Client, key: bytes, h: HashValue, created: bool, event: bytes,
            changes: int) -> None:
    """The bookkeeping after a write that leaves the hash non-empty."""
    db = c.db
    if created:
        db.add(key, h)
    else:
        db.resized(h)
    db.signal_modified(key)
    c.engine.notify_keyspace_event(notify.HASH, event, key, db.id)
    c.engine.dirty += changes


def scan_options(argv: list[bytes], start: int) -> tuple:
    """scanGenericCommand()'s COUNT and MATCH: (count, match function or None)."""
    count = 10
    match: Callable[[bytes], bool] | None = None
    i, n = start, len(argv)
    while i < n:
        opt = argv[i].lower()
        if opt == b"count" and n - i >= 2:
            count = parse_int(argv[i + 1])
            if count < 1:
                raise CommandError(errors.SYNTAX)
        elif opt == b"match" and n - i >= 2:
            match = None if argv[i + 1] == b"*" else compile_glob(argv[i + 1])
        else:
            raise CommandError(errors.SYNTAX)
        i += 2
    return count, match


def range_long(b: bytes) -> int:
    """getRangeLongFromObjectOrReply(-LONG_MAX, LONG_MAX)."""
    v = parse_int(b)
    if v < -LONG_MAX:
        raise CommandError(errors.VALUE_OUT_OF_RANGE_BETWEEN % (-LONG_MAX, LONG_MAX))
    return v


# ------------------------------------------------------------------ writes


def _hset(c: Client, argv: list[bytes], name: str) -> Any:
    if len(argv) % 2:
        raise CommandError(errors.WRONG_ARITY % name)
    key = argv[1]
    h = _write(c.db, key)
    created = h is None
    if created:
        h = HashValue()
    max_entries, max_value = _limits(c)
    added = 0
    for i in range(2, len(argv), 2):
        added += h.set_field(argv[i], argv[i + 1], max_entries, max_value)
    _stored(c, key, h, created, b"hset", (len(argv) - 2) // 2)
    return added if name == "hset" else OK


@command("hset", -4, "write denyoom fast", keys=(1, 1, 1), group="hash", since="2.0.0",
         summary="Set the string value of a hash field",
         complexity="O(1) for each field/value pair added, so O(N) to add N field/value pairs "
         "when the command is called with multiple field/value pairs.")
def hset(c: Client, argv: list[bytes]) -> Any:
    return _hset(c, argv, "hset")


@command("hmset", -4, "write denyoom fast", keys=(1, 1, 1), group="hash", since="2.0.0",
         summary="Set multiple hash fields to multiple values",
         complexity="O(N) where N is the number of fields being set.")
def hmset(c: Client, argv: list[bytes]) -> Any:
    return _hset(c, argv, "hmset")


TABLE[b"hmset"].doc_flags = ("deprecated",)


@command("hsetnx", 4, "write denyoom fast", keys=(1, 1, 1), group="hash", since="2.0.0",
         summary="Set the value of a hash field, only if the field does not exist")
def hsetnx(c: Client, argv: list[bytes]) -> Any:
    key, field = argv[1], argv[2]
    h = _write(c.db, key)
    if h is not None and field in h:
        return 0
    created = h is None
    if created:
        h = HashValue()
    h.set_field(field, argv[3], *_limits(c))
    _stored(c, key, h, created, b"hset", 1)
    return 1


@command("hdel", -3, "write fast", keys=(1, 1, 1), group="hash", since="2.0.0",
         summary="Delete one or more hash fields",
         complexity="O(N) where N is the number of fields to be removed.")
def hdel(c: Client, argv: list[bytes]) -> Any:
    key = argv[1]
    db = c.db
    h = _write(db, key)
    if h is None:
        return 0
    deleted = 0
    for field in argv[2:]:
        if h.delete_field(field):
            deleted += 1
            if not h:
                break
    if deleted:
        eng = c.engine
        if h:
            db.resized(h)
        else:
            db.delete(key)
        db.signal_modified(key)
        eng.notify_keyspace_event(notify.HASH, b"hdel", key, db.id)
        if not h:
            eng.notify_keyspace_event(notify.GENERIC, b"del", key, db.id)
        eng.dirty += deleted
    return deleted


@command("hincrby", 4, "write denyoom fast", keys=(1, 1, 1), group="hash", since="2.0.0",
         summary="Increment the integer value of a hash field by the given number")
def hincrby(c: Client, argv: list[bytes]) -> Any:
    key, field = argv[1], argv[2]
    incr = parse_int(argv[3])
    h = _write(c.db, key)
    old = h.get(field) if h is not None else None
    value = 0
    if old is not None:
        value = string2ll(old)
        if value is None:
            raise CommandError(errors.HASH_NOT_INTEGER)
    value += incr
    if not LLONG_MIN <= value <= LLONG_MAX:
        raise CommandError(errors.OVERFLOW)
    created = h is None
    if created:
        h = HashValue()
    h.set_field(field, b"%d" % value, *_limits(c))
    _stored(c, key, h, created, b"hincrby", 1)
    return value


@command("hincrbyfloat", 4, "write denyoom fast", keys=(1, 1, 1), group="hash",
         since="2.6.0", summary="Increment the float value of a hash field by the given amount")
def hincrbyfloat(c: Client, argv: list[bytes]) -> Any:
    key, field = argv[1], argv[2]
    incr = parse_long_double(argv[3])
    if type(incr) is float:  # "inf" parses, but is refused as an increment
        raise CommandError(errors.NAN_OR_INFINITY)
    h = _write(c.db, key)
    old = h.get(field) if h is not None else None
    value = Fraction(0) if old is None else parse_long_double(old, errors.HASH_NOT_FLOAT)
    text = format_long_double(add_long_double(value, incr))
    created = h is None
    if created:
        h = HashValue()
    h.set_field(field, text, *_limits(c))
    _stored(c, key, h, created, b"hincrbyfloat", 1)
    # replicated as the HSET of the result, whatever the replica's float arithmetic
    c.propagate_argv = [b"HSET", key, field, text]
    return text


# ------------------------------------------------------------------ reads


@command("hget", 3, "readonly fast", keys=(1, 1, 1), group="hash", since="2.0.0",
         summary="Get the value of a hash field")
def hget(c: Client, argv: list[bytes]) -> Any:
    h = _read(c.db, argv[1])
    return None if h is None else h.get(argv[2])


@command("hmget", -3, "readonly fast", keys=(1, 1, 1), group="hash", since="2.0.0",
         summary="Get the values of all the given hash fields",
         complexity="O(N) where N is the number of fields being requested.")
def hmget(c: Client, argv: list[bytes]) -> Any:
    h = _read(c.db, argv[1])
    if h is None:
        return [None] * (len(argv) - 2)
    return [h.get(f) for f in argv[2:]]


@command("hlen", 2, "readonly fast", keys=(1, 1, 1), group="hash", since="2.0.0",
         summary="Get the number of fields in a hash")
def hlen(c: Client, argv: list[bytes]) -> Any:
    h = _read(c.db, argv[1])
    return 0 if h is None else len(h)


@command("hstrlen", 3, "readonly fast", keys=(1, 1, 1), group="hash", since="3.2.0",
         summary="Get the length of the value of a hash field")
def hstrlen(c: Client, argv: list[bytes]) -> Any:
    h = _read(c.db, argv[1])
    v = None if h is None else h.get(argv[2])
    return 0 if v is None else len(v)


@command("hexists", 3, "readonly fast", keys=(1, 1, 1), group="hash", since="2.0.0",
         summary="Determine if a hash field exists")
def hexists(c: Client, argv: list[bytes]) -> Any:
    h = _read(c.db, argv[1])
    return int(h is not None and argv[2] in h)


_ALL_COMPLEXITY = "O(N) where N is the size of the hash."


@command("hkeys", 2, "readonly", keys=(1, 1, 1), group="hash", since="2.0.0",
         tips="nondeterministic_output_order", summary="Get all the fields in a hash",
         complexity=_ALL_COMPLEXITY)
def hkeys(c: Client, argv: list[bytes]) -> Any:
    h = _read(c.db, argv[1])
    return [] if h is None else list(h)


@command("hvals", 2, "readonly", keys=(1, 1, 1), group="hash", since="2.0.0",
         tips="nondeterministic_output_order", summary="Get all the values in a hash",
         complexity=_ALL_COMPLEXITY)
def hvals(c: Client, argv: list[bytes]) -> Any:
    h = _read(c.db, argv[1])
    return [] if h is None else list(h.values())


@command("hgetall", 2, "readonly", keys=(1, 1, 1), group="hash", since="2.0.0",
         tips="nondeterministic_output_order", summary="Get all the fields and values in a hash",
         complexity=_ALL_COMPLEXITY)
def hgetall(c: Client, argv: list[bytes]) -> Any:
    h = _read(c.db, argv[1])
    return {} if h is None else dict(h)


@command("hrandfield", -2, "readonly", keys=(1, 1, 1), group="hash", since="6.2.0",
         tips="nondeterministic_output", summary="Get one or multiple random fields from a hash",
         complexity="O(N) where N is the number of fields returned")
def hrandfield(c: Client, argv: list[bytes]) -> Any:
    if len(argv) == 2:
        h = _read(c.db, argv[1])
        return None if h is None else random.choice(h.fields())
    count = range_long(argv[2])
    withvalues = len(argv) == 4
    if len(argv) > 4 or (withvalues and argv[3].lower() != b"withvalues"):
        raise CommandError(errors.SYNTAX)
    if withvalues and not -(LONG_MAX // 2) <= count <= LONG_MAX // 2:
        raise CommandError(errors.OUT_OF_RANGE)
    h = _read(c.db, argv[1])
    if h is None or count == 0:
        return []
    fields = h.fields()
    if count < 0 or count == 1:  # with repetitions, in random order
        picked = random.choices(fields, k=-count if count < 0 else 1)
    elif count >= len(h):
        picked = list(h)
    elif h.big:
        picked = random.sample(fields, count)
    else:  # a listpack samples distinct fields in listpack order (lpRandomPairsUnique)
        picked = [fields[i] for i in sorted(random.sample(range(len(fields)), count))]
    if not withvalues:
        return picked
    if c.resp == 3:
        return [[f, h[f]] for f in picked]
    return [x for f in picked for x in (f, h[f])]


@command("hscan", -3, "readonly", keys=(1, 1, 1), group="hash", since="2.8.0",
         tips="nondeterministic_output",
         summary="Incrementally iterate hash fields and associated values",
         complexity="O(1) for every call. O(N) for a complete iteration, including enough "
         "command calls for the cursor to return back to 0. N is the number of elements "
         "inside the collection..")
def hscan(c: Client, argv: list[bytes]) -> Any:
    cursor = parse_cursor(argv[2])
    h = _read(c.db, argv[1])
    if h is None:
        return EMPTY_SCAN
    count, match = scan_options(argv, 3)
    if h.big:
        cursor, fields = h.scan(cursor, count)
    else:  # a listpack is returned whole, with cursor 0
        cursor, fields = 0, list(h)
    if match is not None:
        fields = [f for f in fields if match(f)]
    return [b"%d" % cursor, [x for f in fields for x in (f, h[f])]]
