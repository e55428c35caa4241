"""Geo commands against redis-server 7.0, byte for byte in RESP2 and RESP3: scores, the
coordinates decoded back ("%.17Lf"-style), distances ("%.4f"), geohash strings, and the
members each search finds, in Redis's order (its nine boxes, its sorts, its COUNT/ANY
cut-offs), over random positions including the poles' limits and the antimeridian."""

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import geohash

LAT = 85.05112878


@pytest.fixture(params=[2, 3], ids=["resp2", "resp3"])
def d(request, diff, diff3):
    yield diff if request.param == 2 else diff3


@pytest.fixture
def restore_limits(diff):
    yield
    diff.both("CONFIG", "SET", "zset-max-listpack-entries", "128")


def run(d, script):
    for cmd in script:
        d.check(*cmd)


def coords(rnd, n, lon=(-180.0, 180.0), lat=(-LAT, LAT)):
    return [(rnd.uniform(*lon), rnd.uniform(*lat)) for _ in range(n)]


def geoadd(d, key, points, prefix="p"):
    args = [x for i, (lo, la) in enumerate(points) for x in (repr(lo), repr(la), f"{prefix}{i}")]
    for i in range(0, len(args), 300):
        d.check("GEOADD", key, *args[i:i + 300])


EDGES = [(180, LAT), (-180, -LAT), (180, -LAT), (-180, LAT), (0, 0), (179.9999999, 0),
         (-179.9999999, 0), (0, 85.05112877), (0, -85.05112877), (12.5, 41.9), (-0.0, -0.0),
         (90, 45), (-90, -45), (1e-10, -1e-10), (179.5, 84.9), (-179.5, -84.9)]


# ------------------------------------------------------------------ metadata and errors


def test_getkeys(diff):
    run(diff, [
        ("COMMAND", "GETKEYS", "GEORADIUS", "k", "1", "2", "3", "m", "STORE", "d"),
        ("COMMAND", "GETKEYS", "GEORADIUS", "k", "1", "2", "3", "m", "STOREDIST", "d"),
        ("COMMAND", "GETKEYS", "GEORADIUS", "k", "1", "2", "3", "m", "STORE", "d", "STOREDIST",
         "e"),
        ("COMMAND", "GETKEYS", "GEORADIUS", "k", "1", "2", "3", "m", "STOREDIST", "d", "STORE",
         "e", "STORE", "f"),
        ("COMMAND", "GETKEYS", "GEORADIUS", "k", "1", "2", "3", "m", "COUNT", "3", "store"),
        ("COMMAND", "GETKEYS", "GEORADIUSBYMEMBER", "k", "m", "3", "m", "STORE", "d"),
        ("COMMAND", "GETKEYS", "GEORADIUSBYMEMBER", "k", "m", "3", "STORE", "d"),
        ("COMMAND", "GETKEYS", "GEORADIUS_RO", "k", "1", "2", "3", "m", "STORE", "d"),
        ("COMMAND", "GETKEYS", "GEOSEARCHSTORE", "d", "k", "FROMMEMBER", "m", "BYRADIUS", "1",
         "m"),
        ("COMMAND", "GETKEYS", "GEOADD", "k", "1", "2", "m"),
        ("COMMAND", "GETKEYS", "GEOSEARCH", "k", "FROMMEMBER", "m", "BYRADIUS", "1", "m"),
    ])


@pytest.mark.parametrize("cmd", [
    ("GEOADD", "k", "1", "2"), ("GEOPOS",), ("GEODIST", "k", "a"), ("GEOHASH",),
    ("GEORADIUS", "k", "1", "2", "3"), ("GEORADIUS_RO", "k", "1", "2", "3"),
    ("GEORADIUSBYMEMBER", "k", "m", "1"), ("GEORADIUSBYMEMBER_RO", "k", "m", "1"),
    ("GEOSEARCH", "k", "FROMLONLAT", "1", "2"), ("geosearch", "k", "BYRADIUS", "1", "km"),
    ("GEOSEARCHSTORE", "d", "k", "FROMLONLAT", "1", "2", "x"),
])
def test_wrong_arity(diff, cmd):
    diff.check(*cmd)


BAD_PAIRS = [("200", "100"), ("180.0000001", "0"), ("-180.0000001", "0"), ("0", "85.05112879"),
             ("0", "-85.05112879"), ("1", "inf"), ("-inf", "1"), ("1e308", "0"),
             ("-1e308", "1e308"), ("1", "90"), ("0x1p10", "0"), ("-0", "-90")]


