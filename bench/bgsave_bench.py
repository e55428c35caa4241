"""Forkless BGSAVE under load: throughput and memory while a snapshot of 1M keys is written.

Starts a Strata server (native build unless --py), fills it with --keys string keys named
as redis-benchmark names them (``key:%012d``, so the benchmark's random keys hit them), then
keeps ``redis-benchmark -t set,get -r <keys> -l`` running and measures, --rounds times, three
windows: load alone (--window seconds), a BGSAVE from start to completion, load alone again.

Throughput is read on the server (total_commands_processed) over each exact window; a
round's ratio is the save window against the mean of the two windows around it, which
cancels most of the drift a shared machine adds. Also reported: the save's duration, its
copy-on-write bytes, and the peak RSS growth over the RSS at the start of the save window
(sampled from /proc every 10 ms) against the dataset (RSS filled minus RSS empty).
Targets: ratio >= 80%, RSS growth <= 10% of the dataset.

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


def cpu_seconds(pid: int) -> float:
    """The process's user + system CPU time."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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


class Load:
    """redis-benchmark looping (``-l``) for the whole run, SET and GET tests of about a
    second each alternating (so every window sees the same mix); throughput is read on
    the server (INFO's total_commands_processed) over exact windows, so a window is not
    blurred by the benchmark's own run boundaries."""

    def __init__(self, port: int, args) -> None:
        self.proc = subprocess.Popen(
            ["redis-benchmark", "-p", str(port), "-t", "set,get", "-r", str(args.keys),
             "-n", str(20000 * args.pipeline), "-c", str(args.clients), "-P", str(args.pipeline),
             "-d", str(args.value_size), "-l", "-q"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def commands(conn: Conn) -> int:
    return int(conn.info("stats")["total_commands_processed"])


def window(conn: Conn, pid: int, save: bool, duration: float) -> dict:
    """One measured window: ``duration`` seconds of load alone, or a BGSAVE from start to
    end under the load. Requests per second, RSS peak over RSS at the start."""
    before = rss(pid)
    with RSSSampler(pid) as sampler:
        c0, t0, cpu0 = commands(conn), time.time(), cpu_seconds(pid)
        if save:
            assert conn.call("BGSAVE") == b"Background saving started"
            while conn.info("persistence")["rdb_bgsave_in_progress"] == "1":
                time.sleep(0.05)
        else:
            time.sleep(duration)
        c1, t1, cpu1 = commands(conn), time.time(), cpu_seconds(pid)
    info = conn.info("persistence")
    return {"rps": (c1 - c0) / (t1 - t0), "seconds": t1 - t0, "rss_before": before,
            "cpu_per_cmd": (cpu1 - cpu0) / max(c1 - c0, 1), "cpu_share": (cpu1 - cpu0) / (t1 - t0),
            "rss_peak": sampler.peak,
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
    ap.add_argument("--window", type=float, default=8.0,
                    help="seconds of each load-only window around a save")
    ap.add_argument("--cpu-percents", default="15",
                    help="bgsave-cpu-percent values, comma-separated, alternated in each "
                         "round (e.g. 15,10)")
    a = ap.parse_args()
    if shutil.which("redis-benchmark") is None:
        sys.stderr.write("redis-benchmark is needed (Debian: apt install redis-tools)\n")
        return 2
    d = tempfile.mkdtemp(prefix="strata-bgsave-bench-")
    extra = ["--dir", d]
    a.cpu_percents = [int(x) for x in a.cpu_percents.split(",")]
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
        load = Load(srv.port, a)
        rows = {pct: [] for pct in a.cpu_percents}
        try:
            time.sleep(2.0)  # the benchmark's clients are connected and running
            for rnd in range(a.rounds):
                for pct in a.cpu_percents:
                    conn.call("CONFIG", "SET", "bgsave-cpu-percent", pct)
                    b1 = window(conn, srv.pid, False, a.window)
                    s = window(conn, srv.pid, True, 0)
                    b2 = window(conn, srv.pid, False, a.window)
                    base = (b1["rps"] + b2["rps"]) / 2
                    cpu_base = (b1["cpu_per_cmd"] + b2["cpu_per_cmd"]) / 2
                    row = {"ratio": s["rps"] / base if base else 0.0,
                           "cpu_ratio": s["cpu_per_cmd"] / cpu_base if cpu_base else 0.0,
                           "growth": s["rss_peak"] - s["rss_before"], "seconds": s["seconds"]}
                    rows[pct].append(row)
                    print("round %d, bgsave-cpu-percent %d: without %6.0f / %6.0f req/s | "
                          "during BGSAVE %6.0f req/s = %5.1f%% | server CPU/cmd x%.2f "
                          "(%.0f / %.0f us; CPU share %.0f%% / %.0f%%) | save %.1f s, %s, "
                          "COW %.1f MB, peak RSS growth %.1f MB (%.1f%% of dataset)"
                          % (rnd + 1, pct, b1["rps"], b2["rps"], s["rps"], 100 * row["ratio"],
                             row["cpu_ratio"], 1e6 * cpu_base, 1e6 * s["cpu_per_cmd"],
                             100 * (b1["cpu_share"] + b2["cpu_share"]) / 2,
                             100 * s["cpu_share"], s["seconds"], s["status"],
                             s["cow"] / 2 ** 20, row["growth"] / 2 ** 20,
                             100 * row["growth"] / dataset), flush=True)
        finally:
            load.stop()
        print()
        ok = True
        for pct, rs in rows.items():
            ratios = [r["ratio"] for r in rs]
            ratio = statistics.median(ratios)
            growth = max(r["growth"] for r in rs)
            print("bgsave-cpu-percent %d: throughput during BGSAVE / without (each against "
                  "the windows just before and after it): median %.1f%% (min %.1f%%, max "
                  "%.1f%%; target >= 80%%); server CPU per command x%.2f (median); peak RSS "
                  "growth max %.1f MB = %.1f%% of the %.1f MB dataset (target <= 10%%); "
                  "median save %.1f s"
                  % (pct, 100 * ratio, 100 * min(ratios), 100 * max(ratios),
                     statistics.median(r["cpu_ratio"] for r in rs), growth / 2 ** 20,
                     100 * growth / dataset, dataset / 2 ** 20,
                     statistics.median(r["seconds"] for r in rs)))
            ok = ok and ratio >= 0.8 and growth <= 0.1 * dataset
        print("RESULT: %s" % ("PASS" if ok else "FAIL"))
        return 0 if ok else 1
    finally:
        srv.stop()
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
