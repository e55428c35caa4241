"""Server commands (engine/commands/server.py): INFO CLIENT TIME DEBUG SLOWLOG LATENCY MEMORY
MONITOR SHUTDOWN LOLWUT against redis-server 7.0 where the reply is deterministic (or made
so by normalising times, ids and addresses), and Strata-only where it is not: CLIENT KILL,
PAUSE and LIST act on connections, SHUTDOWN ends a server of the test's own."""

import re
import threading
import time

import hiredis
import pytest

from engine.commands import TABLE
from tests.support.raw import RawClient, encode_command
from tests.support.servers import start_redis, start_strata


def decode(reply: bytes):
    if reply.startswith(b"-"):
        return reply
    reader = hiredis.Reader()
    reader.feed(reply)
    return reader.gets()


def info_fields(text: bytes):
    """INFO text as [(section, [field names])]."""
    out = []
    for block in text.decode().split("\r\n\r\n"):
        lines = [line for line in block.split("\r\n") if line]
        if lines:
            out.append((lines[0], [line.split(":", 1)[0] for line in lines[1:]]))
    return out


def both(diff, *commands) -> None:
    for cmd in commands:
        diff.check(*cmd)


@pytest.fixture(scope="module")
def own(strata_impl):
    """A Strata server of this module's own, for commands that act on every connection."""
    srv = start_strata(strata_impl)
    yield srv
    srv.stop()


def connect(srv) -> RawClient:
    return RawClient(srv.host, srv.port)


# ================================================================== INFO
STRATA_EXTRA_FIELDS = {"strata_version", "python_version"}


@pytest.mark.parametrize("section", ["server", "clients", "memory", "persistence", "stats",
                                     "replication", "cpu", "modules", "cluster"])
def test_info_section_fields(diff, section):
    got, want = (info_fields(decode(x)) for x in diff.both("INFO", section))
    assert [(s, [f for f in fields if f not in STRATA_EXTRA_FIELDS]) for s, fields in got] \
        == want


@pytest.mark.parametrize("args", [(), ("default",), ("all",), ("everything",),
                                  ("cluster", "keyspace", "cpu"), ("CLUSTER", "Server"),
                                  ("foo",), ("cluster", "foo"), ("modules",),
                                  ("module_list",), ("default", "commandstats")])
def test_info_sections_selected(diff, args):
    got, want = (decode(x) for x in diff.both("INFO", *args))
    assert [s for s, _ in info_fields(got)] == [s for s, _ in info_fields(want)]


def test_info_deterministic_sections(diff, diff3):
    both(diff, ("SET", "a", "1"), ("SET", "b", "2"), ("SELECT", "3"), ("SET", "c", "3"),
         ("SELECT", "0"))
    diff.check("INFO", "cluster")
    diff.check("INFO", "keyspace")
    diff.check("INFO", "cluster", "keyspace")
    diff.check("INFO", "foo")
    diff.check("INFO", "modules")
    diff3.check("INFO", "cluster")


def test_info_keyspace_expires(diff):
    both(diff, ("SET", "a", "1", "EX", "100"), ("SET", "b", "2"))
    got, want = diff.both("INFO", "keyspace")
    assert re.sub(rb"avg_ttl=\d+", b"", got) == re.sub(rb"avg_ttl=\d+", b"", want)
    assert b"db0:keys=2,expires=1," in got


def test_info_error_and_command_stats(diff):
    both(diff, ("CONFIG", "RESETSTAT"), ("SET", "k", "v"), ("SET", "k", "v"), ("GET", "k"),
         ("NOSUCH",), ("GET",), ("INCR", "k"), ("CONFIG", "GET", "hz"))
    diff.check("INFO", "errorstats")
    got, want = (re.sub(rb"usec=\d+,usec_per_call=[\d.]+", b"usec=", decode(x))
                 for x in diff.both("INFO", "commandstats"))
    assert sorted(got.split(b"\r\n")) == sorted(want.split(b"\r\n"))
    assert b"cmdstat_get:calls=1,usec=,rejected_calls=1,failed_calls=0" in got
    assert b"cmdstat_incr:calls=1,usec=,rejected_calls=0,failed_calls=1" in got
    assert b"cmdstat_config|get:calls=1" in got


def test_info_stats_counters(diff):
    both(diff, ("CONFIG", "RESETSTAT"), ("SET", "k", "v"), ("GET", "k"), ("GET", "nope"),
         ("NOSUCH",))
    got, want = (decode(x).decode() for x in diff.both("INFO", "stats"))
    for field in ("keyspace_hits", "keyspace_misses", "total_error_replies", "expired_keys",
                  "evicted_keys", "rejected_connections", "pubsub_channels"):
        assert _field(got, field) == _field(want, field), field


