"""Sorted-set commands (t_zset.c): values are ``ZSetValue`` (engine/types/zset.py)."""

import math
import random
import re
from typing import Any

from .. import errors, notify
from ..blocking import block, parse_timeout
from ..connection import Client
from ..errors import CommandError
from ..keyspace import Database
from ..replies import NULL_ARRAY
from ..types.sets import SetValue
from ..types.zset import ZSetValue
from .args import LLONG_MAX, format_double, parse_float, parse_int
from .hashes import EMPTY_SCAN, range_long, scan_options
from .keys import parse_cursor
from .table import TABLE, command

Entries = list[tuple[float, bytes]]

_GROUP = {"group": "sorted-set", "acl": "sortedset"}
_RANGE_COMPLEXITY = ("O(log(N)+M) with N being the number of elements in the sorted set and M "
                     "the number of elements being returned. If M is constant (e.g. always "
                     "asking for the first 10 elements with LIMIT), you can consider it "
                     "O(log(N)).")
_REMRANGE_COMPLEXITY = ("O(log(N)+M) with N being the number of elements in the sorted set and "
                        "M the number of elements removed by the operation.")

# ------------------------------------------------------------------ helpers


def _read(db: Database, key: bytes) -> ZSetValue | None:
    """lookupKeyRead + checkType(OBJ_ZSET)."""
    zs = db.lookup_read(key)
    if zs is None or type(zs) is ZSetValue:
        return zs
    raise CommandError(errors.WRONGTYPE)


def _write(db: Database, key: bytes) -> ZSetValue | None:
    zs = db.lookup_write(key)
    if zs is None or type(zs) is ZSetValue:
        return zs
    raise CommandError(errors.WRONGTYPE)


def _limits(c: Client) -> tuple[int, int]:
    values = c.engine.config.values
    return values["zset-max-listpack-entries"], values["zset-max-listpack-value"]


def _changed(c: Client, key: bytes, zs: ZSetValue, event: bytes, changes: int) -> None:
    """The bookkeeping after elements were removed: an emptied sorted set is deleted."""
    db = c.db
    eng = c.engine
    gone = not len(zs)
    if gone:
        db.delete(key)
    else:
        db.resized(zs)
    db.signal_modified(key)
    eng.notify_keyspace_event(notify.ZSET, event, key, db.id)
    if gone:
        eng.notify_keyspace_event(notify.GENERIC, b"del", key, db.id)
    eng.dirty += changes


def _store(c: Client, dst: bytes, result: dict[bytes, float] | ZSetValue, event: bytes) -> int:
    """The *STORE commands' ending: setKey() a non-empty result, else delete ``dst``."""
    db = c.db
    eng = c.engine
    if result:
        zs = result if type(result) is ZSetValue else ZSetValue.from_scores(result, *_limits(c))
        db.set_key(dst, zs)
        eng.notify_keyspace_event(notify.ZSET, event, dst, db.id)
        eng.dirty += 1
        return len(zs)
    if db.delete(dst):
        db.signal_modified(dst)
        eng.notify_keyspace_event(notify.GENERIC, b"del", dst, db.id)
        eng.dirty += 1
    return 0


def _reply(c: Client, entries: Entries, withscores: bool) -> list[Any]:
    """Members, with their scores flat in RESP2 and as [member, score] pairs in RESP3."""
    if not withscores:
        return [m for _s, m in entries]
    if c.resp == 2:
        return [x for s, m in entries for x in (m, s)]
    return [[m, s] for s, m in entries]


# ------------------------------------------------------------------ ranges
# zslParseRange() reads a bound with strtod(): leading space skipped, the text ends at a
# NUL, "" is 0 and an overflow is infinite -- laxer than the score parser of ZADD.
_STRTOD_RE = re.compile(
    rb"[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|(0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|"
    rb"\.[0-9a-fA-F]+)(?:[pP][+-]?\d+)?)|inf(?:inity)?)", re.IGNORECASE)
_SPACES = b" \t\n\v\f\r"
_INF = math.inf


def _strtod(b: bytes) -> float:
    nul = b.find(b"\x00")
    if nul >= 0:
        b = b[:nul]
    if not b:
        return 0.0
    b = b.lstrip(_SPACES)
    m = _STRTOD_RE.fullmatch(b)
    if m is None:
        raise CommandError(errors.MIN_MAX_NOT_FLOAT)
    if m.group(1) is None:
        return float(b)
    try:
        return float.fromhex(b.decode())
    except OverflowError:
        return -_INF if b[:1] == b"-" else _INF


def _score_bound(b: bytes) -> tuple[float, bool]:
    """(value, exclusive): "(" makes a bound open."""
    ex = b[:1] == b"("
    return _strtod(b[1:] if ex else b), ex


def _score_range(lo: bytes, hi: bytes) -> tuple[float, bool, float, bool]:
    """zslParseRange(): (min, min exclusive, max, max exclusive)."""
    return (*_score_bound(lo), *_score_bound(hi))


def _score_span(zs: ZSetValue, rng: tuple[float, bool, float, bool]) -> tuple[int, int]:
    """Ranks lo <= rank < hi of the entries within a score range."""
    lo = zs.score_bound(rng[0], rng[1])
    return lo, max(lo, zs.score_bound(rng[2], not rng[3]))


