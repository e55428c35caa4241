"""CONFIG GET / SET / RESETSTAT / REWRITE / HELP against redis-server 7.0, on servers of
this module's own (CONFIG SET sweeps leave state behind), plus CONFIG REWRITE on a file."""

import hashlib
import os
import sys

import hiredis
import pytest

from engine.config import OPTIONS
from tests.support.diff import Differential
from tests.support.raw import RawClient
from tests.support.servers import ROOT, ServerProcess, free_port, start_redis, start_strata

# Strata's own options: the oracle does not know them.
STRATA_ONLY = {"active-expire-enabled", "bgsave-cpu-percent", "encryption-key-file",
               "final-snapshot-name", "max-replicas"}
STRATA_ONLY_PREFIXES = ("memcached-", "tiering-", "snapshot-")
# Options whose value differs by construction: the port and directory each server runs
# with, Strata's default bind (loopback only), and what Strata cannot change at run time
# (listeners, appendonly) or refuses (AOF).
DIFFERENT = {"port", "bind", "dir", "pidfile", "logfile", "daemonize", "appendonly",
             "unixsocket"}


def strata_only(name: str) -> bool:
    return name in STRATA_ONLY or name.startswith(STRATA_ONLY_PREFIXES)


def decode(reply: bytes):
    if reply.startswith(b"-"):
        return reply
    reader = hiredis.Reader()
    reader.feed(reply)
    return reader.gets()


@pytest.fixture(scope="module")
def servers(strata_impl):
    strata = start_strata(strata_impl)
    oracle = start_redis()
    yield strata, oracle
    strata.stop()
    oracle.stop()


@pytest.fixture
def cfg(servers):
    d = Differential(*servers)
    yield d
    d.close()


# ------------------------------------------------------------------ CONFIG GET
def test_every_option_formats_as_redis(cfg):
    unknown_to_redis = []
    for name, opt in OPTIONS.items():
        for n in (name,) + opt.aliases:
            got, want = cfg.both("CONFIG", "GET", n)
            if want == b"*0\r\n":
                unknown_to_redis.append(n)
            elif name not in DIFFERENT:
                assert got == want, n
    assert [n for n in unknown_to_redis if not strata_only(n)] == []


def test_config_get_patterns(cfg):
    cfg.check("CONFIG", "GET", "maxmemory")
    cfg.check("CONFIG", "GET", "MAXMEMORY")
    cfg.check("CONFIG", "GET", "maxmemory", "MAXMEMORY")
    cfg.check("CONFIG", "GET", "hash-max-ziplist-entries")
    cfg.check("CONFIG", "GET", "nosuch")
    cfg.check("CONFIG", "GET", "nosuch*")
    cfg.check("CONFIG", "GET")
    known = {n for name, o in OPTIONS.items() for n in (name,) + o.aliases}
    for patterns in (["maxmemory*"], ["*max*", "hz"], ["Slowlog-*"], ["*ziplist*"],
                     ["[lm]*-policy", "l?fu*"], ["*"]):
        got, want = (decode(x) for x in cfg.both("CONFIG", "GET", *patterns))
        got, want = dict(zip(got[::2], got[1::2])), dict(zip(want[::2], want[1::2]))
        want = {k: v for k, v in want.items() if k.decode() in known}
        for k in DIFFERENT:
            got.pop(k.encode(), None)
            want.pop(k.encode(), None)
        assert {k: v for k, v in got.items() if not strata_only(k.decode())} == want, patterns


def test_config_get_resp3_map(servers):
    d = Differential(*servers, resp=3)
    try:
        d.check("CONFIG", "GET", "maxmemory")
        d.check("CONFIG", "GET", "nosuch")
    finally:
        d.close()


def test_redis_py_config_get(servers):
    import redis
    r = redis.Redis(port=servers[0].port, decode_responses=True)
    try:
        assert r.config_get("maxmemory") == {"maxmemory": "0"}
        assert r.config_get("maxmemory-*")["maxmemory-policy"] == "noeviction"
        assert r.config_set("maxmemory", "1mb") is True
        assert r.config_get("maxmemory") == {"maxmemory": "1048576"}
    finally:
        r.config_set("maxmemory", "0")
        r.close()


