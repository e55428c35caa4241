"""Generic keyspace commands (engine/commands/keys.py) against redis-server 7.0."""

import time

import hiredis
import pytest

from engine.commands import TABLE
from tests.support.raw import RawClient, maybe_int

# ------------------------------------------------------------------ helpers


def decode(reply: bytes):
    """A raw reply as Python values (errors stay raw bytes, so they compare by text)."""
    if reply.startswith(b"-"):
        return reply
    reader = hiredis.Reader()
    reader.feed(reply)
    return reader.gets()


def sorted_array(reply: bytes):
    v = decode(reply)
    return sorted(v) if isinstance(v, list) else v


def sorted_scan(reply: bytes):
    v = decode(reply)
    return (v[0], sorted(v[1])) if isinstance(v, list) else v


def close(diff, *args, tol: int) -> None:
    """Integer replies that may differ by the time that passed between the two servers."""
    got, want = diff.both(*args)
    g, w = maybe_int(got), maybe_int(want)
    assert g is not None and w is not None and abs(g - w) <= tol, (args, got, want)


def both(diff, *commands) -> None:
    """Set up state on both servers, asserting they agree on each reply."""
    for cmd in commands:
        diff.check(*cmd)


# ------------------------------------------------------------------ DEL UNLINK EXISTS TOUCH


@pytest.mark.parametrize("cmd", ["DEL", "UNLINK", "EXISTS", "TOUCH"])
def test_multi_key_counters(diff, cmd):
    both(diff, ("MSET", "a", "1", "b", "2", "c", "3"))
    diff.check(cmd)
    diff.check(cmd, "nope")
    diff.check(cmd, "a", "a", "b", "nope")
    diff.check(cmd, "c")
    diff.check("EXISTS", "a", "b", "c")
    diff.check("DBSIZE")


def test_del_expired_key_counts_nothing(diff):
    both(diff, ("SET", "k", "v", "PX", "1"), ("SET", "live", "v"))
    time.sleep(0.02)
    diff.check("DEL", "k", "live")
    diff.check("EXISTS", "k", "live")


# ------------------------------------------------------------------ TYPE


def test_type(diff, diff3):
    for d in (diff, diff3):
        both(d, ("SET", "s", "v"), ("SET", "n", "12"), ("SET", "big", "x" * 100),
             ("SET", "grown", "a"), ("APPEND", "grown", "b"))
        for key in ("s", "n", "big", "grown", "nope"):
            d.check("TYPE", key)
        d.check("TYPE")
        d.check("TYPE", "a", "b")


@pytest.mark.parametrize("create,name", [
    (("RPUSH", "k", "a"), "list"), (("SADD", "k", "a"), "set"),
    (("HSET", "k", "f", "v"), "hash"), (("ZADD", "k", "1", "a"), "zset"),
    (("XADD", "k", "1-1", "f", "v"), "stream"), (("PFADD", "k", "a"), "hll"),
])
def test_type_of_collections(diff, create, name):
    if create[0].lower().encode() not in TABLE:
        pytest.skip("%s is not implemented yet" % create[0])
    diff.check(*create)
    diff.check("TYPE", "k")
    diff.check("OBJECT", "ENCODING", "k")
    diff.check("SCAN", "0", "TYPE", diff.o.call("TYPE", "k")[1:-2])
    diff.check("COPY", "k", "k2")
    diff.check("TYPE", "k2")
    diff.check("OBJECT", "ENCODING", "k2")


@pytest.mark.parametrize("create,modify,inspect", [
    (("RPUSH", "k", "a", "b"), ("RPUSH", "k2", "c"), ("LRANGE", "{}", "0", "-1")),
    (("SADD", "k", "a", "b"), ("SADD", "k2", "c"), ("SCARD", "{}")),
    (("HSET", "k", "f", "v"), ("HSET", "k2", "f", "w"), ("HGET", "{}", "f")),
    (("ZADD", "k", "1", "a"), ("ZINCRBY", "k2", "5", "a"), ("ZRANGE", "{}", "0", "-1",
                                                            "WITHSCORES")),
    (("XADD", "k", "1-1", "f", "v"), ("XADD", "k2", "2-1", "f", "v"), ("XLEN", "{}")),
    (("PFADD", "k", "a"), ("PFADD", "k2", "b", "c"), ("PFCOUNT", "{}")),
])
def test_collections_copy_move_rename(diff, create, modify, inspect):
    for cmd in (create, modify, inspect):
        if cmd[0].lower().encode() not in TABLE:
            pytest.skip("%s is not implemented yet" % cmd[0])
    both(diff, create, ("EXPIRE", "k", "100"))
    diff.check("COPY", "k", "k2")
    diff.check(*modify)  # the copy is independent of its source
    for key in ("k", "k2"):
        diff.check(*[a.format(key) for a in inspect])
        diff.check("OBJECT", "ENCODING", key)
    close(diff, "TTL", "k2", tol=1)
    diff.check("RENAME", "k2", "k3")
    diff.check("MOVE", "k3", "1")
    diff.check("SWAPDB", "0", "1")
    diff.check(*[a.format("k3") for a in inspect])
    diff.check("TYPE", "k3")
    close(diff, "TTL", "k3", tol=1)


