"""The RESP twins (native/resp_c.pyx and native/resp_py.py): parity, fuzzing, Redis oracle.

* parity: hypothesis builds request streams (valid and malformed), splits them at random
  points and feeds both parsers; every feed must give the same commands, the same error
  (class, text, commands parsed before it) and the same pending() -- also after an error.
  The encoders must give the same bytes for any nested reply value, RESP2 and RESP3.
* fuzz: random bytes never crash or hang either parser; a big bulk in many chunks is linear.
* oracle: the parser's framing decisions are those of a real redis-server 7.0.
"""

import enum
import faulthandler
import itertools
import random
import socket
import time

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import native.resp
from native.resp_common import (
    NULL_ARRAY, OK, PROTO_INLINE_MAX_SIZE, ProtocolError, Push, QueryBufferLimit, ReplyError,
    SetReply, Status, Verbatim,
)
from tests.support.servers import IN_CI

PY = native.resp.impl_py
SLOW_OK = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
           HealthCheck.data_too_large, HealthCheck.filter_too_much]
BIG = 512 * 1024 * 1024
QBIG = 1024 * 1024 * 1024


def twin(impl: str):
    return native.resp.impl_c if impl == "c" else native.resp.impl_py


@pytest.fixture
def c_twin():
    if native.resp.impl_c is None:
        msg = "native.resp_c is not built (python setup.py build_ext --inplace)"
        if IN_CI:
            pytest.fail(msg + " -- required under CI", pytrace=False)
        pytest.skip(msg)
    return native.resp.impl_c


# ============================================================================ helpers

def mbulk(*args: bytes) -> bytes:
    return b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args)


def run_parser(mod, chunks, max_bulk=BIG, max_query=QBIG):
    """Feed every chunk (going on after errors) and log what each feed did."""
    p = mod.RequestParser(max_bulk, max_query)
    log = []
    for ch in chunks:
        try:
            log.append(("ok", p.feed(ch), p.pending()))
        except ProtocolError as e:
            log.append((type(e).__name__, e.text, e.commands, p.pending()))
    return log


def parse_all(mod, data, **kw):
    """(commands, error or None, pending) for data fed at once."""
    p = mod.RequestParser(kw.get("max_bulk", BIG), kw.get("max_query", QBIG))
    try:
        return p.feed(data), None, p.pending()
    except ProtocolError as e:
        return e.commands, (type(e), e.text), p.pending()


def split(data: bytes, cuts) -> list:
    cuts = sorted({c for c in cuts if 0 < c < len(data)})
    bounds = [0, *cuts, len(data)]
    return [data[a:b] for a, b in itertools.pairwise(bounds)]


# ============================================================================ strategies

ARG = st.one_of(st.binary(max_size=12), st.sampled_from([b"", b"\r\n", b"\x00", b"$3\r\n"]))

VALID = st.lists(ARG, min_size=1, max_size=4).map(lambda a: mbulk(*a))

INLINE_TOKENS = [b"a", b"PING", b"x y", b" ", b"  ", b"\t", b'"', b"'", b"\\", b"\\x", b"\\x4",
                 b"\\x41", b"\\xzz", b"\\n", b"\\'", b'\\"', b"\x0b", b"\x0c", b"\x00", b"\r",
                 b"\xff", b"*", b"$"]
INLINE = st.tuples(
    st.lists(st.sampled_from(INLINE_TOKENS), max_size=8).map(b"".join),
    st.sampled_from([b"\r\n", b"\n", b"\r\r\n", b""]),
).map(b"".join)

COUNTS = [b"", b"-1", b"0", b"1", b"2", b"abc", b"01", b"-0", b"+1", b" 1", b"1 ", b"1\x00",
          b"2147483647", b"2147483648", b"-2147483649", b"9223372036854775807",
          b"9223372036854775808", b"-9223372036854775808", b"99999999999999999999",
          b"123456789012345678901"]
BAD_MBULK = st.tuples(st.just(b"*"), st.sampled_from(COUNTS),
                      st.sampled_from([b"\r\n", b"\r", b"\rX", b"\n", b""])).map(b"".join)

