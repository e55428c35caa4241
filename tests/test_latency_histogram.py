"""Latency tracking as Redis 7.0: LATENCY HISTOGRAM, INFO latencystats, the latency-tracking
options, and the statistics of a blocked command once it is served (updateStatsOnUnblock:
histogram, slowlog under the original arguments, CLIENT UNBLOCK's failed call).

Durations differ between two servers, so replies are compared by shape: the RESP types,
the command names, ``calls`` exactly, bucket bounds among hdr_histogram's, cumulative counts
ending at ``calls``. The hdr_histogram arithmetic itself is checked against vectors that
Redis's deps/hdr_histogram (hdr_iter_log_init(1024, 2), hdr_value_at_percentile) gives.
"""

import random
import re
import time

import pytest

from engine.latency_histogram import cdf, format_percentile, percentile_value
from native import dispatch
from tests.conftest import require_impl
from tests.support.raw import RawClient


# ============================================================================ hdr arithmetic
# (usec values recorded, percentiles) -> (CDF pairs, "%.3f" percentiles) as printed by a C
# program linked with Redis 7.0.15's deps/hdr_histogram/hdr_histogram.c that records
# usec * 1000 clamped to 1 .. 1e9 and loops as fillCommandCDF / fillPercentileDistribution.
GOLDEN = [
    ([0, 1, 2, 3, 4, 5, 8, 9, 16, 17, 33, 34, 66, 67, 1000, 541065, 541066, 999999, 2000000],
     [0.0, 50.0, 99.0, 99.9, 100.0],
     [(1, 2), (2, 3), (4, 5), (8, 7), (16, 9), (33, 11), (66, 13), (132, 14), (1056, 15),
      (541065, 16), (1073741, 19)],
     ["0.001", "17.023", "1002438.655", "1002438.655", "1002438.655"]),
    ([7, 7, 7, 7, 7, 12, 100, 250, 3000], [50.0, 99.0, 99.9],
     [(8, 5), (16, 6), (132, 7), (264, 8), (4227, 9)],
     ["7.007", "3014.655", "3014.655"]),
    ([0], [0.0, 100.0], [(1, 1)], ["0.001", "0.001"]),
]


def twins():
    out = [dispatch.impl_py]
    if dispatch.impl_c is not None:
        out.append(dispatch.impl_c)
    return out


@pytest.mark.parametrize("values,percentiles,want_cdf,want_p", GOLDEN)
def test_hdr_arithmetic_matches_redis_hdr_histogram(values, percentiles, want_cdf, want_p):
    for mod in twins():
        core = mod.CommandCore()
        for v in values:
            core.record_latency(v)
        counts = core.latency_counts()
        assert cdf(counts) == want_cdf, mod
        assert ["%.3f" % (percentile_value(counts, p) / 1000.0) for p in percentiles] == want_p


def test_record_latency_twins_agree():
    if dispatch.impl_c is None:
        require_impl("c")
    rng = random.Random(7)
    c, py = dispatch.impl_c.CommandCore(), dispatch.impl_py.CommandCore()
    values = [0, 1, 2, 255, 256, 1_000_000, 1_000_001, 2 ** 40] + \
        [int(rng.expovariate(1 / rng.choice([3, 300, 30000]))) for _ in range(3000)]
    for v in values:
        c.record_latency(v)
        py.record_latency(v)
    assert c.latency_counts() == py.latency_counts()
    assert sum(c.latency_counts().values()) == len(values)
    c.reset_latency()
    py.reset_latency()
    assert c.latency_counts() == py.latency_counts() == {}


def test_format_percentile_as_trimmed_printf():
    assert [format_percentile(p) for p in (50.0, 99.9, 0.0, 100.0, 33.3333333, -0.0)] == \
        ["50", "99.9", "0", "100", "33.333333", "-0"]


# ============================================================================ RESP shapes
def parse(data: bytes, pos: int = 0):
    """One RESP2/3 reply as (value, next position); aggregates keep their type byte:
    ("*", items), ("%", [(k, v), ...]), ("~", items)."""
    end = data.index(b"\r\n", pos)
    kind, line = data[pos:pos + 1], data[pos + 1:end]
    pos = end + 2
    if kind == b":":
        return int(line), pos
    if kind in (b"$", b"="):
        n = int(line)
        if n < 0:
            return None, pos
        return data[pos:pos + n], pos + n + 2
    if kind in (b"+", b"-", b",", b"(", b"#"):
        return (kind.decode(), line), pos
    if kind == b"_":
        return None, pos
    n = int(line)
    if kind == b"%":
        items = []
        for _ in range(n):
            k, pos = parse(data, pos)
            v, pos = parse(data, pos)
            items.append((k, v))
        return ("%", items), pos
    items = []
    for _ in range(n):
        v, pos = parse(data, pos)
        items.append(v)
    return (kind.decode(), items), pos


