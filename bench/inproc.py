"""In-process request-path benchmark: feeds RESP bytes to a RespConnection with a fake
transport (no sockets), so the parse -> dispatch -> encode cost is measured alone.

    python bench/inproc.py [--profile] [--pipeline 16] [--n 200000]
"""

import argparse
import cProfile
import os
import pstats
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from engine import Engine  # noqa: E402
from engine.server import RespConnection, Server  # noqa: E402


class FakeTransport:
    def __init__(self):
        self.out = 0

    def write(self, data):
        self.out += len(data)

    def get_extra_info(self, name, default=None):
        return {"peername": ("127.0.0.1", 5555), "sockname": ("127.0.0.1", 6379)}.get(name)

    def set_write_buffer_limits(self, high, low):
        pass

    def is_closing(self):
        return False

    def get_write_buffer_size(self):
        return 0


def frame(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


WORKLOADS = {
    "ping": lambda i: frame(b"PING"),
    "set": lambda i: frame(b"SET", b"key:%012d" % (i % 1000), b"xxx"),
    "get": lambda i: frame(b"GET", b"key:%012d" % (i % 1000)),
    "incr": lambda i: frame(b"INCR", b"counter:%012d" % (i % 1000)),
}


def run(workload, n, pipeline, profile):
    eng = Engine()
    srv = Server(eng)
    conn = RespConnection(eng, srv)
    conn.connection_made(FakeTransport())
    for i in range(1000):
        eng.execute("SET", b"key:%012d" % i, b"xxx")
    gen = WORKLOADS[workload]
    batches = [b"".join(gen(i * pipeline + j) for j in range(pipeline))
               for i in range(min(n // pipeline, 2000))]
    rounds = n // pipeline
    prof = cProfile.Profile() if profile else None
    feed = conn.data_received
    best = float("inf")
    for _ in range(1 if profile else 5):  # best of 5: the machine is shared
        t0 = time.process_time()
        if prof:
            prof.enable()
        for i in range(rounds):
            feed(batches[i % len(batches)])
        if prof:
            prof.disable()
        best = min(best, time.process_time() - t0)
    dt = best
    print("%-6s pipeline=%-3d %8.0f ops/s  %.2f us/op" % (workload, pipeline, rounds * pipeline / dt,
                                                       dt / (rounds * pipeline) * 1e6))
    if prof:
        pstats.Stats(prof).sort_stats("tottime").print_stats(15)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--pipeline", type=int, default=16)
    ap.add_argument("--n", type=int, default=200000)
    ap.add_argument("workloads", nargs="*", default=list(WORKLOADS))
    a = ap.parse_args()
    for w in a.workloads:
        run(w, a.n, a.pipeline, a.profile)
