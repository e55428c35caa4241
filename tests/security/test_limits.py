"""Client limits: client-output-buffer-limit (a slow subscriber of a busy channel is cut off
and the server's memory stays bounded; soft limits; the option against Redis), maxclients
under 10,000 connection attempts, the query buffer and bulk length limits against Redis."""

import asyncio
import socket
import time

import pytest

from tests.support.raw import RawClient
from tests.support.servers import start_redis, start_strata

from .conftest import Conn, decode

LOG_LINE = "scheduled to be closed ASAP for overcoming of output buffer limits."


def _rss_kb(pid: int) -> int:
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def _slow_subscriber(port: int, channel: bytes) -> socket.socket:
    """A subscriber with a tiny receive buffer that never reads after subscribing."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(("127.0.0.1", port))
    s.sendall(b"*2\r\n$9\r\nSUBSCRIBE\r\n$%d\r\n%s\r\n" % (len(channel), channel))
    s.settimeout(5)
    got = b""
    while got.count(b"\r\n") < 6:
        got += s.recv(100)
    return s


def _closed(s: socket.socket, timeout: float = 5.0) -> bool:
    """Whether the server closed the connection (reading what it had sent first)."""
    s.settimeout(0.2)
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if not s.recv(1 << 20):
                return True
        except socket.timeout:
            continue
        except OSError:
            return True
    return False


@pytest.fixture(scope="module")
def limited(strata_impl):
    srv = start_strata(strata_impl, ["--client-output-buffer-limit", "pubsub 1mb 512kb 60"])
    yield srv
    srv.stop()


def test_slow_subscriber_is_cut_off_and_memory_stays_bounded(limited):
    srv = limited
    pub = RawClient(srv.host, srv.port)
    bystander = RawClient(srv.host, srv.port)
    try:
        assert pub.call("SET", "k", "v") == b"+OK\r\n"
        base = _rss_kb(srv.pid)
        sub = _slow_subscriber(srv.port, b"busy")
        message = b"x" * 100_000
        receivers = []
        for _ in range(40):  # 40 x 25 x 100 KB = 100 MB offered to the subscriber
            replies = pub.pipeline([["PUBLISH", "busy", message]] * 25)
            receivers += replies
            assert bystander.call("GET", "k") == b"$1\r\nv\r\n"
            if replies[-1] == b":0\r\n":
                break
        assert receivers[0] == b":1\r\n" and receivers[-1] == b":0\r\n"
        assert _closed(sub)
        grown = _rss_kb(srv.pid) - base
        assert grown < 40_000, "RSS grew by %d KB" % grown
        info = decode(pub.call("INFO", "clients")).decode()
        assert "connected_clients:2" in info
        assert bystander.call("PING") == b"+PONG\r\n"
    finally:
        pub.close()
        bystander.close()
    deadline = time.time() + 5
    while LOG_LINE not in srv.log() and time.time() < deadline:
        time.sleep(0.05)
    line = next(x for x in srv.log().splitlines() if LOG_LINE in x)
    assert " # Client id=" in line and " flags=P " in line and " cmd=subscribe " in line


def test_soft_limit_needs_its_seconds(strata_impl):
    srv = start_strata(strata_impl, ["--client-output-buffer-limit", "pubsub 0 256kb 1"])
    pub = RawClient(srv.host, srv.port)
    try:
        sub = _slow_subscriber(srv.port, b"c")
        message = b"y" * 50_000
        # 20 MB: the kernel's socket buffers fill up and the rest stays over the soft limit
        first = pub.pipeline([["PUBLISH", "c", message]] * 400)
        assert first[-1] == b":1\r\n"                            # ... but not for long yet
        time.sleep(2.2)
        later = pub.pipeline([["PUBLISH", "c", message]] * 5)
        assert later[-1] == b":0\r\n"
        assert _closed(sub)
    finally:
        pub.close()
        srv.stop()


def test_normal_clients_unlimited_by_default(limited):
    c = RawClient(limited.host, limited.port)
    try:
        c.call("SET", "big", "z" * 3_000_000)
        c.send(b"*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n" * 5)
        time.sleep(0.3)
        for _ in range(5):
            assert len(c.read_reply()) > 3_000_000
    finally:
        c.call("DEL", "big")
        c.close()


def test_option_against_redis(strata_impl):
    s, o = start_strata(strata_impl), start_redis()
    c = Conn(s, o)
    try:
        for value in ("normal 1mb 2mb 3", "pubsub 1024 2k 1", "replica 1 2 3", "slave 1gb 0 0",
                      "master 1 2 3", "foo 1 2 3", "normal 1 2", "normal x 2 3",
                      "normal 1 2 -3", "normal 1 2 +3", "normal 1 2 4294967297",
                      "normal 1 2 2147483648", "NORMAL 1 1 1 pubsub 2 2 2", "", "normal 1 1 \"\"",
                      "normal 1 1 1 bogus 2 2 2", "pubsub 1 1 1 pubsub 2 2 2"):
            c.check("CONFIG", "SET", "client-output-buffer-limit", value)
            c.check("CONFIG", "GET", "client-output-buffer-limit")
    finally:
        c.close()
        s.stop()
        o.stop()


# ------------------------------------------------------------------ maxclients
async def _attempts(port: int, n: int, concurrency: int) -> list:
    sem = asyncio.Semaphore(concurrency)
    replies = []

    async def one():
        async with sem:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            try:
                replies.append(await asyncio.wait_for(reader.read(), 10))
            finally:
                writer.close()

    await asyncio.gather(*(one() for _ in range(n)))
    return replies


def test_maxclients_refuses_10000_attempts(strata_impl):
    srv = start_strata(strata_impl, ["--maxclients", "16"])
    held = []
    try:
        for _ in range(16):
            held.append(RawClient(srv.host, srv.port))
        assert held[-1].call("PING") == b"+PONG\r\n"
        t0 = time.time()
        replies = asyncio.run(_attempts(srv.port, 10_000, 200))
        elapsed = time.time() - t0
        assert replies == [b"-ERR max number of clients reached\r\n"] * 10_000
        assert elapsed < 40, elapsed
        assert all(c.call("PING") == b"+PONG\r\n" for c in held)
        info = decode(held[0].call("INFO", "stats")).decode()
        assert "rejected_connections:10000" in info
        held.pop().close()
        time.sleep(0.2)
        fresh = RawClient(srv.host, srv.port)   # room for one again
        assert fresh.call("PING") == b"+PONG\r\n"
        fresh.close()
    finally:
        for c in held:
            c.close()
        srv.stop()


def test_maxclients_text_as_redis(strata_impl):
    out = []
    for srv in (start_strata(strata_impl, ["--maxclients", "2"]),
                start_redis(["--maxclients", "2"])):
        a, b = RawClient(srv.host, srv.port), RawClient(srv.host, srv.port)
        try:
            a.call("PING")
            c = RawClient(srv.host, srv.port)
            out.append(c.read_available(0.5))
            c.close()
        finally:
            a.close()
            b.close()
            srv.stop()
    assert out[0] == out[1] == b"-ERR max number of clients reached\r\n"


# ------------------------------------------------------------------ query limits
def test_query_limits_against_redis(strata_impl):
    s, o = start_strata(strata_impl), start_redis()
    admin = Conn(s, o)
    try:
        admin.check("CONFIG", "SET", "proto-max-bulk-len", "1mb")
        admin.check("CONFIG", "SET", "client-query-buffer-limit", "1mb")
        c = Conn(s, o)
        c.send_raw(b"*2\r\n$3\r\nGET\r\n$2000000\r\n")
        got, want = c.s.read_available(0.5), c.o.read_available(0.5)
        assert got == want == b"-ERR Protocol error: invalid bulk length\r\n"
        assert c.closed() == [True, True]
        d = Conn(s, o)
        d.send_raw(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1000000\r\n" + b"a" * 1_000_000 + b"\r\n")
        assert d.read() == [b"+OK\r\n"] * 2
        e = Conn(s, o)
        for side in (e.s, e.o):
            side.send(b"x" * (70 * 1024))
        got, want = e.s.read_available(0.5), e.o.read_available(0.5)
        assert got == want == b"-ERR Protocol error: too big inline request\r\n"
        assert e.closed() == [True, True]
        # client-query-buffer-limit: a query growing past it is dropped without a reply
        admin.check("CONFIG", "SET", "proto-max-bulk-len", "512mb")
        f, g = Conn(s, o), Conn(s, o)
        f.send_raw(b"*2\r\n$4\r\nECHO\r\n$3000000\r\n")
        for side in (f.s, f.o):
            try:
                for _ in range(24):
                    side.send(b"x" * 65536)
            except OSError:
                pass   # already closed
        assert f.closed() == [True, True]   # (a reply first would read as not closed)
        g.send_raw(b"*2\r\n$4\r\nECHO\r\n$900000\r\n" + b"x" * 900_000 + b"\r\n")
        assert g.read() == [b"$900000\r\n" + b"x" * 900_000 + b"\r\n"] * 2
        admin.check("PING")
    finally:
        admin.close()
        s.stop()
        o.stop()


# ------------------------------------------------------------------ timeout
def test_idle_timeout_against_redis(strata_impl):
    """timeout 1: an idle connection is closed; subscribers and blocked clients are not
    (clientsCronHandleTimeout), in both servers."""
    s, o = start_strata(strata_impl, ["--timeout", "1"]), start_redis(["--timeout", "1"])
    conns = []
    try:
        idle, sub, blocked, busy = (Conn(s, o) for _ in range(4))
        conns += [idle, sub, blocked, busy]
        sub.check("SUBSCRIBE", "ch")
        blocked.send("BLPOP", "nothing", "0")
        deadline = time.time() + 2.6
        while time.time() < deadline:
            busy.check("PING")
            time.sleep(0.2)
        assert idle.closed(1.0) == [True, True]
        assert sub.closed(0.2) == [False, False]
        assert blocked.closed(0.2) == [False, False]
        busy.check("LPUSH", "nothing", "x")
        assert blocked.read() == [b"*2\r\n$7\r\nnothing\r\n$1\r\nx\r\n"] * 2
    finally:
        for c in conns:
            c.close()
        s.stop()
        o.stop()


# ------------------------------------------------------------------ memcached connections
def _mc_stat(port: int, name: bytes) -> int:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(b"stats\r\n")
        data = b""
        while not data.endswith(b"END\r\n"):
            chunk = s.recv(65536)
            assert chunk, data   # hung up (refused)
            data += chunk
    return int(next(line.split()[2] for line in data.split(b"\r\n")
                    if line.startswith(b"STAT %s " % name)))


def test_memcached_connection_limit_as_memcached(strata_impl):
    """memcached-max-connections: connections beyond it get memcached's maxconns_fast
    answer and are closed; 1,000 attempts refused cleanly, the others served."""
    from tests.memcached.conftest import start_memcached_oracle, start_mc_strata
    srv = start_mc_strata(strata_impl, ["--memcached-max-connections", "8"])
    ref = start_memcached_oracle(["-c", "20"])   # memcached counts its own fds too
    held = []
    try:
        texts = []
        for port, most in ((srv.mc_port, 8), (ref.port, 20)):
            for _ in range(most + 1):
                s = socket.create_connection(("127.0.0.1", port), timeout=5)
                held.append(s)
                s.settimeout(0.05)  # a refusal comes unasked; a served connection waits
                try:
                    reply = s.recv(100)
                except socket.timeout:
                    s.settimeout(5)
                    s.sendall(b"version\r\n")
                    reply = s.recv(100)
                if not reply.startswith(b"VERSION"):
                    texts.append(reply)
                    break
            else:
                raise AssertionError("no connection was refused on port %d" % port)
        assert texts[0] == texts[1] == b"ERROR Too many open connections\r\n"
        replies = asyncio.run(_attempts(srv.mc_port, 1000, 200))
        assert replies == [b"ERROR Too many open connections\r\n"] * 1000
        for s in held[:8]:
            s.settimeout(5)
            s.sendall(b"version\r\n")
            assert s.recv(100).startswith(b"VERSION ")
        held[0].close()
        time.sleep(0.2)
        assert _mc_stat(srv.mc_port, b"rejected_connections") == 1001
    finally:
        for s in held:
            s.close()
        srv.stop()
        ref.stop()


def test_normal_class_limit_against_redis(strata_impl):
    """client-output-buffer-limit normal: a client that sends requests and never reads is
    closed once its unsent replies pass the hard limit, in both servers; others go on."""
    limit = ["--client-output-buffer-limit", "normal 256kb 0 0"]
    s, o = start_strata(strata_impl, limit), start_redis(limit)
    try:
        admin = Conn(s, o)
        admin.check("SET", "big", "v" * 100_000)
        closed = []
        for srv in (s, o):
            sock = socket.socket()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sock.connect((srv.host, srv.port))
            try:
                for _ in range(100):   # 10 MB of replies offered, none read
                    sock.sendall(b"*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n" * 10)
            except OSError:
                pass
            closed.append(_closed(sock))
            sock.close()
        assert closed == [True, True]
        admin.check("STRLEN", "big")
        admin.close()
    finally:
        s.stop()
        o.stop()


def test_replica_class_limit_against_redis(strata_impl):
    """client-output-buffer-limit replica: a replica that stops reading is dropped when the
    stream it has not taken passes the hard limit, in both servers."""
    args = ["--client-output-buffer-limit", "replica 512kb 0 0",
            "--repl-diskless-sync-delay", "0"]
    s, o = start_strata(strata_impl, args), start_redis(args)
    try:
        admin = Conn(s, o)
        closed, roles = [], []
        for srv in (s, o):
            rep = socket.socket()
            rep.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            rep.connect((srv.host, srv.port))
            rep.sendall(b"PSYNC ? -1\r\n")
            time.sleep(0.5)   # the snapshot is sent; the stream follows
            w = RawClient(srv.host, srv.port)
            roles.append(decode(w.call("INFO", "replication")).count(b"slave0:"))
            for i in range(60):   # 6 MB of writes to replicate
                w.pipeline([["SET", "k%d" % j, "x" * 10_000] for j in range(10)])
            closed.append(_closed(rep))
            time.sleep(0.2)
            roles.append(decode(w.call("INFO", "replication")).count(b"slave0:"))
            w.close()
            rep.close()
        assert roles == [1, 0, 1, 0]
        assert closed == [True, True]
        admin.check("PING")
        admin.close()
    finally:
        s.stop()
        o.stop()