def _field(info: str, name: str) -> str:
    return next(line.split(":", 1)[1] for line in info.split("\r\n")
                if line.startswith(name + ":"))


def test_info_values(r):
    info = r.info()
    assert info["redis_version"] == "7.0.15" and info["redis_mode"] == "standalone"
    assert info["role"] == "master" and info["connected_clients"] >= 1
    assert info["used_memory"] > 0 and info["used_memory_rss"] > 0
    assert info["maxmemory_policy"] == "noeviction" and info["aof_enabled"] == 0
    assert len(info["run_id"]) == 40 and len(info["master_replid"]) == 40
    assert info["run_id"] != info["master_replid"]
    assert info["cluster_enabled"] == 0 and info["loading"] == 0
    r.set("k", "v")
    assert r.info("keyspace") == {"db0": {"keys": 1, "expires": 0, "avg_ttl": 0}}
    assert r.info("memory")["used_memory_human"].endswith(("K", "M"))
    assert r.info("commandstats")["cmdstat_set"]["calls"] >= 1
    assert {"cmdstat_info", "used_cpu_sys", "cluster_enabled"} <= set(r.info("everything"))


def test_info_memory_tracks_data(r):
    before = r.info("memory")["used_memory"]
    r.set("big", "x" * 100000)
    after = r.info("memory")
    assert after["used_memory"] >= before + 100000
    assert after["used_memory_peak"] >= after["used_memory"]


# ================================================================== CLIENT
def test_client_errors_and_arity(diff):
    for args in (("ID", "x"), ("INFO", "x"), ("GETNAME", "x"), ("SETNAME", "a", "b"),
                 ("SETNAME", "a b"), ("SETNAME", "a\nb"), ("LIST", "TYPE", "foo"),
                 ("LIST", "ID", "x"), ("LIST", "ID", "1", "x"), ("LIST", "foo"),
                 ("LIST", "TYPE"), ("LIST", "ID"), ("LIST", "TYPE", "normal", "x"),
                 ("LIST", "ID", "999999"), ("KILL",), ("KILL", "1.2.3.4:5"),
                 ("KILL", "1.2.3.4:5", "x"), ("KILL", "ID", "999"), ("KILL", "ID", "x"),
                 ("KILL", "ID", "0"), ("KILL", "ID", "-1"), ("KILL", "foo", "bar"),
                 ("KILL", "TYPE", "foo"), ("KILL", "SKIPME", "maybe"),
                 ("KILL", "MAXAGE", "10"), ("KILL", "ID", "1", "2"),
                 ("KILL", "LADDR", "1.2.3.4:5"), ("KILL", "USER", "nosuch"),
                 ("KILL", "ADDR", "1:1", "ID", "5"), ("KILL", "addr"), ("PAUSE",),
                 ("PAUSE", "x"), ("PAUSE", "-1"), ("PAUSE", "0", "foo"), ("PAUSE", "x", "foo"),
                 ("PAUSE", "10", "write", "x"), ("PAUSE", "99999999999999999999"),
                 ("UNPAUSE", "x"), ("REPLY",), ("REPLY", "foo"), ("REPLY", "on", "x"),
                 ("NO-EVICT",), ("NO-EVICT", "maybe"), ("FOO",), ("HELP",), ("HELP", "x")):
        diff.check("CLIENT", *args)
    diff.check("CLIENT")


@pytest.mark.parametrize("kind", ["normal", "master", "replica", "slave", "pubsub", "NORMAL"])
def test_client_kill_type_names(diff, kind):
    diff.check("CLIENT", "KILL", "TYPE", kind, "ID", "999999")


def test_client_setname_getname(diff, diff3):
    for d in (diff, diff3):
        d.check("CLIENT", "GETNAME")
        d.check("CLIENT", "SETNAME", "worker-1")
        d.check("CLIENT", "GETNAME")
        d.check("CLIENT", "SETNAME", "")
        d.check("CLIENT", "GETNAME")


def _info_line(text: bytes):
    line = text.decode()
    assert line.endswith("\n") and line.count("\n") == 1
    return dict(field.split("=", 1) for field in line.strip().split(" "))


def test_client_info_fields(diff):
    both(diff, ("CLIENT", "SETNAME", "me"), ("SELECT", "2"), ("CLIENT", "NO-EVICT", "on"))
    got, want = (decode(x) for x in diff.both("CLIENT", "INFO"))
    g, w = _info_line(got), _info_line(want)
    assert list(g) == list(w)
    for field in ("name", "flags", "db", "sub", "psub", "ssub", "multi", "cmd", "user", "redir",
                  "resp", "age", "idle", "obl", "oll", "events"):
        assert g[field] == w[field], field
    assert g["name"] == "me" and g["flags"] == "e" and g["db"] == "2"
    diff.check("CLIENT", "NO-EVICT", "off")


