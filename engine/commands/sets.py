"""Set commands (t_set.c): values are ``SetValue`` (engine/types/sets.py).

Replies that Redis builds by iterating a set list an intset's members in ascending order
(``SetValue.members``), so they are ordered ``SetReply`` values, not Python sets."""

import random
from typing import Any

from native.resp_common import SetReply

from .. import errors, notify
from ..connection import Client
from ..errors import CommandError
from ..keyspace import Database
from ..types.sets import SetValue
from .args import parse_int
from .hashes import EMPTY_SCAN, range_long, scan_options
from .keys import parse_cursor
from .table import command

__all__: list[str] = []

SPOP_MOVE_STRATEGY_MUL = 5


def _read(db: Database, key: bytes) -> SetValue | None:
    """lookupKeyRead + checkType(OBJ_SET)."""
    s = db.lookup_read(key)
    if s is None or type(s) is SetValue:
        return s
    raise CommandError(errors.WRONGTYPE)


def _write(db: Database, key: bytes) -> SetValue | None:
    s = db.lookup_write(key)
    if s is None or type(s) is SetValue:
        return s
    raise CommandError(errors.WRONGTYPE)


def _max_intset(c: Client) -> int:
    return c.engine.config.values["set-max-intset-entries"]


def _removed(c: Client, key: bytes, s: SetValue, event: bytes, changes: int) -> None:
    """The bookkeeping after members left a stored set: deleted when emptied."""
    db = c.db
    eng = c.engine
    eng.notify_keyspace_event(notify.SET, event, key, db.id)
    if s:
        db.resized(s)
    else:
        db.delete(key)
        eng.notify_keyspace_event(notify.GENERIC, b"del", key, db.id)
    db.signal_modified(key)
    eng.dirty += changes


def _store(c: Client, dstkey: bytes, dst: SetValue, event: bytes) -> int:
    """The end of the *STORE commands: the result replaces the key, or an empty result
    deletes it."""
    db = c.db
    eng = c.engine
    if dst:
        db.set_key(dstkey, dst)
        eng.notify_keyspace_event(notify.SET, event, dstkey, db.id)
        eng.dirty += 1
        return len(dst)
    if db.delete(dstkey):
        eng.dirty += 1
        db.signal_modified(dstkey)
        eng.notify_keyspace_event(notify.GENERIC, b"del", dstkey, db.id)
    return 0


# ------------------------------------------------------------------ single set


@command("sadd", -3, "write denyoom fast", keys=(1, 1, 1), group="set",
         summary="Add one or more members to a set",
         complexity="O(1) for each element added, so O(N) to add N elements when the command "
         "is called with multiple arguments.")
def sadd(c: Client, argv: list[bytes]) -> Any:
    key = argv[1]
    db = c.db
    s = _write(db, key)
    created = s is None
    if created:
        s = SetValue()
    max_intset = _max_intset(c)
    added = 0
    for m in argv[2:]:
        added += s.add_member(m, max_intset)
    if created:
        db.add(key, s)
    if added:
        if not created:
            db.resized(s)
        db.signal_modified(key)
        c.engine.notify_keyspace_event(notify.SET, b"sadd", key, db.id)
        c.engine.dirty += added
    return added


@command("srem", -3, "write fast", keys=(1, 1, 1), group="set",
         summary="Remove one or more members from a set",
         complexity="O(N) where N is the number of members to be removed.")
def srem(c: Client, argv: list[bytes]) -> Any:
    key = argv[1]
    s = _write(c.db, key)
    if s is None:
        return 0
    deleted = 0
    for m in argv[2:]:
        if s.remove_member(m):
            deleted += 1
            if not s:
                break
    if deleted:
        _removed(c, key, s, b"srem", deleted)
    return deleted


@command("smembers", 2, "readonly", keys=(1, 1, 1), group="set",
         tips="nondeterministic_output_order", summary="Get all the members in a set",
         complexity="O(N) where N is the set cardinality.")
def smembers(c: Client, argv: list[bytes]) -> Any:
    s = _read(c.db, argv[1])
    return SetReply() if s is None else SetReply(s.members())


