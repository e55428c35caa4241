"""List commands against redis-server 7.0: replies compared byte for byte (RESP2 and RESP3),
plus engine-level checks of what the wire cannot show (replication form, keyspace events,
memory accounting). Blocking behaviour is in test_blocking.py."""

import itertools
import time

import hiredis
import pytest

from engine.types.lists import ListValue
from tests.support.diff import Differential
from tests.support.raw import RawClient
from tests.support.effects import Recorder, info_fields

LLONG_MAX, LLONG_MIN = str(2 ** 63 - 1), str(-(2 ** 63))


@pytest.fixture(params=[2, 3], ids=["resp2", "resp3"])
def d(request, strata_server, oracle_server):
    """``diff`` or ``diff3``: most scripts run under both protocols."""
    dd = Differential(strata_server, oracle_server, resp=request.param)
    yield dd
    dd.close()


def run(d, script):
    for cmd in script:
        d.check(*cmd)


# ------------------------------------------------------------------ errors


@pytest.mark.parametrize("cmd", [
    ("LPUSH", "k"), ("RPUSH",), ("LPUSHX", "k"), ("RPUSHX", "k"), ("LPOP",), ("RPOP",),
    ("LPOP", "k", "1", "2"), ("RPOP", "k", "1", "2"), ("LLEN",), ("LLEN", "k", "x"),
    ("LINDEX", "k"), ("LINSERT", "k", "BEFORE", "a"), ("LPOS", "k"), ("LRANGE", "k", "0"),
    ("LREM", "k", "0"), ("LSET", "k", "0"), ("LTRIM", "k", "0"), ("LMOVE", "a", "b", "LEFT"),
    ("RPOPLPUSH", "a"), ("LMPOP", "1", "k"), ("BLPOP", "k"), ("BRPOP", "k"),
    ("BLMOVE", "a", "b", "LEFT", "LEFT"), ("BRPOPLPUSH", "a", "b"), ("BLMPOP", "0", "1", "k"),
    ("CLIENT", "UNBLOCK"),
])
def test_wrong_arity(diff, cmd):
    diff.check(*cmd)


def test_wrongtype(d):
    d.check("SET", "s", "x")
    run(d, [
        ("LPUSH", "s", "a"), ("RPUSH", "s", "a"), ("LPUSHX", "s", "a"), ("RPUSHX", "s", "a"),
        ("LPOP", "s"), ("RPOP", "s", "2"), ("LPOP", "s", "0"), ("LLEN", "s"), ("LINDEX", "s", "0"),
        ("LINDEX", "s", "x"), ("LINSERT", "s", "BEFORE", "a", "b"), ("LPOS", "s", "a"),
        ("LRANGE", "s", "0", "-1"), ("LREM", "s", "0", "a"), ("LSET", "s", "0", "a"),
        ("LTRIM", "s", "0", "1"), ("LMOVE", "s", "d", "LEFT", "LEFT"), ("RPOPLPUSH", "s", "d"),
        ("LMPOP", "1", "s", "LEFT"), ("LMPOP", "2", "nokey", "s", "LEFT"), ("BLPOP", "s", "0"),
        ("BRPOP", "nokey", "s", "0"), ("BLMOVE", "s", "d", "LEFT", "LEFT", "0"),
        ("BRPOPLPUSH", "s", "d", "0"), ("BLMPOP", "0", "1", "s", "LEFT"),
        ("RPUSH", "l", "x"), ("LMOVE", "l", "s", "LEFT", "LEFT"), ("RPOPLPUSH", "l", "s"),
        ("BLMOVE", "l", "s", "RIGHT", "LEFT", "0"), ("LRANGE", "l", "0", "-1"),
        ("LMOVE", "nokey", "s", "LEFT", "LEFT"), ("BLPOP", "l", "s", "0"),
        ("GET", "s"), ("EXISTS", "l"),
    ])


# ------------------------------------------------------------------ push and pop


def test_push_family(d):
    run(d, [
        ("LPUSHX", "k", "a"), ("RPUSHX", "k", "a"), ("EXISTS", "k"),
        ("LPUSH", "k", "a", "b", "c"), ("RPUSH", "k", "d", "e"), ("LPUSHX", "k", "x", "y"),
        ("RPUSHX", "k", "z"), ("LRANGE", "k", "0", "-1"), ("LLEN", "k"), ("LLEN", "nokey"),
        ("RPUSH", "k", ""), ("LPUSH", "k", "\x00\xff"), ("LRANGE", "k", "0", "-1"),
        ("TYPE", "k"), ("OBJECT", "ENCODING", "k"), ("RPUSH", "big", "x" * 10000),
        ("OBJECT", "ENCODING", "big"), ("LINDEX", "big", "0"),
    ])


