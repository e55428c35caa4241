"""Deterministic eviction behaviour, differential against redis-server 7: noeviction's OOM
for denyoom commands (and inside MULTI), volatile-* policies only touching keys with a
TTL, volatile-ttl's order, the evicted_keys stat and the ``evicted`` keyspace event.

``maxmemory 1`` puts both servers over the limit whatever their own accounting says, so
what happens next does not depend on how many bytes each one counts per key."""

import time

import pytest

from tests.support.raw import RawClient


def _info_field(client, section, name):
    text = client.call("INFO", section).decode()
    for line in text.split("\r\n"):
        if line.startswith(name + ":"):
            return line.split(":", 1)[1]
    raise AssertionError("no %s in INFO %s" % (name, section))


def _wait_evictions(client, want, timeout=5.0):
    """Eviction runs from the event loop after CONFIG SET maxmemory (both servers)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if int(_info_field(client, "stats", "evicted_keys")) >= want:
            return
        time.sleep(0.02)


def _sorted_keys(client):
    reply = client.call("KEYS", "*")
    lines = reply.split(b"\r\n")
    return sorted(lines[i] for i in range(2, len(lines) - 1, 2))


def test_noeviction_denies_denyoom_commands(mdiff):
    before = [_info_field(c, "stats", "evicted_keys") for c in (mdiff.s, mdiff.o)]
    mdiff.check("SET", "a", "1")
    mdiff.check("RPUSH", "l", "x", "y")
    mdiff.check("CONFIG", "SET", "maxmemory-policy", "noeviction")
    mdiff.check("CONFIG", "SET", "maxmemory", "1")
    for cmd in (("SET", "b", "2"), ("INCR", "a"), ("APPEND", "a", "z"),
                ("LPUSH", "l", "z"), ("HSET", "h", "f", "v"), ("SADD", "s", "m"),
                ("ZADD", "z", "1", "m"), ("SETEX", "c", "10", "v"),
                ("MSET", "x", "1", "y", "2"), ("XADD", "st", "*", "f", "v"),
                ("PFADD", "hll", "a"), ("SETRANGE", "a", "0", "q"),
                ("RESTORE", "r", "0", "x"), ("BITFIELD", "bf", "SET", "u8", "0", "1")):
        got = mdiff.check(*cmd)
        assert got.startswith(b"-OOM "), cmd
    assert mdiff.check("SET", "b", "2") == \
        b"-OOM command not allowed when used memory > 'maxmemory'.\r\n"
    # reads, deletes and writes that only free memory still run
    for cmd in (("GET", "a"), ("LRANGE", "l", "0", "-1"), ("EXISTS", "a"),
                ("EXPIRE", "a", "100"), ("LPOP", "l"), ("DEL", "l"), ("DBSIZE",),
                ("BITFIELD_RO", "bf", "GET", "u8", "0"), ("PERSIST", "a")):
        mdiff.check(*cmd)
    # nothing was evicted under noeviction
    assert [_info_field(c, "stats", "evicted_keys") for c in (mdiff.s, mdiff.o)] == before


def test_noeviction_oom_inside_multi(mdiff):
    mdiff.check("CONFIG", "SET", "maxmemory", "1")
    mdiff.check("MULTI")
    mdiff.check("GET", "a")          # any queued command is refused while over the limit
    mdiff.check("DEL", "a")
    mdiff.check("EXEC")
    mdiff.check("CONFIG", "SET", "maxmemory", "0")
    mdiff.check("MULTI")
    mdiff.check("SET", "a", "1")
    mdiff.check("EXEC")


@pytest.mark.parametrize("policy", ["volatile-lru", "volatile-lfu", "volatile-random",
                                    "volatile-ttl"])
def test_volatile_policies_only_evict_keys_with_ttl(mdiff, policy):
    stats_before = [int(_info_field(c, "stats", "evicted_keys")) for c in (mdiff.s, mdiff.o)]
    for i in range(20):
        mdiff.check("SET", "keep:%d" % i, "v" * 50)
        mdiff.check("SET", "vol:%d" % i, "v" * 50, "EX", 1000 + i)
    mdiff.check("HSET", "keep:hash", "f", "v")
    mdiff.check("CONFIG", "SET", "maxmemory-policy", policy)
    mdiff.check("CONFIG", "SET", "maxmemory", "1")
    for c, before in zip((mdiff.s, mdiff.o), stats_before):
        _wait_evictions(c, before + 20)
    # every volatile key went, no other did; then nothing is left to evict
    assert mdiff.check("SET", "new", "1").startswith(b"-OOM ")
    assert _sorted_keys(mdiff.s) == _sorted_keys(mdiff.o)
    assert len(_sorted_keys(mdiff.s)) == 21
    mdiff.check("DBSIZE")
    for c, before in zip((mdiff.s, mdiff.o), stats_before):
        assert int(_info_field(c, "stats", "evicted_keys")) - before == 20


@pytest.mark.parametrize("policy", ["allkeys-lru", "allkeys-lfu", "allkeys-random"])
def test_allkeys_policies_evict_everything(mdiff, policy):
    for i in range(30):
        mdiff.check("SET", "k:%d" % i, "v" * 50)
    mdiff.check("CONFIG", "SET", "maxmemory-policy", policy)
    mdiff.check("CONFIG", "SET", "maxmemory", "1")
    # the write that finds the server over the limit evicts what it can, then is refused
    mdiff.check("SET", "new", "1")
    mdiff.check("DBSIZE")


def _subscribe_evicted(server):
    sub = RawClient(server.host, server.port)
    sub.call("SUBSCRIBE", "__keyevent@0__:evicted")
    return sub


def test_volatile_ttl_order_and_evicted_events(mdiff):
    """With every volatile key in the pool (12 keys, 64 samples), volatile-ttl evicts the
    soonest-expiring first: the ``evicted`` events come in TTL order on both servers."""
    ttls = [5000, 3000, 9000, 1000, 7000, 2000, 8000, 4000, 6000, 11000, 10000, 12000]
    for i, ttl in enumerate(ttls):
        mdiff.check("SET", "v%02d" % i, "x" * 20, "EX", ttl)
    mdiff.check("SET", "persistent", "x")
    mdiff.check("CONFIG", "SET", "notify-keyspace-events", "Ee")
    mdiff.check("CONFIG", "SET", "maxmemory-samples", "64")
    mdiff.check("CONFIG", "SET", "maxmemory-policy", "volatile-ttl")
    subs = [_subscribe_evicted(srv) for srv in (mdiff.strata_server, mdiff.oracle_server)]
    try:
        mdiff.check("CONFIG", "SET", "maxmemory", "1")
        events = []
        for sub in subs:
            events.append([sub.read_reply() for _ in ttls])
        assert events[0] == events[1]
        order = [e.split(b"\r\n")[-2] for e in events[0]]
        want = [b"v%02d" % i for i, _ in sorted(enumerate(ttls), key=lambda p: p[1])]
        assert order == want
    finally:
        for sub in subs:
            sub.close()
    mdiff.check("KEYS", "*")


def test_lfu_counter_deterministic_steps(mdiff):
    """The LFU log counter: new keys start at 5, the first access always counts, and with
    lfu-log-factor 0 every access does (the steps that do not depend on random())."""
    mdiff.check("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu")
    mdiff.check("SET", "k", "v")
    mdiff.check("OBJECT", "FREQ", "k")
    mdiff.check("GET", "k")
    mdiff.check("OBJECT", "FREQ", "k")
    mdiff.check("CONFIG", "SET", "lfu-log-factor", "0")
    mdiff.check("SET", "j", "v")
    for _ in range(12):
        mdiff.check("GET", "j")
    assert mdiff.check("OBJECT", "FREQ", "j") == b":17\r\n"
    mdiff.check("CONFIG", "SET", "maxmemory-policy", "allkeys-lru")
    mdiff.check("OBJECT", "FREQ", "j")   # the error outside an LFU policy