# ------------------------------------------------------------------ RENAME RENAMENX


@pytest.mark.parametrize("cmd", ["RENAME", "RENAMENX"])
def test_rename(diff, cmd):
    diff.check(cmd, "nope", "x")
    diff.check(cmd, "nope", "nope")
    both(diff, ("SET", "a", "1"), ("SET", "b", "2"))
    diff.check(cmd, "a", "a")
    diff.check(cmd, "a", "b")
    diff.check("MGET", "a", "b")
    diff.check(cmd, "a", "c")
    diff.check("MGET", "a", "b", "c")
    diff.check(cmd, "c")
    diff.check(cmd, "c", "d", "e")


def test_rename_keeps_ttl_and_drops_target_ttl(diff):
    both(diff, ("SET", "a", "1", "EX", "100"), ("SET", "b", "2", "EX", "50"),
         ("SET", "plain", "3"))
    diff.check("RENAME", "a", "b")
    close(diff, "TTL", "b", tol=1)
    diff.check("RENAME", "plain", "b")
    diff.check("TTL", "b")
    diff.check("RENAME", "b", "x", "y")


def test_rename_expired_source(diff):
    both(diff, ("SET", "a", "1", "PX", "1"), ("SET", "b", "2", "PX", "1"), ("SET", "c", "3"))
    time.sleep(0.02)
    diff.check("RENAME", "a", "z")
    diff.check("RENAMENX", "c", "b")  # an expired target does not block RENAMENX
    diff.check("GET", "b")


# ------------------------------------------------------------------ COPY


def test_copy(diff):
    diff.check("COPY", "nope", "x")
    both(diff, ("SET", "a", "1"), ("SET", "b", "2"))
    diff.check("COPY", "a", "a")
    diff.check("COPY", "a", "a", "DB", "0")
    diff.check("COPY", "a", "b")
    diff.check("COPY", "a", "b", "replace")
    diff.check("GET", "b")
    diff.check("COPY", "a", "c", "REPLACE", "REPLACE")
    diff.check("COPY", "a", "a", "db", "1")
    diff.check("COPY", "a", "a", "DB", "1")
    diff.check("COPY", "a", "a", "DB", "1", "REPLACE")
    diff.check("SELECT", "1")
    diff.check("GET", "a")
    diff.check("SELECT", "0")


@pytest.mark.parametrize("args", [
    ("DB",), ("DB", "x"), ("DB", "16"), ("DB", "-1"), ("DB", "99999999999"),
    ("DB", "2147483648"), ("DB", "-2147483649"), ("DB", " 1"), ("DB", "1", "DB", "99"),
    ("foo",), ("REPLACE", "foo"), ("DB", "1", "extra"), ("DB", "0"),
])
def test_copy_errors(diff, args):
    both(diff, ("SET", "a", "1"))
    diff.check("COPY", "a", "a", *args)
    diff.check("COPY", "nope", "x", *args)


def test_copy_keeps_ttl_and_value_kind(diff):
    both(diff, ("SET", "a", "12345", "EX", "100"), ("SET", "r", "x" * 60), ("SET", "e", "abc"),
         ("APPEND", "e", "d"))
    diff.check("COPY", "a", "b")
    close(diff, "PTTL", "b", tol=100)
    for src in ("r", "e"):
        diff.check("COPY", src, src + "2")
        diff.check("OBJECT", "ENCODING", src + "2")
        diff.check("GET", src + "2")
    diff.check("APPEND", "e2", "more")  # the copy is independent of its source
    diff.check("GET", "e")


# ------------------------------------------------------------------ MOVE SWAPDB


@pytest.mark.parametrize("db", ["abc", "99999999999", "16", "-1", "0", "2147483648", "", "1.5"])
def test_move_errors(diff, db):
    both(diff, ("SET", "k", "v"))
    diff.check("MOVE", "k", db)
    diff.check("MOVE", "nope", db)


def test_move(diff):
    both(diff, ("SET", "k", "v", "EX", "100"), ("SET", "j", "w"))
    diff.check("MOVE", "nope", "1")
    diff.check("MOVE", "k", "1")
    diff.check("EXISTS", "k")
    diff.check("SELECT", "1")
    diff.check("GET", "k")
    close(diff, "TTL", "k", tol=1)
    diff.check("SET", "j", "other")
    diff.check("MOVE", "j", "0")  # exists in the target: nothing moves
    diff.check("MOVE", "k", "0")
    diff.check("SELECT", "0")
    diff.check("MGET", "k", "j")


@pytest.mark.parametrize("args", [
    ("a", "1"), ("1", "b"), ("1", "99"), ("99", "1"), ("-1", "0"), ("99999999999", "1"),
    ("1", "99999999999"), ("a", "b"), ("0", "0"), ("1",), ("1", "2", "3"),
])
def test_swapdb_errors(diff, args):
    diff.check("SWAPDB", *args)


def test_swapdb(diff):
    both(diff, ("SET", "a", "db0"), ("SET", "t", "db0", "EX", "100"), ("SELECT", "1"),
         ("SET", "a", "db1"), ("SET", "b", "db1"), ("SELECT", "0"))
    diff.check("SWAPDB", "0", "1")
    diff.check("MGET", "a", "b", "t")
    diff.check("DBSIZE")
    diff.check("TTL", "t")
    diff.check("SELECT", "1")
    diff.check("MGET", "a", "b", "t")
    close(diff, "TTL", "t", tol=1)
    diff.check("SWAPDB", "1", "0")
    diff.check("MGET", "a", "b", "t")
    diff.check("SELECT", "0")


