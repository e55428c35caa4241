"""List commands (t_list.c) and their blocking variants, plus CLIENT UNBLOCK.

Values are ``ListValue`` (engine/types/lists.py); an emptied list is deleted. Blocking
commands wait through engine/blocking.py; a served waiter's reply, notifications, dirty
count and replicated form are those of Redis 7.0's serveClientBlockedOnList.
"""

from typing import Any

from native.dispatch import fast_path

from .. import errors, notify
from ..blocking import block, can_block, parse_timeout, unblock
from ..connection import Client
from ..errors import CommandError, arg
from ..keyspace import Database
from ..replies import NULL_ARRAY, OK
from ..types.lists import ListValue
from .args import LLONG_MIN, parse_int
from .table import TABLE, command

# ------------------------------------------------------------------ helpers


def _read(db: Database, key: bytes) -> ListValue | None:
    v = db.lookup_read(key)
    if v is None or type(v) is ListValue:
        return v
    raise CommandError(errors.WRONGTYPE)


def _write(db: Database, key: bytes) -> ListValue | None:
    v = db.lookup_write(key)
    if v is None or type(v) is ListValue:
        return v
    raise CommandError(errors.WRONGTYPE)


def _where(b: bytes) -> bool:
    """getListPositionFromObjectOrReply(): True for LEFT (the head)."""
    w = b.lower()
    if w == b"left":
        return True
    if w == b"right":
        return False
    raise CommandError(errors.SYNTAX)


def _pop_name(left: bool) -> bytes:
    return b"LPOP" if left else b"RPOP"


def _side(left: bool) -> bytes:
    return b"LEFT" if left else b"RIGHT"


def _removed(c: Client, key: bytes, lv: ListValue, left: bool, count: int,
             served: bool = False) -> None:
    """listElementsRemoved(); a served BLPOP/BLMOVE neither signals nor counts dirty."""
    db = c.db
    eng = c.engine
    eng.notify_keyspace_event(notify.LIST, b"lpop" if left else b"rpop", key, db.id)
    if lv:
        db.resized(lv)
    else:
        db.delete(key)
        eng.notify_keyspace_event(notify.GENERIC, b"del", key, db.id)
    if not served:
        db.signal_modified(key)
        eng.dirty += count


def _index_range(start: int, end: int, llen: int) -> tuple | None:
    """Redis's clamping of a start..end range; None when it is empty. (No min()/max():
    they cost more than the rest of LRANGE's argument handling.)"""
    if start < 0:
        start = start + llen if start > -llen else 0
    if end < 0:
        end += llen
    if start > end or start >= llen:
        return None
    return start, (end if end < llen else llen - 1)


# ------------------------------------------------------------------ push


def _push(c: Client, argv: list[bytes], left: bool, existing_only: bool) -> int:
    key = argv[1]
    db = c.db
    lv = _write(db, key)
    items = argv[2:]
    if lv is None:
        if existing_only:
            return 0
        lv = ListValue()
        lv.push(items, left)
        db.add(key, lv)
    else:
        lv.push(items, left)
        db.resized(lv)
    db.signal_modified(key)
    eng = c.engine
    eng.notify_keyspace_event(notify.LIST, b"lpush" if left else b"rpush", key, db.id)
    eng.dirty += len(items)
    return len(lv)


_PUSH_COMPLEXITY = ("O(1) for each element added, so O(N) to add N elements when the command "
                    "is called with multiple arguments.")


@command("lpush", -3, "write denyoom fast", keys=(1, 1, 1), group="list",
         complexity=_PUSH_COMPLEXITY, summary="Prepend one or multiple elements to a list")
@fast_path("lpush")
def lpush(c: Client, argv: list[bytes]) -> Any:
    return _push(c, argv, True, False)


@command("rpush", -3, "write denyoom fast", keys=(1, 1, 1), group="list",
         complexity=_PUSH_COMPLEXITY, summary="Append one or multiple elements to a list")