def test_pop_and_count(d):
    run(d, [
        ("LPOP", "nokey"), ("RPOP", "nokey"), ("LPOP", "nokey", "0"), ("LPOP", "nokey", "3"),
        ("RPOP", "nokey", "1"), ("LPOP", "nokey", "-1"), ("LPOP", "nokey", "x"),
        ("RPUSH", "k", "a", "b", "c", "d", "e"), ("LPOP", "k", "0"), ("RPOP", "k", "0"),
        ("LPOP", "k", "-1"), ("RPOP", "k", "x"), ("LPOP", "k", LLONG_MIN), ("LPOP", "k", "1.5"),
        ("LPOP", "k"), ("RPOP", "k"), ("LPOP", "k", "1"), ("RPOP", "k", "1"),
        ("RPUSH", "k", "x", "y", "z"), ("RPOP", "k", "2"), ("LPOP", "k", LLONG_MAX),
        ("EXISTS", "k"), ("LPOP", "k", "0"), ("RPUSH", "k", "a", "b"), ("RPOP", "k", "5"),
        ("EXISTS", "k"),
    ])


# ------------------------------------------------------------------ reads


def test_lrange_and_lindex(d):
    d.check("RPUSH", "k", *[str(i) for i in range(20)])
    bounds = [-25, -20, -19, -10, -1, 0, 1, 5, 19, 20, 25, LLONG_MIN, LLONG_MAX]
    for a, b in itertools.product(bounds, repeat=2):
        d.check("LRANGE", "k", a, b)
    for i in [-21, -20, -1, 0, 5, 19, 20, LLONG_MIN, LLONG_MAX]:
        d.check("LINDEX", "k", i)
    run(d, [
        ("LRANGE", "k", "x", "1"), ("LRANGE", "k", "0", "1.0"), ("LRANGE", "nokey", "0", "-1"),
        ("LRANGE", "nokey", "x", "-1"), ("LINDEX", "nokey", "x"), ("LINDEX", "k", "x"),
        ("LINDEX", "k", " 1"), ("LINDEX", "nokey", "0"),
    ])


def test_lrange_large_list(diff):
    n = 5000
    for i in range(0, n, 500):
        diff.check("RPUSH", "k", *[f"e{j}" for j in range(i, i + 500)])
    for a, b in [(0, -1), (0, 99), (4900, -1), (-100, -1), (2400, 2600), (-2600, -2400),
                 (100, 4899), (n - 1, n + 10), (3, 3), (-1, -1)]:
        diff.check("LRANGE", "k", a, b)
    diff.check("LINDEX", "k", 2500)
    diff.check("LINDEX", "k", -2501)


def test_lpos(d):
    d.check("RPUSH", "k", "a", "b", "c", "a", "b", "a", "c", "a")
    ranks = [None, "1", "2", "4", "5", "-1", "-2", "-5", LLONG_MAX, "-" + LLONG_MAX, LLONG_MIN]
    counts = [None, "0", "1", "2", "10"]
    maxlens = [None, "0", "1", "3", "100"]
    for rank, count, maxlen in itertools.product(ranks, counts, maxlens):
        opts = []
        for name, value in (("RANK", rank), ("COUNT", count), ("MAXLEN", maxlen)):
            if value is not None:
                opts += [name, value]
        d.check("LPOS", "k", "a", *opts)
    run(d, [
        ("LPOS", "k", "zz"), ("LPOS", "k", "zz", "COUNT", "0"), ("LPOS", "nokey", "a"),
        ("LPOS", "nokey", "a", "COUNT", "0"), ("LPOS", "nokey", "a", "RANK", "2"),
        ("LPOS", "k", "a", "RANK", "0"), ("LPOS", "nokey", "a", "RANK", "0"),
        ("LPOS", "k", "a", "RANK", "x"), ("LPOS", "k", "a", "RANK", "9223372036854775808"),
        ("LPOS", "k", "a", "COUNT", "-1"), ("LPOS", "k", "a", "COUNT", "x"),
        ("LPOS", "k", "a", "MAXLEN", "-1"), ("LPOS", "k", "a", "MAXLEN", "x"),
        ("LPOS", "k", "a", "RANK"), ("LPOS", "k", "a", "COUNT"), ("LPOS", "k", "a", "BOGUS", "1"),
        ("LPOS", "k", "a", "rank", "2", "count", "1", "maxlen", "9"),
        ("LPOS", "k", "a", "RANK", "0", "BOGUS"), ("LPOS", "k", "a", "BOGUS", "RANK", "0"),
        ("LPOS", "k", "a", "RANK", "1", "RANK", "-1"),
    ])


