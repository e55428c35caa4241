"""Bit commands against redis-server 7.0, byte for byte (RESP2 and RESP3), plus
engine-level checks of in-place values, events and the dirty counter."""

import random

import pytest

from tests.test_strings import EngineOracle, Recorder, check_command_info, run

LLONG_MAX, LLONG_MIN = str(2 ** 63 - 1), str(-(2 ** 63))
BIT_COMMANDS = ["setbit", "getbit", "bitcount", "bitpos", "bitop", "bitfield", "bitfield_ro"]


@pytest.fixture
def eo(oracle_server):
    pair = EngineOracle(oracle_server)
    yield pair
    pair.close()


def test_command_info(oracle_server):
    check_command_info(oracle_server, BIT_COMMANDS)


@pytest.mark.parametrize("cmd", [
    ("SETBIT", "k", "1"), ("GETBIT", "k"), ("GETBIT", "k", "1", "2"), ("BITCOUNT",), ("BITPOS", "k"),
    ("BITOP", "AND", "d"), ("BITFIELD",), ("BITFIELD_RO",),
])
def test_wrong_arity(diff, cmd):
    diff.check(*cmd)


# ------------------------------------------------------------------ SETBIT / GETBIT


def test_setbit_getbit(diff):
    run(diff, [
        ("SETBIT", "k", "7", "1"), ("GET", "k"), ("SETBIT", "k", "7", "1"), ("SETBIT", "k", "7", "0"),
        ("SETBIT", "k", "100", "1"), ("GET", "k"), ("GETBIT", "k", "100"), ("GETBIT", "k", "101"),
        ("GETBIT", "k", "0"), ("GETBIT", "k", "10000"), ("GETBIT", "missing", "3"),
        ("SET", "n", "12"), ("GETBIT", "n", "2"), ("GETBIT", "n", "3"), ("SETBIT", "n", "6", "1"),
        ("GET", "n"), ("SETBIT", "e", "0", "0"), ("GET", "e"),
    ])


@pytest.mark.parametrize("offset", ["-1", "x", "", "1.5", " 1", "#1", LLONG_MAX, LLONG_MIN,
                                    "4294967296", "18446744073709551616"])
def test_bit_offset_errors(diff, offset):
    diff.check("SETBIT", "k", offset, "1")
    diff.check("GETBIT", "k", offset)


@pytest.mark.parametrize("value", ["2", "-1", "x", "", "01", "1 ", LLONG_MAX])
def test_setbit_value_errors(diff, value):
    diff.check("SETBIT", "k", "0", value)
    diff.check("SETBIT", "k", "-1", value)  # the offset is checked first
    diff.check("GET", "k")


def test_bit_offset_limit(oracle_server):
    """Offsets are bounded by proto-max-bulk-len bytes."""
    pair = EngineOracle(oracle_server, proto_max_bulk_len="1mb")
    pair.o.call("CONFIG", "SET", "proto-max-bulk-len", "1mb")
    try:
        for offset in ("8388607", "8388608"):
            pair.check("SETBIT", "k", offset, "1")
            pair.check("GETBIT", "k", offset)
            pair.check("BITFIELD", "f", "SET", "u8", offset, "1")
        pair.check("BITFIELD", "f", "GET", "u8", "#1048575", "GET", "u8", "#1048576")
        pair.check("BITFIELD", "f", "SET", "i64", "8388600", "-1")
        pair.check("STRLEN", "k")
        pair.check("STRLEN", "f")
    finally:
        pair.o.call("CONFIG", "SET", "proto-max-bulk-len", "512mb")
        pair.close()


def test_wrongtype(eo):
    eo.make_list("w")
    for cmd in (("SETBIT", "w", "0", "1"), ("SETBIT", "w", "-1", "1"), ("GETBIT", "w", "0"),
                ("BITCOUNT", "w"), ("BITCOUNT", "w", "x", "y"), ("BITPOS", "w", "1"),
                ("BITPOS", "w", "2"), ("BITOP", "AND", "d", "w"), ("BITOP", "OR", "w", "k"),
                ("BITOP", "NOT", "d", "w", "w"), ("BITFIELD", "w", "GET", "u8", "0"),
                ("BITFIELD", "w", "SET", "u8", "0", "1"), ("BITFIELD", "w", "GET", "x8", "0"),
                ("BITFIELD_RO", "w", "GET", "u8", "0"), ("BITFIELD_RO", "w", "SET", "u8", "0", "1")):
        eo.check(*cmd)