@command("sismember", 3, "readonly fast", keys=(1, 1, 1), group="set",
         summary="Determine if a given value is a member of a set")
def sismember(c: Client, argv: list[bytes]) -> Any:
    s = _read(c.db, argv[1])
    return int(s is not None and argv[2] in s)


@command("smismember", -3, "readonly fast", keys=(1, 1, 1), group="set", since="6.2.0",
         summary="Returns the membership associated with the given elements for a set",
         complexity="O(N) where N is the number of elements being checked for membership")
def smismember(c: Client, argv: list[bytes]) -> Any:
    s = _read(c.db, argv[1])
    if s is None:
        return [0] * (len(argv) - 2)
    return [int(m in s) for m in argv[2:]]


@command("scard", 2, "readonly fast", keys=(1, 1, 1), group="set",
         summary="Get the number of members in a set")
def scard(c: Client, argv: list[bytes]) -> Any:
    s = _read(c.db, argv[1])
    return 0 if s is None else len(s)


@command("spop", -2, "write fast", keys=(1, 1, 1), group="set", tips="nondeterministic_output",
         summary="Remove and return one or multiple random members from a set",
         complexity="Without the count argument O(1), otherwise O(N) where N is the value of "
         "the passed count.")
def spop(c: Client, argv: list[bytes]) -> Any:
    if len(argv) == 3:
        return _spop_count(c, argv)
    if len(argv) > 3:
        raise CommandError(errors.SYNTAX)
    key = argv[1]
    s = _write(c.db, key)
    if s is None:
        return None
    member = random.choice(s.pool())
    s.remove_member(member)
    _removed(c, key, s, b"spop", 1)
    c.propagate_argv = [b"SREM", key, member]
    return member


def _spop_count(c: Client, argv: list[bytes]) -> Any:
    key = argv[1]
    count = parse_int(argv[2], errors.NOT_POSITIVE)
    if count < 0:
        raise CommandError(errors.NOT_POSITIVE)
    db = c.db
    s = _write(db, key)
    if s is None or count == 0:
        return SetReply()
    eng = c.engine
    eng.notify_keyspace_event(notify.SET, b"spop", key, db.id)
    size = len(s)
    eng.dirty += min(count, size)
    if count >= size:  # the whole set, as SUNION of it would list it
        popped = SetValue(s.members(), _max_intset(c)).members()
        db.delete(key)
        eng.notify_keyspace_event(notify.GENERIC, b"del", key, db.id)
        db.signal_modified(key)
        c.propagate_argv = [b"DEL", key]
        return SetReply(popped)
    remaining = size - count
    if remaining * SPOP_MOVE_STRATEGY_MUL > count:
        popped = random.sample(s.pool(), count)
        for m in popped:
            s.remove_member(m)
        db.resized(s)
    else:
        # Redis moves the members that stay to a new set (whose encoding starts afresh) and
        # returns the rest in the old set's order
        keep = random.sample(s.pool(), remaining)
        for m in keep:
            s.remove_member(m)
        popped = list(s.members())
        db.overwrite(key, SetValue(keep, _max_intset(c)))
    db.signal_modified(key)
    c.propagate_argv = [b"SREM", key, *popped]
    return SetReply(popped)


@command("srandmember", -2, "readonly", keys=(1, 1, 1), group="set",
         tips="nondeterministic_output", summary="Get one or multiple random members from a set",
         complexity="Without the count argument O(1), otherwise O(N) where N is the absolute "
         "value of the passed count.")
def srandmember(c: Client, argv: list[bytes]) -> Any:
    if len(argv) > 3:
        raise CommandError(errors.SYNTAX)
    if len(argv) == 2:
        s = _read(c.db, argv[1])
        return None if s is None else random.choice(s.pool())
    count = range_long(argv[2])
    s = _read(c.db, argv[1])
    if s is None or count == 0:
        return []
    if count < 0 or count == 1:  # with repetitions
        return random.choices(s.pool(), k=-count if count < 0 else 1)
    if count >= len(s):
        return list(s.members())
    return random.sample(s.pool(), count)