# A lex bound is (kind, text, exclusive): kind 0 is "-", 2 is "+", 1 a "[" or "(" text.
LexBound = tuple[int, bytes, bool]


def _lex_bound(b: bytes) -> LexBound:
    """zslParseLexRangeItem()."""
    first = b[:1]
    if first in (b"-", b"+"):
        if len(b) > 1 and b[1]:  # "+\0..." passes: the check is on the C string
            raise CommandError(errors.MIN_MAX_NOT_LEX)
        return (0 if first == b"-" else 2), b"", True
    if first == b"(" or first == b"[":
        return 1, b[1:], first == b"("
    raise CommandError(errors.MIN_MAX_NOT_LEX)


def _lex_range(lo: bytes, hi: bytes) -> tuple[LexBound, LexBound]:
    return _lex_bound(lo), _lex_bound(hi)


def _gte_min(m: bytes, b: LexBound) -> bool:
    if b[0] != 1:
        return b[0] == 0
    return m > b[1] if b[2] else m >= b[1]


def _lte_max(m: bytes, b: LexBound) -> bool:
    if b[0] != 1:
        return b[0] == 2
    return m < b[1] if b[2] else m <= b[1]


def _lex_span(zs: ZSetValue, rng: tuple[LexBound, LexBound], reverse: bool) -> tuple[int, int]:
    """Ranks lo <= rank < hi of the entries within a lex range (zzlFirstInLexRange...)."""
    mn, mx = rng
    n = len(zs)
    lo_key, hi_key = mn[:2], mx[:2]  # sdscmplex() order: "-" < any text < "+"
    if not n or lo_key > hi_key or (lo_key == hi_key and (mn[2] or mx[2])):
        return 0, 0
    first, last = zs.at(0), zs.at(-1)
    if not _gte_min(last[1], mn) or not _lte_max(first[1], mx):
        return 0, 0
    if first[0] == last[0]:  # one score: the members are in order, bisect them
        lo = 0 if mn[0] == 0 else zs.member_bound(first[0], mn[1], mn[2])
        hi = n if mx[0] == 2 else zs.member_bound(first[0], mx[1], not mx[2])
        return lo, max(lo, hi)
    # Scores differ (Redis leaves the result undefined): walk as a listpack does.
    members = [m for _s, m in zs]
    if not reverse:
        lo = next((i for i, m in enumerate(members) if _gte_min(m, mn)), n)
        hi = lo
        while hi < n and _lte_max(members[hi], mx):
            hi += 1
        return lo, hi
    hi = next((i for i in range(n - 1, -1, -1) if _lte_max(members[i], mx)), -1) + 1
    lo = hi
    while lo > 0 and _gte_min(members[lo - 1], mn):
        lo -= 1
    return lo, hi


def _window(zs: ZSetValue, lo: int, hi: int, offset: int, limit: int, reverse: bool) -> Entries:
    """LIMIT offset count over the ranks lo..hi-1 (walked from hi-1 when reverse); a
    negative offset gives nothing, a negative count everything from the offset."""
    count = hi - lo
    if offset < 0 or offset >= count:
        return []
    k = count - offset if limit < 0 else min(limit, count - offset)
    if reverse:
        return zs.slice(hi - offset - k, hi - offset, True)
    return zs.slice(lo + offset, lo + offset + k)


def _rank_span(zs: ZSetValue, start: int, end: int) -> tuple[int, int]:
    """Redis's sanitized start..end indexes as ranks lo <= rank < hi."""
    n = len(zs)
    if start < 0:
        start += n
    if end < 0:
        end += n
    start = max(start, 0)
    if start > end or start >= n:
        return 0, 0
    return start, min(end, n - 1) + 1


# ------------------------------------------------------------------ ZADD ZINCRBY ZREM


def _zadd(c: Client, argv: list[bytes], incr: bool) -> Any:
    """zaddGenericCommand()."""
    nx = xx = gt = lt = ch = False
    i, n = 2, len(argv)
    while i < n:
        opt = argv[i].lower()
        if opt == b"nx":
            nx = True
        elif opt == b"xx":
            xx = True
        elif opt == b"ch":
            ch = True
        elif opt == b"incr":
            incr = True
        elif opt == b"gt":
            gt = True
        elif opt == b"lt":
            lt = True
        else:
            break
        i += 1
    elements = n - i
    if elements % 2 or not elements:
        raise CommandError(errors.SYNTAX)
    if nx and xx:
        raise CommandError(errors.ZADD_XX_NX)
    if (gt and nx) or (lt and nx) or (gt and lt):
        raise CommandError(errors.ZADD_GT_LT_NX)
    if incr and elements > 2:
        raise CommandError(errors.ZADD_INCR_PAIR)
    scores = [parse_float(argv[j]) for j in range(i, n, 2)]
    key = argv[1]
    db = c.db
    zs = _write(db, key)
    if zs is None:
        if xx:
            return None if incr else 0
        zs = ZSetValue()
        db.add(key, zs)
    max_entries, max_value = _limits(c)
    added = updated = processed = 0
    score = 0.0
    for j, score in enumerate(scores):
        member = argv[i + 1 + 2 * j]
        cur = zs.scores.get(member)
        if cur is None:
            if xx:
                continue
            zs.insert(member, score, max_entries, max_value)
            added += 1
        else:
            if nx:
                continue
            if incr:
                score += cur
                if math.isnan(score):
                    raise CommandError(errors.ZSCORE_NAN)
            if (lt and score >= cur) or (gt and score <= cur):
                continue
            if score != cur:  # -0.0 == 0.0: the stored zero keeps its sign
                zs.update(member, score)
                updated += 1
        processed += 1
    if added or updated:
        db.resized(zs)
        db.signal_modified(key)
        c.engine.dirty += added + updated
        c.engine.notify_keyspace_event(notify.ZSET, b"zincr" if incr else b"zadd", key, db.id)
    if incr:
        return score if processed else None
    return added + updated if ch else added


