"""INFO memory and the MEMORY command against redis-server 7: the field names Redis
reports, MEMORY USAGE's replies and errors, MEMORY STATS's keys, MEMORY DOCTOR's text."""

import re

from engine import Engine
from tests.support.diff import Differential
from tests.support.servers import start_redis


def _fields(reply):
    lines = reply.decode().split("\r\n")[1:]
    return [line.split(":", 1)[0] for line in lines if ":" in line and not line.startswith("#")]


def test_info_memory_field_names(mdiff):
    s, o = mdiff.both("INFO", "memory")
    missing = [f for f in _fields(o) if f not in _fields(s)]
    assert not missing, missing


def test_info_memory_values_consistent(mdiff):
    mdiff.check("CONFIG", "SET", "maxmemory", "123mb")
    mdiff.check("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu")
    text = mdiff.s.call("INFO", "memory").decode()
    f = dict(line.split(":", 1) for line in text.split("\r\n") if ":" in line)
    assert f["maxmemory"] == str(123 * 1024 * 1024)
    assert f["maxmemory_human"] == "123.00M"
    assert f["maxmemory_policy"] == "allkeys-lfu"
    used = int(f["used_memory"])
    assert int(f["used_memory_peak"]) >= used
    assert int(f["used_memory_rss"]) > 0
    assert re.fullmatch(r"\d+(\.\d+)?[BKMG]", f["used_memory_human"])
    assert int(f["used_memory_dataset"]) + int(f["used_memory_overhead"]) == used
    assert float(f["mem_fragmentation_ratio"]) > 0


def test_memory_usage_replies(mdiff):
    mdiff.check("MEMORY", "USAGE", "missing")
    mdiff.check("SET", "k", "v")
    for args in (("SAMPLES",), ("SAMPLES", "x"), ("SAMPLES", "-1"), ("FOO", "1"),
                 ("SAMPLES", "5", "EXTRA")):
        mdiff.check("MEMORY", "USAGE", "k", *args)
    mdiff.check("MEMORY", "USAGE")
    got = mdiff.s.call("MEMORY", "USAGE", "k", "SAMPLES", "0")
    assert got.startswith(b":") and int(got[1:]) > 0


def test_memory_usage_grows_with_the_value(r):
    r.set("small", "x")
    r.set("big", "x" * 10000)
    r.hset("h", mapping={"f%d" % i: "v" * 100 for i in range(100)})
    small, big, h = (r.memory_usage(k) for k in ("small", "big", "h"))
    assert small < 400 and 10000 <= big - small < 10300
    assert 100 * 100 < h < 100 * 400


def test_memory_stats_keys(mdiff):
    mdiff.check("SET", "k", "v")
    import redis
    names = []
    for srv in (mdiff.strata_server, mdiff.oracle_server):
        client = redis.Redis(host=srv.host, port=srv.port)
        names.append(set(client.memory_stats()))
        client.close()
    want = {n for n in names[1] if not n.startswith("db.")}
    assert want <= names[0], want - names[0]
    assert "db.0" in names[0]


def test_memory_doctor_empty(strata_server):
    # a fresh oracle: the session's shared one may have grown past "empty" (its RSS and
    # fragmentation after earlier tests change what its doctor says)
    oracle = start_redis()
    try:
        d = Differential(strata_server, oracle)
        try:
            d.check("FLUSHALL")
            d.check("MEMORY", "DOCTOR")
        finally:
            d.close()
    finally:
        oracle.stop()


def test_memory_doctor_and_stats_in_process():
    e = Engine()
    for i in range(60000):
        e.execute("SET", "k%d" % i, "v" * 200)
    stats = e.execute("MEMORY", "STATS")
    assert stats[b"keys.count"] == 60000
    assert stats[b"total.allocated"] == e.used_memory()
    assert 200 < stats[b"keys.bytes-per-key"] < 600
    doctor = e.execute("MEMORY", "DOCTOR")
    assert b"I can't find any memory issue" in bytes(doctor)
    e.execute("FLUSHALL")
    for i in range(9000):
        e.execute("SET", "k%d" % i, "v" * 600)
    assert b"Peak memory" in bytes(e.execute("MEMORY", "DOCTOR"))