def test_client_info_resp3_is_verbatim(diff3):
    got, want = diff3.both("CLIENT", "INFO")
    assert got.startswith(b"=") and want.startswith(b"=")
    assert list(_info_line(decode(got))) == list(_info_line(decode(want)))


def test_client_info_during_exec(diff):
    both(diff, ("MULTI",), ("CLIENT", "INFO"))
    got, want = (decode(x)[0] for x in diff.both("EXEC"))
    assert _info_line(got)["cmd"] == _info_line(want)["cmd"] == "exec"


def test_client_id_and_list(own):
    a, b = connect(own), connect(own)
    try:
        ida = decode(a.call("CLIENT", "ID"))
        idb = decode(b.call("CLIENT", "ID"))
        assert isinstance(ida, int) and idb > ida
        a.call("CLIENT", "SETNAME", "alpha")
        listing = decode(a.call("CLIENT", "LIST")).decode()
        lines = {int(_info_line(line.encode() + b"\n")["id"]): _info_line(line.encode() + b"\n")
                 for line in listing.splitlines()}
        assert lines[ida]["name"] == "alpha" and lines[ida]["cmd"] == "client|list"
        assert lines[idb]["cmd"] == "client|id"
        only = decode(a.call("CLIENT", "LIST", "ID", str(idb), "999999", str(ida))).decode()
        assert [int(_info_line(x.encode() + b"\n")["id"]) for x in only.splitlines()] == [idb, ida]
        assert decode(a.call("CLIENT", "LIST", "TYPE", "pubsub")) == b""
        assert decode(a.call("CLIENT", "LIST", "TYPE", "master")) == b""
        normal = decode(a.call("CLIENT", "LIST", "TYPE", "normal")).decode()
        assert {ida, idb} <= {int(_info_line(x.encode() + b"\n")["id"])
                              for x in normal.splitlines()}
    finally:
        a.close()
        b.close()


def test_client_kill_filters(own):
    me, other, third = connect(own), connect(own), connect(own)
    try:
        other_id = decode(other.call("CLIENT", "ID"))
        third.call("CLIENT", "ID")
        other_addr = _info_line(decode(other.call("CLIENT", "INFO")))["addr"]
        laddr = _info_line(decode(me.call("CLIENT", "INFO")))["laddr"]
        assert me.call("CLIENT", "KILL", "ID", str(other_id), "ADDR", "1.1.1.1:1") == b":0\r\n"
        assert me.call("CLIENT", "KILL", "ADDR", other_addr, "ID", str(other_id)) == b":1\r\n"
        assert other.is_closed()
        # LADDR matches every connection to the port; SKIPME yes (the default) spares me
        assert decode(me.call("CLIENT", "KILL", "LADDR", laddr, "USER", "default")) >= 1
        assert third.is_closed()
        assert me.call("PING") == b"+PONG\r\n"
    finally:
        for c in (me, other, third):
            c.close()


def test_client_kill_old_form_and_self(own):
    me, other = connect(own), connect(own)
    try:
        other_addr = _info_line(decode(other.call("CLIENT", "INFO")))["addr"]
        assert me.call("CLIENT", "KILL", other_addr) == b"+OK\r\n"
        assert other.is_closed()
        assert me.call("CLIENT", "KILL", other_addr) == b"-ERR No such client\r\n"
        my_id = decode(me.call("CLIENT", "ID"))
        # killing oneself: the reply still arrives, then the connection closes
        assert me.call("CLIENT", "KILL", "ID", str(my_id), "SKIPME", "no") == b":1\r\n"
        assert me.is_closed()
    finally:
        me.close()
        other.close()


def test_client_kill_type(own):
    me, victim = connect(own), connect(own)
    try:
        victim.call("PING")
        assert decode(me.call("CLIENT", "KILL", "TYPE", "pubsub")) == 0
        assert decode(me.call("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes")) >= 1
        assert victim.is_closed()
        assert me.call("PING") == b"+PONG\r\n"
    finally:
        me.close()
        victim.close()


def _timed(client: RawClient, *args):
    t0 = time.monotonic()
    reply = client.call(*args)
    return reply, time.monotonic() - t0


def test_client_pause_write(own):
    admin, worker = connect(own), connect(own)
    try:
        assert admin.call("CLIENT", "PAUSE", "400", "WRITE") == b"+OK\r\n"
        reply, took = _timed(worker, "GET", "k")
        assert reply == b"$-1\r\n" and took < 0.3  # reads go on
        reply, took = _timed(worker, "SET", "k", "v")
        assert reply == b"+OK\r\n" and took > 0.25  # writes wait for the end of the pause
    finally:
        admin.call("CLIENT", "UNPAUSE")
        admin.close()
        worker.close()


