"""Hash commands against redis-server 7.0: replies compared byte for byte (RESP2 and RESP3)
wherever Redis's order is defined (listpack-encoded hashes), as sorted collections where it
is not (hashtable), and by their properties where the reply is random (HRANDFIELD). Plus
engine-level checks: keyspace events and dirty counts against the oracle's, replication
form, memory accounting, the scan cursor's guarantee. The helpers are shared with
test_sets.py and the state machine."""

import contextlib
import random

import hiredis
import pytest

from engine import Engine
from engine.commands import lookup
from engine.keyspace import key_cost
from engine.replies import ReplyError
from engine.types.hashes import HashValue
from tests.support.diff import Differential
from tests.support.raw import RawClient
from tests.support.effects import Recorder, oracle_effects

LLONG_MAX, LLONG_MIN = str(2 ** 63 - 1), str(-(2 ** 63))

HASH_COMMANDS = ["hset", "hsetnx", "hget", "hmget", "hmset", "hdel", "hlen", "hstrlen",
                 "hexists", "hkeys", "hvals", "hgetall", "hincrby", "hincrbyfloat",
                 "hrandfield", "hscan"]
THRESHOLDS = ("hash-max-listpack-entries", "hash-max-listpack-value", "set-max-intset-entries")


# ------------------------------------------------------------------ shared helpers


def decode(reply: bytes):
    """A raw reply as Python values (errors stay raw bytes, so they compare by text)."""
    if reply.startswith(b"-"):
        return reply
    reader = hiredis.Reader()
    reader.feed(reply)
    return reader.gets()


def unordered(pairs: bool = False):
    """A normalizer for replies whose order Redis leaves unspecified: the header line (type
    and length) stays exact, the elements (or field/value pairs) are compared sorted."""
    def norm(raw: bytes) -> bytes:
        v = decode(raw)
        if isinstance(v, dict):
            items = sorted(v.items())
        elif isinstance(v, list):
            items = sorted(zip(v[::2], v[1::2], strict=True)) if pairs else sorted(v)
        else:
            return raw
        return raw.split(b"\r\n", 1)[0] + b" " + repr(items).encode()
    return norm


def run(d, script) -> None:
    for cmd in script:
        d.check(*cmd)


def check_command_info(oracle_server, names) -> None:
    o = RawClient(oracle_server.host, oracle_server.port)
    entries = decode(o.call("COMMAND", "INFO", *names))
    o.close()
    for entry in entries:
        name, arity, flags, first, last, step, categories, tips = entry[:8]
        cmd = lookup(name)
        ours = [cmd.name.encode(), cmd.arity, [f.encode() for f in cmd.shown_flags()],
                cmd.first_key, cmd.last_key, cmd.key_step,
                [b"@" + c.encode() for c in cmd.categories], [t.encode() for t in cmd.tips]]
        assert ours == [name, arity, flags, first, last, step, categories, tips]


def full_scan(client, cmd: str, key: str, *options) -> tuple:
    """Every element a full HSCAN/SSCAN iteration returns, and the number of calls."""
    cursor, out, calls = b"0", [], 0
    while True:
        reply = decode(client.call(cmd, key, cursor, *options))
        cursor, items = reply
        out += items
        calls += 1
        if cursor == b"0":
            return out, calls


@pytest.fixture(params=[2, 3], ids=["resp2", "resp3"])
def d(request, strata_server, oracle_server):
    """``diff`` or ``diff3``: the same script runs over both protocol versions."""
    pair = Differential(strata_server, oracle_server, resp=request.param)
    yield pair
    pair.close()


@pytest.fixture
def thresholds(strata_server, oracle_server):
    """CONFIG SET of the encoding thresholds on both servers, restored afterwards."""
    clients = [RawClient(s.host, s.port) for s in (strata_server, oracle_server)]
    saved = {name: decode(clients[1].call("CONFIG", "GET", name))[1] for name in THRESHOLDS}

    def set_(**values):
        for name, value in values.items():
            for c in clients:
                assert c.call("CONFIG", "SET", name.replace("_", "-"), str(value)) == b"+OK\r\n"

    yield set_
    for c in clients:
        for name, value in saved.items():
            c.call("CONFIG", "SET", name, value)
        c.close()


