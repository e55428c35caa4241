"""Forkless BGSAVE under load: throughput and memory while a snapshot of 1M keys is written.

Starts a Strata server (native build unless --py), fills it with --keys string keys named
as redis-benchmark names them (``key:%012d``, so the benchmark's random keys hit them),
then alternates two phases of the same wall time, --rounds times:

* baseline: redis-benchmark (``-t set,get -r <keys>``) runs, no save;
* save: a BGSAVE starts with the same load running; the phase lasts until it completes.

Reported: requests per second in each phase and their ratio (target >= 80%), the save's
duration, copy-on-write bytes, and the peak RSS growth over the RSS before the phase,
against the dataset (RSS filled minus RSS empty; target <= 10%). RSS is sampled from
/proc every 10 ms. The machine's noise shows in the spread of the baseline rounds.

    python bench/bgsave_bench.py                  # 1M keys, 3 rounds
    python bench/bgsave_bench.py --keys 200000 --rounds 1 --value-size 100
"""

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tests.support.servers import start_strata  # noqa: E402


def rss(pid: int) -> int:
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


class RSSSampler:
    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak = 0
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss(self.pid))
            time.sleep(0.01)

    def __enter__(self) -> "RSSSampler":
        self.peak = rss(self.pid)
        self._t.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._t.join()


class Conn:
    def __init__(self, port: int) -> None:
        self.s = socket.create_connection(("127.0.0.1", port))
        self.buf = b""

    def call(self, *args) -> bytes:
        self.send([args])
        return self.replies(1)[0]

    def send(self, cmds) -> None:
        out = []
        for args in cmds:
            out.append(b"*%d\r\n" % len(args))
            for a in args:
                a = a if isinstance(a, bytes) else str(a).encode()
                out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        self.s.sendall(b"".join(out))

    def replies(self, n: int) -> list:
        import hiredis
        reader = hiredis.Reader()
        reader.feed(self.buf)
        out = []
        while len(out) < n:
            r = reader.gets()
            if r is False:
                reader.feed(self.s.recv(1 << 20))
                continue
            out.append(r)
        self.buf = b""
        return out

    def info(self, section: str) -> dict:
        text = self.call("INFO", section).decode()
        return dict(line.split(":", 1) for line in text.split("\r\n") if ":" in line)


def fill(conn: Conn, keys: int, value: bytes) -> None:
    batch = 10000
    for start in range(0, keys, batch):
        end = min(start + batch, keys)
        conn.send([(b"SET", b"key:%012d" % i, value) for i in range(start, end)])
        conn.replies(end - start)


def run_load(port: int, keys: int, stop: threading.Event, clients: int, pipeline: int,
             value_size: int, totals: list) -> None:
    """redis-benchmark runs back to back until ``stop``; totals gets (requests, seconds)."""
    while not stop.is_set():
        n = 20000 * pipeline
        t0 = time.time()
        out = subprocess.run(
            ["redis-benchmark", "-p", str(port), "-t", "set,get", "-r", str(keys),
             "-n", str(n), "-c", str(clients), "-P", str(pipeline), "-d", str(value_size),
             "--csv"], capture_output=True, text=True)
        elapsed = time.time() - t0
        if out.returncode == 0:
            totals.append((2 * n, elapsed))


