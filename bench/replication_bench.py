"""Replication: lag under a steady write rate, and the time of a full sync.

* lag: a primary and a replica (Strata, native build unless --py; ``--replica redis`` puts
  a real redis-server replica under the Strata primary). A writer sends ``--rate`` SETs a
  second in small pipelines, paced by the clock; one write of each pipeline goes to a
  ``lag:<n>`` key, and a subscriber to the replica's keyspace notifications notes when each of those
  is applied there. Reported: p50 / p99 / max of (applied on the replica - sent).
* full sync: the primary is filled with --keys keys (DEBUG POPULATE), a fresh replica
  is started with ``--replicaof`` and timed until its link is up with every key loaded;
  meanwhile a client PINGs the primary every 10 ms (the slowest answer is reported: the
  snapshot is forkless, taken a slice per event-loop turn).

    python bench/replication_bench.py                      # 10k writes/s for 5 s, 1M keys
    python bench/replication_bench.py --rate 5000 --seconds 3 --keys 100000 --replica redis
"""

import argparse
import multiprocessing
import os
import statistics
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import redis  # noqa: E402

from tests.support.servers import start_redis, start_strata  # noqa: E402


def wait_up(port: int, keys: int = -1, timeout: float = 600) -> float:
    r = redis.Redis(port=port, socket_timeout=60)
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            info = r.info("replication")
            if info.get("master_link_status") == "up" and (keys < 0 or r.dbsize() >= keys):
                return time.time()
        except (redis.ConnectionError, redis.TimeoutError, redis.ResponseError):
            pass
        time.sleep(0.01)
    raise RuntimeError("replica did not sync")


def _listen(port: int, seconds: float, queue, ready) -> None:
    """When each ``lag:<n>`` key is applied on the replica (keyspace notifications)."""
    r = redis.Redis(port=port)
    ps = r.pubsub()
    ps.psubscribe("__keyspace@0__:lag:*")
    seen = {}
    ready.set()
    end = time.monotonic() + seconds + 1.0
    while time.monotonic() < end:
        m = ps.get_message(timeout=0.05)
        if m and m["type"] == "pmessage":
            seen.setdefault(m["channel"].rsplit(b":", 1)[1], time.monotonic())
    queue.put(seen)


def start_replica(kind: str, impl: str, port: int):
    args = ["--replicaof", "127.0.0.1", str(port)]
    return start_redis(args) if kind == "redis" else start_strata(impl, args)


def bench_lag(impl: str, kind: str, rate: int, seconds: float) -> dict:
    p = start_strata(impl, ["--repl-diskless-sync-delay", "0"])
    rep = start_replica(kind, impl, p.port)
    try:
        wait_up(rep.port)
        R = redis.Redis(port=rep.port)
        R.config_set("notify-keyspace-events", "K$")
        sent: dict = {}
        # the listener runs in its own process: in this one it would wait for the GIL
        # (5 ms switch interval) behind the writer, and that is not replication lag
        ctx = multiprocessing.get_context("spawn")
        queue = ctx.Queue()
        ready = ctx.Event()
        proc = ctx.Process(target=_listen, args=(rep.port, seconds + 2.0, queue, ready),
                           daemon=True)
        proc.start()
        ready.wait(10)
        time.sleep(0.2)
        P = redis.Redis(port=p.port)
        batch = 50
        interval = batch / rate
        n = 0
        start = time.monotonic()
        next_at = start
        while time.monotonic() - start < seconds:
            pipe = P.pipeline(transaction=False)
            tag = None
            for j in range(batch):
                if (n + j) % 10 == 0 and tag is None:
                    tag = b"%d" % (n + j)
                    pipe.set(b"lag:" + tag, b"x" * 32)
                else:
                    pipe.set(b"bulk:%d" % ((n + j) % 100000), b"x" * 32)
            if tag is not None:
                sent[tag] = time.monotonic()
            pipe.execute()
            n += batch
            next_at += interval
            delay = next_at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        elapsed = time.monotonic() - start
        seen = queue.get(timeout=seconds + 30)
        proc.join(5)
        lags = sorted((seen[k] - v) * 1000 for k, v in sent.items() if k in seen)
        lost = len(sent) - len(lags)
        q = statistics.quantiles(lags, n=100) if len(lags) > 100 else [0] * 99
        return {"writes": n, "rate": n / elapsed, "samples": len(lags), "missing": lost,
                "p50_ms": q[49], "p99_ms": q[98], "max_ms": lags[-1] if lags else 0}
    finally:
        rep.stop()
        p.stop()


def bench_full_sync(impl: str, kind: str, keys: int) -> dict:
    p = start_strata(impl, ["--repl-diskless-sync-delay", "0"])
    try:
        P = redis.Redis(port=p.port, socket_timeout=600)
        t0 = time.time()
        P.execute_command("DEBUG", "POPULATE", keys)
        fill = time.time() - t0
        # the primary keeps serving while it snapshots: the slowest PING meanwhile
        stop = threading.Event()
        pings: list = []

        def ping() -> None:
            r = redis.Redis(port=p.port, socket_timeout=600)
            while not stop.is_set():
                t = time.perf_counter()
                r.ping()
                pings.append(time.perf_counter() - t)
                time.sleep(0.01)

        pinger = threading.Thread(target=ping, daemon=True)
        pinger.start()
        t0 = time.time()
        rep = start_replica(kind, impl, p.port)
        try:
            t1 = wait_up(rep.port, keys)
            stop.set()
            pinger.join(60)
            info = P.info("stats")
            out = {"keys": keys, "fill_s": fill, "sync_s": t1 - t0,
                   "sync_full": info["sync_full"], "detail": "",
                   "ping_max_ms": max(pings) * 1000 if pings else 0.0}
            # where the time went: the primary's snapshot (the event loop is busy meanwhile)
            # and, for a Strata replica, its load, from both events logs
            notes = [e[2].decode() for e in P.execute_command("STRATA.EVENTS")
                     if e[1] == b"sync-full"]
            if kind == "strata":
                notes += [e[2].decode() for e in redis.Redis(port=rep.port).execute_command(
                    "STRATA.EVENTS") if e[1] == b"sync-full"]
            out["detail"] = "; ".join(notes)
            return out
        finally:
            rep.stop()
    finally:
        p.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--py", action="store_true", help="the pure-Python build")
    ap.add_argument("--replica", choices=("strata", "redis"), default="strata")
    ap.add_argument("--rate", type=int, default=10000)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--keys", type=int, default=1000000)
    ap.add_argument("--skip-sync", action="store_true")
    args = ap.parse_args()
    impl = "py" if args.py else "c"
    lag = bench_lag(impl, args.replica, args.rate, args.seconds)
    print("lag (%s primary -> %s replica, %d writes at %.0f/s): p50 %.2f ms, p99 %.2f ms, "
          "max %.2f ms (%d samples, %d missing)"
          % (impl, args.replica, lag["writes"], lag["rate"], lag["p50_ms"], lag["p99_ms"],
             lag["max_ms"], lag["samples"], lag["missing"]))
    if not args.skip_sync:
        fs = bench_full_sync(impl, args.replica, args.keys)
        print("full sync of %d keys to a %s replica: %.2f s (filling took %.2f s), slowest "
              "PING to the primary meanwhile %.1f ms\n  %s"
              % (fs["keys"], args.replica, fs["sync_s"], fs["fill_s"], fs["ping_max_ms"],
                 fs["detail"]))


if __name__ == "__main__":
    main()
