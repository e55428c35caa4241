"""SORT and SORT_RO (sort.c) over lists, sets and sorted sets, with BY and GET patterns,
plus ``pqsort``, Redis's partial quicksort, which GEORADIUS shares: with LIMIT (or COUNT)
Redis only sorts the range it returns, and ties then come out in pqsort's order."""

import re
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from .. import errors, notify
from ..connection import Client
from ..errors import CommandError
from ..keyspace import Database
from ..types.hashes import HashValue
from ..types.lists import ListValue
from ..types.sets import SetValue
from ..types.zset import ZSetValue
from .args import parse_int
from .strings import is_string
from .table import TABLE, command

__all__ = ["pqsort"]

# ------------------------------------------------------------------ pqsort


def _med3(a: list, i: int, j: int, k: int, cmp: Callable) -> int:
    if cmp(a[i], a[j]) < 0:
        return j if cmp(a[j], a[k]) < 0 else (k if cmp(a[i], a[k]) < 0 else i)
    return j if cmp(a[j], a[k]) > 0 else (i if cmp(a[i], a[k]) < 0 else k)


def _insertion(a: list, lo: int, n: int, cmp: Callable) -> None:
    for m in range(lo + 1, lo + n):
        p = m
        while p > lo and cmp(a[p - 1], a[p]) > 0:
            a[p - 1], a[p] = a[p], a[p - 1]
            p -= 1


def _pqsort(a: list, lo: int, n: int, cmp: Callable, left: int, right: int) -> None:
    while True:
        if n < 7:
            _insertion(a, lo, n, cmp)
            return
        pm = lo + n // 2
        if n > 7:
            pl, pn = lo, lo + n - 1
            if n > 40:
                d = n // 8
                pl = _med3(a, pl, pl + d, pl + 2 * d, cmp)
                pm = _med3(a, pm - d, pm, pm + d, cmp)
                pn = _med3(a, pn - 2 * d, pn - d, pn, cmp)
            pm = _med3(a, pl, pm, pn, cmp)
        a[lo], a[pm] = a[pm], a[lo]
        pa = pb = lo + 1
        pc = pd = lo + n - 1
        while True:
            while pb <= pc:
                r = cmp(a[pb], a[lo])
                if r > 0:
                    break
                if r == 0:
                    a[pa], a[pb] = a[pb], a[pa]
                    pa += 1
                pb += 1
            while pb <= pc:
                r = cmp(a[pc], a[lo])
                if r < 0:
                    break
                if r == 0:
                    a[pc], a[pd] = a[pd], a[pc]
                    pd -= 1
                pc -= 1
            if pb > pc:
                break
            a[pb], a[pc] = a[pc], a[pb]
            pb += 1
            pc -= 1
        # (NetBSD's switch to insertion sort when nothing was swapped is not in Redis's copy)
        pn = lo + n
        r = min(pa - lo, pb - pa)
        a[lo:lo + r], a[pb - r:pb] = a[pb - r:pb], a[lo:lo + r]
        r = min(pd - pc, pn - pd - 1)
        a[pb:pb + r], a[pn - r:pn] = a[pn - r:pn], a[pb:pb + r]
        r = pb - pa
        if r > 1 and not ((left < lo and right < lo) or (left >= lo + r and right >= lo + r)):
            _pqsort(a, lo, r, cmp, left, right)
        r = pd - pc
        if r <= 1:
            return
        lo, n = pn - r, r
        if (left < lo and right < lo) or (left >= lo + n and right >= lo + n):
            return


def pqsort(a: list, cmp: Callable[[Any, Any], int], left: int, right: int) -> None:
    """Redis's pqsort(): sorts ``a`` in place enough that ranks left..right hold the right
    items, in the order NetBSD's quicksort (on which it is built) leaves ties."""
    _pqsort(a, 0, len(a), cmp, left, right)


# ------------------------------------------------------------------ patterns


def _cstr(b: bytes) -> bytes:
    """What C string functions see of a value: the bytes before the first NUL."""
    nul = b.find(b"\0")
    return b if nul < 0 else b[:nul]


def lookup_by_pattern(db: Database, pattern: bytes, subst: bytes) -> bytes | None:
    """lookupKeyByPattern(): "#" is the element itself; otherwise the first '*' becomes the
    element and the key's string value is read, or with "->field" a field of its hash."""
    if pattern[:1] == b"#" and pattern[1:2] in (b"", b"\0"):
        return subst
    text = _cstr(pattern)
    star = text.find(b"*")
    if star < 0:
        return None
    arrow = text.find(b"->", star + 1)
    field = None
    end = len(pattern)
    if arrow >= 0 and arrow + 2 < len(text):
        field = pattern[arrow + 2:]
        end = arrow
    v = db.lookup_read(pattern[:star] + subst + pattern[star + 1:end])
    if v is None:
        return None
    if field is not None:
        return v.get(field) if type(v) is HashValue else None
    return bytes(v) if is_string(v) else None


