"""Helpers of the replication tests: a write load of every data type, dataset
comparison key by key (type, value, absolute expiry), waiting for a replica to catch up,
and sentinel processes."""

import os
import random
import sys
import threading
import time
from typing import Dict, List, Optional, Tuple

import redis

from tests.support.servers import ROOT, ServerProcess, free_port

DBS = (0, 3)


def client(srv, db: int = 0, **kw) -> redis.Redis:
    return redis.Redis(host="127.0.0.1", port=srv.port, db=db, socket_timeout=10, **kw)


def value_of(r: redis.Redis, key: bytes) -> Tuple[bytes, object, int]:
    """(type, value, absolute expiry in ms or -1) of one key."""
    t = r.type(key)
    if t == b"string":
        v: object = r.get(key)
    elif t == b"list":
        v = r.lrange(key, 0, -1)
    elif t == b"hash":
        v = sorted(r.hgetall(key).items())
    elif t == b"set":
        v = sorted(r.smembers(key))
    elif t == b"zset":
        v = r.zrange(key, 0, -1, withscores=True)
    elif t == b"stream":
        info = r.xinfo_stream(key)
        groups = []
        for g in sorted(r.xinfo_groups(key), key=lambda g: g["name"]):
            pel = [(e["message_id"], e["consumer"], e["times_delivered"])
                   for e in r.xpending_range(key, g["name"], "-", "+", 10000)]
            consumers = sorted((c["name"], c["pending"])
                               for c in r.xinfo_consumers(key, g["name"]))
            # not entries-read / lag: Redis 7.0 replicates XREADGROUP as XCLAIMs only,
            # which leave a replica's counter invalid (fixed in 7.2), Redis's own replicas too
            groups.append((g["name"], g["last-delivered-id"], pel, consumers))
        v = (r.xrange(key), info.get("last-generated-id"), info.get("entries-added"),
             info.get("max-deleted-entry-id"), groups)
    elif t == b"none":
        v = None
    else:
        v = r.dump(key)
    return t, v, r.execute_command("PEXPIRETIME", key)


def snapshot(srv) -> Dict[Tuple[int, bytes], tuple]:
    out = {}
    for db in DBS:
        r = client(srv, db)
        try:
            for key in r.scan_iter(count=1000):
                out[(db, key)] = value_of(r, key)
        finally:
            r.close()
    return out


def assert_same_dataset(a, b) -> None:
    sa, sb = snapshot(a), snapshot(b)
    # a key may expire between the two scans; ignore keys whose TTL is within 2 s of now
    now = int(time.time() * 1000)
    for d in (sa, sb):
        for k in [k for k, v in d.items() if v[0] == b"none"
                  or (v[2] >= 0 and v[2] - now < 2000)]:
            sa.pop(k, None)
            sb.pop(k, None)
    missing = sorted(set(sa) ^ set(sb))
    assert not missing, "keys on one side only: %r" % [
        (k, sa.get(k), sb.get(k), now) for k in missing[:10]]
    diff = [(k, sa[k], sb[k]) for k in sa if sa[k] != sb[k]]
    assert not diff, "%d keys differ, e.g. %r" % (len(diff), diff[:3])


def wait_caught_up(primary, replicas, timeout: float = 20.0) -> None:
    """Until every replica reports the primary's offset (WAIT, then INFO)."""
    p = client(primary)
    deadline = time.time() + timeout
    try:
        while time.time() < deadline:
            off = p.info("replication")["master_repl_offset"]
            offs = [client(r).info("replication").get("slave_repl_offset", -1)
                    for r in replicas]
            if all(o >= off for o in offs) and off > 0:
                return
            time.sleep(0.1)
        raise AssertionError("replicas did not catch up: primary %s, replicas %s"
                             % (off, offs))
    finally:
        p.close()


def wait_link_up(srv, timeout: float = 20.0) -> None:
    r = client(srv)
    deadline = time.time() + timeout
    while time.time() < deadline:
        info = r.info("replication")
        if info.get("master_link_status") == "up":
            r.close()
            return
        time.sleep(0.05)
    raise AssertionError("link never came up: %r" % r.info("replication"))