# ------------------------------------------------------------------ in-place writes


def test_linsert(d):
    run(d, [
        ("LINSERT", "nokey", "BEFORE", "a", "x"), ("LINSERT", "nokey", "middle", "a", "x"),
        ("RPUSH", "k", "a", "b", "a"), ("LINSERT", "k", "BEFORE", "a", "x"),
        ("LINSERT", "k", "after", "a", "y"), ("LINSERT", "k", "AFTER", "b", "z"),
        ("LINSERT", "k", "before", "nope", "z"), ("LINSERT", "k", "around", "a", "z"),
        ("LRANGE", "k", "0", "-1"),
    ])


def test_lset(d):
    run(d, [
        ("LSET", "nokey", "0", "x"), ("LSET", "nokey", "x", "x"), ("RPUSH", "k", "a", "b", "c"),
        ("LSET", "k", "0", "A"), ("LSET", "k", "-1", "C"), ("LSET", "k", "1", "B" * 100),
        ("LSET", "k", "3", "x"), ("LSET", "k", "-4", "x"), ("LSET", "k", "x", "x"),
        ("LSET", "k", LLONG_MIN, "x"), ("LRANGE", "k", "0", "-1"),
    ])


@pytest.mark.parametrize("count", ["-3", "-1", "0", "1", "2", "5", "30", "-30", LLONG_MIN])
def test_lrem(d, count):
    run(d, [
        ("RPUSH", "k", *"abacadaeaa"), ("LREM", "k", count, "a"), ("LRANGE", "k", "0", "-1"),
        ("RPUSH", "m", *("a" * 40 + "b" + "a" * 40)), ("LREM", "m", count, "a"),
        ("LRANGE", "m", "0", "-1"), ("LREM", "m", count, "zz"), ("LREM", "nokey", count, "a"),
        ("RPUSH", "one", "a"), ("LREM", "one", count, "a"), ("EXISTS", "one"),
    ])
    d.check("LREM", "k", "x", "a")
    d.check("LREM", "nokey", "x", "a")


def test_ltrim(d):
    bounds = [-25, -5, -1, 0, 3, 9, 25, LLONG_MIN, LLONG_MAX]
    for a, b in itertools.product(bounds, repeat=2):
        run(d, [("DEL", "k"), ("RPUSH", "k", *"abcdefghij"), ("LTRIM", "k", a, b),
                ("LRANGE", "k", "0", "-1"), ("EXISTS", "k")])
    run(d, [("LTRIM", "nokey", "0", "1"), ("LTRIM", "nokey", "x", "1"), ("LTRIM", "k", "0", "x")])


# ------------------------------------------------------------------ moves


@pytest.mark.parametrize("src,dst", [("LEFT", "LEFT"), ("LEFT", "RIGHT"), ("RIGHT", "LEFT"),
                                     ("right", "right")])
def test_lmove(d, src, dst):
    run(d, [
        ("LMOVE", "nokey", "d", src, dst), ("EXISTS", "d"), ("RPUSH", "s", "1", "2", "3"),
        ("LMOVE", "s", "d", src, dst), ("LMOVE", "s", "d", src, dst), ("LRANGE", "s", "0", "-1"),
        ("LRANGE", "d", "0", "-1"), ("LMOVE", "s", "s", src, dst), ("LRANGE", "s", "0", "-1"),
        ("LMOVE", "s", "d", src, dst), ("EXISTS", "s"), ("LRANGE", "d", "0", "-1"),
        ("RPUSH", "one", "x"), ("LMOVE", "one", "one", src, dst), ("LRANGE", "one", "0", "-1"),
        ("LMOVE", "s", "d", "UP", dst), ("LMOVE", "s", "d", src, "DOWN"),
        ("LMOVE", "nokey", "d", "UP", dst),
    ])


def test_rpoplpush(d):
    run(d, [
        ("RPOPLPUSH", "nokey", "d"), ("RPUSH", "s", "1", "2", "3"), ("RPOPLPUSH", "s", "d"),
        ("RPOPLPUSH", "s", "s"), ("LRANGE", "s", "0", "-1"), ("RPOPLPUSH", "s", "d"),
        ("RPOPLPUSH", "s", "d"), ("EXISTS", "s"), ("LRANGE", "d", "0", "-1"),
    ])


