"""Helpers for the persistence tests: dataset fingerprints that compare a Strata engine with
a Redis server key by key, a generator of every type and encoding, and redis-check-rdb /
DEBUG RELOAD plumbing for the oracle."""

import os
import shutil
import subprocess
import tempfile
import time
from typing import Any, Callable, Dict

from tests.support.servers import require_binary

__all__ = ["dataset", "fill", "engine_call", "redis_call", "load_into_redis",
           "check_rdb", "assert_same", "save_redis"]


def redis_call(client) -> Callable[..., Any]:
    def call(*args):
        return client.execute_command(*args, **{"NEVER_DECODE": True})
    return call


def engine_call(engine) -> Callable[..., Any]:
    c = engine.client(resp=2)

    def call(*args):
        from engine.engine import to_python
        from engine.engine import _to_bytes
        engine.update_clock()
        engine.now_ms = int(time.time() * 1000)
        return to_python(engine.call(c, [_to_bytes(a) for a in args]))
    return call


def _b(x: Any) -> Any:
    if isinstance(x, str):
        return x.encode()
    return x


def _pairs(reply: Any) -> list:
    if isinstance(reply, dict):
        return sorted((_b(k), _b(v)) for k, v in reply.items())
    reply = [_b(x) for x in reply]
    return sorted(zip(reply[0::2], reply[1::2]))


def _score(x: Any) -> float:
    return float(x)


def _stream_fingerprint(call: Callable[..., Any], key: bytes) -> Any:
    entries = call("XRANGE", key, "-", "+")
    info = call("XINFO", "STREAM", key)
    info = dict(zip(info[0::2], info[1::2])) if isinstance(info, list) else info
    keep = {}
    for k in (b"length", b"last-generated-id", b"max-deleted-entry-id", b"entries-added",
              b"recorded-first-entry-id", b"groups"):
        keep[k] = _b(info.get(k, info.get(k.decode())))
    groups = []
    for g in call("XINFO", "GROUPS", key):
        g = dict(zip(g[0::2], g[1::2])) if isinstance(g, list) else g
        g = {_b(k): _b(v) for k, v in g.items()}
        name = g[b"name"]
        pending = call("XPENDING", key, name, "-", "+", 1000)
        pend = [(p[0], p[1], p[3]) for p in pending]  # id, consumer, deliveries (not idle)
        consumers = []
        for cinfo in call("XINFO", "CONSUMERS", key, name):
            cinfo = dict(zip(cinfo[0::2], cinfo[1::2])) if isinstance(cinfo, list) else cinfo
            cinfo = {_b(k): _b(v) for k, v in cinfo.items()}
            consumers.append((cinfo[b"name"], cinfo[b"pending"]))
        groups.append((name, g[b"last-delivered-id"], g.get(b"entries-read"), g.get(b"lag"),
                       g[b"pending"], sorted(consumers), pend))
    return ([(e[0], list(e[1])) for e in entries], keep, sorted(groups))


def dataset(call: Callable[..., Any], dbs: int = 16) -> Dict[int, Dict[bytes, Any]]:
    """{db: {key: (type, ttl bucket, content)}} through the commands both servers speak."""
    out: Dict[int, Dict[bytes, Any]] = {}
    for db in range(dbs):
        call("SELECT", db)
        keys = call("KEYS", "*")
        if not keys:
            continue
        here = out[db] = {}
        for key in keys:
            key = _b(key)
            t = _b(call("TYPE", key))
            ttl = call("PTTL", key)
            if t == b"string":
                content: Any = _b(call("GET", key))
            elif t == b"list":
                content = [_b(x) for x in call("LRANGE", key, 0, -1)]
            elif t == b"hash":
                content = _pairs(call("HGETALL", key))
            elif t == b"set":
                content = sorted(_b(x) for x in call("SMEMBERS", key))
            elif t == b"zset":
                flat = call("ZRANGE", key, 0, -1, "WITHSCORES")
                if flat and isinstance(flat[0], list):
                    flat = [x for pair in flat for x in pair]
                content = [(_b(m), _score(s)) for m, s in zip(flat[0::2], flat[1::2])]
            elif t == b"stream":
                content = _stream_fingerprint(call, key)
            else:
                content = None
            here[key] = (t, ttl, content)
    call("SELECT", 0)
    return out


def assert_same(a: Dict[int, Dict[bytes, Any]], b: Dict[int, Dict[bytes, Any]]) -> None:
    """Two datasets hold the same keys, types, contents, and TTLs within 5 seconds."""
    assert sorted(a) == sorted(b), "databases differ"
    for db in a:
        assert sorted(a[db]) == sorted(b[db]), "keys of db %d differ" % db
        for key, (t, ttl, content) in a[db].items():
            t2, ttl2, content2 = b[db][key]
            assert t == t2, (db, key)
            assert (ttl == -1) == (ttl2 == -1) and abs(ttl - ttl2) < 5000, (db, key, ttl, ttl2)
            assert content == content2, (db, key, str(content)[:300], str(content2)[:300])