BULK_HEADS = [b"$3", b"$-1", b"$abc", b"X3", b"$", b"$3\x00", b"", b"\xff3", b"$03", b"$-0",
              b"$9223372036854775807", b"$99999999999999999999", b"$4", b"$2", b" $3"]
BAD_BULK = st.tuples(
    st.just(b"*2\r\n$3\r\nGET\r\n"), st.sampled_from(BULK_HEADS),
    st.sampled_from([b"\r\n", b"\r", b"\n"]), st.sampled_from([b"abc\r\n", b"abcd", b"ab\r\n", b""]),
).map(b"".join)

HUGE_COUNT = st.tuples(st.sampled_from([b"*2147483647\r\n", b"*1000\r\n", b"*3\r\n"]),
                       st.lists(ARG, max_size=3).map(lambda a: mbulk(*a)[4:] if a else b"")
                       ).map(b"".join)

PROTO_TOKENS = [b"*", b"$", b"\r", b"\n", b"\r\n", b"0", b"1", b"2", b"3", b"-", b"a", b"\x00",
                b'"', b"'", b" ", b"\\", b"\xff"]
SOUP = st.lists(st.sampled_from(PROTO_TOKENS), max_size=30).map(b"".join)

SEGMENT = st.one_of(VALID, VALID, INLINE, BAD_MBULK, BAD_BULK, HUGE_COUNT, SOUP,
                    st.binary(max_size=40))
STREAM = st.lists(SEGMENT, min_size=1, max_size=8).map(b"".join)
LIMITS = st.tuples(st.sampled_from([0, 1, 3, 10, BIG]), st.sampled_from([8, 40, 200, QBIG]))


# ============================================================================ parser parity

@settings(max_examples=1500, deadline=None, suppress_health_check=SLOW_OK)
@given(stream=STREAM, data=st.data(), limits=LIMITS)
def test_parser_parity_random_streams(c_twin, stream, data, limits):
    cuts = data.draw(st.lists(st.integers(0, len(stream)), max_size=10), label="cuts")
    chunks = split(stream, cuts)
    if data.draw(st.booleans(), label="empty chunks"):
        chunks = [c for ch in chunks for c in (ch, b"")]
    assert run_parser(c_twin, chunks, *limits) == run_parser(PY, chunks, *limits)


@settings(max_examples=300, deadline=None, suppress_health_check=SLOW_OK)
@given(stream=STREAM, data=st.data())
def test_parser_parity_byte_at_a_time(c_twin, stream, data):
    chunks = [stream[i:i + 1] for i in range(len(stream))]
    limits = data.draw(LIMITS)
    assert run_parser(c_twin, chunks, *limits) == run_parser(PY, chunks, *limits)


@settings(max_examples=300, deadline=None, suppress_health_check=SLOW_OK)
@given(args=st.lists(st.binary(min_size=0, max_size=3000), min_size=1, max_size=4),
       data=st.data())
def test_parser_parity_big_bulks(c_twin, args, data):
    stream = mbulk(*args) * 2
    cuts = data.draw(st.lists(st.integers(0, len(stream)), max_size=20))
    chunks = split(stream, cuts)
    log = run_parser(c_twin, chunks)
    assert log == run_parser(PY, chunks)
    assert [c for entry in log for c in entry[1]] == [list(args)] * 2


BIG_ARG = 32 * 1024  # Redis's PROTO_MBULK_BIG_ARG: the C twin reads such bulks in place


@settings(max_examples=150, deadline=None, suppress_health_check=SLOW_OK)
@given(size=st.sampled_from([BIG_ARG - 3, BIG_ARG - 2, BIG_ARG, BIG_ARG + 1, 50_000, 70_001]),
       tail=st.sampled_from([b"", b"PING\r\n", b"*1\r\n$1\r\na\r\n", b"*1\r\nX", b"*1\r\n$2\r"]),
       nargs=st.integers(1, 3), data=st.data(),
       limits=st.tuples(st.sampled_from([BIG_ARG - 1, BIG, 60_000]),
                        st.sampled_from([BIG_ARG, BIG_ARG + 7, 60_000, QBIG])))