@command("zadd", -4, "write denyoom fast", keys=(1, 1, 1), since="1.2.0", **_GROUP,
         summary="Add one or more members to a sorted set, or update its score if it already "
         "exists", complexity="O(log(N)) for each item added, where N is the number of elements "
         "in the sorted set.")
def zadd(c: Client, argv: list[bytes]) -> Any:
    return _zadd(c, argv, False)


@command("zincrby", 4, "write denyoom fast", keys=(1, 1, 1), since="1.2.0", **_GROUP,
         summary="Increment the score of a member in a sorted set",
         complexity="O(log(N)) where N is the number of elements in the sorted set.")
def zincrby(c: Client, argv: list[bytes]) -> Any:
    return _zadd(c, argv, True)  # so "ZINCRBY k nx m" is a syntax error, as in Redis


@command("zrem", -3, "write fast", keys=(1, 1, 1), since="1.2.0", **_GROUP,
         summary="Remove one or more members from a sorted set",
         complexity="O(M*log(N)) with N being the number of elements in the sorted set and M "
         "the number of elements to be removed.")
def zrem(c: Client, argv: list[bytes]) -> Any:
    key = argv[1]
    zs = _write(c.db, key)
    if zs is None:
        return 0
    deleted = 0
    for member in argv[2:]:
        deleted += zs.delete(member)
        if not len(zs):
            break
    if deleted:
        _changed(c, key, zs, b"zrem", deleted)
    return deleted


# ------------------------------------------------------------------ reads


@command("zcard", 2, "readonly fast", keys=(1, 1, 1), since="1.2.0", **_GROUP,
         summary="Get the number of members in a sorted set")
def zcard(c: Client, argv: list[bytes]) -> Any:
    zs = _read(c.db, argv[1])
    return 0 if zs is None else len(zs)


@command("zscore", 3, "readonly fast", keys=(1, 1, 1), since="1.2.0", **_GROUP,
         summary="Get the score associated with the given member in a sorted set")
def zscore(c: Client, argv: list[bytes]) -> Any:
    zs = _read(c.db, argv[1])
    return None if zs is None else zs.scores.get(argv[2])


@command("zmscore", -3, "readonly fast", keys=(1, 1, 1), since="6.2.0", **_GROUP,
         summary="Get the score associated with the given members in a sorted set",
         complexity="O(N) where N is the number of members being requested.")
def zmscore(c: Client, argv: list[bytes]) -> Any:
    zs = _read(c.db, argv[1])
    scores = {} if zs is None else zs.scores
    return [scores.get(m) for m in argv[2:]]


def _zrank(c: Client, argv: list[bytes], reverse: bool) -> Any:
    zs = _read(c.db, argv[1])
    if zs is None:
        return None
    rank = zs.rank(argv[2])
    if rank is None:
        return None
    return len(zs) - 1 - rank if reverse else rank


@command("zrank", 3, "readonly fast", keys=(1, 1, 1), since="2.0.0", **_GROUP,
         summary="Determine the index of a member in a sorted set", complexity="O(log(N))")
def zrank(c: Client, argv: list[bytes]) -> Any:
    return _zrank(c, argv, False)


@command("zrevrank", 3, "readonly fast", keys=(1, 1, 1), since="2.0.0", **_GROUP,
         summary="Determine the index of a member in a sorted set, with scores ordered from "
         "high to low", complexity="O(log(N))")
def zrevrank(c: Client, argv: list[bytes]) -> Any:
    return _zrank(c, argv, True)


@command("zcount", 4, "readonly fast", keys=(1, 1, 1), since="2.0.0", **_GROUP,
         summary="Count the members in a sorted set with scores within the given values",
         complexity="O(log(N)) with N being the number of elements in the sorted set.")
def zcount(c: Client, argv: list[bytes]) -> Any:
    rng = _score_range(argv[2], argv[3])
    zs = _read(c.db, argv[1])
    if zs is None:
        return 0
    lo, hi = _score_span(zs, rng)
    return hi - lo


@command("zlexcount", 4, "readonly fast", keys=(1, 1, 1), since="2.8.9", **_GROUP,
         summary="Count the number of members in a sorted set between a given lexicographical "
         "range", complexity="O(log(N)) with N being the number of elements in the sorted set.")
