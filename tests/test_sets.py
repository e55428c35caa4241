"""Set commands against redis-server 7.0: replies compared byte for byte (RESP2 and RESP3)
wherever Redis's order is defined (intsets are sorted), as sorted collections where it is
not (hashtable), and by their properties where the reply is random (SPOP, SRANDMEMBER).
Plus engine-level checks: keyspace events and dirty counts against the oracle's,
replication form, memory accounting, the scan cursor's guarantee."""

import random

import pytest

from engine import Engine
from engine.types.sets import SetValue
from tests import test_hashes as th
from tests.test_hashes import (
    LLONG_MAX,
    LLONG_MIN,
    Recorder,
    check_accounting,
    check_command_info,
    decode,
    engine_effects,
    full_scan,
    oracle_effects,
    run,
    unordered,
)

d, thresholds = th.d, th.thresholds  # the shared fixtures

SET_COMMANDS = ["sadd", "srem", "smembers", "sismember", "smismember", "scard", "spop",
                "srandmember", "smove", "sinter", "sintercard", "sunion", "sdiff", "sinterstore",
                "sunionstore", "sdiffstore", "sscan"]
INTS = [str(i) for i in range(20, 0, -1)]


def fill(d, key, members) -> None:
    for c in (d.s, d.o):
        c.call("SADD", key, *members)


# ------------------------------------------------------------------ metadata and arity


def test_command_info(oracle_server):
    check_command_info(oracle_server, SET_COMMANDS)


@pytest.mark.parametrize("cmd", [
    ("SADD", "s"), ("SREM", "s"), ("SMEMBERS",), ("SMEMBERS", "s", "t"), ("SISMEMBER", "s"),
    ("SMISMEMBER", "s"), ("SCARD",), ("SPOP",), ("SRANDMEMBER",), ("SMOVE", "a", "b"),
    ("SINTER",), ("SINTERCARD", "1"), ("SUNION",), ("SDIFF",), ("SINTERSTORE", "d"),
    ("SUNIONSTORE", "d"), ("SDIFFSTORE", "d"), ("SSCAN", "s"),
])
def test_wrong_arity(diff, cmd):
    diff.check(*cmd)


def test_getkeys(diff):
    run(diff, [
        ("COMMAND", "GETKEYS", "SINTERCARD", "2", "a", "b", "LIMIT", "1"),
        ("COMMAND", "GETKEYS", "SINTERCARD", "3", "a", "b"),
        ("COMMAND", "GETKEYS", "SINTERCARD", "0", "a"), ("COMMAND", "GETKEYS", "SINTERCARD", "x", "a"),
        ("COMMAND", "GETKEYS", "SMOVE", "a", "b", "m"),
        ("COMMAND", "GETKEYS", "SDIFFSTORE", "d", "a", "b"),
    ])


# ------------------------------------------------------------------ single set


def test_add_remove_members(d):
    run(d, [
        ("SADD", "s", *INTS), ("SADD", "s", "3", "3", "21"), ("SMEMBERS", "s"), ("SCARD", "s"),
        ("OBJECT", "ENCODING", "s"), ("SISMEMBER", "s", "3"), ("SISMEMBER", "s", "03"),
        ("SISMEMBER", "no", "3"), ("SMISMEMBER", "s", "1", "x", "1"), ("SMISMEMBER", "no", "1"),
        ("SCARD", "no"), ("SMEMBERS", "no"), ("SREM", "s", "1", "x", "1", "2"), ("SREM", "no", "1"),
        ("SMEMBERS", "s"), ("SADD", "n", "-5", "0", LLONG_MIN, LLONG_MAX, "-1", "7"),
        ("SMEMBERS", "n"), ("OBJECT", "ENCODING", "n"), ("TYPE", "n"),
        ("SREM", "n", "-5", "0", LLONG_MIN, LLONG_MAX, "-1", "7", "8"), ("EXISTS", "n"),
        ("SADD", "e", ""), ("SMEMBERS", "e"), ("OBJECT", "ENCODING", "e"), ("SREM", "e", ""),
        ("SADD", "b", "\x00\xff", "\r\n"), ("SISMEMBER", "b", "\x00\xff"),
    ])
    d.check("SMEMBERS", "b", normalize=unordered())