def test_client_pause_all(own):
    admin, worker, other = connect(own), connect(own), connect(own)
    try:
        assert admin.call("CLIENT", "PAUSE", "400") == b"+OK\r\n"
        reply, took = _timed(worker, "GET", "k")
        assert reply in (b"$-1\r\n", b"$1\r\nv\r\n") and took > 0.25  # reads wait too
        reply, took = _timed(other, "CLIENT", "UNPAUSE")
        assert reply == b"+OK\r\n"  # ...and so does everything else
    finally:
        admin.close()
        worker.close()
        other.close()


def test_client_unpause_releases_waiters(own):
    admin, worker = connect(own), connect(own)
    try:
        assert admin.call("CLIENT", "PAUSE", "5000", "WRITE") == b"+OK\r\n"
        worker.send(encode_command(["SET", "k", "v"]))
        assert worker.read_available(0.3) == b""
        reply, took = _timed(admin, "CLIENT", "UNPAUSE")
        assert reply == b"+OK\r\n" and took < 0.5
        assert worker.read_reply() == b"+OK\r\n"
    finally:
        admin.close()
        worker.close()


def test_client_pause_keeps_stricter_mode_and_later_end():
    from engine import Engine
    e = Engine()
    e.execute("CLIENT", "PAUSE", "600", "ALL")
    end = e.pause_until
    e.execute("CLIENT", "PAUSE", "100", "WRITE")
    assert e.pause_all and e.pause_until == end
    e.execute("CLIENT", "PAUSE", "900", "WRITE")
    assert e.pause_all and e.pause_until > end
    e.execute("CLIENT", "UNPAUSE")
    assert not e.pause_until
    e.execute("CLIENT", "PAUSE", "100", "WRITE")
    assert not e.pause_all


def test_client_reply_modes(diff):
    pipeline = b"".join(encode_command(c) for c in (
        ["CLIENT", "REPLY", "OFF"], ["SET", "a", "1"], ["INCR", "nope-not-int-x"],
        ["CLIENT", "REPLY", "SKIP"], ["CLIENT", "REPLY", "ON"], ["GET", "a"],
        ["CLIENT", "REPLY", "SKIP"], ["GET", "a"], ["ECHO", "seen"]))
    diff.check_raw(pipeline, replies=3)
    diff.check("PING")


def test_redis_py_client_helpers(r):
    r.client_setname("pyclient")
    assert r.client_getname() == b"pyclient" or r.client_getname() == "pyclient"
    me = r.client_info()
    assert me["name"] == "pyclient" and int(me["id"]) == r.client_id()
    assert any(c["name"] == "pyclient" for c in r.client_list())
    assert r.client_list(_type="normal")
    assert r.client_no_evict("on") in (True, b"OK", "OK")
    assert r.client_no_evict("off") in (True, b"OK", "OK")


# ================================================================== TIME
def test_time(diff):
    got, want = (decode(x) for x in diff.both("TIME"))
    assert len(got) == len(want) == 2 and all(x.isdigit() for x in got)
    assert abs(int(got[0]) - time.time()) < 5 and 0 <= int(got[1]) < 1_000_000
    diff.check("TIME", "x")


# ================================================================== DEBUG
def test_debug_errors(diff):
    for args in ((), ("FOO",), ("SLEEP",), ("OBJECT",), ("OBJECT", "k", "x"),
                 ("OBJECT", "nosuch"), ("SET-ACTIVE-EXPIRE",), ("HELP", "x"),
                 ("DIGEST", "x"), ("CHANGE-REPL-ID", "x"), ("POPULATE",), ("POPULATE", "x"),
                 ("POPULATE", "-1"), ("POPULATE", "1", "q", "-1"), ("POPULATE", "1", "q", "x"),
                 ("POPULATE", "1", "2", "3", "4"), ("ERROR",), ("ERROR", "my message"),
                 ("ERROR", "WRONGTYPE custom"), ("LOG",)):
        diff.check("DEBUG", *args)


def test_debug_simple(diff):
    for args in (("SLEEP", "0"), ("SLEEP", "x"), ("SLEEP", "0.001"), ("LOG", "hello"),
                 ("CHANGE-REPL-ID",), ("SET-ACTIVE-EXPIRE", "1")):
        diff.check("DEBUG", *args)


def _object(reply: bytes):
    text = decode(reply)
    if isinstance(text, bytes) and text.startswith(b"-"):
        return text
    return dict(f.split(":", 1) for f in text.decode().split(" ")[1:])


@pytest.mark.parametrize("value", ["5", "-3", "12345678901", "abc", "x" * 44, "x" * 45,
                                   "99999999999999999999"])
def test_debug_object_strings(diff, value):
    diff.check("SET", "k", value)
    got, want = (_object(x) for x in diff.both("DEBUG", "OBJECT", "k"))
    assert list(got) == list(want)
    for field in ("refcount", "encoding"):
        assert got[field] == want[field], field
    if len(value) < 20:
        assert got["serializedlength"] == want["serializedlength"]


