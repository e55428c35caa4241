"""Malformed frames from the network: hypothesis writes broken RESP (multibulk and inline) and
memcached (text, meta and binary) requests to a running server. Whatever arrives, the server
answers or hangs up within a bounded time, never crashes, and a bystander connected all along
is served as if nothing happened."""

import socket
import struct
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.raw import RawClient
from tests.support.servers import free_port, start_strata, wait_port

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True,
                    suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def target(strata_impl):
    mport = free_port()
    srv = start_strata(strata_impl, ["--memcached-port", str(mport),
                                     "--proto-max-bulk-len", "1mb",
                                     "--client-query-buffer-limit", "1mb"])
    wait_port(mport, srv.proc)
    srv.mc_port = mport
    bystander = RawClient(srv.host, srv.port, timeout=3)
    assert bystander.call("PING") == b"+PONG\r\n"
    mc = socket.create_connection((srv.host, mport), timeout=3)
    srv.bystander, srv.mc = bystander, mc
    yield srv
    bystander.close()
    mc.close()
    log = srv.log()
    srv.stop()
    assert "Traceback" not in log and "Exception" not in log, log[-3000:]


def _poke(port: int, data: bytes, wait: float = 0.01) -> None:
    """Send ``data`` on a fresh connection, read what comes back for a moment, hang up."""
    s = socket.create_connection(("127.0.0.1", port), timeout=2)
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        try:
            s.sendall(data)
        except OSError:
            return   # the server hung up before taking it all: allowed
        s.settimeout(wait)
        try:
            while s.recv(65536):
                pass
        except (socket.timeout, OSError):
            pass
    finally:
        s.close()


def _bystanders_fine(srv) -> None:
    t0 = time.time()
    assert srv.proc.poll() is None, "the server died"
    # (the fuzz may FLUSHALL or flush_all: the bystander checks the connection, not data)
    assert srv.bystander.call("ECHO", "alive") == b"$5\r\nalive\r\n"
    srv.mc.sendall(b"version\r\n")
    assert srv.mc.recv(100).startswith(b"VERSION ")
    assert time.time() - t0 < 2.0, "the server was slow to answer a bystander"


# ------------------------------------------------------------------ RESP
_NUMBERS = st.sampled_from([b"0", b"1", b"2", b"-1", b"-2", b"3", b"99", b"1048577",
                            b"9223372036854775807", b"9223372036854775808", b"1e3", b" 1",
                            b"+1", b"01", b"", b"x", b"\x00"])
_RESP_TOKENS = st.one_of(
    st.builds(lambda n: b"*" + n, _NUMBERS), st.builds(lambda n: b"$" + n, _NUMBERS),
    st.just(b"\r\n"), st.just(b"\n"), st.just(b"\r"), st.sampled_from(
        [b"PING", b"GET", b"SET", b"k", b"\"", b"'", b"\\x4", b"\"a\"b", b" ", b"MULTI",
         b"SUBSCRIBE", b"CLIENT", b"DEBUG", b"HELLO", b"3", b"AUTH", b"ACL", b"SETUSER"]),
    st.binary(max_size=40))
_RESP_FRAMES = st.lists(_RESP_TOKENS, max_size=30).map(b"".join)


@SETTINGS
@given(data=_RESP_FRAMES)
def test_resp_malformed_frames(target, data):
    _poke(target.port, data)
    _bystanders_fine(target)


@SETTINGS
@given(n=st.integers(0, 40), size=st.integers(0, 2_000_000), tail=st.binary(max_size=64))
def test_resp_oversized_and_truncated(target, n, size, tail):
    _poke(target.port, b"*%d\r\n$%d\r\n" % (n, size) + tail)
    _bystanders_fine(target)


# ------------------------------------------------------------------ memcached
_MC_TOKENS = st.one_of(
    st.sampled_from([b"get", b"gets", b"set", b"add", b"cas", b"incr", b"decr", b"delete",
                     b"touch", b"gat", b"mg", b"ms", b"md", b"ma", b"mn", b"me", b"stats",
                     b"flush_all", b"verbosity", b"version", b"quit", b"k", b"0", b"-1",
                     b"4294967296", b"18446744073709551616", b"noreply", b"T1", b"S100",
                     b"v", b"q", b"O", b"MI"]),
    st.just(b" "), st.just(b"\r\n"), st.just(b"\n"), st.binary(max_size=30))
_MC_FRAMES = st.lists(_MC_TOKENS, max_size=30).map(b"".join)


@SETTINGS
@given(data=_MC_FRAMES)
def test_memcached_text_malformed(target, data):
    _poke(target.mc_port, data)
    _bystanders_fine(target)


@st.composite
def _binary_frames(draw):
    frames = []
    for _ in range(draw(st.integers(1, 4))):
        opcode = draw(st.integers(0, 0x50))
        key = draw(st.binary(max_size=20))
        extras = draw(st.binary(max_size=24))
        value = draw(st.binary(max_size=40))
        keylen = draw(st.one_of(st.just(len(key)), st.integers(0, 0xFFFF)))
        extlen = draw(st.one_of(st.just(len(extras)), st.integers(0, 0xFF)))
        body = len(key) + len(extras) + len(value)
        bodylen = draw(st.one_of(st.just(body), st.integers(0, 0xFFFFFFFF)))
        header = struct.pack(">BBHBBHIIQ", draw(st.sampled_from([0x80, 0x81, 0x00])), opcode,
                             keylen, extlen, 0, 0, bodylen, 0, 0)
        frames.append(header + extras + key + value)
    return b"".join(frames)


@SETTINGS
@given(data=_binary_frames())
def test_memcached_binary_malformed(target, data):
    _poke(target.mc_port, data)
    _bystanders_fine(target)