def zlexcount(c: Client, argv: list[bytes]) -> Any:
    rng = _lex_range(argv[2], argv[3])
    zs = _read(c.db, argv[1])
    if zs is None:
        return 0
    lo, hi = _lex_span(zs, rng, False)
    return hi - lo


# ------------------------------------------------------------------ ZRANGE and friends
_RANK, _SCORE, _LEX = 1, 2, 3


def _zrange(c: Client, argv: list[bytes], at: int, dst: bytes | None,
            rangetype: int | None, reverse: bool | None) -> Any:
    """zrangeGenericCommand(): <src> <min> <max> [BYSCORE|BYLEX] [REV] [WITHSCORES]
    [LIMIT offset count] from argv[at]; the reply, or the stored count when ``dst``."""
    n = len(argv)
    withscores = False
    offset, limit = 0, -1
    j = at + 3
    while j < n:
        opt = argv[j].lower()
        if dst is None and opt == b"withscores":
            withscores = True
        elif opt == b"limit" and n - j - 1 >= 2:
            offset, limit = parse_int(argv[j + 1]), parse_int(argv[j + 2])
            j += 2
        elif reverse is None and opt == b"rev":
            reverse = True
        elif rangetype is None and opt == b"bylex":
            rangetype = _LEX
        elif rangetype is None and opt == b"byscore":
            rangetype = _SCORE
        else:
            raise CommandError(errors.SYNTAX)
        j += 1
    reverse = bool(reverse)
    rangetype = rangetype or _RANK
    if limit != -1 and rangetype == _RANK:  # so "LIMIT 0 -1" passes, as in Redis
        raise CommandError(errors.ZRANGE_LIMIT)
    if withscores and rangetype == _LEX:
        raise CommandError(errors.ZRANGE_WITHSCORES_BYLEX)
    lo_arg, hi_arg = argv[at + 1], argv[at + 2]
    if reverse and rangetype != _RANK:  # given as max min
        lo_arg, hi_arg = hi_arg, lo_arg
    rng: Any
    if rangetype == _RANK:
        rng = parse_int(lo_arg), parse_int(hi_arg)
    elif rangetype == _SCORE:
        rng = _score_range(lo_arg, hi_arg)
    else:
        rng = _lex_range(lo_arg, hi_arg)
    zs = _read(c.db, argv[at])
    entries: Entries = []
    if zs is not None:
        if rangetype == _RANK:
            lo, hi = _rank_span(zs, *rng)
            entries = zs.slice(len(zs) - hi, len(zs) - lo, True) if reverse else zs.slice(lo, hi)
        elif rangetype == _SCORE:
            entries = _window(zs, *_score_span(zs, rng), offset, limit, reverse)
        else:
            entries = _window(zs, *_lex_span(zs, rng, reverse), offset, limit, reverse)
    if dst is not None:
        return _store_range(c, dst, entries, rangetype == _RANK)
    return _reply(c, entries, withscores)


def _store_range(c: Client, dst: bytes, entries: Entries, known_size: bool) -> int:
    """ZRANGESTORE adds the entries one by one to a new sorted set, made a skiplist at once
    when a rank range says it will not fit a listpack."""
    if not entries:
        return _store(c, dst, {}, b"zrangestore")
    max_entries, max_value = _limits(c)
    zs = ZSetValue()
    if known_size and len(entries) > max_entries:
        zs.convert()
    for s, m in entries:
        zs.insert(m, s, max_entries, max_value)
    return _store(c, dst, zs, b"zrangestore")


@command("zrange", -4, "readonly", keys=(1, 1, 1), since="1.2.0", **_GROUP,
         summary="Return a range of members in a sorted set",
         complexity="O(log(N)+M) with N being the number of elements in the sorted set and M the "
         "number of elements returned.")
def zrange(c: Client, argv: list[bytes]) -> Any:
    return _zrange(c, argv, 1, None, None, None)


@command("zrangestore", -5, "write denyoom", keys=(1, 2, 1), since="6.2.0", **_GROUP,
         summary="Store a range of members from sorted set into another key",
         complexity="O(log(N)+M) with N being the number of elements in the sorted set and M the "
         "number of elements stored into the destination key.")
def zrangestore(c: Client, argv: list[bytes]) -> Any:
    return _zrange(c, argv, 2, argv[1], None, None)


@command("zrevrange", -4, "readonly", keys=(1, 1, 1), since="1.2.0", **_GROUP,
         summary="Return a range of members in a sorted set, by index, with scores ordered "
         "from high to low",
         complexity="O(log(N)+M) with N being the number of elements in the sorted set and M the "
         "number of elements returned.")
def zrevrange(c: Client, argv: list[bytes]) -> Any:
    return _zrange(c, argv, 1, None, _RANK, True)


@command("zrangebyscore", -4, "readonly", keys=(1, 1, 1), since="1.0.5", **_GROUP,
         summary="Return a range of members in a sorted set, by score",
         complexity=_RANGE_COMPLEXITY)
