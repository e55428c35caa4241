"""Geo commands (geo.c): a geo set is a sorted set whose scores are 52-bit geohashes
(engine/geohash.py). GEOADD is ZADD with computed scores; searches scan the score ranges of
the nine boxes around the center, as Redis does, so results come in Redis's order."""

import math
from functools import cmp_to_key
from typing import Any

from .. import errors, geohash, notify
from ..connection import Client
from ..errors import CommandError
from ..replies import NULL_ARRAY, DoubleText
from ..types.zset import ZSetValue
from .args import parse_float, parse_int
from .sort import pqsort
from .table import TABLE, command
from .zsets import _limits, _read, _zadd

_GROUP = {"group": "geo", "since": "3.2.0"}
_UNITS = {b"m": 1.0, b"km": 1000.0, b"ft": 0.3048, b"mi": 1609.34}
_GEOALPHABET = b"0123456789bcdefghjkmnpqrstuvwxyz"
_LLONG_MIN = -(1 << 63)

# georadiusGeneric() flags
RADIUS_COORDS, RADIUS_MEMBER, RADIUS_NOSTORE, GEOSEARCH, GEOSEARCHSTORE = 1, 2, 4, 8, 16
SORT_NONE, SORT_ASC, SORT_DESC = 0, 1, 2


def _word(b: bytes) -> bytes:
    """An option as strcasecmp() sees it: up to a NUL, any case."""
    return b.split(b"\0", 1)[0].lower()


def _lonlat(lon: bytes, lat: bytes) -> tuple[float, float]:
    """extractLongLatOrReply()."""
    x = parse_float(lon)
    y = parse_float(lat)
    if x < geohash.LONG_MIN or x > geohash.LONG_MAX or y < geohash.LAT_MIN \
            or y > geohash.LAT_MAX:
        raise CommandError(errors.GEO_INVALID_PAIR % (x, y))
    return x, y


def _unit(b: bytes) -> float:
    """extractUnitOrReply(): meters per unit."""
    to_meters = _UNITS.get(_word(b))
    if to_meters is None:
        raise CommandError(errors.GEO_UNIT)
    return to_meters


def _human(d: float) -> DoubleText:
    """addReplyHumanLongDouble(): "%.17Lf" of the double, trailing zeros dropped."""
    text = b"%.17f" % d
    text = text.rstrip(b"0").rstrip(b".")
    return DoubleText(b"0" if text == b"-0" else text)


def _distance_text(d: float) -> bytes:
    return b"%.4f" % d


def _to_long_long(d: float) -> int:
    """(long long)d as x86-64 converts it (out of range: LLONG_MIN)."""
    return int(d) if -9223372036854775808.0 <= d < 9223372036854775808.0 else _LLONG_MIN


def _position(zs: ZSetValue | None, member: bytes) -> tuple[float, float] | None:
    """longLatFromMember()."""
    score = None if zs is None else zs.scores.get(member)
    return None if score is None else geohash.decode_score(score)


# ------------------------------------------------------------------ GEOADD and lookups


@command("geoadd", -5, "write denyoom", keys=(1, 1, 1), **_GROUP,
         summary="Add one or more geospatial items in the geospatial index represented using "
         "a sorted set", complexity="O(log(N)) for each item added, where N is the number of "
         "elements in the sorted set.")
def geoadd(c: Client, argv: list[bytes]) -> Any:
    nx = xx = False
    i = 2
    while i < len(argv):
        opt = _word(argv[i])
        if opt == b"nx":
            nx = True
        elif opt == b"xx":
            xx = True
        elif opt != b"ch":
            break
        i += 1
    if (len(argv) - i) % 3 or (nx and xx):
        raise CommandError(errors.SYNTAX)
    zargv = [b"zadd", argv[1]] + [_word(a) for a in argv[2:i]]
    for j in range(i, len(argv), 3):
        lon, lat = _lonlat(argv[j], argv[j + 1])
        zargv += [b"%d" % geohash.score_of(lon, lat), argv[j + 2]]
    dirty = c.engine.dirty
    reply = _zadd(c, zargv, False)
    if c.engine.dirty != dirty:
        c.propagate_argv = zargv  # Redis rewrites the command into this ZADD
    return reply


@command("geopos", -2, "readonly", keys=(1, 1, 1), **_GROUP,
         summary="Returns longitude and latitude of members of a geospatial index",
         complexity="O(N) where N is the number of members requested.")