# ------------------------------------------------------------------ WATCH and the keyspace

WATCH_CASES = [
    # (setup, watched key, the other client's command) -> EXEC aborted or not, as Redis
    ([("SET", "k", "v")], "k", ("SWAPDB", "0", "1")),
    ([("SELECT", "1"), ("SET", "k", "v"), ("SELECT", "0")], "k", ("SWAPDB", "0", "1")),
    ([("SET", "other", "v")], "k", ("SWAPDB", "0", "1")),
    ([("SET", "k", "v")], "k", ("SWAPDB", "0", "0")),
    ([("SET", "k", "v")], "k", ("FLUSHDB",)),
    ([("SET", "other", "v")], "k", ("FLUSHDB",)),
    ([("SET", "k", "v")], "k", ("FLUSHALL",)),
    ([], "k", ("FLUSHALL",)),
    ([("SET", "k", "v")], "k", ("RENAME", "k", "k2")),
    ([("SET", "k2", "v")], "k", ("RENAME", "k2", "k")),
    ([("SET", "k", "v")], "k", ("RENAME", "k", "k")),
    ([("SET", "k", "v")], "k", ("EXPIRE", "k", "100")),
    ([("SET", "k", "v")], "k", ("EXPIRE", "k", "100", "XX")),
    ([("SET", "k", "v")], "k", ("EXPIRE", "k", "-1")),
    ([("SET", "k", "v", "EX", "10")], "k", ("PERSIST", "k")),
    ([("SET", "k", "v")], "k", ("PERSIST", "k")),
    ([("SET", "k", "v")], "k", ("MOVE", "k", "1")),
    ([("SET", "j", "v")], "k", ("COPY", "j", "k")),
    ([("SET", "k", "v")], "k", ("COPY", "k", "j")),
    ([("SET", "k", "v")], "k", ("DEL", "k")),
    ([("SET", "k", "v")], "k", ("UNLINK", "nope")),
    ([("SET", "k", "v")], "k", ("TOUCH", "k")),
]


@pytest.mark.parametrize("setup,key,other", WATCH_CASES)
def test_watch_invalidation(diff, setup, key, other):
    s2, o2 = diff.pair()
    both(diff, *setup)
    diff.check("WATCH", key)
    got, want = s2.call(*other), o2.call(*other)
    assert got == want, (other, got, want)
    diff.check("MULTI")
    diff.check("PING")
    diff.check("EXEC")


# ------------------------------------------------------------------ KEYS SCAN RANDOMKEY

PATTERN_KEYS = ["hello", "hallo", "hxllo", "hllo", "heeeello", "Hello", "h*llo", "h?llo",
                "a\\b", "x[y]z", "-", "^", "", " ", "abc", "aXc", "user:1", "user:2:name",
                "\xff", "\x80"]
PATTERNS = ["*", "**", "h?llo", "h*llo", "h[ae]llo", "h[^e]llo", "h[a-b]llo", "h[b-a]llo",
            "*llo", "h\\*llo", "h\\?llo", "a\\\\b", "x\\[y\\]z", "x[[]y*", "[", "[a", "[^",
            "[]", "[-]", "[^-]", "[\\]]", "?", "", "user:*", "user:?:*", "*:*", "[a-c]*",
            "[A-Z]*", "[\\", "\\", "*\\", "h[e-]llo", "a[X-Z", "[\x80-\xff]", "[a-\xff]",
            "*[", "?*?", "***o"]


def _load_pattern_keys(diff):
    for i, k in enumerate(PATTERN_KEYS):
        diff.check("SET", k.encode("latin-1"), str(i))


@pytest.mark.parametrize("pattern", PATTERNS)
def test_keys_patterns(diff, pattern):
    _load_pattern_keys(diff)
    diff.check("KEYS", pattern.encode("latin-1"), normalize=sorted_array)
    diff.check("SCAN", "0", "COUNT", "1000", "MATCH", pattern.encode("latin-1"),
               normalize=sorted_scan)


def test_keys_filters_expired_without_deleting(diff, diff3):
    for d in (diff, diff3):
        both(d, ("SET", "a", "1"), ("SET", "b", "2", "PX", "1"), ("SET", "c", "3"))
        time.sleep(0.02)
        d.check("KEYS", "*", normalize=sorted_array)
        d.check("KEYS", "b")
        d.check("KEYS", "[bc]", normalize=sorted_array)
        d.check("KEYS")


def test_scan_filters_and_deletes_expired(diff):
    both(diff, ("SET", "a", "1"), ("SET", "b", "2", "PX", "1"), ("SET", "c", "3", "PX", "1"))
    time.sleep(0.02)
    diff.check("SCAN", "0", "COUNT", "100", normalize=sorted_scan)
    diff.check("DBSIZE")
    diff.check("SCAN", "0", "COUNT", "100", "TYPE", "string", normalize=sorted_scan)