# strtod() over a whole C string (leading spaces allowed), as SORT reads weights
_STRTOD = re.compile(
    rb"[ \t\n\v\f\r]*[+-]?(?:(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?"
    rb"|0[xX]([0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)([pP][+-]?\d+)?|(inf(?:inity)?))",
    re.IGNORECASE)
_DBL_MIN = 2.2250738585072014e-308
_INF = float("inf")


def _weight(b: bytes) -> float | None:
    """A sort weight, or None where Redis reports a score it cannot convert: text strtod
    does not consume entirely, NaN, or ERANGE (overflow, or an inexact subnormal result)."""
    b = _cstr(b)
    if not b:
        return 0.0
    m = _STRTOD.fullmatch(b)
    if m is None:
        return None
    text = b.lstrip(b" \t\n\v\f\r")
    if m.group(5) is not None:
        return float(text)
    hexa = m.group(3) is not None
    try:
        v = float.fromhex(text.decode()) if hexa else float(text)
    except OverflowError:
        return None
    if v in (_INF, -_INF):
        return None
    if v == 0:  # underflow unless the text is a zero
        digits = m.group(3) if hexa else m.group(1)
        return None if digits.strip(b"0.") else v
    if abs(v) < _DBL_MIN and Fraction(abs(v)) != _exact(m):
        return None
    return v


def _exact(m: re.Match) -> Fraction:
    """The exact magnitude a strtod text denotes (only asked of subnormal results)."""
    if m.group(3) is None:
        return abs(Fraction(m.group(0).lstrip(b" \t\n\v\f\r").decode()))
    whole, _, frac = m.group(3).partition(b".")
    e2 = (int(m.group(4)[1:]) if m.group(4) else 0) - 4 * len(frac)
    mantissa = int(whole + frac or b"0", 16)
    return Fraction(mantissa << e2) if e2 >= 0 else Fraction(mantissa, 1 << -e2)


# ------------------------------------------------------------------ SORT


def _elements(value: Any, dontsort: bool, desc: bool, start: int, end: int) -> list[bytes]:
    """The elements loaded into the sort vector. Lists and sorted sets that are not sorted
    load only the LIMIT range, from the tail when DESC."""
    if type(value) is SetValue:
        return list(value.members())
    if dontsort and end < start:
        return []
    if type(value) is ListValue:
        if not dontsort:
            return list(value)
        n = len(value)
        if desc:
            return value.range(n - 1 - end, n - 1 - start)[::-1]
        return value.range(start, end)
    if not dontsort:
        return list(value.scores)
    n = len(value)
    if desc:
        return [m for _s, m in value.slice(n - 1 - end, n - start, True)]
    return [m for _s, m in value.slice(start, end + 1)]


def _full_key_access(c: Client, argv: list[bytes], readonly: bool) -> bool:
    return c.engine.acl.unrestricted_key_access(
        c.user, TABLE[b"sort_ro" if readonly else b"sort"], argv)