# ------------------------------------------------------------------ BITCOUNT / BITPOS

RANGES = [(), (0, -1), (0, 0), (1, 1), (-1, -1), (-2, -1), (-1, -2), (2, 1), (0, 100), (-100, -50),
          (-100, 100), (5, 10), (3, 0), (LLONG_MIN, LLONG_MAX), (-5, 3), ("x", 1), (1, "y")]
UNITS = [(), ("BYTE",), ("BIT",), ("bit",), ("nope",)]
VALUES = ["", "\x00", "\xff", "foobar", "\x00\x00\x00\x01\xf0", "\xff\xff\xfe\x00\x00\xff",
          "\x80\x00\x00\x01"]


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_bitcount(diff, value):
    diff.check("SET", "k", value)
    for r in RANGES:
        for unit in UNITS if len(r) == 2 else [()]:
            diff.check("BITCOUNT", "k", *r, *unit)
            diff.check("BITCOUNT", "missing", *r, *unit)
    diff.check("BITCOUNT", "k", "0")
    diff.check("BITCOUNT", "k", "0", "1", "BIT", "x")
    diff.check("BITCOUNT", "missing", "0", "1", "BIT", "x")


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_bitpos(diff, value):
    diff.check("SET", "k", value)
    for bit in ("0", "1"):
        for r in RANGES + [(0,), (-1,), (3,), (100,), (-100,), ("x",)]:
            for unit in UNITS if len(r) == 2 else [()]:
                diff.check("BITPOS", "k", bit, *r, *unit)
                diff.check("BITPOS", "missing", bit, *r, *unit)
        diff.check("BITPOS", "k", bit, "0", "-1", "BIT", "x")
    for bit in ("2", "-1", "x", ""):
        diff.check("BITPOS", "k", bit)
        diff.check("BITPOS", "missing", bit)


def test_bitcount_bitpos_random(diff):
    rng = random.Random(3)
    for _ in range(40):
        value = bytes(rng.choice([0, 255, rng.randrange(256)]) for _ in range(rng.randrange(12)))
        diff.check("SET", "k", value)
        for _ in range(10):
            unit = rng.choice(["BIT", "BYTE"])
            span = 100 if unit == "BIT" else 14
            start, end = rng.randrange(-span, span), rng.randrange(-span, span)
            diff.check("BITCOUNT", "k", start, end, unit)
            diff.check("BITPOS", "k", rng.randrange(2), start, end, unit)
            diff.check("BITPOS", "k", rng.randrange(2), start)


# ------------------------------------------------------------------ BITOP


def test_bitop(diff):
    run(diff, [
        ("SET", "a", "foobar"), ("SET", "b", "abcdef"), ("SET", "c", "\xff\x00"),
        ("BITOP", "AND", "d", "a", "b"), ("GET", "d"), ("BITOP", "or", "d", "a", "b", "c"),
        ("GET", "d"), ("BITOP", "XOR", "d", "a", "c", "missing"), ("GET", "d"),
        ("BITOP", "NOT", "d", "c"), ("GET", "d"), ("BITOP", "NOT", "d", "a", "b"),
        ("BITOP", "NOT", "d"), ("BITOP", "NAND", "d", "a"), ("BITOP", "AND", "d", "a", "missing"),
        ("GET", "d"), ("BITOP", "AND", "d", "missing", "missing2"), ("GET", "d"),
        ("BITOP", "OR", "d", "missing"), ("SET", "e", ""), ("BITOP", "XOR", "e2", "e", "e"),
        ("GET", "e2"), ("BITOP", "AND", "a", "a", "c"), ("GET", "a"), ("BITOP", "NOT", "c", "c"),
        ("GET", "c"), ("SET", "n", "123"), ("BITOP", "OR", "d", "n", "n"), ("GET", "d"),
        ("BITOP", "AND", "d", "d"), ("GET", "d"),
    ])


def test_bitop_random(diff):
    rng = random.Random(5)
    for _ in range(30):
        keys = []
        for i in range(rng.randrange(1, 4)):
            keys.append(f"s{i}")
            diff.check("SET", keys[-1], bytes(rng.randrange(256) for _ in range(rng.randrange(9))))
        op = rng.choice(["AND", "OR", "XOR", "NOT"]) if len(keys) == 1 else \
            rng.choice(["AND", "OR", "XOR"])
        diff.check("BITOP", op, "dest", *keys)
        diff.check("GET", "dest")


