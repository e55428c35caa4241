"""String commands against redis-server 7.0: replies compared byte for byte (RESP2 and
RESP3), plus engine-level checks of what the wire cannot show (replication form, keyspace
events, in-place values, memory accounting)."""

import random
from collections import deque

import hiredis
import pytest

from engine import Engine
from engine.commands import lookup
from protocols.resp import encode
from tests.support.raw import RawClient
from tests.support.effects import Recorder

LLONG_MAX, LLONG_MIN = str(2 ** 63 - 1), str(-(2 ** 63))

STRING_COMMANDS = ["get", "set", "setnx", "setex", "psetex", "getset", "getdel", "getex",
                   "mget", "mset", "msetnx", "append", "strlen", "setrange", "getrange",
                   "substr", "incr", "decr", "incrby", "decrby", "incrbyfloat", "lcs"]


def command_info(oracle_server, names):
    """The oracle's COMMAND INFO entries, decoded."""
    o = RawClient(oracle_server.host, oracle_server.port)
    reader = hiredis.Reader()
    reader.feed(o.call("COMMAND", "INFO", *names))
    o.close()
    return reader.gets()


def check_command_info(oracle_server, names):
    for entry in command_info(oracle_server, names):
        name, arity, flags, first, last, step, categories, tips = entry[:8]
        cmd = lookup(name)
        ours = [cmd.name.encode(), cmd.arity, [f.encode() for f in cmd.shown_flags()],
                cmd.first_key, cmd.last_key, cmd.key_step,
                [b"@" + c.encode() for c in cmd.categories], [t.encode() for t in cmd.tips]]
        assert ours == [name, arity, flags, first, last, step, categories, tips]


class EngineOracle:
    """An embedded Engine beside the oracle, for what Strata cannot yet build over the wire
    (keys of other types): our replies go through our RESP encoder and are compared as
    bytes with the oracle's."""

    def __init__(self, oracle_server, **options) -> None:
        self.engine = Engine(**options)
        self.client = self.engine.client(2)
        self.o = RawClient(oracle_server.host, oracle_server.port)
        self.o.call("FLUSHALL")

    def make_list(self, key: str) -> None:
        """A key of another type on both sides."""
        self.engine.dbs[0].set_key(key.encode(), deque([b"x"]))
        self.o.call("RPUSH", key, "x")

    def check(self, *args) -> bytes:
        argv = [a if isinstance(a, bytes) else str(a).encode() for a in args]
        got = encode(self.engine.call(self.client, argv), 2)
        want = self.o.call(*args)
        assert got == want, f"{args!r}\n strata: {got!r}\n redis:  {want!r}"
        return want

    def close(self) -> None:
        self.o.close()


@pytest.fixture
def eo(oracle_server):
    pair = EngineOracle(oracle_server)
    yield pair
    pair.close()


def run(d, script):
    for cmd in script:
        d.check(*cmd)


# ------------------------------------------------------------------ metadata


def test_command_info(oracle_server):
    check_command_info(oracle_server, STRING_COMMANDS)


@pytest.mark.parametrize("cmd", [
    ("GET",), ("GET", "k", "x"), ("SET", "k"), ("SETNX", "k"), ("SETEX", "k", "10"),
    ("PSETEX", "k", "10", "v", "x"), ("GETSET", "k"), ("GETDEL",), ("GETEX",), ("MGET",),
    ("MSET", "k"), ("MSET", "k", "v", "k2"), ("MSETNX", "k", "v", "k2"), ("APPEND", "k"),
    ("STRLEN",), ("SETRANGE", "k", "0"), ("GETRANGE", "k", "0"), ("SUBSTR", "k", "0", "1", "2"),
    ("INCR",), ("DECR", "k", "1"), ("INCRBY", "k"), ("DECRBY", "k"), ("INCRBYFLOAT", "k"),
    ("LCS", "k"),
])
def test_wrong_arity(diff, cmd):
    diff.check(*cmd)