def geopos(c: Client, argv: list[bytes]) -> Any:
    zs = _read(c.db, argv[1])
    out = []
    for member in argv[2:]:
        xy = _position(zs, member)
        out.append(NULL_ARRAY if xy is None else [_human(xy[0]), _human(xy[1])])
    return out


@command("geodist", -4, "readonly", keys=(1, 1, 1), **_GROUP,
         summary="Returns the distance between two members of a geospatial index",
         complexity="O(log(N))")
def geodist(c: Client, argv: list[bytes]) -> Any:
    to_meters = 1.0
    if len(argv) == 5:
        to_meters = _unit(argv[4])
    elif len(argv) > 5:
        raise CommandError(errors.SYNTAX)
    zs = _read(c.db, argv[1])
    a = _position(zs, argv[2])
    b = _position(zs, argv[3])
    if a is None or b is None:
        return None
    return _distance_text(geohash.distance(a[0], a[1], b[0], b[1]) / to_meters)


@command("geohash", -2, "readonly", keys=(1, 1, 1), **_GROUP,
         summary="Returns members of a geospatial index as standard geohash strings",
         complexity="O(log(N)) for each member requested, where N is the number of elements "
         "in the sorted set.")
def geohash_(c: Client, argv: list[bytes]) -> Any:
    zs = _read(c.db, argv[1])
    out = []
    for member in argv[2:]:
        xy = _position(zs, member)
        if xy is None:
            out.append(None)
            continue
        # re-encoded over the standard -90..90 latitude range; the 11th char is always '0'
        bits = geohash.encode(xy[0], xy[1], geohash.STEP_MAX, geohash.STANDARD_RANGES)
        out.append(bytes(_GEOALPHABET[(bits >> (52 - (i + 1) * 5)) & 0x1f] for i in range(10))
                   + b"0")
    return out


# ------------------------------------------------------------------ searches


class _Shape:
    """GeoShape: the center, a circle (radius) or a box (width, height), and the unit."""

    __slots__ = ("box", "conversion", "height", "lat", "lon", "radius", "width")

    def __init__(self) -> None:
        self.lon = self.lat = 0.0
        self.box = False
        self.radius = self.width = self.height = 0.0
        self.conversion = 1.0

    def set_radius(self, radius: bytes, unit: bytes) -> None:
        """extractDistanceOrReply()."""
        r = parse_float(radius, errors.GEO_RADIUS_NOT_FLOAT)
        if r < 0:
            raise CommandError(errors.GEO_RADIUS_NEGATIVE)
        self.radius = r
        self.conversion = _unit(unit)
        self.box = False

    def set_box(self, width: bytes, height: bytes, unit: bytes) -> None:
        """extractBoxOrReply()."""
        w = parse_float(width, errors.GEO_WIDTH_NOT_FLOAT)
        h = parse_float(height, errors.GEO_HEIGHT_NOT_FLOAT)
        if h < 0 or w < 0:
            raise CommandError(errors.GEO_BOX_NEGATIVE)
        self.width, self.height = w, h
        self.conversion = _unit(unit)
        self.box = True

    def ranges(self) -> list[tuple[int, int]]:
        """The score ranges to scan; a box is sized by its half diagonal."""
        conv = self.conversion
        if self.box:
            half_w, half_h = self.width / 2, self.height / 2
            radius = math.sqrt(half_w * half_w + half_h * half_h) * conv
            return geohash.search_boxes(self.lon, self.lat, radius, conv * half_w,
                                        conv * half_h)
        r = self.radius * conv
        return geohash.search_boxes(self.lon, self.lat, r, r, r)

    def within(self, score: float) -> tuple[float, float, float] | None:
        """geoWithinShape(): (distance in meters, longitude, latitude) or None."""
        lon, lat = geohash.decode_score(score)
        if self.box:
            d = geohash.in_rectangle(self.width * self.conversion,
                                     self.height * self.conversion,
                                     self.lon, self.lat, lon, lat)
        else:
            d = geohash.in_radius(self.lon, self.lat, lon, lat, self.radius * self.conversion)
        return None if d is None else (d, lon, lat)


def _search(zs: ZSetValue, shape: _Shape, limit: int) -> list[list]:
    """membersOfAllNeighbors(): [distance, member, score, lon, lat] of the members within
    the shape, box by box; ``limit`` (ANY) stops as soon as that many were found."""
    found: list[list] = []
    entries = zs.entries
    for lo, hi in shape.ranges():
        if found and limit and len(found) >= limit:
            break
        for score, member in entries.islice(zs.score_bound(lo, False)):
            if score >= hi:
                break
            hit = shape.within(score)
            if hit is not None:
                found.append([hit[0], member, score, hit[1], hit[2]])
                if limit and len(found) >= limit:
                    break
    return found