def engine_effects(script, **options):
    eng = Engine(**options)
    rec = Recorder(eng)
    out = []
    for cmd in script:
        before = eng.dirty
        with contextlib.suppress(ReplyError):  # error replies are part of the script
            eng.execute(*cmd)
        out.append((rec.take()[1], eng.dirty - before))
    return out


def check_accounting(eng: Engine) -> None:
    """used_memory is what the stored values report now (kept incrementally, never scanned)."""
    for db in eng.dbs:
        entries = list(db.table.entries())
        for _k, v, _e, _a in entries:
            if hasattr(v, "memory_usage"):   # a collection is charged its current usage
                assert v.cost == v.memory_usage()
        assert db.used_memory == sum(key_cost(len(k), v) for k, v, _e, _a in entries)


# ------------------------------------------------------------------ metadata and arity


def test_command_info(oracle_server):
    check_command_info(oracle_server, HASH_COMMANDS)


@pytest.mark.parametrize("cmd", [
    ("HSET", "h"), ("HSET", "h", "f"), ("HSET", "h", "f", "v", "g"), ("HMSET", "h", "f"),
    ("HMSET", "h", "f", "v", "g"), ("HSETNX", "h", "f"), ("HGET", "h"), ("HMGET", "h"),
    ("HDEL", "h"), ("HLEN",), ("HSTRLEN", "h"), ("HEXISTS", "h"), ("HKEYS",), ("HVALS", "h", "x"),
    ("HGETALL",), ("HINCRBY", "h", "f"), ("HINCRBYFLOAT", "h", "f", "1", "2"), ("HRANDFIELD",),
    ("HSCAN", "h"),
])
def test_wrong_arity(diff, cmd):
    diff.check(*cmd)


# ------------------------------------------------------------------ basic commands


def test_set_get_delete(d):
    run(d, [
        ("HSET", "h", "a", "1", "b", "2"), ("HSET", "h", "a", "3", "c", "4", "a", "5"),
        ("HMSET", "h", "d", "6", "b", "7"), ("HSETNX", "h", "a", "x"), ("HSETNX", "h", "e", ""),
        ("HSETNX", "new", "f", "v"), ("HGET", "h", "a"), ("HGET", "h", "zz"), ("HGET", "no", "a"),
        ("HMGET", "h", "a", "zz", "e", "a"), ("HMGET", "no", "a", "b"), ("HLEN", "h"),
        ("HLEN", "no"), ("HSTRLEN", "h", "a"), ("HSTRLEN", "h", "e"), ("HSTRLEN", "h", "zz"),
        ("HSTRLEN", "no", "a"), ("HEXISTS", "h", "a"), ("HEXISTS", "h", "zz"),
        ("HEXISTS", "no", "a"), ("HKEYS", "h"), ("HVALS", "h"), ("HGETALL", "h"),
        ("HKEYS", "no"), ("HVALS", "no"), ("HGETALL", "no"), ("TYPE", "h"),
        ("OBJECT", "ENCODING", "h"), ("HDEL", "h", "a", "zz", "a", "c"), ("HDEL", "no", "a"),
        ("HGETALL", "h"), ("HDEL", "h", "b", "d", "e", "b"), ("EXISTS", "h"), ("HGETALL", "h"),
        ("HSET", "h", "", ""), ("HGETALL", "h"), ("HSET", "h", "\x00\xff", "\r\n"),
        ("HGET", "h", "\x00\xff"),
    ])


def test_order_follows_listpack(d):
    """A listpack keeps insertion order; an update keeps the field's place."""
    run(d, [("HSET", "h", "z", "1", "y", "2", "x", "3"), ("HSET", "h", "y", "9", "w", "4"),
            ("HDEL", "h", "z"), ("HSET", "h", "z", "5"), ("HKEYS", "h"), ("HVALS", "h"),
            ("HGETALL", "h"), ("HSCAN", "h", "0"), ("HRANDFIELD", "h", "10"),
            ("HRANDFIELD", "h", "4", "WITHVALUES")])