@fast_path("rpush")
def rpush(c: Client, argv: list[bytes]) -> Any:
    return _push(c, argv, False, False)


@command("lpushx", -3, "write denyoom fast", keys=(1, 1, 1), group="list", since="2.2.0",
         complexity=_PUSH_COMPLEXITY,
         summary="Prepend an element to a list, only if the list exists")
def lpushx(c: Client, argv: list[bytes]) -> Any:
    return _push(c, argv, True, True)


@command("rpushx", -3, "write denyoom fast", keys=(1, 1, 1), group="list", since="2.2.0",
         complexity=_PUSH_COMPLEXITY,
         summary="Append an element to a list, only if the list exists")
def rpushx(c: Client, argv: list[bytes]) -> Any:
    return _push(c, argv, False, True)


# ------------------------------------------------------------------ pop


def _pop(c: Client, argv: list[bytes], left: bool) -> Any:
    if len(argv) > 3:
        raise CommandError(errors.WRONG_ARITY % ("lpop" if left else "rpop"))
    count = None
    if len(argv) == 3:
        count = parse_int(argv[2], errors.NOT_POSITIVE)
        if count < 0:
            raise CommandError(errors.NOT_POSITIVE)
    key = argv[1]
    lv = _write(c.db, key)
    if lv is None:
        return None if count is None else NULL_ARRAY
    if count is None:
        v = lv.pop_one(left)
        _removed(c, key, lv, left, 1)
        return v
    if count == 0:
        return []
    out = lv.pop_many(count, left)
    _removed(c, key, lv, left, len(out))
    return out


@command("lpop", -2, "write fast", keys=(1, 1, 1), group="list",
         complexity="O(N) where N is the number of elements returned",
         summary="Remove and get the first elements in a list")
@fast_path("lpop")
def lpop(c: Client, argv: list[bytes]) -> Any:
    return _pop(c, argv, True)


@command("rpop", -2, "write fast", keys=(1, 1, 1), group="list",
         complexity="O(N) where N is the number of elements returned",
         summary="Remove and get the last elements in a list")
@fast_path("rpop")
def rpop(c: Client, argv: list[bytes]) -> Any:
    return _pop(c, argv, False)


# ------------------------------------------------------------------ reads


@command("llen", 2, "readonly fast", keys=(1, 1, 1), group="list",
         summary="Get the length of a list")
def llen(c: Client, argv: list[bytes]) -> Any:
    lv = _read(c.db, argv[1])
    return 0 if lv is None else len(lv)


@command("lindex", 3, "readonly", keys=(1, 1, 1), group="list",
         complexity="O(N) where N is the number of elements to traverse to get to the element "
                    "at index. This makes asking for the first or the last element of the list "
                    "O(1).",
         summary="Get an element from a list by its index")
def lindex(c: Client, argv: list[bytes]) -> Any:
    lv = _read(c.db, argv[1])
    if lv is None:
        return None
    i = parse_int(argv[2])
    if i < 0:
        i += len(lv)
    return lv[i] if 0 <= i < len(lv) else None


@command("lrange", 4, "readonly", keys=(1, 1, 1), group="list",
         complexity="O(S+N) where S is the distance of start offset from HEAD for small lists, "
                    "from nearest end (HEAD or TAIL) for large lists; and N is the number of "
                    "elements in the specified range.",
         summary="Get a range of elements from a list")
@fast_path("lrange")
def lrange(c: Client, argv: list[bytes]) -> Any:
    start = parse_int(argv[2])
    end = parse_int(argv[3])
    lv = _read(c.db, argv[1])
    if lv is None:
        return []
    r = _index_range(start, end, len(lv))
    return [] if r is None else lv.range(*r)


@command("lpos", -3, "readonly", keys=(1, 1, 1), group="list", since="6.0.6",
         complexity="O(N) where N is the number of elements in the list, for the average "
                    "case. When searching for elements near the head or the tail of the list, "
                    "or when the MAXLEN option is provided, the command may run in constant "
                    "time.",
         summary="Return the index of matching elements on a list")