def _asc(a: list, b: list) -> int:
    """sort_gp_asc()."""
    return 1 if a[0] > b[0] else 0 if a[0] == b[0] else -1


def _desc(a: list, b: list) -> int:
    return -_asc(a, b)


def _georadius(c: Client, argv: list[bytes], src: int, flags: int) -> Any:
    """georadiusGeneric()."""
    db = c.db
    zs = _read(db, argv[src])
    store = None
    storedist = False
    shape = _Shape()
    if flags & RADIUS_COORDS:
        base = 6
        shape.lon, shape.lat = _lonlat(argv[2], argv[3])
        shape.set_radius(argv[4], argv[5])
    elif flags & RADIUS_MEMBER:
        base = 5
        if zs is not None:  # without a key, options are still parsed for the reply type
            xy = _position(zs, argv[2])
            if xy is None:
                raise CommandError(errors.GEO_NO_MEMBER)
            shape.lon, shape.lat = xy
            shape.set_radius(argv[3], argv[4])
    else:
        base = 2
        if flags & GEOSEARCHSTORE:
            base = 3
            store = argv[1]
    withdist = withhash = withcoord = any_ = False
    frommember = fromloc = byradius = bybox = False
    sort = SORT_NONE
    count = 0
    remaining = len(argv) - base
    i = 0
    while i < remaining:
        at = base + i
        arg = _word(argv[at])
        search = flags & GEOSEARCH
        if arg == b"withdist":
            withdist = True
        elif arg == b"withhash":
            withhash = True
        elif arg == b"withcoord":
            withcoord = True
        elif arg == b"any":
            any_ = True
        elif arg == b"asc":
            sort = SORT_ASC
        elif arg == b"desc":
            sort = SORT_DESC
        elif arg == b"count" and i + 1 < remaining:
            count = parse_int(argv[at + 1])
            if count <= 0:
                raise CommandError(errors.COUNT_NOT_POSITIVE)
            i += 1
        elif arg in (b"store", b"storedist") and i + 1 < remaining \
                and not flags & (RADIUS_NOSTORE | GEOSEARCH):
            store = argv[at + 1]
            storedist = arg == b"storedist"
            i += 1
        elif arg == b"storedist" and search and flags & GEOSEARCHSTORE:
            storedist = True
        elif arg == b"frommember" and i + 1 < remaining and search and not fromloc:
            if zs is not None:
                xy = _position(zs, argv[at + 1])
                if xy is None:
                    raise CommandError(errors.GEO_NO_MEMBER)
                shape.lon, shape.lat = xy
            frommember = True
            i += 1
        elif arg == b"fromlonlat" and i + 2 < remaining and search and not frommember:
            shape.lon, shape.lat = _lonlat(argv[at + 1], argv[at + 2])
            fromloc = True
            i += 2
        elif arg == b"byradius" and i + 2 < remaining and search and not bybox:
            shape.set_radius(argv[at + 1], argv[at + 2])
            byradius = True
            i += 2
        elif arg == b"bybox" and i + 3 < remaining and search and not byradius:
            shape.set_box(argv[at + 1], argv[at + 2], argv[at + 3])
            bybox = True
            i += 3
        else:
            raise CommandError(errors.SYNTAX)
        i += 1

    if store is not None and (withdist or withhash or withcoord):
        raise CommandError(errors.GEO_STORE_WITH % (
            "GEOSEARCHSTORE" if flags & GEOSEARCHSTORE else "STORE option in GEORADIUS"))
    if flags & GEOSEARCH and not (frommember or fromloc):
        raise CommandError(errors.GEO_FROM % errors.arg(argv[0]))
    if flags & GEOSEARCH and not (byradius or bybox):
        raise CommandError(errors.GEO_BY % errors.arg(argv[0]))
    if any_ and not count:
        raise CommandError(errors.GEO_ANY_WITHOUT_COUNT)

    if zs is None:
        if store is None:
            return []
        _delete_store(c, store)
        return 0
    if count and sort == SORT_NONE and not any_:
        sort = SORT_ASC  # the N nearest: COUNT implies ASC unless ANY

    found = _search(zs, shape, count if any_ else 0)
    if not found and store is None:
        return []
    returned = len(found) if not count or len(found) < count else count
    if sort != SORT_NONE:
        cmp = _asc if sort == SORT_ASC else _desc
        if returned == len(found):
            found.sort(key=cmp_to_key(cmp))  # glibc's qsort is a stable merge sort
        else:
            pqsort(found, cmp, 0, returned - 1)
    conversion = shape.conversion

    if store is None:
        out = []
        for dist, member, score, lon, lat in found[:returned]:
            if not (withdist or withhash or withcoord):
                out.append(member)
                continue
            item: list[Any] = [member]
            if withdist:
                item.append(_distance_text(dist / conversion))
            if withhash:
                item.append(_to_long_long(score))
            if withcoord:
                item.append([_human(lon), _human(lat)])
            out.append(item)
        return out

    if not returned:
        _delete_store(c, store)
        return 0
    scores = {member: (dist / conversion if storedist else score)
              for dist, member, score, _lon, _lat in found[:returned]}
    db.set_key(store, ZSetValue.from_scores(scores, *_limits(c)))
    c.engine.notify_keyspace_event(
        notify.ZSET, b"geosearchstore" if flags & GEOSEARCH else b"georadiusstore", store, db.id)
    c.engine.dirty += returned
    return returned


