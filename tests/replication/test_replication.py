"""Replication with real redis-server 7 both ways, chained replicas, partial resync after a
cut link, WAIT, min-replicas-to-write, READONLY / MASTERDOWN, ROLE and INFO, FAILOVER."""

import os
import socket
import threading
import time

import pytest
import redis

from tests.support.servers import free_port, start_redis, start_strata

from .helpers import (WriteLoad, assert_same_dataset, client, stop_all, wait_caught_up,
                      wait_link_up)

pytestmark = pytest.mark.oracle

FAST_SYNC = ["--repl-diskless-sync-delay", "0"]


def _replica_of(primary):
    return ["--replicaof", "127.0.0.1", str(primary.port)]


def fields(srv) -> list:
    """INFO replication's field names, in order (slaveN as slave)."""
    names = list(client(srv).info("replication"))
    return [n if not (n.startswith("slave") and n[5:].isdigit()) else "slave" for n in names]


def evict_from_now_on(r: redis.Redis) -> None:
    """3000 more keys, then maxmemory below what is used: keys are evicted (DEL for the
    replicas) from now on, while the load goes on, with plenty left to evict."""
    pipe = r.pipeline(transaction=False)
    for i in range(3000):
        pipe.set("fill:%d" % i, "x" * 100)
    pipe.execute()
    r.config_set("maxmemory-policy", "allkeys-random")
    r.config_set("maxmemory", r.info("memory")["used_memory"] - 150 * 1024)


def test_real_redis_replica_of_strata_primary(heavy_impl):
    """A real Redis replica of a Strata primary keeps the same content under a write
    load of every type (evictions included), and resumes with +CONTINUE after its link is
    cut; INFO replication names the same fields as a Redis primary's."""
    p = rep = m2 = rep2 = None
    try:
        p = start_strata(heavy_impl, FAST_SYNC)
        P = client(p)
        P.execute_command("DEBUG", "POPULATE", 50000)  # a snapshot of many event-loop turns
        with WriteLoad(p, seed=11):
            time.sleep(0.3)
            rep = start_redis(_replica_of(p))  # the full sync runs while the load writes
            wait_link_up(rep)
            evict_from_now_on(P)
            time.sleep(0.7)
            assert P.client_kill_filter(_type="replica") == 1  # cut the link
            time.sleep(1.0)
        P.config_set("maxmemory", "0")  # no eviction behind the comparison's back
        for i in range(0, 50000, 2000):  # the comparison reads the load's keys only
            P.unlink(*["key:%d" % j for j in range(i, i + 2000)])
        wait_link_up(rep)
        wait_caught_up(p, [rep])
        assert P.info("stats")["sync_partial_ok"] >= 1
        assert P.info("stats")["sync_full"] == 1
        assert P.info("stats")["evicted_keys"] > 0
        assert_same_dataset(p, rep)
        info = P.info("replication")
        assert info["connected_slaves"] == 1
        assert info["slave0"]["state"] == "online"
        m2 = start_redis(FAST_SYNC)
        rep2 = start_redis(_replica_of(m2))
        wait_link_up(rep2)
        client(m2).set("x", 1)
        wait_caught_up(m2, [rep2])
        assert fields(p) == fields(m2)
    finally:
        stop_all(p, rep, m2, rep2)


