"""SASL, Auto Discovery, memory-full replies, connection limits and options."""

import socket
import struct

import pytest

from .conftest import start_mc_strata
from .mcdiff import binreq as R, exchange

NOOP, SET, GET, VERSION = 0x0A, 0x01, 0x00, 0x0B
SASL_LIST, SASL_AUTH, SASL_STEP = 0x20, 0x21, 0x22


def frames(data):
    out = []
    i = 0
    while i + 24 <= len(data):
        _m, op, kl, el, _dt, st, bl, opq, cas = struct.unpack_from(">BBHBBHIIQ", data, i)
        out.append((op, st, data[i + 24 + el + kl:i + 24 + bl]))
        i += 24 + bl
    return out


@pytest.fixture(scope="module")
def sasl_server(tmp_path_factory, mc_impl):
    pwdb = tmp_path_factory.mktemp("sasl") / "pwdb"
    pwdb.write_text("testuser:testpass\nother:pw:extra\n")
    srv = start_mc_strata(mc_impl, ["--memcached-sasl", "yes", "--memcached-sasl-pwdb",
                                    str(pwdb)])
    yield srv
    srv.stop()


def test_sasl_plain(sasl_server):
    port = sasl_server.mc_port
    out, closed = exchange(port, R(NOOP))
    assert frames(out) == [(NOOP, 0x20, b"Auth failure.")] and closed
    out, closed = exchange(port, R(VERSION) + R(SASL_LIST) + R(NOOP), expect=b"")
    f = frames(out)
    assert f[0] == (VERSION, 0, b"1.6.18") and f[1] == (SASL_LIST, 0, b"PLAIN")
    assert f[2] == (NOOP, 0x20, b"Auth failure.") and closed
    ok = R(SASL_AUTH, b"PLAIN", b"", b"\0testuser\0testpass")
    out, closed = exchange(port, ok + R(SET, b"k", b"\0\0\0\0\0\0\0\0", b"v") + R(GET, b"k")
                           + R(NOOP))
    f = frames(out)
    assert f[0] == (SASL_AUTH, 0, b"Authenticated")
    assert f[1][1] == 0 and f[2] == (GET, 0, b"v") and f[3] == (NOOP, 0, b"")
    assert not closed
    out, closed = exchange(port, R(SASL_AUTH, b"PLAIN", b"", b"\0other\0pw") + R(NOOP))
    assert frames(out)[0] == (SASL_AUTH, 0, b"Authenticated") and not closed
    bad = R(SASL_AUTH, b"PLAIN", b"", b"\0testuser\0wrong")
    out, closed = exchange(port, bad + R(NOOP))
    assert frames(out) == [(SASL_AUTH, 0x20, b"Auth failure."), (NOOP, 0x20, b"Auth failure.")]
    assert closed
    out, _ = exchange(port, R(SASL_AUTH, b"PLAIN") + R(NOOP))
    assert frames(out)[0] == (SASL_AUTH, 0x21, b"")
    # text is not spoken when SASL is on (memcached forces the binary protocol)
    out, closed = exchange(port, b"get a\r\n" * 4)
    assert out == b"" and closed


def test_sasl_with_bmemcached(sasl_server):
    bmemcached = pytest.importorskip("bmemcached")
    c = bmemcached.Client(("127.0.0.1:%d" % sasl_server.mc_port,), "testuser", "testpass")
    assert c.set("k", "v") and c.get("k") == "v"
    c.disconnect_all()


def test_auto_discovery(mc_strata):
    port = mc_strata.mc_port
    out, _ = exchange(port, b"config get cluster\r\n", expect=b"END\r\n")
    head, rest = out.split(b"\r\n", 1)
    assert head.startswith(b"CONFIG cluster 0 ")
    length = int(head.split()[-1])
    body = rest[:length]
    assert rest[length:] == b"\r\n"
    version, nodes = body.split(b"\n")[:2]
    assert version == b"1" or int(version) >= 1
    host, ip, p = nodes.split(b" ")[0].split(b"|")
    assert ip == b"127.0.0.1" and int(p) == port