def _delete_store(c: Client, key: bytes) -> None:
    db = c.db
    if db.delete(key):
        db.signal_modified(key)
        c.engine.notify_keyspace_event(notify.GENERIC, b"del", key, db.id)
        c.engine.dirty += 1


_RADIUS_SUMMARY = "Query a sorted set representing a geospatial index to fetch members matching "
_RADIUS_COMPLEXITY = ("O(N+log(M)) where N is the number of elements inside the bounding box of "
                      "the circular area delimited by center and radius and M is the number of "
                      "items inside the index.")


@command("georadius", -6, "write denyoom", keys=(1, 1, 1), **_GROUP,
         summary=_RADIUS_SUMMARY + "a given maximum distance from a point",
         complexity=_RADIUS_COMPLEXITY)
def georadius(c: Client, argv: list[bytes]) -> Any:
    return _georadius(c, argv, 1, RADIUS_COORDS)


@command("georadius_ro", -6, "readonly", keys=(1, 1, 1), group="geo", since="3.2.10",
         summary="A read-only variant for GEORADIUS", complexity=_RADIUS_COMPLEXITY)
def georadius_ro(c: Client, argv: list[bytes]) -> Any:
    return _georadius(c, argv, 1, RADIUS_COORDS | RADIUS_NOSTORE)


@command("georadiusbymember", -5, "write denyoom", keys=(1, 1, 1),
         **_GROUP, summary=_RADIUS_SUMMARY + "a given maximum distance from a member",
         complexity="O(N+log(M)) where N is the number of elements inside the bounding box of "
         "the circular area delimited by center and radius and M is the number of items inside "
         "the index.")
def georadiusbymember(c: Client, argv: list[bytes]) -> Any:
    return _georadius(c, argv, 1, RADIUS_MEMBER)


@command("georadiusbymember_ro", -5, "readonly", keys=(1, 1, 1), group="geo", since="3.2.10",
         summary="A read-only variant for GEORADIUSBYMEMBER", complexity=_RADIUS_COMPLEXITY)
def georadiusbymember_ro(c: Client, argv: list[bytes]) -> Any:
    return _georadius(c, argv, 1, RADIUS_MEMBER | RADIUS_NOSTORE)


_SEARCH_COMPLEXITY = ("O(N+log(M)) where N is the number of elements in the grid-aligned "
                      "bounding box area around the shape provided as the filter and M is the "
                      "number of items inside the shape")


@command("geosearch", -7, "readonly", keys=(1, 1, 1), group="geo", since="6.2.0",
         summary="Query a sorted set representing a geospatial index to fetch members inside "
         "an area of a box or a circle.", complexity=_SEARCH_COMPLEXITY)
def geosearch(c: Client, argv: list[bytes]) -> Any:
    return _georadius(c, argv, 1, GEOSEARCH)


@command("geosearchstore", -8, "write denyoom", keys=(1, 2, 1), group="geo", since="6.2.0",
         summary="Query a sorted set representing a geospatial index to fetch members inside "
         "an area of a box or a circle, and store the result in another key.",
         complexity=_SEARCH_COMPLEXITY)
def geosearchstore(c: Client, argv: list[bytes]) -> Any:
    return _georadius(c, argv, 2, GEOSEARCH | GEOSEARCHSTORE)


for _name in (b"georadius", b"georadius_ro", b"georadiusbymember", b"georadiusbymember_ro"):
    TABLE[_name].doc_flags = ("deprecated",)