# ------------------------------------------------------------------ BITFIELD


def test_bitfield(diff):
    run(diff, [
        ("BITFIELD", "k"), ("BITFIELD", "k", "GET", "u8", "0"), ("GET", "k"),
        ("BITFIELD", "k", "SET", "i8", "0", "-100", "GET", "u4", "0", "GET", "i4", "0"),
        ("BITFIELD", "k", "INCRBY", "u2", "100", "1", "OVERFLOW", "SAT", "INCRBY", "u2", "102", "7"),
        ("BITFIELD", "k", "SET", "u8", "#1", "255", "GET", "u8", "#1", "GET", "i8", "#1"),
        ("BITFIELD", "k", "SET", "i64", "0", LLONG_MIN, "GET", "i64", "0", "GET", "u63", "1"),
        ("BITFIELD", "k", "INCRBY", "i64", "0", "-1", "OVERFLOW", "FAIL", "INCRBY", "i64", "0", "-1"),
        ("BITFIELD", "k", "SET", "u63", "1", LLONG_MAX, "INCRBY", "u63", "1", "1"),
        ("BITFIELD", "k", "OVERFLOW", "SAT", "SET", "u8", "0", "-1", "SET", "u8", "0", "256",
         "SET", "i8", "0", "200", "SET", "i8", "0", "-200", "GET", "i8", "0"),
        ("BITFIELD", "k", "OVERFLOW", "WRAP", "SET", "u8", "0", "-1", "SET", "i8", "0", "200"),
        ("BITFIELD", "k", "OVERFLOW", "FAIL", "SET", "u8", "0", "-1", "SET", "i8", "0", "-129",
         "GET", "u8", "0"),
        ("BITFIELD", "k", "GET", "u8", "1000"), ("GET", "k"),
        ("BITFIELD", "k", "overflow", "fail", "incrby", "u1", "5", "1", "incrby", "u1", "5", "1"),
        ("BITFIELD", "k", "INCRBY", "i5", "3", "100", "OVERFLOW", "SAT", "INCRBY", "i5", "3", "-100"),
        ("BITFIELD", "k", "SET", "i1", "0", "-1", "GET", "i1", "0", "SET", "i1", "0", "1"),
        ("BITFIELD_RO", "k", "GET", "i16", "3", "GET", "u15", "#2"), ("BITFIELD_RO", "k"),
        ("BITFIELD_RO", "missing", "GET", "i8", "0"), ("GET", "k"),
    ])


@pytest.mark.parametrize("ops", [
    ("GET",), ("GET", "u8"), ("SET", "u8", "0"), ("INCRBY", "i8", "0"), ("OVERFLOW",),
    ("OVERFLOW", "NOPE"), ("OVERFLOW", "SAT"), ("FOO", "u8", "0"), ("GET", "u64", "0"),
    ("GET", "i65", "0"), ("GET", "i0", "0"), ("GET", "U8", "0"), ("GET", "I8", "0"),
    ("GET", "u", "0"), ("GET", "x8", "0"), ("GET", "", "0"), ("GET", "u08", "0"),
    ("GET", "u-1", "0"), ("GET", "u8", "-1"), ("GET", "u8", "#-1"), ("GET", "u8", "#"),
    ("GET", "u8", "x"), ("GET", "u8", "##1"), ("SET", "u8", "0", "x"), ("SET", "u8", "0", "1.5"),
    ("INCRBY", "u8", "0", ""), ("SET", "u8", "-1", "x"), ("GET", "u8", "0", "SET", "u8", "0"),
    ("SET", "u8", "0", "1", "GET", "i99", "0"), ("OVERFLOW", "NOPE", "GET", "x8", "0"),
    ("GET", "u8", "0", "BOGUS"), ("GET", "i64", "#144115188075855872"),
    ("GET", "i64", "#288230376151711745"), ("GET", "u8", "#" + LLONG_MAX),
    ("SET", "i64", "#288230376151711745", "1"),
])
def test_bitfield_errors(diff, ops):
    diff.check("SET", "k", "abc")
    diff.check("BITFIELD", "k", *ops)
    diff.check("BITFIELD_RO", "k", *ops)
    diff.check("BITFIELD", "missing", *ops)
    diff.check("GET", "k")


