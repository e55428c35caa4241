"""Sorted-set commands against redis-server 7.0: replies compared byte for byte (RESP2 and
RESP3), blocking pops with two connections per server, plus engine-level checks of what the
wire cannot show (replication form, keyspace events, memory accounting)."""

import time

import hiredis
import pytest

from engine.types.zset import ZSetValue
from tests.support.diff import Differential
from tests.support.raw import RawClient, encode_command
from tests.support.effects import Recorder, info_fields

LLONG_MAX, LLONG_MIN = str(2 ** 63 - 1), str(-(2 ** 63))


@pytest.fixture(params=[2, 3], ids=["resp2", "resp3"])
def d(request, strata_server, oracle_server):
    """``diff`` or ``diff3``: most scripts run under both protocols."""
    dd = Differential(strata_server, oracle_server, resp=request.param)
    yield dd
    for c in (dd.s, dd.o):
        c.call("CONFIG", "SET", "zset-max-listpack-entries", "128")
        c.call("CONFIG", "SET", "zset-max-listpack-value", "64")
    dd.close()


def run(d, script):
    for cmd in script:
        d.check(*cmd)


def both(d, *cmds):
    """Commands whose replies may differ (setup of the same state on both servers)."""
    for cmd in cmds:
        d.both(*cmd)


def scan_all(client, *cmd):
    """A whole ZSCAN iteration as {member: score text} (a skiplist's order is its own)."""
    cursor, found = b"0", {}
    while True:
        reader = hiredis.Reader()
        reader.feed(client.call(*cmd[:2], cursor, *cmd[2:]))
        cursor, items = reader.gets()
        found.update(zip(items[::2], items[1::2]))
        if cursor == b"0":
            return found


def big(d, key, n, score=lambda i: i):
    """A sorted set of n members m0.. on both servers."""
    args = [x for i in range(n) for x in (repr(float(score(i))), f"m{i}")]
    d.check("ZADD", key, *args)


# ------------------------------------------------------------------ metadata and errors


def test_command_getkeys(diff):
    run(diff, [
        ("COMMAND", "GETKEYS", "ZUNIONSTORE", "d", "2", "a", "b", "WEIGHTS", "1", "2"),
        ("COMMAND", "GETKEYS", "ZUNION", "2", "a", "b", "WITHSCORES"),
        ("COMMAND", "GETKEYS", "ZUNION", "3", "a", "b"),
        ("COMMAND", "GETKEYS", "ZINTER", "0", "a"),
        ("COMMAND", "GETKEYS", "ZDIFF", "x", "a"),
        ("COMMAND", "GETKEYS", "ZINTERCARD", "2", "a", "b", "LIMIT", "1"),
        ("COMMAND", "GETKEYS", "ZMPOP", "2", "a", "b", "MIN"),
        ("COMMAND", "GETKEYS", "BZMPOP", "0", "2", "a", "b", "MIN"),
        ("COMMAND", "GETKEYS", "BZMPOP", "0", "3", "a", "b", "MIN"),
        ("COMMAND", "GETKEYS", "ZDIFFSTORE", "d", "1", "a"),
        ("COMMAND", "GETKEYS", "ZINTERSTORE", "d", "2", "a"),
        ("COMMAND", "GETKEYS", "ZRANGESTORE", "d", "s", "0", "1"),
        ("COMMAND", "GETKEYS", "BZPOPMIN", "a", "b", "0"),
    ])


@pytest.mark.parametrize("cmd", [
    ("ZADD", "k", "1"), ("ZINCRBY", "k", "1"), ("ZREM", "k"), ("ZCARD",), ("ZCOUNT", "k", "0"),
    ("ZLEXCOUNT", "k", "-"), ("ZSCORE", "k"), ("ZMSCORE", "k"), ("ZRANK", "k"),
    ("ZRANK", "k", "m", "WITHSCORE"), ("ZREVRANK", "k"), ("ZRANGE", "k", "0"),
    ("ZRANGESTORE", "d", "k", "0"), ("ZREVRANGE", "k", "0"), ("ZRANGEBYSCORE", "k", "0"),
    ("ZREVRANGEBYSCORE", "k", "0"), ("ZRANGEBYLEX", "k", "-"), ("ZREVRANGEBYLEX", "k", "+"),
    ("ZREMRANGEBYRANK", "k", "0"), ("ZREMRANGEBYSCORE", "k", "0", "1", "2"),
    ("ZREMRANGEBYLEX", "k", "-"), ("ZUNION", "1"), ("ZINTER", "1"), ("ZDIFF", "1"),
    ("ZUNIONSTORE", "d", "1"), ("ZINTERSTORE", "d", "1"), ("ZDIFFSTORE", "d", "1"),
    ("ZINTERCARD", "1"), ("ZPOPMIN",), ("ZPOPMAX",), ("ZMPOP", "1", "k"), ("BZPOPMIN", "k"),
    ("BZPOPMAX", "k"), ("BZMPOP", "0", "1", "k"), ("ZRANDMEMBER",), ("ZSCAN", "k"),
])
def test_wrong_arity(diff, cmd):
    diff.check(*cmd)


def test_wrongtype(d):
    d.check("SET", "s", "x")
    d.check("ZADD", "z", "1", "a")
    run(d, [
        ("ZADD", "s", "1", "a"), ("ZADD", "s", "XX", "1", "a"), ("ZADD", "s", "x", "a"),
        ("ZINCRBY", "s", "1", "a"), ("ZREM", "s", "a"), ("ZCARD", "s"),
        ("ZCOUNT", "s", "0", "1"), ("ZCOUNT", "s", "x", "1"), ("ZLEXCOUNT", "s", "-", "+"),
        ("ZSCORE", "s", "a"), ("ZMSCORE", "s", "a"), ("ZRANK", "s", "a"), ("ZREVRANK", "s", "a"),
        ("ZRANGE", "s", "0", "-1"), ("ZRANGE", "s", "x", "-1"), ("ZRANGESTORE", "z", "s", "0", "1"),
        ("ZREVRANGE", "s", "0", "1"),
        ("ZRANGEBYSCORE", "s", "0", "1"), ("ZREVRANGEBYSCORE", "s", "1", "0"),
        ("ZRANGEBYLEX", "s", "-", "+"), ("ZREVRANGEBYLEX", "s", "+", "-"),
        ("ZREMRANGEBYRANK", "s", "0", "1"), ("ZREMRANGEBYSCORE", "s", "0", "1"),
        ("ZREMRANGEBYLEX", "s", "-", "+"), ("ZUNION", "2", "z", "s"), ("ZINTER", "2", "s", "z"),
        ("ZDIFF", "2", "z", "s"), ("ZUNION", "2", "z", "s", "BOGUS"),
        ("ZUNIONSTORE", "d", "2", "z", "s"), ("ZINTERCARD", "1", "s"),
        ("ZPOPMIN", "s"), ("ZPOPMAX", "s", "0"), ("ZPOPMIN", "s", "-1"),
        ("ZMPOP", "2", "nokey", "s", "MIN"), ("ZMPOP", "2", "z", "s", "MAX"),
        ("BZPOPMIN", "nokey", "s", "0"), ("BZPOPMAX", "s", "0"), ("BZMPOP", "0", "1", "s", "MIN"),
        ("ZRANDMEMBER", "s"), ("ZRANDMEMBER", "s", "0"), ("ZRANDMEMBER", "s", "-3", "WITHSCORES"),
        ("ZSCAN", "s", "0"), ("ZSCAN", "s", "x"), ("ZSCAN", "s", "0", "BOGUS"), ("EXISTS", "d"),
        ("ZADD", "z", "1", "a"), ("ZRANGESTORE", "s", "z", "0", "1"), ("TYPE", "s"),
    ])


# ------------------------------------------------------------------ scores

