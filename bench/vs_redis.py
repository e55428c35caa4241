"""Strata beside redis-server under redis-benchmark, in one interleaved run.

Starts a real redis-server and a Strata server (native build unless --py) on free ports and
runs the shared harness ../shared/tools/redis_ratio.py (or the copy given by --tool), which
reports per-test throughput ratios, latencies and server CPU per request.

    python bench/vs_redis.py --tests ping_mbulk,set,get,incr,mset --rounds 3
    python bench/vs_redis.py --tests lpush,rpush,lpop,rpop,sadd,hset,spop,zadd,zpopmin,lrange_100,lrange_300
"""

import argparse
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tests.support.servers import start_redis, start_strata  # noqa: E402

DEFAULT_TOOL = os.path.join(ROOT, "..", "shared", "tools", "redis_ratio.py")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tests", default="ping_mbulk,set,get,incr,mset")
    ap.add_argument("--rounds", default="3")
    ap.add_argument("--modes", default="np,p")
    ap.add_argument("--py", action="store_true", help="pure-Python build of Strata")
    ap.add_argument("--tool", default=os.environ.get("REDIS_RATIO", DEFAULT_TOOL))
    ap.add_argument("--json", help="write the harness's JSON results here")
    ap.add_argument("extra", nargs=argparse.REMAINDER, help="more redis_ratio.py options")
    a = ap.parse_args()
    if not os.path.exists(a.tool):
        sys.stderr.write("redis_ratio.py not found at %s (use --tool)\n" % a.tool)
        return 2
    ref = start_redis()
    cand = start_strata("py" if a.py else "c")
    try:
        cmd = [sys.executable, a.tool, "--ref", "127.0.0.1:%d:%d" % (ref.port, ref.pid),
               "--cand", "127.0.0.1:%d:%d" % (cand.port, cand.pid), "--rounds", a.rounds,
               "--modes", a.modes, "--tests", a.tests, "--order", "alternate"]
        if a.json:
            cmd += ["--json", a.json]
        return subprocess.call(cmd + a.extra)
    finally:
        cand.stop()
        ref.stop()


if __name__ == "__main__":
    sys.exit(main())