def test_parser_parity_big_args_read_in_place(c_twin, size, tail, nargs, data, limits):
    payload = bytes(range(256)) * (size // 256 + 1)
    stream = (mbulk(*[b"SET"] + [payload[:size - i] for i in range(nargs)]) + tail) * 2
    cuts = data.draw(st.lists(st.integers(0, len(stream)), max_size=12))
    if data.draw(st.booleans()):
        cuts += list(range(0, len(stream), data.draw(st.sampled_from([1000, 4096, 16384]))))
    chunks = split(stream, cuts)
    assert run_parser(c_twin, chunks, *limits) == run_parser(PY, chunks, *limits)


@pytest.mark.parametrize("stream", [
    b"x" * (PROTO_INLINE_MAX_SIZE - 1), b"x" * (PROTO_INLINE_MAX_SIZE + 1),
    b"PING\r\n" + b"x" * (PROTO_INLINE_MAX_SIZE + 1),
    b"*" + b"1" * (PROTO_INLINE_MAX_SIZE + 2), b"*1\r\n$" + b"1" * (PROTO_INLINE_MAX_SIZE + 2),
    b"ECHO a\x00b\r\n" + b"x" * PROTO_INLINE_MAX_SIZE,
    b"*1\x00\r\n" + b"y" * PROTO_INLINE_MAX_SIZE,
    b"*1\r\n$4\x00\r\nPING\r\n" + b"y" * PROTO_INLINE_MAX_SIZE,
])
@pytest.mark.parametrize("step", [1000, 4096, 65536, 1 << 20])
def test_parser_parity_header_limits(c_twin, stream, step):
    chunks = [stream[i:i + step] for i in range(0, len(stream), step)]
    assert run_parser(c_twin, chunks) == run_parser(PY, chunks)


def test_parser_limits_are_settable(c_twin):
    for mod in (c_twin, PY):
        p = mod.RequestParser()
        p.max_bulk_len = 2
        p.max_query_len = 5
        assert (p.max_bulk_len, p.max_query_len) == (2, 5)
        with pytest.raises(ProtocolError) as e:
            p.feed(mbulk(b"abc"))
        assert e.value.text == "Protocol error: invalid bulk length"
        p = mod.RequestParser()
        p.max_query_len = 5
        with pytest.raises(QueryBufferLimit) as e:
            p.feed(b"PING\r\n*1\r\n$100\r\nabcdef")
        assert e.value.commands == [[b"PING"]] and p.pending() == 6


def test_split_inline_parity(c_twin):
    rnd = random.Random(7)
    tokens = INLINE_TOKENS + [b"\n"]
    for _ in range(20000):
        line = b"".join(rnd.choice(tokens) for _ in range(rnd.randrange(10)))
        assert c_twin.split_inline(line) == PY.split_inline(line), line


# ============================================================================ parser behaviour
# Table of Redis 7.0 behaviours, checked against both twins (and against redis-server itself
# in test_parser_matches_redis below).

CASES = [
    (b"PING\r\n", [[b"PING"]], None, 0),
    (b"PING\n", [[b"PING"]], None, 0),
    (b"\r\n\n  \r\n", [], None, 0),
    (b"PING\rPING\n", [[b"PING", b"PING"]], None, 0),
    (b"  set  a \t b\r\n", [[b"set", b"a", b"b"]], None, 0),
    (b'SET "a b" \'c\\\'d\' "\\x41\\n\\t\\z"\r\n', [[b"SET", b"a b", b"c'd", b"A\n\tz"]], None, 0),
    (b'SET a"b c" d\r\n', [[b"SET", b"ab c", b"d"]], None, 0),
    (b'SET a"b c"d\r\n', [], (ProtocolError, "Protocol error: unbalanced quotes in request"), 0),
    (b"a\x0bb \x0cc\r\n", [[b"a\x0bb", b"c"]], None, 0),
    (b'SET "a\r\n', [], (ProtocolError, "Protocol error: unbalanced quotes in request"), 0),
    (b'SET "a"b\r\n', [], (ProtocolError, "Protocol error: unbalanced quotes in request"), 0),
    (b"SET 'a\r\n", [], (ProtocolError, "Protocol error: unbalanced quotes in request"), 0),
    # strchr() stops at a NUL: no line yet, whatever follows
    (b"PING\r\nECHO a\x00b\r\nPING\r\n", [[b"PING"]], None, 16),
    (b"*1\x00\r\n$4\r\nPING\r\n", [], None, 15),
    (b"*1\r\n$4\x00\r\nPING\r\n", [], None, 11),
    (b"*1\r\n$4\r\nPI\x00G\r\n", [[b"PI\x00G"]], None, 0),
    (mbulk(b"SET", b"k", b"v") * 2, [[b"SET", b"k", b"v"]] * 2, None, 0),
    (b"*0\r\n*-1\r\n*-5\r\nPING\r\n", [[b"PING"]], None, 0),
    (b"*1\rX$4\rXPING\rX", [[b"PING"]], None, 0),  # Redis never checks the LF
    (b"*1\r\n$4\r\nPING", [], None, 4),
    (b"*2147483647\r\n$1\r\na\r\n", [], None, 0),
    (b"*2147483648\r\n", [], (ProtocolError, "Protocol error: invalid multibulk length"), 0),
    (b"*01\r\n", [], (ProtocolError, "Protocol error: invalid multibulk length"), 0),
    (b"*\r\n", [], (ProtocolError, "Protocol error: invalid multibulk length"), 0),
    (b"PING\r\n*1\r\n$-1\r\n", [[b"PING"]], (ProtocolError, "Protocol error: invalid bulk length"), 0),
    (b"*1\r\n$01\r\n", [], (ProtocolError, "Protocol error: invalid bulk length"), 0),
    (b"*1\r\n$536870913\r\n", [], (ProtocolError, "Protocol error: invalid bulk length"), 0),
    (b"*1\r\nX3\r\n", [], (ProtocolError, "Protocol error: expected '$', got 'X'"), 0),
    (b"*1\r\n\r\n", [], (ProtocolError, "Protocol error: expected '$', got '\r'"), 0),
    (b"*1\r\n\xff\r\n", [], (ProtocolError, "Protocol error: expected '$', got '\udcff'"), 0),
    (b"x" * (PROTO_INLINE_MAX_SIZE + 1), [],
     (ProtocolError, "Protocol error: too big inline request"), 0),
    (b"*" + b"1" * PROTO_INLINE_MAX_SIZE, [],
     (ProtocolError, "Protocol error: too big mbulk count string"), 0),
    (b"*1\r\n$" + b"1" * PROTO_INLINE_MAX_SIZE, [],
     (ProtocolError, "Protocol error: too big bulk count string"), 0),
]


@pytest.mark.parametrize("data,commands,error,pending", CASES,
                         ids=[repr(c[0][:30]) for c in CASES])
def test_parser_redis_cases(impl, data, commands, error, pending):
    got = parse_all(twin(impl), data)
    assert got == (commands, error, pending)


def test_error_reply_spells_byte_back(impl):
    """A non-ASCII byte in "expected '$'" goes back to the client as the byte itself."""
    _, (_, text), _ = parse_all(twin(impl), b"*1\r\n\xe9\r\n")
    assert twin(impl).encode(ReplyError("ERR " + text)) == \
        b"-ERR Protocol error: expected '$', got '\xe9'\r\n"


def test_pending_and_partial_state(impl):
    p = twin(impl).RequestParser()
    assert p.feed(b"*2\r\n$3\r\nGET\r\n$5\r\nab") == [] and p.pending() == 2
    assert p.feed(b"cde") == [] and p.pending() == 5
    assert p.feed(b"\r") == [] and p.pending() == 6
    assert p.feed(b"\nPI") == [[b"GET", b"abcde"]] and p.pending() == 2
    assert p.feed(b"NG\r\n") == [[b"PING"]] and p.pending() == 0


def test_feed_accepts_buffers(c_twin):
    p = c_twin.RequestParser()
    assert p.feed(bytearray(b"PING\r\n*1\r\n$1\r")) == [[b"PING"]]
    assert p.feed(memoryview(b"\na\r\n")) == [[b"a"]]


def test_errors_are_the_shared_classes(c_twin):
    assert c_twin.RequestParser is not PY.RequestParser
    with pytest.raises(ProtocolError):
        c_twin.RequestParser().feed(b"*x\r\n")
    p = c_twin.RequestParser(max_query_len=3)
    with pytest.raises(QueryBufferLimit):
        p.feed(b"*1\r\n$10\r\nabcd")


# ============================================================================ fuzz

@settings(max_examples=500, deadline=None, suppress_health_check=SLOW_OK)
@given(data=st.binary(max_size=3000), cuts=st.lists(st.integers(0, 3000), max_size=8),
       limits=LIMITS)
def test_fuzz_random_bytes(impl, data, cuts, limits):
    mod = twin(impl)
    p = mod.RequestParser(*limits)
    for ch in split(data, cuts):
        try:
            for cmd in p.feed(ch):
                assert cmd and all(type(a) is bytes for a in cmd)
        except ProtocolError as e:
            assert e.text.startswith("Protocol error: ") or type(e) is QueryBufferLimit
        assert 0 <= p.pending() <= len(data)


def test_fuzz_many_inputs_never_crash_or_hang(impl):
    """200k seeded inputs from protocol-ish tokens; a hang kills the run with a traceback."""
    mod = twin(impl)
    rnd = random.Random(1234)
    tokens = PROTO_TOKENS + [b"*1\r\n", b"$1\r\n", b"*2147483647\r\n", b"$0\r\n\r\n", b"PING"]
    n = 200_000 if impl == "c" else 20_000
    faulthandler.dump_traceback_later(300, exit=True)
    try:
        for _ in range(n):
            data = b"".join(rnd.choice(tokens) for _ in range(rnd.randrange(20)))
            p = mod.RequestParser(rnd.choice([0, 2, BIG]), rnd.choice([4, QBIG]))
            for ch in split(data, [rnd.randrange(len(data) + 1) for _ in range(3)]):
                try:
                    p.feed(ch)
                except ProtocolError:
                    pass
    finally:
        faulthandler.cancel_dump_traceback_later()


def _feed_bulk(mod, size: int, chunk: int) -> float:
    payload = b"v" * size
    data = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$%d\r\n" % size + payload + b"\r\n"
    chunks = [data[i:i + chunk] for i in range(0, len(data), chunk)]
    p = mod.RequestParser()
    out = []
    t = time.process_time()  # CPU time: other processes' load does not count
    for ch in chunks:
        out += p.feed(ch)
    t = time.process_time() - t
    assert out == [[b"SET", b"k", payload]] and p.pending() == 0
    return t


def test_big_bulk_in_many_chunks_is_linear(impl):
    """8x the bytes in the same chunk size must not cost 64x (quadratic) the time."""
    mod = twin(impl)
    small = min(_feed_bulk(mod, 1 << 20, 1024) for _ in range(5))
    big = min(_feed_bulk(mod, 8 << 20, 1024) for _ in range(5))
    assert big < small * 24 + 0.05, (small, big)


# ============================================================================ encoder parity

class Color(enum.IntEnum):
    RED = 1
    BIG = 2 ** 70


class MyError(ReplyError):
    pass


SURROGATE_TEXT = st.binary(max_size=12).map(lambda b: b.decode("utf-8", "surrogateescape"))
TEXT = st.one_of(st.text(max_size=12), SURROGATE_TEXT,
                 st.sampled_from(["ERR a\r\nb", "\r", "\n\n", "é", "OK"]))
INTS = st.one_of(st.integers(), st.integers(-2 ** 80, 2 ** 80),
                 st.sampled_from([0, -1, 2 ** 63 - 1, -2 ** 63, 2 ** 63, -2 ** 63 - 1, 2 ** 64]))
LEAF = st.one_of(
    st.binary(max_size=20), st.binary(max_size=20).map(bytearray), INTS, st.none(),
    st.just(OK), TEXT.map(Status), TEXT,
    st.floats(), st.sampled_from([0.0, -0.0, 1e300, 5e-324, 0.1, float("inf"), float("-inf"),
                                  float("nan"), 1e16, 123456789.125]),
    st.booleans(), st.binary(max_size=10).map(Verbatim), st.just(NULL_ARRAY),
    TEXT.map(ReplyError), TEXT.map(MyError), st.sampled_from(list(Color)),
)
HASHABLE = st.one_of(st.binary(max_size=8), INTS, st.text(max_size=5), st.booleans(),
                     st.floats(allow_nan=False), st.just(None))
VALUE = st.recursive(LEAF, lambda inner: st.one_of(
    st.lists(inner, max_size=5), st.lists(inner, max_size=5).map(tuple),
    st.lists(inner, max_size=5).map(Push), st.lists(inner, max_size=5).map(SetReply),
    st.dictionaries(HASHABLE, inner, max_size=4),
    st.sets(HASHABLE, max_size=4), st.frozensets(HASHABLE, max_size=4),
), max_leaves=40)


@settings(max_examples=2000, deadline=None, suppress_health_check=SLOW_OK)
@given(value=VALUE, resp=st.sampled_from([2, 3]), prefix=st.binary(max_size=40))
def test_encoder_parity(c_twin, value, resp, prefix):
    assert c_twin.encode(value, resp) == PY.encode(value, resp)
    a, b = bytearray(prefix), bytearray(prefix)
    c_twin.encode_into(a, value, resp)
    PY.encode_into(b, value, resp)
    assert a == b


@pytest.mark.parametrize("value", [
    [b"a", object()], {b"k": [1, 2, {3}], b"x": object()}, (Status(b"bytes text"),),
    [ReplyError("ERR a"), 1.5, Status(None)], object(), 1j, 1.5j, b"", [float("nan")] * 2,
])
@pytest.mark.parametrize("resp", [2, 3])
def test_encoder_errors_parity(c_twin, value, resp):
    """Unencodable values: same exception, and ``out`` keeps the same partial output."""
    outs, errs = [], []
    for mod in (c_twin, PY):
        out = bytearray(b"prefix")
        try:
            mod.encode_into(out, value, resp)
            errs.append(None)
        except Exception as e:  # noqa: BLE001 - comparing whatever both raise
            errs.append((type(e), str(e)))
        outs.append(out)
    assert outs[0] == outs[1] and errs[0] == errs[1]


def test_encoder_known_bytes(impl):
    enc = twin(impl).encode
    assert enc(OK) == b"+OK\r\n"
    assert enc(None, 2) == b"$-1\r\n" and enc(None, 3) == b"_\r\n"
    assert enc(2 ** 70) == b":1180591620717411303424\r\n"
    assert enc(Color.BIG) == b":1180591620717411303424\r\n" and enc(Color.RED) == b":1\r\n"
    assert enc(1.5, 2) == b"$3\r\n1.5\r\n" and enc(0.1, 3) == b",0.10000000000000001\r\n"
    assert enc(float("-inf"), 2) == b"$4\r\n-inf\r\n" and enc(float("nan"), 3) == b",nan\r\n"
    assert enc({b"a": 1}, 2) == b"*2\r\n$1\r\na\r\n:1\r\n"
    assert enc({b"a": 1}, 3) == b"%1\r\n$1\r\na\r\n:1\r\n"
    assert enc(True, 3) == b"#t\r\n" and enc(False, 2) == b":0\r\n"
    assert enc(Push([b"m"]), 3) == b">1\r\n$1\r\nm\r\n"
    assert enc(SetReply([b"1", 2]), 3) == b"~2\r\n$1\r\n1\r\n:2\r\n"
    assert enc(SetReply([b"1", 2]), 2) == b"*2\r\n$1\r\n1\r\n:2\r\n"
    assert enc(Verbatim(b"hi"), 3) == b"=6\r\ntxt:hi\r\n"
    assert enc(NULL_ARRAY, 2) == b"*-1\r\n" and enc(NULL_ARRAY, 3) == b"_\r\n"
    assert enc(MyError("ERR a\r\nb")) == b"-ERR a  b\r\n"
    assert enc(Status("x\ny")) == b"+x y\r\n"
    assert enc("caf\udce9") == b"$4\r\ncaf\xe9\r\n"
    assert enc([b"x" * 3] * 600) == b"*600\r\n" + b"$3\r\nxxx\r\n" * 600


def test_encode_into_appends_to_a_shared_batch(impl):
    mod = twin(impl)
    out = bytearray()
    for i in range(2000):
        mod.encode_into(out, [b"v%d" % i, i], 2)
    assert out == b"".join(PY.encode([b"v%d" % i, i]) for i in range(2000))
    view = memoryview(out)  # an exported buffer cannot be resized: BufferError in both
    with pytest.raises(BufferError):
        mod.encode_into(out, b"x", 2)
    view.release()


def test_encode_deep_nesting_raises_recursion_error(impl):
    v = []
    for _ in range(100_000):
        v = [v]
    with pytest.raises(RecursionError):
        twin(impl).encode(v)


# ============================================================================ oracle

def _redis_replies(port: int, data: bytes, expect: bytes, closes: bool) -> bytes:
    """Send data; read until ``expect``'s length (and EOF when the server should close),
    then a little longer to catch anything unexpected."""
    s = socket.create_connection(("127.0.0.1", port))
    try:
        s.sendall(data)
        got = b""
        deadline = time.time() + 5
        quiet_until = None
        while time.time() < deadline:
            if len(got) >= len(expect) and quiet_until is None:
                quiet_until = time.time() + (0.5 if closes else 0.05)
            if quiet_until is not None and time.time() > quiet_until:
                break
            s.settimeout(0.05)
            try:
                chunk = s.recv(65536)
            except TimeoutError:
                continue
            except ConnectionResetError:
                got += b"<EOF>"
                break
            if not chunk:
                got += b"<EOF>"
                break
            got += chunk
        return got
    finally:
        s.close()


def _expected_replies(mod, data: bytes):
    """What Redis should answer to ``data`` made of ECHO commands, per our parser."""
    cmds, err, _ = parse_all(mod, data)
    out = b""
    for c in cmds:
        if c[0].upper() != b"ECHO":
            return None
        if len(c) != 2:
            out += b"-ERR wrong number of arguments for 'echo' command\r\n"
        else:
            out += PY.encode(c[1])
    if err is not None and err[0] is not QueryBufferLimit:
        out += PY.encode(ReplyError("ERR " + err[1])) + b"<EOF>"
    return out, err is not None


ORACLE_CASES = [d for d in [c[0] for c in CASES] + [
    b"ECHO a\r\n", b"ECHO a\x00b\r\nECHO c\r\n", b'ECHO "a\\x00b"\r\n', b"ECHO a\rECHO\n",
    b"*2\r\n$4\r\nECHO\r\n$1\r\n\x00\r\n", b"ECHO 'a\r\n", b"ECHO \x0bx\x0by\r\n",
    b"*2\r\n$4\r\nECHO\r\n$2\x00\r\nab\r\n", b"*2\r\n$4\r\nECHO\r\n$2\rXab\r\n",
] if _expected_replies(PY, d) is not None]


@pytest.mark.oracle
@pytest.mark.parametrize("data", ORACLE_CASES, ids=[repr(d[:30]) for d in ORACLE_CASES])
def test_parser_matches_redis(oracle_server, data):
    expect, closes = _expected_replies(PY, data)
    assert _redis_replies(oracle_server.port, data, expect, closes) == expect


ECHO_TOKENS = [b"a", b" ", b'"', b"'", b"\\", b"\\x41", b"\x00", b"\r", b"\t", b"\x0b", b"b"]
ECHO_INLINE = st.tuples(
    st.just(b"ECHO "), st.lists(st.sampled_from(ECHO_TOKENS), max_size=6).map(b"".join),
    st.sampled_from([b"\r\n", b"\n"])).map(b"".join)
ECHO_MBULK = st.tuples(st.binary(max_size=6), st.sampled_from([b"", b"\x00", b"X"]),
                       st.sampled_from([b"\r\n", b"\rX"])).map(
    lambda t: b"*2\r\n$4\r\nECHO\r\n$%d%s%s%s\r\n" % (len(t[0]), t[1], t[2], t[0]))


@pytest.mark.oracle
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(parts=st.lists(st.one_of(ECHO_INLINE, ECHO_MBULK), min_size=1, max_size=4))
def test_parser_matches_redis_on_generated_echo_streams(oracle_server, parts):
    data = b"".join(parts)
    exp = _expected_replies(PY, data)
    assume(exp is not None)
    expect, closes = exp
    assert _redis_replies(oracle_server.port, data, expect, closes) == expect
