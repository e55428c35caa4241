"""HyperLogLog commands against redis-server 7.0: replies and, since an HLL is a string in
Redis's exact format, the GET bytes after every change (sparse edits, promotion to dense,
merges, the cached cardinality PFCOUNT writes back), plus corrupted values."""

import random
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.types import hll


@pytest.fixture(params=[2, 3], ids=["resp2", "resp3"])
def d(request, diff, diff3):
    yield diff if request.param == 2 else diff3


@pytest.fixture
def sparse_limit(diff):
    """Restores hll-sparse-max-bytes on both servers after a test changes it."""
    yield lambda n: diff.check("CONFIG", "SET", "hll-sparse-max-bytes", str(n))
    diff.both("CONFIG", "SET", "hll-sparse-max-bytes", "3000")


def run(d, script):
    for cmd in script:
        d.check(*cmd)


def value(d, key):
    """GET on both servers, compared; returns the bytes (without the bulk framing)."""
    reply = d.check("GET", key)
    return reply[reply.index(b"\r\n") + 2:-2]


def elements(prefix, n):
    return [f"{prefix}{i}" for i in range(n)]


# ------------------------------------------------------------------ metadata and errors


def test_command_info_and_keys(diff):
    run(diff, [
        ("COMMAND", "GETKEYS", "PFADD", "k", "a"), ("COMMAND", "GETKEYS", "PFCOUNT", "a", "b"),
        ("COMMAND", "GETKEYS", "PFMERGE", "d", "a", "b"),
        ("COMMAND", "GETKEYS", "PFDEBUG", "GETREG", "k"),
    ])


@pytest.mark.parametrize("cmd", [("PFADD",), ("PFCOUNT",), ("PFMERGE",), ("PFDEBUG", "x"),
                                 ("PFDEBUG", "a", "b", "c"), ("PFSELFTEST", "x")])
def test_wrong_arity(diff, cmd):
    diff.check(*cmd)


def test_type_checks(d):
    run(d, [
        ("SET", "s", "hello"), ("RPUSH", "l", "x"), ("SET", "int", "12345678901234567890"),
        ("SET", "short", "HYLL"), ("PFADD", "h", "a"),
        ("PFADD", "s", "a"), ("PFADD", "l", "a"), ("PFADD", "int", "a"), ("PFADD", "short"),
        ("PFCOUNT", "s"), ("PFCOUNT", "l"), ("PFCOUNT", "h", "s"), ("PFCOUNT", "h", "l"),
        ("PFCOUNT", "nokey", "h"), ("PFMERGE", "h", "s"), ("PFMERGE", "l", "h"),
        ("PFMERGE", "s", "h"), ("PFMERGE", "h", "nokey"), ("PFDEBUG", "GETREG", "s"),
        ("PFDEBUG", "GETREG", "l"), ("PFDEBUG", "ENCODING", "nokey"), ("PFDEBUG", "NOPE", "h"),
        ("PFDEBUG", "NOPE", "nokey"), ("PFDEBUG", "DECODE", "s"), ("GET", "h"),
    ])


def test_header_checks(d):
    d.check("PFADD", "h", "a", "b")
    sparse = value(d, "h")
    run(d, [
        ("SET", "magic", b"HYLX" + sparse[4:]), ("PFCOUNT", "magic"),
        ("SET", "enc", sparse[:4] + b"\x02" + sparse[5:]), ("PFADD", "enc", "x"),
        ("SET", "dense-short", sparse[:4] + b"\x00" + sparse[5:]), ("PFCOUNT", "dense-short"),
        ("SET", "hdr-only", sparse[:16]), ("PFCOUNT", "hdr-only"), ("PFADD", "hdr-only", "x"),
        ("SET", "fifteen", sparse[:15]), ("PFCOUNT", "fifteen"),
    ])


# ------------------------------------------------------------------ PFADD / PFCOUNT


def test_basics(d):
    run(d, [
        ("PFADD", "h"), ("GET", "h"), ("PFADD", "h"), ("PFCOUNT", "h"), ("GET", "h"),
        ("PFADD", "h", "a", "b", "c"), ("GET", "h"), ("PFADD", "h", "a"), ("PFCOUNT", "h"),
        ("GET", "h"), ("PFCOUNT", "h"), ("PFADD", "h", "d"), ("GET", "h"), ("PFCOUNT", "h"),
        ("GET", "h"), ("PFCOUNT", "nokey"), ("EXISTS", "nokey"), ("PFADD", "h2", "", "x" * 300),
        ("PFCOUNT", "h2"), ("GET", "h2"), ("OBJECT", "ENCODING", "h"), ("TYPE", "h"),
        ("STRLEN", "h"), ("PFDEBUG", "ENCODING", "h"), ("PFDEBUG", "DECODE", "h"),
    ])