def zrangebyscore(c: Client, argv: list[bytes]) -> Any:
    return _zrange(c, argv, 1, None, _SCORE, False)


@command("zrevrangebyscore", -4, "readonly", keys=(1, 1, 1), since="2.2.0", **_GROUP,
         summary="Return a range of members in a sorted set, by score, with scores ordered "
         "from high to low", complexity=_RANGE_COMPLEXITY)
def zrevrangebyscore(c: Client, argv: list[bytes]) -> Any:
    return _zrange(c, argv, 1, None, _SCORE, True)


@command("zrangebylex", -4, "readonly", keys=(1, 1, 1), since="2.8.9", **_GROUP,
         summary="Return a range of members in a sorted set, by lexicographical range",
         complexity=_RANGE_COMPLEXITY)
def zrangebylex(c: Client, argv: list[bytes]) -> Any:
    return _zrange(c, argv, 1, None, _LEX, False)


@command("zrevrangebylex", -4, "readonly", keys=(1, 1, 1), since="2.8.9", **_GROUP,
         summary="Return a range of members in a sorted set, by lexicographical range, "
         "ordered from higher to lower strings.", complexity=_RANGE_COMPLEXITY)
def zrevrangebylex(c: Client, argv: list[bytes]) -> Any:
    return _zrange(c, argv, 1, None, _LEX, True)


for _name in ("zrevrange", "zrangebyscore", "zrevrangebyscore", "zrangebylex",
              "zrevrangebylex"):
    TABLE[_name.encode()].doc_flags = ("deprecated",)


def _zremrange(c: Client, argv: list[bytes], rangetype: int, event: bytes) -> Any:
    """zremrangeGenericCommand()."""
    rng: Any
    if rangetype == _RANK:
        rng = parse_int(argv[2]), parse_int(argv[3])
    elif rangetype == _SCORE:
        rng = _score_range(argv[2], argv[3])
    else:
        rng = _lex_range(argv[2], argv[3])
    key = argv[1]
    zs = _write(c.db, key)
    if zs is None:
        return 0
    if rangetype == _RANK:
        lo, hi = _rank_span(zs, *rng)
    elif rangetype == _SCORE:
        lo, hi = _score_span(zs, rng)
    else:
        lo, hi = _lex_span(zs, rng, False)
    deleted = zs.delete_ranks(lo, hi)
    if deleted:
        _changed(c, key, zs, event, deleted)
    return deleted


@command("zremrangebyrank", 4, "write", keys=(1, 1, 1), since="2.0.0", **_GROUP,
         summary="Remove all members in a sorted set within the given indexes",
         complexity=_REMRANGE_COMPLEXITY)
def zremrangebyrank(c: Client, argv: list[bytes]) -> Any:
    return _zremrange(c, argv, _RANK, b"zremrangebyrank")


@command("zremrangebyscore", 4, "write", keys=(1, 1, 1), since="1.2.0", **_GROUP,
         summary="Remove all members in a sorted set within the given scores",
         complexity=_REMRANGE_COMPLEXITY)
def zremrangebyscore(c: Client, argv: list[bytes]) -> Any:
    return _zremrange(c, argv, _SCORE, b"zremrangebyscore")


@command("zremrangebylex", 4, "write", keys=(1, 1, 1), since="2.8.9", **_GROUP,
         summary="Remove all members in a sorted set between the given lexicographical range",
         complexity=_REMRANGE_COMPLEXITY)
def zremrangebylex(c: Client, argv: list[bytes]) -> Any:
    return _zremrange(c, argv, _LEX, b"zremrangebylex")


# ------------------------------------------------------------------ ZUNION ZINTER ZDIFF
_UNION, _INTER, _DIFF = 1, 2, 3
_SUM, _MIN, _MAX = b"sum", b"min", b"max"


def _aggregate(how: bytes, acc: float, v: float) -> float:
    """zunionInterAggregate(): inf + -inf sums to 0; a NaN value leaves MIN/MAX alone."""
    if how == _SUM:
        acc += v
        return 0.0 if math.isnan(acc) else acc
    if how == _MIN:
        return min(acc, v)
    return max(acc, v)