def test_debug_object_after_append_is_raw(diff):
    both(diff, ("SET", "k", "5"), ("APPEND", "k", "x"))
    got, want = (_object(x) for x in diff.both("DEBUG", "OBJECT", "k"))
    assert got["encoding"] == want["encoding"] == "raw"


def test_debug_object_finds_a_logically_expired_key(diff):
    """DEBUG OBJECT looks in the dict without expiring (scripting.tcl "Script delete the
    expired key" relies on it); the key is gone for any real read."""
    try:
        both(diff, ("DEBUG", "SET-ACTIVE-EXPIRE", "0"), ("SET", "k", "v", "PX", "30"))
        time.sleep(0.1)
        got, want = (_object(x) for x in diff.both("DEBUG", "OBJECT", "k"))
        assert got["encoding"] == want["encoding"] == "embstr"
        diff.check("GET", "k")
        diff.check("DEBUG", "OBJECT", "k")
    finally:
        diff.check("DEBUG", "SET-ACTIVE-EXPIRE", "1")


def test_debug_digest_strings(diff):
    diff.check("DEBUG", "DIGEST")
    both(diff, ("SET", "a", "1"), ("SET", "b", "hello"), ("SET", "c", "x" * 100),
         ("SET", "t", "v", "EX", "1000"), ("SELECT", "5"), ("SET", "a", "1"), ("SELECT", "0"))
    diff.check("DEBUG", "DIGEST")
    diff.check("DEBUG", "DIGEST-VALUE", "a", "b", "t", "nosuch")
    diff.check("DEBUG", "DIGEST-VALUE")


@pytest.mark.parametrize("setup", [
    ("RPUSH", "v", "a", "b", "c"), ("SADD", "v", "a", "b", "c"),
    ("HSET", "v", "f1", "x", "f2", "y"), ("ZADD", "v", "1.5", "a", "2", "b", "-0.1", "c"),
])
def test_debug_digest_collections(diff, setup):
    if setup[0].lower().encode() not in TABLE:
        pytest.skip(f"{setup[0]} is not implemented yet")
    diff.check(*setup)
    diff.check("DEBUG", "DIGEST-VALUE", "v")
    diff.check("DEBUG", "DIGEST")


def test_debug_populate(diff):
    diff.check("DEBUG", "POPULATE", "3")
    diff.check("DEBUG", "POPULATE", "3", "pfx", "2")
    diff.check("DEBUG", "POPULATE", "2", "p", "0")
    diff.check("DEBUG", "POPULATE", "0")
    diff.check("DEBUG", "POPULATE", "2", "big", "20")
    for key in ("key:0", "key:2", "pfx:1", "p:1", "big:1"):
        diff.check("GET", key)
    diff.check("DBSIZE")
    diff.check("DEBUG", "POPULATE", "5")  # existing keys are kept
    diff.check("DBSIZE")


def test_debug_change_repl_id(r):
    before = r.info("replication")["master_replid"]
    r.execute_command("DEBUG", "CHANGE-REPL-ID")
    after = r.info("replication")
    assert after["master_replid"] != before and str(after["master_replid2"]) in ("0", "0" * 40)


def test_debug_set_active_expire(r):
    r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    try:
        r.set("gone", "1", px=20)
        time.sleep(0.4)
        assert r.dbsize() == 1  # nothing expired it in the background
        assert r.get("gone") is None and r.dbsize() == 0  # lazily on access
    finally:
        r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "1")
    r.set("gone", "1", px=20)
    time.sleep(0.5)
    assert r.dbsize() == 0


def test_debug_help_lists_what_we_do(r):
    lines = [line.decode() for line in r.execute_command("DEBUG", "HELP")]
    subs = [line.split()[0].lower() for line in lines[1:] if not line.startswith(" ")]
    assert {"sleep", "object", "digest", "populate", "help"} <= set(subs)


@pytest.mark.parametrize("setting", ["no", "local"])
def test_enable_debug_command(strata_impl, setting):
    extra = ["--enable-debug-command", setting]
    strata, oracle = start_strata(strata_impl, extra=extra), start_redis(extra=extra)
    try:
        for srv in (strata, oracle):
            c = connect(srv)
            try:
                reply = c.call("DEBUG", "SLEEP", "0")
                if setting == "no":
                    assert reply.startswith(b"-ERR DEBUG command not allowed. If the "
                                            b"enable-debug-command option is set to \"local\"")
                else:
                    assert reply == b"+OK\r\n"
            finally:
                c.close()
        s, o = connect(strata), connect(oracle)
        try:
            assert s.call("DEBUG", "SLEEP", "0") == o.call("DEBUG", "SLEEP", "0")
            assert s.call("DEBUG") == o.call("DEBUG")
        finally:
            s.close()
            o.close()
    finally:
        strata.stop()
        oracle.stop()