# ------------------------------------------------------------------ SET and friends


def test_set_options(diff):
    run(diff, [
        ("SET", "k", "v", "NX"), ("SET", "k", "w", "NX"), ("GET", "k"),
        ("SET", "k", "x", "XX"), ("SET", "nokey", "x", "XX"), ("GET", "nokey"),
        ("SET", "k", "y", "GET"), ("SET", "k2", "y", "GET"), ("SET", "k", "z", "NX", "GET"),
        ("SET", "new", "z", "NX", "GET"), ("SET", "k", "a", "XX", "GET"),
        ("SET", "none", "a", "XX", "GET"), ("SET", "k", "b", "get", "GET"),
        ("SET", "k", "c", "nx", "xx"), ("SET", "k", "c", "XX", "NX"), ("SET", "k", "c", "NX", "NX"),
        ("SET", "k", "c", "KEEPTTL"), ("SET", "k", "c", "KEEPTTL", "EX", "10"),
        ("SET", "k", "c", "EX", "10", "KEEPTTL"), ("SET", "k", "c", "EX", "10", "PX", "10"),
        ("SET", "k", "c", "PX", "10", "EXAT", "10"), ("SET", "k", "c", "EXAT", "1", "PXAT", "1"),
        ("SET", "k", "c", "EX", "10", "EX", "20"), ("SET", "k", "c", "PERSIST"),
        ("SET", "k", "c", "EX"), ("SET", "k", "c", "PX"), ("SET", "k", "c", "BOGUS"),
        ("SET", "k", "c", "ex", "100", "nx"), ("SET", "k", "c", "Px", "100000", "xx", "get"),
        ("SET", "k", "d", "EXAT", "99999999999"), ("SET", "k", "d", "PXAT", "99999999999999"),
        ("GET", "k"),
    ])


@pytest.mark.parametrize("opt", ["EX", "PX", "EXAT", "PXAT"])
@pytest.mark.parametrize("value", ["0", "-1", "abc", "", "1.5", " 1", LLONG_MIN, LLONG_MAX,
                                   "9223372036854775", "9223372036854776"])
def test_set_expire_validation(diff, opt, value):
    diff.check("SET", "k", "v", opt, value)
    diff.check("SET", "k", "v", opt, value, "GET")
    diff.check("GET", "k")


def test_set_expire_error_precedes_get_and_nx(diff):
    run(diff, [("SET", "k", "v"), ("SET", "k", "w", "GET", "EX", "0"), ("GET", "k"),
               ("SET", "k", "w", "NX", "EX", "x"), ("SET", "k", "w", "XX", "PX", "-5")])


def test_set_get_wrongtype(eo):
    eo.make_list("w")
    eo.check("SET", "w", "v", "GET")
    eo.check("SET", "w", "v", "GET", "EX", "0")
    eo.check("SET", "w", "v", "NX", "GET")
    eo.check("SET", "w", "v")  # a plain SET replaces a value of any type
    eo.check("GET", "w")


def test_setnx_setex_psetex(diff):
    run(diff, [
        ("SETNX", "k", "1"), ("SETNX", "k", "2"), ("GET", "k"),
        ("SETEX", "k", "100", "v"), ("GET", "k"), ("PSETEX", "k", "100000", "w"), ("GET", "k"),
        ("SETEX", "k", "0", "v"), ("SETEX", "k", "-1", "v"), ("SETEX", "k", "x", "v"),
        ("PSETEX", "k", "0", "v"), ("PSETEX", "k", "", "v"), ("SETEX", "k", LLONG_MAX, "v"),
        ("SETEX", "k", "9223372036854775", "v"), ("PSETEX", "k", LLONG_MAX, "v"),
        ("SETEX", "missing", "0", "v"), ("GET", "missing"), ("GET", "k"),
    ])


