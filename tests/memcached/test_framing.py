"""The framing twins (native/memcache_c and memcache_py): same requests, same errors and
the same state for the same stream, however it is split; numbers parsed as util.c does;
garbage never crashes the server."""

import importlib
import os
import random
import socket
import struct

import pytest
from hypothesis import given, settings, strategies as st

from tests.support.servers import IN_CI

from .conftest import memcache_native_built
from .mcdiff import binreq, exchange

py = importlib.import_module("native.memcache_py")
c = importlib.import_module("native.memcache_c") if memcache_native_built() else None

needs_c = pytest.mark.skipif(c is None and not IN_CI, reason="native/memcache_c not built")


def test_native_loaded():
    """The C twin is what runs when it is built (no silent fallback)."""
    from native import memcache
    if not memcache_native_built():
        if IN_CI:
            pytest.fail("native/memcache_c is not built under CI")
        pytest.skip("native/memcache_c not built")
    if os.environ.get("STRATA_NO_EXTENSIONS", "") in ("", "0"):
        assert memcache.IMPLEMENTATION == "c"


# ------------------------------------------------------------------ stream grammar
_keys = st.sampled_from([b"a", b"k", b"key:1", b"k" * 250, b"k" * 251, b"x\ty", b"", b"\x00z"])
_nums = st.sampled_from([b"0", b"1", b"-1", b"5", b"+3", b"-0", b"abc", b"4294967296", b"",
                         b"2147483647", b"18446744073709551616", b"  7", b"7\t", b"100"])
_words = st.sampled_from([b"get", b"gets", b"set", b"add", b"cas", b"append", b"prepend",
                          b"replace", b"ms", b"mg", b"md", b"ma", b"mn", b"incr", b"delete",
                          b"noreply", b"version", b"stats", b"T1", b"F5", b"q", b"v", b"MA"])


@st.composite
def text_stream(draw):
    parts = []
    for _ in range(draw(st.integers(1, 12))):
        kind = draw(st.integers(0, 4))
        if kind == 0:
            n = draw(st.integers(0, 12))
            value = draw(st.binary(max_size=16))
            parts.append(b"set %s %s %s %d%s\r\n%s\r\n" % (
                draw(_keys), draw(_nums), draw(_nums), n,
                draw(st.sampled_from([b"", b" noreply", b" x"])), value[:n].ljust(n, b"v")))
        elif kind == 1:
            parts.append(b"ms %s %s %s\r\n%s\r\n" % (draw(_keys), draw(_nums),
                                                      b" ".join(draw(st.lists(_words, max_size=4))),
                                                      draw(st.binary(max_size=8))))
        elif kind == 2:
            parts.append(b" ".join(draw(st.lists(st.one_of(_words, _keys, _nums), max_size=30)))
                         + draw(st.sampled_from([b"\r\n", b"\n", b"\r\r\n", b""])))
        elif kind == 3:
            parts.append(draw(st.binary(max_size=40)))
        else:
            parts.append(b"cas %s 0 0 2 %s\r\nab\r\n" % (draw(_keys), draw(_nums)))
    return b"".join(parts)


@st.composite
def binary_stream(draw):
    parts = []
    for _ in range(draw(st.integers(1, 10))):
        op = draw(st.sampled_from(list(range(0x25)) + [0x50, 0xFF]))
        key = draw(st.sampled_from([b"", b"k", b"key", b"k" * 251]))
        extras = draw(st.sampled_from([b"", b"\0" * 4, b"\0" * 8, b"\0" * 20, b"\1" * 8]))
        value = draw(st.binary(max_size=12))
        magic = draw(st.sampled_from([0x80] * 12 + [0x81, 0x00]))
        bodylen = draw(st.sampled_from([-1] * 8 + [0, 3, 100]))
        parts.append(binreq(op, key, extras, value, opaque=draw(st.integers(0, 2 ** 32 - 1)),
                            cas=draw(st.sampled_from([0, 1, 2 ** 64 - 1])), magic=magic,
                            bodylen=bodylen))
        if draw(st.integers(0, 9)) == 0:
            parts.append(draw(st.binary(max_size=30)))
    return b"".join(parts)


def _chunks(data, cuts):
    cuts = sorted(set(x % (len(data) + 1) for x in cuts))
    out, last = [], 0
    for x in cuts + [len(data)]:
        out.append(data[last:x])
        last = x
    return out


def _run(parser, chunks):
    got = []
    for ch in chunks:
        got.extend(parser.feed(ch))
    return got, parser.pending(), parser.closed