def test_scan_type(diff, diff3):
    for d in (diff, diff3):
        both(d, ("SET", "a", "1"), ("SET", "b", "2"))
        for t in ("string", "STRING", "String", "list", "none", "nonsense", "string\0x"):
            d.check("SCAN", "0", "COUNT", "100", "TYPE", t, normalize=sorted_scan)
        d.check("SCAN", "0", "TYPE", "string", "MATCH", "a", "COUNT", "50",
                normalize=sorted_scan)


@pytest.mark.parametrize("cursor", [
    "abc", " 1", "1 ", "0x10", "+", "-", "18446744073709551616", "99999999999999999999999",
    "1.5", "0 ", "\t0",
])
def test_scan_invalid_cursor(diff, cursor):
    diff.check("SCAN", cursor)


@pytest.mark.parametrize("cursor", ["", "0", "+0", "-0", "00", "0\x00junk", "-1",
                                    "18446744073709551615", "-18446744073709551615", "+7"])
def test_scan_cursor_forms(diff, cursor):
    # an empty database answers every cursor with 0 (the cursor's parse is what is tested)
    diff.check("SCAN", cursor)


@pytest.mark.parametrize("opts", [
    ("COUNT",), ("COUNT", "0"), ("COUNT", "-1"), ("COUNT", "abc"), ("COUNT", "1.5"),
    ("COUNT", "99999999999999999999"), ("MATCH",), ("TYPE",), ("foo",), ("foo", "bar"),
    ("COUNT", "10", "extra"), ("count", "5", "match", "*", "type", "string"),
])
def test_scan_options(diff, opts):
    both(diff, ("SET", "a", "1"))
    diff.check("SCAN", "0", *opts, normalize=sorted_scan)
    diff.check("SCAN", "abc", *opts)  # the cursor is checked first


def test_scan_full_iteration_matches(diff):
    both(diff, *[("SET", "key:%d" % i, "v") for i in range(300)])
    for count in ("1", "7", "100"):
        for d_client in (diff.s, diff.o):
            seen, cursor, calls = set(), b"0", 0
            while True:
                cursor, page = decode(d_client.call("SCAN", cursor, "COUNT", count))
                seen.update(page)
                calls += 1
                if cursor == b"0":
                    break
            assert seen == {b"key:%d" % i for i in range(300)}
            assert calls > 1 or count == "100"


def test_scan_guarantee_with_concurrent_changes(r):
    """A key present during the whole iteration is returned, though others come and go and
    the table grows and shrinks between calls."""
    keep = {b"keep:%d" % i for i in range(500)}
    r.mset({k: b"1" for k in keep})
    r.mset({b"tmp:%d" % i: b"1" for i in range(1500)})
    seen, cursor, step = set(), 0, 0
    while True:
        cursor, page = r.scan(cursor, count=20)
        seen.update(page)
        step += 1
        if step % 3 == 0:
            r.mset({b"new:%d:%d" % (step, i): b"1" for i in range(200)})
        if step % 5 == 0:
            r.delete(*[b"tmp:%d" % i for i in range(step * 40, step * 40 + 200)])
        if step == 40:
            r.delete(*[k for k in r.keys("new:*")])  # shrink the table mid-iteration
        if cursor == 0:
            break
    assert keep <= seen


def test_randomkey(diff, diff3):
    for d in (diff, diff3):
        d.check("RANDOMKEY")
        both(d, ("SET", "only", "1"))
        d.check("RANDOMKEY")
        both(d, ("SET", "gone", "1", "PX", "1"), ("DEL", "only"))
        time.sleep(0.02)
        d.check("RANDOMKEY")
        d.check("DBSIZE")
        d.check("RANDOMKEY", "x")


def test_randomkey_covers_keys(r):
    r.mset({b"k%d" % i: b"1" for i in range(5)})
    assert {r.randomkey() for _ in range(200)} == {b"k%d" % i for i in range(5)}


# ------------------------------------------------------------------ DBSIZE FLUSHDB FLUSHALL


def test_dbsize_and_flush(diff):
    both(diff, ("MSET", "a", "1", "b", "2"), ("SELECT", "1"), ("SET", "c", "3"))
    diff.check("DBSIZE")
    diff.check("DBSIZE", "x")
    diff.check("FLUSHDB", "foo")
    diff.check("FLUSHDB", "ASYNC", "SYNC")
    diff.check("FLUSHDB", "sync")
    diff.check("DBSIZE")
    diff.check("SELECT", "0")
    diff.check("DBSIZE")
    diff.check("FLUSHDB", "async")
    diff.check("FLUSHDB")
    diff.check("SET", "a", "1")
    diff.check("FLUSHALL", "nope")
    diff.check("FLUSHALL", "SYNC", "x")
    diff.check("FLUSHALL", "Async")
    diff.check("DBSIZE")
    diff.check("FLUSHALL")


# ------------------------------------------------------------------ EXPIRE family

EXPIRE_CMDS = ["EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"]


