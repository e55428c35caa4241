"""Authentication against redis-server 7.0: requirepass as the default user's password,
AUTH in both forms, HELLO AUTH, NOAUTH before authentication, RESET, protected mode, the
default user switched off or without passwords, redaction, and redis-py with a username."""

import socket

import pytest
import redis

from tests.support.raw import RawClient

from .conftest import Conn, norm_log, norm_reply_rules, start_pair


@pytest.fixture(scope="module")
def locked(strata_impl):
    """A pair started with ``requirepass`` and a user from the command line."""
    p = start_pair(strata_impl, ["--requirepass", "s3cret", "--user", "app", "on", ">apppw",
                                 "~app:*", "+@read", "+@write", "-@dangerous"])
    yield p
    p.stop()


def test_noauth_before_auth(locked):
    c = locked.conn()
    for cmd in (("PING",), ("GET", "x"), ("ACL", "WHOAMI"), ("CLIENT", "ID"), ("SELECT", "0"),
                ("MULTI",), ("NOSUCH",), ("GET",), ("HELLO", "3"), ("HELLO",),
                ("HELLO", "2", "SETNAME", "x"), ("AUTH", "a", "b", "c"), ("QUIT",)):
        c.check(*cmd)


def test_auth_forms(locked):
    c = locked.conn()
    c.check("AUTH", "wrong")
    c.check("AUTH", "default", "wrong")
    c.check("AUTH", "app", "s3cret")
    c.check("AUTH", "s3cret")
    c.check("ACL", "WHOAMI")
    c.check("AUTH", "app", "apppw")
    c.check("ACL", "WHOAMI")
    c.check("GET", "app:1")
    c.check("GET", "other")
    c.check("KEYS", "*")
    c.check("AUTH", "nosuch", "x")
    c.check("ACL", "WHOAMI")  # a failed AUTH keeps the current user
    c.check("RESET")
    c.check("ACL", "WHOAMI")
    c.check("AUTH", "default", "s3cret")
    # the categories' order depends on how many commands each has (Redis has some more)
    c.check("ACL", "LIST", normalize=lambda r: [sorted(u.split(b" "))
                                                for u in norm_reply_rules(r)])
    c.check("CONFIG", "GET", "requirepass")


def test_hello_auth(locked):
    for resp in ("2", "3"):
        c = locked.conn()
        c.check("HELLO", resp, "AUTH", "app", "bad")
        c.check("HELLO", resp, "AUTH", "app")
        c.check("HELLO", resp, "AUTH", "app", "apppw", "SETNAME", "bad name")
        c.check("HELLO", resp, "AUTH", "app", "apppw", "SETNAME", "cli",
                normalize=lambda r: r.replace(b"id", b"")[:30])
        c.check("ACL", "WHOAMI")
        c.check("CLIENT", "GETNAME")


def test_requirepass_at_run_time(pair):
    c = pair.conn()
    early = pair.conn()
    c.check("CONFIG", "SET", "requirepass", "pw1")
    c.check("ACL", "LIST")
    late = pair.conn()
    late.check("PING")
    early.check("PING")                      # connected before: still authenticated
    late.check("AUTH", "pw1")
    c.check("ACL", "SETUSER", "default", ">pw2")
    c.check("CONFIG", "GET", "requirepass")  # ACL SETUSER does not touch requirepass
    late2 = pair.conn()
    late2.check("AUTH", "pw2")
    c.check("CONFIG", "SET", "requirepass", "")
    c.check("ACL", "LIST")
    pair.conn().check("PING")
    pair.conn().check("AUTH", "x")


def test_default_user_without_password(pair):
    c = pair.conn()
    c.check("ACL", "SETUSER", "default", "resetpass")
    d = pair.conn()
    d.check("PING")
    d.check("AUTH", "default", "")
    d.check("HELLO", "3")
    c.check("ACL", "SETUSER", "default", "nopass", "off")
    e = pair.conn()
    e.check("PING")
    e.check("AUTH", "default", "x")
    c.check("ACL", "SETUSER", "default", "on")
    pair.conn().check("PING")


def test_reset_goes_back_to_default(pair):
    c = pair.conn()
    c.check("ACL", "SETUSER", "u", "on", "nopass", "+@all", "~*")
    u = pair.conn(user="u")
    u.check("ACL", "WHOAMI")
    u.check("RESET")
    u.check("ACL", "WHOAMI")
    c.check("CONFIG", "SET", "requirepass", "pw")
    u.check("AUTH", "u", "x")
    u.check("RESET")
    u.check("PING")


def test_secrets_are_redacted(pair):
    c = pair.conn()
    c.check("CONFIG", "SET", "slowlog-log-slower-than", "0")
    try:
        c.check("SLOWLOG", "RESET")
        c.check("ACL", "SETUSER", "u", "on", ">topsecret")
        c.check("AUTH", "u", "topsecret")
        c.check("AUTH", "default", "wrong")
        c.check("HELLO", "2", "AUTH", "u", "topsecret", normalize=lambda r: r[:60])
        c.check("ACL", "SETUSER", "u", "bad rule")
        got, want = c.both("SLOWLOG", "GET", "10")
        assert b"topsecret" not in got and b"topsecret" not in want
        assert got.count(b"(redacted)") == want.count(b"(redacted)")
    finally:
        c.both("CONFIG", "SET", "slowlog-log-slower-than", "10000")


