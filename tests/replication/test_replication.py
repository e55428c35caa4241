"""Replication with real redis-server 7 both ways, chained replicas, partial resync after a
cut link, WAIT, min-replicas-to-write, READONLY / MASTERDOWN, ROLE and INFO, FAILOVER."""

import time

import pytest
import redis

from tests.support.servers import start_redis, start_strata

from .helpers import (WriteLoad, assert_same_dataset, client, stop_all, wait_caught_up,
                      wait_link_up)

pytestmark = pytest.mark.oracle

FAST_SYNC = ["--repl-diskless-sync-delay", "0"]


def _replica_of(primary):
    return ["--replicaof", "127.0.0.1", str(primary.port)]


def test_real_redis_replica_of_strata_primary(heavy_impl):
    """A real Redis replica of a Strata primary keeps the same content under a write
    load of every type, and resumes with +CONTINUE after its link is cut."""
    p = rep = None
    try:
        p = start_strata(heavy_impl, FAST_SYNC)
        P = client(p)
        P.set("before", "sync")
        rep = start_redis(_replica_of(p))
        wait_link_up(rep)
        with WriteLoad(p, seed=11):
            time.sleep(1.5)
            assert P.client_kill_filter(_type="replica") == 1  # cut the link
            time.sleep(1.5)
        wait_link_up(rep)
        wait_caught_up(p, [rep])
        assert P.info("stats")["sync_partial_ok"] >= 1
        assert P.info("stats")["sync_full"] == 1
        assert_same_dataset(p, rep)
        info = P.info("replication")
        assert info["connected_slaves"] == 1
        assert info["slave0"]["state"] == "online"
        assert client(rep).get("before") == b"sync"
    finally:
        stop_all(p, rep)


def test_strata_replica_of_real_redis_primary(heavy_impl):
    """A Strata replica of a real Redis primary: same content, partial resync after
    CLIENT KILL TYPE master, exact offsets."""
    m = rep = None
    try:
        m = start_redis(FAST_SYNC)
        M = client(m)
        M.rpush("before", 1, 2, 3)
        rep = start_strata(heavy_impl, _replica_of(m))
        wait_link_up(rep)
        R = client(rep)
        with WriteLoad(m, seed=22):
            time.sleep(1.5)
            assert R.client_kill_filter(_type="master") == 1
            time.sleep(1.5)
        wait_link_up(rep)
        wait_caught_up(m, [rep])
        assert M.info("stats")["sync_partial_ok"] >= 1
        assert_same_dataset(m, rep)
        assert R.info("replication")["master_repl_offset"] == \
            M.info("replication")["master_repl_offset"]
        kinds = [e[1] for e in R.execute_command("STRATA.EVENTS")]
        assert b"sync-full" in kinds and b"sync-partial" in kinds
    finally:
        stop_all(m, rep)


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
            time.sleep(1.5)
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
    """Both builds: a Strata replica and a real Redis replica of a Strata primary; the
    deterministic forms of relative expiries, MULTI/EXEC, SPOP and two databases."""
    p = rep = red = None
    try:
        p = start_strata(any_impl, FAST_SYNC)
        rep = start_strata(any_impl, _replica_of(p))
        red = start_redis(_replica_of(p))
        wait_link_up(rep)
        wait_link_up(red)
        P = client(p)
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
    finally:
        stop_all(p, rep, red)


def test_wait_min_replicas_and_readonly(heavy_impl):
    p = rep = None
    try:
        p = start_strata(heavy_impl, FAST_SYNC)
        P = client(p)
        assert P.wait(0, 0) == 0
        assert P.wait(1, 100) == 0                      # nobody to acknowledge
        P.config_set("min-replicas-to-write", "1")
        with pytest.raises(redis.ResponseError, match="^NOREPLICAS Not enough good replicas"):
            P.set("k", "v")
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
    finally:
        stop_all(p, rep)


def test_failover_command_switches_roles_without_losing_writes(heavy_impl):
    p = rep = None
    try:
        p = start_strata(heavy_impl, FAST_SYNC)
        rep = start_strata(heavy_impl, _replica_of(p))
        wait_link_up(rep)
        P, R = client(p), client(rep)
        for i in range(200):
            P.set("k%d" % i, i)
        with pytest.raises(redis.ResponseError, match="not a replica"):
            P.execute_command("FAILOVER", "TO", "127.0.0.1", "1")
        assert P.execute_command("FAILOVER", "TO", "127.0.0.1", str(rep.port),
                                 "TIMEOUT", "5000") == b"OK"
        deadline = time.time() + 10
        while time.time() < deadline and R.role()[0] != b"master":
            time.sleep(0.05)
        assert R.role()[0] == b"master"
        wait_link_up(p)
        assert P.role()[0] == b"slave"
        assert P.info("replication")["master_failover_state"] == "no-failover"
        assert R.dbsize() == 200
        R.set("new", "primary")
        wait_caught_up(rep, [p])
        assert P.get("new") == b"primary"
        assert R.info("stats")["sync_partial_ok"] >= 1   # the old primary continued
        with pytest.raises(redis.ResponseError, match="No failover in progress"):
            R.execute_command("FAILOVER", "ABORT")
    finally:
        stop_all(p, rep)