def test_getset_getdel(diff):
    run(diff, [("GETSET", "k", "a"), ("GETSET", "k", "b"), ("GET", "k"), ("GETDEL", "k"),
               ("GETDEL", "k"), ("GET", "k"), ("SET", "e", ""), ("GETDEL", "e"),
               ("APPEND", "r", "raw"), ("APPEND", "r", "!"), ("GETSET", "r", "x"),
               ("GETDEL", "r")])


def test_getex(diff):
    run(diff, [
        ("GETEX", "nokey"), ("GETEX", "nokey", "EX", "-1"), ("GETEX", "nokey", "BOGUS"),
        ("SET", "k", "v"), ("GETEX", "k"), ("GETEX", "k", "EX", "100"), ("GETEX", "k", "PX", "5000"),
        ("GETEX", "k", "EXAT", "99999999999"), ("GETEX", "k", "PXAT", "99999999999999"),
        ("GETEX", "k", "PERSIST"), ("GETEX", "k", "PERSIST"), ("GETEX", "k", "persist", "persist"),
        ("GETEX", "k", "EX", "0"), ("GETEX", "k", "PX", "-1"), ("GETEX", "k", "EX", "x"),
        ("GETEX", "k", "EX", LLONG_MAX), ("GETEX", "k", "PX", LLONG_MAX), ("GETEX", "k", "EX"),
        ("GETEX", "k", "EX", "10", "PX", "10"), ("GETEX", "k", "PERSIST", "EX", "10"),
        ("GETEX", "k", "EX", "10", "PERSIST"), ("GETEX", "k", "KEEPTTL"), ("GETEX", "k", "NX"),
        ("GETEX", "k", "XX"), ("GETEX", "k", "GET"), ("GET", "k"),
        ("GETEX", "k", "EXAT", "1"), ("GET", "k"), ("SET", "k", "v"),
        ("GETEX", "k", "PXAT", "1"), ("GETEX", "k"),
    ])


def test_getex_wrongtype(eo):
    eo.make_list("w")
    eo.check("GETEX", "w")
    eo.check("GETEX", "w", "EX", "0")  # the type is checked before the expire
    eo.check("GETEX", "w", "BOGUS")  # and the syntax before the type
    eo.check("GETDEL", "w")
    eo.check("GETSET", "w", "v")


def test_mset_msetnx_mget(diff):
    run(diff, [
        ("MSET", "a", "1", "b", "2"), ("MGET", "a", "b", "c", "a"), ("MSETNX", "c", "3", "d", "4"),
        ("MSETNX", "d", "5", "e", "6"), ("MGET", "a", "b", "c", "d", "e"),
        ("MSETNX", "x", "1", "x", "2"), ("GET", "x"), ("MSET", "a", "1", "a", "2"), ("GET", "a"),
        ("APPEND", "r", "v"), ("APPEND", "r", "w"), ("MGET", "r", "nope"),
    ])


def test_mget_wrongtype(eo):
    eo.make_list("w")
    eo.check("SET", "k", "v")
    eo.check("MGET", "k", "w", "missing")
    eo.check("MSETNX", "w", "v", "n", "1")


# ------------------------------------------------------------------ APPEND / SETRANGE / GETRANGE


def test_append_strlen(diff):
    run(diff, [
        ("STRLEN", "k"), ("APPEND", "k", "hello"), ("APPEND", "k", " world"), ("GET", "k"),
        ("STRLEN", "k"), ("APPEND", "k", ""), ("APPEND", "e", ""), ("GET", "e"), ("STRLEN", "e"),
        ("SET", "n", "10"), ("APPEND", "n", "5"), ("INCR", "n"), ("APPEND", "n", "\x00\xff"),
        ("GET", "n"), ("STRLEN", "n"),
    ])


