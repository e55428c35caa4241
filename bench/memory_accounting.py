"""used_memory against the process's real growth, per data type.

Each (build, type) runs in a fresh process (a child per build imports the engine once,
then forks one process per type): it takes RSS and used_memory, loads the keys through
``Engine.execute`` (the same door a client's command goes through), collects, and takes
both again. The ratio used_memory growth / RSS growth should stay within
0.85-1.15 (docs/memory.md explains the estimate).

    python bench/memory_accounting.py [--keys 1000000] [--elements 10] [--builds c,py]
                                      [--types strings,hashes,sets,zsets,lists] [--json OUT]

Collections get ``--elements`` members each (small ones: listpack-sized in Redis terms).
"""

import argparse
import gc
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TYPES = ("strings", "hashes", "sets", "zsets", "lists")
_PAGE = os.sysconf("SC_PAGE_SIZE")


def rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * _PAGE


def _commands(kind: str, n: int, elements: int):
    """The load for one type: deterministic keys and values (values as a client sends
    them: fresh bytes each)."""
    if kind == "strings":
        for i in range(n):
            yield (b"SET", b"key:%08d" % i, b"%032x" % (i * 2654435761))
    elif kind == "hashes":
        for i in range(n):
            args = [b"HSET", b"hash:%08d" % i]
            for j in range(elements):
                args += [b"field:%d" % j, b"%016x" % (i * 31 + j)]
            yield args
    elif kind == "sets":
        for i in range(n):
            yield [b"SADD", b"set:%08d" % i] + [b"%016x" % (i * 31 + j) for j in range(elements)]
    elif kind == "zsets":
        for i in range(n):
            args = [b"ZADD", b"zset:%08d" % i]
            for j in range(elements):
                args += [b"%d" % j, b"%016x" % (i * 31 + j)]
            yield args
    elif kind == "lists":
        for i in range(n):
            yield [b"RPUSH", b"list:%08d" % i] + [b"%016x" % (i * 31 + j) for j in range(elements)]
    else:
        raise ValueError(kind)


def measure(kind: str, n: int, elements: int) -> dict:
    """In this process: load ``n`` keys of ``kind`` into a fresh engine."""
    sys.path.insert(0, ROOT)
    from engine import Engine
    from native.keytable import IMPLEMENTATION
    e = Engine()
    execute = e.execute
    gc.collect()
    rss0, used0 = rss(), e.used_memory()
    for args in _commands(kind, n, elements):
        execute(*args)
    gc.collect()
    rss1, used1 = rss(), e.used_memory()
    return {"build": IMPLEMENTATION, "type": kind, "keys": n, "elements": elements,
            "used_growth": used1 - used0, "rss_growth": rss1 - rss0,
            "ratio": (used1 - used0) / max(1, rss1 - rss0)}


def measure_forked(loads: dict, elements: int) -> list:
    """In this process (the engine imported once): one forked process per type, so that
    each starts from the same memory state and nothing freed by another type is reused."""
    sys.path.insert(0, ROOT)
    import engine  # noqa: F401 - imported before forking: the children share it
    rows = []
    for kind, n in loads.items():
        rfd, wfd = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: measure, report, leave without cleanup
            os.close(rfd)
            try:
                os.write(wfd, json.dumps(measure(kind, n, elements)).encode())
            finally:
                os._exit(0)
        os.close(wfd)
        chunks = []
        while True:
            chunk = os.read(rfd, 65536)
            if not chunk:
                break
            chunks.append(chunk)
        os.close(rfd)
        os.waitpid(pid, 0)
        rows.append(json.loads(b"".join(chunks)))
    return rows


def run_build(build: str, loads: dict, elements: int) -> list:
    """``measure_forked`` in a fresh interpreter of the given build."""
    env = dict(os.environ)
    if build == "py":
        env["STRATA_NO_EXTENSIONS"] = "1"
    else:
        env.pop("STRATA_NO_EXTENSIONS", None)
    out = subprocess.run([sys.executable, os.path.abspath(__file__), "--child",
                          json.dumps(loads), "--elements", str(elements)],
                         env=env, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--keys", type=int, default=1_000_000)
    ap.add_argument("--elements", type=int, default=10)
    ap.add_argument("--builds", default="c,py")
    ap.add_argument("--types", default=",".join(TYPES))
    ap.add_argument("--json")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        print(json.dumps(measure_forked(json.loads(a.child), a.elements)))
        return
    rows = []
    print("%-5s %-8s %9s %14s %14s %7s" % ("build", "type", "keys", "used growth",
                                           "RSS growth", "ratio"))
    for build in a.builds.split(","):
        for row in run_build(build, {k: a.keys for k in a.types.split(",")}, a.elements):
            rows.append(row)
            print("%-5s %-8s %9d %14d %14d %7.3f" % (row["build"], row["type"], row["keys"],
                                                   row["used_growth"], row["rss_growth"],
                                                   row["ratio"]), flush=True)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