class WriteLoad:
    """A thread writing every data type (with TTLs, transactions, blocking pops served,
    random choices, two databases) until stopped."""

    def __init__(self, srv, seed: int = 1, rate_pause: float = 0.0) -> None:
        self.srv = srv
        self.rng = random.Random(seed)
        self.stop_flag = threading.Event()
        self.errors: List[BaseException] = []
        self.ops = 0
        self.pause = rate_pause
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> "WriteLoad":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        self.stop_flag.set()
        self.thread.join(30)
        if self.errors:
            raise self.errors[0]

    def _run(self) -> None:
        try:
            rs = [client(self.srv, db) for db in DBS]
            waiter = client(self.srv)
            while not self.stop_flag.is_set():
                r = rs[self.rng.random() < 0.2]
                pipe = r.pipeline(transaction=self.rng.random() < 0.2)
                for _ in range(20):
                    self._one(pipe)
                try:
                    pipe.execute(raise_on_error=False)
                except (redis.ExecAbortError, redis.OutOfMemoryError):
                    pass  # a transaction refused under maxmemory: nothing ran, nothing sent
                self.ops += 20
                if self.rng.random() < 0.05:  # a blocked pop served by a later push
                    k = "bl%d" % self.rng.randrange(3)
                    t = threading.Thread(target=lambda: waiter.blpop(k, timeout=1))
                    t.start()
                    time.sleep(0.01)
                    try:
                        rs[0].rpush(k, "x")
                    except redis.OutOfMemoryError:  # maxmemory and nothing left to evict
                        pass
                    t.join()
                if self.pause:
                    time.sleep(self.pause)
        except BaseException as e:  # noqa: BLE001
            self.errors.append(e)

    def _one(self, p) -> None:
        rng = self.rng
        n = rng.randrange(40)
        i = rng.randrange(10 ** 6)
        op = rng.randrange(44)
        if op == 0:
            p.set("s%d" % n, "v%d" % i)
        elif op == 1:
            p.set("s%d" % n, i, ex=rng.randrange(3, 100))
        elif op == 2:
            p.incrby("c%d" % n, rng.randrange(-5, 10))
        elif op == 3:
            p.append("s%d" % n, "x")
        elif op == 4:
            p.expire("s%d" % n, rng.randrange(3, 100))
        elif op == 5:
            p.persist("s%d" % n)
        elif op == 6:
            p.rpush("l%d" % n, *["e%d" % (i + j) for j in range(rng.randrange(1, 5))])
        elif op == 7:
            p.lpop("l%d" % n)
        elif op == 8:
            p.ltrim("l%d" % n, 0, 20)
        elif op == 9:
            p.hset("h%d" % n, mapping={"f%d" % rng.randrange(20): i, "g": "x"})
        elif op == 10:
            p.hincrby("h%d" % n, "ctr", 1)
        elif op == 11:
            p.hdel("h%d" % n, "f%d" % rng.randrange(20))
        elif op == 12:
            p.sadd("t%d" % n, *["m%d" % rng.randrange(50) for _ in range(3)])
        elif op == 13:
            p.spop("t%d" % n)
        elif op == 14:
            p.srem("t%d" % n, "m%d" % rng.randrange(50))
        elif op == 15:
            p.zadd("z%d" % n, {"m%d" % rng.randrange(50): rng.random() * 100})
        elif op == 16:
            p.zincrby("z%d" % n, 1.5, "m%d" % rng.randrange(50))
        elif op == 17:
            p.zpopmin("z%d" % n)
        elif op == 18:
            p.xadd("x%d" % (n % 5), {"f": i}, maxlen=50, approximate=False)
        elif op == 19:
            p.pfadd("p%d" % (n % 5), "a%d" % i)
        elif op == 20:
            p.setbit("b%d" % (n % 5), rng.randrange(1000), 1)
        elif op == 21:
            p.delete("s%d" % n, "l%d" % n)
        elif op == 22:
            p.getex("s%d" % n, px=rng.randrange(3000, 90000))
        elif op == 23:
            p.set("short%d" % n, i, px=rng.randrange(50, 400))  # expire during the load
        elif op == 24:
            p.incrbyfloat("f%d" % n, rng.random())               # propagated as SET
        elif op == 25:
            p.hincrbyfloat("h%d" % n, "fl", 0.25)
        elif op == 26:
            p.lmove("l%d" % n, "l%d" % rng.randrange(40), "LEFT", "RIGHT")
        elif op == 27:
            p.smove("t%d" % n, "t%d" % rng.randrange(40), "m%d" % rng.randrange(50))
        elif op == 28:
            p.zunionstore("zu%d" % (n % 5), ["z%d" % n, "z%d" % rng.randrange(40)])
        elif op == 29:
            p.geoadd("g%d" % (n % 5), [rng.uniform(-180, 180), rng.uniform(-85, 85),
                                       "p%d" % rng.randrange(30)])
        elif op == 30:
            p.geosearchstore("gs%d" % (n % 5), "g%d" % (n % 5), longitude=0, latitude=0,
                             radius=8000, unit="km")
        elif op == 31:  # consumer groups: created, read, acknowledged, claimed
            p.xgroup_create("x%d" % (n % 5), "g%d" % (n % 2), id="0", mkstream=True)
        elif op == 32:
            p.xreadgroup("g%d" % (n % 2), "c%d" % rng.randrange(3), {"x%d" % (n % 5): ">"},
                         count=3)
        elif op == 33:
            p.execute_command("XACK", "x%d" % (n % 5), "g%d" % (n % 2),
                              "%d-0" % rng.randrange(10 ** 9))
        elif op == 34:
            p.xautoclaim("x%d" % (n % 5), "g%d" % (n % 2), "c%d" % rng.randrange(3), 0,
                         count=2)
        elif op == 35:
            p.xtrim("x%d" % (n % 5), maxlen=20, approximate=False)
        elif op == 36:  # a script: its effects replicate, wrapped in MULTI/EXEC
            p.eval(SCRIPT, 3, "c%d" % n, "h%d" % n, "t%d" % n, i)
        elif op == 37:
            p.eval("local t = redis.call('TIME') "
                   "return redis.call('SET', KEYS[1], t[1] .. ':' .. t[2])", 1, "s%d" % n)
        elif op == 38:
            if rng.random() < 0.1:  # rarer: a merge of sparse HLLs is slow in Strata
                p.pfmerge("p%d" % (n % 5), "p%d" % rng.randrange(5))
            else:
                p.pfadd("p%d" % (n % 5), "b%d" % i)
        elif op == 39:
            p.pexpireat("l%d" % n, int(time.time() * 1000) + rng.randrange(3000, 60000))
        elif op == 40:
            p.setrange("s%d" % n, rng.randrange(8), "r")
        elif op == 41:
            p.bitop("OR", "bo%d" % (n % 3), "b%d" % (n % 5), "b%d" % rng.randrange(5))
        elif op == 42:
            p.copy("h%d" % n, "hc%d" % n, replace=True)
        else:
            p.zadd("z%d" % n, {"m%d" % rng.randrange(50): 1}, incr=True)


# a script with a random effect (SPOP): replicas must get its effects, not the script
SCRIPT = """
local n = redis.call('INCR', KEYS[1])
redis.call('HSET', KEYS[2], 'n', n, 'arg', ARGV[1])
redis.call('SADD', KEYS[3], 'a', 'b', 'c')
redis.call('SPOP', KEYS[3])
return n
"""


def start_sentinels(master_port: int, n: int = 3, down_after: int = 1000,
                    failover_timeout: int = 5000) -> List[ServerProcess]:
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    out = []
    for _ in range(n):
        port = free_port()
        argv = [sys.executable, "-m", "engine", "--sentinel", "--port", str(port),
                "--sentinel", "monitor", "mymaster", "127.0.0.1", str(master_port), "2",
                "--sentinel", "down-after-milliseconds", "mymaster", str(down_after),
                "--sentinel", "failover-timeout", "mymaster", str(failover_timeout)]
        out.append(ServerProcess("sentinel", argv, port, env))
    return out


def stop_all(*servers: Optional[ServerProcess]) -> None:
    for s in servers:
        if s is not None:
            try:
                s.stop()
            except Exception:  # noqa: BLE001
                pass