def test_setrange(diff):
    run(diff, [
        ("SETRANGE", "k", "0", ""), ("GET", "k"), ("SETRANGE", "k", "5", "x"), ("GET", "k"),
        ("SETRANGE", "k", "0", "hello"), ("SETRANGE", "k", "3", "LOWORLD"), ("GET", "k"),
        ("SETRANGE", "k", "100", ""), ("STRLEN", "k"), ("SETRANGE", "k", "-1", "x"),
        ("SETRANGE", "k", "-1", ""), ("SETRANGE", "k", "x", "v"), ("SETRANGE", "k", "1.0", "v"),
        ("SETRANGE", "k", LLONG_MAX, "x"), ("SETRANGE", "k", "536870911", "xy"),
        ("SETRANGE", "k", "536870912", "x"), ("SETRANGE", "k", "536870911", ""),
        ("SETRANGE", "n", "536870912", "x"), ("SETRANGE", "n", "536870912", ""), ("GET", "n"),
        ("SET", "i", "1234"), ("SETRANGE", "i", "1", "9"), ("GET", "i"), ("INCR", "i"),
    ])


def test_setrange_wrongtype(eo):
    eo.make_list("w")
    eo.check("SETRANGE", "w", "0", "x")
    eo.check("SETRANGE", "w", "0", "")
    eo.check("SETRANGE", "w", "-1", "x")  # the offset is checked first
    eo.check("APPEND", "w", "x")
    eo.check("STRLEN", "w")


@pytest.mark.parametrize("cmd", ["GETRANGE", "SUBSTR"])
@pytest.mark.parametrize("start,end", [
    (0, -1), (0, 0), (1, 3), (-3, -1), (-1, -3), (-100, -1), (-100, -50), (0, 100), (5, 3),
    (10, 20), (-1, 0), (3, -2), (0, -100), (LLONG_MIN, LLONG_MAX), (LLONG_MAX, LLONG_MIN),
    (LLONG_MIN, -1), ("x", 0), (0, "1.5"), ("", 1),
])
def test_getrange(diff, cmd, start, end):
    for key, value in (("k", "This is a string"), ("e", ""), ("n", "12345")):
        diff.check("SET", key, value)
        diff.check(cmd, key, start, end)
    diff.check(cmd, "missing", start, end)


def test_getrange_wrongtype(eo):
    eo.make_list("w")
    eo.check("GETRANGE", "w", "0", "1")
    eo.check("GETRANGE", "w", "x", "1")


def test_string_length_limit(oracle_server):
    """checkStringLength() against a lowered proto-max-bulk-len."""
    pair = EngineOracle(oracle_server, proto_max_bulk_len="1mb")
    pair.o.call("CONFIG", "SET", "proto-max-bulk-len", "1mb")
    try:
        big = "x" * (1024 * 1024 - 2)
        pair.check("SET", "k", big)
        pair.check("APPEND", "k", "ab")
        pair.check("APPEND", "k", "c")
        pair.check("SETRANGE", "k", str(1024 * 1024 - 1), "ab")
        pair.check("SETRANGE", "k", str(1024 * 1024 - 1), "a")
        pair.check("SETRANGE", "new", str(1024 * 1024), "a")
        pair.check("STRLEN", "k")
        pair.check("LCS", "k", "new", "LEN")
        pair.check("SET", "a", "x" * 500)
        pair.check("SET", "b", "y" * 600)
        pair.check("LCS", "a", "b", "LEN")
        pair.check("LCS", "a", "b", "IDX")
    finally:
        pair.o.call("CONFIG", "SET", "proto-max-bulk-len", "512mb")
        pair.close()


# ------------------------------------------------------------------ counters