@command("smove", 4, "write fast", keys=(1, 2, 1), group="set",
         summary="Move a member from one set to another")
def smove(c: Client, argv: list[bytes]) -> Any:
    srckey, dstkey, member = argv[1], argv[2], argv[3]
    db = c.db
    src = db.lookup_write(srckey)
    dst = db.lookup_write(dstkey)
    if src is None:  # even when the destination has the wrong type
        return 0
    if type(src) is not SetValue or (dst is not None and type(dst) is not SetValue):
        raise CommandError(errors.WRONGTYPE)
    if src is dst:
        return int(member in src)
    if not src.remove_member(member):
        return 0
    eng = c.engine
    eng.notify_keyspace_event(notify.SET, b"srem", srckey, db.id)
    if src:
        db.resized(src)
    else:
        db.delete(srckey)
        eng.notify_keyspace_event(notify.GENERIC, b"del", srckey, db.id)
    db.signal_modified(srckey)
    eng.dirty += 1
    if dst is None:
        dst = SetValue()
        dst.add_member(member, _max_intset(c))
        db.add(dstkey, dst)
    elif dst.add_member(member, _max_intset(c)):
        db.resized(dst)
    else:
        return 1
    eng.dirty += 1
    db.signal_modified(dstkey)
    eng.notify_keyspace_event(notify.SET, b"sadd", dstkey, db.id)
    return 1


@command("sscan", -3, "readonly", keys=(1, 1, 1), group="set", since="2.8.0",
         tips="nondeterministic_output", summary="Incrementally iterate Set elements",
         complexity="O(1) for every call. O(N) for a complete iteration, including enough "
         "command calls for the cursor to return back to 0. N is the number of elements "
         "inside the collection..")
def sscan(c: Client, argv: list[bytes]) -> Any:
    cursor = parse_cursor(argv[2])
    s = _read(c.db, argv[1])
    if s is None:
        return EMPTY_SCAN
    count, match = scan_options(argv, 3)
    if s.big:
        cursor, members = s.scan(cursor, count)
    else:  # an intset is returned whole, with cursor 0
        cursor, members = 0, s.members()
    if match is not None:
        members = [m for m in members if match(m)]
    return [b"%d" % cursor, list(members)]


# ------------------------------------------------------------------ set algebra


def _sources(c: Client, keys: list[bytes], write: bool) -> list[SetValue | None]:
    """The sets named (None for a missing key); WRONGTYPE if any key holds something else."""
    look = c.db.lookup_write if write else c.db.lookup_read
    sets = []
    for key in keys:
        s = look(key)
        if s is not None and type(s) is not SetValue:
            raise CommandError(errors.WRONGTYPE)
        sets.append(s)
    return sets


def _sinter(c: Client, keys: list[bytes], dstkey: bytes | None = None,
            cardinality_only: bool = False, limit: int = 0) -> Any:
    """sinterGenericCommand()."""
    sets = _sources(c, keys, dstkey is not None)
    if any(s is None for s in sets):  # a missing key is an empty set: so is the intersection
        if dstkey is not None:
            return _store(c, dstkey, SetValue(), b"sinterstore")
        return 0 if cardinality_only else SetReply()
    # from the smallest set, in its order (a stable sort, as glibc's qsort is)
    sets.sort(key=len)
    first = sets[0]
    others = [s for s in sets[1:] if s is not first]
    out = []
    for m in first.members():
        for s in others:
            if m not in s:
                break
        else:
            out.append(m)
            if cardinality_only and limit and len(out) >= limit:
                break
    if cardinality_only:
        return len(out)
    if dstkey is None:
        return SetReply(out)
    return _store(c, dstkey, SetValue(out, _max_intset(c)), b"sinterstore")