# ------------------------------------------------------------------ LMPOP


def test_lmpop(d):
    run(d, [
        ("LMPOP", "1", "nokey", "LEFT"), ("LMPOP", "2", "a", "b", "RIGHT", "COUNT", "3"),
        ("RPUSH", "b", "1", "2", "3", "4", "5"), ("LMPOP", "2", "a", "b", "LEFT"),
        ("LMPOP", "2", "a", "b", "right", "count", "2"), ("LMPOP", "1", "b", "LEFT", "COUNT", "9"),
        ("EXISTS", "b"), ("RPUSH", "a", "x"), ("RPUSH", "b", "y"),
        ("LMPOP", "2", "b", "a", "LEFT", "COUNT", LLONG_MAX), ("LMPOP", "1", "a", "LEFT"),
    ])


@pytest.mark.parametrize("args", [
    ("0", "k", "LEFT"), ("-1", "k", "LEFT"), ("x", "k", "LEFT"), ("2", "k", "LEFT"),
    ("1", "k", "MIDDLE"), ("1", "k", "LEFT", "COUNT", "0"), ("1", "k", "LEFT", "COUNT", "-1"),
    ("1", "k", "LEFT", "COUNT", "x"), ("1", "k", "LEFT", "COUNT"),
    ("1", "k", "LEFT", "COUNT", "1", "COUNT", "1"), ("1", "k", "LEFT", "BOGUS"),
    ("3", "a", "b", "LEFT"), (LLONG_MAX, "k", "LEFT"), ("1", "k", "LEFT", "COUNT", "0", "X"),
])
def test_lmpop_errors(diff, args):
    diff.check("RPUSH", "k", "v")
    diff.check("LMPOP", *args)
    diff.check("BLMPOP", "0", *args)
    diff.check("BLMPOP", "x", *args)


def test_command_getkeys(diff):
    run(diff, [
        ("COMMAND", "GETKEYS", "LMPOP", "2", "a", "b", "LEFT"),
        ("COMMAND", "GETKEYS", "BLMPOP", "0", "3", "a", "b", "c", "RIGHT", "COUNT", "2"),
        ("COMMAND", "GETKEYS", "BLPOP", "a", "b", "0"),
        ("COMMAND", "GETKEYS", "LMOVE", "a", "b", "LEFT", "LEFT"),
        ("COMMAND", "GETKEYS", "RPUSH", "a", "x"),
    ])


# ------------------------------------------------------------------ blocking commands that
# do not block (data present, MULTI), and their argument checks


def test_blocking_commands_with_data(d):
    run(d, [
        ("RPUSH", "a", "1", "2", "3"), ("BLPOP", "nokey", "a", "0"), ("BRPOP", "a", "nokey", "1"),
        ("RPUSH", "b", "x", "y"), ("BLPOP", "a", "b", "0"), ("BLPOP", "a", "b", "0"),
        ("RPUSH", "s", "1", "2", "3"), ("BLMOVE", "s", "d", "LEFT", "RIGHT", "0"),
        ("BRPOPLPUSH", "s", "d", "0.5"), ("BLMOVE", "s", "s", "RIGHT", "left", "0"),
        ("LRANGE", "d", "0", "-1"), ("BLMPOP", "0", "2", "nokey", "d", "RIGHT", "COUNT", "5"),
        ("EXISTS", "d"),
    ])


def test_blocking_commands_in_multi(d):
    """A blocking command inside MULTI answers at once: BLMOVE with a null bulk here, though
    it times out with a null array."""
    run(d, [
        ("MULTI",), ("BLPOP", "nokey", "0"), ("BRPOP", "nokey", "10"),
        ("BLMOVE", "nokey", "d", "LEFT", "LEFT", "0"), ("BRPOPLPUSH", "nokey", "d", "0"),
        ("BLMPOP", "0", "1", "nokey", "LEFT"), ("RPUSH", "k", "v"), ("BLPOP", "k", "0"),
        ("EXEC",),
    ])


TIMEOUTS = ["x", "", " 1", "1 ", "nan", "inf", "-inf", "-1", "-0.5", "-1.5", "1e30", "1e16",
            LLONG_MAX, "1" * 5200, "1e5000", "1e-5000", "0x", "0xg", "1e", "--1", "+-1"]