def test_incr_decr(diff):
    run(diff, [
        ("INCR", "k"), ("INCRBY", "k", "10"), ("DECR", "k"), ("DECRBY", "k", "-5"), ("GET", "k"),
        ("INCRBY", "k", "x"), ("INCRBY", "k", "1.5"), ("INCRBY", "k", " 1"), ("INCRBY", "k", "+1"),
        ("INCRBY", "k", "01"), ("DECRBY", "k", LLONG_MIN), ("DECRBY", "k", LLONG_MAX),
        ("SET", "k", LLONG_MAX), ("INCR", "k"), ("INCRBY", "k", "0"), ("SET", "k", LLONG_MIN),
        ("DECR", "k"), ("INCRBY", "k", LLONG_MAX), ("INCRBY", "k", LLONG_MIN),
        ("SET", "k", "9223372036854775808"), ("INCR", "k"), ("SET", "k", " 1"), ("INCR", "k"),
        ("SET", "k", "1 "), ("DECR", "k"), ("SET", "k", ""), ("INCR", "k"), ("SET", "k", "-0"),
        ("INCR", "k"), ("SET", "k", "abc"), ("DECRBY", "k", "1"), ("APPEND", "r", "4"),
        ("APPEND", "r", "1"), ("INCR", "r"), ("GET", "r"),
    ])


def test_incr_wrongtype(eo):
    eo.make_list("w")
    for cmd in (("INCR", "w"), ("DECR", "w"), ("INCRBY", "w", "x"), ("DECRBY", "w", "1"),
                ("INCRBYFLOAT", "w", "x"), ("INCRBYFLOAT", "w", "1")):
        eo.check(*cmd)


INCRBYFLOAT_CASES = [
    "1", "0.1", "0.2", "-0.3", "1.5", "10.5", "-10", "3.0e3", "5.0E-3", "1e300", "-1e300",
    "1e-300", "1e4932", "1e4933", "1e-4940", "1e-4951", "1e-4960", "1e400", "-1e-400", "0", "-0",
    "0.000003814697265625", "0.000000000000000005", "0.000000000000000015", "123456789012345678",
    "12345678901234567890123", "0x1p3", "0X1.8P1", "0x.8", "-0x10", "0x1p-16445", "0x1p16384",
    "inf", "-inf", "Infinity", "nan", "NaN", "", " 1", "1 ", "1e", "e1", ".", ".5", "5.", "+1",
    "--1", "1..2", "0x", "1e99999999999", "1e-99999999999", "0e99999999999", "1" * 4933,
    "0." + "0" * 5000 + "1", "1" * 5119, "1" * 5120, "1\x002",
]


@pytest.mark.parametrize("incr", INCRBYFLOAT_CASES, ids=lambda s: repr(s[:24]))
def test_incrbyfloat(diff, incr):
    diff.check("INCRBYFLOAT", "k", incr)
    diff.check("INCRBYFLOAT", "k", incr)
    diff.check("GET", "k")
    diff.check("SET", "s", incr)
    diff.check("INCRBYFLOAT", "s", "1.25")


def test_incrbyfloat_sequences(diff):
    run(diff, [("INCRBYFLOAT", "k", "0.1")] * 12 + [("INCRBYFLOAT", "k", "-0.1")] * 13 + [
        ("SET", "n", LLONG_MAX), ("INCRBYFLOAT", "n", "1"), ("INCRBYFLOAT", "n", "-1e19"),
        ("SET", "m", "5.0e3"), ("INCRBYFLOAT", "m", "2.0e2"), ("INCRBYFLOAT", "m", "1e4932"),
        ("INCRBYFLOAT", "m", "1e4932"), ("GET", "m"), ("SET", "x", "abc"), ("INCRBYFLOAT", "x", "1"),
        ("APPEND", "r", "1.5"), ("INCRBYFLOAT", "r", "1"),
    ])


def test_incrbyfloat_random(diff):
    rng = random.Random(7)
    for i in range(300):
        whole, frac = (rng.randrange(10 ** rng.randrange(1, 22)) for _ in range(2))
        incr = f"{rng.choice(['', '-', '+'])}{whole}.{frac}e{rng.randrange(-40, 40)}"
        if i % 3 == 0:
            incr = repr(rng.uniform(-1e6, 1e6))
        diff.check("INCRBYFLOAT", f"k{i % 5}", incr)


# ------------------------------------------------------------------ LCS