@pytest.mark.parametrize("cmd", EXPIRE_CMDS)
@pytest.mark.parametrize("args", [
    ("abc",), ("1.5",), ("",), (" 1",), ("9223372036854775807",), ("9223372036854775808",),
    ("-9223372036854775808",), ("9223372036854775",), ("9223372036854776",),
    ("-9223372036854775",), ("-9223372036854776",), ("100", "NX", "XX"), ("100", "gt", "lt"),
    ("100", "nx", "gt"), ("100", "lt", "nx"), ("100", "xx", "gt", "lt"), ("100", "foo"),
    ("abc", "foo"), ("abc", "nx", "xx"), ("100", "nx", "foo"), ("100", "f\0oo"),
    ("9223372036854775807", "nx", "xx"),
])
def test_expire_errors_and_overflow(diff, cmd, args):
    diff.check(cmd, "nope", *args)
    both(diff, ("SET", "k", "v"))
    diff.check(cmd, "k", *args)
    diff.check("EXISTS", "k")


@pytest.mark.parametrize("cmd", EXPIRE_CMDS)
def test_expire_in_the_past_deletes(diff, cmd):
    for when in ("0", "-1", "-100000", "1", str(int(time.time()) - 10)):
        both(diff, ("SET", "k", "v"))
        diff.check(cmd, "k", when)
        diff.check("EXISTS", "k")


def test_expire_arity(diff):
    for cmd in EXPIRE_CMDS:
        diff.check(cmd)
        diff.check(cmd, "k")
    for cmd in ("TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME", "PERSIST"):
        diff.check(cmd)
        diff.check(cmd, "a", "b")


def test_expire_options(diff):
    both(diff, ("SET", "k", "v"))
    # no TTL yet: XX and GT refuse, LT and NX accept
    for opts in (("XX",), ("GT",), ("xx", "gt"), ("XX", "LT")):
        diff.check("EXPIRE", "k", "100", *opts)
        diff.check("TTL", "k")
    diff.check("EXPIRE", "k", "100", "LT")
    close(diff, "TTL", "k", tol=1)
    diff.check("PERSIST", "k")
    diff.check("EXPIRE", "k", "100", "NX")
    diff.check("EXPIRE", "k", "200", "NX")
    close(diff, "TTL", "k", tol=1)
    diff.check("EXPIRE", "k", "50", "GT")
    diff.check("EXPIRE", "k", "300", "GT")
    close(diff, "TTL", "k", tol=1)
    diff.check("EXPIRE", "k", "400", "LT")
    diff.check("EXPIRE", "k", "150", "lt")
    close(diff, "TTL", "k", tol=1)
    diff.check("EXPIRE", "k", "500", "XX", "GT")
    close(diff, "TTL", "k", tol=1)
    diff.check("EXPIRE", "k", "500", "xx", "lt", "LT")
    diff.check("EXPIRE", "k", "-1", "LT")  # LT accepts a time in the past: the key goes
    diff.check("EXISTS", "k")
    diff.check("EXPIRE", "nope", "100", "NX")


def test_ttl_family(diff, diff3):
    for d in (diff, diff3):
        both(d, ("SET", "plain", "v"), ("SET", "k", "v"))
        for cmd in ("TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"):
            d.check(cmd, "nope")
            d.check(cmd, "plain")
        d.check("PEXPIREAT", "k", "9223372036854775807")
        d.check("PEXPIRETIME", "k")
        d.check("EXPIRETIME", "k")
        close(d, "TTL", "k", tol=1)
        d.check("EXPIREAT", "k", "9223372036854775")
        d.check("PEXPIRETIME", "k")
        d.check("EXPIRETIME", "k")
        for ms in ("9223372036854775307", "9223372036854775308", "4000000000499",
                   "4000000000500"):
            d.check("PEXPIREAT", "k", ms)
            d.check("EXPIRETIME", "k")
        d.check("EXPIRE", "k", "100")
        close(d, "TTL", "k", tol=1)
        close(d, "PTTL", "k", tol=200)
        close(d, "EXPIRETIME", "k", tol=1)
        close(d, "PEXPIRETIME", "k", tol=200)
        d.check("PEXPIRE", "k", "1500")
        close(d, "TTL", "k", tol=1)


def test_ttl_rounds_to_nearest_second(diff):
    both(diff, ("SET", "k", "v"))
    now_ms = int(time.time() * 1000)
    diff.check("PEXPIREAT", "k", str(now_ms + 10_000_400))
    close(diff, "TTL", "k", tol=1)
    diff.check("PEXPIRE", "k", "400")
    close(diff, "TTL", "k", tol=1)


def test_key_expires(diff):
    both(diff, ("SET", "k", "v", "PX", "50"), ("SET", "j", "v"), ("PEXPIRE", "j", "60"))
    diff.check("EXISTS", "k", "j")
    time.sleep(0.2)
    diff.check("EXISTS", "k", "j")
    diff.check("TTL", "k")
    diff.check("GET", "j")


def test_persist(diff):
    diff.check("PERSIST", "nope")
    both(diff, ("SET", "k", "v"))
    diff.check("PERSIST", "k")
    diff.check("EXPIRE", "k", "100")
    diff.check("PERSIST", "k")
    diff.check("TTL", "k")
    diff.check("PERSIST", "k")


def test_set_overwrites_ttl_but_keepttl(diff):
    both(diff, ("SET", "k", "v", "EX", "100"), ("SET", "k", "w"))
    diff.check("TTL", "k")
    both(diff, ("EXPIRE", "k", "100"), ("SET", "k", "x", "KEEPTTL"))
    close(diff, "TTL", "k", tol=1)