@pytest.mark.parametrize("lon,lat", BAD_PAIRS)
def test_invalid_pairs(diff, lon, lat):
    run(diff, [("GEOADD", "k", lon, lat, "m"), ("GEORADIUS", "k", lon, lat, "1", "km"),
               ("GEOSEARCH", "k", "FROMLONLAT", lon, lat, "BYRADIUS", "1", "km"),
               ("GEOADD", "k", "1", "2", "ok", lon, lat, "m"), ("EXISTS", "k")])


def test_argument_errors(d):
    run(d, [
        ("GEOADD", "g", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania"),
        ("SET", "s", "x"),
        ("GEOADD", "g", "abc", "1", "m"), ("GEOADD", "g", "1", "abc", "m"),
        ("GEOADD", "g", "1", " 2", "m"), ("GEOADD", "g", "nan", "1", "m"),
        ("GEOADD", "g", "NX", "XX", "1", "2", "m"), ("GEOADD", "g", "CH", "CH", "CH"),
        ("GEOADD", "g", "XX", "1", "2", "m", "3"), ("GEOADD", "g", "GT", "1", "2", "m"),
        ("GEOADD", "s", "1", "2", "m"), ("GEOADD", "s", "1000", "2", "m"),
        ("GEOPOS", "s", "a"), ("GEOHASH", "s", "a"), ("GEODIST", "s", "a", "b"),
        ("GEODIST", "s", "a", "b", "yd"), ("GEODIST", "g", "Palermo", "Catania", "km", "x"),
        ("GEODIST", "g", "Palermo", "Catania", "yd"), ("GEODIST", "g", "Palermo", "Catania", ""),
        ("GEORADIUS", "s", "1", "2", "3", "km"), ("GEORADIUS", "s", "x", "2", "3", "km"),
        ("GEORADIUS", "g", "15", "37", "abc", "km"), ("GEORADIUS", "g", "15", "37", "-1", "km"),
        ("GEORADIUS", "g", "15", "37", "1", "yd"), ("GEORADIUS", "g", "15", "37", "nan", "km"),
        ("GEORADIUS", "g", "15", "37", "1", "km", "COUNT", "0"),
        ("GEORADIUS", "g", "15", "37", "1", "km", "COUNT", "-3"),
        ("GEORADIUS", "g", "15", "37", "1", "km", "COUNT", "x"),
        ("GEORADIUS", "g", "15", "37", "1", "km", "COUNT"),
        ("GEORADIUS", "g", "15", "37", "1", "km", "ANY"),
        ("GEORADIUS", "g", "15", "37", "1", "km", "ANY", "COUNT", "0"),
        ("GEORADIUS", "g", "15", "37", "1", "km", "BOGUS"),
        ("GEORADIUS", "g", "15", "37", "1", "km", "STORE"),
        ("GEORADIUS", "g", "15", "37", "1", "km", "STORE", "x", "WITHDIST"),
        ("GEORADIUS", "g", "15", "37", "1", "km", "WITHHASH", "STOREDIST", "x"),
        ("GEORADIUS", "g", "15", "37", "1", "km", "FROMMEMBER", "Palermo"),
        ("GEORADIUS_RO", "g", "15", "37", "1", "km", "STORE", "x"),
        ("GEORADIUSBYMEMBER", "g", "nope", "1", "km"),
        ("GEORADIUSBYMEMBER", "g", "nope", "abc", "km"),
        ("GEORADIUSBYMEMBER", "g", "Palermo", "abc", "km"),
        ("GEORADIUSBYMEMBER", "nokey", "nope", "abc", "km", "WITHDIST"),
        ("GEORADIUSBYMEMBER", "nokey", "nope", "abc", "km", "BOGUS"),
        ("GEORADIUSBYMEMBER_RO", "g", "Palermo", "1", "km", "STOREDIST", "x"),
        ("GEOSEARCH", "g", "BYRADIUS", "1", "km", "ASC"),
        ("geosearch", "g", "FROMLONLAT", "1", "2", "ASC"),
        ("GeoSearch", "g", "BYBOX", "1", "2", "km"),
        ("GEOSEARCH", "g", "FROMLONLAT", "1", "2", "BYBOX", "1", "-2", "km"),
        ("GEOSEARCH", "g", "FROMLONLAT", "1", "2", "BYBOX", "-1", "x", "km"),
        ("GEOSEARCH", "g", "FROMLONLAT", "1", "2", "BYBOX", "x", "2", "km"),
        ("GEOSEARCH", "g", "FROMLONLAT", "1", "2", "BYBOX", "1", "x", "km"),
        ("GEOSEARCH", "g", "FROMLONLAT", "1", "2", "BYBOX", "1", "2", "lightyear"),
        ("GEOSEARCH", "g", "FROMMEMBER", "Palermo", "FROMLONLAT", "1", "2", "BYRADIUS", "1",
         "km"),
        ("GEOSEARCH", "g", "FROMLONLAT", "1", "2", "FROMMEMBER", "Palermo", "BYRADIUS", "1",
         "km"),
        ("GEOSEARCH", "g", "FROMLONLAT", "1", "2", "BYRADIUS", "1", "km", "BYBOX", "1", "1",
         "km"),
        ("GEOSEARCH", "g", "FROMMEMBER", "nope", "BYRADIUS", "1", "km"),
        ("GEOSEARCH", "nokey", "FROMMEMBER", "nope", "BYRADIUS", "1", "km"),
        ("GEOSEARCH", "nokey", "FROMMEMBER", "nope", "BYRADIUS", "x", "km"),
        ("GEOSEARCH", "s", "FROMMEMBER", "nope", "BYRADIUS", "1", "km"),
        ("GEOSEARCH", "g", "FROMLONLAT", "1", "2", "BYRADIUS", "1", "km", "STORE", "x"),
        ("GEOSEARCH", "g", "FROMLONLAT", "1", "2", "BYRADIUS", "1", "km", "STOREDIST"),
        ("GEOSEARCH", "g", "FROMLONLAT", "1", "2", "BYRADIUS", "1", "km", "ANY"),
        ("GEOSEARCH", "g", "FROMLONLAT", "1", "2", "BYRADIUS", "1"),
        ("GEOSEARCHSTORE", "d", "g", "FROMLONLAT", "1", "2", "BYBOX", "1", "1", "km",
         "WITHDIST"),
        ("GEOSEARCHSTORE", "d", "g", "FROMLONLAT", "1", "2", "BYBOX", "1", "1", "km", "STORE",
         "x"),
        ("geosearchstore", "d", "g", "FROMLONLAT", "1", "2", "ASC", "COUNT", "1"),
        ("GEOSEARCHSTORE", "d", "s", "FROMLONLAT", "1", "2", "BYBOX", "1", "1", "km"),
        ("EXISTS", "d", "x"),
    ])


# ------------------------------------------------------------------ GEOADD and lookups


def test_geoadd_options(d):
    run(d, [
        ("GEOADD", "g", "1", "2", "a", "3", "4", "b"), ("GEOADD", "g", "1", "2", "a"),
        ("GEOADD", "g", "CH", "1.5", "2", "a", "5", "6", "c"),
        ("GEOADD", "g", "NX", "9", "9", "a", "7", "7", "d"),
        ("GEOADD", "g", "XX", "9", "9", "a", "8", "8", "e"),
        ("GEOADD", "g", "XX", "CH", "10", "10", "a", "10", "10", "b"),
        ("GEOADD", "g", "ch", "nx", "11", "11", "a", "11", "11", "f"),
        ("GEOADD", "g", "CH", "XX", "CH", "10", "10", "a"),
        ("GEOADD", "nokey", "XX", "1", "1", "a"), ("EXISTS", "nokey"),
        ("ZRANGE", "g", "0", "-1", "WITHSCORES"), ("GEOPOS", "g", "a", "b", "c", "d", "e", "f"),
        ("GEOADD", "g", "1", "1", "dup", "2", "2", "dup"), ("GEOPOS", "g", "dup"),
        ("OBJECT", "ENCODING", "g"), ("TYPE", "g"),
    ])


def test_positions_edges(d):
    geoadd(d, "g", EDGES)
    names = [f"p{i}" for i in range(len(EDGES))]
    run(d, [("ZRANGE", "g", "0", "-1", "WITHSCORES"), ("GEOPOS", "g", *names, "nope"),
            ("GEOHASH", "g", *names, "nope"), ("GEOPOS", "nokey", "a", "b"),
            ("GEOHASH", "nokey", "a"), ("GEOPOS", "g"), ("GEOHASH", "g")])
    for a in names:
        for b in names[::3]:
            d.check("GEODIST", "g", a, b)


def test_random_positions(d):
    rnd = random.Random(11)
    points = coords(rnd, 300)
    geoadd(d, "g", points)
    names = [f"p{i}" for i in range(len(points))]
    run(d, [("ZRANGE", "g", "0", "-1", "WITHSCORES"), ("GEOPOS", "g", *names),
            ("GEOHASH", "g", *names)])
    for unit in ("m", "km", "ft", "mi", "M", "Km", "FT", "mI"):
        for _ in range(15):
            d.check("GEODIST", "g", rnd.choice(names), rnd.choice(names), unit)
    run(d, [("GEODIST", "g", "p1", "nope"), ("GEODIST", "g", "nope", "p1", "km"),
            ("GEODIST", "nokey", "a", "b"), ("GEODIST", "g", "p1", "p1")])


def test_odd_scores(d):
    """Any zset score decodes somehow: what (uint64_t) makes of it, clamped to the range."""
    scores = ["-1", "9007199254740991", "inf", "-inf", "1e300", "0.5", "4503599627370496",
              "-0.7", "-9.3e18", "1.8e19", "1e19", "9.3e18", "3", "-4503599627370496",
              "4503599627370495.5", "0"]
    args = [x for i, s in enumerate(scores) for x in (s, f"m{i}")]
    d.check("ZADD", "z", *args)
    names = [f"m{i}" for i in range(len(scores))]
    run(d, [("GEOPOS", "z", *names), ("GEOHASH", "z", *names), ("GEODIST", "z", "m0", "m1"),
            ("GEODIST", "z", "m5", "m6", "km"),
            ("GEOSEARCH", "z", "FROMLONLAT", "-180", "-85", "BYRADIUS", "500", "km", "WITHHASH",
             "WITHCOORD", "WITHDIST"),
            ("GEOSEARCH", "z", "FROMMEMBER", "m3", "BYBOX", "20000", "20000", "km", "ASC")])


# ------------------------------------------------------------------ searches

SEARCH_OPTIONS = [(), ("ASC",), ("DESC",), ("WITHDIST",), ("WITHCOORD", "WITHHASH"),
                  ("WITHDIST", "WITHCOORD", "WITHHASH", "ASC"), ("COUNT", "3"),
                  ("COUNT", "5", "DESC", "WITHDIST"), ("COUNT", "2", "ANY"),
                  ("COUNT", "4", "ANY", "ASC", "WITHDIST"), ("COUNT", "1000", "ANY")]


def _searches(rnd, names):
    """Random GEOSEARCH argument lists (without key) over the key's members."""
    for _ in range(12):
        lon, lat = rnd.uniform(-180, 180), rnd.uniform(-LAT, LAT)
        center = (("FROMLONLAT", repr(lon), repr(lat)) if rnd.random() < 0.6
                  else ("FROMMEMBER", rnd.choice(names)))
        unit = rnd.choice(["m", "km", "ft", "mi"])
        scale = {"m": 1000, "km": 1, "ft": 3280, "mi": 0.62}[unit]
        if rnd.random() < 0.5:
            shape = ("BYRADIUS", repr(rnd.choice([0, 1, 50, 300, 1500, 5000, 12000]) * scale),
                     unit)
        else:
            shape = ("BYBOX", repr(rnd.choice([0, 10, 400, 3000, 9000]) * scale),
                     repr(rnd.choice([1, 100, 2000, 8000, 30000]) * scale), unit)
        yield center + shape + rnd.choice(SEARCH_OPTIONS)


@pytest.mark.parametrize("seed", range(4))
def test_random_searches(d, seed):
    rnd = random.Random(seed)
    n = [40, 200, 600, 129][seed]
    points = coords(rnd, n)
    geoadd(d, "g", points)
    names = [f"p{i}" for i in range(n)]
    d.check("OBJECT", "ENCODING", "g")
    for args in _searches(rnd, names):
        d.check("GEOSEARCH", "g", *args)


@pytest.mark.parametrize("region", ["north", "south", "antimeridian", "equator"])
def test_regions(d, region):
    """Dense clusters where the box geometry is at its edges: the poles' limits (steps drop
    above 66 and 80 degrees) and across the antimeridian."""
    rnd = random.Random(region)
    lon, lat = {"north": ((-180, 180), (70, LAT)), "south": ((-180, 180), (-LAT, -70)),
                "antimeridian": ((170, 180), (-30, 30)), "equator": ((-5, 5), (-5, 5))}[region]
    points = coords(rnd, 250, lon, lat)
    if region == "antimeridian":
        points += coords(rnd, 100, (-180, -170), (-30, 30))
    geoadd(d, "g", points)
    for clon, clat in [(179.9, 0), (-179.9, 1), (0, 84.9), (0, -84.9), (45, 80.5), (0, 0),
                       (180, LAT), (-180, -LAT), (10, 66.5)]:
        for radius in ("10", "250", "800", "3000"):
            d.check("GEORADIUS", "g", repr(clon), repr(clat), radius, "km", "WITHDIST", "ASC")
            d.check("GEOSEARCH", "g", "FROMLONLAT", repr(clon), repr(clat), "BYBOX", radius,
                    radius, "km", "WITHCOORD", "DESC")


settings_geo = settings(max_examples=30, deadline=None,
                        suppress_health_check=[HealthCheck.function_scoped_fixture])
longitudes = st.floats(-180, 180)
latitudes = st.floats(-LAT, LAT)


@settings_geo
@given(points=st.lists(st.tuples(longitudes, latitudes), min_size=1, max_size=40),
       center=st.tuples(longitudes, latitudes), radius=st.floats(0, 2e7),
       width=st.floats(0, 4e7), height=st.floats(0, 4e7))
def test_hypothesis_search(diff, points, center, radius, width, height):
    diff.both("DEL", "g")
    geoadd(diff, "g", points)
    lon, lat = repr(center[0]), repr(center[1])
    run(diff, [
        ("GEOSEARCH", "g", "FROMLONLAT", lon, lat, "BYRADIUS", repr(radius), "m", "WITHDIST",
         "WITHCOORD", "WITHHASH"),
        ("GEOSEARCH", "g", "FROMLONLAT", lon, lat, "BYBOX", repr(width), repr(height), "m",
         "ASC", "WITHDIST"),
        ("GEOSEARCH", "g", "FROMMEMBER", "p0", "BYRADIUS", repr(radius), "m", "COUNT", "3"),
        ("GEOPOS", "g", "p0"), ("GEOHASH", "g", "p0"), ("GEODIST", "g", "p0", f"p{len(points) - 1}"),
    ])


def test_score_arithmetic_matches_geohash_module():
    """The pure geohash module round-trips its own scores inside the cell."""
    rnd = random.Random(5)
    for lon, lat in coords(rnd, 200) + EDGES:
        x, y = geohash.decode_score(float(geohash.score_of(lon, lat)))
        assert abs(x - lon) < 1e-5 and abs(y - lat) < 1e-5


def test_ties_with_count(d):
    """Members at the same position tie on distance: a full sort keeps Redis's (stable)
    order, COUNT below the result size goes through pqsort."""
    rnd = random.Random(3)
    spots = coords(rnd, 5, (10, 11), (10, 11))
    points = [spots[i % 5] for i in range(90)]
    geoadd(d, "g", points)
    for count in ("1", "3", "7", "20", "41", "89", "90", "200"):
        for order in ("ASC", "DESC"):
            d.check("GEOSEARCH", "g", "FROMLONLAT", "10.5", "10.5", "BYRADIUS", "500", "km",
                    "COUNT", count, order, "WITHDIST")
    d.check("GEOSEARCH", "g", "FROMLONLAT", "10.5", "10.5", "BYRADIUS", "500", "km", "DESC")


def test_radius_commands_and_store(d, restore_limits):
    rnd = random.Random(8)
    geoadd(d, "g", coords(rnd, 150, (0, 20), (30, 50)))
    run(d, [
        ("GEORADIUS", "g", "10", "40", "300", "km"),
        ("GEORADIUS", "g", "10", "40", "300", "km", "WITHDIST", "COUNT", "5"),
        ("GEORADIUS", "g", "10", "40", "300", "km", "STORE", "dst"),
        ("ZRANGE", "dst", "0", "-1", "WITHSCORES"), ("OBJECT", "ENCODING", "dst"),
        ("GEORADIUS", "g", "10", "40", "900", "km", "STOREDIST", "dst2", "DESC", "COUNT", "140"),
        ("ZRANGE", "dst2", "0", "-1", "WITHSCORES"), ("OBJECT", "ENCODING", "dst2"),
        ("GEORADIUS", "g", "10", "40", "300", "km", "STORE", "a", "STOREDIST", "b"),
        ("EXISTS", "a", "b"), ("ZRANGE", "b", "0", "-1", "WITHSCORES"),
        ("GEORADIUS", "g", "-100", "-40", "1", "km", "STORE", "dst"), ("EXISTS", "dst"),
        ("GEORADIUS", "nokey", "10", "40", "1", "km", "STORE", "dst2"), ("EXISTS", "dst2"),
        ("GEORADIUS", "nokey", "10", "40", "1", "km"),
        ("GEORADIUS_RO", "g", "10", "40", "200", "mi", "WITHCOORD", "ASC"),
        ("GEORADIUSBYMEMBER", "g", "p3", "200", "km", "WITHDIST", "ASC"),
        ("GEORADIUSBYMEMBER", "g", "p3", "200", "km", "STOREDIST", "bym"),
        ("ZRANGE", "bym", "0", "-1", "WITHSCORES"),
        ("GEORADIUSBYMEMBER_RO", "g", "p4", "100", "ft", "WITHHASH"),
        ("GEORADIUSBYMEMBER_RO", "g", "p4", "100000", "ft", "WITHHASH", "DESC", "COUNT", "3"),
        ("GEORADIUSBYMEMBER", "nokey", "x", "1", "km", "STORE", "bym"), ("EXISTS", "bym"),
        ("GEOSEARCHSTORE", "ss", "g", "FROMLONLAT", "10", "40", "BYBOX", "500", "500", "km"),
        ("ZRANGE", "ss", "0", "-1", "WITHSCORES"),
        ("GEOSEARCHSTORE", "ss", "g", "FROMMEMBER", "p1", "BYRADIUS", "200", "km", "STOREDIST",
         "COUNT", "10", "DESC"),
        ("ZRANGE", "ss", "0", "-1", "WITHSCORES"),
        ("GEOSEARCHSTORE", "ss", "g", "FROMMEMBER", "p1", "BYRADIUS", "0", "km", "COUNT", "1",
         "ANY", "STOREDIST"), ("ZRANGE", "ss", "0", "-1", "WITHSCORES"),
        ("GEOSEARCHSTORE", "ss", "nokey", "FROMMEMBER", "p1", "BYRADIUS", "1", "km"),
        ("EXISTS", "ss"), ("SET", "str", "x"),
        ("GEOSEARCHSTORE", "str", "g", "FROMLONLAT", "10", "40", "BYRADIUS", "100", "km"),
        ("TYPE", "str"), ("CONFIG", "SET", "zset-max-listpack-entries", "3"),
        ("GEOSEARCHSTORE", "big", "g", "FROMLONLAT", "10", "40", "BYRADIUS", "300", "km"),
        ("OBJECT", "ENCODING", "big"),
        ("GEOSEARCHSTORE", "small", "g", "FROMLONLAT", "10", "40", "BYRADIUS", "300", "km",
         "COUNT", "3"), ("OBJECT", "ENCODING", "small"),
    ])


def test_big_set_is_searched_the_same(d, restore_limits):
    d.check("CONFIG", "SET", "zset-max-listpack-entries", "0")
    rnd = random.Random(21)
    points = coords(rnd, 100, (-20, 20), (-20, 20))
    geoadd(d, "g", points)
    d.check("OBJECT", "ENCODING", "g")
    for args in _searches(rnd, [f"p{i}" for i in range(100)]):
        d.check("GEOSEARCH", "g", *args)


def test_geoadd_replicates_as_zadd(engine):
    c = engine.client()
    engine.call(c, [b"GEOADD", b"g", b"CH", b"1", b"2", b"m"])
    assert c.propagate_argv is None  # consumed by the dispatcher
    seen = []
    engine.replication = type("R", (), {"propagate": lambda self, db, argv: seen.append(argv)})()
    try:
        engine.call(c, [b"GEOADD", b"g", b"CH", b"3", b"4", b"m"])
        engine.call(c, [b"GEOADD", b"g", b"500", b"4", b"m"])
        engine.call(c, [b"SET", b"k", b"v"])
    finally:
        engine.replication = None
    assert seen[0][:3] == [b"zadd", b"g", b"ch"] and seen[0][4] == b"m"
    assert seen[1] == [b"SET", b"k", b"v"]
