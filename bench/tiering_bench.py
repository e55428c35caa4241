"""Data tiering benchmark: a dataset 5x maxmemory of 500-byte values, 80/20 access skew.

Starts two Strata servers of the same build (one tiered at ``--maxmemory``, one with the
whole dataset in memory), loads the same keys, then measures:

* throughput: pipelined GETs (batches of ``--pipeline``) following the skewed pattern;
* GET latency, one request at a time, split by where the value was when the GET arrived
  (MEMORY USAGE, untimed, tells a tiered key: only its ref is in memory), p50/p99.

    python bench/tiering_bench.py [--maxmemory-mb 20] [--ratio 5] [--value 500]
                                  [--requests 20000] [--build c|py] [--json OUT]

``--cold`` drops the segment files from the page cache (fdatasync + POSIX_FADV_DONTNEED)
before every ``--cold-every`` timed GETs, so on-disk reads go to the device instead of the
kernel's cache (without it, a dataset smaller than free RAM is read from the page cache).

Quote the ratios and the on-disk - in-memory difference of one run (shared machine).
"""

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tests.support.raw import RawClient, encode_command  # noqa: E402
from tests.support.servers import start_strata  # noqa: E402


def pattern(n_keys: int, count: int, seed: int) -> list:
    """80% of the accesses to the first 20% of the keys (a random permutation of them)."""
    rnd = random.Random(seed)
    hot = max(1, n_keys // 5)
    return [rnd.randrange(hot) if rnd.random() < 0.8 else hot + rnd.randrange(n_keys - hot)
            for _ in range(count)]


def key(i: int) -> bytes:
    return b"key:%08d" % i


def load(c: RawClient, n: int, size: int) -> None:
    batch = []
    for i in range(n):
        batch.append(["SET", key(i), (b"%08d" % i) * (size // 8)])
        if len(batch) == 500:
            c.pipeline(batch)
            batch = []
    if batch:
        c.pipeline(batch)


def info(c: RawClient, section: str) -> dict:
    raw = c.call("INFO", section).split(b"\r\n", 1)[1].decode()
    return dict(line.split(":", 1) for line in raw.split("\r\n") if ":" in line)


def throughput(c: RawClient, accesses: list, depth: int) -> float:
    t0 = time.perf_counter()
    for i in range(0, len(accesses), depth):
        chunk = accesses[i:i + depth]
        c.send(b"".join(encode_command(["GET", key(k)]) for k in chunk))
        for _ in chunk:
            c.read_reply()
    return len(accesses) / (time.perf_counter() - t0)


def drop_cache(tier_dir: str) -> None:
    """Evict the tiering files' pages from the page cache (the device serves reads)."""
    for root, _dirs, files in os.walk(tier_dir):
        for name in files:
            try:
                fd = os.open(os.path.join(root, name), os.O_RDONLY)
            except OSError:
                continue
            try:
                os.fdatasync(fd)
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            except OSError:
                pass
            finally:
                os.close(fd)


def latencies(c: RawClient, accesses: list, tiered_below: int, cold_dir: str = "",
              cold_every: int = 50) -> tuple:
    """(in-memory, on-disk) GET round trips in microseconds."""
    mem, disk = [], []
    for i, k in enumerate(accesses):
        if cold_dir and i % cold_every == 0:
            drop_cache(cold_dir)
        usage = int(c.call("MEMORY", "USAGE", key(k))[1:])
        req = encode_command(["GET", key(k)])
        t0 = time.perf_counter()
        c.send(req)
        reply = c.read_reply()
        us = (time.perf_counter() - t0) * 1e6
        assert reply.startswith(b"$"), reply
        (disk if usage < tiered_below else mem).append(us)
    return mem, disk


def pct(xs: list, p: float) -> float:
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--maxmemory-mb", type=int, default=20)
    ap.add_argument("--ratio", type=float, default=5.0, help="dataset / maxmemory")
    ap.add_argument("--value", type=int, default=500)
    ap.add_argument("--requests", type=int, default=20000)
    ap.add_argument("--pipeline", type=int, default=32)
    ap.add_argument("--build", default="c")
    ap.add_argument("--cold", action="store_true", help="read tiered values from the device")
    ap.add_argument("--cold-every", type=int, default=50)
    ap.add_argument("--json")
    a = ap.parse_args()
    n_keys = int(a.maxmemory_mb * 1024 * 1024 * a.ratio / a.value)
    tdir = tempfile.mkdtemp(prefix="strata-tiering-bench-")
    servers = {
        "tiered": start_strata(a.build, ["--tiering-enabled", "yes", "--tiering-dir", tdir,
                                         "--maxmemory", "%dmb" % a.maxmemory_mb,
                                         "--maxmemory-policy", "allkeys-lru"]),
        "memory": start_strata(a.build, []),
    }
    results = {"keys": n_keys, "value": a.value, "maxmemory_mb": a.maxmemory_mb,
               "build": a.build}
    try:
        clients = {name: RawClient(s.host, s.port, timeout=60) for name, s in servers.items()}
        for name, c in clients.items():
            t0 = time.perf_counter()
            load(c, n_keys, a.value)
            results[name + "_load_s"] = round(time.perf_counter() - t0, 2)
        t = info(clients["tiered"], "tiering")
        print("%d keys of %d bytes (%.0f MB), maxmemory %d MB: %s keys tiered, evicted %s"
              % (n_keys, a.value, n_keys * a.value / 2 ** 20, a.maxmemory_mb,
                 t["tiering_keys"], info(clients["tiered"], "stats")["evicted_keys"]))
        warm = pattern(n_keys, a.requests, 1)
        for c in clients.values():          # the hot keys come back to memory
            throughput(c, warm, a.pipeline)
        run = pattern(n_keys, a.requests, 2)
        for name, c in clients.items():
            results[name + "_ops"] = round(throughput(c, run, a.pipeline))
        # a tiered key's MEMORY USAGE is its entry and ref; an in-memory one adds the value
        below = a.value // 2
        lat = {}
        lat["memory-server"], _ = latencies(clients["memory"], pattern(n_keys, a.requests, 3),
                                            0)
        lat["tiered-in-memory"], lat["tiered-on-disk"] = latencies(
            clients["tiered"], pattern(n_keys, a.requests, 3), below,
            tdir if a.cold else "", a.cold_every)
        results["cold"] = a.cold
        t2 = info(clients["tiered"], "tiering")
        for name, xs in lat.items():
            results[name] = {"n": len(xs), "p50_us": round(pct(xs, 0.5), 1),
                             "p99_us": round(pct(xs, 0.99), 1),
                             "mean_us": round(statistics.fmean(xs), 1) if xs else None}
        results["server_disk_read_p50_us"] = float(t2["tiering_read_latency_p50_usec"])
        results["server_disk_read_p99_us"] = float(t2["tiering_read_latency_p99_usec"])
        results["disk_reads"] = int(t2["tiering_disk_reads"])
        results["memory_hit_ratio"] = float(t2["tiering_memory_hit_ratio"])
        for c in clients.values():
            c.close()
    finally:
        for s in servers.values():
            s.stop()
        shutil.rmtree(tdir, ignore_errors=True)
    print("throughput (pipeline %d): tiered %d ops/s, all in memory %d ops/s (ratio %.2f)"
          % (a.pipeline, results["tiered_ops"], results["memory_ops"],
             results["tiered_ops"] / results["memory_ops"]))
    for name in ("memory-server", "tiered-in-memory", "tiered-on-disk"):
        r = results[name]
        print("GET %-17s n=%6d  p50 %7.1f us  p99 %7.1f us" % (name, r["n"], r["p50_us"],
                                                               r["p99_us"]))
    print("on-disk GET adds %.1f us at p50, %.1f us at p99 (server-side disk read p50 %.1f us)"
          % (results["tiered-on-disk"]["p50_us"] - results["tiered-in-memory"]["p50_us"],
             results["tiered-on-disk"]["p99_us"] - results["tiered-in-memory"]["p99_us"],
             results["server_disk_read_p50_us"]))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