def test_wrongtype(d):
    run(d, [("SET", "s", "x"), ("SADD", "set", "1")])
    for key in ("s", "set"):
        run(d, [
            ("HSET", key, "a", "1"), ("HMSET", key, "a", "1"), ("HSETNX", key, "a", "1"),
            ("HGET", key, "a"), ("HMGET", key, "a"), ("HDEL", key, "a"), ("HLEN", key),
            ("HSTRLEN", key, "a"), ("HEXISTS", key, "a"), ("HKEYS", key), ("HVALS", key),
            ("HGETALL", key), ("HINCRBY", key, "a", "1"), ("HINCRBYFLOAT", key, "a", "1"),
            ("HRANDFIELD", key), ("HRANDFIELD", key, "2"), ("HRANDFIELD", key, "2", "WITHVALUES"),
            ("HSCAN", key, "0"),
            # argument errors come first where Redis checks them first
            ("HSET", key, "a"), ("HINCRBY", key, "a", "x"), ("HINCRBYFLOAT", key, "a", "x"),
            ("HRANDFIELD", key, "x"), ("HRANDFIELD", key, "1", "nope"), ("HSCAN", key, "x"),
            ("HSCAN", key, "0", "COUNT", "0"),
        ])
    run(d, [("GET", "s"), ("SMEMBERS", "set")])


# ------------------------------------------------------------------ HINCRBY / HINCRBYFLOAT


def test_hincrby(d):
    run(d, [
        ("HINCRBY", "h", "n", "5"), ("HINCRBY", "h", "n", "-7"), ("HINCRBY", "new", "n", "0"),
        ("HSET", "h", "max", LLONG_MAX, "min", LLONG_MIN, "s", "abc", "f", "1.5", "sp", " 1",
         "z", "01", "neg0", "-0", "big", "9223372036854775808", "e", ""),
        ("HINCRBY", "h", "max", "1"), ("HINCRBY", "h", "max", "0"), ("HINCRBY", "h", "max", "-1"),
        ("HINCRBY", "h", "min", "-1"), ("HINCRBY", "h", "min", LLONG_MAX),
        ("HINCRBY", "h", "n", LLONG_MAX), ("HINCRBY", "h", "n", LLONG_MIN),
        ("HINCRBY", "h", "s", "1"), ("HINCRBY", "h", "f", "1"), ("HINCRBY", "h", "sp", "1"),
        ("HINCRBY", "h", "z", "1"), ("HINCRBY", "h", "neg0", "1"), ("HINCRBY", "h", "big", "1"),
        ("HINCRBY", "h", "e", "1"), ("HINCRBY", "h", "n", "1.5"), ("HINCRBY", "h", "n", ""),
        ("HINCRBY", "h", "n", "9223372036854775808"), ("HINCRBY", "h", "n", "+1"),
        ("HINCRBY", "h", "n", " 1"), ("HGETALL", "h"),
    ])