def test_bitfield_random(diff):
    rng = random.Random(11)
    for _ in range(60):
        args = []
        for _ in range(rng.randrange(1, 6)):
            signed = rng.random() < 0.5
            bits = rng.randrange(1, 65 if signed else 64)
            typ = f"{'i' if signed else 'u'}{bits}"
            offset = str(rng.randrange(80)) if rng.random() < 0.7 else f"#{rng.randrange(4)}"
            value = str(rng.choice([rng.randrange(-300, 300), rng.randrange(-2 ** 63, 2 ** 63)]))
            op = rng.choice(["GET", "SET", "INCRBY", "OVERFLOW"])
            if op == "OVERFLOW":
                args += [op, rng.choice(["WRAP", "SAT", "FAIL"])]
            else:
                args += [op, typ, offset] + ([value] if op != "GET" else [])
        diff.check("BITFIELD", "k", *args)
    diff.check("GET", "k")


def test_resp3(diff3):
    run(diff3, [
        ("BITFIELD", "k", "OVERFLOW", "FAIL", "INCRBY", "u2", "0", "8", "GET", "u2", "0"),
        ("BITFIELD_RO", "k", "GET", "u2", "0"), ("BITFIELD", "k"), ("BITPOS", "k", "1"),
        ("BITCOUNT", "k"), ("BITOP", "NOT", "d", "k"), ("SETBIT", "k", "1", "1"), ("GETBIT", "k", "1"),
    ])


def test_ttl_and_encoding(diff):
    script = [
        ("SET", "k", "abc", "EX", "100"), ("SETBIT", "k", "0", "0"), ("SETBIT", "k", "100", "1"),
        ("BITFIELD", "k", "SET", "u8", "200", "1"), ("BITFIELD", "k", "GET", "u8", "0"),
        ("BITOP", "NOT", "k", "k"), ("SET", "k", "12"), ("BITFIELD_RO", "k", "GET", "u8", "0"),
        ("BITOP", "AND", "k", "k"), ("SET", "k", "12"), ("BITFIELD", "k", "GET", "u8", "0"),
        ("GETBIT", "k", "0"), ("BITCOUNT", "k"), ("BITFIELD", "k", "INCRBY", "u8", "0", "1"),
    ]
    for cmd in script:
        diff.check(*cmd)
        diff.check("OBJECT", "ENCODING", "k")
        diff.check("TTL", "k")


# ------------------------------------------------------------------ engine-level


def test_events_and_dirty(engine):
    rec = Recorder(engine)
    ex = engine.execute
    db = engine.dbs[0]
    script = [
        (("SETBIT", "k", "3", "0"), [(b"setbit", b"k")], 1),  # created: a change
        (("SETBIT", "k", "3", "0"), [], 0),  # the same bit again: none
        (("SETBIT", "k", "3", "1"), [(b"setbit", b"k")], 1),
        (("SETBIT", "k", "20", "0"), [(b"setbit", b"k")], 1),  # grown
        (("BITFIELD", "k", "GET", "u8", "0"), [], 0),
        (("BITFIELD", "k", "OVERFLOW", "FAIL", "INCRBY", "u1", "0", "5", "SET", "u8", "0", "1"),
         [(b"setbit", b"k")], 1),  # the FAILed INCRBY changed nothing
        (("BITOP", "NOT", "d", "k"), [(b"set", b"d")], 1),
        (("BITOP", "AND", "d", "missing"), [(b"del", b"d")], 1),
        (("BITOP", "AND", "d", "missing"), [], 0),
    ]
    for cmd, events, changes in script:
        dirty = engine.dirty
        ex(*cmd)
        assert (rec.take()[1], engine.dirty - dirty) == (events, changes), cmd
    ex("SET", "s", "abc")
    ex("SETBIT", "s", "0", "0")
    assert type(db.peek(b"s")) is bytearray  # unshared even when nothing changed
    reply = ex("GET", "s")
    ex("SETBIT", "s", "1", "0")
    assert reply == b"abc"
    ex("BITOP", "OR", "d", "s")
    assert type(db.peek(b"d")) is bytearray  # BITOP stores a raw string