def _setop(c: Client, argv: list[bytes], dst: bytes | None, numkeys_at: int, op: int,
           name: str, card_only: bool = False) -> Any:
    """zunionInterDiffGenericCommand()."""
    setnum = parse_int(argv[numkeys_at])
    if setnum < 1:
        raise CommandError(errors.ZSET_NO_INPUT_KEYS % name)
    n = len(argv)
    if setnum > n - numkeys_at - 1:
        raise CommandError(errors.SYNTAX)
    db = c.db
    sources: list[dict[bytes, float]] = []
    for key in argv[numkeys_at + 1:numkeys_at + 1 + setnum]:
        v = db.lookup_read(key)
        if v is None:
            sources.append({})
        elif type(v) is ZSetValue:
            sources.append(v.scores)
        elif type(v) is SetValue:
            sources.append(dict.fromkeys(v, 1.0))
        else:
            raise CommandError(errors.WRONGTYPE)
    weights = [1.0] * setnum
    how, withscores, limit = _SUM, False, 0
    j = numkeys_at + 1 + setnum
    while j < n:
        left = n - j
        opt = argv[j].lower()
        if op != _DIFF and not card_only and left >= setnum + 1 and opt == b"weights":
            weights = [parse_float(w, errors.WEIGHT_NOT_FLOAT) for w in argv[j + 1:j + 1 + setnum]]
            j += setnum + 1
        elif op != _DIFF and not card_only and left >= 2 and opt == b"aggregate":
            how = argv[j + 1].lower()
            if how not in (_SUM, _MIN, _MAX):
                raise CommandError(errors.SYNTAX)
            j += 2
        elif dst is None and not card_only and opt == b"withscores":
            withscores = True
            j += 1
        elif card_only and left >= 2 and opt == b"limit":
            limit = parse_int(argv[j + 1], errors.LIMIT_NEGATIVE)
            if limit < 0:
                raise CommandError(errors.LIMIT_NEGATIVE)
            j += 2
        else:
            raise CommandError(errors.SYNTAX)
    # Smallest input first (a stable sort, as glibc's qsort is): SUM adds in this order.
    inputs = list(zip(sources, weights))
    if op != _DIFF:
        inputs.sort(key=lambda s: len(s[0]))
    result: dict[bytes, float] = {}
    if op == _UNION:
        for src, weight in inputs:
            for m, s in src.items():
                s *= weight
                if math.isnan(s):
                    s = 0.0
                acc = result.get(m)
                result[m] = s if acc is None else _aggregate(how, acc, s)
    elif op == _INTER:
        (first, weight), rest = inputs[0], inputs[1:]
        found = 0
        for m, s in first.items():
            acc = s * weight
            if math.isnan(acc):
                acc = 0.0
            for src, w in rest:
                v = src.get(m)
                if v is None:
                    break
                acc = _aggregate(how, acc, v * w)
            else:
                if card_only:
                    found += 1
                    if found == limit:
                        break
                else:
                    result[m] = acc
        if card_only:
            return found
    else:
        first, rest = inputs[0][0], [src for src, _w in inputs[1:]]
        result = {m: s for m, s in first.items() if not any(m in src for src in rest)}
    if dst is not None:
        event = (b"zunionstore", b"zinterstore", b"zdiffstore")[op - 1]
        return _store(c, dst, result, event)
    return _reply(c, sorted((s, m) for m, s in result.items()), withscores)


_SETOP = dict(since="6.2.0", **_GROUP)
_SETOP_STORE = dict(keys=(1, 1, 1), **_GROUP)
_UNION_COMPLEXITY = ("O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted "
                     "sets, and M being the number of elements in the resulting sorted set.")
_INTER_COMPLEXITY = ("O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, "
                     "K being the number of input sorted sets and M being the number of "
                     "elements in the resulting sorted set.")
_DIFF_COMPLEXITY = ("O(L + (N-K)log(N)) worst case where L is the total number of elements in "
                    "all the sets, N is the size of the first set, and K is the size of the "
                    "result set.")


@command("zunion", -3, "readonly", **_SETOP, summary="Add multiple sorted sets",
         complexity=_UNION_COMPLEXITY)
def zunion(c: Client, argv: list[bytes]) -> Any:
    return _setop(c, argv, None, 1, _UNION, "zunion")


@command("zinter", -3, "readonly", **_SETOP, summary="Intersect multiple sorted sets",
         complexity=_INTER_COMPLEXITY)
def zinter(c: Client, argv: list[bytes]) -> Any:
    return _setop(c, argv, None, 1, _INTER, "zinter")


@command("zdiff", -3, "readonly", **_SETOP, summary="Subtract multiple sorted sets",
         complexity=_DIFF_COMPLEXITY)
def zdiff(c: Client, argv: list[bytes]) -> Any:
    return _setop(c, argv, None, 1, _DIFF, "zdiff")


@command("zunionstore", -4, "write denyoom", **_SETOP_STORE, since="2.0.0",
         summary="Add multiple sorted sets and store the resulting sorted set in a new key",
         complexity="O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted "
         "sets, and M being the number of elements in the resulting sorted set.")
def zunionstore(c: Client, argv: list[bytes]) -> Any:
    return _setop(c, argv, argv[1], 2, _UNION, "zunionstore")


@command("zinterstore", -4, "write denyoom", **_SETOP_STORE, since="2.0.0",
         summary="Intersect multiple sorted sets and store the resulting sorted set in a new "
         "key", complexity=_INTER_COMPLEXITY)
def zinterstore(c: Client, argv: list[bytes]) -> Any:
    return _setop(c, argv, argv[1], 2, _INTER, "zinterstore")


@command("zdiffstore", -4, "write denyoom", **_SETOP_STORE, since="6.2.0",
         summary="Subtract multiple sorted sets and store the resulting sorted set in a new "
         "key", complexity=_DIFF_COMPLEXITY)
def zdiffstore(c: Client, argv: list[bytes]) -> Any:
    return _setop(c, argv, argv[1], 2, _DIFF, "zdiffstore")


@command("zintercard", -3, "readonly", since="7.0.0",
         **_GROUP, summary="Intersect multiple sorted sets and return the cardinality of the "
         "result", complexity="O(N*K) worst case with N being the smallest input sorted set, K "
         "being the number of input sorted sets.")