def test_auto_discovery_membership_in_process():
    from engine import Engine
    from engine.memcached import state
    from protocols.memcached.text import config_cluster
    eng = Engine()
    m = state(eng).membership
    m.set_nodes([("a.example", "10.0.0.1", 11211), ("b.example", "10.0.0.2", 11211)])
    reply = config_cluster(m.version, m.nodes)
    body = b"2\na.example|10.0.0.1|11211 b.example|10.0.0.2|11211\n"
    assert reply == b"CONFIG cluster 0 %d\r\n%s\r\nEND\r\n" % (len(body), body)


def test_out_of_memory_under_noeviction(mc_impl):
    srv = start_mc_strata(mc_impl, ["--maxmemory", "2mb", "--maxmemory-policy", "noeviction"])
    try:
        port = srv.mc_port
        value = b"x" * 100000
        replies = []
        for i in range(40):
            out, closed = exchange(port, b"set k%d 0 0 %d\r\n%s\r\n" % (i, len(value), value),
                                   expect=b"\r\n")
            replies.append(out)
        assert b"STORED" in replies
        assert b"SERVER_ERROR out of memory storing object" in replies
        out, _ = exchange(port, b"ms new1 1\r\nx\r\n", expect=b"\r\n")
        assert out == b"SERVER_ERROR out of memory storing object"
        out, _ = exchange(port, R(SET, b"new2", b"\0" * 8, b"v"))
        assert frames(out) == [(SET, 0x82, b"Out of memory allocating item")]
        out, _ = exchange(port, b"add new3 0 0 1 noreply\r\nx\r\nmn\r\n", expect=b"MN\r\n")
        assert out == b""
        # reads still work; a set that fails drops the old item ("no stale data")
        out, _ = exchange(port, b"get k1\r\n", expect=b"END\r\n")
        assert out.startswith(b"VALUE k1 0 100000\r\n")
        out, _ = exchange(port, b"set k0 0 0 1\r\nx\r\nget k0\r\n", expect=b"END\r\n")
        assert out == b"SERVER_ERROR out of memory storing object\r\n"
    finally:
        srv.stop()


def test_connection_limit(mc_impl):
    srv = start_mc_strata(mc_impl, ["--memcached-max-connections", "2"])
    try:
        socks = [socket.create_connection(("127.0.0.1", srv.mc_port)) for _ in range(2)]
        for s in socks:
            s.sendall(b"version\r\n")
            assert s.recv(100).startswith(b"VERSION")
        out, closed = exchange(srv.mc_port, b"version\r\n")
        assert out == b"ERROR Too many open connections\r\n" and closed
        for s in socks:
            s.close()
    finally:
        srv.stop()


def test_memcached_db_and_item_size_options(mc_impl):
    import redis
    srv = start_mc_strata(mc_impl, ["--memcached-db", "3", "--memcached-max-item-size", "2k"])
    try:
        out, _ = exchange(srv.mc_port, b"set k 0 0 1\r\nv\r\n", expect=b"\r\n")
        assert out == b"STORED"
        r = redis.Redis(port=srv.port, db=3)
        assert r.get("k") == b"v"
        assert redis.Redis(port=srv.port, db=0).get("k") is None
        big = b"x" * 2000
        out, _ = exchange(srv.mc_port, b"set k 0 0 %d\r\n%s\r\n" % (len(big), big),
                          expect=b"\r\n")
        assert out == b"SERVER_ERROR object too large for cache"
        assert r.config_get("memcached-max-item-size") == {"memcached-max-item-size": "2048"}
    finally:
        srv.stop()


def test_delayed_flush(mc_port):
    import time
    out, _ = exchange(mc_port, b"set a 0 0 1\r\nx\r\nflush_all 1\r\nget a\r\n",
                      expect=b"END\r\n")
    assert out == b"STORED\r\nOK\r\nVALUE a 0 1\r\nx\r\n"
    time.sleep(1.3)
    out, _ = exchange(mc_port, b"get a\r\n", expect=b"END\r\n")
    assert out == b""