def test_lcs(diff):
    run(diff, [
        ("MSET", "a", "ohmytext", "b", "mynewtext"), ("LCS", "a", "b"), ("LCS", "a", "b", "LEN"),
        ("LCS", "a", "b", "IDX"), ("LCS", "a", "b", "IDX", "WITHMATCHLEN"),
        ("LCS", "a", "b", "IDX", "MINMATCHLEN", "4"), ("LCS", "a", "b", "IDX", "MINMATCHLEN", "4",
                                                        "WITHMATCHLEN"),
        ("LCS", "a", "b", "idx", "minmatchlen", "-5"), ("LCS", "a", "b", "MINMATCHLEN", "2"),
        ("LCS", "a", "b", "LEN", "WITHMATCHLEN"), ("LCS", "a", "b", "LEN", "IDX"),
        ("LCS", "a", "b", "IDX", "LEN"), ("LCS", "a", "b", "MINMATCHLEN"),
        ("LCS", "a", "b", "MINMATCHLEN", "x"), ("LCS", "a", "b", "BOGUS"), ("LCS", "a", "missing"),
        ("LCS", "missing", "b", "IDX"), ("LCS", "missing", "missing2", "LEN"), ("LCS", "a", "a"),
        ("LCS", "a", "a", "IDX", "WITHMATCHLEN"), ("SET", "e", ""), ("LCS", "e", "a", "IDX"),
        ("LCS", "a", "b", "IDX", "IDX", "LEN"), ("LCS", "a", "b", "MINMATCHLEN", "1", "IDX"),
    ])


def test_lcs_resp3(diff3):
    run(diff3, [("MSET", "a", "ohmytext", "b", "mynewtext"), ("LCS", "a", "b", "IDX"),
                ("LCS", "a", "b", "IDX", "WITHMATCHLEN", "MINMATCHLEN", "3"),
                ("LCS", "x", "y", "IDX"), ("LCS", "a", "b", "LEN"), ("LCS", "a", "b")])


@pytest.mark.parametrize("seed", range(12))
def test_lcs_random(diff, seed):
    rng = random.Random(seed)
    alphabet = "ab" if seed % 3 == 0 else "abcd" if seed % 3 == 1 else "ACGT\x00\xff"
    for _ in range(5):
        a = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 80)))
        b = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 80)))
        diff.check("MSET", "a", a, "b", b)
        diff.check("LCS", "a", "b")
        diff.check("LCS", "a", "b", "LEN")
        diff.check("LCS", "a", "b", "IDX", "WITHMATCHLEN")
        diff.check("LCS", "b", "a", "IDX", "MINMATCHLEN", str(rng.randrange(4)))


def test_lcs_long(diff):
    rng = random.Random(1)
    a = "".join(rng.choice("abc") for _ in range(3000))
    b = "".join(rng.choice("abc") for _ in range(2500))
    diff.check("MSET", "a", a, "b", b)
    diff.check("LCS", "a", "b", "LEN")
    diff.check("LCS", "a", "b", "IDX", "MINMATCHLEN", "6")


def test_lcs_wrongtype(eo):
    eo.make_list("w")
    eo.check("SET", "k", "v")
    eo.check("LCS", "w", "k")
    eo.check("LCS", "k", "w", "BOGUS")  # the type is checked before the options


# ------------------------------------------------------------------ TTLs and encodings


def test_ttl_interplay(diff):
    run(diff, [
        ("SET", "k", "v", "EX", "100"), ("TTL", "k"), ("SET", "k", "w", "KEEPTTL"), ("TTL", "k"),
        ("APPEND", "k", "x"), ("TTL", "k"), ("SETRANGE", "k", "0", "y"), ("TTL", "k"),
        ("SET", "k", "v"), ("TTL", "k"), ("SET", "n", "1", "PX", "100000"),
        ("INCRBYFLOAT", "n", "1"), ("TTL", "n"), ("INCR", "n"), ("TTL", "n"), ("GETSET", "n", "2"),
        ("TTL", "n"), ("SETEX", "k", "100", "v"), ("TTL", "k"), ("MSET", "k", "v"), ("TTL", "k"),
        ("PSETEX", "k", "200000", "v"), ("TTL", "k"), ("GETEX", "k", "PERSIST"), ("TTL", "k"),
        ("GETEX", "k", "EX", "300"), ("TTL", "k"), ("GETEX", "k", "EXAT", "99999999999"),
        ("EXPIRETIME", "k"), ("GETEX", "k", "PXAT", "99999999999999"), ("PEXPIRETIME", "k"),
        ("SET", "k", "v", "EXAT", "99999999999", "GET"), ("EXPIRETIME", "k"),
        ("SET", "k", "v", "EXAT", "1"), ("EXISTS", "k"), ("SET", "k", "v", "PXAT", "1", "GET"),
        ("EXISTS", "k"), ("SETNX", "k", "v"), ("TTL", "k"),
    ])