def test_hincrbyfloat(d):
    run(d, [
        ("HINCRBYFLOAT", "h", "f", "0.1"), ("HINCRBYFLOAT", "h", "f", "0.2"),
        ("HINCRBYFLOAT", "h", "f", "-0.3"), ("HINCRBYFLOAT", "h", "f", "1e10"),
        ("HINCRBYFLOAT", "h", "f", "-1e10"), ("HINCRBYFLOAT", "h", "g", "-0"),
        ("HINCRBYFLOAT", "h", "g", "0x10"), ("HINCRBYFLOAT", "h", "g", "3.0e3"),
        ("HINCRBYFLOAT", "h", "g", "5e-324"), ("HINCRBYFLOAT", "h", "big", "1e4931"),
        ("HINCRBYFLOAT", "h", "big", "1e4931"), ("HINCRBYFLOAT", "h", "big", "1e4931"),
        ("HINCRBYFLOAT", "h", "f", "inf"), ("HINCRBYFLOAT", "h", "f", "-inf"),
        ("HINCRBYFLOAT", "h", "f", "nan"), ("HINCRBYFLOAT", "h", "f", "1e4933"),
        ("HINCRBYFLOAT", "h", "f", ""), ("HINCRBYFLOAT", "h", "f", " 1"),
        ("HINCRBYFLOAT", "h", "f", "abc"), ("HINCRBYFLOAT", "new", "f", "inf"), ("EXISTS", "new"),
        ("HSET", "h", "i", "inf", "s", "abc", "n", LLONG_MAX, "sp", "1 ", "x", "0x1p3"),
        ("HINCRBYFLOAT", "h", "i", "1"), ("HINCRBYFLOAT", "h", "s", "1"),
        ("HINCRBYFLOAT", "h", "n", "1"), ("HINCRBYFLOAT", "h", "sp", "1"),
        ("HINCRBYFLOAT", "h", "x", "1"), ("OBJECT", "ENCODING", "h"),
    ])
    d.check("HGETALL", "h", normalize=unordered())


# ------------------------------------------------------------------ HRANDFIELD


def test_hrandfield_errors_and_fixed_shapes(d):
    half, past = str(2 ** 62 - 1), str(2 ** 62)
    run(d, [
        ("HRANDFIELD", "no"), ("HRANDFIELD", "no", "3"), ("HRANDFIELD", "no", "-3", "WITHVALUES"),
        ("HRANDFIELD", "no", "x"), ("HRANDFIELD", "no", LLONG_MIN),
        ("HRANDFIELD", "no", LLONG_MAX), ("HRANDFIELD", "no", "1", "withvalues"),
        ("HRANDFIELD", "no", "1", "WITHVALUE"), ("HRANDFIELD", "no", "1", "WITHVALUES", "x"),
        ("HRANDFIELD", "no", "x", "nope"), ("HRANDFIELD", "no", past, "WITHVALUES"),
        ("HRANDFIELD", "no", "-" + past, "WITHVALUES"), ("HRANDFIELD", "no", half, "WITHVALUES"),
        ("HRANDFIELD", "no", "-" + half, "WITHVALUES"),
        ("HSET", "h", "a", "1", "b", "2", "c", "3"), ("HRANDFIELD", "h", "0"),
        ("HRANDFIELD", "h", "0", "WITHVALUES"), ("HRANDFIELD", "h", "3"),
        ("HRANDFIELD", "h", "30", "WITHVALUES"), ("HRANDFIELD", "h", "1", "nope"),
        ("HDEL", "h", "a", "b"), ("HRANDFIELD", "h"), ("HRANDFIELD", "h", "-2"),
        ("HRANDFIELD", "h", "-2", "WITHVALUES"), ("HRANDFIELD", "h", "1", "WITHVALUES"),
    ])


def check_random_reply(d, args, pool, positive: bool, withvalues: bool) -> None:
    """Both servers' replies have the same shape and size; ours holds fields of the hash
    (with their values), distinct for a positive count."""
    got, want = d.both(*args)
    assert got[:1] == want[:1]
    ours, theirs = decode(got), decode(want)
    assert len(ours) == len(theirs), (args, got, want)
    if withvalues:
        pairs = [tuple(p) for p in ours] if d.resp == 3 else list(zip(ours[::2], ours[1::2],
                                                                       strict=True))
        assert all(pool[f] == v for f, v in pairs)
        fields = [f for f, _ in pairs]
    else:
        fields = ours
    assert all(f in pool for f in fields)
    if positive:
        assert len(set(fields)) == len(fields)