@pytest.mark.parametrize("timeout", TIMEOUTS)
def test_timeout_errors(diff, timeout):
    run(diff, [
        ("BLPOP", "k", timeout), ("BRPOP", "k", "j", timeout),
        ("BLMOVE", "k", "d", "LEFT", "LEFT", timeout), ("BRPOPLPUSH", "k", "d", timeout),
        ("BLMPOP", timeout, "1", "k", "LEFT"), ("RPUSH", "k", "v"), ("BLPOP", "k", timeout),
    ])


def test_timeout_argument_checked_after_positions(diff):
    run(diff, [("BLMOVE", "k", "d", "UP", "LEFT", "x"), ("BLMOVE", "k", "d", "LEFT", "UP", "-1"),
               ("BLMPOP", "x", "0", "k", "LEFT"), ("BLMPOP", "-1", "1", "k", "UP")])


# ------------------------------------------------------------------ CLIENT UNBLOCK (errors;
# unblocking itself is in test_blocking.py)


def test_client_unblock_errors(diff):
    run(diff, [
        ("CLIENT", "UNBLOCK", "abc", "foo"), ("CLIENT", "UNBLOCK", "abc"),
        ("CLIENT", "UNBLOCK", "1", "timeout", "x"), ("client", "UnBlock", "1", "error", "x"),
        ("CLIENT", "UNBLOCK", "-5"), ("CLIENT", "UNBLOCK", "999999", "ERROR"),
        ("CLIENT", "UNBLOCK", "999999", "timeout"),
    ])


# ------------------------------------------------------------------ counters


def test_dirty_and_hit_counters_match_redis(diff):
    """rdb_changes_since_last_save (server.dirty) and keyspace hits/misses as Redis's."""
    fields = (b"rdb_changes_since_last_save", b"keyspace_hits", b"keyspace_misses")
    script = [
        ("RPUSH", "k", "a", "b", "c", "d"), ("LPUSH", "k", "x"), ("LPUSHX", "nokey", "x"),
        ("LLEN", "k"), ("LLEN", "nokey"), ("LINDEX", "k", "0"), ("LRANGE", "k", "0", "-1"),
        ("LRANGE", "nokey", "0", "-1"), ("LPOS", "k", "a"), ("LPOS", "nokey", "a"),
        ("LSET", "k", "0", "y"), ("LINSERT", "k", "BEFORE", "a", "z"),
        ("LINSERT", "k", "BEFORE", "nope", "z"), ("LREM", "k", "0", "z"),
        ("LREM", "k", "0", "nope"), ("LTRIM", "k", "0", "-1"), ("LTRIM", "k", "1", "-2"),
        ("LPOP", "k"), ("RPOP", "k", "0"), ("RPUSH", "k", "1", "2", "3"), ("RPOP", "k", "2"),
        ("LMOVE", "k", "d", "LEFT", "LEFT"), ("RPOPLPUSH", "d", "d"),
        ("LMPOP", "2", "nokey", "k", "LEFT", "COUNT", "3"), ("BLPOP", "d", "0"),
        ("RPUSH", "k", "1", "2"), ("BLMOVE", "k", "d", "LEFT", "LEFT", "0"),
        ("BLMPOP", "0", "1", "k", "LEFT", "COUNT", "5"), ("LTRIM", "d", "5", "1"),
        ("LPOP", "nokey"),
    ]
    for cmd in script:
        before = info_fields(diff.s, *fields), info_fields(diff.o, *fields)
        diff.check(*cmd)
        moved = [[a - b for a, b in zip(info_fields(c, *fields), was, strict=True)]
                 for c, was in zip((diff.s, diff.o), before, strict=True)]
        assert moved[0] == moved[1], (cmd, fields, moved)


# ------------------------------------------------------------------ engine-level


def test_replication_form(engine):
    rec = Recorder(engine)
    ex = engine.execute
    ex("RPUSH", "k", "a", "b", "c", "d", "e")
    ex("BLPOP", "nokey", "k", "0")
    ex("BRPOP", "k", "0")
    ex("BLMOVE", "k", "d", "left", "Right", "0")
    ex("BRPOPLPUSH", "k", "d", "0")
    ex("LMPOP", "2", "nokey", "d", "RIGHT", "COUNT", "5")
    ex("RPUSH", "k", "x", "y", "z")
    ex("BLMPOP", "0", "1", "k", "LEFT", "COUNT", "2")
    ex("LTRIM", "k", "0", "-1")  # nothing removed: not replicated
    ex("LREM", "k", "0", "nope")
    assert rec.take()[0] == [
        [b"RPUSH", b"k", b"a", b"b", b"c", b"d", b"e"], [b"LPOP", b"k"], [b"RPOP", b"k"],
        [b"LMOVE", b"k", b"d", b"left", b"Right"], [b"RPOPLPUSH", b"k", b"d"],
        [b"RPOP", b"d", b"2"], [b"RPUSH", b"k", b"x", b"y", b"z"], [b"LPOP", b"k", b"2"],
    ]