def test_encodings(diff):
    script = [
        ("SET", "k", "12"), ("APPEND", "k", "3"), ("SET", "k", "x" * 44), ("SET", "k", "x" * 45),
        ("SET", "k", "11111111111111111111"), ("SET", "k", "-12"), ("SET", "k", "012"),
        ("APPEND", "k", ""), ("SETRANGE", "k", "1", "x"), ("SET", "k", "abc"),
        ("SETRANGE", "k", "1", ""), ("SETRANGE", "k", "1", "x"), ("GETDEL", "k"),
        ("SETRANGE", "k", "0", "x"), ("GETDEL", "k"), ("APPEND", "k", "12"), ("GETDEL", "k"),
        ("APPEND", "k", "x" * 50), ("INCRBYFLOAT", "k", "1.5"), ("INCR", "k"),
        ("INCRBY", "k", "1000000000000"), ("GETSET", "k", "7"), ("SETEX", "k", "100", "5"),
        ("SETNX", "k", "x"), ("MSET", "k", "abc"), ("GETEX", "k", "PX", "100000"),
        ("GETRANGE", "k", "0", "1"), ("SET", "k", "v", "GET"),
    ]
    for cmd in script:
        diff.check(*cmd)
        diff.check("OBJECT", "ENCODING", "k")


# ------------------------------------------------------------------ RESP3


def test_resp3_replies(diff3):
    run(diff3, [
        ("GET", "nokey"), ("SET", "k", "v", "GET"), ("SET", "k", "w", "NX"), ("GETDEL", "nokey"),
        ("GETEX", "nokey"), ("GETSET", "nokey", "1"), ("MGET", "k", "nokey"),
        ("INCRBYFLOAT", "f", "1.5"), ("SETNX", "k", "x"), ("MSETNX", "k", "x"),
    ])


# ------------------------------------------------------------------ engine-level


def test_replication_form(engine):
    rec = Recorder(engine)
    ex = engine.execute

    def when(key):
        return b"%d" % engine.dbs[0].get_expire(key)

    ex("SET", "k", "v", "EX", "100", "GET")
    assert rec.take()[0] == [[b"SET", b"k", b"v", b"PXAT", when(b"k")]]
    ex("SET", "k", "v", "NX", "PXAT", "99999999999999", "GET")
    assert rec.take()[0] == []
    ex("SET", "k", "v", "XX", "PXAT", "99999999999999", "GET")
    # any expiry is rewritten, a PXAT too (Redis 7.0's setGenericCommand)
    assert rec.take()[0] == [[b"SET", b"k", b"v", b"PXAT", b"99999999999999"]]
    ex("SET", "k", "v", "get", "XX", "GET")
    assert rec.take()[0] == [[b"SET", b"k", b"v", b"XX"]]
    ex("SETEX", "k", "10", "v")
    assert rec.take()[0] == [[b"SET", b"k", b"v", b"PXAT", when(b"k")]]
    ex("GETEX", "k", "EX", "10")
    assert rec.take()[0] == [[b"PEXPIREAT", b"k", when(b"k")]]
    ex("GETEX", "k", "PXAT", "99999999999999")
    assert rec.take()[0] == [[b"PEXPIREAT", b"k", b"99999999999999"]]  # as Redis rewrites
    ex("GETEX", "k", "PERSIST")
    ex("GETEX", "k", "PERSIST")
    ex("GETEX", "k")
    assert rec.take()[0] == [[b"PERSIST", b"k"]]
    ex("GETEX", "k", "EXAT", "1")
    assert rec.take()[0] == [[b"DEL", b"k"]]
    ex("GETSET", "k", "v")
    ex("GETDEL", "k")
    ex("GETDEL", "k")
    assert rec.take()[0] == [[b"SET", b"k", b"v"], [b"DEL", b"k"]]
    ex("SET", "f", "1.5", "EX", "100")
    rec.take()
    ex("INCRBYFLOAT", "f", "0.25")
    assert rec.take()[0] == [[b"SET", b"f", b"1.75", b"KEEPTTL"]]


