"""TLS: the TLS port beside the plain one, redis-py and redis-cli over TLS with certificates
made by the tests, client certificates (tls-auth-clients yes/optional/no), protocols, keys
with a passphrase, changes at run time, and the errors and texts of redis-server 7.0."""

import os
import shutil
import socket
import ssl
import subprocess
import sys
import time

import pytest
import redis

from tests.support.raw import RawClient
from tests.support.servers import ROOT, free_port, require_binary, start_redis, start_strata

from .conftest import Conn, decode


def client_ctx(certs, client_cert=True, **ctx_options):
    ctx = ssl.create_default_context(cafile=certs["ca.crt"])
    if client_cert:
        ctx.load_cert_chain(certs["client.crt"], certs["client.key"])
    for k, v in ctx_options.items():
        setattr(ctx, k, v)
    return ctx


class TLSRawClient(RawClient):
    def __init__(self, port, certs, client_cert=True, ctx=None, session=None, **ctx_options):
        ctx = ctx or client_ctx(certs, client_cert, **ctx_options)
        raw = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.sock = ctx.wrap_socket(raw, server_hostname="localhost", session=session)
        self.buf = b""


def tls_args(certs, port, extra=()):
    return ["--tls-port", str(port), "--tls-cert-file", certs["server.crt"],
            "--tls-key-file", certs["server.key"], "--tls-ca-cert-file", certs["ca.crt"]] \
        + list(extra)


@pytest.fixture(scope="module")
def tls_pair(strata_impl, certs):
    require_binary("redis-server")
    sp, op = free_port(), free_port()
    s = start_strata(strata_impl, extra=tls_args(certs, sp))
    o = start_redis(extra=tls_args(certs, op))
    s.tls_port, o.tls_port = sp, op
    yield s, o
    s.stop()
    o.stop()


def test_plain_and_tls_side_by_side(tls_pair, certs):
    s, o = tls_pair
    plain = RawClient(s.host, s.port)
    secure = TLSRawClient(s.tls_port, certs)
    try:
        assert secure.call("SET", "k", "over tls") == b"+OK\r\n"
        assert plain.call("GET", "k") == b"$8\r\nover tls\r\n"
        info = decode(plain.call("CLIENT", "LIST")).decode()
        assert info.count("\n") == 2
    finally:
        plain.close()
        secure.close()


def test_differential_over_tls(tls_pair, certs):
    s, o = tls_pair
    a, b = TLSRawClient(s.tls_port, certs), TLSRawClient(o.tls_port, certs)
    try:
        for cmd in (("PING",), ("SET", "t", "1"), ("INCR", "t"), ("HELLO", "3"),
                    ("CONFIG", "GET", "tls-auth-clients"), ("CONFIG", "GET", "tls-protocols"),
                    ("CONFIG", "GET", "tls-replication"), ("CONFIG", "GET", "tls-ciphers"),
                    ("CONFIG", "GET", "tls-session-cache-size"), ("NOSUCH",)):
            got, want = a.call(*cmd), b.call(*cmd)
            if cmd[0] == "HELLO":
                got, want = got[:40], want[:40]
            assert got == want, cmd
    finally:
        a.close()
        b.close()


def test_redis_py_over_tls(tls_pair, certs):
    s, _ = tls_pair
    r = redis.Redis(port=s.tls_port, ssl=True, ssl_ca_certs=certs["ca.crt"],
                    ssl_certfile=certs["client.crt"], ssl_keyfile=certs["client.key"])
    try:
        assert r.ping()
        r.set("py", "tls")
        assert r.get("py") == b"tls"
    finally:
        r.close()


def test_redis_cli_over_tls(tls_pair, certs):
    cli = shutil.which("redis-cli")
    if cli is None:
        pytest.skip("redis-cli is not installed")
    s, _ = tls_pair
    out = subprocess.run([cli, "-p", str(s.tls_port), "--tls", "--cacert", certs["ca.crt"],
                          "--cert", certs["client.crt"], "--key", certs["client.key"], "PING"],
                         capture_output=True, timeout=10)
    assert out.stdout.strip() == b"PONG"


def _handshake_refused(port, certs, **kw):
    try:
        c = TLSRawClient(port, certs, **kw)
    except (ssl.SSLError, OSError):
        return True
    try:
        c.call("PING")   # TLS 1.3: the server says no after the client's handshake ends
    except (ssl.SSLError, OSError, Exception):
        return True
    finally:
        c.close()
    return False


def test_client_certificates(tls_pair, certs):
    s, o = tls_pair
    admin = Conn(s, o)
    try:
        for srv in (s, o):
            assert _handshake_refused(srv.tls_port, certs, client_cert=False)
        admin.check("CONFIG", "SET", "tls-auth-clients", "optional")
        for srv in (s, o):
            assert not _handshake_refused(srv.tls_port, certs, client_cert=False)
            assert not _handshake_refused(srv.tls_port, certs)
        admin.check("CONFIG", "SET", "tls-auth-clients", "no")
        for srv in (s, o):
            assert not _handshake_refused(srv.tls_port, certs, client_cert=False)
    finally:
        admin.both("CONFIG", "SET", "tls-auth-clients", "yes")
        admin.close()