def lpos(c: Client, argv: list[bytes]) -> Any:
    ele = argv[2]
    rank, count, maxlen = 1, -1, 0  # count -1: no COUNT option
    n = len(argv)
    j = 3
    while j < n:
        opt = argv[j].lower()
        if j + 1 >= n:
            raise CommandError(errors.SYNTAX)
        if opt == b"rank":
            rank = parse_int(argv[j + 1])
            if rank == 0:
                raise CommandError(errors.LPOS_RANK_ZERO)
        elif opt == b"count":
            count = parse_int(argv[j + 1], errors.LPOS_COUNT_NEGATIVE)
            if count < 0:
                raise CommandError(errors.LPOS_COUNT_NEGATIVE)
        elif opt == b"maxlen":
            maxlen = parse_int(argv[j + 1], errors.LPOS_MAXLEN_NEGATIVE)
            if maxlen < 0:
                raise CommandError(errors.LPOS_MAXLEN_NEGATIVE)
        else:
            raise CommandError(errors.SYNTAX)
        j += 2
    lv = c.db.lookup_read(argv[1])
    if lv is None:
        return [] if count != -1 else None
    if type(lv) is not ListValue:
        raise CommandError(errors.WRONGTYPE)
    forward = rank > 0
    if rank == LLONG_MIN:
        # -LONG_MIN overflows and stays negative: every match ranks, COUNT never stops it
        rank, count = 1, (0 if count != -1 else -1)
    rank = abs(rank)
    llen = len(lv)
    seq: Any = lv if forward else list(reversed(lv))
    limit = min(maxlen, llen) if maxlen else llen
    found: list[int] = []
    matches = 0
    pos = 0
    while True:
        try:
            i = seq.index(ele, pos, limit)
        except ValueError:
            break
        matches += 1
        pos = i + 1
        if matches >= rank:
            found.append(i if forward else llen - 1 - i)
            if count == -1 or (count and len(found) >= count):
                break
    if count != -1:
        return found
    return found[0] if found else None


# ------------------------------------------------------------------ in-place writes


@command("linsert", 5, "write denyoom", keys=(1, 1, 1), group="list", since="2.2.0",
         complexity="O(N) where N is the number of elements to traverse before seeing the "
                    "value pivot. This means that inserting somewhere on the left end on the "
                    "list (head) can be considered O(1) and inserting somewhere on the right "
                    "end (tail) is O(N).",
         summary="Insert an element before or after another element in a list")
def linsert(c: Client, argv: list[bytes]) -> Any:
    where = argv[2].lower()
    if where not in (b"before", b"after"):
        raise CommandError(errors.SYNTAX)
    key = argv[1]
    db = c.db
    lv = _write(db, key)
    if lv is None:
        return 0
    try:
        i = lv.index(argv[3])
    except ValueError:
        return -1
    lv.insert_at(i if where == b"before" else i + 1, argv[4])
    db.resized(lv)
    db.signal_modified(key)
    c.engine.notify_keyspace_event(notify.LIST, b"linsert", key, db.id)
    c.engine.dirty += 1
    return len(lv)


@command("lset", 4, "write denyoom", keys=(1, 1, 1), group="list",
         complexity="O(N) where N is the length of the list. Setting either the first or the "
                    "last element of the list is O(1).",
         summary="Set the value of an element in a list by its index")
def lset(c: Client, argv: list[bytes]) -> Any:
    key = argv[1]
    db = c.db
    lv = _write(db, key)
    if lv is None:
        raise CommandError(errors.NO_SUCH_KEY)
    i = parse_int(argv[2])
    if i < 0:
        i += len(lv)
    if not 0 <= i < len(lv):
        raise CommandError(errors.INDEX_OUT_OF_RANGE)
    lv.replace(i, argv[3])
    db.resized(lv)
    db.signal_modified(key)
    c.engine.notify_keyspace_event(notify.LIST, b"lset", key, db.id)
    c.engine.dirty += 1
    return OK