def test_notifications_match_redis(oracle_server, engine):
    """The keyspace events our commands raise, in order, against the oracle's own."""
    script = [
        ("RPUSH", "k", "a", "b", "c"), ("LPUSH", "k", "x"), ("LPUSHX", "nokey", "x"),
        ("RPUSHX", "k", "y"), ("LSET", "k", "0", "z"), ("LINSERT", "k", "AFTER", "a", "q"),
        ("LINSERT", "k", "AFTER", "nope", "q"), ("LREM", "k", "1", "q"),
        ("LREM", "k", "1", "nope"), ("LTRIM", "k", "0", "-1"), ("LTRIM", "k", "1", "-1"),
        ("LPOP", "k"), ("RPOP", "k", "0"), ("RPOP", "k", "1"), ("LMOVE", "k", "d", "LEFT", "RIGHT"),
        ("RPUSH", "k", "1", "2"), ("RPOPLPUSH", "k", "k"), ("LMOVE", "k", "d", "RIGHT", "LEFT"),
        ("LMOVE", "k", "d", "RIGHT", "LEFT"), ("LMPOP", "1", "d", "LEFT", "COUNT", "2"),
        ("BLPOP", "d", "0"), ("RPUSH", "m", "1", "2"), ("BLMOVE", "m", "n", "LEFT", "LEFT", "0"),
        ("BRPOPLPUSH", "m", "n", "0"), ("BLMPOP", "0", "1", "n", "RIGHT", "COUNT", "9"),
        ("RPUSH", "t", "a"), ("LTRIM", "t", "1", "0"), ("RPUSH", "t", "a"), ("LREM", "t", "0", "a"),
        ("RPUSH", "t", "a"), ("LPOP", "t", "5"), ("FLUSHALL",),
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


def test_memory_accounting(engine):
    db = engine.dbs[0]
    base = db.used_memory
    engine.execute("RPUSH", "k", *["x" * 100] * 50)
    grown = db.used_memory
    assert grown - base > 50 * 100
    engine.execute("LSET", "k", "0", "y" * 1000)
    engine.execute("LINSERT", "k", "BEFORE", "y" * 1000, "z" * 500)
    engine.execute("LTRIM", "k", "0", "9")
    engine.execute("LREM", "k", "0", "x" * 100)
    engine.execute("LMOVE", "k", "d", "LEFT", "LEFT")
    lv = db.peek(b"k")
    assert lv.nbytes == sum(map(len, lv)) and lv.cost == lv.memory_usage()
    engine.execute("DEL", "k", "d")
    assert db.used_memory == base


def test_list_value():
    lv = ListValue([b"a", b"bb"])
    assert lv.nbytes == 3 and lv.TYPE_NAME == b"list" and lv.encoding(None) == b"quicklist"
    dup = lv.copy()
    assert type(dup) is ListValue and dup == lv and dup is not lv and dup.nbytes == 3
    lv.push([b"x", b"y"], True)
    assert list(lv) == [b"y", b"x", b"a", b"bb"]
    assert lv.pop_many(3, False) == [b"bb", b"a", b"x"] and lv.nbytes == 1
    assert lv.range(0, 0) == [b"y"]


# ------------------------------------------------------------------ redis-py


def test_redis_py(r):
    assert r.rpush("q", *range(10)) == 10
    assert r.lrange("q", 2, 4) == [b"2", b"3", b"4"]
    assert r.lpop("q", 2) == [b"0", b"1"]
    assert r.lpos("q", "5") == 3
    assert r.blpop(["nokey", "q"], timeout=1) == (b"q", b"2")
    assert r.lmove("q", "d", "RIGHT", "LEFT") == b"9"
    with r.pipeline() as p:
        p.lpush("p", "a", "b").llen("p").lindex("p", 0).ltrim("p", 0, 0).lrange("p", 0, -1)
        assert p.execute() == [2, 2, b"b", True, [b"b"]]
    assert r.lmpop(2, "nokey", "d", direction="LEFT", count=5) == [b"d", [b"9"]]
    assert r.blpop("nokey", timeout=0.05) is None
