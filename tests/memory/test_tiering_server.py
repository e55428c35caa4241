"""Data tiering in a running server (both builds): memcached clients read tiered values
back like RESP ones, and a tiered server killed and restarted comes up empty, or from its
last snapshot, without errors (tiering is not persistence)."""

import os
import socket

import pytest
import redis

from tests.conftest import require_impl
from tests.support.servers import free_port, start_strata, wait_port


@pytest.fixture(params=["c", "py"])
def impl(request):
    require_impl(request.param)
    return request.param


def _start(impl, tiering_dir, data_dir, extra=(), maxmemory="3mb"):
    return start_strata(impl, [
        "--tiering-enabled", "yes", "--tiering-dir", str(tiering_dir),
        "--maxmemory", maxmemory, "--maxmemory-policy", "allkeys-lru",
        "--dir", str(data_dir)] + list(extra))


def _value(i):
    return (b"%07d|" % i) * 60   # 480 bytes


def _tiering(client):
    return client.info("tiering")


def _mc_exchange(sock, data, end):
    sock.sendall(data)
    buf = b""
    while not buf.endswith(end):
        chunk = sock.recv(1 << 16)
        assert chunk, "connection closed"
        buf += chunk
    return buf


def test_memcached_reads_tiered_values(impl, tmp_path):
    mport = free_port()
    # memcached items carry metadata (flags, CAS) in memory: a larger budget for them
    srv = _start(impl, tmp_path / "tier", tmp_path, ["--memcached-port", str(mport)],
                 maxmemory="6mb")
    try:
        wait_port(mport, srv.proc)
        sock = socket.create_connection(("127.0.0.1", mport))
        n = 8000
        payload = b"".join(b"set mk%d %d 0 %d noreply\r\n%s\r\n" % (i, i % 7, len(_value(i)),
                                                                     _value(i))
                           for i in range(n))
        sock.sendall(payload)
        assert _mc_exchange(sock, b"version\r\n", b"\r\n").startswith(b"VERSION")
        r = redis.Redis(port=srv.port)
        info = _tiering(r)
        assert info["tiering_keys"] > 1000, info
        reads = info["tiering_disk_reads"]
        for i in range(0, n, 13):
            got = _mc_exchange(sock, b"get mk%d\r\n" % i, b"END\r\n")
            assert got == b"VALUE mk%d %d %d\r\n%s\r\nEND\r\n" % (i, i % 7, len(_value(i)),
                                                                 _value(i)), i
        assert _tiering(r)["tiering_disk_reads"] > reads
        # and the same keys through RESP
        assert r.get("mk1") == _value(1)
        assert r.dbsize() == n and r.info("stats")["evicted_keys"] == 0
        sock.close()
        r.close()
    finally:
        srv.stop()
    assert "Traceback" not in srv.log()


def _load(r, n):
    pipe = r.pipeline(transaction=False)
    for i in range(n):
        pipe.set("k%d" % i, _value(i))
        pipe.rpush("l%d" % (i % 50), _value(i))
    pipe.execute()


def test_killed_server_restarts_empty(impl, tmp_path):
    tier = tmp_path / "tier"
    srv = _start(impl, tier, tmp_path)
    r = redis.Redis(port=srv.port)
    _load(r, 4000)
    assert _tiering(r)["tiering_keys"] > 0
    old_dir = _tiering(r)["tiering_dir"]
    assert os.listdir(old_dir)
    srv.proc.kill()                    # no shutdown: the files stay behind
    srv.proc.wait()
    srv.stop()
    assert os.path.isdir(old_dir)
    again = _start(impl, tier, tmp_path)
    try:
        r2 = redis.Redis(port=again.port)
        assert r2.dbsize() == 0
        assert not os.path.exists(old_dir)          # the dead process's values are gone
        assert os.listdir(tier) == [os.path.basename(_tiering(r2)["tiering_dir"])]
        _load(r2, 2000)                             # and it tiers again
        assert _tiering(r2)["tiering_keys"] > 0
        assert r2.get("k3") == _value(3)
        r2.close()
    finally:
        again.stop()
    log = again.log()
    assert "Traceback" not in log and "rror" not in log, log


def test_killed_server_restarts_from_its_snapshot(impl, tmp_path):
    tier = tmp_path / "tier"
    srv = _start(impl, tier, tmp_path)
    r = redis.Redis(port=srv.port)
    _load(r, 4000)
    tiered = _tiering(r)["tiering_keys"]
    assert tiered > 1000
    keys = r.dbsize()
    digest = r.execute_command("DEBUG", "DIGEST")
    assert r.save()
    r.set("after-save", "lost")
    srv.proc.kill()
    srv.proc.wait()
    srv.stop()
    again = _start(impl, tier, tmp_path)
    try:
        r2 = redis.Redis(port=again.port)
        assert r2.dbsize() == keys
        assert r2.get("after-save") is None
        assert r2.execute_command("DEBUG", "DIGEST") == digest
        assert r2.get("k3999") == _value(3999) and r2.lindex("l7", -1) == _value(3957)
        r2.close()
    finally:
        again.stop()
    assert "Traceback" not in again.log()