@needs_c
@settings(max_examples=300, deadline=None)
@given(text_stream(), st.lists(st.integers(0, 10 ** 6), max_size=8),
       st.sampled_from([1024 * 1024, 2048]))
def test_text_twins_agree(stream, cuts, max_item):
    chunks = _chunks(stream, cuts)
    assert _run(c.TextParser(max_item), chunks) == _run(py.TextParser(max_item), chunks)


@settings(max_examples=200, deadline=None)
@given(text_stream(), st.lists(st.integers(0, 10 ** 6), max_size=8))
def test_text_split_does_not_matter(stream, cuts):
    # lines are short here, so the 2048-byte rule never fires
    whole = _run(py.TextParser(), [stream])
    assert _run(py.TextParser(), _chunks(stream, cuts)) == whole


@needs_c
@settings(max_examples=300, deadline=None)
@given(binary_stream(), st.lists(st.integers(0, 10 ** 6), max_size=8), st.booleans(),
       st.sampled_from([1024 * 1024, 1100]))
def test_binary_twins_agree(stream, cuts, sasl, max_item):
    chunks = _chunks(stream, cuts)
    assert _run(c.BinaryParser(max_item, sasl), chunks) == \
        _run(py.BinaryParser(max_item, sasl), chunks)
    assert _run(py.BinaryParser(max_item, sasl), chunks) == \
        _run(py.BinaryParser(max_item, sasl), [stream])


NUMBERS = [b"0", b"1", b"-1", b"+1", b"-0", b" 5", b"\t5", b"5 ", b"5\t", b"5x", b"x5", b"",
           b"-", b"+", b"4294967295", b"4294967296", b"2147483647", b"2147483648",
           b"-2147483648", b"-2147483649", b"9223372036854775807", b"9223372036854775808",
           b"-9223372036854775808", b"-9223372036854775809", b"18446744073709551615",
           b"18446744073709551616", b"-18446744073709551615", b"-18446744073709551616",
           b"007", b"1\x00", b"--1", b"1e3", b" ", b"\r5", b"5\r"]


@needs_c
@pytest.mark.parametrize("s", NUMBERS)
def test_number_twins_agree(s):
    for fn in ("safe_strtoul", "safe_strtol", "safe_strtoull"):
        assert getattr(c, fn)(s) == getattr(py, fn)(s), (fn, s)
    assert c.strtoull_data(s) == py.strtoull_data(s)


def test_numbers_follow_util_c():
    assert py.safe_strtol(b"4294967297") == 1                 # int32 wrap
    assert py.safe_strtol(b"-9999999999") == -1410065407
    assert py.safe_strtoul(b"4294967296") == 0
    assert py.safe_strtoull(b"-1") is None                    # "negative" refused
    assert py.safe_strtoull(b"-18446744073709551615") == 1    # wraps small: accepted
    assert py.safe_strtoull(b"18446744073709551616") is None  # ERANGE
    assert py.safe_strtoull(b"5\tjunk") == 5                  # whitespace ends the number


# ------------------------------------------------------------------ fuzz the server
@settings(max_examples=40, deadline=None)
@given(st.one_of(text_stream(), binary_stream(), st.binary(max_size=300)))
def test_garbage_never_hurts_the_server(mc_port_session, data):
    port = mc_port_session
    exchange(port, data, idle=0.02, timeout=0.5)
    out, closed = exchange(port, b"get fuzz:canary\r\n", expect=b"END\r\n")
    assert out == b"VALUE fuzz:canary 0 5\r\nalive\r\n"


@pytest.fixture(scope="module")
def mc_port_session(mc_strata):
    out, _ = exchange(mc_strata.mc_port, b"set fuzz:canary 0 0 5\r\nalive\r\n", expect=b"\r\n")
    yield mc_strata.mc_port
    # the server survived the whole run
    out, _ = exchange(mc_strata.mc_port, b"version\r\n", expect=b"\r\n")
    assert out.startswith(b"VERSION")


def test_random_bytes_then_valid_frames(mc_strata):
    rnd = random.Random(1234)
    for _ in range(30):
        blob = bytes(rnd.getrandbits(8) for _ in range(rnd.randint(1, 200)))
        s = socket.create_connection(("127.0.0.1", mc_strata.mc_port))
        try:
            s.sendall(blob)
        except OSError:
            pass
        s.close()
    out, _ = exchange(mc_strata.mc_port, binreq(0x0A), expect=struct.pack(">B", 0x81)[:0])
    assert out[:2] == b"\x81\x0a"