def test_cache_written_back_and_encoding(diff):
    diff.check("PFADD", "h", *elements("e", 50))
    sparse = value(diff, "h")
    run(diff, [("SET", "copy", sparse), ("OBJECT", "ENCODING", "copy"), ("PFCOUNT", "copy"),
               ("OBJECT", "ENCODING", "copy"), ("GET", "copy"), ("PFCOUNT", "copy"),
               ("GET", "copy"), ("PFADD", "copy", "e1"), ("GET", "copy")])
    before = value(diff, "h")
    diff.check("PFCOUNT", "h")
    after = value(diff, "h")
    assert before[15] & 0x80 and not after[15] & 0x80 and before[16:] == after[16:]


def test_many_elements_become_dense(d):
    for i in range(4):
        d.check("PFADD", "h", *elements(f"x{i}-", 400))
        d.check("PFDEBUG", "ENCODING", "h")
        value(d, "h")
        d.check("PFCOUNT", "h")
    run(d, [("STRLEN", "h"), ("PFADD", "h", *elements("y", 5000)), ("PFCOUNT", "h"),
            ("GET", "h"), ("PFADD", "h", *elements("y", 100)), ("PFCOUNT", "h")])


@pytest.mark.parametrize("limit", [0, 1, 17, 20, 100, 700])
def test_sparse_max_bytes(diff, sparse_limit, limit):
    sparse_limit(limit)
    for i in range(12):
        diff.check("PFADD", f"h{limit}", *elements(f"{limit}-{i}-", 7 * i + 1))
        value(diff, f"h{limit}")
    run(diff, [("PFDEBUG", "ENCODING", f"h{limit}"), ("PFCOUNT", f"h{limit}"),
               ("CONFIG", "GET", "hll-sparse-max-bytes")])


M64 = (1 << 64) - 1
_M = 0xc6a4a7935bd1e995
_MINV = pow(_M, -1, 1 << 64)


def crafted(index, count):
    """An 8-byte element hashing to register ``index`` with run length ``count``
    (MurmurHash64A is invertible; runs above 32 would take billions of tries)."""
    h = index | (1 << (hll.HLL_P + count - 1) if count <= 50 else 0)
    h ^= h >> 47  # undo the final mix (x ^= x >> 47; x *= m; x ^= x >> 47)
    h = (h * _MINV) & M64
    h ^= h >> 47
    h = (h * _MINV) & M64  # undo the block's h *= m, then its h ^= k
    k = h ^ ((0xadc83b19 ^ (8 * _M)) & M64)
    k = (k * _MINV) & M64
    k ^= k >> 47
    k = (k * _MINV) & M64
    element = k.to_bytes(8, "little")
    assert hll.pat_len(element) == (index, count)
    return element


def test_large_register_values_promote(diff):
    """A register above 32 cannot be a sparse VAL: the HLL turns dense first."""
    for index, count in [(7, 20), (100, 32), (16383, 33), (0, 51), (9000, 40)]:
        diff.check("PFADD", "h", crafted(index, count))
        value(diff, "h")
        diff.check("PFDEBUG", "ENCODING", "h")
    run(diff, [("PFCOUNT", "h"), ("PFADD", "s", crafted(3, 30), crafted(4, 30)),
               ("PFMERGE", "s", "h"), ("GET", "s"), ("PFCOUNT", "s", "h")])


def test_sparse_opcode_edits(diff):
    """Splits of ZERO/XZERO/VAL runs at their edges, VAL merges (and the 5-opcode merge
    window), runs of 64 and 65 zeros, the last register."""
    steps = [[(0, 1)], [(1, 1)], [(3, 1), (2, 1)], [(4, 1)], [(2, 2)], [(1, 3), (0, 3)],
             [(64 + 5, 2)], [(64 + 6 + 64, 2)], [(16383, 5)], [(16382, 5), (16381, 5)],
             [(200, 7), (201, 7), (203, 7), (202, 7), (204, 7)], [(202, 9)], [(202, 9)],
             [(8191, 32), (8192, 31), (8190, 1)], [(66, 2), (67, 2), (68, 2), (65, 2)],
             [(5, 1), (6, 1), (7, 1), (8, 1), (9, 1), (10, 1), (11, 1), (12, 1)]]
    for batch in steps:
        diff.check("PFADD", "h", *[crafted(i, n) for i, n in batch])
        value(diff, "h")
        diff.check("PFDEBUG", "DECODE", "h")
    diff.check("PFCOUNT", "h")