# ------------------------------------------------------------------ CONFIG SET
@pytest.mark.parametrize("args", [
    (), ("maxmemory",), ("maxmemory", "1", "2"), ("nosuch", "1"), ("maxmemory", "abc"),
    ("maxmemory", "1", "maxmemory", "2"), ("maxmemory", "1", "MAXMEMORY", "2"),
    ("maxmemory", "10", "nosuch", "1"), ("nosuch", "1", "daemonize", "yes"),
    ("daemonize", "yes"), ("daemonize", "yes", "nosuch", "1"), ("MAXMEMORY", "abc"),
    ("hash-max-ziplist-entries", "abc"), ("maxmemory", "abc", "daemonize", "yes"),
    ("hz", "abc"), ("hz", "-1"), ("maxclients", "0"), ("save", "a"), ("save", "100"),
    ("slowlog-log-slower-than", "-2"), ("timeout", "01"), ("timeout", " 1"),
    ("timeout", "1.5"), ("loglevel", "foo"), ("maxmemory-policy", "foo"),
    ("maxmemory", "-1"), ("maxmemory", "1.5gb"), ("enable-debug-command", "yes"),
    ("dir", "/tmp"), ("dbfilename", "x.rdb"), ("enable-protected-configs", "yes"),
])
def test_config_set_errors(cfg, args):
    cfg.check("CONFIG", "SET", *args)


def test_config_set_values(cfg):
    for name, value in (("maxmemory", "1GB"), ("maxmemory", "100kb"), ("maxmemory", ""),
                        ("hz", "0"), ("hz", "1000"), ("hz", "10"), ("loglevel", "NOTICE"),
                        ("maxmemory-policy", "ALLKEYS-LRU"), ("maxmemory-policy", "noeviction"),
                        ("protected-mode", "YES"), ("timeout", "0"), ("maxmemory", "0"),
                        ("hash-max-listpack-value", "1kb"), ("hash-max-listpack-value", "64")):
        cfg.check("CONFIG", "SET", name, value)
        cfg.check("CONFIG", "GET", name)


def test_config_set_is_atomic(cfg):
    cfg.check("CONFIG", "SET", "maxmemory", "100", "maxmemory-policy", "foo")
    cfg.check("CONFIG", "GET", "maxmemory")
    cfg.check("CONFIG", "SET", "maxmemory", "100", "maxmemory-policy", "allkeys-lru")
    cfg.check("CONFIG", "GET", "maxmemory")
    cfg.check("CONFIG", "GET", "maxmemory-policy")
    cfg.check("CONFIG", "SET", "maxmemory", "0", "maxmemory-policy", "noeviction")


def test_invalid_values_for_every_option(cfg):
    """The same text for every option Redis also has; valid values are put back."""
    for name in OPTIONS:
        if strata_only(name) or name in DIFFERENT or name == "requirepass":
            continue
        before = decode(cfg.o.call("CONFIG", "GET", name))[1]
        for value in ("abc", "-1", "99999999999999999999", "", "1.5", "01", "yes", "1kb"):
            got, want = cfg.both("CONFIG", "SET", name, value)
            assert got == want, (name, value)
            cfg.check("CONFIG", "GET", name)
            cfg.both("CONFIG", "SET", name, before)


def test_config_set_redacts_passwords_in_slowlog(cfg):
    cfg.check("CONFIG", "SET", "slowlog-log-slower-than", "0")
    try:
        cfg.both("SLOWLOG", "RESET")
        cfg.check("CONFIG", "SET", "requirepass", "")
        got, want = (decode(x) for x in cfg.both("SLOWLOG", "GET", "1"))
        assert got[0][3] == want[0][3] == [b"CONFIG", b"SET", b"requirepass", b"(redacted)"]
    finally:
        cfg.both("CONFIG", "SET", "slowlog-log-slower-than", "10000")