def _sort(c: Client, argv: list[bytes], readonly: bool) -> Any:
    """sortCommandGeneric()."""
    desc = alpha = dontsort = False
    limit_start, limit_count = 0, -1
    sortby = store = None
    gets: list[bytes] = []
    n = len(argv)
    j = 2
    full_access = None  # BY/GET patterns need access to every key (acl.py), asked once
    while j < n:
        left = n - j - 1
        opt = _cstr(argv[j]).lower()
        if opt == b"asc":
            desc = False
        elif opt == b"desc":
            desc = True
        elif opt == b"alpha":
            alpha = True
        elif opt == b"limit" and left >= 2:
            limit_start = parse_int(argv[j + 1])
            limit_count = parse_int(argv[j + 2])
            j += 2
        elif not readonly and opt == b"store" and left >= 1:
            store = argv[j + 1]
            j += 1
        elif opt == b"by" and left >= 1:
            sortby = argv[j + 1]
            if b"*" not in _cstr(sortby):
                dontsort = True  # a constant BY: nothing to sort (never undone by a later BY)
            else:
                if full_access is None:
                    full_access = _full_key_access(c, argv, readonly)
                if not full_access:
                    raise CommandError(errors.SORT_BY_DENIED)
            j += 1
        elif opt == b"get" and left >= 1:
            if full_access is None:
                full_access = _full_key_access(c, argv, readonly)
            if not full_access:
                raise CommandError(errors.SORT_GET_DENIED)
            gets.append(argv[j + 1])
            j += 1
        else:
            raise CommandError(errors.SYNTAX)
        j += 1

    db = c.db
    value = db.lookup_read(argv[1])
    if value is None:
        value = ListValue()
    elif type(value) not in (ListValue, SetValue, ZSetValue):
        raise CommandError(errors.WRONGTYPE)
    if dontsort and type(value) is SetValue and (store is not None or c.kind == "lua"):
        # a set's order is arbitrary: sort it when the result must replicate identically
        dontsort, alpha, sortby = False, True, None
    if type(value) is ZSetValue and not value.big:
        value.convert()  # SORT turns a listpack sorted set into a skiplist for good
        db.resized(value)

    vectorlen = len(value)
    start = min(max(limit_start, 0), vectorlen)
    limit_count = min(max(limit_count, -1), vectorlen)
    end = vectorlen - 1 if limit_count < 0 else start + limit_count - 1
    if start >= vectorlen:
        start, end = vectorlen - 1, vectorlen - 2
    if end >= vectorlen:
        end = vectorlen - 1
    vector = _elements(value, dontsort, desc, start, end)
    if dontsort and type(value) is not SetValue:
        start, end = 0, end - start

    if not dontsort:
        vector = _sorted(db, vector, sortby, alpha, desc, store is not None, start, end)

    if store is None:
        out: list[Any] = []
        for element in vector[start:end + 1] if end >= start else ():
            if not gets:
                out.append(element)
            for pattern in gets:
                out.append(lookup_by_pattern(db, pattern, element))
        return out
    items = []
    for element in vector[start:end + 1] if end >= start else ():
        if not gets:
            items.append(element)
        for pattern in gets:
            found = lookup_by_pattern(db, pattern, element)
            items.append(b"" if found is None else found)
    eng = c.engine
    if items:  # as many as Redis's outputlen: one per GET (or the element) per result
        db.set_key(store, ListValue(items))
        eng.notify_keyspace_event(notify.LIST, b"sortstore", store, db.id)
        eng.dirty += len(items)
    elif db.delete(store):
        db.signal_modified(store)
        eng.notify_keyspace_event(notify.GENERIC, b"del", store, db.id)
        eng.dirty += 1
    return len(items)


def _sorted(db: Database, vector: list[bytes], sortby: bytes | None, alpha: bool, desc: bool,
            binary: bool, start: int, end: int) -> list[bytes]:
    """The sort proper: numeric weights (ties by element bytes) or ALPHA (strcoll in the C
    locale, or plain bytes with STORE); missing BY keys weigh 0, or sort first with ALPHA."""
    weights: list[Any] = []
    for element in vector:
        by = lookup_by_pattern(db, sortby, element) if sortby is not None else element
        if alpha:
            if sortby is None:
                weights.append(element if binary else _cstr(element))
            else:
                weights.append((0, b"") if by is None else (1, by if binary else _cstr(by)))
        elif by is None:
            weights.append((0.0, element))
        else:
            w = _weight(by)
            if w is None:
                raise CommandError(errors.SORT_NOT_DOUBLE)
            weights.append((w, element))
    pairs = list(zip(weights, vector))
    if sortby is not None and (start != 0 or end != len(vector) - 1):
        sign = -1 if desc else 1

        def cmp(a: tuple, b: tuple) -> int:
            return sign * ((a[0] > b[0]) - (a[0] < b[0]))

        pqsort(pairs, cmp, start, end)
    else:  # glibc's qsort is a stable merge sort: ties keep their loading order
        pairs.sort(key=lambda p: p[0], reverse=desc)
    return [e for _w, e in pairs]


_SORT_SUMMARY = ("Sort the elements in a list, set or sorted set")
_SORT_COMPLEXITY = ("O(N+M*log(M)) where N is the number of elements in the list or set to "
                    "sort, and M the number of returned elements. When the elements are not "
                    "sorted, complexity is O(N).")


@command("sort", -2, "write denyoom", keys=(1, 1, 1),
         acl="set sortedset list dangerous", summary=_SORT_SUMMARY,
         complexity=_SORT_COMPLEXITY)
def sort(c: Client, argv: list[bytes]) -> Any:
    return _sort(c, argv, False)


@command("sort_ro", -2, "readonly", keys=(1, 1, 1),
         acl="set sortedset list dangerous", since="7.0.0",
         summary="Sort the elements in a list, set or sorted set. Read-only variant of SORT.",
         complexity=_SORT_COMPLEXITY)
def sort_ro(c: Client, argv: list[bytes]) -> Any:
    return _sort(c, argv, True)


# Redis files SORT under "generic" yet gives it no @keyspace category
for _name in (b"sort", b"sort_ro"):
    TABLE[_name].categories = tuple(x for x in TABLE[_name].categories if x != "keyspace")