def zintercard(c: Client, argv: list[bytes]) -> Any:
    return _setop(c, argv, None, 1, _INTER, "zintercard", card_only=True)


# ------------------------------------------------------------------ pops


def _pop(c: Client, key: bytes, zs: ZSetValue, pop_max: bool, count: int, nested: bool,
         emitkey: bool) -> Any:
    """genericZpopCommand() on a found sorted set; count -1 is the single pop."""
    if count == 0:
        return []
    n = min(1 if count == -1 else count, len(zs))
    at = -1 if pop_max else 0
    popped = [zs.pop(at) for _ in range(n)]
    _changed(c, key, zs, b"zpopmax" if pop_max else b"zpopmin", n)
    if nested:
        items: list[Any] = [[m, s] for s, m in popped]
        return [key, items] if emitkey else items
    flat = [x for s, m in popped for x in (m, s)]
    return [key] + flat if emitkey else flat


def _pop_name(pop_max: bool) -> bytes:
    return b"ZPOPMAX" if pop_max else b"ZPOPMIN"


def _first_zset(c: Client, keys: list[bytes]) -> tuple[bytes | None, ZSetValue | None]:
    """The first of ``keys`` that exists (it must be a sorted set)."""
    for key in keys:
        zs = _write(c.db, key)
        if zs is not None:
            return key, zs
    return None, None


def _zpop(c: Client, argv: list[bytes], pop_max: bool) -> Any:
    if len(argv) > 3:
        raise CommandError(errors.SYNTAX)
    count = -1
    if len(argv) == 3:
        count = parse_int(argv[2], errors.NOT_POSITIVE)
        if count < 0:
            raise CommandError(errors.NOT_POSITIVE)
    key, zs = _first_zset(c, argv[1:2])
    if zs is None:
        return []
    # RESP3 nests [member, score] pairs only when a count was given
    return _pop(c, key, zs, pop_max, count, c.resp > 2 and count != -1, False)


_POP_COMPLEXITY = ("O(log(N)*M) with N being the number of elements in the sorted set, and M "
                   "being the number of elements popped.")
_MPOP_COMPLEXITY = ("O(K) + O(M*log(N)) where K is the number of provided keys, N being the "
                    "number of elements in the sorted set, and M being the number of elements "
                    "popped.")


@command("zpopmin", -2, "write fast", keys=(1, 1, 1), since="5.0.0", **_GROUP,
         summary="Remove and return members with the lowest scores in a sorted set",
         complexity=_POP_COMPLEXITY)
def zpopmin(c: Client, argv: list[bytes]) -> Any:
    return _zpop(c, argv, False)


@command("zpopmax", -2, "write fast", keys=(1, 1, 1), since="5.0.0", **_GROUP,
         summary="Remove and return members with the highest scores in a sorted set",
         complexity=_POP_COMPLEXITY)
def zpopmax(c: Client, argv: list[bytes]) -> Any:
    return _zpop(c, argv, True)


def _mpop_args(argv: list[bytes], numkeys_at: int) -> tuple[list[bytes], bool, int]:
    """zmpopGenericCommand()'s parsing: (keys, pop max, count)."""
    numkeys = parse_int(argv[numkeys_at], errors.NUMKEYS_NOT_POSITIVE)
    if numkeys < 1:
        raise CommandError(errors.NUMKEYS_NOT_POSITIVE)
    where_at = numkeys_at + numkeys + 1
    if where_at >= len(argv):
        raise CommandError(errors.SYNTAX)
    where = argv[where_at].lower()
    if where not in (b"min", b"max"):
        raise CommandError(errors.SYNTAX)
    count = -1
    j = where_at + 1
    while j < len(argv):
        if count == -1 and argv[j].lower() == b"count" and j + 1 < len(argv):
            count = parse_int(argv[j + 1], errors.MPOP_COUNT_NOT_POSITIVE)
            if count < 1:
                raise CommandError(errors.MPOP_COUNT_NOT_POSITIVE)
            j += 2
        else:
            raise CommandError(errors.SYNTAX)
    return argv[numkeys_at + 1:where_at], where == b"max", max(count, 1)


@command("zmpop", -4, "write", since="7.0.0", **_GROUP,
         summary="Remove and return members with scores in a sorted set",
         complexity=_MPOP_COMPLEXITY)
def zmpop(c: Client, argv: list[bytes]) -> Any:
    keys, pop_max, count = _mpop_args(argv, 1)
    key, zs = _first_zset(c, keys)
    if zs is None:
        return NULL_ARRAY
    # replicated with the count actually popped (zmpopGenericCommand's rewrite)
    c.propagate_argv = [_pop_name(pop_max), key, b"%d" % min(count, len(zs))]
    return _pop(c, key, zs, pop_max, count, True, True)