# ------------------------------------------------------------------ a varied dataset
def fill(call: Callable[..., Any], big: bool = True) -> None:
    """Every type, small and large (both encodings), with TTLs, in three databases."""
    n_big = 700 if big else 3
    call("SELECT", 0)
    call("SET", "str:small", "hello")
    call("SET", "str:int", "12345")
    call("SET", "str:negint", "-7")
    call("SET", "str:bigint", "9223372036854775807")
    call("SET", "str:notint", "007")
    call("SET", "str:empty", "")
    call("SET", "str:lzf", "abcabcabcabc" * 50)
    call("SET", "str:random", os.urandom(300))
    call("SET", "str:binary", b"\x00\xff\r\n" * 10)
    call("SET", "str:ttl", "soon", "EX", 3000)
    call("SET", "str:pttl", "later", "PX", 86_400_000)
    call("RPUSH", "list:small", "a", "1", "-2", "bb" * 40, "")
    call("RPUSH", "list:big", *[("item-%d-" % i) * (1 + i % 7) for i in range(n_big * 3)])
    call("RPUSH", "list:ints", *range(-300, 300))
    call("HSET", "hash:small", "f1", "v1", "f2", "2", "f3", "")
    call("HSET", "hash:big", *[x for i in range(n_big) for x in ("field:%d" % i, "v%d" % i)])
    call("HSET", "hash:longval", "f", "x" * 100)
    call("EXPIRE", "hash:big", 5000)
    call("SADD", "set:intset", 1, 2, 3, -40000, 2 ** 40)
    call("SADD", "set:strings", "a", "b", "c")
    call("SADD", "set:big", *range(n_big))
    call("ZADD", "zset:small", 1, "a", 2.5, "b", -3, "c", "inf", "d", "-inf", "e", 0.1, "f",
         1e20, "g")
    call("ZADD", "zset:big", *[x for i in range(n_big // 2 + 200)
                                for x in (i * 1.5, "member:%d" % i)])
    call("ZADD", "zset:longmember", 1, "m" * 100)
    call("PFADD", "hll:small", "a", "b", "c")
    call("PFADD", "hll:dense", *["e%d" % i for i in range(3000 if big else 30)])
    call("XADD", "stream:plain", "1-1", "a", "1", "b", "2")
    call("XADD", "stream:plain", "1-2", "a", "3", "b", "4")
    call("XADD", "stream:plain", "2-0", "c", "5")
    call("XDEL", "stream:plain", "1-1")
    for i in range(n_big // 2 + 10):
        call("XADD", "stream:groups", "*", "f", i, "g", "v" * (i % 30))
    call("XGROUP", "CREATE", "stream:groups", "g1", "0")
    call("XREADGROUP", "GROUP", "g1", "alice", "COUNT", 5, "STREAMS", "stream:groups", ">")
    call("XREADGROUP", "GROUP", "g1", "bob", "COUNT", 3, "STREAMS", "stream:groups", ">")
    first = call("XRANGE", "stream:groups", "-", "+", "COUNT", 1)[0][0]
    call("XACK", "stream:groups", "g1", first)
    call("XGROUP", "CREATE", "stream:groups", "g2", "$")
    call("XGROUP", "CREATECONSUMER", "stream:groups", "g2", "idle")
    call("XADD", "stream:trimmed", "MAXLEN", "3", "*", "x", "1")
    for i in range(10):
        call("XADD", "stream:trimmed", "MAXLEN", "3", "*", "x", i)
    call("XADD", "stream:empty", "5-5", "k", "v")
    call("XDEL", "stream:empty", "5-5")
    call("SELECT", 1)
    call("SET", "in-db-1", "yes")
    call("LPUSH", "db1:list", "x")
    call("SELECT", 9)
    call("HSET", "db9:hash", "k", "v")
    call("EXPIRE", "db9:hash", 100000)
    call("SELECT", 0)


# ------------------------------------------------------------------ files and the oracle
def check_rdb(path: str) -> str:
    """redis-check-rdb's verdict (asserting it accepts the file)."""
    binary = require_binary("redis-check-rdb")
    out = subprocess.run([binary, path], capture_output=True, text=True, timeout=60)
    text = out.stdout + out.stderr
    assert "RDB looks OK" in text, text[-2000:]
    return text


def load_into_redis(oracle, path: str) -> None:
    """Make the oracle load ``path`` (its dump file replaced, DEBUG RELOAD NOSAVE)."""
    shutil.copyfile(path, os.path.join(oracle.dir, "dump.rdb"))
    oracle.client.execute_command("DEBUG", "RELOAD", "NOSAVE")


def save_redis(oracle) -> str:
    """SAVE on the oracle; the path of its dump file."""
    oracle.client.save()
    return os.path.join(oracle.dir, "dump.rdb")