# ------------------------------------------------------------------ OBJECT

ENCODING_VALUES = [
    "0", "1", "-1", "9999", "10000", "-0", "+1", "01", " 1", "1 ", "1.0", "abc", "",
    "9223372036854775807", "9223372036854775808", "-9223372036854775808",
    "-9223372036854775809", "12345678901234567890", "00000000000000000000", "x" * 44,
    "x" * 45, "1" * 20, "1" * 21, "-" + "1" * 19,
]


@pytest.mark.parametrize("value", ENCODING_VALUES)
def test_object_encoding_and_refcount(diff, value):
    both(diff, ("SET", "k", value))
    diff.check("OBJECT", "ENCODING", "k")
    diff.check("OBJECT", "REFCOUNT", "k")
    diff.check("OBJECT", "encoding", "k")


def test_object_encoding_of_modified_strings(diff):
    both(diff, ("SET", "a", "1"), ("APPEND", "a", "2"), ("SET", "b", "1"), ("INCR", "b"),
         ("INCRBY", "c", "20000"), ("SETRANGE", "d", "0", "x"))
    for key in ("a", "b", "c", "d"):
        diff.check("OBJECT", "ENCODING", key)
        diff.check("OBJECT", "REFCOUNT", key)


def test_object(diff, diff3):
    for d in (diff, diff3):
        both(d, ("SET", "k", "v"))
        d.check("OBJECT", "HELP")
        d.check("object", "help")
        d.check("OBJECT", "help", "x")
        d.check("OBJECT")
        d.check("OBJECT", "nope")
        d.check("OBJECT", "nope", "k")
        for sub in ("ENCODING", "REFCOUNT", "IDLETIME", "FREQ"):
            d.check("OBJECT", sub, "missing")
            d.check("OBJECT", sub)
            d.check("OBJECT", sub, "k", "extra")
        close(d, "OBJECT", "IDLETIME", "k", tol=1)  # the LRU clock ticks apart on each server
        d.check("OBJECT", "FREQ", "k")


def test_object_idletime_counts_seconds_without_touching(diff):
    both(diff, ("SET", "k", "v"))
    time.sleep(2.1)
    close(diff, "OBJECT", "IDLETIME", "k", tol=1)
    diff.check("TTL", "k")
    diff.check("TYPE", "k")
    diff.check("EXISTS", "k")
    got, want = diff.both("OBJECT", "IDLETIME", "k")
    assert maybe_int(got) >= 1 and maybe_int(want) >= 1
    diff.check("GET", "k")
    close(diff, "OBJECT", "IDLETIME", "k", tol=1)  # both clocks tick at the cron's pace


def test_object_under_lfu_policy(diff):
    try:
        diff.check("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu")
        both(diff, ("SET", "k", "v"))
        for sub in ("IDLETIME", "FREQ"):
            diff.check("OBJECT", sub, "k")
            diff.check("OBJECT", sub, "nope")
        diff.check("GET", "k")  # from LFU_INIT_VAL the first increment is certain
        diff.check("OBJECT", "FREQ", "k")
        diff.check("COPY", "k", "c")  # a copy is a new object: counter LFU_INIT_VAL
        diff.check("OBJECT", "FREQ", "c")
    finally:
        diff.check("CONFIG", "SET", "maxmemory-policy", "noeviction")


def test_shared_integers_need_a_sharing_policy(diff):
    try:
        both(diff, ("CONFIG", "SET", "maxmemory", "1gb"),
             ("CONFIG", "SET", "maxmemory-policy", "allkeys-lru"), ("SET", "n", "5"))
        diff.check("OBJECT", "REFCOUNT", "n")
        diff.check("CONFIG", "SET", "maxmemory-policy", "volatile-ttl")
        diff.check("SET", "n", "5")
        diff.check("OBJECT", "REFCOUNT", "n")
    finally:
        both(diff, ("CONFIG", "SET", "maxmemory", "0"),
             ("CONFIG", "SET", "maxmemory-policy", "noeviction"))


def test_object_freq_decays():
    from engine import Engine

    eng = Engine(maxmemory_policy="allkeys-lfu")
    eng.execute("SET", "k", "v")
    for _ in range(100):
        eng.execute("GET", "k")
    db = eng.dbs[0]
    counter = db.access(b"k") & 255
    assert counter > 5
    # one step per lfu-decay-time minutes since the last access, not stored by OBJECT
    db.set_access(b"k", ((eng.access_clock - 3) & 65535) << 8 | counter)
    assert eng.execute("OBJECT", "FREQ", "k") == counter - 3
    assert db.access(b"k") & 255 == counter
    eng.execute("CONFIG", "SET", "lfu-decay-time", "2")
    assert eng.execute("OBJECT", "FREQ", "k") == counter - 1


# ------------------------------------------------------------------ RESP3