def test_keyspace_events(engine):
    rec = Recorder(engine)
    ex = engine.execute
    script = [
        (("SET", "k", "1", "EX", "10"), [(b"set", b"k"), (b"expire", b"k")]),
        (("SET", "k", "1", "NX"), []),
        (("INCR", "k"), [(b"incrby", b"k")]),
        (("INCRBYFLOAT", "k", "1"), [(b"incrbyfloat", b"k")]),
        (("APPEND", "k", "x"), [(b"append", b"k")]),
        (("SETRANGE", "k", "0", "y"), [(b"setrange", b"k")]),
        (("SETRANGE", "k", "0", ""), []),
        (("GETEX", "k", "EX", "5"), [(b"expire", b"k")]),
        (("GETEX", "k", "PERSIST"), [(b"persist", b"k")]),
        (("GETEX", "k", "PERSIST"), []),
        (("GETDEL", "k"), [(b"del", b"k")]),
        (("MSETNX", "a", "1", "b", "2"), [(b"set", b"a"), (b"set", b"b")]),
        (("MSETNX", "a", "1", "c", "2"), []),
        (("SETEX", "a", "10", "v"), [(b"set", b"a"), (b"expire", b"a")]),
        (("GETSET", "a", "v"), [(b"set", b"a")]),
        (("SETNX", "n", "v"), [(b"set", b"n")]),
    ]
    for cmd, events in script:
        ex(*cmd)
        assert rec.take()[1] == events, cmd


def test_in_place_values(engine):
    db = engine.dbs[0]
    ex = engine.execute
    ex("SET", "k", "abc")
    assert type(db.peek(b"k")) is bytes
    ex("APPEND", "k", "")
    assert type(db.peek(b"k")) is bytearray  # APPEND always leaves a raw string
    reply = ex("GET", "k")
    ex("APPEND", "k", "def")
    ex("SETRANGE", "k", "0", "X")
    assert reply == b"abc" and type(reply) is bytes
    for cmd in (("GET", "k"), ("GETRANGE", "k", "0", "-1"), ("GETSET", "k", "z"),
                ("SET", "k", "z", "GET"), ("MGET", "k")):
        ex("APPEND", "k", "q")
        reply = engine.call(engine._embedded, [a.encode() for a in cmd])
        assert bytearray not in map(type, reply if type(reply) is list else [reply]), cmd
    c = engine.client()
    engine.call(c, [b"MULTI"])
    engine.call(c, [b"GET", b"k"])
    engine.call(c, [b"APPEND", b"k", b"more"])
    first, _ = engine.call(c, [b"EXEC"])
    assert first == b"zq"


def test_memory_accounting(engine):
    db = engine.dbs[0]
    ex = engine.execute
    ex("SET", "k", "abc")
    base = db.used_memory
    ex("APPEND", "k", "x" * 1000)
    ex("SETRANGE", "k", "2000", "y")
    ex("SETRANGE", "k", "0", "zz")
    grown = db.used_memory
    assert grown - base >= 2000
    ex("GETDEL", "k")
    assert db.used_memory < base
