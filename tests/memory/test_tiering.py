"""Data tiering in-process (engine/tiering.py): values of cold keys move to disk at the
memory budget and come back transparently for every command; overwrites and deletes are
given back by compaction; values outside the size limits stay in memory; a full disk
stops tiering (with a log line) and eviction takes over."""

import os

import pytest

from engine import Engine
from engine.tiering import TieredRef


def _tiered(tmp_path, **opts):
    options = {"tiering-enabled": "yes", "tiering-dir": str(tmp_path),
               "maxmemory-policy": "allkeys-lru"}
    options.update(opts)
    return Engine(**options)


@pytest.fixture
def tiered(tmp_path):
    engines = []

    def make(**opts):
        e = _tiered(tmp_path, **opts)
        engines.append(e)
        return e
    yield make
    for e in engines:
        e.tiering.close()


def _info(e, section="tiering"):
    out = {}
    for line in e.execute("INFO", section).decode().split("\r\n"):
        if ":" in line:
            k, v = line.split(":", 1)
            out[k] = v
    return out


def _value(i, size=500):
    return (b"%08d" % i) * (size // 8)


def _tier_everything(e, db=0):
    """Move every value of a database to disk (the eviction path's spill, by hand)."""
    store = e.tiering
    d = e.dbs[db]
    n = 0
    for key in d.table.keys():
        if store.spill(d, key) >= 0:
            n += 1
    return n


def test_values_spill_at_the_budget_and_come_back(tiered):
    e = tiered(maxmemory="3mb")
    for i in range(6000):
        e.execute("SET", "k%d" % i, _value(i))
    info = _info(e)
    assert int(info["tiering_keys"]) > 1500
    assert e.execute("DBSIZE") == 6000
    assert _info(e, "stats")["evicted_keys"] == "0"
    assert e.used_memory() <= 3 * 1024 * 1024 + 1000
    for i in range(0, 6000, 7):
        assert e.execute("GET", "k%d" % i) == _value(i)
    info2 = _info(e)
    assert int(info2["tiering_disk_reads"]) > 0
    assert int(info2["tiering_promotions"]) == int(info2["tiering_disk_reads"])
    assert float(info2["tiering_read_latency_p50_usec"]) > 0


def test_metadata_reads_do_not_touch_the_disk(tiered):
    e = tiered()
    e.execute("SET", "s", "x" * 300, "EX", 1000)
    e.execute("RPUSH", "l", *["e%d" % i for i in range(50)])
    e.execute("HSET", "h", *[x for i in range(40) for x in ("f%d" % i, "v" * 30)])
    before = [e.execute(*c) for c in (("TYPE", "l"), ("OBJECT", "ENCODING", "h"),
                                      ("OBJECT", "ENCODING", "s"), ("EXISTS", "s", "l"))]
    assert _tier_everything(e) == 3
    reads = int(_info(e)["tiering_disk_reads"])
    after = [e.execute(*c) for c in (("TYPE", "l"), ("OBJECT", "ENCODING", "h"),
                                     ("OBJECT", "ENCODING", "s"), ("EXISTS", "s", "l"))]
    assert after == before
    assert 990 <= e.execute("TTL", "s") <= 1000
    assert sorted(e.execute("KEYS", "*")) == [b"h", b"l", b"s"]
    assert e.execute("SCAN", 0, "TYPE", "list")[1] == [b"l"]
    assert int(_info(e)["tiering_disk_reads"]) == reads
    assert type(e.dbs[0].peek_stored(b"l")) is TieredRef


# Every command family meets a tiered value: the same script runs on a plain engine and on
# a tiered one whose values are all moved to disk before each command.
SETUP = [
    ("SET", "str", "hello world " * 10), ("SET", "num", "12345"),
    ("APPEND", "app", "abc" * 30), ("SETRANGE", "app", "5", "XYZ"),
    ("RPUSH", "list", *["item%d" % i for i in range(30)]),
    ("HSET", "hash", *[x for i in range(20) for x in ("f%d" % i, "val%d" % i * 3)]),
    ("HSET", "bighash", *[x for i in range(600) for x in ("f%d" % i, "v%d" % i)]),
    ("SADD", "set", *["m%d" % i for i in range(25)]), ("SADD", "iset", *range(100, 140)),
    ("ZADD", "zset", *[x for i in range(30) for x in (i * 1.5, "z%d" % i)]),
    ("XADD", "stream", "1-1", "a", "1", "b", "2"), ("XADD", "stream", "2-1", "c", "3"),
    ("XGROUP", "CREATE", "stream", "g", "0"), ("PFADD", "hll", *["e%d" % i for i in range(80)]),
    ("SETBIT", "bits", "1000", "1"), ("SET", "ttl", "v" * 100, "EX", "5000"),
]
SCRIPT = [
    ("GET", "str"), ("STRLEN", "str"), ("GETRANGE", "str", "2", "20"), ("INCR", "num"),
    ("INCRBYFLOAT", "num", "1.5"), ("APPEND", "app", "more"), ("GET", "app"),
    ("MGET", "str", "num", "app", "nosuch"), ("GETDEL", "num"), ("GETEX", "str", "PERSIST"),
    ("LRANGE", "list", "0", "-1"), ("LPUSH", "list", "new"), ("LINDEX", "list", "5"),
    ("LPOP", "list", "3"), ("LLEN", "list"), ("LPOS", "list", "item9"),
    ("HGETALL", "hash"), ("HGET", "hash", "f3"), ("HSET", "hash", "f3", "changed"),
    ("HDEL", "hash", "f4"), ("HLEN", "bighash"), ("HGET", "bighash", "f599"),
    ("HINCRBY", "bighash", "counter", "5"), ("SMEMBERS", "set"), ("SISMEMBER", "set", "m3"),
    ("SADD", "set", "m99"), ("SREM", "set", "m1"), ("SCARD", "iset"),
    ("SINTER", "set", "iset"), ("SUNIONSTORE", "dst", "set", "iset"), ("SCARD", "dst"),
    ("ZRANGE", "zset", "0", "-1", "WITHSCORES"), ("ZSCORE", "zset", "z7"),
    ("ZINCRBY", "zset", "100", "z1"), ("ZRANK", "zset", "z1"), ("ZREM", "zset", "z2"),
    ("ZRANGEBYSCORE", "zset", "10", "20"), ("XRANGE", "stream", "-", "+"),
    ("XLEN", "stream"), ("XREADGROUP", "GROUP", "g", "c1", "STREAMS", "stream", ">"),
    ("XPENDING", "stream", "g"), ("PFCOUNT", "hll"), ("GETBIT", "bits", "1000"),
    ("BITCOUNT", "bits"), ("DUMP", "str"), ("COPY", "hash", "hash2"), ("HGETALL", "hash2"),
    ("RENAME", "list", "list2"), ("LRANGE", "list2", "0", "-1"), ("TYPE", "list2"),
    ("MOVE", "set", "3"), ("SELECT", "3"), ("SMEMBERS", "set"), ("SELECT", "0"),
    ("OBJECT", "ENCODING", "bighash"), ("DEBUG", "DIGEST-VALUE", "hash", "zset", "stream"),
    ("SORT", "iset", "LIMIT", "0", "5"), ("LMOVE", "list2", "newlist", "LEFT", "RIGHT"),
    ("SMOVE", "iset", "set2", "100"), ("ZUNIONSTORE", "zu", "2", "zset", "iset"),
    ("ZRANGE", "zu", "0", "5"), ("EXPIRE", "hash", "100"), ("TTL", "ttl"),
    ("SET", "str", "replaced"), ("GET", "str"), ("DEL", "hash2", "bighash"),
    ("UNLINK", "zset"), ("DBSIZE",), ("DEBUG", "DIGEST"),
]


def _run(e, cmd):
    try:
        return e.execute(*cmd)
    except Exception as err:  # noqa: BLE001 - error replies compare as their text
        return ("error", str(err))


def test_every_command_reads_tiered_values_back(tiered):
    plain = Engine(**{"enable-debug-command": "yes"})
    tier = tiered(**{"enable-debug-command": "yes"})
    for cmd in SETUP:
        assert _run(plain, cmd) == _run(tier, cmd), cmd
    for cmd in SCRIPT:
        for db in (0, 3):
            _tier_everything(tier, db)
        got, want = _run(tier, cmd), _run(plain, cmd)
        if cmd[0] == "DUMP":  # the same payload, whatever its form
            assert plain.execute("RESTORE", "d1", 0, want) == tier.execute(
                "RESTORE", "d1", 0, got)
            continue
        assert got == want, cmd
        if cmd[0] == "DEBUG":
            assert type(got) is not tuple, got     # DEBUG is enabled: a real digest
    assert int(_info(tier)["tiering_disk_reads"]) > 50


def test_expired_tiered_key_is_gone_and_freed(tiered):
    e = tiered()
    e.execute("SET", "k", "v" * 500, "PX", 30)
    assert _tier_everything(e) == 1
    assert int(_info(e)["tiering_keys"]) == 1
    import time
    time.sleep(0.05)
    e.update_clock()
    assert e.execute("GET", "k") is None
    info = _info(e)
    assert info["tiering_keys"] == "0" and info["tiering_bytes"] == "0"


def test_compaction_gives_space_back_while_serving(tiered):
    e = tiered(**{"tiering-segment-size": "64kb", "tiering-compaction-threshold": 30})
    for i in range(2000):
        e.execute("SET", "k%d" % i, _value(i))
    _tier_everything(e)
    store = e.tiering
    full = store.disk_bytes
    assert len(store.segments) > 10
    for i in range(0, 2000, 3):
        e.execute("DEL", "k%d" % i)
    for i in range(1, 2000, 3):
        e.execute("SET", "k%d" % i, "short")
    garbage = store.disk_bytes - store.live_bytes
    assert garbage > full // 2
    steps = 0
    while store.disk_bytes - store.live_bytes > 0.3 * store.disk_bytes and steps < 5000:
        store.cron(budget_s=0.0002)   # small steps, with commands served in between
        steps += 1
        i = 3 * (steps % 666) + 2
        assert e.execute("GET", "k%d" % i) == _value(i)
        _tier_everything(e)
    info = _info(e)
    assert int(info["tiering_compactions"]) > 0
    assert store.disk_bytes < full * 0.6
    assert sum(os.path.getsize(s.path) for s in store.segments.values()) == store.disk_bytes
    for i in range(2000):
        want = None if i % 3 == 0 else b"short" if i % 3 == 1 else _value(i)
        assert e.execute("GET", "k%d" % i) == want


def test_flush_drops_the_files(tiered):
    e = tiered()
    for i in range(300):
        e.execute("SET", "k%d" % i, _value(i))
    _tier_everything(e)
    assert e.tiering.disk_bytes > 100_000
    e.execute("FLUSHALL")
    assert _info(e)["tiering_keys"] == "0"
    e.tiering.cron()
    assert e.tiering.disk_bytes == 0


def test_info_tiering_section(tiered):
    assert _info(Engine()) == {"tiering_enabled": "0"}
    e = tiered()
    for name in ("tiering_enabled", "tiering_state", "tiering_keys", "tiering_bytes",
                 "tiering_disk_bytes", "tiering_disk_reads", "tiering_spilled_values",
                 "tiering_memory_hit_ratio", "tiering_read_latency_p50_usec",
                 "tiering_read_latency_p99_usec", "tiering_compactions"):
        assert name in _info(e)
    # like Redis's module sections: only when asked for by name
    assert "# Tiering" not in e.execute("INFO").decode()
    assert "# Tiering" not in e.execute("INFO", "everything").decode()
    assert "# Tiering" in e.execute("INFO", "memory", "tiering").decode()


def test_value_size_limits(tiered):
    e = tiered(**{"tiering-max-value-size": 1000, "tiering-min-value-size": 100})
    e.execute("SET", "big", "b" * 5000)
    e.execute("SET", "tiny", "t" * 20)
    e.execute("SET", "mid", "m" * 500)
    store = e.tiering
    d = e.dbs[0]
    assert not store.spillable(d, b"big") and not store.spillable(d, b"tiny")
    assert store.spillable(d, b"mid")
    # at the budget, only the mid-sized value moves (although it is not the coldest) ...
    e.execute("GET", "big")
    e.execute("GET", "tiny")
    e.execute("CONFIG", "SET", "maxmemory", e.used_memory() - 100)
    e.perform_evictions()
    assert type(d.peek_stored(b"mid")) is TieredRef
    assert e.execute("EXISTS", "big", "tiny") == 2
    assert _info(e, "stats")["evicted_keys"] == "0"
    # ... and when nothing else can move, keys are evicted (one is enough for 10 bytes)
    e.execute("CONFIG", "SET", "maxmemory", e.used_memory() - 10)
    e.perform_evictions()
    assert _info(e, "stats")["evicted_keys"] == "1"
    assert e.execute("EXISTS", "big", "tiny", "mid") == 2
    assert type(d.peek_stored(b"big")) in (bytes, type(None))  # never tiered


def test_tiering_max_size_stops_tiering_and_eviction_takes_over(tiered, capsys):
    e = tiered(maxmemory="2mb", **{"tiering-max-size": "200kb"})
    for i in range(6000):
        e.execute("SET", "k%d" % i, _value(i))
    info = _info(e)
    assert info["tiering_state"] == "full" and info["tiering_accepting"] == "0"
    assert int(info["tiering_disk_bytes"]) < 200 * 1024 + 1024
    assert int(_info(e, "stats")["evicted_keys"]) > 0
    assert "Data tiering stopped: tiering-max-size" in capsys.readouterr().err
    # what is on disk still reads back
    tiered_keys = [k for k in e.dbs[0].table.keys()
                   if type(e.dbs[0].peek_stored(k)) is TieredRef]
    assert tiered_keys
    for k in tiered_keys[:50]:
        assert e.execute("GET", k) == _value(int(k[1:]))


def test_disk_full_error_stops_tiering_without_a_crash(tiered, capsys):
    """/dev/full answers every write with ENOSPC: a full disk, simulated."""
    e = tiered(maxmemory="2mb")
    store = e.tiering
    seg = store.active
    os.close(seg.fd)
    seg.fd = os.open("/dev/full", os.O_WRONLY)
    for i in range(6000):
        assert e.execute("SET", "k%d" % i, _value(i)) == "OK"
    info = _info(e)
    assert info["tiering_state"] == "full"
    assert int(info["tiering_write_errors"]) >= 1 and info["tiering_keys"] == "0"
    assert "No space left on device" in info["tiering_last_error"]
    assert int(_info(e, "stats")["evicted_keys"]) > 0
    assert "Data tiering stopped" in capsys.readouterr().err
    assert e.used_memory() <= 2 * 1024 * 1024 + 1000


def test_stale_directories_of_dead_processes_are_removed(tmp_path):
    stale = tmp_path / "strata-tiering-999999999-7000-abcd"
    stale.mkdir()
    (stale / "seg-000000.dat").write_bytes(b"x" * 100)
    e = _tiered(tmp_path)
    try:
        assert not stale.exists()
        assert os.path.isdir(e.tiering.dir)
    finally:
        e.tiering.close()
    assert not os.path.exists(e.tiering.dir)


def test_full_sync_payload_carries_tiered_values(tiered):
    """A replica's initial RDB (engine/replication/snapshot.py) holds the values, not refs."""
    from engine.replication import snapshot
    opts = {"enable-debug-command": "yes"}
    e = tiered(**opts)
    for i in range(200):
        e.execute("SET", "k%d" % i, _value(i))
        e.execute("RPUSH", "l%d" % (i % 10), _value(i))
    _tier_everything(e)
    payload = snapshot.dump(e, "0" * 40, 0)
    replica = Engine(**opts)
    assert snapshot.load(replica, payload) == 210
    assert replica.execute("DEBUG", "DIGEST") == e.execute("DEBUG", "DIGEST")