def test_strata_replica_of_real_redis_primary(heavy_impl):
    """A Strata replica of a real Redis primary: same content under a write load of every
    type (the primary's evictions included; the replica ignores its own maxmemory),
    partial resync after CLIENT KILL TYPE master, exact offsets, INFO fields as a Redis
    replica's; then a full resync from disk ($<length> framing)."""
    m = rep = red = None
    try:
        m = start_redis(FAST_SYNC)
        M = client(m)
        M.rpush("before", 1, 2, 3)
        rep = start_strata(heavy_impl, _replica_of(m))
        red = start_redis(_replica_of(m))
        wait_link_up(rep)
        R = client(rep)
        R.config_set("maxmemory", "100kb")  # replica-ignore-maxmemory: the master evicts
        # paced: a real Redis primary takes writes faster than a Python replica applies
        # this mix of them
        with WriteLoad(m, seed=22, rate_pause=0.004):
            time.sleep(0.5)
            evict_from_now_on(M)
            time.sleep(0.6)
            assert R.client_kill_filter(_type="master") == 1
            time.sleep(1.0)
        M.config_set("maxmemory", "0")  # no eviction behind the comparison's back
        wait_link_up(rep)
        wait_caught_up(m, [rep, red])
        assert M.info("stats")["sync_partial_ok"] >= 1
        assert M.info("stats")["evicted_keys"] > 0
        assert R.info("stats")["evicted_keys"] == 0
        assert_same_dataset(m, rep)
        assert R.info("replication")["master_repl_offset"] == \
            M.info("replication")["master_repl_offset"]
        assert fields(rep) == fields(red)
        kinds = [e[1] for e in R.execute_command("STRATA.EVENTS")]
        assert b"sync-full" in kinds and b"sync-partial" in kinds
        # a history of our own (a write while promoted) makes the master send everything
        # again, from disk this time
        M.config_set("repl-diskless-sync", "no")
        R.config_set("maxmemory", "0")
        R.execute_command("REPLICAOF", "NO", "ONE")
        R.set("local-only", 1)
        full = M.info("stats")["sync_full"]
        R.execute_command("REPLICAOF", "127.0.0.1", m.port)
        wait_link_up(rep)
        wait_caught_up(m, [rep])
        assert M.info("stats")["sync_full"] == full + 1
        assert R.exists("local-only") == 0
        assert_same_dataset(m, rep)
    finally:
        stop_all(m, rep, red)


def test_chained_replicas_keep_the_replid(heavy_impl):
    """primary -> replica -> sub-replica (and a real Redis under the replica): one
    history (same replid and offset everywhere); promoting the middle one lets the
    sub-replica continue with +CONTINUE."""
    p = mid = sub = red = None
    try:
        p = start_strata(heavy_impl, FAST_SYNC)
        mid = start_strata(heavy_impl, _replica_of(p) + FAST_SYNC)
        wait_link_up(mid)
        sub = start_strata(heavy_impl, _replica_of(mid))
        red = start_redis(_replica_of(mid))
        wait_link_up(sub)
        wait_link_up(red)
        with WriteLoad(p, seed=33):
            time.sleep(1.0)
        wait_caught_up(p, [mid])
        wait_caught_up(mid, [sub, red])
        ids = {client(s).info("replication")["master_replid"] for s in (p, mid, sub, red)}
        assert len(ids) == 1
        assert_same_dataset(p, sub)
        assert_same_dataset(p, red)
        MID = client(mid)
        assert MID.execute_command("REPLICAOF", "NO", "ONE") == b"OK"
        info = MID.info("replication")
        assert info["role"] == "master" and info["master_replid2"] == ids.pop()
        MID.set("after-promotion", 1)
        wait_link_up(sub)
        wait_link_up(red)
        wait_caught_up(mid, [sub, red])
        assert client(sub).get("after-promotion") == b"1"
        assert MID.info("stats")["sync_partial_ok"] >= 2  # both continued
        assert client(sub).info("replication")["master_replid"] == info["master_replid"]
    finally:
        stop_all(p, mid, sub, red)