SCORES = ["1.1", "0.1", "0.30000000000000004", "1e308", "-1e308", "1.7976931348623157e308",
          "-0.0", "-0", "0", "+0", "inf", "-inf", "+inf", "INF", "-Infinity", "1e-320",
          "4.9e-324", "2.2250738585072014e-308", "123456789012345678", "9007199254740993",
          "1e15", "1e16", "1e17", "0x1p-3", "0X1.8P1", "1E5", ".5", "5.", "-.5e-5", "00012",
          "3.0000000000000004", "123.456e7", "2.5e-10", "-4503599627370496", "0.1e-1",
          "4611686018427387904", "-4611686018427387904", "4611686018427387905", "1e18",
          "-9223372036854775808", "1.5e300"]


@pytest.mark.parametrize("score", SCORES)
def test_score_parsing_and_formatting(d, score):
    run(d, [
        ("ZADD", "k", score, "m"), ("ZSCORE", "k", "m"), ("ZMSCORE", "k", "m", "x"),
        ("ZRANGE", "k", "0", "-1", "WITHSCORES"), ("ZSCAN", "k", "0"),
        ("ZINCRBY", "k", score, "m"), ("ZADD", "k", "INCR", "0.1", "m"),
        ("ZRANGEBYSCORE", "k", score, "+inf", "WITHSCORES"), ("ZCOUNT", "k", score, score),
        ("ZUNION", "1", "k", "WEIGHTS", score, "WITHSCORES"), ("ZPOPMIN", "k"),
        ("ZADD", "k", score, "m", "2", "n"), ("ZPOPMAX", "k", "2"),
    ])


BAD_SCORES = ["", " 1", "1 ", "nan", "-nan", "NaN", "1e400", "-1e400", "1e-400", "0x1p-2000",
              "0x1p5000", "abc", "1e", "1e+", "0x", "0x.p1", "1_0", "1\x00", "++1", "inf1",
              "infinit", "1.2.3", ".", "-"]


@pytest.mark.parametrize("score", BAD_SCORES)
def test_bad_scores(diff, score):
    diff.check("ZADD", "k", "1", "a")
    run(diff, [
        ("ZADD", "k", score, "m"), ("ZADD", "k", "1", "n", score, "m"), ("ZINCRBY", "k", score, "a"),
        ("ZADD", "k", "INCR", score, "a"), ("ZUNION", "1", "k", "WEIGHTS", score),
        ("ZINTERSTORE", "d", "1", "k", "WEIGHTS", score), ("ZRANGE", "k", "0", "-1", "WITHSCORES"),
    ])


def test_tiny_and_huge_scores_in_a_skiplist(d):
    d.check("CONFIG", "SET", "zset-max-listpack-entries", "0")
    for score in SCORES:
        d.check("ZADD", "k", score, "m" + score)
    run(d, [("OBJECT", "ENCODING", "k"), ("ZRANGE", "k", "0", "-1", "WITHSCORES"),
            ("ZRANGEBYSCORE", "k", "(0", "(inf", "WITHSCORES", "LIMIT", "2", "5")])
    assert scan_all(d.s, "ZSCAN", "k") == scan_all(d.o, "ZSCAN", "k")


# ------------------------------------------------------------------ ZADD ZINCRBY ZREM


def test_zadd_options(d):
    run(d, [
        ("ZADD", "k", "1", "a", "2", "b"), ("ZADD", "k", "1", "a", "3", "b", "4", "c"),
        ("ZADD", "k", "CH", "1", "a", "5", "b", "6", "d"), ("ZADD", "k", "NX", "9", "a", "7", "e"),
        ("ZADD", "k", "XX", "9", "a", "8", "f"), ("ZADD", "k", "XX", "CH", "10", "a", "8", "f"),
        ("ZADD", "k", "GT", "CH", "1", "a", "11", "b", "12", "g"),
        ("ZADD", "k", "LT", "CH", "100", "a", "0", "b", "13", "h"),
        ("ZADD", "k", "XX", "GT", "CH", "20", "a", "20", "zz"),
        ("ZADD", "k", "XX", "LT", "CH", "-1", "a"), ("ZADD", "k", "ch", "xx", "gt", "-5", "a"),
        ("ZADD", "k", "INCR", "5", "a"), ("ZADD", "k", "INCR", "NX", "5", "a"),
        ("ZADD", "k", "INCR", "NX", "5", "new"), ("ZADD", "k", "INCR", "XX", "5", "nope"),
        ("ZADD", "k", "INCR", "XX", "5", "a"), ("ZADD", "k", "INCR", "GT", "-1", "a"),
        ("ZADD", "k", "INCR", "GT", "1", "a"), ("ZADD", "k", "INCR", "LT", "1", "a"),
        ("ZADD", "k", "INCR", "LT", "-1", "a"), ("ZADD", "k", "INCR", "CH", "0", "a"),
        ("ZADD", "k", "GT", "0", "brand-new"), ("ZADD", "k", "LT", "0", "new2"),
        ("ZADD", "k", "1", "dup", "2", "dup", "3", "dup"), ("ZADD", "k", "CH", "3", "dup"),
        ("ZRANGE", "k", "0", "-1", "WITHSCORES"),
        ("ZADD", "nokey", "XX", "1", "a"), ("ZADD", "nokey", "XX", "INCR", "1", "a"),
        ("EXISTS", "nokey"), ("ZADD", "new", "NX", "GT", "1", "a"),
        ("ZADD", "z", "0", "m"), ("ZADD", "z", "CH", "-0.0", "m"), ("ZSCORE", "z", "m"),
        ("ZADD", "z2", "-0.0", "m"), ("ZADD", "z2", "CH", "0", "m"), ("ZSCORE", "z2", "m"),
        ("ZADD", "z2", "INCR", "0", "m"), ("ZADD", "z2", "INCR", "-0.0", "m"),
    ])


def test_zadd_errors(d):
    d.check("ZADD", "k", "1", "a")
    run(d, [
        ("ZADD", "k", "NX", "XX", "1", "a"), ("ZADD", "k", "XX", "NX", "1", "a"),
        ("ZADD", "k", "GT", "LT", "1", "a"), ("ZADD", "k", "NX", "GT", "1", "a"),
        ("ZADD", "k", "LT", "NX", "1", "a"), ("ZADD", "k", "NX", "XX", "GT", "1", "a"),
        ("ZADD", "k", "INCR", "1", "a", "2", "b"), ("ZADD", "k", "NX", "XX", "INCR", "1", "a", "2"),
        ("ZADD", "k", "1"), ("ZADD", "k", "1", "a", "2"), ("ZADD", "k", "NX"),
        ("ZADD", "k", "CH", "INCR"), ("ZADD", "k", "x", "a", "NX"), ("ZADD", "k", "1", "a", "x", "b"),
        ("ZADD", "k", "GT", "LT", "x", "a"), ("ZADD", "k", "INCR", "x", "a", "1", "b"),
        ("ZADD", "k", "1", "NX"), ("ZADD", "k", "NX", "NX", "1", "a"), ("ZADD", "k", "nx", "1", "a"),
        ("ZINCRBY", "k", "nx", "a"), ("ZINCRBY", "k", "incr", "a"), ("ZINCRBY", "k", "1", "nx"),
        ("ZRANGE", "k", "0", "-1", "WITHSCORES"),
    ])


def test_zincrby(d):
    run(d, [
        ("ZINCRBY", "k", "1.5", "a"), ("ZINCRBY", "k", "-1.5", "a"), ("ZINCRBY", "k", "0.1", "a"),
        ("ZINCRBY", "k", "0.2", "a"), ("ZINCRBY", "k", "1e308", "b"), ("ZINCRBY", "k", "1e308", "b"),
        ("ZINCRBY", "k", "-inf", "b"), ("ZINCRBY", "k", "inf", "b"), ("ZSCORE", "k", "b"),
        ("ZADD", "k", "INCR", "-inf", "b"), ("ZADD", "k", "inf", "c"), ("ZINCRBY", "k", "inf", "c"),
        ("ZINCRBY", "k", "-inf", "c"), ("ZADD", "k", "INCR", "-inf", "c"), ("ZSCORE", "k", "c"),
        ("ZADD", "k", "INCR", "XX", "-inf", "c"), ("ZADD", "k", "INCR", "GT", "-inf", "c"),
        ("ZRANGE", "k", "0", "-1", "WITHSCORES"),
    ])