settings_hll = settings(max_examples=25, deadline=None,
                        suppress_health_check=[HealthCheck.function_scoped_fixture])


@settings_hll
@given(batches=st.lists(st.lists(st.binary(max_size=12) | st.integers(0, 3000).map(str),
                                 max_size=60), min_size=1, max_size=12),
       limit=st.sampled_from([3000, 300, 60]))
def test_random_pfadd_sequences(diff, batches, limit):
    diff.both("DEL", "h")
    diff.check("CONFIG", "SET", "hll-sparse-max-bytes", str(limit))
    try:
        for batch in batches:
            diff.check("PFADD", "h", *batch)
            value(diff, "h")
        diff.check("PFCOUNT", "h")
        value(diff, "h")
    finally:
        diff.both("CONFIG", "SET", "hll-sparse-max-bytes", "3000")


# ------------------------------------------------------------------ PFCOUNT of several, PFMERGE


def test_multi_key_count_does_not_write(d):
    d.check("PFADD", "a", *elements("a", 300))
    d.check("PFADD", "b", *elements("b", 3000))
    d.check("PFADD", "c", *elements("a", 100), *elements("c", 50))
    before = value(d, "a")
    run(d, [("PFCOUNT", "a", "b"), ("PFCOUNT", "a", "c", "nokey"), ("PFCOUNT", "nokey", "x"),
            ("PFCOUNT", "a", "a"), ("PFCOUNT", "b", "c", "a")])
    assert value(d, "a") == before


def test_pfmerge(d, sparse_limit):
    run(d, [
        ("PFADD", "s1", *elements("a", 200)), ("PFADD", "s2", *elements("b", 150)),
        ("PFADD", "big", *elements("c", 4000)), ("PFADD", "big2", *elements("d", 3000)),
        ("PFMERGE", "m1", "s1", "s2"), ("GET", "m1"), ("PFCOUNT", "m1"),
        ("PFMERGE", "m2", "s1", "big"), ("GET", "m2"), ("PFCOUNT", "m2"),
        ("PFMERGE", "m3", "big", "big2", "nokey"), ("GET", "m3"), ("PFCOUNT", "m3"),
        ("PFMERGE", "s1", "s2"), ("GET", "s1"), ("PFMERGE", "s2", "big"), ("GET", "s2"),
        ("PFMERGE", "empty"), ("GET", "empty"), ("PFMERGE", "empty2", "nokey"),
        ("GET", "empty2"), ("PFMERGE", "m1"), ("GET", "m1"), ("PFCOUNT", "m1"),
        ("PFADD", "s3", *elements("e", 2)), ("PFMERGE", "m1", "s3"), ("GET", "m1"),
    ])
    sparse_limit(40)
    run(d, [("PFMERGE", "m4", "s3", "m1"), ("GET", "m4"), ("PFDEBUG", "ENCODING", "m4"),
            ("PFADD", "t", "x"), ("PFMERGE", "t", "s3"), ("GET", "t")])


# ------------------------------------------------------------------ corrupted values


def test_oracle_value_round_trip(diff):
    """A value Redis produced, SET into both, reads back identically (persistence relies on
    the representation being the same bytes)."""
    for n in (3, 300, 3000):
        diff.o.call("PFADD", f"src{n}", *elements("z", n))
        raw = diff.o.call("GET", f"src{n}")
        blob = raw[raw.index(b"\r\n") + 2:-2]
        run(diff, [("SET", f"k{n}", blob), ("PFCOUNT", f"k{n}"), ("GET", f"k{n}"),
                   ("PFADD", f"k{n}", "new"), ("GET", f"k{n}"), ("PFCOUNT", f"k{n}")])


def test_corrupted_sparse(d):
    d.check("PFADD", "h", *elements("a", 30))
    good = value(d, "h")
    cases = {
        "tail": good + b"hello",                            # registers past 16384
        "short": good[:-2],                                 # registers missing at the end
        "half-xzero": good[:-1],                            # a lone XZERO byte at the end
        "val-over": good[:16] + b"\x7f\xff\xff",           # VAL beyond the last register
        "zeros": good[:16] + b"\x3f" * 300,                  # ZERO runs covering too little
        "empty-body": good[:16],
    }
    for key, blob in cases.items():
        run(d, [("SET", key, blob), ("PFCOUNT", key), ("PFCOUNT", key, "h"),
                ("PFMERGE", "dst", key), ("PFADD", key, "a1", "zz", "q"), ("GET", key),
                ("PFDEBUG", "DECODE", key), ("PFDEBUG", "GETREG", key), ("GET", key)])