def test_resp3_replies(diff3):
    d = diff3
    d.check("OBJECT", "ENCODING", "nope")
    d.check("OBJECT", "REFCOUNT", "nope")
    d.check("OBJECT", "IDLETIME", "nope")
    d.check("RANDOMKEY")
    d.check("TYPE", "nope")
    d.check("SCAN", "0")
    d.check("KEYS", "*")
    both(d, ("SET", "k", "v"))
    d.check("SCAN", "0", "MATCH", "k")
    d.check("KEYS", "k")
    d.check("COPY", "k", "j")
    d.check("RENAME", "j", "i")
    d.check("RENAMENX", "i", "k")
    d.check("MOVE", "i", "3")
    d.check("SWAPDB", "3", "4")
    d.check("EXPIRE", "k", "-1")
    d.check("FLUSHALL")


# ------------------------------------------------------------------ command table


def _oracle_command_info(oracle_server, name):
    o = RawClient(oracle_server.host, oracle_server.port)
    try:
        return decode(o.call("COMMAND", "INFO", name))[0]
    finally:
        o.close()


def _table_info(cmd):
    info = [cmd.fullname.encode(), cmd.arity, [f.encode() for f in cmd.shown_flags()],
            cmd.first_key, cmd.last_key, cmd.key_step,
            [b"@" + c.encode() for c in cmd.categories], [t.encode() for t in cmd.tips]]
    subs = [_table_info(s)[0] for s in (cmd.subcommands or {}).values()]
    return info, sorted(subs)


KEY_COMMANDS = ["del", "unlink", "exists", "type", "rename", "renamenx", "copy", "move",
                "swapdb", "keys", "scan", "randomkey", "dbsize", "flushdb", "flushall",
                "expire", "pexpire", "expireat", "pexpireat", "ttl", "pttl", "expiretime",
                "pexpiretime", "persist", "touch", "object"]


@pytest.mark.parametrize("name", KEY_COMMANDS)
def test_command_info_matches_redis(oracle_server, name):
    want = _oracle_command_info(oracle_server, name)

    def shape(info):  # name arity flags first last step categories tips, then subcommands
        subs = sorted(shape(s)[0] for s in info[9]) if len(info) > 9 else []
        return info[:8], subs

    assert _table_info(TABLE[name.encode()]) == shape(want)


# ------------------------------------------------------------------ in-process: dirty,
# propagation, notifications


class Recorder:
    is_replica = False

    def __init__(self):
        self.stream = []

    def propagate(self, dbid, argv):
        self.stream.append((dbid, [bytes(a) for a in argv]))

    def begin_transaction(self, dbid):
        pass

    def end_transaction(self):
        pass


def test_dirty_and_propagation(engine):
    rec = engine.replication = Recorder()
    ex = engine.execute
    ex("MSET", "a", "1", "b", "2", "c", "3")
    start = engine.dirty
    assert ex("DEL", "a", "a", "nope", "b") == 2 and engine.dirty == start + 2
    ex("EXPIRE", "c", "100")
    db, argv = rec.stream[-1]
    assert argv[:2] == [b"PEXPIREAT", b"c"] and abs(int(argv[2]) - engine.now_ms - 100000) < 50
    ex("EXPIRE", "c", "200", "XX", "GT")
    assert rec.stream[-1][1][3:] == [b"XX", b"GT"]
    ex("PEXPIREAT", "c", "99999999999999")
    assert rec.stream[-1][1] == [b"PEXPIREAT", b"c", b"99999999999999"]
    n = len(rec.stream)
    assert ex("EXPIRE", "c", "300", "NX") == 0 and len(rec.stream) == n  # no change: silent
    ex("EXPIREAT", "c", "1")
    assert rec.stream[-1][1] == [b"DEL", b"c"]
    ex("MSET", "x", "1", "y", "2")
    ex("SELECT", "1")
    ex("SET", "z", "3")
    start = engine.dirty
    ex("FLUSHDB")
    assert engine.dirty == start + 1
    ex("FLUSHDB")
    assert engine.dirty == start + 1
    ex("FLUSHALL")
    assert engine.dirty == start + 3
    ex("SWAPDB", "0", "0")
    assert engine.dirty == start + 4 and rec.stream[-1][1] == [b"SWAPDB", b"0", b"0"]


STATS_SCRIPT = [
    ("MSET", "a", "1", "b", "2", "c", "3"), ("DEL", "a", "a", "nope"), ("UNLINK", "b"),
    ("EXISTS", "c", "nope"), ("TYPE", "c"), ("TYPE", "nope"), ("TOUCH", "c", "nope"),
    ("TTL", "c"), ("PTTL", "nope"), ("EXPIRETIME", "c"), ("OBJECT", "ENCODING", "c"),
    ("OBJECT", "REFCOUNT", "nope"), ("EXPIRE", "c", "100"), ("EXPIRE", "nope", "100"),
    ("EXPIRE", "c", "100", "NX"), ("PEXPIREAT", "c", "99999999999999"), ("PERSIST", "c"),
    ("PERSIST", "c"), ("RENAME", "c", "d"), ("RENAME", "nope", "x"), ("RENAMENX", "d", "d"),
    ("SET", "e", "5"), ("RENAMENX", "d", "e"), ("COPY", "d", "f"), ("COPY", "nope", "f"),
    ("COPY", "d", "f"), ("COPY", "d", "f", "REPLACE"), ("COPY", "d", "d", "DB", "1"),
    ("MOVE", "d", "1"), ("MOVE", "f", "2"), ("MOVE", "nope", "2"), ("SWAPDB", "0", "2"),
    ("SWAPDB", "1", "1"), ("SCAN", "0", "TYPE", "string"), ("KEYS", "*"), ("RANDOMKEY",),
    ("DBSIZE",), ("EXPIRE", "f", "-1"), ("FLUSHDB",), ("FLUSHDB",), ("FLUSHALL",),
    ("FLUSHALL",),
]