def test_smoke_both_builds(any_impl):
    """Both builds: a Strata replica and a real Redis replica of a Strata primary, synced
    from disk ($<length> framing, the RDB also saved as dump.rdb); the deterministic forms
    of relative expiries, MULTI/EXEC, SPOP and two databases; PINGs to the replicas; an
    announced address; an expired key a replica reads stays until the primary's DEL."""
    p = rep = red = None
    try:
        p = start_strata(any_impl, FAST_SYNC + ["--repl-diskless-sync", "no",
                                                "--repl-ping-replica-period", "1"])
        rep = start_strata(any_impl, _replica_of(p) + ["--replica-announce-ip", "127.0.0.9"])
        red = start_redis(_replica_of(p))
        wait_link_up(rep)
        wait_link_up(red)
        P = client(p)
        syncs = [e[2] for e in P.execute_command("STRATA.EVENTS") if e[1] == b"sync-full"]
        assert len(syncs) == 2 and all(b"(disk)" in m for m in syncs), syncs
        assert os.path.getsize(os.path.join(p.cwd, "dump.rdb")) > 0
        P.set("ex", "v", ex=1000)
        P.expire("ex", 500)
        P.sadd("set", *range(20))
        P.spop("set", 3)
        tx = P.pipeline(transaction=True)
        tx.incr("n").lpush("list", "a", "b").hset("h", "f", "v")
        tx.execute()
        client(p, 3).set("db3", "x")
        P.set("gone", 1, px=100)
        time.sleep(0.3)
        P.get("gone")  # lazily expired: a DEL for the replicas
        assert P.wait(2, 5000) == 2
        for r in (rep, red):
            R = client(r)
            assert R.execute_command("PEXPIRETIME", "ex") == \
                P.execute_command("PEXPIRETIME", "ex")
            assert R.exists("gone") == 0
        assert_same_dataset(p, rep)
        assert_same_dataset(p, red)
        role = P.role()
        assert role[0] == b"master" and len(role[2]) == 2
        assert b"127.0.0.9" in [r[0] for r in role[2]]
        # replicas read an expired key as missing but keep it for the primary's DEL
        P.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0")
        P.set("lazy", 1, px=100)
        assert P.wait(2, 5000) == 2
        time.sleep(0.2)
        for r in (rep, red):
            R = client(r)
            assert R.get("lazy") is None and R.dbsize() == P.dbsize()
        P.get("lazy")
        # with no writes the offset still moves: a PING a second keeps the links alive
        off = P.info("replication")["master_repl_offset"]
        time.sleep(1.3)
        assert P.info("replication")["master_repl_offset"] >= off + 14
        wait_caught_up(p, [rep, red])
        for r in (rep, red):
            assert client(r).dbsize() == P.dbsize()
    finally:
        stop_all(p, rep, red)


def raw_reply(srv, *args) -> bytes:
    """The first line of the reply to one command, as sent."""
    with socket.create_connection(("127.0.0.1", srv.port), timeout=5) as sock:
        sock.sendall(_resp(*args))
        data = b""
        while b"\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
        return data.split(b"\r\n", 1)[0]


def _resp(*args) -> bytes:
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a.encode() if isinstance(a, str) else a
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


def test_wait_min_replicas_and_readonly(heavy_impl):
    """NOREPLICAS, READONLY, MASTERDOWN (with Redis's exact texts), WAIT, INFO fields."""
    p = rep = red = None
    try:
        p = start_strata(heavy_impl, FAST_SYNC)
        P = client(p)
        assert P.wait(0, 0) == 0
        assert P.wait(1, 100) == 0                      # nobody to acknowledge
        P.config_set("min-replicas-to-write", "1")
        with pytest.raises(redis.ResponseError, match="^NOREPLICAS Not enough good replicas"):
            P.set("k", "v")
        noreplicas = raw_reply(p, "SET", "k", "v")
        rep = start_strata(heavy_impl, _replica_of(p) + ["--replica-serve-stale-data", "no"])
        wait_link_up(rep)
        deadline = time.time() + 5
        while time.time() < deadline:  # the replica's first ACK makes it good
            try:
                P.set("k", "v")
                break
            except redis.ResponseError:
                time.sleep(0.05)
        t0 = time.time()
        assert P.wait(1, 2000) == 1
        assert time.time() - t0 < 0.5                   # GETACK answers at once
        R = client(rep)
        with pytest.raises(redis.ReadOnlyError):
            R.set("k", "x")
        assert R.get("k") == b"v"
        tx = R.pipeline(transaction=True)
        tx.set("k", "y")
        with pytest.raises(redis.ResponseError):
            tx.execute()
        role = R.role()
        assert role[0] == b"slave" and role[3] == b"connected"
        info = R.info("replication")
        for field in ("master_host", "master_port", "master_link_status",
                      "master_last_io_seconds_ago", "master_sync_in_progress",
                      "slave_read_repl_offset", "slave_repl_offset", "slave_priority",
                      "slave_read_only", "replica_announced", "connected_slaves",
                      "master_failover_state", "master_replid", "master_replid2",
                      "master_repl_offset", "second_repl_offset", "repl_backlog_active",
                      "repl_backlog_size", "repl_backlog_first_byte_offset",
                      "repl_backlog_histlen"):
            assert field in info, field
        assert P.info("replication")["min_slaves_good_slaves"] == 1
        with pytest.raises(redis.ResponseError, match="WAIT cannot be used with replica"):
            R.wait(1, 10)
        stop_all(p)  # the primary goes away: stale data is refused
        deadline = time.time() + 5
        while R.info("replication")["master_link_status"] == "up" and time.time() < deadline:
            time.sleep(0.05)
        with pytest.raises(redis.ResponseError, match="Link with MASTER is down"):
            R.get("k")
        assert R.info("replication")["master_link_status"] == "down"  # INFO is "stale"
        # the same refusals, byte for byte, from a real Redis in the same state
        red = start_redis(["--replicaof", "127.0.0.1", str(free_port()),
                           "--replica-serve-stale-data", "no"])
        for cmd in (("SET", "k", "x"), ("GET", "k"), ("WAIT", "1", "10")):
            assert raw_reply(rep, *cmd) == raw_reply(red, *cmd), cmd
        client(red).execute_command("REPLICAOF", "NO", "ONE")
        client(red).config_set("min-replicas-to-write", "1")
        assert raw_reply(red, "SET", "k", "v") == noreplicas
    finally:
        stop_all(p, rep, red)