def test_protocols_and_run_time_changes(tls_pair, certs):
    s, o = tls_pair
    admin = Conn(s, o)
    try:
        admin.check("CONFIG", "SET", "tls-protocols", "TLSv1.3")
        for srv in (s, o):
            assert _handshake_refused(srv.tls_port, certs,
                                      maximum_version=ssl.TLSVersion.TLSv1_2)
            assert not _handshake_refused(srv.tls_port, certs)
        admin.check("CONFIG", "SET", "tls-protocols", "TLSv1.2 bogus")
        admin.check("CONFIG", "SET", "tls-protocols", "TLSv1.2  TLSv1.3")
        admin.check("CONFIG", "GET", "tls-protocols")
        admin.check("CONFIG", "SET", "tls-protocols", "")
        admin.check("CONFIG", "SET", "tls-cert-file", "/nonexistent.crt")
        admin.check("CONFIG", "SET", "tls-key-file", certs["client.key"])  # not the cert's key
        admin.check("CONFIG", "SET", "tls-ca-cert-file", "")
        admin.check("CONFIG", "SET", "tls-ciphers", "NO-SUCH-CIPHER")
        admin.check("CONFIG", "SET", "tls-dh-params-file", "/nonexistent")
        admin.check("CONFIG", "SET", "tls-key-file-pass", "whatever")   # an unencrypted key
        admin.check("CONFIG", "GET", "tls-cert-file", normalize=lambda r: r.count(b"/"))
        # a valid change applies to new connections
        admin.check("CONFIG", "SET", "tls-key-file", certs["server-enc.key"],
                    "tls-key-file-pass", "sekrit")
        for srv in (s, o):
            assert not _handshake_refused(srv.tls_port, certs)
        admin.check("CONFIG", "SET", "tls-key-file", certs["server.key"],
                    "tls-key-file-pass", "")
    finally:
        admin.close()
    c = RawClient(s.host, s.port)
    try:
        new_port = free_port()
        assert c.call("CONFIG", "SET", "tls-port", str(new_port)) == b"+OK\r\n"
        t = TLSRawClient(new_port, certs)
        assert t.call("PING") == b"+PONG\r\n"
        t.close()
        assert c.call("CONFIG", "SET", "tls-port", str(s.tls_port)) == b"+OK\r\n"
        t = TLSRawClient(s.tls_port, certs)
        assert t.call("PING") == b"+PONG\r\n"
        t.close()
    finally:
        c.close()


def _resumed(ports, certs, wait=0.0):
    """For each port: whether a second connection resumes the first one's TLS session."""
    sessions = []
    for port in ports:
        ctx = client_ctx(certs)
        first = TLSRawClient(port, certs, ctx=ctx)
        assert first.call("PING") == b"+PONG\r\n"   # (a TLS 1.3 ticket follows the handshake)
        sessions.append((port, ctx, first.sock.session))
        first.close()
    time.sleep(wait)
    out = []
    for port, ctx, session in sessions:
        try:
            second = TLSRawClient(port, certs, ctx=ctx, session=session)
        except (ssl.SSLError, OSError):   # (Redis sends an alert, uvloop just hangs up)
            out.append("refused")
            continue
        assert second.call("PING") == b"+PONG\r\n"
        out.append(second.sock.session_reused)
        second.close()
    return out


def test_ciphersuites_and_session_cache(tls_pair, certs):
    """tls-ciphersuites picks the TLS 1.3 suite; tls-session-caching / -cache-timeout
    decide whether a session resumes, as in redis-server."""
    s, o = tls_pair
    admin = Conn(s, o)
    try:
        admin.check("CONFIG", "SET", "tls-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256")
        for srv in (s, o):
            c = TLSRawClient(srv.tls_port, certs)
            assert c.sock.cipher()[0] == "TLS_CHACHA20_POLY1305_SHA256"
            c.close()
        admin.check("CONFIG", "SET", "tls-ciphersuites", "NO_SUCH_SUITE")
        admin.check("CONFIG", "GET", "tls-ciphersuites")
        admin.check("CONFIG", "SET", "tls-ciphersuites", "")
        for srv in (s, o):
            c = TLSRawClient(srv.tls_port, certs)
            assert c.sock.cipher()[0] == "TLS_AES_256_GCM_SHA384"
            c.close()
        ports = [s.tls_port, o.tls_port]
        results = [_resumed(ports, certs)]
        admin.check("CONFIG", "SET", "tls-session-cache-timeout", "1")
        results.append(_resumed(ports, certs, 2.1))
        # no cache: no session id context either, and OpenSSL fails a resumption attempt
        # when client certificates are verified (Redis's behaviour too)
        admin.check("CONFIG", "SET", "tls-session-caching", "no")
        results.append(_resumed(ports, certs))
        admin.check("CONFIG", "SET", "tls-auth-clients", "no")
        results.append(_resumed(ports, certs))
        assert results == [[True, True], [False, False], ["refused"] * 2,
                           [True, True]]   # (a TLS 1.3 ticket needs no server cache)
    finally:
        admin.both("CONFIG", "SET", "tls-auth-clients", "yes")
        admin.both("CONFIG", "SET", "tls-session-caching", "yes")
        admin.both("CONFIG", "SET", "tls-session-cache-timeout", "300")
        admin.both("CONFIG", "SET", "tls-ciphersuites", "")
        admin.close()