# ================================================================== SLOWLOG
def _slowlog(reply: bytes):
    """SLOWLOG GET with ids, times, durations and client ports taken out."""
    entries = decode(reply)
    if not isinstance(entries, list):
        return entries
    return [[e[3], re.sub(rb":\d+$", b":port", e[4]), e[5]] for e in entries]


@pytest.fixture
def slowlog_all(diff):
    both(diff, ("CONFIG", "SET", "slowlog-log-slower-than", "0"), ("SLOWLOG", "RESET"))
    yield diff
    both(diff, ("CONFIG", "SET", "slowlog-log-slower-than", "10000"),
         ("CONFIG", "SET", "slowlog-max-len", "128"), ("SLOWLOG", "RESET"))


def test_slowlog_entries(slowlog_all):
    diff = slowlog_all
    both(diff, ("SET", "a", "b"), ("CLIENT", "SETNAME", "logger"), ("GET", "a"),
         ("SET", "long", "x" * 200), ("ECHO", "a0"),
         ("MSET", *[str(i) for i in range(40)]))
    for args in (("GET",), ("GET", "1"), ("GET", "3"), ("GET", "-1"), ("GET", "0")):
        got, want = diff.both("SLOWLOG", *args)
        assert _slowlog(got) == _slowlog(want), args
    diff.check("SLOWLOG", "LEN")


def test_slowlog_entry_shape(slowlog_all):
    diff = slowlog_all
    diff.both("PING")
    got, want = (decode(x) for x in diff.both("SLOWLOG", "GET", "1"))
    assert [type(v) for v in got[0]] == [type(v) for v in want[0]]
    assert abs(got[0][1] - time.time()) < 5 and got[0][2] >= 0


def test_slowlog_max_len_and_reset(slowlog_all):
    diff = slowlog_all
    both(diff, ("CONFIG", "SET", "slowlog-max-len", "3"))
    for i in range(6):
        diff.both("SET", f"k{i}", "v")
    diff.check("SLOWLOG", "LEN")
    got, want = diff.both("SLOWLOG", "GET", "-1")
    assert _slowlog(got) == _slowlog(want)
    diff.check("SLOWLOG", "RESET")
    diff.check("SLOWLOG", "LEN")  # the RESET itself is logged after it ran


def test_slowlog_errors(diff):
    for args in (("GET", "x"), ("GET", "-2"), ("GET", "1", "2"), ("LEN", "1"), ("RESET", "1"),
                 ("FOO",), ("HELP",), ("HELP", "x")):
        diff.check("SLOWLOG", *args)
    diff.check("SLOWLOG")


def test_redis_py_slowlog(r):
    r.config_set("slowlog-log-slower-than", 0)
    try:
        r.slowlog_reset()
        r.set("k", "v")
        entries = r.slowlog_get(2)
        assert entries[0]["command"] in (b"SET k v", "SET k v") and r.slowlog_len() >= 1
    finally:
        r.config_set("slowlog-log-slower-than", 10000)


# ================================================================== LATENCY
def test_latency_when_disabled(diff):
    diff.check("LATENCY", "RESET")
    for args in (("LATEST",), ("HISTORY", "command"), ("HISTORY", "nosuch"), ("DOCTOR",),
                 ("GRAPH", "command"), ("RESET", "nosuch"), ("HISTORY",), ("FOO",),
                 ("LATEST", "x")):
        diff.check("LATENCY", *args)
    diff.check("LATENCY")


def test_latency_monitor(diff):
    both(diff, ("CONFIG", "SET", "latency-monitor-threshold", "5"), ("LATENCY", "RESET"))
    try:
        both(diff, ("DEBUG", "SLEEP", "0.02"), ("ECHO", "fast"))
        got, want = (decode(x) for x in diff.both("LATENCY", "LATEST"))
        assert [e[0] for e in got] == [e[0] for e in want] == [b"command"]
        assert abs(got[0][1] - time.time()) < 5 and 20 <= got[0][2] == got[0][3] < 200
        got, want = (decode(x) for x in diff.both("LATENCY", "HISTORY", "command"))
        assert len(got) == len(want) == 1 and got[0][1] >= 20
        got, want = (decode(x).decode().split("\n") for x in diff.both("LATENCY", "GRAPH",
                                                                        "command"))
        assert re.fullmatch(r"command - high \d+ ms, low \d+ ms \(all time high \d+ ms\)", got[0])
        assert got[1] == want[1] == "-" * 80
        assert len(got) == len(want)
        got, want = (decode(x).decode() for x in diff.both("LATENCY", "DOCTOR"))
        assert got.startswith("Dave, I have observed latency spikes in this Redis instance.")
        assert "1. command: 1 latency spikes (average " in got
        diff.check("LATENCY", "RESET", "command", "nosuch")
        diff.check("LATENCY", "LATEST")
        diff.check("LATENCY", "DOCTOR")
    finally:
        both(diff, ("CONFIG", "SET", "latency-monitor-threshold", "0"), ("LATENCY", "RESET"))