def _sunion_diff(c: Client, keys: list[bytes], dstkey: bytes | None, union: bool) -> Any:
    """sunionDiffGenericCommand(): the result is built by adding (and, for the second DIFF
    algorithm, removing) members one by one, which decides its encoding and order."""
    sets = _sources(c, keys, dstkey is not None)
    max_intset = _max_intset(c)
    dst = SetValue()
    first = sets[0]
    present = [s for s in sets if s is not None]
    if union:
        for s in present:
            for m in s.members():
                dst.add_member(m, max_intset)
    elif first is not None:
        others = [s for s in sets[1:] if s is not None]
        if len(first) * len(present) // 2 <= sum(map(len, present)):
            for m in first.members():
                for s in others:
                    if s is first or m in s:
                        break
                else:
                    dst.add_member(m, max_intset)
        else:
            for m in first.members():
                dst.add_member(m, max_intset)
            for s in others:
                for m in s.members():
                    dst.remove_member(m)
                if not dst:
                    break
    if dstkey is None:
        return SetReply(dst.members())
    return _store(c, dstkey, dst, b"sunionstore" if union else b"sdiffstore")


_INTER_COMPLEXITY = ("O(N*M) worst case where N is the cardinality of the smallest set and M "
                     "is the number of sets.")
_UNION_COMPLEXITY = "O(N) where N is the total number of elements in all given sets."


@command("sinter", -2, "readonly", keys=(1, -1, 1), group="set",
         tips="nondeterministic_output_order", summary="Intersect multiple sets",
         complexity=_INTER_COMPLEXITY)
def sinter(c: Client, argv: list[bytes]) -> Any:
    return _sinter(c, argv[1:])


@command("sinterstore", -3, "write denyoom", keys=(1, -1, 1), group="set",
         summary="Intersect multiple sets and store the resulting set in a key",
         complexity=_INTER_COMPLEXITY)
def sinterstore(c: Client, argv: list[bytes]) -> Any:
    return _sinter(c, argv[2:], argv[1])


@command("sintercard", -3, "readonly", group="set", since="7.0.0",
         summary="Intersect multiple sets and return the cardinality of the result",
         complexity=_INTER_COMPLEXITY)
def sintercard(c: Client, argv: list[bytes]) -> Any:
    numkeys = parse_int(argv[1], errors.NUMKEYS_NOT_POSITIVE)
    if numkeys < 1:
        raise CommandError(errors.NUMKEYS_NOT_POSITIVE)
    if numkeys > len(argv) - 2:
        raise CommandError(errors.NUMKEYS_TOO_MANY)
    limit = 0
    j = 2 + numkeys
    while j < len(argv):
        if argv[j].lower() == b"limit" and j + 1 < len(argv):
            j += 1
            limit = parse_int(argv[j], errors.LIMIT_NEGATIVE)
            if limit < 0:
                raise CommandError(errors.LIMIT_NEGATIVE)
        else:
            raise CommandError(errors.SYNTAX)
        j += 1
    return _sinter(c, argv[2:2 + numkeys], cardinality_only=True, limit=limit)


@command("sunion", -2, "readonly", keys=(1, -1, 1), group="set",
         tips="nondeterministic_output_order", summary="Add multiple sets",
         complexity=_UNION_COMPLEXITY)
def sunion(c: Client, argv: list[bytes]) -> Any:
    return _sunion_diff(c, argv[1:], None, True)


@command("sunionstore", -3, "write denyoom", keys=(1, -1, 1), group="set",
         summary="Add multiple sets and store the resulting set in a key",
         complexity=_UNION_COMPLEXITY)
def sunionstore(c: Client, argv: list[bytes]) -> Any:
    return _sunion_diff(c, argv[2:], argv[1], True)


@command("sdiff", -2, "readonly", keys=(1, -1, 1), group="set",
         tips="nondeterministic_output_order", summary="Subtract multiple sets",
         complexity=_UNION_COMPLEXITY)
def sdiff(c: Client, argv: list[bytes]) -> Any:
    return _sunion_diff(c, argv[1:], None, False)


@command("sdiffstore", -3, "write denyoom", keys=(1, -1, 1), group="set",
         summary="Subtract multiple sets and store the resulting set in a key",
         complexity=_UNION_COMPLEXITY)
def sdiffstore(c: Client, argv: list[bytes]) -> Any:
    return _sunion_diff(c, argv[2:], argv[1], False)
