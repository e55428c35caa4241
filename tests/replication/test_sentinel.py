"""Automatic failover: three Strata monitors, a primary and two replicas. The primary is
killed with SIGKILL under a write load; redis-py's ``Sentinel`` finds the new primary and
writes succeed within 5 s; every write acknowledged by ``WAIT 1`` survives; the old
primary, restarted, is made a replica of the new one."""

import os
import signal
import threading
import time

import pytest
import redis
from redis.sentinel import Sentinel

from tests.support.servers import start_strata

from .helpers import client, start_sentinels, stop_all, wait_caught_up, wait_link_up

pytestmark = pytest.mark.oracle


def all_events(sentinels) -> list:
    """Every monitor's event log (time, kind, message), oldest first."""
    out = []
    for s in sentinels:
        try:
            out += client(s).execute_command("STRATA.EVENTS", 200)
        except redis.RedisError:
            pass
    return sorted(out)


def test_sentinel_failover_after_kill(heavy_impl):
    p = r1 = r2 = back = None
    sentinels = []
    try:
        p = start_strata(heavy_impl, ["--repl-diskless-sync-delay", "0"])
        r1 = start_strata(heavy_impl, ["--replicaof", "127.0.0.1", str(p.port)])
        r2 = start_strata(heavy_impl, ["--replicaof", "127.0.0.1", str(p.port),
                                       "--replica-priority", "50"])
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
        assert port in (r1.port, r2.port)
        assert port == r2.port  # the lower replica-priority wins
        new = client(r2)
        for i in acked[:n_acked]:
            assert new.get("k%d" % i) == b"%d" % i
        msg = None
        deadline = time.time() + 5
        while time.time() < deadline:
            msg = events.get_message(timeout=0.5)
            if msg and msg["type"] == "message" and msg["channel"] == b"+switch-master":
                break
        assert msg and msg["data"].split()[-1] == str(r2.port).encode()
        # the other replica follows the new primary
        wait_caught_up(r2, [r1])
        assert client(r1).get("after-failover") == b"ok"
        # the old primary comes back empty on its port: it is made a replica
        p.stop()
        back = start_strata(heavy_impl, [], port=p.port)
        wait_link_up(back, timeout=20)
        B = client(back)
        assert B.info("replication")["master_port"] == r2.port
        wait_caught_up(r2, [back])
        assert B.get("after-failover") == b"ok"
        # the old primary is reconfigured by whichever monitor sees it first
        kinds = [e[1] for e in all_events(sentinels)]
        for kind in (b"+sdown", b"+odown", b"+switch-master", b"+convert-to-slave"):
            assert kind in kinds, kind
    finally:
        stop_all(*sentinels)
        stop_all(r1, r2, back)
        if p is not None and p.alive():
            p.stop()