def test_failover_command_switches_roles_without_losing_writes(heavy_impl):
    p = rep = None
    try:
        p = start_strata(heavy_impl, FAST_SYNC)
        rep = start_strata(heavy_impl, _replica_of(p))
        wait_link_up(rep)
        P, R = client(p), client(rep)
        for i in range(200):
            P.set("k%d" % i, i)
        acked = []  # writes the old primary answered OK while the roles switched
        stop = threading.Event()

        def load() -> None:
            W = client(p)
            i = 0
            while not stop.is_set():
                try:
                    W.set("w%d" % i, i)
                    acked.append(i)
                except redis.ReadOnlyError:
                    time.sleep(0.01)
                i += 1

        t = threading.Thread(target=load, daemon=True)
        t.start()
        time.sleep(0.3)
        with pytest.raises(redis.ResponseError, match="not a replica"):
            P.execute_command("FAILOVER", "TO", "127.0.0.1", "1")
        assert P.execute_command("FAILOVER", "TO", "127.0.0.1", str(rep.port),
                                 "TIMEOUT", "5000") == b"OK"
        deadline = time.time() + 10
        while time.time() < deadline and R.role()[0] != b"master":
            time.sleep(0.05)
        assert R.role()[0] == b"master"
        time.sleep(0.3)
        stop.set()
        t.join(5)
        wait_link_up(p)
        assert P.role()[0] == b"slave"
        assert P.info("replication")["master_failover_state"] == "no-failover"
        assert acked and R.dbsize() == 200 + len(acked)  # not one acknowledged write lost
        assert all(R.get("w%d" % i) == b"%d" % i for i in acked[-50:])
        R.set("new", "primary")
        wait_caught_up(rep, [p])
        assert P.get("new") == b"primary"
        assert R.info("stats")["sync_partial_ok"] >= 1   # the old primary continued
        with pytest.raises(redis.ResponseError, match="No failover in progress"):
            R.execute_command("FAILOVER", "ABORT")
    finally:
        stop_all(p, rep)


def _wait_role(srv, role: bytes, timeout: float = 10.0) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline and client(srv).role()[0] != role:
        time.sleep(0.05)
    assert client(srv).role()[0] == role


def test_failover_command_with_real_redis_both_ways(heavy_impl):
    """FAILOVER between a real Redis and Strata, each way: the target takes over with
    PSYNC ... FAILOVER and the old primary continues from it (+CONTINUE)."""
    m = s = None
    try:
        m = start_redis(FAST_SYNC)
        s = start_strata(heavy_impl, _replica_of(m) + FAST_SYNC)
        wait_link_up(s)
        M, S = client(m), client(s)
        M.set("a", 1)
        assert M.execute_command("FAILOVER", "TIMEOUT", "5000") == b"OK"   # Redis -> Strata
        _wait_role(s, b"master")
        _wait_role(m, b"slave")
        wait_link_up(m)
        S.set("b", 2)
        wait_caught_up(s, [m])
        assert M.get("b") == b"2" and S.info("stats")["sync_partial_ok"] == 1
        assert S.execute_command("FAILOVER", "TO", "127.0.0.1", m.port,     # Strata -> Redis
                                 "TIMEOUT", "5000") == b"OK"
        _wait_role(m, b"master")
        _wait_role(s, b"slave")
        wait_link_up(s)
        M.set("c", 3)
        wait_caught_up(m, [s])
        assert S.get("c") == b"3" and M.info("stats")["sync_partial_ok"] >= 1
        assert_same_dataset(m, s)
    finally:
        stop_all(m, s)