def test_dirty_and_hit_counters_match_redis(diff):
    """rdb_changes_since_last_save (server.dirty) and keyspace hits/misses move as Redis's."""
    fields = (b"rdb_changes_since_last_save", b"keyspace_hits", b"keyspace_misses")

    def counters(client):
        info = decode(client.call("INFO", "all"))
        values = dict(line.split(b":", 1) for line in info.split(b"\r\n") if b":" in line)
        return [int(values[f]) for f in fields]

    for cmd in STATS_SCRIPT:
        before = counters(diff.s), counters(diff.o)
        diff.check(*cmd, normalize={"SCAN": sorted_scan, "KEYS": sorted_array}.get(cmd[0]))
        moved = [[a - b for a, b in zip(counters(c), was, strict=True)]
                 for c, was in zip((diff.s, diff.o), before, strict=True)]
        assert moved[0] == moved[1], (cmd, fields, moved)


def test_notifications_match_redis(oracle_server):
    """The keyspace events our commands raise, in order, against the oracle's own."""
    from engine import Engine

    script = [("SET", "a", "1"), ("EXPIRE", "a", "100"), ("PERSIST", "a"),
              ("PERSIST", "a"), ("RENAME", "a", "b"), ("RENAMENX", "b", "b"),
              ("COPY", "b", "c"), ("COPY", "b", "c", "DB", "1"), ("MOVE", "c", "2"),
              ("MOVE", "c", "1"), ("DEL", "b", "c", "nope"), ("SET", "e", "1"),
              ("EXPIRE", "e", "-5"), ("SET", "f", "1", "PX", "1"), ("SLEEP",),
              ("EXISTS", "f"), ("SET", "g", "1"), ("UNLINK", "g"), ("SWAPDB", "0", "1"),
              ("SET", "h", "1"), ("PEXPIREAT", "h", "1"), ("FLUSHALL",)]
    o = RawClient(oracle_server.host, oracle_server.port)
    sub = RawClient(oracle_server.host, oracle_server.port)
    try:
        o.call("FLUSHALL")
        o.call("CONFIG", "SET", "notify-keyspace-events", "KEA")
        sub.call("PSUBSCRIBE", "__keyevent@*__:*")
        for cmd in script:
            if cmd[0] == "SLEEP":
                time.sleep(0.02)
            else:
                o.call(*cmd)
        time.sleep(0.1)
        raw = sub.read_available(0.3)
    finally:
        o.call("CONFIG", "SET", "notify-keyspace-events", "")
        o.call("FLUSHALL")
        o.close()
        sub.close()
    reader = hiredis.Reader()
    reader.feed(raw)
    want = []
    while True:
        msg = reader.gets()
        if msg is False:
            break
        channel = msg[2].decode()
        db = int(channel[len("__keyevent@"):channel.index("__:")])
        want.append((channel.split("__:", 1)[1].encode(), msg[3], db))

    eng = Engine()
    got = []
    eng.notify_flags = 1
    eng.notifier = lambda klass, event, key, dbid: got.append((event, key, dbid))
    for cmd in script:
        if cmd[0] == "SLEEP":
            time.sleep(0.02)
        else:
            eng.execute(*cmd)
    assert got == want


# ------------------------------------------------------------------ in-process: WATCH of
# keys that were already expired when watched (touchAllWatchedKeysInDb)


def _watch_exec(eng, setup, other):
    c1, c2 = eng.client(2), eng.client(2)

    def run(c, *args):
        eng.now_ms = int(time.time() * 1000)  # what the server does for each batch
        return eng.call(c, [a.encode() for a in args])

    for cmd in setup:
        run(c1, *cmd)
    time.sleep(0.02)
    run(c1, "WATCH", "k")
    run(c2, *other)
    run(c1, "MULTI")
    run(c1, "PING")
    return run(c1, "EXEC")


@pytest.mark.parametrize("setup,other,aborted", [
    ([("SET", "k", "v", "PX", "1")], ("FLUSHDB",), False),
    ([("SET", "k", "v", "PX", "1")], ("FLUSHALL",), False),
    ([("SET", "k", "v", "PX", "1")], ("SWAPDB", "0", "1"), False),
    ([("SET", "k", "v", "PX", "1"), ("SELECT", "1"), ("SET", "k", "v"), ("SELECT", "0")],
     ("SWAPDB", "0", "1"), True),
    ([("SELECT", "1"), ("SET", "k", "v", "PX", "1"), ("SELECT", "0")], ("SWAPDB", "0", "1"),
     False),
    ([("SET", "k", "v", "PX", "1"), ("SELECT", "1"), ("SET", "k", "v", "PX", "1"),
      ("SELECT", "0")], ("SWAPDB", "0", "1"), False),
])
def test_watch_expired_keys_and_flush_or_swap(engine, setup, other, aborted):
    from engine.replies import NullArray

    reply = _watch_exec(engine, setup, other)
    assert isinstance(reply, NullArray) == aborted
