"""Automatic failover: three Strata monitors, a primary and two replicas. The primary is
killed with SIGKILL under a write load; redis-py's ``Sentinel`` finds the new primary and
writes succeed within 5 s; the replica with the highest offset is promoted, so every write
acknowledged by ``WAIT 1`` survives; the old primary, restarted, is made a replica of the
new one; then a planned SENTINEL FAILOVER and SENTINEL RESET."""

import os
import signal
import threading
import time

import pytest
import redis
from redis.sentinel import Sentinel

from engine.sentinel import SentinelEngine
from engine.sentinel.monitor import Instance
from tests.support.servers import start_strata

from .helpers import client, start_sentinels, stop_all, wait_caught_up, wait_link_up

FAST_SYNC = ["--repl-diskless-sync-delay", "0"]


def all_events(sentinels) -> list:
    """Every monitor's event log (time, kind, message), oldest first."""
    out = []
    for s in sentinels:
        try:
            out += client(s).execute_command("STRATA.EVENTS", 200)
        except redis.RedisError:
            pass
    return sorted(out)


class _Up:
    connected = True


def test_replica_selection_order():
    """sentinelSelectSlave(): lowest replica-priority, then highest offset, then lowest
    run id; priority 0, unreachable, down or stale replicas are never promoted."""
    s = SentinelEngine().sentinel
    m = s.monitor("m", "127.0.0.1", 1, 2)
    now = time.time()

    def replica(port, priority, offset, runid, **kw):
        ri = Instance("slave", "127.0.0.1", port, m)
        ri.link = kw.get("link", _Up())
        ri.slave_priority, ri.slave_repl_offset, ri.runid = priority, offset, runid
        ri.info_refresh = ri.last_avail_time = kw.get("seen", now)
        ri.role_reported = "slave"
        m.replicas[ri.name] = ri
        return ri

    replica(1, 100, 900, "b")
    best_offset = replica(2, 100, 1000, "c")
    assert s._select_replica(m, now) is best_offset
    tie = replica(3, 100, 1000, "a")
    assert s._select_replica(m, now) is tie
    prio = replica(4, 50, 10, "z")
    assert s._select_replica(m, now) is prio
    prio.slave_priority = 0
    replica(5, 1, 5000, "d", link=None)
    replica(6, 1, 5000, "e", seen=now - 60)
    replica(7, 1, 5000, "f").flags.add("s_down")
    assert s._select_replica(m, now) is tie