@command("lrem", 4, "write", keys=(1, 1, 1), group="list",
         complexity="O(N+M) where N is the length of the list and M is the number of elements "
                    "removed.",
         summary="Remove elements from a list")
def lrem(c: Client, argv: list[bytes]) -> Any:
    count = parse_int(argv[2])
    key = argv[1]
    db = c.db
    lv = _write(db, key)
    if lv is None:
        return 0
    removed = lv.remove_value(argv[3], count)
    if removed:
        db.signal_modified(key)
        c.engine.notify_keyspace_event(notify.LIST, b"lrem", key, db.id)
        c.engine.dirty += removed
        if lv:
            db.resized(lv)
        else:
            db.delete(key)
            c.engine.notify_keyspace_event(notify.GENERIC, b"del", key, db.id)
    return removed


@command("ltrim", 4, "write", keys=(1, 1, 1), group="list",
         complexity="O(N) where N is the number of elements to be removed by the operation.",
         summary="Trim a list to the specified range")
def ltrim(c: Client, argv: list[bytes]) -> Any:
    start = parse_int(argv[2])
    end = parse_int(argv[3])
    key = argv[1]
    db = c.db
    lv = _write(db, key)
    if lv is None:
        return OK
    llen = len(lv)
    r = _index_range(start, end, llen)
    if r is None:
        removed = llen
        lv.assign([])
    else:
        start, end = r
        removed = llen - (end - start + 1)
        if removed <= llen - removed:
            lv.pop_many(start, True)
            lv.pop_many(llen - 1 - end, False)
        else:
            lv.assign(lv.range(start, end))
    eng = c.engine
    eng.notify_keyspace_event(notify.LIST, b"ltrim", key, db.id)
    if lv:
        db.resized(lv)
    else:
        db.delete(key)
        eng.notify_keyspace_event(notify.GENERIC, b"del", key, db.id)
    db.signal_modified(key)
    eng.dirty += removed
    return OK


# ------------------------------------------------------------------ move


def _move(c: Client, src_key: bytes, src: ListValue, dst_key: bytes, dst: ListValue | None,
          from_left: bool, to_left: bool, served: bool = False) -> bytes:
    """lmoveGenericCommand() once both keys were checked: pop, lmoveHandlePush(), then the
    source's side effects."""
    db = c.db
    eng = c.engine
    v = src.pop_one(from_left)
    if dst is None:
        dst = ListValue((v,))
        db.add(dst_key, dst)
    else:
        dst.push([v], to_left)
        if dst is not src:
            db.resized(dst)
    db.signal_modified(dst_key)
    eng.notify_keyspace_event(notify.LIST, b"lpush" if to_left else b"rpush", dst_key, db.id)
    eng.notify_keyspace_event(notify.LIST, b"lpop" if from_left else b"rpop", src_key, db.id)
    if src:
        db.resized(src)
    else:
        db.delete(src_key)
        eng.notify_keyspace_event(notify.GENERIC, b"del", src_key, db.id)
    if not served:
        db.signal_modified(src_key)
        eng.dirty += 1
    return v


def _lmove(c: Client, src_key: bytes, dst_key: bytes, from_left: bool, to_left: bool) -> Any:
    db = c.db
    src = _write(db, src_key)
    if src is None:
        return None
    return _move(c, src_key, src, dst_key, _write(db, dst_key), from_left, to_left)


@command("lmove", 5, "write denyoom", keys=(1, 2, 1), group="list", since="6.2.0",
         summary="Pop an element from a list, push it to another list and return it")
def lmove(c: Client, argv: list[bytes]) -> Any:
    return _lmove(c, argv[1], argv[2], _where(argv[3]), _where(argv[4]))


@command("rpoplpush", 3, "write denyoom", keys=(1, 2, 1), group="list", since="1.2.0",
         summary="Remove the last element in a list, prepend it to another list and return it")