def _run(argv, env=None):
    proc = subprocess.run(argv, capture_output=True, timeout=20, env=env, cwd=ROOT)
    out = (proc.stdout + proc.stderr).decode(errors="replace")
    return proc.returncode, [line.split(" # ", 1)[-1] for line in out.splitlines()
                             if " # " in line]


@pytest.mark.parametrize("case", ["no cert", "no ca", "bad cert", "bad protocols",
                                  "replication without cert", "replication without ca"])
def test_startup_failures_as_redis(strata_impl, certs, case):
    redis_bin = require_binary("redis-server")
    args = {"no cert": ["--tls-port", "PORT"],
            "no ca": ["--tls-port", "PORT", "--tls-cert-file", certs["server.crt"],
                      "--tls-key-file", certs["server.key"]],
            "bad cert": ["--tls-port", "PORT", "--tls-cert-file", certs["ca.key"],
                         "--tls-key-file", certs["server.key"], "--tls-auth-clients", "no"],
            "bad protocols": ["--tls-port", "PORT", "--tls-cert-file", certs["server.crt"],
                              "--tls-key-file", certs["server.key"], "--tls-auth-clients", "no",
                              "--tls-protocols", "SSLv3"],
            "replication without cert": ["--tls-replication", "yes"],
            "replication without ca": ["--tls-replication", "yes", "--tls-auth-clients", "no",
                                       "--tls-cert-file", certs["server.crt"],
                                       "--tls-key-file", certs["server.key"]]}[case]
    env = dict(os.environ, PYTHONPATH=ROOT)
    if strata_impl == "py":
        env["STRATA_NO_EXTENSIONS"] = "1"
    results = []
    for argv in ([sys.executable, "-m", "engine", "--save", ""],
                 [redis_bin, "--save", ""]):
        port = str(free_port())
        results.append(_run(argv + ["--port", str(free_port())]
                            + [port if a == "PORT" else a for a in args], env))
    (rc_s, log_s), (rc_o, log_o) = results
    assert rc_s == rc_o == 1
    keep = ("Failed", "No tls", "Either", "Invalid")
    want = [x for x in log_o if x.startswith(keep)]
    got = [x for x in log_s if x.startswith(keep)]
    assert want and "Failed to configure TLS. Check logs for more info." in want[-1:] + log_o
    # OpenSSL's reason for a bad file is worded by the library, not by Redis
    assert [x.split(": ")[0] for x in got] == [x.split(": ")[0] for x in want]


# ------------------------------------------------------------------ tls-replication
def _wait_link(srv, timeout=20.0):
    r = redis.Redis(port=srv.port, socket_timeout=5)
    try:
        deadline = time.time() + timeout
        while time.time() < deadline:
            info = r.info("replication")
            if info.get("master_link_status") == "up":
                return info
            time.sleep(0.05)
        raise AssertionError("the link never came up: %r\n%s" % (info, srv.log()))
    finally:
        r.close()


def test_tls_replication(tls_pair, certs, strata_impl):
    """tls-replication yes: a Strata replica of the Strata primary's TLS port, a real Redis
    replica of it, and a Strata replica of a real Redis primary's TLS port."""
    s, o = tls_pair
    tls_client = ["--tls-replication", "yes", "--tls-cert-file", certs["client.crt"],
                  "--tls-key-file", certs["client.key"], "--tls-ca-cert-file", certs["ca.crt"]]
    replicas = []
    for srv in (s, o):
        assert redis.Redis(port=srv.port).config_set("repl-diskless-sync-delay", 0)
    try:
        for primary, start in ((s, start_strata), (s, None), (o, start_strata)):
            args = tls_client + ["--replicaof", "127.0.0.1", str(primary.tls_port)]
            rep = start(strata_impl, args) if start else start_redis(args)
            replicas.append(rep)
            value = "over tls to %d" % rep.port
            p = redis.Redis(port=primary.port)
            p.set("replicated", value)
            p.close()
            info = _wait_link(rep)
            assert info["master_port"] == primary.tls_port
            r = redis.Redis(port=rep.port)
            deadline = time.time() + 10
            while r.get("replicated") != value.encode() and time.time() < deadline:
                time.sleep(0.05)
            assert r.get("replicated") == value.encode()
            r.close()
        # without tls-replication a replica cannot talk to a TLS port: the link stays down
        plain = start_strata(strata_impl, ["--replicaof", "127.0.0.1", str(s.tls_port),
                                           "--repl-timeout", "2"])
        replicas.append(plain)
        time.sleep(1.0)
        r = redis.Redis(port=plain.port)
        assert r.info("replication")["master_link_status"] == "down"
        r.close()
    finally:
        for rep in replicas:
            rep.stop()