def test_client_kill_user(pair):
    c = pair.conn()
    c.check("CLIENT", "KILL", "USER", "nosuch")
    c.check("ACL", "SETUSER", "k", "on", "nopass", "+@all")
    v1, v2 = pair.conn(user="k"), pair.conn(user="k")
    c.check("CLIENT", "KILL", "USER", "k")
    assert v1.closed() == v2.closed() == [True, True]
    c.check("CLIENT", "KILL", "USER", "default", "SKIPME", "yes")


def test_client_list_user_field(pair):
    c = pair.conn()
    c.check("ACL", "SETUSER", "lister", "on", "nopass", "+@all")
    u = pair.conn(user="lister")
    got, want = u.both("CLIENT", "INFO")
    assert b" user=lister " in got and b" user=lister " in want


def test_redis_py_with_username(locked):
    from redis.backoff import NoBackoff
    from redis.retry import Retry
    port = locked.strata.port
    once = {"retry": Retry(NoBackoff(), 0)}   # a refusal is final: no retries
    r = redis.Redis(port=port, username="app", password="apppw", decode_responses=True, **once)
    try:
        assert r.set("app:k", "v")
        assert r.get("app:k") == "v"
        with pytest.raises(redis.exceptions.NoPermissionError):
            r.get("other")
    finally:
        r.close()
    with pytest.raises(redis.exceptions.AuthenticationError):
        redis.Redis(port=port, username="app", password="nope", **once).ping()
    with pytest.raises(redis.exceptions.AuthenticationError):
        redis.Redis(port=port, **once).ping()
    r3 = redis.Redis(port=port, username="default", password="s3cret", protocol=3)
    try:
        assert r3.ping()
    finally:
        r3.close()


# ------------------------------------------------------------------ protected mode
def _external_address():
    """An address of this host that is not loopback, or None."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))  # no packet is sent: it picks the outgoing address
            addr = s.getsockname()[0]
    except OSError:
        return None
    return None if addr.startswith("127.") else addr


@pytest.fixture(scope="module")
def open_pair(strata_impl):
    addr = _external_address()
    if addr is None:
        pytest.skip("no non-loopback address to connect from")
    p = start_pair(strata_impl, ["--bind", "0.0.0.0"])
    p.addr = addr
    yield p
    p.stop()


def _first_reply(addr, port, ping=True):
    """What the server says to a new connection (after a PING, unless it talks first)."""
    c = RawClient(addr, port)
    try:
        if ping:
            c.send(b"PING\r\n")
        return c.read_available(0.3)
    except ConnectionResetError:  # refused and closed before the PING was read
        return c.buf
    finally:
        c.close()


def test_protected_mode(open_pair):
    p = open_pair
    admin = Conn(p.strata, p.oracle)
    try:
        denied = [_first_reply(p.addr, s.port, False) for s in (p.strata, p.oracle)]
        assert denied[0] == denied[1] and denied[0].startswith(b"-DENIED")
        admin.check("INFO", "stats", normalize=lambda r: [
            x for x in r.split(b"\r\n") if x.startswith(b"rejected_connections")])
        admin.check("CONFIG", "SET", "requirepass", "pw")
        assert [_first_reply(p.addr, s.port) for s in (p.strata, p.oracle)] == \
            [b"-NOAUTH Authentication required.\r\n"] * 2
        admin.check("CONFIG", "SET", "requirepass", "")
        admin.check("ACL", "SETUSER", "default", "nopass", "off")   # nopass: still protected
        denied = [_first_reply(p.addr, s.port, False) for s in (p.strata, p.oracle)]
        assert denied[0] == denied[1] and denied[0].startswith(b"-DENIED")
        admin.check("ACL", "SETUSER", "default", "on")
        admin.check("CONFIG", "SET", "protected-mode", "no")
        assert [_first_reply(p.addr, s.port) for s in (p.strata, p.oracle)] == [b"+PONG\r\n"] * 2
    finally:
        admin.close()


# ------------------------------------------------------------------ protected commands
def test_protected_commands_come_before_auth_and_acl(strata_impl):
    """DEBUG and MODULE LOAD/UNLOAD refused by enable-*-command come right after the arity
    check in processCommand: before NOAUTH, before the ACL check, and at MULTI time."""
    p = start_pair(strata_impl, ["--enable-debug-command", "no", "--requirepass", "pw"])
    try:
        c = p.conn()
        for cmd in (("DEBUG", "SLEEP", "0"), ("MODULE", "LOAD", "x"), ("DEBUG",), ("PING",)):
            c.check(*cmd)
        c.check("AUTH", "pw")
        c.check("ACL", "SETUSER", "lim", "on", "nopass", "~*", "-@all", "+multi", "+exec")
        u = p.conn(user="lim")
        for cmd in (("DEBUG", "SLEEP", "0"), ("MODULE", "UNLOAD", "x"), ("MODULE", "LIST"),
                    ("MULTI",), ("DEBUG", "SLEEP", "0"), ("EXEC",)):
            u.check(*cmd)
        c.check("ACL", "LOG", normalize=norm_log)
    finally:
        p.stop()