def test_latency_graph_render():
    from engine.latency import LatencySeries, graph
    ts = LatencySeries()
    now = int(time.time())
    ts.samples[0], ts.samples[1], ts.idx, ts.max = (now - 120, 40), (now, 10), 2, 50
    assert graph("command", ts).split("\n") == [
        "command - high 40 ms, low 10 ms (all time high 50 ms)", "-" * 80,
        "# ", "| ", "| ", "|_", "  ", "20", "ms", ""]


def test_latency_help(r):
    lines = [line.decode() for line in r.execute_command("LATENCY", "HELP")]
    assert lines[0].startswith("LATENCY <subcommand>")
    assert {"DOCTOR", "LATEST", "RESET [<event> ...]", "HELP"} <= set(lines)


# ================================================================== MEMORY
def test_memory_errors_and_fixed_replies(diff):
    diff.check("SET", "k", "v")
    for args in (("USAGE",), ("USAGE", "nosuch"), ("USAGE", "k", "SAMPLES"),
                 ("USAGE", "k", "SAMPLES", "x"), ("USAGE", "k", "SAMPLES", "-1"),
                 ("USAGE", "k", "foo", "1"), ("DOCTOR",), ("PURGE",), ("HELP",), ("FOO",),
                 ("STATS", "x"), ("DOCTOR", "x")):
        diff.check("MEMORY", *args)
    diff.check("MEMORY")


def test_memory_doctor_resp3(diff3):
    diff3.check("MEMORY", "DOCTOR")


def test_memory_usage(r):
    r.set("k", "v" * 1000)
    small = r.memory_usage("k")
    assert 1000 < small < 1400
    assert r.memory_usage("k", samples=0) == small
    assert r.memory_usage("nosuch") is None


def test_memory_stats(diff):
    both(diff, ("SET", "a", "1"), ("SET", "b", "2"))
    got, want = (decode(x) for x in diff.both("MEMORY", "STATS"))
    assert got[::2] == want[::2]  # the same fields, in the same order
    g = dict(zip(got[::2], got[1::2]))
    assert g[b"keys.count"] == 2 and g[b"db.0"][::2] == dict(zip(want[::2], want[1::2]))[
        b"db.0"][::2]
    assert g[b"total.allocated"] <= g[b"peak.allocated"]


def test_memory_malloc_stats(r):
    assert r.execute_command("MEMORY", "MALLOC-STATS") in (
        b"Stats not supported for the current allocator",
        "Stats not supported for the current allocator")


# ================================================================== MONITOR
def _monitor_lines(raw: bytes):
    out = []
    for line in raw.decode("latin-1").split("\r\n"):
        if line:
            m = re.fullmatch(r"\+(\d+)\.(\d{6}) \[(\d+) ([\d.]+):(\d+)\] (.*)", line)
            assert m, line
            assert abs(int(m.group(1)) - time.time()) < 10
            out.append((m.group(3), m.group(4), m.group(6)))
    return out


def test_monitor_stream(diff):
    ms, mo = diff.pair()
    ws, wo = diff.pair()
    assert ms.call("MONITOR") == mo.call("MONITOR") == b"+OK\r\n"
    ms.send(encode_command(["MONITOR"]))  # already monitoring: no reply at all
    mo.send(encode_command(["MONITOR"]))
    for args in (["SET", "k", 'a b"\\\n\x01'], ["SET", b"bin", b"\xff\x00x"], ["GET", "k"],
                 ["CONFIG", "GET", "hz"], ["DEBUG", "SLEEP", "0"], ["SELECT", "2"],
                 ["PING"], ["NOSUCH"], ["GET"], ["MULTI"], ["SET", "a", "1"], ["EXEC"],
                 ["CLIENT", "ID"], ["SELECT", "0"], ["ECHO", ""],
                 # refused AUTHs are shown too, their arguments redacted first
                 ["AUTH", "not-real"], ["AUTH", "not-real", "not-a-password"],
                 ["HELLO", "2", "AUTH", "not-real", "not-a-password"]):
        ws.call(*args)
        wo.call(*args)
    time.sleep(0.2)
    got, want = _monitor_lines(ms.read_available()), _monitor_lines(mo.read_available())
    assert got == want
    assert got[0][2] == '"SET" "k" "a b\\"\\\\\\n\\x01"'


def test_monitor_in_multi(diff):
    both(diff, ("MULTI",), ("MONITOR",))
    diff.check("EXEC")