def _bzpop(c: Client, keys: list[bytes], pop_max: bool, timeout: float, count: int) -> Any:
    """blockingGenericZpopCommand(): count -1 is BZPOPMIN/BZPOPMAX, else BZMPOP. Served
    pops replicate as ZPOPMIN/ZPOPMAX (with the count for BZMPOP)."""
    nested = count != -1

    def tail(zs: ZSetValue) -> list[bytes]:  # the count actually popped, as Redis rewrites
        return [b"%d" % min(count, len(zs))] if nested else []

    key, zs = _first_zset(c, keys)
    if zs is not None:
        c.propagate_argv = [_pop_name(pop_max), key] + tail(zs)
        return _pop(c, key, zs, pop_max, count, nested, True)

    def retry(cl: Client) -> Any:
        ready = cl.blocked.ready_key
        v = cl.db.lookup_write(ready)
        if type(v) is not ZSetValue:
            return None
        cl.propagate_argv = [_pop_name(pop_max), ready] + tail(v)
        return _pop(cl, ready, v, pop_max, count, nested, True)

    return block(c, keys, timeout, retry, NULL_ARRAY)


_BZPOP = dict(keys=(1, -2, 1), since="5.0.0", complexity="O(log(N)) with N being the number "
              "of elements in the sorted set.", **_GROUP)


@command("bzpopmin", -3, "write noscript blocking fast", **_BZPOP,
         summary="Remove and return the member with the lowest score from one or more sorted "
         "sets, or block until one is available")
def bzpopmin(c: Client, argv: list[bytes]) -> Any:
    return _bzpop(c, argv[1:-1], False, parse_timeout(argv[-1]), -1)


@command("bzpopmax", -3, "write noscript blocking fast", **_BZPOP,
         summary="Remove and return the member with the highest score from one or more sorted "
         "sets, or block until one is available")
def bzpopmax(c: Client, argv: list[bytes]) -> Any:
    return _bzpop(c, argv[1:-1], True, parse_timeout(argv[-1]), -1)


@command("bzmpop", -5, "write blocking", since="7.0.0",
         **_GROUP, summary="Remove and return members with scores in a sorted set or block "
         "until one is available", complexity=_MPOP_COMPLEXITY)
def bzmpop(c: Client, argv: list[bytes]) -> Any:
    keys, pop_max, count = _mpop_args(argv, 2)
    return _bzpop(c, keys, pop_max, parse_timeout(argv[1]), count)


# ------------------------------------------------------------------ ZRANDMEMBER ZSCAN
_HALF_LONG = LLONG_MAX // 2
_TWO_62 = 2.0 ** 62


@command("zrandmember", -2, "readonly", keys=(1, 1, 1), since="6.2.0", **_GROUP,
         tips="nondeterministic_output",
         summary="Get one or multiple random elements from a sorted set",
         complexity="O(N) where N is the number of elements returned")
def zrandmember(c: Client, argv: list[bytes]) -> Any:
    n = len(argv)
    if n == 2:
        zs = _read(c.db, argv[1])
        return None if zs is None else zs.at(random.randrange(len(zs)))[1]
    count = range_long(argv[2])
    if n > 4 or (n == 4 and argv[3].lower() != b"withscores"):
        raise CommandError(errors.SYNTAX)
    withscores = n == 4
    if withscores and not -_HALF_LONG <= count <= _HALF_LONG:
        raise CommandError(errors.OUT_OF_RANGE)
    zs = _read(c.db, argv[1])
    if zs is None or count == 0:
        return []
    size = len(zs)
    if count < 0 or count == 1:  # with repetitions, in random order
        picked = [zs.at(random.randrange(size)) for _ in range(-count if count < 0 else 1)]
    elif count >= size:  # the whole set, walked from the highest score as Redis does
        picked = zs.slice(0, size, True)
    else:
        ranks = random.sample(range(size), count)
        if not zs.big:  # a listpack yields its sample in its own order
            ranks.sort()
        picked = [zs.at(r) for r in ranks]
    return _reply(c, picked, withscores)


@command("zscan", -3, "readonly", keys=(1, 1, 1), since="2.8.0", **_GROUP,
         tips="nondeterministic_output",
         summary="Incrementally iterate sorted sets elements and associated scores",
         complexity="O(1) for every call. O(N) for a complete iteration, including enough "
         "command calls for the cursor to return back to 0. N is the number of elements "
         "inside the collection..")
def zscan(c: Client, argv: list[bytes]) -> Any:
    cursor = parse_cursor(argv[2])
    zs = _read(c.db, argv[1])
    if zs is None:
        return EMPTY_SCAN
    count, match = scan_options(argv, 3)
    if zs.big:
        cursor, members = zs.scan(cursor, count)
    else:  # a listpack is returned whole, with cursor 0
        cursor, members = 0, [m for _s, m in zs]
    if match is not None:
        members = [m for m in members if match(m)]
    scores = zs.scores
    text = format_double if zs.big else _listpack_score
    return [b"%d" % cursor, [x for m in members for x in (m, text(scores[m]))]]


def _listpack_score(v: float) -> bytes:
    """A score as a listpack holds it (zzlInsertAt): an integer when double2ll() takes it
    (integral, within +-2^62), else d2string()'s "%.17g"."""
    if -_TWO_62 <= v <= _TWO_62 and v == int(v):
        return b"%d" % v
    return format_double(v)
