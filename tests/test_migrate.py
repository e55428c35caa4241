"""MIGRATE from Strata and from redis-server 7 to a third real redis-server: the same
replies byte for byte (errors, NOKEY, target errors) and the same effects on both ends."""

import pytest

from tests.support.raw import RawClient
from tests.support.servers import free_port, start_redis


@pytest.fixture(scope="module")
def target():
    srv = start_redis()
    yield srv
    srv.stop()


def test_migrate_like_redis(diff, target):
    t = RawClient("127.0.0.1", target.port)
    port = str(target.port)
    dead = str(free_port())

    def fresh():
        t.call("FLUSHALL")
        diff.check("FLUSHALL")
        diff.check("SET", "a", "1")
        diff.check("SET", "b", "2", "PX", "100000")
        diff.check("RPUSH", "l", *[str(i) for i in range(200)])
        diff.check("HSET", "h", "f", "v")

    fresh()
    for args in (["b", "0", "1000", "FOO"], ["b", "0", "1000", "AUTH"],
                 ["b", "0", "1000", "AUTH2", "u"], ["b", "0", "1000", "KEYS", "a"],
                 ["b", "x", "1000"], ["b", "0", "x"], ["nokey", "0", "1000"],
                 ["", "0", "1000", "KEYS", "nokey", "other"]):
        diff.check("MIGRATE", "127.0.0.1", port, *args)
    diff.check("MIGRATE", "127.0.0.1", dead, "a", "0", "200")
    for source in ("s", "o"):
        fresh()
        c = getattr(diff, source)
        # a plain move: gone here, there with its value and TTL
        assert c.call("MIGRATE", "127.0.0.1", port, "b", "5", "1000") == b"+OK\r\n"
        assert c.call("EXISTS", "b") == b":0\r\n"
        t.call("SELECT", "5")
        assert t.call("GET", "b") == b"$1\r\n2\r\n"
        assert 90000 < int(t.call("PTTL", "b")[1:]) <= 100000
        # COPY keeps the keys; KEYS moves several; the target refuses an existing key
        assert c.call("MIGRATE", "127.0.0.1", port, "", "5", "1000", "COPY", "KEYS", "l",
                      "h", "missing") == b"+OK\r\n"
        assert c.call("EXISTS", "l", "h") == b":2\r\n"
        assert t.call("LLEN", "l") == b":200\r\n"
        got = c.call("MIGRATE", "127.0.0.1", port, "h", "5", "1000")
        assert got == (b"-ERR Target instance replied with error: "
                       b"BUSYKEY Target key name already exists.\r\n")
        assert c.call("EXISTS", "h") == b":1\r\n"
        assert c.call("MIGRATE", "127.0.0.1", port, "", "5", "1000", "REPLACE", "KEYS",
                      "h", "a") == b"+OK\r\n"
        assert c.call("EXISTS", "h", "a") == b":0\r\n"
        t.call("SELECT", "0")
    t.close()


def test_migrate_keys(diff):
    # (COMMAND INFO's key specs are derived from the table and differ for MIGRATE; the
    # table test compares arity, flags and first/last/step)
    diff.check("COMMAND", "GETKEYS", "MIGRATE", "h", "1", "k", "0", "5")
    diff.check("COMMAND", "GETKEYS", "MIGRATE", "h", "1", "", "0", "5", "COPY", "KEYS", "a",
               "b")


def test_migrate_passwords_are_redacted(r):
    r.config_set("slowlog-log-slower-than", 0)
    try:
        r.slowlog_reset()
        r.execute_command("MIGRATE", "127.0.0.1", "1", "nokey", "0", "100", "AUTH", "secret")
        r.execute_command("MIGRATE", "127.0.0.1", "1", "nokey", "0", "100", "AUTH2", "u", "pw")
        logged = [e["command"] for e in r.slowlog_get(3)]
        assert b"MIGRATE 127.0.0.1 1 nokey 0 100 AUTH2 (redacted) (redacted)" in logged
        assert b"MIGRATE 127.0.0.1 1 nokey 0 100 AUTH (redacted)" in logged
    finally:
        r.config_set("slowlog-log-slower-than", 10000)