@pytest.mark.parametrize("size", [5, 600])
def test_hrandfield_properties(d, size):
    pool = {b"f%d" % i: b"v%d" % i for i in range(size)}
    for c in (d.s, d.o):
        c.call("HSET", "h", *[x for p in pool.items() for x in p])
    d.check("OBJECT", "ENCODING", "h")
    for _ in range(10):
        got = d.s.call("HRANDFIELD", "h")
        assert decode(got) in pool
    for count in (1, 2, size // 2, size - 1, size, size + 3, -1, -3, -size, -2 * size):
        for withvalues in (False, True):
            args = ("HRANDFIELD", "h", str(count)) + (("WITHVALUES",) if withvalues else ())
            check_random_reply(d, args, pool, count > 0, withvalues)


def test_hrandfield_is_random(engine):
    engine.execute("HSET", "h", *[x for i in range(10) for x in (b"f%d" % i, b"v")])
    seen = {engine.execute("HRANDFIELD", "h") for _ in range(300)}
    assert len(seen) == 10
    samples = {tuple(engine.execute("HRANDFIELD", "h", "3")) for _ in range(100)}
    assert len(samples) > 20


# ------------------------------------------------------------------ HSCAN


def test_hscan_small(d):
    run(d, [
        ("HSCAN", "no", "0"), ("HSCAN", "no", "0", "COUNT", "0"), ("HSCAN", "no", "x"),
        ("HSET", "h", "a1", "1", "b1", "2", "a2", "3", "c", "4"), ("HSCAN", "h", "0"),
        ("HSCAN", "h", "7"), ("HSCAN", "h", "0", "COUNT", "1"), ("HSCAN", "h", "0", "MATCH", "a*"),
        ("HSCAN", "h", "0", "match", "*", "count", "2"), ("HSCAN", "h", "0", "MATCH", "[ab]?"),
        ("HSCAN", "h", "0", "MATCH", "1"), ("HSCAN", "h", "0", "MATCH", "a*", "MATCH", "c"),
        ("HSCAN", "h", "0", "COUNT", "0"), ("HSCAN", "h", "0", "COUNT", "-1"),
        ("HSCAN", "h", "0", "COUNT", "x"), ("HSCAN", "h", "0", "COUNT"), ("HSCAN", "h", "0", "MATCH"),
        ("HSCAN", "h", "0", "TYPE", "hash"), ("HSCAN", "h", "0", "NOPE", "1"),
        ("HSCAN", "h", "-1"), ("HSCAN", "h", "18446744073709551616"), ("HSCAN", "h", " 1"),
        ("HSCAN", "h", ""), ("HSCAN", "h", "+3"),
    ])


@pytest.mark.parametrize("count", [None, "1", "7", "1000"])
def test_hscan_big_full_iteration(diff, count):
    pool = {b"f%d" % i: b"v%d" % i for i in range(700)}
    for c in (diff.s, diff.o):
        c.call("HSET", "h", *[x for p in pool.items() for x in p])
    diff.check("OBJECT", "ENCODING", "h")
    options = ("COUNT", count) if count else ()
    for c in (diff.s, diff.o):
        items, calls = full_scan(c, "HSCAN", "h", *options)
        got = list(zip(items[::2], items[1::2], strict=True))
        assert sorted(got) == sorted(pool.items())
        assert len(got) == len(pool)  # nothing changed meanwhile: no duplicates either
        assert calls > 1 or count == "1000"
    for c in (diff.s, diff.o):
        items, _ = full_scan(c, "HSCAN", "h", "MATCH", "f1*", *options)
        assert sorted(items[::2]) == sorted(f for f in pool if f.startswith(b"f1"))


def test_hscan_cursor_survives_changes():
    """Fields present from start to end are all returned, whatever changes in between."""
    rnd = random.Random(7)
    for _ in range(30):
        eng = Engine()
        eng.execute("HSET", "h", *[x for i in range(700) for x in (b"f%d" % i, b"v")])
        stable = {b"f%d" % i for i in range(0, 700, 3)}
        seen, cursor = set(), b"0"
        while True:
            cursor, items = eng.execute("HSCAN", "h", cursor, "COUNT", str(rnd.randint(1, 40)))
            seen.update(items[::2])
            for _ in range(rnd.randint(0, 15)):
                f = b"f%d" % rnd.randrange(900)
                if f in stable:
                    continue
                if rnd.random() < 0.5:
                    eng.execute("HDEL", "h", f)
                else:
                    eng.execute("HSET", "h", f, "w")
            if cursor == b"0":
                break
        assert stable <= seen


# ------------------------------------------------------------------ encodings


def test_encoding_thresholds(d):
    fields = [x for i in range(512) for x in (f"f{i}", "v")]  # the default entries limit
    run(d, [
        ("HSET", "h", *fields), ("OBJECT", "ENCODING", "h"), ("HSET", "h", "f0", "w"),
        ("OBJECT", "ENCODING", "h"), ("HSET", "h", "extra", "v"), ("OBJECT", "ENCODING", "h"),
        ("HDEL", "h", "extra", "f1", "f2"), ("OBJECT", "ENCODING", "h"),
        ("HSET", "v", "f", "x" * 64), ("OBJECT", "ENCODING", "v"), ("HSET", "v", "g", "x" * 65),
        ("OBJECT", "ENCODING", "v"), ("HDEL", "v", "g"), ("OBJECT", "ENCODING", "v"),
        ("HSET", "k", "x" * 65, "1"), ("OBJECT", "ENCODING", "k"),
        ("HSET", "n", "a", "1", "b", "x" * 65), ("OBJECT", "ENCODING", "n"),
        ("HSETNX", "s", "f", "x" * 65), ("OBJECT", "ENCODING", "s"),
        ("HSET", "x", "f", "1"), ("HSETNX", "x", "f", "x" * 65), ("OBJECT", "ENCODING", "x"),
        ("HINCRBY", "i", "x" * 65, "1"), ("OBJECT", "ENCODING", "i"),
        ("HINCRBYFLOAT", "j", "f", "1e60"), ("OBJECT", "ENCODING", "j"),
        ("HINCRBYFLOAT", "j2", "f", "1e70"), ("OBJECT", "ENCODING", "j2"),
        ("HSET", "m", "a", "1"), ("HINCRBY", "m", "x" * 65, "x"), ("OBJECT", "ENCODING", "m"),
    ])
    d.check("HGETALL", "v")
    d.check("HGETALL", "h", normalize=unordered())


def test_config_thresholds(d, thresholds):
    thresholds(hash_max_listpack_entries=2, hash_max_listpack_value=4)
    run(d, [
        ("HSET", "a", "f1", "1", "f2", "2"), ("OBJECT", "ENCODING", "a"), ("HSET", "a", "f3", "3"),
        ("OBJECT", "ENCODING", "a"), ("HSET", "b", "f", "1234"), ("OBJECT", "ENCODING", "b"),
        ("HSET", "b", "g", "12345"), ("OBJECT", "ENCODING", "b"), ("HSET", "c", "f", "1"),
    ])
    thresholds(hash_max_listpack_entries=0)
    run(d, [("OBJECT", "ENCODING", "c"), ("HSETNX", "c", "f", "2"), ("OBJECT", "ENCODING", "c"),
            ("HSET", "c", "f", "2"), ("OBJECT", "ENCODING", "c"),  # an update converts too
            ("HSET", "c", "g", "2"), ("OBJECT", "ENCODING", "c"), ("HSET", "d", "f", "1"),
            ("OBJECT", "ENCODING", "d"), ("HSET", "e", "f", "1"), ("HINCRBY", "e", "f", "1"),
            ("OBJECT", "ENCODING", "e")])
    d.check("HGETALL", "a", normalize=unordered())
    thresholds(hash_max_listpack_entries=512, hash_max_listpack_value=64)
    run(d, [("HSET", "g", "f", "1"), ("OBJECT", "ENCODING", "g"), ("OBJECT", "ENCODING", "a")])


def test_encoding_in_process():
    eng = Engine(hash_max_listpack_entries=3, hash_max_listpack_value=5)
    eng.execute("HSET", "h", "a", "1", "b", "2", "c", "3")
    h = eng.dbs[0].peek(b"h")
    assert type(h) is HashValue and h.encoding(eng.config) == b"listpack"
    eng.execute("HSET", "h", "d", "4")
    assert h.encoding(eng.config) == b"hashtable"
    eng.execute("HDEL", "h", "a", "b", "c")
    assert h.encoding(eng.config) == b"hashtable"
    eng.execute("HSET", "v", "f", "123456")
    assert eng.execute("OBJECT", "ENCODING", "v") == b"hashtable"
    copy = eng.dbs[0].peek(b"h").copy()
    assert type(copy) is HashValue and copy.big and copy == {b"d": b"4"}


# ------------------------------------------------------------------ engine-level effects

EFFECTS_SCRIPT = [
    ("HSET", "h", "a", "1", "b", "2"), ("HSET", "h", "a", "1"), ("HMSET", "h", "c", "3"),
    ("HSETNX", "h", "a", "9"), ("HSETNX", "h", "d", "4"), ("HDEL", "h", "zz"),
    ("HDEL", "h", "a", "b", "zz"), ("HINCRBY", "h", "n", "5"), ("HINCRBY", "h", "c", "x"),
    ("HINCRBYFLOAT", "h", "n", "1.5"), ("HINCRBYFLOAT", "h", "n", "inf"), ("HGET", "h", "n"),
    ("HDEL", "h", "c", "d", "n"), ("HINCRBYFLOAT", "new", "f", "2"), ("HDEL", "new", "f", "f"),
    ("SET", "s", "x"), ("HSET", "s", "a", "1"),
]


def test_events_and_dirty_match_redis(oracle_server):
    assert engine_effects(EFFECTS_SCRIPT) == oracle_effects(oracle_server, EFFECTS_SCRIPT)


def test_replication_form(engine):
    rec = Recorder(engine)
    engine.execute("HINCRBYFLOAT", "h", "f", "0.1")
    engine.execute("HINCRBYFLOAT", "h", "f", "0.2")
    engine.execute("HSET", "h", "a", "1")
    engine.execute("HINCRBY", "h", "a", "2")
    assert rec.take()[0] == [[b"HSET", b"h", b"f", b"0.1"], [b"HSET", b"h", b"f", b"0.3"],
                             [b"HSET", b"h", b"a", b"1"], [b"HINCRBY", b"h", b"a", b"2"]]


def test_memory_accounting():
    eng = Engine(hash_max_listpack_entries=8)
    rnd = random.Random(3)
    for _ in range(500):
        key = rnd.choice(["a", "b"])
        f = f"f{rnd.randrange(20)}"
        op = rnd.randrange(4)
        if op == 0:
            eng.execute("HSET", key, f, "x" * rnd.randrange(100))
        elif op == 1:
            eng.execute("HDEL", key, f, f"f{rnd.randrange(20)}")
        elif op == 2:
            eng.execute("HINCRBY", key, "n", "7")
        else:
            eng.execute("HINCRBYFLOAT", key, "g", "1.5")
        check_accounting(eng)
        h = eng.dbs[0].peek(key.encode())
        if h is not None:
            assert h.nbytes == sum(len(k) + len(v) for k, v in h.items())


# ------------------------------------------------------------------ redis-py


def test_redis_py(r):
    assert r.hset("h", mapping={"a": "1", "b": "2"}) == 2
    assert r.hset("h", "c", "3") == 1
    assert r.hgetall("h") == {b"a": b"1", b"b": b"2", b"c": b"3"}
    assert r.hmget("h", ["a", "zz"]) == [b"1", None]
    assert r.hincrby("h", "a", 5) == 6
    assert r.hincrbyfloat("h", "b", 0.5) == 2.5
    assert r.hkeys("h") == [b"a", b"b", b"c"]
    assert r.hlen("h") == 3 and r.hexists("h", "a") and r.hstrlen("h", "c") == 1
    assert r.hrandfield("h", 3, withvalues=True)
    r.hset("big", mapping={f"f{i}": i for i in range(1000)})
    assert r.object("encoding", "big") == b"hashtable"
    assert dict(r.hscan_iter("big")) == {b"f%d" % i: b"%d" % i for i in range(1000)}
    assert r.hdel("h", "a", "b", "c") == 3 and not r.exists("h")