def rpoplpush(c: Client, argv: list[bytes]) -> Any:
    return _lmove(c, argv[1], argv[2], False, True)


TABLE[b"rpoplpush"].doc_flags = ("deprecated",)


# ------------------------------------------------------------------ LMPOP


def _mpop_args(argv: list[bytes], numkeys_idx: int) -> tuple:
    """lmpopGenericCommand()'s parsing: (keys, left, count)."""
    numkeys = parse_int(argv[numkeys_idx], errors.NUMKEYS_NOT_POSITIVE)
    if numkeys < 1:
        raise CommandError(errors.NUMKEYS_NOT_POSITIVE)
    n = len(argv)
    where_idx = numkeys_idx + numkeys + 1
    if where_idx >= n:
        raise CommandError(errors.SYNTAX)
    left = _where(argv[where_idx])
    count = -1
    j = where_idx + 1
    while j < n:
        if count == -1 and argv[j].lower() == b"count" and j + 1 < n:
            count = parse_int(argv[j + 1], errors.MPOP_COUNT_NOT_POSITIVE)
            if count < 1:
                raise CommandError(errors.MPOP_COUNT_NOT_POSITIVE)
            j += 2
        else:
            raise CommandError(errors.SYNTAX)
    return argv[numkeys_idx + 1:where_idx], left, (1 if count == -1 else count)


def _pop_range(c: Client, key: bytes, lv: ListValue, left: bool, count: int) -> Any:
    """listPopRangeAndReplyWithKey(), replicated as [LR]POP key count."""
    items = lv.pop_many(count, left)
    _removed(c, key, lv, left, len(items))
    c.propagate_argv = [_pop_name(left), key, b"%d" % len(items)]
    return [key, items]


def _mpop(c: Client, keys: list[bytes], left: bool, count: int) -> Any:
    db = c.db
    for key in keys:
        lv = _write(db, key)
        if lv is not None:
            return _pop_range(c, key, lv, left, count)
    return None


_MPOP_COMPLEXITY = ("O(N+M) where N is the number of provided keys and M is the number of "
                    "elements returned.")


@command("lmpop", -4, "write", group="list", since="7.0.0",
         complexity=_MPOP_COMPLEXITY, summary="Pop elements from a list")
def lmpop(c: Client, argv: list[bytes]) -> Any:
    keys, left, count = _mpop_args(argv, 1)
    reply = _mpop(c, keys, left, count)
    return NULL_ARRAY if reply is None else reply


# ------------------------------------------------------------------ blocking


def _ready_list(cl: Client) -> ListValue | None:
    """The list a woken waiter is served from; anything else keeps it waiting."""
    v = cl.db.lookup_write(cl.blocked.ready_key)
    return v if type(v) is ListValue else None


def _bpop(c: Client, argv: list[bytes], left: bool) -> Any:
    timeout = parse_timeout(argv[-1])
    keys = argv[1:-1]
    db = c.db
    for key in keys:
        lv = _write(db, key)
        if lv is not None:
            v = lv.pop_one(left)
            _removed(c, key, lv, left, 1)
            c.propagate_argv = [_pop_name(left), key]
            return [key, v]

    def retry(cl: Client) -> Any:
        lv = _ready_list(cl)
        if lv is None:
            return None
        key = cl.blocked.ready_key
        v = lv.pop_one(left)
        _removed(cl, key, lv, left, 1, served=True)
        cl.propagate_argv = [_pop_name(left), key]
        return [key, v]

    return block(c, keys, timeout, retry, NULL_ARRAY)


@command("blpop", -3, "write noscript blocking", keys=(1, -2, 1), group="list", since="2.0.0",
         complexity="O(N) where N is the number of provided keys.",
         summary="Remove and get the first element in a list, or block until one is available")
def blpop(c: Client, argv: list[bytes]) -> Any:
    return _bpop(c, argv, True)


@command("brpop", -3, "write noscript blocking", keys=(1, -2, 1), group="list", since="2.0.0",
         complexity="O(N) where N is the number of provided keys.",
         summary="Remove and get the last element in a list, or block until one is available")
