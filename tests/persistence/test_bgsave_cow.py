"""The forkless BGSAVE's point-in-time guarantee, under hypothesis: whatever the commands
run between the steps of a snapshot (overwrites, in-place changes, TTL changes, deletes,
renames, new keys, FLUSHDB, SWAPDB, enough churn to grow and shrink the key table), the
file holds exactly the dataset as it was when the save started."""

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import Engine
from engine.persistence.bgsave import FileSink, Snapshot, _Done, order_of
from tests.persistence.helpers import assert_same, dataset, engine_call

KEYS = ["k%d" % i for i in range(40)]
key = st.sampled_from(KEYS)
small = st.integers(0, 30)

op = st.one_of(
    st.tuples(st.just("SET"), key, small),
    st.tuples(st.just("DEL"), key),
    st.tuples(st.just("APPEND"), key, small),
    st.tuples(st.just("INCR"), key),
    st.tuples(st.just("LPUSH"), key, small),
    st.tuples(st.just("RPOP"), key),
    st.tuples(st.just("HSET"), key, small, small),
    st.tuples(st.just("SADD"), key, small),
    st.tuples(st.just("ZADD"), key, small, small),
    st.tuples(st.just("EXPIRE"), key, st.integers(100, 1000)),
    st.tuples(st.just("PERSIST"), key),
    st.tuples(st.just("RENAME"), key, key),
    st.tuples(st.just("COPY"), key, key),
    st.tuples(st.just("GETDEL"), key),
    st.tuples(st.just("MANY"), st.integers(50, 400)),     # new keys: the table grows
    st.tuples(st.just("UNMANY"),),                          # delete them: it shrinks
    st.tuples(st.just("SELECT"), st.integers(0, 1)),
    st.tuples(st.just("SWAPDB"),),
    st.tuples(st.just("FLUSHDB"),),
    st.tuples(st.just("XADD"), key, small),
)


def _run(call, o) -> None:
    name = o[0]
    try:
        if name == "MANY":
            call("MSET", *[x for i in range(o[1]) for x in ("many:%d" % i, i)])
        elif name == "UNMANY":
            keys = call("KEYS", "many:*")
            if keys:
                call("DEL", *keys)
        elif name == "SWAPDB":
            call("SWAPDB", 0, 1)
        elif name == "FLUSHDB":
            call("FLUSHDB")
        elif name == "XADD":
            call("XADD", o[1], "*", "f", o[2])
        elif name in ("HSET", "ZADD"):
            call(name, o[1], o[2], o[3])
        elif name == "COPY":
            call("COPY", o[1], o[2], "REPLACE")
        else:
            call(*o)
    except Exception:  # noqa: BLE001 - WRONGTYPE and friends are part of the game
        pass


def _populate(call, n: int) -> None:
    for db in (0, 1):
        call("SELECT", db)
        for i in range(n):
            k = KEYS[i % len(KEYS)] if i < len(KEYS) else "extra:%d" % i
            kind = i % 6
            if kind == 0:
                call("SET", k, "v%d" % i)
            elif kind == 1:
                call("RPUSH", k, "a", i)
            elif kind == 2:
                call("HSET", k, "f", i)
            elif kind == 3:
                call("SADD", k, i, "x")
            elif kind == 4:
                call("ZADD", k, i, "m")
            else:
                call("SET", k, i, "EX", 5000)
    call("SELECT", 0)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(n=st.integers(0, 120), ops=st.lists(st.tuples(op, st.integers(1, 25)), max_size=60),
       compress=st.booleans())
def test_snapshot_is_the_dataset_at_start(tmp_path_factory, n, ops, compress):
    tmp = str(tmp_path_factory.mktemp("cow"))
    e = Engine()
    e.config.values["rdbcompression"] = compress
    call = engine_call(e)
    _populate(call, n)
    expected = dataset(call)
    path = os.path.join(tmp, "dump.rdb")
    sink = FileSink(path, None, threaded=False)
    snap = Snapshot(e, sink, [], [])
    e.snapshot = snap
    done = False
    for o, steps in ops:
        _run(call, o)
        if not done:
            done = snap.step(float("inf"), steps)
    while not done:
        done = snap.step(float("inf"), 7)
    e.snapshot = None
    result = []
    sink.finish(lambda ok, err: result.append((ok, err)))
    assert result == [(True, None)]
    loaded = Engine()
    with open(path, "rb") as f:
        from engine.persistence.manager import load_into
        load_into(loaded, f)
    assert_same(expected, dataset(engine_call(loaded)))
    assert snap.keys_done == sum(len(v) for v in expected.values())


@given(st.lists(st.binary(max_size=12), max_size=300), st.integers(0, (1 << 64) - 1))
def test_done_table_is_a_set(keys, frontier):
    d = _Done(4)
    ps = [order_of(k) for k in keys] + [0]
    for p in ps:
        d.add(p)
    assert len(d) == len(set(ps))
    assert all(p in d for p in ps)
    lo, hi = sorted((frontier, order_of(b"%d" % len(keys))))
    w = d.window(lo, hi + 1)
    assert w is None or w == {p for p in ps if lo <= p <= hi}
    d.prune(frontier)
    assert all((p in d) == (p >= frontier) for p in ps)
    assert len(d) == len({p for p in ps if p >= frontier})


def test_snapshot_of_a_big_table_under_writes(tmp_path, monkeypatch):
    """Tables big enough for the walk's per-page window of settled keys (with 16 buckets
    instead of 4096, so that 20k keys suffice), under overwrites, deletes and new keys."""
    import random
    from engine.persistence import bgsave
    monkeypatch.setattr(bgsave, "_DONE_SHIFT", 60)
    monkeypatch.setattr(bgsave, "_DONE_BUCKETS", 16)
    e = Engine()
    call = engine_call(e)
    n = 20000
    call("MSET", *[x for i in range(n) for x in ("k%d" % i, "old")])
    expected = dataset(call, 1)
    path = os.path.join(str(tmp_path), "dump.rdb")
    sink = FileSink(path, None, threaded=False)
    snap = Snapshot(e, sink, [], [])
    e.snapshot = snap
    rnd = random.Random(5)
    windows = []
    real_window = _Done.window
    monkeypatch.setattr(_Done, "window", lambda self, lo, hi: windows.append(
        real_window(self, lo, hi)) or windows[-1])
    done = False
    while not done:
        for _ in range(40):
            k = "k%d" % rnd.randrange(n)
            op = rnd.randrange(3)
            if op == 0:
                call("SET", k, "new")
            elif op == 1:
                call("DEL", k)
            else:
                call("SET", "born:%d" % rnd.randrange(10 ** 9), "x")
        done = snap.step(float("inf"), 97)
    e.snapshot = None
    sink.finish(lambda ok, err: None)
    assert any(w for w in windows), "the window path was not exercised"
    loaded = Engine()
    with open(path, "rb") as f:
        from engine.persistence.manager import load_into
        load_into(loaded, f)
    assert_same(expected, dataset(engine_call(loaded), 1))