# ------------------------------------------------------------------ RESETSTAT / HELP
def test_config_resetstat(cfg):
    cfg.both("CONFIG", "SET", "slowlog-log-slower-than", "0")
    try:
        cfg.both("SET", "k", "v")
        cfg.both("NOSUCH")
        cfg.both("GET", "a", "b")
        cfg.check("CONFIG", "RESETSTAT")
        stats = [decode(x).decode().split("\r\n") for x in cfg.both("INFO", "commandstats")]
        assert [line.split(":")[0] for line in stats[0]] == \
            [line.split(":")[0] for line in stats[1]] == \
            ["# Commandstats", "cmdstat_config|resetstat", ""]
        assert stats[0][1].split(",")[0] == "cmdstat_config|resetstat:calls=1"
        cfg.check("INFO", "errorstats")
        assert cfg.check("SLOWLOG", "LEN") != b":0\r\n"  # the slowlog is kept
        got, want = (decode(x).decode() for x in cfg.both("INFO", "stats"))
        for field in ("total_error_replies", "keyspace_hits", "keyspace_misses",
                      "expired_keys", "total_commands_processed"):
            assert _field(got, field) == _field(want, field), field
    finally:
        cfg.both("CONFIG", "SET", "slowlog-log-slower-than", "10000")


def _field(info: str, name: str) -> str:
    return next(line.split(":", 1)[1] for line in info.split("\r\n")
                if line.startswith(name + ":"))


def test_config_help_and_arity(cfg):
    cfg.check("CONFIG", "HELP")
    cfg.check("CONFIG")
    cfg.check("CONFIG", "FOO")
    cfg.check("CONFIG", "RESETSTAT", "x")
    cfg.check("CONFIG", "REWRITE", "x")
    cfg.check("CONFIG", "REWRITE")  # no config file


# ------------------------------------------------------------------ CONFIG REWRITE
@pytest.fixture
def file_server(tmp_path, strata_impl):
    """Strata started from a config file, as ``strata-server <file>``."""
    port = free_port()
    conf = tmp_path / "strata.conf"
    conf.write_text(f"# my settings\nport {port}\nmaxmemory 10mb\n\n\n# keep me\nsave \"\"\n"
                    "hz 10\ndbfilename \"dump.rdb\"\n")
    env = dict(os.environ, PYTHONPATH=ROOT)
    if strata_impl == "py":
        env["STRATA_NO_EXTENSIONS"] = "1"
    srv = ServerProcess("strata-conf", [sys.executable, "-m", "engine", str(conf)], port, env,
                        cwd=str(tmp_path))
    yield srv, conf
    srv.stop()


def test_config_rewrite(file_server):
    srv, conf = file_server
    c = RawClient(srv.host, srv.port)
    try:
        assert c.call("CONFIG", "GET", "maxmemory") == \
            b"*2\r\n$9\r\nmaxmemory\r\n$8\r\n10485760\r\n"
        for name, value in (("maxmemory", "104857600"), ("maxmemory-policy", "allkeys-lru"),
                            ("timeout", "30"), ("hash-max-listpack-entries", "100"),
                            ("slowlog-max-len", "128"), ("requirepass", 'a b"c')):
            assert c.call("CONFIG", "SET", name, value) == b"+OK\r\n"
        assert c.call("CONFIG", "REWRITE") == b"+OK\r\n"
    finally:
        c.close()
    assert conf.read_text() == (
        f"# my settings\nport {srv.port}\nmaxmemory 100mb\n\n# keep me\nsave \"\"\nhz 10\n"
        "dbfilename \"dump.rdb\"\n\n# Generated by CONFIG REWRITE\ntimeout 30\n"
        "requirepass \"a b\\\"c\"\nmaxmemory-policy allkeys-lru\nhash-max-listpack-entries 100\n"
        # every ACL user is rewritten too (rewriteConfigUserOption): requirepass is default's
        + "user default on #%s ~* &* +@all\n" % hashlib.sha256(b'a b"c').hexdigest())
    # the rewritten file loads back with the same settings
    from engine.config import Config
    again = Config()
    again.load_startup(str(conf), [])
    assert again["maxmemory"] == 104857600 and again["requirepass"] == 'a b"c'
    assert again["maxmemory-policy"] == "allkeys-lru" and again["timeout"] == 30


def test_config_rewrite_failure(file_server):
    if os.geteuid() == 0:
        pytest.skip("root writes anywhere")
    srv, conf = file_server
    os.chmod(conf.parent, 0o500)
    c = RawClient(srv.host, srv.port)
    try:
        assert c.call("CONFIG", "REWRITE") == \
            b"-ERR Rewriting config file: Permission denied\r\n"
    finally:
        os.chmod(conf.parent, 0o700)
        c.close()