def phase(port: int, pid: int, conn: Conn, args, save: bool, duration: float) -> dict:
    totals: list = []
    stop = threading.Event()
    loader = threading.Thread(target=run_load, args=(port, args.keys, stop, args.clients,
                                                     args.pipeline, args.value_size, totals))
    before = rss(pid)
    with RSSSampler(pid) as sampler:
        loader.start()
        time.sleep(1.0)  # the load is running
        t0 = time.time()
        if save:
            assert conn.call("BGSAVE") == b"Background saving started"
            while conn.info("persistence")["rdb_bgsave_in_progress"] == "1":
                time.sleep(0.05)
            elapsed = time.time() - t0
        else:
            time.sleep(duration)
            elapsed = duration
        stop.set()
        loader.join()
    info = conn.info("persistence")
    done = [t for t in totals]
    requests = sum(n for n, _ in done)
    seconds = sum(s for _, s in done)
    return {"rps": requests / seconds if seconds else 0.0, "seconds": elapsed,
            "rss_before": before, "rss_peak": sampler.peak,
            "cow": int(info.get("rdb_last_cow_size", 0)) if save else 0,
            "status": info.get("rdb_last_bgsave_status")}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--keys", type=int, default=1_000_000)
    ap.add_argument("--value-size", type=int, default=3, help="redis-benchmark's -d")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--pipeline", type=int, default=1)
    ap.add_argument("--py", action="store_true", help="pure-Python build of Strata")
    ap.add_argument("--cpu-percent", type=int, default=None,
                    help="bgsave-cpu-percent for the server (default: its default)")
    a = ap.parse_args()
    if shutil.which("redis-benchmark") is None:
        sys.stderr.write("redis-benchmark is needed (Debian: apt install redis-tools)\n")
        return 2
    d = tempfile.mkdtemp(prefix="strata-bgsave-bench-")
    extra = ["--dir", d]
    if a.cpu_percent:
        extra += ["--bgsave-cpu-percent", str(a.cpu_percent)]
    srv = start_strata("py" if a.py else "c", extra=extra)
    try:
        conn = Conn(srv.port)
        empty = rss(srv.pid)
        t0 = time.time()
        fill(conn, a.keys, b"x" * a.value_size)
        dataset = rss(srv.pid) - empty
        print("Strata %s build, %d keys of %d bytes: filled in %.1f s, dataset %.1f MB RSS "
              "(empty server %.1f MB)" % ("py" if a.py else "native", a.keys, a.value_size,
                                          time.time() - t0, dataset / 2 ** 20, empty / 2 ** 20))
        t0 = time.time()
        assert conn.call("SAVE") == b"OK"
        print("SAVE (blocking) of the dataset: %.2f s, file %.1f MB"
              % (time.time() - t0, os.path.getsize(os.path.join(d, "dump.rdb")) / 2 ** 20))
        base_rows, save_rows = [], []
        for rnd in range(a.rounds):
            s = phase(srv.port, srv.pid, conn, a, True, 0)
            b = phase(srv.port, srv.pid, conn, a, False, s["seconds"])
            save_rows.append(s)
            base_rows.append(b)
            print("round %d: baseline %8.0f req/s | during BGSAVE %8.0f req/s (%.0f%%), save "
                  "%.1f s, status %s, COW %.1f MB, peak RSS growth %.1f MB (baseline phase "
                  "%.1f MB)" % (rnd + 1, b["rps"], s["rps"], 100 * s["rps"] / b["rps"],
                                s["seconds"], s["status"], s["cow"] / 2 ** 20,
                                (s["rss_peak"] - s["rss_before"]) / 2 ** 20,
                                (b["rss_peak"] - b["rss_before"]) / 2 ** 20))
        base = statistics.median(r["rps"] for r in base_rows)
        during = statistics.median(r["rps"] for r in save_rows)
        growth = max(r["rss_peak"] - r["rss_before"] for r in save_rows)
        ratio = during / base if base else 0.0
        print()
        print("throughput during BGSAVE: %.0f req/s vs %.0f without = %.1f%% (target >= 80%%)"
              % (during, base, 100 * ratio))
        print("peak RSS growth during BGSAVE: %.1f MB = %.1f%% of the %.1f MB dataset "
              "(target <= 10%%)" % (growth / 2 ** 20, 100 * growth / dataset,
                                    dataset / 2 ** 20))
        print("median save time under load: %.1f s"
              % statistics.median(r["seconds"] for r in save_rows))
        ok = ratio >= 0.8 and growth <= 0.1 * dataset
        print("RESULT: %s" % ("PASS" if ok else "FAIL"))
        return 0 if ok else 1
    finally:
        srv.stop()
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