def brpop(c: Client, argv: list[bytes]) -> Any:
    return _bpop(c, argv, False)


def _blmove(c: Client, argv: list[bytes], from_left: bool, to_left: bool,
            timeout: float) -> Any:
    src_key, dst_key = argv[1], argv[2]
    rpoplpush = len(argv) == 4
    src = _write(c.db, src_key)
    if src is not None:
        reply = _move(c, src_key, src, dst_key, _write(c.db, dst_key), from_left, to_left)
        c.propagate_argv = ([b"RPOPLPUSH", src_key, dst_key] if rpoplpush
                            else [b"LMOVE", src_key, dst_key, argv[3], argv[4]])
        return reply
    if not can_block(c):
        return None  # a null bulk here, but a null array on timeout

    def retry(cl: Client) -> Any:
        src = _ready_list(cl)
        if src is None:
            return None
        dst = _write(cl.db, dst_key)  # WRONGTYPE ends the wait with that error
        v = _move(cl, src_key, src, dst_key, dst, from_left, to_left, served=True)
        cl.propagate_argv = ([b"RPOPLPUSH", src_key, dst_key] if rpoplpush else
                             [b"LMOVE", src_key, dst_key, _side(from_left), _side(to_left)])
        return v

    return block(c, [src_key], timeout, retry, NULL_ARRAY)


@command("blmove", 6, "write denyoom noscript blocking", keys=(1, 2, 1), group="list",
         since="6.2.0",
         summary="Pop an element from a list, push it to another list and return it; or block "
                 "until one is available")
def blmove(c: Client, argv: list[bytes]) -> Any:
    from_left, to_left = _where(argv[3]), _where(argv[4])
    return _blmove(c, argv, from_left, to_left, parse_timeout(argv[5]))


@command("brpoplpush", 4, "write denyoom noscript blocking", keys=(1, 2, 1), group="list",
         since="2.2.0",
         summary="Pop an element from a list, push it to another list and return it; or block "
                 "until one is available")
def brpoplpush(c: Client, argv: list[bytes]) -> Any:
    return _blmove(c, argv, False, True, parse_timeout(argv[3]))


TABLE[b"brpoplpush"].doc_flags = ("deprecated",)


@command("blmpop", -5, "write blocking", group="list", since="7.0.0",
         complexity=_MPOP_COMPLEXITY, summary="Pop elements from a list, or block until one is "
                                              "available")
def blmpop(c: Client, argv: list[bytes]) -> Any:
    keys, left, count = _mpop_args(argv, 2)
    timeout = parse_timeout(argv[1])
    reply = _mpop(c, keys, left, count)
    if reply is not None:
        return reply

    def retry(cl: Client) -> Any:
        lv = _ready_list(cl)
        return None if lv is None else _pop_range(cl, cl.blocked.ready_key, lv, left, count)

    return block(c, keys, timeout, retry, NULL_ARRAY)


# ------------------------------------------------------------------ CLIENT UNBLOCK
# (the CLIENT container is declared by engine/commands/server.py, loaded before this module)


@command("client|unblock", -3, "admin noscript loading stale", group="connection",
         since="5.0.0", complexity="O(log N) where N is the number of client connections",
         summary="Unblock a client blocked in a blocking command from a different connection")
def client_unblock(c: Client, argv: list[bytes]) -> Any:
    if len(argv) > 4:
        raise CommandError(errors.SUBCOMMAND_SYNTAX % (arg(argv[1], 128),
                                                       arg(argv[0]).upper()))
    error = False
    if len(argv) == 4:
        mode = argv[3].lower()
        if mode == b"error":
            error = True
        elif mode != b"timeout":
            raise CommandError(errors.CLIENT_UNBLOCK_MODE)
    target = c.engine.clients.get(parse_int(argv[2]))
    if target is None or target.blocked is None:
        return 0
    unblock(target, error)
    return 1