def test_zrem_zcard_zscore_zrank(d):
    run(d, [
        ("ZREM", "nokey", "a"), ("ZCARD", "nokey"), ("ZSCORE", "nokey", "a"),
        ("ZMSCORE", "nokey", "a", "b"), ("ZRANK", "nokey", "a"), ("ZREVRANK", "nokey", "a"),
        ("ZADD", "k", "1", "a", "2", "b", "2", "c", "3", "d", "-1", "e"),
        ("ZRANK", "k", "a"), ("ZRANK", "k", "c"), ("ZREVRANK", "k", "c"), ("ZREVRANK", "k", "e"),
        ("ZRANK", "k", "nope"), ("ZREVRANK", "k", "nope"), ("ZCARD", "k"),
        ("ZSCORE", "k", "b"), ("ZSCORE", "k", "nope"), ("ZMSCORE", "k", "a", "nope", "e", "a"),
        ("ZREM", "k", "nope"), ("ZREM", "k", "a", "a", "b", "nope"), ("ZCARD", "k"),
        ("ZREM", "k", "c", "d", "e", "more", "args"), ("EXISTS", "k"), ("ZCARD", "k"),
    ])


# ------------------------------------------------------------------ ranges

SCORE_RANGES = [
    ("-inf", "+inf"), ("(1", "2"), ("1", "(2"), ("(1", "(2"), ("1", "1"), ("(1", "1"),
    ("2", "1"), ("", ""), ("(", "3"), (" 1", "2"), ("\t\n1", "3"), ("\v1", "3"), ("( 1", "3"),
    ("1\x00x", "5"), ("1 ", "2"), ("nan", "1"), ("(nan", "1"), ("((1", "2"), ("x", "1"),
    ("1", "abc"), ("1e400", "inf"), ("-1e400", "0"), ("inf", "inf"), ("(inf", "inf"),
    ("-inf", "(-inf"), ("-inf", "-inf"), ("0x1", "0x2"), ("(-0", "0"), ("-0", "(0"),
    ("-0.0", "0.0"), ("1.5", "1e400"), ("(1e-400", "2"), ("0x1p5000", "inf"), ("  ", "1"),
    ("(", "("), ("1e", "2"), ("-", "+"),
]


@pytest.mark.parametrize("rng", SCORE_RANGES, ids=repr)
def test_score_ranges(d, rng):
    lo, hi = rng
    d.check("ZADD", "k", "-inf", "ninf", "-0.0", "nz", "0", "z", "1", "a", "1", "b", "1.5", "c",
            "2", "d", "2", "e", "3", "f", "inf", "pinf")
    run(d, [
        ("ZCOUNT", "k", lo, hi), ("ZRANGEBYSCORE", "k", lo, hi),
        ("ZRANGEBYSCORE", "k", lo, hi, "WITHSCORES"), ("ZREVRANGEBYSCORE", "k", hi, lo),
        ("ZREVRANGEBYSCORE", "k", hi, lo, "WITHSCORES", "LIMIT", "1", "2"),
        ("ZRANGE", "k", lo, hi, "BYSCORE", "LIMIT", "1", "-1"),
        ("ZRANGE", "k", hi, lo, "BYSCORE", "REV", "WITHSCORES"),
        ("ZRANGESTORE", "dst", "k", lo, hi, "BYSCORE"), ("ZRANGE", "dst", "0", "-1", "WITHSCORES"),
        ("ZCOUNT", "nokey", lo, hi), ("ZREMRANGEBYSCORE", "k", lo, hi),
        ("ZRANGE", "k", "0", "-1", "WITHSCORES"),
    ])


LEX_RANGES = [
    ("-", "+"), ("[a", "[c"), ("(a", "(c"), ("[b", "[b"), ("(b", "[b"), ("[b", "(b"),
    ("[c", "[a"), ("+", "-"), ("-", "-"), ("+", "+"), ("[", "+"), ("(", "+"), ("-", "["),
    ("-", "[a"), ("", "+"), ("a", "+"), ("-x", "+"), ("+x", "+"), ("+\x00x", "+"),
    ("[aa", "(b"), ("[\xff", "+"), ("-", "(\xff"), ("[a\x00", "[b"), ("(ab", "+"), ("[B", "[b"),
]


@pytest.mark.parametrize("rng", LEX_RANGES, ids=repr)
def test_lex_ranges(d, rng):
    lo, hi = rng
    d.check("ZADD", "k", *[x for m in ["", "a", "a\x00", "aa", "ab", "b", "ba", "c", "d", "\xff",
                                        "B"] for x in ("0", m)])
    run(d, [
        ("ZLEXCOUNT", "k", lo, hi), ("ZRANGEBYLEX", "k", lo, hi),
        ("ZRANGEBYLEX", "k", lo, hi, "LIMIT", "1", "3"), ("ZREVRANGEBYLEX", "k", hi, lo),
        ("ZREVRANGEBYLEX", "k", hi, lo, "LIMIT", "0", "2"), ("ZRANGE", "k", lo, hi, "BYLEX"),
        ("ZRANGE", "k", hi, lo, "BYLEX", "REV", "LIMIT", "2", "-5"),
        ("ZRANGESTORE", "dst", "k", lo, hi, "BYLEX"), ("ZRANGE", "dst", "0", "-1"),
        ("ZLEXCOUNT", "nokey", lo, hi), ("ZREMRANGEBYLEX", "k", lo, hi), ("ZRANGE", "k", "0", "-1"),
    ])


def test_lex_ranges_with_mixed_scores(d):
    """Undefined in Redis, but a listpack answers deterministically: as it walks."""
    d.check("ZADD", "k", "1", "d", "2", "b", "3", "c", "4", "a", "5", "e")
    for lo, hi in [("[b", "[d"), ("[a", "[c"), ("-", "[c"), ("[c", "+"), ("(b", "(e"),
                   ("[e", "+"), ("-", "[a"), ("[d", "[d"), ("[z", "+")]:
        run(d, [("ZLEXCOUNT", "k", lo, hi), ("ZRANGEBYLEX", "k", lo, hi),
                ("ZREVRANGEBYLEX", "k", hi, lo), ("ZRANGE", "k", hi, lo, "BYLEX", "REV")])


RANKS = [("0", "-1"), ("0", "0"), ("1", "2"), ("-2", "-1"), ("-100", "100"), ("5", "3"),
         ("3", "100"), ("7", "9"), ("-1", "-2"), ("-7", "-7"), ("0", "-100"), (LLONG_MIN, LLONG_MAX),
         (LLONG_MAX, LLONG_MAX), ("x", "1"), ("1", "1.5"), ("", "1"), ("01", "2")]