# ================================================================== SHUTDOWN
def test_shutdown_errors(diff):
    for args in (("foo",), ("SAVE", "NOSAVE"), ("ABORT",), ("ABORT", "NOW"), ("NOW", "ABORT"),
                 ("abort", "force")):
        diff.check("SHUTDOWN", *args)
    both(diff, ("MULTI",))
    diff.check("SHUTDOWN")
    diff.check("EXEC")


@pytest.mark.parametrize("args", [(), ("NOSAVE",), ("NOW",), ("SAVE", "FORCE"),
                                  ("nosave", "now", "force")])
def test_shutdown_ends_the_server(strata_impl, args):
    srv = start_strata(strata_impl)
    try:
        c = connect(srv)
        c.send(encode_command(["SHUTDOWN", *args]))
        assert c.is_closed(5)
        srv.proc.wait(10)
        assert srv.proc.returncode == 0
        assert "User requested shutdown..." in srv.log()
    finally:
        srv.stop()


def test_shutdown_save_failure_keeps_serving(strata_impl, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    srv = start_strata(strata_impl, extra=["--dir", str(data)])
    try:
        data.rmdir()  # nowhere to write the dump: the save fails, the server stays up
        c = connect(srv)
        assert c.call("SHUTDOWN", "SAVE") == b"-ERR Errors trying to SHUTDOWN. Check logs.\r\n"
        assert c.call("PING") == b"+PONG\r\n" and srv.alive()
        assert "Error trying to save the DB, can't exit." in srv.log()
        c.close()
    finally:
        srv.stop()


def test_shutdown_embedded_engine():
    from engine import Engine
    from engine.errors import CommandError
    with pytest.raises(CommandError, match="Errors trying to SHUTDOWN"):
        Engine().execute("SHUTDOWN", "NOSAVE")


# ================================================================== LOLWUT
@pytest.mark.parametrize("args", [(), ("VERSION", "7"), ("version", "1"), ("foo",),
                                  ("VERSION",), ("VERSION", "x"), ("VERSION", "-1"),
                                  ("VERSION", "4"), ("VERSION", "99999999999999999999"),
                                  ("VERSION", "5", "1", "1", "1"),
                                  ("VERSION", "5", "abc"), ("VERSION", "6", "x"),
                                  ("VERSION", "6", "1", "x")])
def test_lolwut(diff, args):
    diff.check("LOLWUT", *args)


def test_lolwut_art_shapes(diff, diff3):
    for args in (("VERSION", "5"), ("VERSION", "5", "20", "3", "4"), ("VERSION", "6"),
                 ("VERSION", "6", "30", "5"), ("VERSION", "5", "1001", "0", "0"),
                 ("VERSION", "5", "0")):  # one random cell: shape only
        got, want = (decode(x) for x in diff.both("LOLWUT", *args))
        assert got.count(b"\n") == want.count(b"\n"), args
        assert got.splitlines()[-1] == want.splitlines()[-1], args
        first = [line.splitlines()[0] for line in (got, want)]
        if args[1] == "6":  # cells of colour, whatever the colours
            first = [line.count(b"\x1b[0m") for line in first]
        assert len(first[0]) == len(first[1]) if args[1] == "5" else first[0] == first[1]
    diff3.check("LOLWUT")


# ================================================================== containers and help
@pytest.mark.parametrize("name", ["CONFIG", "CLIENT", "SLOWLOG", "MEMORY", "COMMAND"])
def test_help_texts(diff, name):
    diff.check(name, "HELP")


def test_unknown_subcommands(diff):
    for name in ("CONFIG", "CLIENT", "SLOWLOG", "LATENCY", "MEMORY", "COMMAND"):
        diff.check(name, "NOSUCH")
        diff.check(name, "NOSUCH", "x")


def test_embedded_engine_server_commands():
    from engine import Engine
    e = Engine()
    assert e.execute("CONFIG", "GET", "maxmemory") == {b"maxmemory": b"0"}
    assert e.execute("INFO", "cluster") == b"# Cluster\r\ncluster_enabled:0\r\n"
    assert e.execute("CLIENT", "GETNAME") is None
    assert e.execute("COMMAND", "COUNT") == len(TABLE)
    assert len(e.execute("TIME")) == 2


def test_pause_thread_safety_smoke(own):
    """Many clients writing while pauses come and go all get their replies in order."""
    errors = []

    def writer(n: int) -> None:
        c = connect(own)
        try:
            for i in range(20):
                if c.call("SET", f"w{n}", str(i)) != b"+OK\r\n":
                    errors.append(n)
        except OSError as e:
            errors.append(e)
        finally:
            c.close()

    admin = connect(own)
    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for _ in range(3):
        admin.call("CLIENT", "PAUSE", "30", "WRITE")
        time.sleep(0.05)
    for t in threads:
        t.join(10)
    admin.close()
    assert errors == []