@pytest.mark.oracle
def test_sentinel_failover_after_kill(heavy_impl):
    p = r1 = r2 = back = None
    sentinels = []
    try:
        p = start_strata(heavy_impl, FAST_SYNC)
        # every node may become the primary (and serve a full sync at once)
        r1 = start_strata(heavy_impl, ["--replicaof", "127.0.0.1", str(p.port)] + FAST_SYNC)
        r2 = start_strata(heavy_impl, ["--replicaof", "127.0.0.1", str(p.port)] + FAST_SYNC)
        wait_link_up(r1)
        wait_link_up(r2)
        sentinels = start_sentinels(p.port)
        S0 = client(sentinels[0])
        events = S0.pubsub()
        events.subscribe("+switch-master", "+odown")
        deadline = time.time() + 15
        while time.time() < deadline:  # the monitors found the replicas and each other
            if len(S0.sentinel_slaves("mymaster")) == 2 and \
                    len(S0.sentinel_sentinels("mymaster")) == 2 and \
                    S0.execute_command("SENTINEL", "CKQUORUM", "mymaster").startswith(b"OK 3"):
                break
            time.sleep(0.1)
        assert S0.execute_command("SENTINEL", "CKQUORUM", "mymaster").startswith(b"OK 3")
        assert S0.sentinel_get_master_addr_by_name("mymaster") == (b"127.0.0.1", p.port)
        state = S0.sentinel_master("mymaster")
        assert state["is_master"] and state["port"] == p.port and state["quorum"] == 2
        assert state["num-slaves"] == 2 and state["num-other-sentinels"] == 2
        assert S0.role()[0] == b"sentinel"
        st = Sentinel([("127.0.0.1", s.port) for s in sentinels], socket_timeout=0.5)
        master = st.master_for("mymaster", socket_timeout=0.5, socket_connect_timeout=0.5)

        acked = []          # keys a WAIT 1 acknowledged before the kill
        stop = threading.Event()

        def load() -> None:
            i = 0
            while not stop.is_set():
                try:
                    master.set("k%d" % i, i)
                    if i % 10 == 0 and master.wait(1, 500) >= 1:
                        acked.append(i)
                except (redis.ConnectionError, redis.TimeoutError, redis.ReadOnlyError,
                        redis.ResponseError):
                    time.sleep(0.02)
                i += 1

        t = threading.Thread(target=load, daemon=True)
        t.start()
        time.sleep(1.0)
        n_acked = len(acked)
        assert n_acked > 0
        os.kill(p.pid, signal.SIGKILL)
        t0 = time.time()
        stop.set()
        t.join(5)
        time.sleep(0.2)
        # what each replica received before the primary died: the most is promoted
        got = {}
        for r in (r1, r2):
            R = client(r)
            got[r.port] = (-R.info("replication")["slave_repl_offset"],
                           R.info("server")["run_id"])
        expected = min(got, key=lambda port: got[port])
        recovered = None
        while time.time() - t0 < 15:
            try:
                master.set("after-failover", "ok")
                recovered = time.time() - t0
                break
            except (redis.ConnectionError, redis.TimeoutError, redis.ReadOnlyError,
                    redis.ResponseError):
                time.sleep(0.05)
        assert recovered is not None and recovered < 5.0, (recovered, all_events(sentinels))
        host, port = st.discover_master("mymaster")
        assert port == expected, (got, all_events(sentinels))
        new_p, other = (r1, r2) if port == r1.port else (r2, r1)
        new = client(new_p)
        for i in acked[:n_acked]:
            assert new.get("k%d" % i) == b"%d" % i
        msg = None
        deadline = time.time() + 5
        while time.time() < deadline:
            msg = events.get_message(timeout=0.5)
            if msg and msg["type"] == "message" and msg["channel"] == b"+switch-master":
                break
        assert msg and msg["data"].split()[-1] == str(new_p.port).encode()
        # the other replica follows the new primary
        wait_caught_up(new_p, [other])
        assert client(other).get("after-failover") == b"ok"
        # the old primary comes back empty on its port: it is made a replica
        p.stop()
        back = start_strata(heavy_impl, FAST_SYNC, port=p.port)
        wait_link_up(back, timeout=20)
        B = client(back)
        assert B.info("replication")["master_port"] == new_p.port
        wait_caught_up(new_p, [back])
        assert B.get("after-failover") == b"ok"
        # the old primary is reconfigured by whichever monitor sees it first
        kinds = [e[1] for e in all_events(sentinels)]
        for kind in (b"+sdown", b"+odown", b"+try-failover", b"+elected-leader",
                     b"+promoted-slave", b"+switch-master", b"+convert-to-slave"):
            assert kind in kinds, kind

        # a planned failover by command: another replica takes over, nothing is lost
        master.set("before-planned", "x")
        assert master.wait(2, 5000) == 2
        deadline = time.time() + 10
        while time.time() < deadline:  # every monitor agrees on the new topology
            try:
                S0.sentinel_failover("mymaster")
                break
            except redis.ResponseError:  # NOGOODSLAVE / INPROG while views converge
                time.sleep(0.2)
        deadline = time.time() + 10
        while time.time() < deadline and \
                S0.sentinel_get_master_addr_by_name("mymaster")[1] == new_p.port:
            time.sleep(0.05)
        _, port2 = S0.sentinel_get_master_addr_by_name("mymaster")
        assert port2 in (other.port, back.port)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                master.set("after-planned", "y")
                break
            except (redis.ConnectionError, redis.TimeoutError, redis.ReadOnlyError):
                time.sleep(0.05)
        assert master.get("before-planned") == b"x" and master.get("after-planned") == b"y"
        # SENTINEL RESET forgets replicas and failover state; INFO finds them again
        deadline = time.time() + 10
        while time.time() < deadline and master.info("replication")["connected_slaves"] < 2:
            time.sleep(0.1)
        assert S0.execute_command("SENTINEL", "RESET", "mymaster") == 1
        deadline = time.time() + 10
        while time.time() < deadline and len(S0.sentinel_slaves("mymaster")) < 2:
            time.sleep(0.1)
        assert len(S0.sentinel_slaves("mymaster")) == 2
    finally:
        stop_all(*sentinels)
        stop_all(r1, r2, back)
        if p is not None and p.alive():
            p.stop()
