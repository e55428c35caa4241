"""Strata's memcached listener beside a real ``memcached -t 1``, interleaved in one sitting.

Starts both servers on free ports, runs ../shared/tools/memcached_bench.sh against each
in turn (``--rounds`` times, alternating which goes first) and prints, per mix, the median
throughput and server CPU per million ops of each, and their ratios (Strata / memcached).

    python bench/vs_memcached.py [--rounds 3] [--mixes "get90_v32 get90_v1024 set100_v32"]
                                 [--duration 10] [--binary]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOL = os.path.join(os.path.dirname(ROOT), "shared", "tools", "memcached_bench.sh")
ROW = re.compile(r"^(\S+)\s+(\d+)\s+(\d+)\s+\S+\s+\S+\s+([\d.]+)\*?\s.*\s(\d+)\s*$")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, timeout: float = 15.0) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"server on port {port} did not start")


def start(kind: str) -> tuple[subprocess.Popen, int]:
    port = free_port()
    if kind == "memcached":
        argv = [shutil.which("memcached") or "memcached", "-t", "1", "-m", "1024",
                "-p", str(port), "-U", "0", "-l", "127.0.0.1"]
        if os.geteuid() == 0:
            argv += ["-u", "root"]
    else:
        argv = [sys.executable, "-m", "engine", "--port", str(free_port()), "--save", "",
                "--memcached-port", str(port)]
    proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(port)
    return proc, port


def run(port: int, pid: int, mixes: str, duration: int, binary: bool) -> dict:
    env = dict(os.environ, MIXES=mixes, DURATION=str(duration), BINARY="1" if binary else "0")
    out = subprocess.run(["bash", TOOL, "127.0.0.1", str(port), str(pid)], env=env,
                         capture_output=True, text=True, check=False).stdout
    rows = {}
    for line in out.splitlines():
        m = ROW.match(line)
        if m:
            rows[m.group(1)] = (int(m.group(3)), float(m.group(4)), int(m.group(5)))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--mixes", default="get90_v32 get90_v1024 set100_v32")
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--binary", action="store_true", help="memaslap binary protocol (-B)")
    args = ap.parse_args()
    results: dict[str, dict[str, list]] = {"memcached": {}, "strata": {}}
    # Each round is one sitting of the tool on fresh servers (the mixes in order, as the
    # tool runs them: set100 inserts a new key per op, so a reused server would carry
    # millions of keys into the next round); each mix runs on both servers back to back,
    # the order alternating by round, so a disturbance hits both sides of a ratio alike.
    for rnd in range(args.rounds):
        servers = {kind: start(kind) for kind in ("memcached", "strata")}
        try:
            order = ("memcached", "strata") if rnd % 2 == 0 else ("strata", "memcached")
            for mix in args.mixes.split():
                for kind in order:
                    proc, port = servers[kind]
                    for m, val in run(port, proc.pid, mix, args.duration, args.binary).items():
                        results[kind].setdefault(m, []).append(val)
                        print(f"round {rnd + 1} {kind:9} {m}: {val[0]} ops/s {val[1]} cpu/Mop"
                              f" (others {val[2]}%)", flush=True)
        finally:
            for proc, _ in servers.values():
                proc.terminate()
                proc.wait(10)
    print(f"\n{'mix':14} {'memcached ops/s':>15} {'strata ops/s':>13} {'ratio':>6} "
          f"{'mc cpu/Mop':>10} {'st cpu/Mop':>10} {'cpu ratio':>9} {'others%':>7}")
    for mix in args.mixes.split():
        ref, cand = results["memcached"].get(mix), results["strata"].get(mix)
        if not ref or not cand:
            print(f"{mix:14} FAIL")
            continue
        r_ops = statistics.median(v[0] for v in ref)
        c_ops = statistics.median(v[0] for v in cand)
        r_cpu = statistics.median(v[1] for v in ref)
        c_cpu = statistics.median(v[1] for v in cand)
        others = statistics.median(v[2] for v in ref + cand)
        print(f"{mix:14} {r_ops:15.0f} {c_ops:13.0f} {c_ops / r_ops:6.2f} "
              f"{r_cpu:10.2f} {c_cpu:10.2f} {c_cpu / r_cpu:9.2f} {others:7.0f}")
    print("others% = median CPU (percent of one core) used by other processes during the "
          "runs: high means a disturbed machine")


if __name__ == "__main__":
    main()