@pytest.mark.parametrize("rng", RANKS, ids=repr)
def test_rank_ranges(d, rng):
    lo, hi = rng
    d.check("ZADD", "k", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e", "6", "f")
    run(d, [
        ("ZRANGE", "k", lo, hi), ("ZRANGE", "k", lo, hi, "WITHSCORES"), ("ZREVRANGE", "k", lo, hi),
        ("ZREVRANGE", "k", lo, hi, "WITHSCORES"), ("ZRANGE", "k", lo, hi, "REV"),
        ("ZRANGESTORE", "dst", "k", lo, hi), ("ZRANGESTORE", "dst2", "k", lo, hi, "REV"),
        ("ZRANGE", "dst", "0", "-1", "WITHSCORES"), ("ZRANGE", "dst2", "0", "-1"),
        ("ZRANGE", "nokey", lo, hi), ("ZREMRANGEBYRANK", "nokey", lo, hi),
        ("ZREMRANGEBYRANK", "k", lo, hi), ("ZRANGE", "k", "0", "-1"),
    ])


def test_zrange_options_and_errors(d):
    d.check("ZADD", "k", "1", "a", "2", "b", "3", "c")
    run(d, [
        ("ZRANGE", "k", "0", "-1", "LIMIT", "0", "1"), ("ZRANGE", "k", "0", "-1", "LIMIT", "0", "-1"),
        ("ZRANGE", "k", "0", "-1", "LIMIT", "5", "-1"), ("ZRANGE", "k", "0", "-1", "LIMIT", "0"),
        ("ZRANGE", "k", "0", "-1", "LIMIT", "x", "1"), ("ZRANGE", "k", "0", "-1", "LIMIT", "1", "x"),
        ("ZRANGE", "k", "-", "+", "BYLEX", "WITHSCORES"), ("ZRANGE", "k", "0", "1", "BYSCORE",
                                                          "BYLEX"),
        ("ZRANGE", "k", "0", "1", "BYSCORE", "BYSCORE"), ("ZRANGE", "k", "0", "1", "REV", "REV"),
        ("ZRANGE", "k", "0", "1", "WITHSCORES", "WITHSCORES"), ("ZRANGE", "k", "0", "1", "BOGUS"),
        ("ZRANGE", "k", "a", "b", "BYSCORE"), ("ZRANGE", "k", "a", "b", "BYLEX"),
        ("ZRANGE", "k", "a", "b"), ("ZRANGE", "nokey", "a", "b"), ("ZRANGE", "nokey", "0", "1"),
        ("ZRANGE", "k", "(1", "3", "byscore", "limit", "0", "1", "withscores", "rev"),
        ("ZRANGE", "k", "3", "(1", "byscore", "limit", "0", "1", "withscores", "rev"),
        ("ZRANGE", "k", "+", "-", "BYLEX", "REV"),
        ("ZREVRANGE", "k", "0", "1", "REV"), ("ZREVRANGE", "k", "0", "1", "BYSCORE"),
        ("ZREVRANGE", "k", "0", "1", "LIMIT", "0", "1"), ("ZREVRANGE", "k", "0", "1", "LIMIT", "0",
                                                         "-1"),
        ("ZRANGEBYSCORE", "k", "0", "5", "BYSCORE"), ("ZRANGEBYSCORE", "k", "0", "5", "REV"),
        ("ZRANGEBYSCORE", "k", "0", "5", "BYLEX"), ("ZRANGEBYSCORE", "k", "0", "5", "LIMIT"),
        ("ZRANGEBYSCORE", "k", "0", "5", "LIMIT", "1"), ("ZRANGEBYSCORE", "k", "0", "5", "x"),
        ("ZRANGEBYSCORE", "k", "0", "5", "LIMIT", "1", "1", "LIMIT", "0", "2"),
        ("ZRANGEBYLEX", "k", "-", "+", "WITHSCORES"), ("ZRANGEBYLEX", "k", "-", "+", "BYLEX"),
        ("ZREVRANGEBYLEX", "k", "+", "-", "WITHSCORES"), ("ZRANGEBYLEX", "k", "a", "b"),
        ("ZRANGESTORE", "d", "k", "0", "-1", "WITHSCORES"), ("ZRANGESTORE", "d", "k", "0", "x"),
        ("ZRANGESTORE", "d", "k", "-", "+", "BYLEX", "LIMIT", "1", "1"), ("ZRANGE", "d", "0", "-1"),
        ("ZRANGESTORE", "d", "nokey", "0", "-1"), ("EXISTS", "d"),
        ("ZRANGESTORE", "k", "k", "1", "1"), ("ZRANGE", "k", "0", "-1", "WITHSCORES"),
    ])


@pytest.mark.parametrize("offset", ["-1", "0", "1", "2", "5", "6", "100", LLONG_MAX, LLONG_MIN])
@pytest.mark.parametrize("count", ["-5", "-1", "0", "1", "3", "100"])
def test_limit(diff, offset, count):
    diff.check("ZADD", "k", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e", "6", "f")
    for rev in ((), ("REV",)):
        diff.check("ZRANGE", "k", "-inf", "inf", "BYSCORE", *rev, "LIMIT", offset, count)
        diff.check("ZRANGE", "k", "-", "+", "BYLEX", *rev, "LIMIT", offset, count)
    diff.check("ZRANGEBYSCORE", "k", "(1", "5", "WITHSCORES", "LIMIT", offset, count)
    diff.check("ZREVRANGEBYLEX", "k", "[e", "[b", "LIMIT", offset, count)


def test_zremrange_errors(d):
    d.check("ZADD", "k", "1", "a")
    run(d, [
        ("ZREMRANGEBYRANK", "k", "x", "1"), ("ZREMRANGEBYRANK", "k", "0", "1.5"),
        ("ZREMRANGEBYSCORE", "k", "x", "1"), ("ZREMRANGEBYSCORE", "k", "0", "nan"),
        ("ZREMRANGEBYLEX", "k", "a", "+"), ("ZREMRANGEBYLEX", "k", "-", "b"),
        ("ZREMRANGEBYRANK", "nokey", "x", "1"), ("ZREMRANGEBYSCORE", "nokey", "x", "1"),
        ("ZREMRANGEBYLEX", "nokey", "x", "+"), ("ZCOUNT", "nokey", "x", "1"),
        ("ZLEXCOUNT", "nokey", "x", "+"), ("ZCARD", "k"),
    ])


# ------------------------------------------------------------------ ZUNION ZINTER ZDIFF


def test_setops(d):
    both(d, ("SADD", "s", "a", "x", "1"), ("SADD", "big-set", *[f"e{i}" for i in range(20)]))
    run(d, [
        ("ZADD", "a", "1", "a", "2", "b", "3", "c", "inf", "i", "-inf", "j"),
        ("ZADD", "b", "10", "b", "20", "c", "30", "d", "-inf", "i", "inf", "j"),
        ("ZADD", "c", "0.1", "c", "0.2", "d"),
    ])
    for op in ("ZUNION", "ZINTER", "ZDIFF"):
        for keys in (("a",), ("a", "b"), ("b", "a"), ("a", "b", "c"), ("a", "nokey"),
                     ("nokey", "a"), ("a", "a"), ("a", "s"), ("s", "a", "b"), ("s", "s"),
                     ("big-set", "s"), ("nokey",)):
            run(d, [(op, len(keys), *keys), (op, len(keys), *keys, "WITHSCORES")])
            run(d, [(op + "STORE", "dst", len(keys), *keys), ("ZRANGE", "dst", "0", "-1",
                                                              "WITHSCORES")])
            if op != "ZDIFF":
                for extra in (("AGGREGATE", "MIN"), ("AGGREGATE", "max"), ("aggregate", "SUM"),
                              ("WEIGHTS",) + ("2",) * len(keys),
                              ("WEIGHTS",) + ("0",) * len(keys) + ("AGGREGATE", "MAX"),
                              ("WEIGHTS",) + ("-1",) * len(keys) + ("AGGREGATE", "MIN"),
                              ("WEIGHTS",) + ("inf",) * len(keys),
                              ("AGGREGATE", "MIN", "WEIGHTS") + ("1.5",) * len(keys)):
                    run(d, [(op, len(keys), *keys, *extra, "WITHSCORES"),
                            (op + "STORE", "dst", len(keys), *keys, *extra),
                            ("ZRANGE", "dst", "0", "-1", "WITHSCORES"),
                            ("ZINTERCARD", len(keys), *keys)])


def test_setop_errors(d):
    d.check("ZADD", "a", "1", "x")
    run(d, [
        ("ZUNION", "0", "a"), ("ZINTER", "0", "a"), ("ZDIFF", "0", "a"), ("ZUNION", "-1", "a"),
        ("ZUNIONSTORE", "d", "0", "a"), ("ZINTERSTORE", "d", "0", "a"),
        ("ZDIFFSTORE", "d", "0", "a"), ("ZINTERCARD", "0", "a"), ("ZUNION", "x", "a"),
        ("ZUNION", "2", "a"), ("ZUNION", LLONG_MAX, "a"), ("ZUNIONSTORE", "d", "2", "a"),
        ("ZUNION", "1", "a", "WEIGHTS"), ("ZUNION", "1", "a", "WEIGHTS", "x"),
        ("ZUNION", "1", "a", "WEIGHTS", "1", "2"), ("ZUNION", "2", "a", "a", "WEIGHTS", "1"),
        ("ZUNION", "1", "a", "AGGREGATE"), ("ZUNION", "1", "a", "AGGREGATE", "avg"),
        ("ZUNION", "1", "a", "WITHSCORES", "WITHSCORES"), ("ZUNION", "1", "a", "BOGUS"),
        ("ZUNIONSTORE", "d", "1", "a", "WITHSCORES"), ("ZDIFF", "1", "a", "WEIGHTS", "2"),
        ("ZDIFF", "1", "a", "AGGREGATE", "SUM"), ("ZDIFFSTORE", "d", "1", "a", "WEIGHTS", "1"),
        ("ZINTERCARD", "1", "a", "WITHSCORES"), ("ZINTERCARD", "1", "a", "WEIGHTS", "1"),
        ("ZINTERCARD", "1", "a", "LIMIT"), ("ZINTERCARD", "1", "a", "LIMIT", "-1"),
        ("ZINTERCARD", "1", "a", "LIMIT", "x"), ("ZINTERCARD", "x", "a"),
        ("ZINTERCARD", "2", "a"), ("ZUNION", "1", "a", "LIMIT", "1"),
        ("ZUNION", "1", "a", "WEIGHTS", "1e400"), ("ZUNION", "1", "a", "WEIGHTS", "nan"),
        ("ZUNION", "1", "a", "AGGREGATE", "MIN", "AGGREGATE", "MAX", "WITHSCORES"),
        ("ZUNION", "1", "a", "WEIGHTS", "2", "WEIGHTS", "3", "WITHSCORES"), ("EXISTS", "d"),
    ])


def test_setop_sums_in_input_size_order(d):
    """SUM adds in order of input size (smallest first, ties kept): float sums show it."""
    run(d, [("ZADD", "a", "0.1", "m"), ("ZADD", "b", "0.2", "m"), ("ZADD", "c", "0.3", "m"),
            ("ZADD", "big", "0.3", "m", "1", "x"), ("ZADD", "huge", "1e16", "m", "1", "x",
                                                     "2", "y")])
    for keys in (("a", "b", "c"), ("c", "b", "a"), ("b", "c", "a"), ("big", "a", "b"),
                 ("huge", "a", "big"), ("a", "huge", "b", "big"), ("big", "huge", "c")):
        run(d, [("ZUNION", len(keys), *keys, "WITHSCORES"),
                ("ZINTER", len(keys), *keys, "WITHSCORES"),
                ("ZINTER", len(keys), *keys, "WEIGHTS", *["3"] * len(keys), "WITHSCORES")])


def test_setop_store_over_other_types_and_ttl(d):
    run(d, [("ZADD", "a", "1", "x"), ("SET", "dst", "string"), ("EXPIRE", "dst", "100"),
            ("ZUNIONSTORE", "dst", "1", "a"), ("TYPE", "dst"), ("TTL", "dst"),
            ("ZINTERSTORE", "dst", "2", "a", "nokey"), ("EXISTS", "dst"),
            ("ZDIFFSTORE", "dst", "1", "nokey"), ("ZUNIONSTORE", "a", "2", "a", "a"),
            ("ZRANGE", "a", "0", "-1", "WITHSCORES"), ("ZDIFFSTORE", "a", "2", "a", "a"),
            ("EXISTS", "a")])


def test_zintercard(d):
    run(d, [("ZADD", "a", "1", "x", "2", "y", "3", "z"), ("ZADD", "b", "1", "y", "2", "z"),
            ("ZINTERCARD", "1", "a"), ("ZINTERCARD", "2", "a", "b"), ("ZINTERCARD", "2", "a", "x"),
            ("ZINTERCARD", "2", "a", "b", "LIMIT", "0"), ("ZINTERCARD", "2", "a", "b", "LIMIT", "1"),
            ("ZINTERCARD", "2", "a", "b", "limit", "5"), ("ZINTERCARD", "1", "nokey")])


# ------------------------------------------------------------------ pops


def test_zpop(d):
    run(d, [
        ("ZPOPMIN", "nokey"), ("ZPOPMIN", "nokey", "2"), ("ZPOPMAX", "nokey", "0"),
        ("ZADD", "k", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e"),
        ("ZPOPMIN", "k"), ("ZPOPMAX", "k"), ("ZPOPMIN", "k", "0"), ("ZPOPMIN", "k", "1"),
        ("ZPOPMAX", "k", "1"), ("ZPOPMIN", "k", "-1"), ("ZPOPMIN", "k", "x"),
        ("ZPOPMIN", "k", "1", "2"), ("ZPOPMAX", "k", "10"), ("EXISTS", "k"),
        ("ZADD", "k", "1.1", "a", "inf", "b"), ("ZPOPMAX", "k", LLONG_MAX), ("ZPOPMIN", "k", "01"),
    ])


def test_zmpop(d):
    run(d, [
        ("ZMPOP", "1", "nokey", "MIN"), ("ZADD", "k", "1", "a", "2", "b", "3", "c"),
        ("ZADD", "j", "0.5", "x"), ("ZMPOP", "2", "nokey", "k", "MIN"),
        ("ZMPOP", "2", "k", "j", "max", "COUNT", "10"), ("ZMPOP", "2", "k", "j", "min", "count", "1"),
        ("ZMPOP", "1", "j", "MIN"), ("EXISTS", "j", "k"),
    ])


@pytest.mark.parametrize("args", [
    ("0", "k", "MIN"), ("-1", "k", "MIN"), ("x", "k", "MIN"), ("2", "k", "MIN"), ("1", "k"),
    ("1", "k", "MID"), ("1", "k", "MIN", "COUNT"), ("1", "k", "MIN", "COUNT", "0"),
    ("1", "k", "MIN", "COUNT", "-1"), ("1", "k", "MIN", "COUNT", "x"),
    ("1", "k", "MIN", "COUNT", "1", "COUNT", "2"), ("1", "k", "MIN", "BOGUS"),
    (LLONG_MAX, "k", "MIN"), ("1", "k", "MIN", "COUNT", LLONG_MAX),
])
def test_mpop_errors(diff, args):
    diff.check("ZADD", "k", "1", "a")
    diff.check("ZMPOP", *args)
    diff.check("BZMPOP", "0.01", *args)
    diff.check("BZMPOP", "x", *args)


@pytest.mark.parametrize("timeout", ["x", "-1", "inf", "-inf", "1e400", LLONG_MAX, "1e5000",
                                     "nan", ""])
def test_timeout_errors(diff, timeout):
    diff.check("BZPOPMIN", "k", timeout)
    diff.check("BZPOPMAX", "k", "j", timeout)
    diff.check("BZMPOP", timeout, "1", "k", "MIN")


def test_blocking_pops_with_data_and_in_multi(d):
    run(d, [
        ("ZADD", "k", "1", "a", "2", "b", "3", "c"), ("BZPOPMIN", "nokey", "k", "0"),
        ("BZPOPMAX", "k", "nokey", "0"), ("BZMPOP", "0", "2", "nokey", "k", "MIN", "COUNT", "5"),
        ("MULTI",), ("BZPOPMIN", "k", "0"), ("BZMPOP", "0", "1", "k", "MAX"), ("EXEC",),
        ("ZADD", "k", "1", "a"), ("MULTI",), ("BZPOPMAX", "k", "0"), ("BZPOPMAX", "k", "0"),
        ("BZMPOP", "0", "1", "k", "MAX"), ("EXEC",),
    ])


# ------------------------------------------------------------------ blocking pops


def send(pair, *args):
    data = encode_command(args)
    for c in pair:
        c.send(data)


def reply(pair):
    """The next reply of a woken (strata, oracle) pair; they must be equal."""
    got, want = pair[0].read_reply(), pair[1].read_reply()
    assert got == want, f"\n strata: {got!r}\n redis:  {want!r}"
    return want


def silent(pair, wait=0.05):
    assert [c.read_available(wait) for c in pair] == [b"", b""]


def blocked_clients(client):
    info = client.call("INFO", "clients")
    return int(info.split(b"blocked_clients:")[1].split(b"\r\n")[0])


def block(d, *args):
    """A new pair blocked on ``args`` on both servers."""
    pair = d.pair()
    before = blocked_clients(d.s), blocked_clients(d.o)
    send(pair, *args)
    deadline = time.time() + 5
    while (blocked_clients(d.s), blocked_clients(d.o)) != (before[0] + 1, before[1] + 1):
        assert time.time() < deadline, "clients did not block"
        time.sleep(0.005)
    return pair


BLOCKING = [("BZPOPMIN", "k", "0"), ("BZPOPMAX", "j", "k", "0"),
            ("BZMPOP", "0", "2", "j", "k", "MIN", "COUNT", "2"), ("BZMPOP", "0", "1", "k", "MAX")]


@pytest.mark.parametrize("cmd", BLOCKING, ids=" ".join)
def test_zadd_wakes_waiter(d, cmd):
    w = block(d, *cmd)
    silent(w)
    d.check("ZADD", "k", "1", "a", "2", "b", "3.5", "c")
    reply(w)
    d.check("ZRANGE", "k", "0", "-1", "WITHSCORES")
    assert blocked_clients(d.s) == 0


@pytest.mark.parametrize("cmd", BLOCKING, ids=" ".join)
def test_blocking_timeout(d, cmd):
    cmd = list(cmd)
    cmd[1 if cmd[0] == "BZMPOP" else -1] = "0.1"
    pair = d.pair()
    t0 = time.monotonic()
    send(pair, *cmd)
    reply(pair)
    assert time.monotonic() - t0 >= 0.09


def test_waiters_served_fifo(d):
    a = block(d, "BZPOPMIN", "k", "0")
    b = block(d, "BZMPOP", "0", "2", "other", "k", "MAX", "COUNT", "2")
    c = block(d, "BZPOPMAX", "k", "0")
    d.check("ZADD", "k", "1", "a", "2", "b", "3", "c")
    reply(a)
    reply(b)
    silent(c)
    d.check("EXISTS", "k")
    d.check("ZADD", "k", "5", "x", "6", "y")
    reply(c)
    d.check("ZRANGE", "k", "0", "-1", "WITHSCORES")


def test_one_zadd_serves_several_waiters(d):
    waiters = [block(d, "BZPOPMIN", "k", "0") for _ in range(3)]
    d.check("ZADD", "k", "1", "a", "2", "b")
    reply(waiters[0])
    reply(waiters[1])
    silent(waiters[2])
    d.check("ZUNIONSTORE", "k", "1", "nokey")
    silent(waiters[2])
    d.check("ZADD", "src", "7", "z")
    d.check("ZUNIONSTORE", "k", "1", "src")  # a store creating the key wakes too
    reply(waiters[2])


def test_served_from_the_key_made_ready_first(d):
    w = block(d, "BZPOPMIN", "k1", "k2", "0")
    d.check("MULTI")
    d.check("ZADD", "k2", "1", "x")
    d.check("ZADD", "k1", "1", "y")
    d.check("EXEC")
    reply(w)
    d.check("ZRANGE", "k1", "0", "-1")
    d.check("ZRANGE", "k2", "0", "-1")


def test_multi_that_empties_the_key_again(d):
    w = block(d, "BZPOPMAX", "k", "0")
    d.check("MULTI")
    d.check("ZADD", "k", "1", "a")
    d.check("ZPOPMIN", "k")
    d.check("EXEC")
    silent(w)
    d.check("ZINCRBY", "k", "2", "b")
    reply(w)


def test_key_of_another_type_keeps_waiting(d):
    w = block(d, "BZPOPMIN", "k", "0")
    d.check("SET", "k", "x")
    silent(w)
    d.check("DEL", "k")
    d.check("ZADD", "k", "1", "v")
    reply(w)


def test_blocked_on_several_keys_one_gets_data(d):
    w = block(d, "BZMPOP", "0", "3", "a", "b", "c", "MAX", "COUNT", "10")
    d.check("ZADD", "c", "1", "x", "2", "y")
    reply(w)
    d.check("EXISTS", "c")


# ------------------------------------------------------------------ ZRANDMEMBER ZSCAN


def test_zrandmember_deterministic(d):
    run(d, [
        ("ZRANDMEMBER", "nokey"), ("ZRANDMEMBER", "nokey", "5"), ("ZRANDMEMBER", "nokey", "-5"),
        ("ZRANDMEMBER", "nokey", "3", "WITHSCORES"), ("ZADD", "k", "1", "a", "2.5", "b", "-inf",
                                                     "c"),
        ("ZRANDMEMBER", "k", "0"), ("ZRANDMEMBER", "k", "0", "WITHSCORES"),
        ("ZRANDMEMBER", "k", "3"), ("ZRANDMEMBER", "k", "100", "WITHSCORES"),
        ("ZRANDMEMBER", "k", "x"), ("ZRANDMEMBER", "k", "1.5"), ("ZRANDMEMBER", "k", LLONG_MIN),
        ("ZRANDMEMBER", "k", LLONG_MAX), ("ZRANDMEMBER", "k", "1", "WITHSCORE"),
        ("ZRANDMEMBER", "k", "1", "WITHSCORES", "x"), ("ZRANDMEMBER", "k", LLONG_MAX, "WITHSCORES"),
        ("ZRANDMEMBER", "k", "-9223372036854775807", "WITHSCORES"),
        ("ZRANDMEMBER", "k", "4611686018427387904", "WITHSCORES"),
        ("ZRANDMEMBER", "k", "-4611686018427387904", "withscores"),
        ("ZRANDMEMBER", "k", "4611686018427387903", "WITHSCORES"),
        ("ZRANDMEMBER", "nokey", "x"), ("ZRANDMEMBER", "nokey", "1", "bogus"),
    ])
    d.check("CONFIG", "SET", "zset-max-listpack-entries", "1")
    run(d, [("ZADD", "s", "1", "a", "2", "b", "3", "c"), ("OBJECT", "ENCODING", "s"),
            ("ZRANDMEMBER", "s", "3"), ("ZRANDMEMBER", "s", "4", "WITHSCORES")])


def test_zrandmember_random(strata_server):
    c = RawClient(strata_server.host, strata_server.port)
    c.call("FLUSHALL")
    reader = hiredis.Reader()
    scores = {b"m%d" % i: float(i) / 4 for i in range(40)}
    try:
        for encoding_limit in ("128", "1"):
            c.call("CONFIG", "SET", "zset-max-listpack-entries", encoding_limit)
            c.call("DEL", "k")
            c.call("ZADD", "k", *[x for m, s in scores.items() for x in (repr(s), m)])
            for resp in ("2", "3"):
                c.call("HELLO", resp)
                for args in (("5",), ("39",), ("13", "WITHSCORES"), ("-100",),
                             ("-7", "WITHSCORES"), ("1",), ("-1",)):
                    reader.feed(c.call("ZRANDMEMBER", "k", *args))
                    got = reader.gets()
                    count = int(args[0])
                    if len(args) == 2:
                        pairs = (got if resp == "3" else list(zip(got[::2], got[1::2])))
                        assert all(float(s) == scores[m] for m, s in pairs)
                        got = [m for m, _ in pairs]
                    assert len(got) == abs(count) and set(got) <= set(scores)
                    if count > 0:
                        assert len(set(got)) == count
                reader.feed(c.call("ZRANDMEMBER", "k"))
                assert reader.gets() in scores
    finally:
        c.call("CONFIG", "SET", "zset-max-listpack-entries", "128")
        c.close()


def test_zscan(d):
    run(d, [
        ("ZSCAN", "nokey", "0"), ("ZSCAN", "nokey", "x"), ("ZSCAN", "nokey", "0", "BOGUS"),
        ("ZADD", "k", "1", "a", "2", "b", "1.5", "ab", "-0.0", "z", "1e17", "big", "inf", "i"),
        ("ZSCAN", "k", "0"), ("ZSCAN", "k", "7"), ("ZSCAN", "k", "0", "COUNT", "1"),
        ("ZSCAN", "k", "0", "MATCH", "a*"), ("ZSCAN", "k", "0", "match", "*", "count", "2"),
        ("ZSCAN", "k", "0", "COUNT", "0"), ("ZSCAN", "k", "0", "COUNT", "x"),
        ("ZSCAN", "k", "0", "COUNT"), ("ZSCAN", "k", "0", "TYPE", "zset"), ("ZSCAN", "k", "-1"),
        ("ZSCAN", "k", "x"), ("ZSCAN", "k", "18446744073709551616"),
        ("ZSCAN", "k", "0", "MATCH", "[a-b]", "MATCH", "z"),
    ])


def test_zscan_skiplist(d):
    d.check("CONFIG", "SET", "zset-max-listpack-entries", "4")
    big(d, "k", 300, lambda i: (i - 150) * 1e15 / 7)
    d.check("ZADD", "k", "-0.0", "negzero", "1e17", "e17")
    assert scan_all(d.s, "ZSCAN", "k", "COUNT", "7") == scan_all(d.o, "ZSCAN", "k")
    assert scan_all(d.s, "ZSCAN", "k", "MATCH", "m1*") == scan_all(d.o, "ZSCAN", "k", "MATCH",
                                                                    "m1*")


def test_zscan_sees_every_member_across_changes(strata_server):
    """A big sorted set's cursor survives adds and deletes: members present throughout are
    all returned."""
    c = RawClient(strata_server.host, strata_server.port)
    c.call("FLUSHALL")
    c.call("ZADD", "k", *[x for i in range(500) for x in (str(i), f"m{i}")])
    reader = hiredis.Reader()
    cursor, seen, step = b"0", set(), 0
    while True:
        reader.feed(c.call("ZSCAN", "k", cursor, "COUNT", "20"))
        cursor, items = reader.gets()
        seen.update(items[::2])
        step += 1
        c.call("ZREM", "k", f"m{step * 7}", f"m{step * 7 + 1}")
        c.call("ZADD", "k", "0", f"new{step}")
        if cursor == b"0":
            break
    removed = {b"m%d" % i for s in range(1, step + 1) for i in (s * 7, s * 7 + 1)}
    assert {b"m%d" % i for i in range(500)} - removed <= seen
    c.close()


# ------------------------------------------------------------------ encodings


def test_encoding_transitions(d):
    run(d, [
        ("CONFIG", "SET", "zset-max-listpack-entries", "3"),
        ("CONFIG", "SET", "zset-max-listpack-value", "5"),
        ("ZADD", "k", "1", "a", "2", "b", "3", "c"), ("OBJECT", "ENCODING", "k"),
        ("ZADD", "k", "4", "a", "5", "b"), ("OBJECT", "ENCODING", "k"),
        ("ZADD", "k", "4", "d"), ("OBJECT", "ENCODING", "k"), ("ZREM", "k", "a", "b", "c"),
        ("OBJECT", "ENCODING", "k"), ("ZADD", "v", "1", "abcde"), ("OBJECT", "ENCODING", "v"),
        ("ZADD", "v", "1", "abcdef"), ("OBJECT", "ENCODING", "v"),
        ("ZINCRBY", "w", "1", "abcdefg"), ("OBJECT", "ENCODING", "w"),
        ("ZADD", "x", "1", "a", "1", "a", "1", "a", "1", "a"), ("OBJECT", "ENCODING", "x"),
        ("ZADD", "y", "-0.0", "a", "-0.0", "b", "-0.0", "c", "-0.0", "d", "-0.0", "e"),
        ("ZRANGE", "y", "0", "-1", "WITHSCORES"),
        ("ZUNIONSTORE", "u", "1", "k"), ("OBJECT", "ENCODING", "u"),
        ("ZRANGESTORE", "r", "k", "0", "0"), ("OBJECT", "ENCODING", "r"),
        ("ZRANGESTORE", "r", "y", "0", "-1"), ("OBJECT", "ENCODING", "r"),
        ("ZRANGE", "r", "0", "-1", "WITHSCORES"),
        ("ZRANGESTORE", "r", "y", "-inf", "inf", "BYSCORE"), ("OBJECT", "ENCODING", "r"),
        ("ZRANGE", "r", "0", "-1", "WITHSCORES"),
        ("ZRANGESTORE", "r", "y", "+", "-", "BYLEX", "REV"), ("ZRANGE", "r", "0", "-1",
                                                              "WITHSCORES"),
        ("ZRANGESTORE", "r", "y", "0", "1"), ("OBJECT", "ENCODING", "r"),
        ("ZRANGE", "r", "0", "-1", "WITHSCORES"),
        ("ZUNIONSTORE", "u", "1", "y", "WEIGHTS", "-1"), ("ZRANGE", "u", "0", "-1", "WITHSCORES"),
        ("ZINTERSTORE", "u", "2", "y", "v"), ("OBJECT", "ENCODING", "u"),
        ("ZDIFFSTORE", "u", "1", "y"), ("OBJECT", "ENCODING", "u"),
        ("ZUNION", "1", "y", "WEIGHTS", "-1", "WITHSCORES"),
        ("ZADD", "small", "0", "m"), ("ZADD", "small", "-0.0", "n"), ("ZINCRBY", "small", "-0.0",
                                                                      "o"),
        ("ZRANGE", "small", "0", "-1", "WITHSCORES"), ("ZSCAN", "small", "0"),
        ("CONFIG", "SET", "zset-max-listpack-entries", "0"), ("ZADD", "z", "1", "a"),
        ("OBJECT", "ENCODING", "z"), ("ZADD", "z", "-0.0", "b"), ("ZRANGE", "z", "0", "-1",
                                                                   "WITHSCORES"),
        ("ZUNIONSTORE", "u", "1", "small"), ("OBJECT", "ENCODING", "u"),
        ("CONFIG", "SET", "zset-max-listpack-entries", "128"), ("ZADD", "small", "1", "p"),
        ("OBJECT", "ENCODING", "small"), ("COPY", "k", "kc"), ("OBJECT", "ENCODING", "kc"),
        ("ZRANGE", "kc", "0", "-1", "WITHSCORES"), ("DEBUG", "DIGEST-VALUE", "k", "kc", "y"),
    ])


def test_zset_value():
    zs = ZSetValue()
    for i, m in enumerate([b"b", b"a", b"c"]):
        zs.insert(m, 1.0 if i < 2 else -0.0, 128, 64)
    assert [m for _s, m in zs] == [b"c", b"a", b"b"] and zs.score(b"c") == 0.0
    assert zs.encoding(None) == b"listpack" and zs.rank(b"b") == 2 and len(zs) == 3
    zs.insert(b"x" * 65, 2.0, 128, 64)
    assert zs.encoding(None) == b"skiplist" and zs.nbytes == 68
    assert zs.pop(-1) == (2.0, b"x" * 65) and zs.encoding(None) == b"skiplist"
    dup = zs.copy()
    assert dup.big and list(dup) == list(zs) and dup.scores == zs.scores
    assert zs.delete_ranks(0, 2) == 2 and list(zs) == [(1.0, b"b")] and zs.nbytes == 1
    assert zs.scan(0, 10) == (0, [b"b"]) and len(dup) == 3
    assert ZSetValue.from_scores({b"a": -0.0}, 1, 1).scores == {b"a": 0.0}
    assert ZSetValue.from_scores({b"a": -0.0, b"b": 1.0}, 1, 1).big


# ------------------------------------------------------------------ counters and events


COUNTED = [
    ("ZADD", "k", "1", "a", "2", "b", "3", "c"), ("ZADD", "k", "1", "a", "5", "b", "6", "d"),
    ("ZADD", "k", "XX", "1", "zz"), ("ZADD", "k", "INCR", "1", "a"), ("ZINCRBY", "k", "0", "a"),
    ("ZADD", "nokey", "XX", "1", "a"), ("ZREM", "k", "nope"), ("ZREM", "k", "a", "b"),
    ("ZCARD", "k"), ("ZCARD", "nokey"), ("ZSCORE", "k", "c"), ("ZMSCORE", "nokey", "c"),
    ("ZRANK", "k", "c"), ("ZCOUNT", "k", "0", "5"), ("ZLEXCOUNT", "k", "-", "+"),
    ("ZRANGE", "k", "0", "-1"), ("ZRANGE", "nokey", "0", "-1"), ("ZRANGESTORE", "d", "k", "0", "0"),
    ("ZRANGESTORE", "d", "nokey", "0", "0"), ("ZRANGESTORE", "d", "nokey", "0", "0"),
    ("ZADD", "k", "1", "a", "2", "b"), ("ZREMRANGEBYRANK", "k", "0", "0"),
    ("ZREMRANGEBYSCORE", "k", "100", "200"), ("ZREMRANGEBYLEX", "k", "[b", "[b"),
    ("ZUNIONSTORE", "u", "2", "k", "nokey"), ("ZINTERSTORE", "u", "2", "k", "nokey"),
    ("ZINTERSTORE", "u", "2", "k", "nokey"), ("ZUNION", "2", "k", "nokey"),
    ("ZINTERCARD", "2", "k", "k"), ("ZDIFFSTORE", "u", "1", "k"), ("ZPOPMIN", "k", "0"),
    ("ZPOPMIN", "k", "2"), ("ZPOPMAX", "u"), ("ZMPOP", "2", "nokey", "u", "MIN", "COUNT", "9"),
    ("ZADD", "k", "1", "a", "2", "b", "3", "c"), ("BZPOPMIN", "k", "0"),
    ("BZMPOP", "0", "1", "k", "MAX", "COUNT", "5"), ("ZRANDMEMBER", "nokey"),
    ("ZADD", "k", "1", "a"), ("ZRANDMEMBER", "k", "1"), ("ZSCAN", "k", "0"), ("ZSCAN", "nok", "0"),
]


def test_dirty_and_hit_counters_match_redis(diff):
    """rdb_changes_since_last_save (server.dirty) and keyspace hits/misses as Redis's."""
    fields = (b"rdb_changes_since_last_save", b"keyspace_hits", b"keyspace_misses")
    for cmd in COUNTED:
        before = info_fields(diff.s, *fields), info_fields(diff.o, *fields)
        diff.check(*cmd)
        moved = [[a - b for a, b in zip(info_fields(c, *fields), was, strict=True)]
                 for c, was in zip((diff.s, diff.o), before, strict=True)]
        assert moved[0] == moved[1], (cmd, fields, moved)


def test_notifications_match_redis(oracle_server, engine):
    """The keyspace events our commands raise, in order, against the oracle's own."""
    script = COUNTED + [
        ("ZADD", "t", "1", "a"), ("ZREMRANGEBYSCORE", "t", "-inf", "inf"), ("ZADD", "t", "1", "a"),
        ("ZREMRANGEBYLEX", "t", "-", "+"), ("ZADD", "t", "1", "a"), ("ZREM", "t", "a"),
        ("ZADD", "t", "1", "a", "2", "b"), ("ZINCRBY", "t", "1", "a"), ("ZADD", "t", "GT", "0", "a"),
        ("ZRANGESTORE", "t", "nokey", "0", "-1"), ("ZDIFFSTORE", "t", "1", "nokey"),
        ("FLUSHALL",),
    ]
    o = RawClient(oracle_server.host, oracle_server.port)
    sub = RawClient(oracle_server.host, oracle_server.port)
    try:
        o.call("FLUSHALL")
        o.call("CONFIG", "SET", "notify-keyspace-events", "KEA")
        sub.call("PSUBSCRIBE", "__keyevent@*__:*")
        for cmd in script:
            o.call(*cmd)
        time.sleep(0.1)
        raw = sub.read_available(0.3)
    finally:
        o.call("CONFIG", "SET", "notify-keyspace-events", "")
        o.close()
        sub.close()
    reader = hiredis.Reader()
    reader.feed(raw)
    want = []
    while (msg := reader.gets()) is not False:
        want.append((msg[2].split(b"__:", 1)[1], msg[3]))
    rec = Recorder(engine)
    for cmd in script:
        engine.execute(*cmd)
    assert rec.take()[1] == want


def test_replication_form(engine):
    rec = Recorder(engine)
    ex = engine.execute
    ex("ZADD", "k", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e")
    ex("BZPOPMIN", "nokey", "k", "0")
    ex("BZPOPMAX", "k", "0")
    ex("ZMPOP", "2", "nokey", "k", "MAX", "COUNT", "1")
    ex("BZMPOP", "0", "1", "k", "MIN", "COUNT", "5")
    ex("ZMPOP", "1", "k", "MIN")
    ex("ZREM", "k", "nope")
    ex("ZADD", "k", "XX", "1", "a")
    assert rec.take()[0] == [
        [b"ZADD", b"k", b"1", b"a", b"2", b"b", b"3", b"c", b"4", b"d", b"5", b"e"],
        [b"ZPOPMIN", b"k"], [b"ZPOPMAX", b"k"], [b"ZPOPMAX", b"k", b"1"],
        [b"ZPOPMIN", b"k", b"2"],  # the count popped, as Redis rewrites it
    ]


def test_served_pop_replicates_as_zpop(engine):
    rec = Recorder(engine)
    waiter = engine.client(resp=2)
    waiter.can_block = True
    delivered = []
    waiter.deliver = delivered.append
    waiter.resume = lambda: None
    engine.call(waiter, [b"BZMPOP", b"0", b"1", b"k", b"MAX", b"COUNT", b"3"])
    engine.execute("ZADD", "k", "1", "a", "2", "b")
    assert delivered == [[b"k", [[b"b", 2.0], [b"a", 1.0]]]]
    assert rec.take() == ([[b"ZADD", b"k", b"1", b"a", b"2", b"b"], [b"ZPOPMAX", b"k", b"2"]],
                          [(b"zadd", b"k"), (b"zpopmax", b"k"), (b"del", b"k")])


def test_memory_accounting(engine):
    db = engine.dbs[0]
    base = db.used_memory
    engine.execute("ZADD", "k", *[x for i in range(50) for x in (str(i), "x" * 100 + str(i))])
    grown = db.used_memory
    assert grown - base > 50 * 100
    engine.execute("ZADD", "k", "1", "y" * 1000)
    engine.execute("ZINCRBY", "k", "1", "z")
    engine.execute("ZREM", "k", "x" * 100 + "1")
    engine.execute("ZPOPMIN", "k", "3")
    engine.execute("ZREMRANGEBYRANK", "k", "0", "4")
    engine.execute("ZUNIONSTORE", "u", "1", "k")
    zs = db.peek(b"k")
    assert zs.nbytes == sum(map(len, zs.scores)) and zs.cost == zs.memory_usage()
    engine.execute("DEL", "k", "u")
    assert db.used_memory == base


# ------------------------------------------------------------------ redis-py


def test_redis_py(r):
    assert r.zadd("z", {"a": 1, "b": 2.5, "c": -1}) == 3
    assert r.zadd("z", {"a": 5}, xx=True, ch=True) == 1
    assert r.zrange("z", 0, -1, withscores=True) == [(b"c", -1.0), (b"b", 2.5), (b"a", 5.0)]
    assert r.zrangebyscore("z", "(0", "+inf") == [b"b", b"a"]
    assert r.zincrby("z", 0.5, "c") == -0.5
    assert r.zscore("z", "b") == 2.5 and r.zrank("z", "a") == 2 and r.zcard("z") == 3
    assert r.zpopmin("z") == [(b"c", -0.5)]
    assert r.bzpopmax(["nokey", "z"], timeout=1) == (b"z", b"a", 5.0)
    r.zadd("big", {f"m{i}": i for i in range(300)})
    assert sorted(r.zscan_iter("big")) == sorted((b"m%d" % i, float(i)) for i in range(300))
    assert dict(r.zscan_iter("z")) == {b"b": 2.5}
    assert r.zunionstore("u", {"z": 2, "big": 1}, aggregate="MAX") == 301
    assert r.zscore("u", "b") == 5.0
    assert r.bzpopmin("nokey", timeout=0.05) is None