def test_corrupted_dense(d):
    d.check("PFADD", "h", *elements("a", 5000))
    dense = value(d, "h")
    rnd = random.Random(7)
    blob = bytearray(dense)
    for _ in range(50):
        blob[rnd.randrange(16, len(blob))] = rnd.randrange(256)
    run(d, [("SET", "k", bytes(blob)), ("PFCOUNT", "k"), ("PFADD", "k", "x", "y"),
            ("GET", "k"), ("PFCOUNT", "k", "h"), ("PFMERGE", "k", "h"), ("GET", "k"),
            ("SET", "long", dense + b"x"), ("PFCOUNT", "long"), ("SETRANGE", "h", "5", "\x01"),
            ("PFCOUNT", "h")])


def test_bad_cache_and_unused_bytes(d):
    d.check("PFADD", "h", "a", "b")
    good = value(d, "h")
    run(d, [("SET", "k", good[:5] + b"\x01\x02\x03" + b"\x10\x27" + b"\x00" * 6 + good[16:]),
            ("PFCOUNT", "k"), ("PFADD", "k", *elements("a", 3000)), ("GET", "k"),
            ("PFCOUNT", "k")])


# ------------------------------------------------------------------ PFDEBUG, PFSELFTEST


def test_pfdebug(d):
    run(d, [
        ("PFADD", "h", *elements("a", 20)), ("PFDEBUG", "ENCODING", "h"),
        ("PFDEBUG", "DECODE", "h"), ("PFDEBUG", "decode", "h"), ("PFDEBUG", "TODENSE", "h"),
        ("GET", "h"), ("PFDEBUG", "TODENSE", "h"), ("PFDEBUG", "DECODE", "h"),
        ("PFDEBUG", "ENCODING", "h"), ("PFADD", "g", "x"), ("PFDEBUG", "GETREG", "g"),
        ("PFDEBUG", "ENCODING", "g"), ("GET", "g"), ("PFSELFTEST",),
    ])


# ------------------------------------------------------------------ in-process checks


def test_speed(engine):
    """PFADD of 1000 elements and PFCOUNT of a dense HLL stay within a few milliseconds."""
    adds = [[f"e{j}-{i}" for i in range(1000)] for j in range(5)]
    t0 = time.perf_counter()
    for batch in adds:
        engine.execute("PFADD", "h", *batch)
    per_add = (time.perf_counter() - t0) / len(adds)
    t0 = time.perf_counter()
    for i in range(5):
        engine.execute("PFADD", "h", f"new{i}")
        engine.execute("PFCOUNT", "h")
    per_count = (time.perf_counter() - t0) / 5
    assert engine.execute("PFDEBUG", "ENCODING", "h") == "dense"
    assert per_add < 0.03 and per_count < 0.01, (per_add, per_count)


def test_events_and_dirty(engine):
    c = engine.client()
    before = engine.dirty
    engine.call(c, [b"PFADD", b"h", b"a", b"b"])
    assert engine.dirty - before == 3  # the creation and two registers
    engine.call(c, [b"PFADD", b"h", b"a"])
    assert engine.dirty - before == 3
    engine.call(c, [b"PFCOUNT", b"h"])
    assert engine.dirty - before == 4  # the cache write
    engine.call(c, [b"PFCOUNT", b"h"])
    assert engine.dirty - before == 4


def test_register_packing_round_trip():
    rnd = random.Random(3)
    regs = bytes(rnd.randrange(64) for _ in range(hll.HLL_REGISTERS))
    assert hll.unpack_dense(hll.pack_dense(regs)) == regs
    other = bytes(rnd.randrange(64) for _ in range(hll.HLL_REGISTERS))
    assert hll.max_registers(regs, other) == bytes(map(max, regs, other))


def test_config_option(diff, sparse_limit):
    run(diff, [("CONFIG", "GET", "hll-sparse-max-bytes"),
               ("CONFIG", "SET", "hll-sparse-max-bytes", "-1"),
               ("CONFIG", "SET", "hll-sparse-max-bytes", "abc"),
               ("CONFIG", "SET", "hll-sparse-max-bytes", "1k"),
               ("CONFIG", "GET", "hll-sparse-max-bytes"),
               ("CONFIG", "SET", "hll-sparse-max-bytes", "9223372036854775808"),
               ("CONFIG", "GET", "hll*")])