def test_wrongtype(d):
    run(d, [("SET", "str", "x"), ("HSET", "h", "a", "1"), ("SADD", "s", "1")])
    for key in ("str", "h"):
        run(d, [
            ("SADD", key, "1"), ("SREM", key, "1"), ("SMEMBERS", key), ("SISMEMBER", key, "1"),
            ("SMISMEMBER", key, "1"), ("SCARD", key), ("SPOP", key), ("SPOP", key, "2"),
            ("SPOP", key, "0"), ("SRANDMEMBER", key), ("SRANDMEMBER", key, "2"),
            ("SRANDMEMBER", key, "0"), ("SSCAN", key, "0"),
            ("SINTER", "s", key), ("SINTER", "no", key), ("SUNION", "no", "s", key),
            ("SDIFF", "s", key), ("SDIFF", "no", key), ("SINTERCARD", "2", "no", key),
            ("SINTERSTORE", "d", "s", key), ("SUNIONSTORE", "d", key), ("SDIFFSTORE", "d", key),
            ("SMOVE", key, "s", "1"), ("SMOVE", "s", key, "1"), ("SMOVE", "no", key, "1"),
            ("SPOP", key, "x"), ("SPOP", key, "1", "2"), ("SRANDMEMBER", key, "x"),
            ("SRANDMEMBER", key, "1", "2"), ("SSCAN", key, "x"),
        ])
    run(d, [("GET", "str"), ("HGETALL", "h"), ("SMEMBERS", "s"), ("EXISTS", "d")])


def test_smove(d):
    run(d, [
        ("SADD", "a", "1", "2", "3"), ("SMOVE", "a", "b", "1"), ("SMEMBERS", "a"),
        ("SMEMBERS", "b"), ("OBJECT", "ENCODING", "b"), ("SMOVE", "a", "b", "9"),
        ("SMOVE", "no", "b", "1"), ("SMOVE", "a", "a", "2"), ("SMOVE", "a", "a", "9"),
        ("SADD", "b", "2"), ("SMOVE", "a", "b", "2"), ("SMEMBERS", "b"), ("SMOVE", "a", "c", "3"),
        ("EXISTS", "a"), ("SMOVE", "c", "x", "3"), ("SADD", "s", "str"), ("SMOVE", "s", "n", "str"),
        ("OBJECT", "ENCODING", "n"), ("SMOVE", "x", "b", "3"), ("SMEMBERS", "b"),
    ])


def test_spop_and_srandmember_fixed_shapes(d):
    run(d, [
        ("SPOP", "no"), ("SPOP", "no", "2"), ("SPOP", "no", "0"), ("SPOP", "no", "-1"),
        ("SPOP", "no", "x"), ("SPOP", "no", LLONG_MIN), ("SPOP", "no", "1", "2"),
        ("SRANDMEMBER", "no"), ("SRANDMEMBER", "no", "2"), ("SRANDMEMBER", "no", "-2"),
        ("SRANDMEMBER", "no", "x"), ("SRANDMEMBER", "no", LLONG_MIN),
        ("SRANDMEMBER", "no", LLONG_MAX), ("SRANDMEMBER", "no", "1", "2"),
        ("SADD", "s", "5", "1", "3"), ("SPOP", "s", "0"), ("SRANDMEMBER", "s", "0"),
        ("SRANDMEMBER", "s", "3"), ("SRANDMEMBER", "s", "30"), ("SPOP", "s", "-1"),
        ("SPOP", "s", "3"), ("EXISTS", "s"), ("SADD", "s", "9", "7"), ("SPOP", "s", "10"),
        ("SADD", "t", "4"), ("SPOP", "t"), ("EXISTS", "t"), ("SADD", "t", "4"),
        ("SRANDMEMBER", "t"), ("SRANDMEMBER", "t", "-3"), ("SRANDMEMBER", "t", "1"),
    ])