def as_map(value, resp: int) -> list:
    """A map reply's (key, value) pairs, from ``%`` (RESP3) or a flat array (RESP2)."""
    kind, items = value
    if resp == 3:
        assert kind == "%"
        return items
    assert kind == "*" and len(items) % 2 == 0
    return list(zip(items[::2], items[1::2]))


# hdr_iter_log_init(1024, 2) bucket labels: the highest value equivalent to 1024 * 2^k ns,
# in microseconds; past 2^29 ns the iterator stops on the last slot (1073741).
LABELS = {(1032 * 2 ** k - 1) // 1000 for k in range(20)} | {1073741}


def histogram_shape(raw: bytes, resp: int) -> dict:
    """LATENCY HISTOGRAM's reply checked for its shape, as {command: calls}."""
    value, end = parse(raw)
    assert end == len(raw)
    out = {}
    for name, entry in as_map(value, resp):
        fields = as_map(entry, resp)
        assert [k for k, _ in fields] == [b"calls", b"histogram_usec"]
        calls = fields[0][1]
        buckets = as_map(fields[1][1], resp)
        bounds = [b for b, _ in buckets]
        counts = [n for _, n in buckets]
        assert bounds == sorted(bounds) and set(bounds) <= LABELS, bounds
        assert counts == sorted(counts) and len(set(counts)) == len(counts)  # grows each step
        assert counts and counts[-1] == calls
        assert name not in out
        out[name] = calls
    return out


def both(d, *args) -> tuple:
    return d.s.call(*args), d.o.call(*args)


def histograms(d, resp: int, *names) -> dict:
    got, want = both(d, "LATENCY", "HISTOGRAM", *names)
    got, want = histogram_shape(got, resp), histogram_shape(want, resp)
    assert got == want, (names, got, want)
    return want


@pytest.fixture(params=[2, 3])
def d(request, strata_server, oracle_server):
    from tests.support.diff import Differential
    dd = Differential(strata_server, oracle_server, resp=request.param)
    dd.resp_version = request.param
    yield dd
    for c in (dd.s, dd.o):  # the servers are shared with other tests
        c.call("CONFIG", "SET", "latency-tracking", "yes",
               "latency-tracking-info-percentiles", "50 99 99.9",
               "slowlog-log-slower-than", "10000")
        c.call("CONFIG", "RESETSTAT")
    dd.close()


def test_histogram_of_commands_run(d):
    resp = d.resp_version
    d.check("CONFIG", "RESETSTAT")
    assert histograms(d, resp) == {b"config|resetstat": 1}
    for cmd in (("SET", "a", "b"), ("SET", "c", "d"), ("GET", "a"), ("HSET", "h", "f", "v"),
                ("HGETALL", "h"), ("CLIENT", "ID"), ("CLIENT", "GETNAME"),
                ("GET", "nosuch"), ("MSET", "x", "1", "y", "2"), ("INCR", "x")):
        both(d, *cmd)
    for _ in range(20):  # a pipeline: the native dispatcher's inline path
        d.s.pipeline([["GET", "a"], ["SET", "k", "v"], ["LPUSH", "l", "x"], ["RPOP", "l"]])
        d.o.pipeline([["GET", "a"], ["SET", "k", "v"], ["LPUSH", "l", "x"], ["RPOP", "l"]])
    want = histograms(d, resp, "set", "get", "hset", "client", "nosuch", "zadd", "mset",
                      "incr", "lpush", "rpop", "CONFIG|RESETSTAT", "client|", "a|b|c")
    assert want == {b"set": 22, b"get": 22, b"hset": 1, b"client|id": 1,
                    b"client|getname": 1, b"mset": 1, b"incr": 1, b"lpush": 20,
                    b"rpop": 20, b"config|resetstat": 1}
    # all commands: the same set of histograms (Redis lists them in its dict order)
    histograms(d, resp)
    assert histograms(d, resp, "blabla") == {}
    assert histograms(d, resp, "client|id") == {b"client|id": 1}


def test_histogram_ordered_by_arguments(d):
    d.check("CONFIG", "RESETSTAT")
    d.check("SET", "a", "b")
    d.check("GET", "a")
    got, want = both(d, "LATENCY", "HISTOGRAM", "get", "blabla", "set")
    names = lambda raw: [k for k, _ in as_map(parse(raw)[0], d.resp_version)]  # noqa: E731
    assert names(got) == names(want) == [b"get", b"set"]


def test_tracking_disabled_and_resetstat(d):
    resp = d.resp_version
    d.check("CONFIG", "RESETSTAT")
    d.check("CONFIG", "SET", "latency-tracking", "no")
    d.check("SET", "a", "b")
    assert histograms(d, resp) == {b"config|resetstat": 1}
    d.check("INFO", "latencystats")  # the header alone while tracking is off
    d.check("CONFIG", "GET", "latency-tracking")
    d.check("CONFIG", "SET", "latency-tracking", "yes")
    d.check("SET", "a", "b")
    assert histograms(d, resp, "set") == {b"set": 1}
    d.check("CONFIG", "RESETSTAT")
    assert histograms(d, resp, "set") == {}


def test_exec_and_script_calls_are_tracked(d):
    resp = d.resp_version
    d.check("CONFIG", "RESETSTAT")
    d.check("MULTI")
    d.check("SET", "a", "1")
    d.check("INCR", "a")
    d.check("EXEC")
    d.check("EVAL", "redis.call('set', KEYS[1], 'x') return redis.call('get', KEYS[1])", 1, "k")
    assert histograms(d, resp, "set", "incr", "exec", "eval", "get", "multi") == {
        b"set": 2, b"incr": 1, b"exec": 1, b"eval": 1, b"get": 1, b"multi": 1}


# ============================================================================ options, INFO
PERCENTILE_ERRORS = ["10.0 50.0 a", "10.0 50.0 101.0", "-1", "nan", "1 ", " 1", "1  2", "1e999"]


@pytest.mark.parametrize("value", PERCENTILE_ERRORS)
def test_percentile_option_errors(diff, value):
    before = diff.check("CONFIG", "GET", "latency-tracking-info-percentiles")
    diff.check("CONFIG", "SET", "latency-tracking-info-percentiles", value)
    assert diff.check("CONFIG", "GET", "latency-tracking-info-percentiles") == before


@pytest.mark.parametrize("value", ["", "0", "0.0 50.0 100.0", "1e1 99.99 33.3333333",
                                   "99.9 50", "-0"])
def test_percentile_option_values(d, value):
    d.check("CONFIG", "SET", "latency-tracking-info-percentiles", value)
    d.check("CONFIG", "GET", "latency-tracking-info-percentiles")
    d.check("CONFIG", "RESETSTAT")
    d.check("SET", "a", "b")
    both(d, "CLIENT", "ID")
    got, want = both(d, "INFO", "latencystats")
    number = re.compile(rb"=\d+\.\d{3}")
    # the same lines (Redis lists its commands in its dict's order), values as %.3f
    assert sorted(number.sub(b"=N", got).split(b"\r\n")[1:]) == \
        sorted(number.sub(b"=N", want).split(b"\r\n")[1:])
    d.check("CONFIG", "SET", "latency-tracking", "maybe")


def test_info_latencystats_values_follow_the_histogram(r):
    """INFO's percentiles are hdr_value_at_percentile of LATENCY HISTOGRAM's data: p100 lies
    in the last bucket, p0 at or below the first."""
    r.config_resetstat()
    for _ in range(50):
        r.set("a", "b")
    line = r.info("latencystats")["latency_percentiles_usec_set"]
    hist = r.execute_command("LATENCY", "HISTOGRAM", "set")
    raw = hist[1] if isinstance(hist, list) else hist[b"set"]
    buckets = raw[3] if isinstance(raw, list) else raw[b"histogram_usec"]
    bounds = buckets[::2] if isinstance(buckets, list) else sorted(buckets)
    p = dict(x.split("=") for x in line.split(",")) if isinstance(line, str) else \
        {k: str(v) for k, v in line.items()}
    assert float(p["p99.9"]) <= bounds[-1] + 1
    assert float(p["p50"]) <= float(p["p99"]) <= float(p["p99.9"])


def test_config_file_and_rewrite(tmp_path):
    import os
    import sys
    from tests.support.servers import ROOT, ServerProcess, free_port
    conf = tmp_path / "s.conf"
    conf.write_text("latency-tracking no\nlatency-tracking-info-percentiles \"10 20\"\n")
    port = free_port()
    env = dict(os.environ, STRATA_NO_EXTENSIONS="1",
               PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    srv = ServerProcess("strata-py", [sys.executable, "-m", "engine", str(conf), "--port",
                                      str(port), "--save", ""], port, env)
    try:
        c = RawClient(srv.host, srv.port)
        assert c.call("CONFIG", "GET", "latency-tracking") == \
            b"*2\r\n$16\r\nlatency-tracking\r\n$2\r\nno\r\n"
        assert c.call("CONFIG", "GET", "latency-tracking-info-percentiles") == \
            b"*2\r\n$33\r\nlatency-tracking-info-percentiles\r\n$5\r\n10 20\r\n"
        assert c.call("SET", "a", "b") == b"+OK\r\n"
        assert c.call("LATENCY", "HISTOGRAM") == b"*0\r\n"
        assert c.call("CONFIG", "SET", "latency-tracking-info-percentiles", "") == b"+OK\r\n"
        assert c.call("CONFIG", "REWRITE") == b"+OK\r\n"
        assert 'latency-tracking-info-percentiles ""' in conf.read_text()
        c.close()
    finally:
        srv.stop()


# ============================================================================ blocked commands
def _wait_blocked(c: RawClient, n: int = 1) -> None:
    deadline = time.time() + 5
    while time.time() < deadline:
        info = c.call("INFO", "clients")
        if b"blocked_clients:%d\r\n" % n in info:
            return
        time.sleep(0.01)
    raise AssertionError("no blocked client")


def _cmdstat(c: RawClient, name: bytes) -> dict:
    m = re.search(rb"cmdstat_" + re.escape(name) + rb":calls=(\d+),usec=\d+,usec_per_call="
                  rb"[\d.]+,rejected_calls=(\d+),failed_calls=(\d+)", c.call("INFO", "commandstats"))
    return {} if m is None else {"calls": int(m[1]), "rejected": int(m[2]), "failed": int(m[3])}


def _slowlog_args(c: RawClient) -> list:
    entries, _ = parse(c.call("SLOWLOG", "GET", "-1"))
    return [e[1][3][1] for e in entries[1]]


def _serve_blpop_in_multi(c: RawClient, other: RawClient) -> None:
    """unit/slowlog "Rewritten commands are logged as their original command": a BLPOP that
    blocked, served by an LPUSH inside MULTI, after a SLOWLOG RESET in the same MULTI."""
    other.send(b"*3\r\n$5\r\nBLPOP\r\n$1\r\nl\r\n$1\r\n0\r\n")
    _wait_blocked(c)
    for cmd in (("MULTI",), ("LPUSH", "l", "foo"), ("SLOWLOG", "RESET"), ("EXEC",)):
        c.call(*cmd)
    assert other.read_reply() == b"*2\r\n$1\r\nl\r\n$3\r\nfoo\r\n"


def test_served_blocked_command_stats(d):
    resp = d.resp_version
    so, oo = d.pair()
    for c, other in ((d.s, so), (d.o, oo)):
        c.call("CONFIG", "RESETSTAT")
        c.call("CONFIG", "SET", "slowlog-log-slower-than", "0")
        _serve_blpop_in_multi(c, other)
    logged = _slowlog_args(d.s)
    assert logged == _slowlog_args(d.o) and logged[0] == [b"BLPOP", b"l", b"0"]
    assert _cmdstat(d.s, b"blpop") == _cmdstat(d.o, b"blpop") == \
        {"calls": 1, "rejected": 0, "failed": 0}
    assert histograms(d, resp, "blpop", "lpush") == {b"blpop": 1, b"lpush": 1}


def test_timed_out_blocked_command_has_no_histogram(d):
    resp = d.resp_version
    d.check("CONFIG", "RESETSTAT")
    d.check("CONFIG", "SET", "slowlog-log-slower-than", "0")
    d.check("SLOWLOG", "RESET")
    d.check("BLPOP", "nolist", "0.01")
    # a timed-out command is not logged
    assert _slowlog_args(d.s) == _slowlog_args(d.o) == [[b"SLOWLOG", b"RESET"]]
    assert histograms(d, resp, "blpop") == {}
    assert _cmdstat(d.s, b"blpop") == _cmdstat(d.o, b"blpop") == \
        {"calls": 1, "rejected": 0, "failed": 0}


@pytest.mark.parametrize("mode", [(), ("ERROR",), ("TIMEOUT",)])
def test_client_unblock_stats(d, mode):
    """updateStatsOnUnblock(target, 0, 0, 1): a failed call either way, its histogram, and a
    slowlog entry without arguments (Redis reset the client's argv before logging)."""
    resp = d.resp_version
    so, oo = d.pair()
    for c, other in ((d.s, so), (d.o, oo)):
        c.call("CONFIG", "RESETSTAT")
        c.call("CONFIG", "SET", "slowlog-log-slower-than", "0")
        other.call("CLIENT", "SETNAME", "blk")
        client_id = int(other.call("CLIENT", "ID")[1:-2])
        other.send(b"*3\r\n$5\r\nBLPOP\r\n$6\r\nnolist\r\n$1\r\n0\r\n")
        _wait_blocked(c)
        c.call("SLOWLOG", "RESET")
        assert c.call("CLIENT", "UNBLOCK", client_id, *mode) == b":1\r\n"
        other.read_reply()
    logged = [args[:2] for args in _slowlog_args(d.s)]  # (not the client ids)
    assert logged == [args[:2] for args in _slowlog_args(d.o)]
    assert logged == [[b"CLIENT", b"UNBLOCK"], [], [b"SLOWLOG", b"RESET"]]
    assert _cmdstat(d.s, b"blpop") == _cmdstat(d.o, b"blpop") == \
        {"calls": 1, "rejected": 0, "failed": 1}
    assert histograms(d, resp, "blpop") == {b"blpop": 1}
