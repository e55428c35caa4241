"""Connection lifecycle and limits of the server core (maxclients, timeout, query buffer,
backpressure, shutdown, listeners)."""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

import pytest

from tests.support.raw import ConnectionClosed, RawClient
from tests.support.servers import ROOT, free_port, start_redis, start_strata


@pytest.fixture(params=["c", "py"])
def build(request):
    from tests.conftest import require_impl
    require_impl(request.param)
    return request.param


def test_maxclients_same_as_redis(build):
    srv = start_strata(build, ["--maxclients", "2"])
    ref = start_redis(["--maxclients", "2"])
    try:
        replies = []
        time.sleep(0.3)  # let the start-up probe's connection close on both
        for server in (srv, ref):
            keep = [RawClient(server.host, server.port) for _ in range(2)]
            for k in keep:
                assert k.call("PING") == b"+PONG\r\n"
            extra = RawClient(server.host, server.port)
            replies.append(extra.read_reply())
            assert extra.is_closed()
            for k in keep:
                k.close()
        assert replies[0] == replies[1] == b"-ERR max number of clients reached\r\n"
    finally:
        srv.stop()
        ref.stop()


def test_idle_timeout_closes_client(build):
    srv = start_strata(build, ["--timeout", "1"])
    try:
        idle = RawClient(srv.host, srv.port)
        busy = RawClient(srv.host, srv.port)
        deadline = time.time() + 3.5
        while time.time() < deadline:
            assert busy.call("PING") == b"+PONG\r\n"
            time.sleep(0.2)
        assert idle.is_closed(1.0)
    finally:
        srv.stop()


def test_query_buffer_limit_closes_without_reply(build):
    srv = start_strata(build, ["--client-query-buffer-limit", "1mb"])
    try:
        c = RawClient(srv.host, srv.port)
        other = RawClient(srv.host, srv.port)
        c.send(b"*2\r\n$4\r\nECHO\r\n$3000000\r\n")
        try:
            for _ in range(40):
                c.send(b"x" * 65536)
        except OSError:
            pass
        assert c.is_closed(2.0)
        assert other.call("PING") == b"+PONG\r\n"
    finally:
        srv.stop()


def test_backpressure_slow_reader(build):
    """A client that pipelines big replies without reading stops being read; others are
    served meanwhile and the server's memory does not balloon."""
    srv = start_strata(build)
    try:
        c = RawClient(srv.host, srv.port)
        assert c.call("SET", "big", "x" * 100_000) == b"+OK\r\n"
        c.sock.setblocking(False)
        sent = 0
        frame = b"*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n" * 100
        try:
            for _ in range(2000):
                sent += c.sock.send(frame)
        except BlockingIOError:
            pass
        other = RawClient(srv.host, srv.port)
        t0 = time.time()
        assert other.call("PING") == b"+PONG\r\n"
        assert time.time() - t0 < 2
        with open("/proc/%d/status" % srv.pid) as f:
            rss_kb = int(next(line for line in f if line.startswith("VmRSS")).split()[1])
        assert rss_kb < 400_000, rss_kb  # 2000x100 GETs of 100 KB would be 20 GB
        c.close()
        assert other.call("PING") == b"+PONG\r\n"
    finally:
        srv.stop()


def test_sigterm_clean_shutdown(build):
    srv = start_strata(build)
    srv.proc.send_signal(signal.SIGTERM)
    assert srv.proc.wait(10) == 0
    assert "Received SIGTERM scheduling shutdown" in srv.log()
    srv.stop()


def test_shutdown_command(build):
    srv = start_strata(build)
    c = RawClient(srv.host, srv.port)
    c.send(b"*1\r\n$8\r\nSHUTDOWN\r\n")
    with pytest.raises((ConnectionClosed, OSError)):
        c.read_reply()
    assert srv.proc.wait(10) == 0
    srv.stop()


def test_unix_socket_and_bind(build):
    path = os.path.join(tempfile.mkdtemp(), "strata.sock")
    srv = start_strata(build, ["--unixsocket", path, "--bind", "127.0.0.1", "-::1"])
    try:
        s = socket.socket(socket.AF_UNIX)
        s.connect(path)
        s.sendall(b"PING\r\n")
        assert s.recv(100) == b"+PONG\r\n"
        s.close()
    finally:
        srv.stop()


def test_config_file_and_flags(tmp_path):
    port = free_port()
    conf = tmp_path / "strata.conf"
    conf.write_text("# a comment\nport %d\nbind 127.0.0.1\ntimeout 0\n" % free_port())
    env = dict(os.environ, PYTHONPATH=ROOT)
    proc = subprocess.Popen([sys.executable, "-m", "engine", str(conf), "--port", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 10
        while True:
            try:
                c = RawClient("127.0.0.1", port)
                break
            except OSError:
                assert time.time() < deadline
                time.sleep(0.05)
        assert c.call("PING") == b"+PONG\r\n"  # the flag overrides the file's port
    finally:
        proc.terminate()
        proc.wait(10)