def check_random_members(d, args, pool, distinct: bool) -> list:
    got, want = d.both(*args)
    assert got[:1] == want[:1]
    ours, theirs = decode(got), decode(want)
    assert len(ours) == len(theirs), (args, got, want)
    assert all(m in pool for m in ours)
    if distinct:
        assert len(set(ours)) == len(ours)
    return ours


@pytest.mark.parametrize("members", [INTS, [f"m{i}" for i in range(30)],
                                     [str(i) for i in range(700)]])
def test_srandmember_properties(d, members):
    fill(d, "s", members)
    pool = {m.encode() for m in members}
    d.check("OBJECT", "ENCODING", "s")
    size = len(members)
    for count in (1, 2, size // 2, size - 1, size, size + 3, -1, -3, -size, -2 * size):
        check_random_members(d, ("SRANDMEMBER", "s", str(count)), pool, count > 0)
    assert decode(d.s.call("SRANDMEMBER", "s")) in pool


@pytest.mark.parametrize("members", [INTS, [f"m{i}" for i in range(30)],
                                     [str(i) for i in range(700)]])
@pytest.mark.parametrize("count", ["1", "3", "0.5", "0.9", "-1"])
def test_spop_properties(d, members, count):
    """Each case of spopWithCountCommand (few, most, all but...): the same number of distinct
    members of the set on both sides, and the same set left behind once the oracle removes
    what we popped."""
    fill(d, "s", members)
    pool = {m.encode() for m in members}
    n = {"0.5": len(members) // 2, "0.9": len(members) * 9 // 10, "-1": len(members) - 1}.get(
        count, count)
    popped = check_random_members(d, ("SPOP", "s", str(n)), pool, True)
    d.o.call("DEL", "s")
    d.o.call("SADD", "s", *members)
    assert d.o.call("SREM", "s", *popped) == b":%d\r\n" % len(popped)
    d.check("SMEMBERS", "s", normalize=unordered())
    d.check("SCARD", "s")


def test_spop_one_at_a_time(d):
    fill(d, "s", INTS)
    popped = set()
    for _ in range(len(INTS)):
        m = decode(d.s.call("SPOP", "s"))
        assert m not in popped and m.decode() in INTS
        popped.add(m)
    d.s.call("SADD", "x", "1")
    assert d.s.call("EXISTS", "s") == b":0\r\n"


def test_spop_rebuilds_the_remaining_set(d):
    """When most members go, Redis moves the few that stay to a new set: a hashtable set of
    integers becomes an intset again (and ours does too)."""
    fill(d, "s", ["x"] + INTS)
    run(d, [("SREM", "s", "x"), ("OBJECT", "ENCODING", "s")])
    check_random_members(d, ("SPOP", "s", "18"), {m.encode() for m in INTS}, True)
    run(d, [("OBJECT", "ENCODING", "s"), ("SCARD", "s")])
    fill(d, "t", ["x"] + INTS)
    run(d, [("SREM", "t", "x")])
    check_random_members(d, ("SPOP", "t", "2"), {m.encode() for m in INTS}, True)
    run(d, [("OBJECT", "ENCODING", "t"), ("SCARD", "t")])


def test_random_is_random(engine):
    engine.execute("SADD", "s", *INTS)
    assert len({engine.execute("SRANDMEMBER", "s") for _ in range(400)}) == 20
    engine.execute("SADD", "h", *[f"m{i}" for i in range(600)])
    assert len({engine.execute("SRANDMEMBER", "h") for _ in range(400)}) > 200
    assert len({tuple(engine.execute("SRANDMEMBER", "s", "3")) for _ in range(100)}) > 20


# ------------------------------------------------------------------ SSCAN


def test_sscan_small(d):
    fill(d, "s", INTS)
    run(d, [
        ("SSCAN", "no", "0"), ("SSCAN", "s", "0"), ("SSCAN", "s", "5", "COUNT", "2"),
        ("SSCAN", "s", "0", "MATCH", "1*"), ("SSCAN", "s", "0", "MATCH", "*", "COUNT", "1"),
        ("SSCAN", "s", "0", "COUNT", "0"), ("SSCAN", "s", "0", "COUNT", "x"),
        ("SSCAN", "s", "0", "MATCH"), ("SSCAN", "s", "0", "BOGUS"), ("SSCAN", "s", "-1"),
        ("SSCAN", "s", "x"), ("SSCAN", "s", "0", "TYPE", "set"),
    ])


@pytest.mark.parametrize("count", [None, "3", "1000"])
def test_sscan_big_full_iteration(diff, count):
    members = {b"m%d" % i for i in range(700)}
    fill(diff, "s", list(members))
    options = ("COUNT", count) if count else ()
    for c in (diff.s, diff.o):
        got, _ = full_scan(c, "SSCAN", "s", *options)
        assert sorted(got) == sorted(members)
        got, _ = full_scan(c, "SSCAN", "s", "MATCH", "m1?", *options)
        assert sorted(got) == sorted(m for m in members if len(m) == 3 and m[1:2] == b"1")


def test_sscan_cursor_survives_changes():
    rnd = random.Random(11)
    for _ in range(30):
        eng = Engine()
        eng.execute("SADD", "s", *[b"m%d" % i for i in range(700)])
        stable = {b"m%d" % i for i in range(0, 700, 4)}
        seen, cursor = set(), b"0"
        while True:
            cursor, items = eng.execute("SSCAN", "s", cursor, "COUNT", str(rnd.randint(1, 40)))
            seen.update(items)
            for _ in range(rnd.randint(0, 15)):
                m = b"m%d" % rnd.randrange(900)
                if m not in stable:
                    eng.execute("SREM" if rnd.random() < 0.5 else "SADD", "s", m)
            if cursor == b"0":
                break
        assert stable <= seen


# ------------------------------------------------------------------ set algebra


def test_algebra_on_intsets(d):
    run(d, [
        ("SADD", "a", "1", "2", "3", "4", "5"), ("SADD", "b", "4", "5", "6", "3"),
        ("SADD", "c", "5", "3", "10"),
        ("SINTER", "a"), ("SINTER", "a", "b"), ("SINTER", "b", "a", "c"), ("SINTER", "a", "a"),
        ("SINTER", "a", "no"), ("SINTER", "no", "a"), ("SUNION", "a", "b", "c"),
        ("SUNION", "no"), ("SUNION", "no", "c"), ("SDIFF", "a", "b"), ("SDIFF", "a", "b", "c"),
        ("SDIFF", "a", "a"), ("SDIFF", "no", "a"), ("SDIFF", "a", "no"), ("SDIFF", "b", "c", "a"),
        ("SINTERCARD", "2", "a", "b"), ("SINTERCARD", "3", "a", "b", "c"),
        ("SINTERCARD", "2", "a", "b", "LIMIT", "1"), ("SINTERCARD", "2", "a", "b", "limit", "0"),
        ("SINTERCARD", "2", "a", "b", "LIMIT", "9"), ("SINTERCARD", "1", "no"),
        ("SINTERCARD", "2", "a", "b", "LIMIT", "1", "LIMIT", "2"),
        ("SINTERCARD", "0", "a"), ("SINTERCARD", "-1", "a"), ("SINTERCARD", "x", "a"),
        ("SINTERCARD", "3", "a", "b"), ("SINTERCARD", "1", "a", "LIMIT"),
        ("SINTERCARD", "1", "a", "LIMIT", "-1"), ("SINTERCARD", "1", "a", "LIMIT", "x"),
        ("SINTERCARD", "1", "a", "BOGUS", "1"), ("SINTERCARD", "99999999999999999999", "a"),
        ("SINTERSTORE", "d", "a", "b"), ("SMEMBERS", "d"), ("OBJECT", "ENCODING", "d"),
        ("SUNIONSTORE", "d", "a", "c"), ("SMEMBERS", "d"), ("SDIFFSTORE", "d", "a", "b"),
        ("SMEMBERS", "d"), ("SDIFFSTORE", "d", "a", "a"), ("EXISTS", "d"),
        ("SINTERSTORE", "d", "a", "no"), ("SUNIONSTORE", "d", "no"), ("EXISTS", "d"),
        ("SET", "d", "x"), ("SINTERSTORE", "d", "a", "b"), ("TYPE", "d"),
        ("SET", "d", "x"), ("SINTERSTORE", "d", "a", "no"), ("EXISTS", "d"),
        ("SET", "d", "x", "EX", "100"), ("SUNIONSTORE", "d", "a"), ("TTL", "d"),
        ("SINTERSTORE", "a", "a", "b"), ("SMEMBERS", "a"),
    ])


def test_algebra_on_hashtables(d):
    fill(d, "a", ["x", "y", "z", "1", "2", "3"])
    fill(d, "b", ["y", "z", "3", "4", "w"])
    fill(d, "i", ["3", "1", "9"])
    fill(d, "h", ["3", "x", "9"])  # same size as i: the first named is iterated
    for cmd in [("SINTER", "a", "b"), ("SINTER", "b", "a", "b"), ("SUNION", "a", "b"),
                ("SDIFF", "a", "b"), ("SDIFF", "b", "a"), ("SMEMBERS", "a"), ("SUNION", "i", "h"),
                ("SDIFF", "a", "x", "y", "z")]:
        d.check(*cmd, normalize=unordered())
    run(d, [
        ("SINTER", "i", "a"), ("SINTER", "i", "h"),
        ("SINTERCARD", "2", "a", "b"), ("SINTERSTORE", "d", "a", "b"), ("OBJECT", "ENCODING", "d"),
        ("SUNIONSTORE", "d", "i", "a"), ("OBJECT", "ENCODING", "d"), ("SCARD", "d"),
        ("SDIFFSTORE", "d", "a", "b"), ("OBJECT", "ENCODING", "d"),
        ("SDIFFSTORE", "d", "b", "a"), ("OBJECT", "ENCODING", "d"),
        ("SREM", "a", "x", "y", "z"), ("OBJECT", "ENCODING", "a"), ("SUNION", "a"), ("SDIFF", "a"),
        ("SUNIONSTORE", "d", "a"), ("OBJECT", "ENCODING", "d"), ("SINTERSTORE", "d", "a", "a"),
        ("OBJECT", "ENCODING", "d"),
    ])
    d.check("SMEMBERS", "d", normalize=unordered())


def test_sdiff_algorithms_decide_the_encoding(d, thresholds):
    """The second DIFF algorithm adds the whole first set before removing: the result keeps
    the hashtable encoding that the additions caused."""
    thresholds(set_max_intset_entries=5)
    fill(d, "a", [str(i) for i in range(1, 9)])
    fill(d, "b", ["1", "2"])
    fill(d, "c", ["3"])
    fill(d, "e", ["1", "2", "3"])
    run(d, [
        ("OBJECT", "ENCODING", "a"), ("SDIFFSTORE", "d", "a", "b", "c"), ("OBJECT", "ENCODING", "d"),
        ("SDIFFSTORE", "d", "a", "e"), ("OBJECT", "ENCODING", "d"), ("SDIFF", "a", "e"),
        ("SUNIONSTORE", "d", "b", "c"), ("OBJECT", "ENCODING", "d"),
        ("SUNIONSTORE", "d", "a", "b"), ("OBJECT", "ENCODING", "d"),
        ("SINTERSTORE", "d", "a", "a"), ("OBJECT", "ENCODING", "d"),
    ])
    d.check("SDIFF", "a", "b", "c", normalize=unordered())


# ------------------------------------------------------------------ encodings


def test_encoding_thresholds(d):
    fill(d, "s", [str(i) for i in range(512)])
    run(d, [
        ("OBJECT", "ENCODING", "s"), ("SADD", "s", "5"), ("OBJECT", "ENCODING", "s"),
        ("SADD", "s", "512"), ("OBJECT", "ENCODING", "s"), ("SREM", "s", "512", "511"),
        ("OBJECT", "ENCODING", "s"),
    ])
    for i, member in enumerate(["-0", "01", " 1", "+1", "1.0", "9223372036854775808",
                                "-9223372036854775809", LLONG_MIN, LLONG_MAX, "0", "-1", "a"]):
        run(d, [("SADD", f"k{i}", "1", member), ("OBJECT", "ENCODING", f"k{i}")])
    run(d, [("SADD", "x", "a"), ("SREM", "x", "a"), ("SADD", "x", "1"), ("OBJECT", "ENCODING", "x")])


def test_config_thresholds(d, thresholds):
    thresholds(set_max_intset_entries=2)
    run(d, [("SADD", "a", "1", "2"), ("OBJECT", "ENCODING", "a"), ("SADD", "a", "3"),
            ("OBJECT", "ENCODING", "a"), ("SADD", "b", "1")])
    thresholds(set_max_intset_entries=0)
    run(d, [("OBJECT", "ENCODING", "b"), ("SADD", "b", "1"), ("OBJECT", "ENCODING", "b"),
            ("SADD", "b", "2"), ("OBJECT", "ENCODING", "b"), ("SADD", "c", "1"),
            ("OBJECT", "ENCODING", "c"), ("SMOVE", "a", "m", "1"), ("OBJECT", "ENCODING", "m")])


def test_encoding_in_process():
    eng = Engine(set_max_intset_entries=3)
    eng.execute("SADD", "s", "3", "1", "2")
    s = eng.dbs[0].peek(b"s")
    assert type(s) is SetValue and s.encoding(eng.config) == b"intset"
    assert eng.execute("SMEMBERS", "s") == [b"1", b"2", b"3"]
    eng.execute("SADD", "s", "4")
    assert s.encoding(eng.config) == b"hashtable"
    eng.execute("SREM", "s", "4", "3")
    assert s.encoding(eng.config) == b"hashtable"
    copy = s.copy()
    assert type(copy) is SetValue and copy.big and copy == {b"1", b"2"}


# ------------------------------------------------------------------ engine-level effects

EFFECTS_SCRIPT = [
    ("SADD", "s", "1", "2", "3"), ("SADD", "s", "1"), ("SREM", "s", "9"), ("SREM", "s", "1", "9"),
    ("SMOVE", "s", "t", "2"), ("SMOVE", "s", "t", "9"), ("SMOVE", "s", "t", "3"),
    ("SMOVE", "t", "t", "2"), ("SADD", "t", "4"), ("SMOVE", "t", "u", "4"),
    ("SINTERSTORE", "d", "t", "u"), ("SINTERSTORE", "d", "t", "t"), ("SINTERSTORE", "d", "t", "no"),
    ("SUNIONSTORE", "d", "t", "u"), ("SDIFFSTORE", "d", "t", "u"), ("SDIFFSTORE", "d", "t", "t"),
    ("SDIFFSTORE", "d", "t", "t"), ("SPOP", "u", "0"), ("SPOP", "u", "5"), ("SADD", "v", "1"),
    ("SPOP", "v"), ("SADD", "w", "1", "2"), ("SREM", "w", "1", "2", "3"), ("SPOP", "no"),
    ("SPOP", "no", "3"), ("SINTER", "t"), ("SET", "str", "x"), ("SADD", "str", "1"),
]


def test_events_and_dirty_match_redis(oracle_server):
    assert engine_effects(EFFECTS_SCRIPT) == oracle_effects(oracle_server, EFFECTS_SCRIPT)


def test_spop_events_and_dirty(engine):
    """The random cases: events and dirty as Redis counts them (one per member popped)."""
    rec = Recorder(engine)
    engine.execute("SADD", "s", *INTS)
    rec.take()
    for count, left in ((2, 18), (17, 1)):
        before = engine.dirty
        engine.execute("SPOP", "s", str(count))
        assert engine.dirty - before == count
        assert rec.take()[1] == [(b"spop", b"s")]
        assert engine.execute("SCARD", "s") == left


def test_replication_form(engine):
    rec = Recorder(engine)
    engine.execute("SADD", "s", *INTS)
    rec.take()
    m = engine.execute("SPOP", "s")
    assert rec.take()[0] == [[b"SREM", b"s", m]]
    few = engine.execute("SPOP", "s", "2")
    assert rec.take()[0] == [[b"SREM", b"s", *few]]
    most = engine.execute("SPOP", "s", "15")
    assert rec.take()[0] == [[b"SREM", b"s", *most]]
    engine.execute("SPOP", "s", "10")
    assert rec.take()[0] == [[b"DEL", b"s"]]
    engine.execute("SPOP", "s", "10")
    engine.execute("SPOP", "s")
    assert rec.take()[0] == []


def test_memory_accounting():
    eng = Engine(set_max_intset_entries=8)
    rnd = random.Random(5)
    for _ in range(600):
        key = rnd.choice(["a", "b", "c"])
        members = [rnd.choice([str(rnd.randrange(30)), f"m{rnd.randrange(30)}"])
                   for _ in range(rnd.randint(1, 4))]
        op = rnd.randrange(6)
        if op == 0:
            eng.execute("SADD", key, *members)
        elif op == 1:
            eng.execute("SREM", key, *members)
        elif op == 2:
            eng.execute("SPOP", key, str(rnd.randrange(5)))
        elif op == 3:
            eng.execute("SMOVE", key, rnd.choice("abc"), members[0])
        elif op == 4:
            eng.execute(rnd.choice(["SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"]), key, "a", "b")
        else:
            eng.execute("SPOP", key)
        check_accounting(eng)
        s = eng.dbs[0].peek(key.encode())
        if s is not None:
            assert s.nbytes == sum(map(len, s))
            if s.big:
                assert sorted(s.pool()) == sorted(s)


def test_resp3_sets_keep_intset_order(diff3):
    fill(diff3, "s", INTS)
    run(diff3, [("SMEMBERS", "s"), ("SUNION", "s", "no"), ("SINTER", "s"), ("SDIFF", "s"),
                ("SPOP", "s", "100")])


# ------------------------------------------------------------------ redis-py


def test_redis_py(r):
    assert r.sadd("s", "b", "a", "c") == 3
    assert r.smembers("s") == {b"a", b"b", b"c"}
    assert r.sismember("s", "a") and r.smismember("s", ["a", "x"]) == [1, 0]
    assert r.srem("s", "a") == 1 and r.scard("s") == 2
    assert r.spop("s") in (b"b", b"c")
    r.sadd("big", *range(1000))
    assert r.object("encoding", "big") == b"hashtable"
    assert sorted(r.sscan_iter("big"), key=int) == [b"%d" % i for i in range(1000)]
    assert set(r.sscan_iter("big", match="99*")) == {b"99", b"990", b"991", b"992", b"993",
                                                     b"994", b"995", b"996", b"997", b"998",
                                                     b"999"}
    r.sadd("x", 1, 2, 3)
    r.sadd("y", 2, 3, 4)
    assert r.sinter("x", "y") == {b"2", b"3"} and r.sintercard(2, ["x", "y"]) == 2
    assert r.sunionstore("u", ["x", "y"]) == 4 and r.sdiff("x", "y") == {b"1"}
