"""Differences found by running Redis 7.0.15's own Tcl test suite against Strata, each
pinned here as a differential test against redis-server 7.0.15 (raw replies compared byte
for byte, and for propagation the replication stream a SYNC client reads)."""

import time

import pytest

from tests.support.raw import RawClient
from tests.test_blocking import block, reply, silent


# ------------------------------------------------------------------ XREADGROUP unblocking
# stream-cgroups.tcl "Blocking XREADGROUP: key deleted / type changed / flushed / swapped":
# a client blocked in XREADGROUP ends with -UNBLOCKED when its stream stops being one.

def _blocked_reader(diff, n=1):
    diff.check("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
    return block(diff, "XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">",
                 n=n)


@pytest.mark.parametrize("how", [
    [("DEL", "s")],
    [("SET", "s", "x")],
    [("MULTI",), ("DEL", "s"), ("SADD", "s", "e"), ("EXEC",)],
    [("FLUSHALL",)],
    [("FLUSHDB",)],
    [("SWAPDB", "0", "9")],
    [("XGROUP", "DESTROY", "s", "g")],
], ids=["del", "set", "multi", "flushall", "flushdb", "swapdb", "destroy"])
def test_xreadgroup_unblocked_when_stream_goes(diff, how):
    diff.check("SELECT", "9")
    diff.check("SADD", "s", "notastream")  # swapdb brings a set in
    diff.check("SELECT", "0")
    first = _blocked_reader(diff)
    second = block(diff, "XREADGROUP", "GROUP", "g", "c2", "BLOCK", "0", "STREAMS", "s",
                   ">")
    plain = block(diff, "XREAD", "BLOCK", "0", "STREAMS", "s", "$")
    for cmd in how:
        diff.check(*cmd)
    reply(first)
    reply(second)  # every XREADGROUP waiter ends, not only the first
    silent(plain)  # XREAD waits on
    s_err, o_err = diff.both("INFO", "errorstats")
    assert (b"errorstat_UNBLOCKED" in s_err) == (b"errorstat_UNBLOCKED" in o_err)


def test_xreadgroup_stays_blocked_when_swapdb_brings_a_stream(diff):
    diff.check("SELECT", "9")
    diff.check("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
    diff.check("SELECT", "0")
    waiter = _blocked_reader(diff)
    diff.check("SWAPDB", "0", "9")
    silent(waiter)
    diff.check("SELECT", "0")
    diff.check("XADD", "s", "1-1", "f", "v")
    reply(waiter)


# ------------------------------------------------------------------ propagation
# The Tcl suite's attach_to_replication_stream: a SYNC client reads the payload, then the
# commands the server propagates; the argv must match Redis's (bar the command name's case).

class ReplStream:
    """A SYNC replica's view of one server's replication stream."""

    def __init__(self, server) -> None:
        self.c = RawClient(server.host, server.port)
        self.c.send(b"SYNC\r\n")
        while True:  # bare newlines are keepalives before the payload
            while b"\n" not in self.c.buf:
                self.c._fill()
            line, _, rest = self.c.buf.partition(b"\n")
            self.c.buf = rest
            if line.strip():
                break
        assert line.startswith(b"$"), line
        n = int(line[1:].strip())
        while len(self.c.buf) < n:
            self.c._fill()
        self.c.buf = self.c.buf[n:]

    def commands(self, until: bytes = b"__end__") -> list:
        """Propagated commands (PINGs dropped, names lowercased) up to and without the
        ``SET until`` the caller sends as an end mark."""
        out = []
        while True:
            raw = self.c.read_reply()
            args, i = [], raw.index(b"\r\n") + 2
            for _ in range(int(raw[1:raw.index(b"\r\n")])):
                nl = raw.index(b"\r\n", i)
                size = int(raw[i + 1:nl])
                args.append(raw[nl + 2:nl + 2 + size])
                i = nl + 2 + size + 2
            args[0] = args[0].lower()
            if args == [b"set", until, b"1"]:
                return out
            if args[0] != b"ping":
                out.append(args)

    def close(self) -> None:
        self.c.close()


@pytest.fixture
def streams(diff):
    """Run commands on both servers, then compare what each propagated."""
    settings = ("repl-ping-replica-period", "3600", "repl-diskless-sync-delay", "0")
    saved = [[c.call("CONFIG", "GET", name) for name in settings[::2]] for c in (diff.s, diff.o)]
    for c in (diff.s, diff.o):
        c.call("CONFIG", "SET", *settings)
    pair = ReplStream(diff.strata_server), ReplStream(diff.oracle_server)

    def compare(*commands, check=True, normalize=lambda args: args):
        for cmd in commands:
            if check:
                diff.check(*cmd)
            else:
                diff.both(*cmd)
        diff.both("SET", "__end__", "1")
        got, want = ([normalize(a) for a in p.commands()] for p in pair)
        assert got == want, f"\n strata: {got!r}\n redis:  {want!r}"
        return want

    yield compare
    for p in pair:
        p.close()
    for c, values in zip((diff.s, diff.o), saved):
        for name, value in zip(settings[::2], values):
            c.call("CONFIG", "SET", name, value.split(b"\r\n")[-2])


def test_zmpop_propagates_the_count_popped(streams):
    # zset.tcl "ZMPOP propagate as pop with count command to replica"
    streams(("ZADD", "z", "1", "a", "2", "b", "3", "c"),
            ("ZMPOP", "1", "z", "MIN"), ("ZMPOP", "1", "z", "MAX", "COUNT", "1"),
            ("ZMPOP", "2", "z", "z2", "MIN", "COUNT", "10"),
            ("ZMPOP", "2", "z", "z2", "MAX", "COUNT", "10"),
            ("ZADD", "z2", "1", "a", "2", "b", "3", "c"),
            ("ZMPOP", "2", "z", "z2", "MIN", "COUNT", "2"),
            ("BZMPOP", "0", "2", "z", "z2", "MAX", "COUNT", "5"),
            ("ZADD", "z", "1", "a", "2", "b"),
            ("BZPOPMIN", "z", "0"), ("BZMPOP", "0", "1", "z", "MIN", "COUNT", "9"))


def test_served_bzmpop_propagates_the_count_popped(diff, streams):
    waiter = block(diff, "BZMPOP", "0", "1", "z", "MIN", "COUNT", "10")
    got = streams(("ZADD", "z", "1", "a", "2", "b"))
    reply(waiter)
    assert got[-1] == [b"zpopmin", b"z", b"2"]


def _times(args: list) -> list:
    """Absolute unix-ms times differ between the servers: masked."""
    return [b"<ms>" if a.isdigit() and len(a) >= 12 else a for a in args]


def test_ttls_propagate_as_absolute_with_redis_spelling(diff, streams):
    # expire.tcl "All TTL in commands are propagated as absolute timestamp in replication
    # stream": every expiry option replicates as SET ... PXAT / PEXPIREAT, tokens uppercase
    now = int(time.time())
    streams(("SET", "foo1", "bar", "ex", "200"), ("SET", "foo1", "bar", "px", "100000"),
            ("SET", "foo1", "bar", "exat", str(now + 100)),
            ("SET", "foo1", "bar", "pxat", str(now * 1000 + 100000)),
            ("SET", "foo1", "bar", "pxat", str(now * 1000 + 100000), "xx", "get"),
            ("SETEX", "foo1", "100", "bar"), ("PSETEX", "foo1", "100000", "bar"),
            ("SET", "foo2", "bar"), ("EXPIRE", "foo2", "100"), ("PEXPIRE", "foo2", "100000"),
            ("EXPIREAT", "foo2", str(now + 100), "gt"),
            ("pexpireat", "foo2", str(now * 1000 + 200000)),
            ("EXPIREAT", "foo2", str(now - 100)),
            ("SET", "foo4", "bar"), ("GETEX", "foo4", "ex", "200"),
            ("GETEX", "foo4", "px", "200000"), ("GETEX", "foo4", "exat", str(now + 100)),
            ("GETEX", "foo4", "pxat", str(now * 1000 + 100000)),
            ("GETEX", "foo4", "persist"), ("GETEX", "foo4", "persist"),
            ("SET", "foo5", "bar", "get"), ("SET", "foo5", "bar", "GET", "pxat", "1"),
            check=False, normalize=_times)


def test_empty_flushall_propagates(diff, streams):
    # list.tcl "SWAPDB wants to wake blocked client ...": FLUSHALL always propagates
    field = b"rdb_changes_since_last_save:"

    def changes():
        return [int(r.split(field)[1].split(b"\r\n")[0]) for r in diff.both("INFO", "persistence")]

    before = changes()
    streams(("FLUSHALL",), ("SELECT", "1"), ("RPUSH", "k", "a"), ("FLUSHALL",),
            ("FLUSHALL",), ("FLUSHDB",), ("MULTI",), ("FLUSHDB",), ("EXEC",),
            ("SELECT", "0"))
    after = changes()
    assert after[0] - before[0] == after[1] - before[1]  # only real changes count


def test_waiter_stays_blocked_when_exec_wakes_an_expired_key(diff, streams):
    # list.tcl "MULTI + LPUSH + EXPIRE + DEBUG SLEEP on blocked client, key already
    # expired": served after EXEC, the key has expired: deleted (DEL propagated), the
    # client keeps waiting
    diff.both("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    try:
        waiter = block(diff, "BRPOP", "k", "0")
        got = streams(("MULTI",), ("RPUSH", "k", "hello"), ("PEXPIRE", "k", "100"),
                      ("DEBUG", "SLEEP", "0.2"), ("EXEC",), ("EXISTS", "k"),
                      normalize=_times)
        assert got[-1] == [b"del", b"k"]
        silent(waiter)
        diff.check("RPUSH", "k", "again")
        reply(waiter)
    finally:
        diff.both("DEBUG", "SET-ACTIVE-EXPIRE", "1")


# ------------------------------------------------------------------ DEBUG subcommands

@pytest.mark.parametrize("threshold", ["1b", "5b", "100b", "1kb", "0"])
def test_quicklist_packed_threshold_shows_in_dump(diff, threshold):
    # list.tcl's plain-node tests: elements at or above the threshold are plain nodes,
    # which DUMP (and RDB files) carry as such
    try:
        diff.check("DEBUG", "QUICKLIST-PACKED-THRESHOLD", threshold)
        diff.check("RPUSH", "l", "9", "xxxxxxxxxx", "xxxxxxxxxx", "bb", "a" * 200, "12345")
        diff.check("LPUSH", "l", "b" * 30, "c")
        diff.check("DUMP", "l")
        diff.check("DEBUG", "RELOAD")
        diff.check("LRANGE", "l", "0", "-1")
        diff.check("DUMP", "l")
    finally:
        diff.both("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "0")


def test_quicklist_packed_threshold_errors(diff):
    for bad in ("abc", "-1", "4gb", "4294967296", "1xb", ""):
        diff.check("DEBUG", "QUICKLIST-PACKED-THRESHOLD", bad)
    diff.check("DEBUG", "QUICKLIST-PACKED-THRESHOLD")
    diff.check("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "4095mb")
    diff.check("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "0")


# ------------------------------------------------------------------ MULTI / EXEC (multi.tcl)

def test_deleting_a_watched_stale_key_does_not_fail_exec(diff):
    # "Delete WATCHed stale keys should not fail EXEC": the key had expired at WATCH time
    diff.both("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    try:
        for then in (("EXISTS", "x"), ("DEL", "x"), ("GET", "x")):
            diff.check("SET", "x", "foo", "PX", "1")
            time.sleep(0.01)
            diff.check("WATCH", "x")
            diff.check(*then)  # lazy expiry deletes it: no logical change
            diff.check("MULTI")
            diff.check("PING")
            diff.check("EXEC")
        diff.check("SET", "x", "foo", "PX", "1")
        time.sleep(0.01)
        diff.check("WATCH", "x")
        diff.check("EXISTS", "x")
        diff.check("SET", "x", "new")  # a real change after the deletion still counts
        diff.check("MULTI")
        diff.check("PING")
        diff.check("EXEC")
    finally:
        diff.both("DEBUG", "SET-ACTIVE-EXPIRE", "1")


def test_single_write_transaction_propagates_bare(streams):
    # "MULTI / EXEC is not propagated (single write command)": one write needs no MULTI
    streams(("MULTI",), ("SET", "foo", "bar"), ("GET", "foo"), ("EXEC",),
            ("MULTI",), ("GET", "foo"), ("EXEC",),
            ("MULTI",), ("SET", "a", "1"), ("SELECT", "3"), ("SET", "b", "2"), ("EXEC",),
            ("SELECT", "0"), ("MULTI",), ("SELECT", "4"), ("INCR", "c"), ("EXEC",),
            ("SELECT", "0"), ("EVAL", "redis.call('set', 'k', 'v')", "0"),
            ("EVAL", "redis.call('set', 'k', 'v') redis.call('del', 'k')", "0"))


def test_exec_of_read_commands_on_a_stale_replica(diff):
    # "exec with read commands and stale replica state change": a queued command that may
    # not run on a stale replica fails the EXEC with EXECABORT ... MASTERDOWN
    other = diff.pair()
    diff.check("CONFIG", "SET", "replica-serve-stale-data", "no")
    try:
        diff.check("SET", "xx", "1")
        for queued in (("GET", "xx"), ("PING",)):
            diff.check("MULTI")
            diff.check(*queued)
            for c in other:
                c.call("REPLICAOF", "localhsot", "0")
            diff.check("EXEC")
            for c in other:
                c.call("REPLICAOF", "NO", "ONE")
        diff.check("MULTI")
        diff.check("GET", "xx")
        diff.check("EXEC")
    finally:
        for c in other:
            c.call("REPLICAOF", "NO", "ONE")
        diff.both("CONFIG", "SET", "replica-serve-stale-data", "yes")


# ------------------------------------------------------------------ Lua cjson (scripting.tcl)

CJSON_SCRIPTS = [
    "return cjson.encode_max_depth()", "return cjson.encode_max_depth(1)",
    "cjson.encode_max_depth(1) return cjson.encode({a={1}})",
    "cjson.encode_max_depth(2) return cjson.encode({a={1}})",
    "return cjson.encode_max_depth(0)", "return cjson.encode_max_depth('x')",
    "return cjson.encode_max_depth('7')", "return cjson.encode_max_depth(1, 2)",
    "return cjson.decode_max_depth(2.6)",
    "cjson.decode_max_depth(1) return cjson.decode('[[1]]')",
    "cjson.decode_max_depth(2) return cjson.decode('[[1]]')",
    "return cjson.encode_invalid_numbers()", "return cjson.encode_invalid_numbers('null')",
    "cjson.encode_invalid_numbers('null') return cjson.encode({0/0, 1/0})",
    "cjson.encode_invalid_numbers(true) return cjson.encode({0/0, 1/0, -1/0})",
    "cjson.encode_invalid_numbers(false) return cjson.encode({1/0})",
    "return cjson.encode_invalid_numbers('x')", "return cjson.encode_invalid_numbers(3)",
    "return cjson.encode_invalid_numbers({})", "return cjson.encode_keep_buffer(false)",
    "return cjson.encode_keep_buffer('on')", "return cjson.encode_keep_buffer('null')",
    "return cjson.encode_keep_buffer()",
]


def test_cjson_configuration_functions(diff):
    # scripting.tcl "EVAL - JSON smoke test": lua-cjson's config functions; the setting
    # lasts for the interpreter (until SCRIPT FLUSH), as in Redis
    try:
        for script in CJSON_SCRIPTS:
            diff.check("EVAL", script, "0")
        diff.check("SCRIPT", "FLUSH")
        diff.check("EVAL", "return {cjson.encode_max_depth(), cjson.decode_max_depth(), "
                   "cjson.encode_invalid_numbers()}", "0")
    finally:
        diff.both("SCRIPT", "FLUSH")


def _changes(diff):
    field = b"rdb_changes_since_last_save:"
    return [int(r.split(field)[1].split(b"\r\n")[0]) for r in diff.both("INFO", "persistence")]


def test_bitfield_counts_only_real_changes(diff):
    # bitops.tcl "SETBIT/BITFIELD only increase dirty when the value changed"
    steps = [("SETBIT", "foo", "0", "0"), ("BITFIELD", "foo2", "SET", "i5", "0", "0"),
             ("SETBIT", "foo", "0", "0"), ("BITFIELD", "foo2", "SET", "i5", "0", "0"),
             ("BITFIELD", "foo2", "SET", "i5", "0", "1", "SET", "i5", "0", "1"),
             ("BITFIELD", "foo2", "INCRBY", "u2", "0", "0", "GET", "u2", "0"),
             ("BITFIELD", "foo2", "OVERFLOW", "FAIL", "INCRBY", "u2", "0", "9"),
             ("BITFIELD", "foo3", "OVERFLOW", "FAIL", "SET", "u2", "0", "9"),
             ("BITFIELD", "foo2", "SET", "u8", "100", "0"),
             ("BITFIELD", "foo2", "OVERFLOW", "WRAP", "INCRBY", "u2", "0", "4")]
    for step in steps:
        before = _changes(diff)
        diff.check(*step)
        after = _changes(diff)
        assert after[0] - before[0] == after[1] - before[1], step
    diff.check("GET", "foo2")
    diff.check("EXISTS", "foo3")


def test_exec_of_denyoom_commands_fails_when_out_of_memory(diff):
    # multi.tcl "EXEC with at least one use-memory command should fail"
    other = diff.pair()
    try:
        for queued in ([("SET", "x", "1"), ("GET", "x")], [("GET", "x")]):
            diff.check("MULTI")
            for cmd in queued:
                diff.check(*cmd)
            for c in other:
                c.call("CONFIG", "SET", "maxmemory", "1")
            diff.check("EXEC")
            for c in other:
                c.call("CONFIG", "SET", "maxmemory", "0")
    finally:
        for c in other:
            c.call("CONFIG", "SET", "maxmemory", "0")


def test_debug_set_disable_deny_scripts(diff):
    # scripting.tcl: DEBUG SET-DISABLE-DENY-SCRIPTS 1 lets scripts call noscript commands
    script = "return redis.call('client', 'id') > 0"
    try:
        diff.check("EVAL", script, "0")
        diff.check("DEBUG", "SET-DISABLE-DENY-SCRIPTS", "1")
        diff.check("EVAL", script, "0")
        diff.check("SCRIPT", "FLUSH")  # the setting outlives the interpreter
        diff.check("EVAL", script, "0")
        diff.check("DEBUG", "SET-DISABLE-DENY-SCRIPTS", "x")  # atoi: 0
        diff.check("EVAL", script, "0")
        diff.check("DEBUG", "SET-DISABLE-DENY-SCRIPTS")
    finally:
        diff.both("DEBUG", "SET-DISABLE-DENY-SCRIPTS", "0")
