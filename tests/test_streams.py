"""Stream commands against redis-server 7.0: replies compared byte for byte (RESP2 and RESP3)
with explicit IDs (or generated ones normalised), delivery and idle times normalised; plus
blocking XREAD/XREADGROUP on connection pairs, keyspace events, dirty counts, WATCH, what
replicas are sent, and redis-py usage."""

import contextlib
import re
import time

import hiredis
import pytest

from engine import Engine
from engine.replies import ReplyError
from engine.types.stream import StreamValue
from tests.support.diff import Differential
from tests.support.raw import RawClient, encode_command
from tests.support.effects import Recorder, oracle_effects

U64 = str(2 ** 64 - 1)
MAXID = U64 + "-" + U64


@pytest.fixture(params=[2, 3], ids=["resp2", "resp3"])
def d(request, strata_server, oracle_server):
    dd = Differential(strata_server, oracle_server, resp=request.param)
    yield dd
    dd.close()


_GENERATED_ID = re.compile(rb"1\d{12}-\d+")
_ABS_TIME = re.compile(rb":1\d{12}\r\n")
_IDLE = re.compile(rb"(\$4\r\nidle\r\n):\d+")
_PENDING_IDLE = re.compile(rb"(\*4\r\n\$\d+\r\n[0-9-]+\r\n\$\d+\r\n[^\r\n]*\r\n):\d+(\r\n:\d+\r\n)")


def norm(reply: bytes) -> bytes:
    """Generated IDs, delivery and seen times, idle times: what differs between servers."""
    reply = _GENERATED_ID.sub(b"<id>", reply)
    reply = _ABS_TIME.sub(b":<time>\r\n", reply)
    reply = _IDLE.sub(rb"\1:<idle>", reply)
    return _PENDING_IDLE.sub(rb"\1:<idle>\2", reply)


def run(d, script):
    for cmd in script:
        d.check(*cmd, normalize=norm)


def fill(d, key="s", n=5, start=1, fields=("f", "v")):
    for i in range(start, start + n):
        d.check("XADD", key, f"{i}-0", *fields)


@pytest.fixture
def config(strata_server, oracle_server):
    """CONFIG SET on both servers, restored afterwards."""
    clients = [RawClient(s.host, s.port) for s in (strata_server, oracle_server)]
    saved = []

    def set_(name, value):
        for c in clients:
            saved.append((c, name, c.call("CONFIG", "GET", name).split(b"\r\n")[-2]))
            assert c.call("CONFIG", "SET", name, str(value)) == b"+OK\r\n"

    yield set_
    for c, name, value in reversed(saved):
        c.call("CONFIG", "SET", name, value)
    for c in clients:
        c.close()


# ------------------------------------------------------------------ arity and types


@pytest.mark.parametrize("cmd", [
    ("XADD", "s", "*", "f"), ("XADD", "s", "*"), ("XLEN",), ("XRANGE", "s", "-"),
    ("XREVRANGE", "s", "+"), ("XDEL", "s"), ("XTRIM", "s", "MAXLEN"), ("XREAD", "STREAMS"),
    ("XREAD", "COUNT", "1"), ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s"),
    ("XACK", "s", "g"), ("XPENDING", "s"), ("XCLAIM", "s", "g", "c", "0"),
    ("XAUTOCLAIM", "s", "g", "c", "0"), ("XSETID", "s"), ("XGROUP",), ("XGROUP", "CREATE", "s"),
    ("XGROUP", "SETID", "s", "g"), ("XGROUP", "DESTROY", "s"), ("XGROUP", "DESTROY", "s", "g", "x"),
    ("XGROUP", "CREATECONSUMER", "s", "g"), ("XGROUP", "DELCONSUMER", "s", "g", "c", "x"),
    ("XGROUP", "HELP", "x"), ("XGROUP", "NOPE", "s"), ("XINFO",), ("XINFO", "STREAM"),
    ("XINFO", "GROUPS", "s", "x"), ("XINFO", "CONSUMERS", "s"), ("XINFO", "HELP", "x"),
    ("XINFO", "NOPE", "s"), ("XADD", "s", "MAXLEN", "1", "*", "f"),
])
def test_wrong_arity(diff, cmd):
    diff.check(*cmd)


def test_wrongtype(d):
    d.check("SET", "k", "x")
    run(d, [
        ("XADD", "k", "1-1", "f", "v"), ("XADD", "k", "0-0", "f", "v"), ("XLEN", "k"),
        ("XRANGE", "k", "-", "+"), ("XREVRANGE", "k", "+", "-"), ("XDEL", "k", "1-1"),
        ("XDEL", "k", "bad"), ("XTRIM", "k", "MAXLEN", "0"), ("XREAD", "STREAMS", "k", "0"),
        ("XREAD", "STREAMS", "k", "bad"), ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "k", ">"),
        ("XACK", "k", "g", "1-1"), ("XPENDING", "k", "g"), ("XPENDING", "k", "g", "-", "+", "1"),
        ("XCLAIM", "k", "g", "c", "0", "1-1"), ("XAUTOCLAIM", "k", "g", "c", "0", "0"),
        ("XSETID", "k", "1-1"), ("XGROUP", "CREATE", "k", "g", "$", "MKSTREAM"),
        ("XGROUP", "SETID", "k", "g", "0"), ("XGROUP", "DESTROY", "k", "g"),
        ("XGROUP", "CREATECONSUMER", "k", "g", "c"), ("XGROUP", "DELCONSUMER", "k", "g", "c"),
        ("XINFO", "STREAM", "k"), ("XINFO", "GROUPS", "k"), ("XINFO", "CONSUMERS", "k", "g"),
        ("XADD", "k", "NOMKSTREAM", "*", "f", "v"),
    ])


def test_type_encoding_copy(d):
    fill(d)
    d.check("XGROUP", "CREATE", "s", "g", "0")
    d.check("XREADGROUP", "GROUP", "g", "c", "COUNT", "2", "STREAMS", "s", ">")
    d.check("XDEL", "s", "4-0")
    run(d, [("TYPE", "s"), ("OBJECT", "ENCODING", "s"), ("EXISTS", "s"), ("COPY", "s", "t"),
            ("XINFO", "STREAM", "t", "FULL"), ("XINFO", "GROUPS", "t"),
            ("XADD", "t", "9-0", "a", "b"), ("XLEN", "s"), ("XLEN", "t")])


# ------------------------------------------------------------------ XADD and IDs


def test_xadd_explicit_ids(d):
    run(d, [
        ("XADD", "s", "0-1", "f", "v"), ("XADD", "s", "0-1", "f", "v"), ("XADD", "s", "0-0", "a", "b"),
        ("XADD", "s", "0", "a", "b"), ("XADD", "s", "5", "a", "b"), ("XADD", "s", "5-*", "a", "b"),
        ("XADD", "s", "5-*", "a", "b"), ("XADD", "s", "4-*", "a", "b"), ("XADD", "s", "6-*", "x", "1"),
        ("XADD", "s", "6-3", "a", "b", "c", "d"), ("XADD", "s", "6-3", "a"),
        ("XADD", "s", "7-0", "a", "b", "c"), ("XADD", "n", "0-*", "a", "b"),
        ("XADD", "s", U64 + "-0", "a", "b"), ("XADD", "s", U64 + "-*", "a", "b"),
        ("XADD", "s", MAXID, "a", "b"), ("XADD", "s", MAXID, "a", "b"),
        ("XADD", "s", "*", "a", "b"), ("XADD", "s", U64 + "-*", "a", "b"),
        ("XRANGE", "s", "-", "+"), ("XLEN", "s"), ("XLEN", "nokey"),
        ("XADD", "m", "1-" + U64, "a", "b"), ("XADD", "m", "1-*", "a", "b"),
        ("XADD", "m", "2-*", "a", "b"), ("XRANGE", "m", "-", "+"),
    ])


def test_xadd_generated_ids(d):
    run(d, [("XADD", "s", "*", "f", "v"), ("XADD", "s", "*", "f", "v", "g", "w"),
            ("XLEN", "s"), ("XADD", "s", "5-1", "f", "v"), ("XRANGE", "s", "-", "+"),
            ("XADD", "s", "99999999999999-0", "a", "b"), ("XADD", "s", "*", "a", "b"),
            ("XREVRANGE", "s", "+", "-", "COUNT", "1")])


def test_xadd_nomkstream_and_options(d):
    run(d, [
        ("XADD", "s", "NOMKSTREAM", "1-1", "f", "v"), ("EXISTS", "s"),
        ("XADD", "s", "nomkstream", "*", "f", "v"), ("XADD", "s", "1-1", "f", "v"),
        ("XADD", "s", "NOMKSTREAM", "2-1", "f", "v"),
        ("XADD", "s", "MAXLEN", "1", "3-1", "f", "v"), ("XRANGE", "s", "-", "+"),
        ("XADD", "s", "maxlen", "=", "5", "4-1", "f", "v"),
        ("XADD", "s", "MAXLEN", "~", "5", "5-1", "f", "v"),
        ("XADD", "s", "MINID", "4-1", "6-1", "f", "v"), ("XRANGE", "s", "-", "+"),
        ("XADD", "s", "MINID", "~", "0", "LIMIT", "10", "7-1", "f", "v"),
        ("XADD", "s", "MAXLEN", "-1", "8-1", "f", "v"), ("XADD", "s", "MAXLEN", "x", "8-1", "f", "v"),
        ("XADD", "s", "MAXLEN", "1", "MINID", "1", "8-1", "f", "v"),
        ("XADD", "s", "MINID", "1", "MAXLEN", "1", "8-1", "f", "v"),
        ("XADD", "s", "MINID", "bad", "8-1", "f", "v"), ("XADD", "s", "MINID", "-", "8-1", "f", "v"),
        ("XADD", "s", "LIMIT", "5", "8-1", "f", "v"), ("XADD", "s", "LIMIT", "0", "8-1", "f", "v"),
        ("XADD", "s", "LIMIT", "-1", "8-1", "f", "v"),
        ("XADD", "s", "MAXLEN", "1", "LIMIT", "5", "8-1", "f", "v"),
        ("XADD", "s", "MAXLEN", "~", "1", "LIMIT", "x", "8-1", "f", "v"),
        ("XADD", "s", "MAXLEN", "~", "1", "LIMIT", "0", "9-1", "f", "v"),
        ("XADD", "s", "MAXLEN", "~", "~", "9-1", "f", "v"), ("XADD", "s", "BOGUS", "f", "v"),
        ("XADD", "s", "MAXLEN", "1", "f", "v", "x"), ("XADD", "s", "MAXLEN", "1", "*", "f"),
        ("XADD", "s", "10-1", "f"), ("XRANGE", "s", "-", "+"), ("XLEN", "s"),
    ])


ODD_IDS = [" 1", "+1", "01", "1-01", "-05", "1- 5", "1--5", "1-", "-1", "-", "+", "(", "((1",
           "1-2-3", "1.5", "", "x", "1-x", U64, "18446744073709551616", "1-18446744073709551616",
           "1\x00junk", "1-2\x00x", "0" * 130 + "1", "0" * 126 + "1", "  -18446744073709551615",
           "-9223372036854775808", "-9223372036854775809", "-0", "\t7", "1-*", "*"]


@pytest.mark.parametrize("odd", ODD_IDS, ids=repr)
def test_id_parsing(diff, odd):
    fill(diff, n=3)
    run(diff, [
        ("XADD", "s", odd, "f", "v"), ("XDEL", "s", odd), ("XRANGE", "s", odd, "+"),
        ("XRANGE", "s", "-", odd), ("XRANGE", "s", "(" + odd, "+"), ("XREVRANGE", "s", odd, "-"),
        ("XREAD", "STREAMS", "s", odd), ("XTRIM", "s", "MINID", odd), ("XSETID", "s", odd),
        ("XGROUP", "CREATE", "s", "g", odd), ("XACK", "s", "g", odd),
        ("XGROUP", "CREATE", "s", "g2", "0"), ("XGROUP", "SETID", "s", "g2", odd),
        ("XCLAIM", "s", "g2", "c", "0", odd), ("XAUTOCLAIM", "s", "g2", "c", "0", odd),
        ("XPENDING", "s", "g2", odd, "+", "10"), ("XINFO", "GROUPS", "s"),
        ("XRANGE", "s", "-", "+"),
    ])


# ------------------------------------------------------------------ XRANGE XREVRANGE XDEL


def test_xrange(d):
    fill(d, n=6)
    d.check("XADD", "s", "6-5", "a", "1", "b", "2")
    run(d, [
        ("XRANGE", "s", "-", "+"), ("XRANGE", "s", "2", "4"), ("XRANGE", "s", "2-0", "4-0"),
        ("XRANGE", "s", "(2-0", "(4-0"), ("XRANGE", "s", "(2", "(4"), ("XRANGE", "s", "(-", "+"),
        ("XRANGE", "s", "-", "(+"), ("XRANGE", "s", "(0-0", "(" + MAXID),
        ("XRANGE", "s", "(" + MAXID, "+"), ("XRANGE", "s", "-", "(0-0"),
        ("XRANGE", "s", "(" + U64 + "-" + U64, "+"), ("XRANGE", "s", "6", "6"),
        ("XRANGE", "s", "5", "2"), ("XRANGE", "s", "-", "+", "COUNT", "2"),
        ("XRANGE", "s", "-", "+", "COUNT", "0"), ("XRANGE", "s", "-", "+", "COUNT", "-3"),
        ("XRANGE", "s", "-", "+", "count", "1", "COUNT", "3"), ("XRANGE", "s", "-", "+", "COUNT"),
        ("XRANGE", "s", "-", "+", "COUNT", "x"), ("XRANGE", "s", "-", "+", "LIMIT", "1"),
        ("XRANGE", "nokey", "-", "+"), ("XRANGE", "nokey", "-", "+", "COUNT", "0"),
        ("XRANGE", "nokey", "x", "+"), ("XREVRANGE", "s", "+", "-"),
        ("XREVRANGE", "s", "(5", "(2"), ("XREVRANGE", "s", "+", "-", "COUNT", "2"),
        ("XREVRANGE", "s", "+", "-", "COUNT", "0"), ("XREVRANGE", "s", "2", "5"),
        ("XREVRANGE", "s", "(" + MAXID, "-"), ("XREVRANGE", "s", "+", "(0-0"),
    ])


def test_xdel(d):
    fill(d, n=6)
    run(d, [
        ("XDEL", "s", "2-0", "2-0", "9-0", "4"), ("XRANGE", "s", "-", "+"), ("XLEN", "s"),
        ("XDEL", "s", "1-0", "bad"), ("XLEN", "s"), ("XDEL", "nokey", "bad"),
        ("XDEL", "s", "1-0"), ("XINFO", "STREAM", "s"), ("XDEL", "s", "3-0", "5-0", "6-0"),
        ("XINFO", "STREAM", "s"), ("EXISTS", "s"), ("XADD", "s", "6-0", "f", "v"),
        ("XADD", "s", "7-0", "f", "v"), ("XINFO", "STREAM", "s"),
    ])


# ------------------------------------------------------------------ trimming and nodes


def test_xtrim_exact(d):
    fill(d, n=10)
    run(d, [
        ("XTRIM", "s", "MAXLEN", "8"), ("XTRIM", "s", "MAXLEN", "=", "20"),
        ("XTRIM", "s", "MINID", "4"), ("XTRIM", "s", "MINID", "=", "4-0"),
        ("XTRIM", "s", "MINID", "(5"), ("XRANGE", "s", "-", "+"), ("XINFO", "STREAM", "s"),
        ("XTRIM", "s", "MAXLEN", "0"), ("XINFO", "STREAM", "s"), ("XTRIM", "nokey", "MAXLEN", "0"),
        ("XTRIM", "nokey", "MAXLEN", "x"), ("XTRIM", "s", "FOO", "1"),
        ("XTRIM", "s", "MAXLEN", "-1"), ("XTRIM", "s", "LIMIT", "1", "MAXLEN", "1"),
        ("XTRIM", "s", "MAXLEN", "1", "LIMIT", "1"), ("XTRIM", "s", "LIMIT", "1"),
        ("XTRIM", "s", "LIMIT", "0", "LIMIT", "0"), ("XTRIM", "s", "MINID", "1", "MAXLEN", "1"),
        ("XTRIM", "s", "MAXLEN", "~", "1", "LIMIT", "-5"), ("XTRIM", "s", "NOMKSTREAM", "1"),
        ("XTRIM", "s", "MAXLEN", "1", "*"), ("EXISTS", "s"),
    ])


def test_xtrim_approx_whole_nodes(d):
    """"~" removes whole listpack nodes only (100 entries each by default)."""
    fill(d, n=250)
    run(d, [
        ("XTRIM", "s", "MAXLEN", "~", "240"), ("XTRIM", "s", "MAXLEN", "~", "150"),
        ("XLEN", "s"), ("XINFO", "STREAM", "s"), ("XTRIM", "s", "MINID", "~", "200"),
        ("XTRIM", "s", "MAXLEN", "~", "0", "LIMIT", "10"),
        ("XTRIM", "s", "MAXLEN", "~", "0", "LIMIT", "100"), ("XLEN", "s"),
        ("XTRIM", "s", "MINID", "~", "1000", "LIMIT", "0"), ("XLEN", "s"),
        ("XINFO", "STREAM", "s"),
    ])


def test_tombstones_in_nodes(d, config):
    """Deleted entries stay in their node: node fill, MINID on a tombstone, XDEL freeing a
    node, an exact trim leaving a node with no live entry."""
    config("stream-node-max-entries", 3)
    fill(d, n=10)
    run(d, [
        ("XDEL", "s", "3-0"), ("XTRIM", "s", "MINID", "3"), ("XINFO", "STREAM", "s"),
        ("XTRIM", "s", "MINID", "~", "4"), ("XDEL", "s", "4-0", "5-0", "6-0"),
        ("XINFO", "STREAM", "s"), ("XDEL", "s", "9-0"), ("XTRIM", "s", "MAXLEN", "2"),
        ("XINFO", "STREAM", "s", "FULL"), ("XTRIM", "s", "MINID", "11"), ("XINFO", "STREAM", "s"),
        ("XADD", "s", "11-0", "f", "v"), ("XADD", "s", "12-0", "f", "v"),
        ("XINFO", "STREAM", "s"), ("XTRIM", "s", "MAXLEN", "~", "0"), ("XINFO", "STREAM", "s"),
    ])


@pytest.mark.parametrize("fields", [
    ("f", "v"), ("field", "x" * 70), ("a", "1", "b", "-200"), ("n", "9" * 19), ("big", "y" * 5000),
    ("k", "12345678901"), ("k", "-0"), ("k", "007"), ("k", "-9223372036854775809"),
])
def test_node_size_limits(diff, config, fields):
    """Node boundaries follow the listpack's byte size (stream-node-max-bytes)."""
    config("stream-node-max-bytes", 512)
    for i in range(1, 60):
        f = fields if i % 7 else fields + ("extra", str(i))
        diff.check("XADD", "s", f"{i * 1000}-{i}", *f)
        if i % 13 == 0:
            diff.check("XDEL", "s", f"{i * 1000 - 2000}-{i - 2}")
    run(diff, [("XINFO", "STREAM", "s"), ("XTRIM", "s", "MAXLEN", "~", "20"),
               ("XINFO", "STREAM", "s"), ("XTRIM", "s", "MINID", "~", "40000"),
               ("XINFO", "STREAM", "s")])


def test_node_limits_off(diff, config):
    config("stream-node-max-entries", 0)
    config("stream-node-max-bytes", 0)
    fill(diff, n=150)
    run(diff, [("XINFO", "STREAM", "s"), ("XTRIM", "s", "MAXLEN", "~", "10"),
               ("XTRIM", "s", "MAXLEN", "~", "10", "LIMIT", "20000")])


def test_radix_tree_nodes(diff, config):
    config("stream-node-max-entries", 1)
    for ms, seq in [(1, 0), (2, 0), (256, 0), (257, 5), (2 ** 40, 1), (2 ** 40, 300),
                    (2 ** 63, 0), (2 ** 64 - 1, 7)]:
        diff.check("XADD", "s", f"{ms}-{seq}", "f", "v")
        diff.check("XINFO", "STREAM", "s")
    for sid in ["256-0", "1-0", "1099511627776-300", "18446744073709551615-7"]:
        diff.check("XDEL", "s", sid)
        diff.check("XINFO", "STREAM", "s")


# ------------------------------------------------------------------ XREAD


def test_xread(d):
    fill(d, n=4)
    fill(d, key="t", n=2, start=3)
    run(d, [
        ("XREAD", "STREAMS", "s", "0"), ("XREAD", "COUNT", "2", "STREAMS", "s", "t", "1", "0"),
        ("XREAD", "STREAMS", "s", "t", "nokey", "$", "3", "0"), ("XREAD", "STREAMS", "s", "4-0"),
        ("XREAD", "STREAMS", "nokey", "0"), ("XREAD", "count", "-1", "streams", "s", "2"),
        ("XREAD", "STREAMS", "s", "s", "0", "3"), ("XREAD", "STREAMS", "s", "t", "0"),
        ("XREAD", "STREAMS", "s", ">"), ("XREAD", "STREAMS", "s", "+"),
        ("XREAD", "STREAMS", "s", "-"), ("XREAD", "GROUP", "g", "c", "STREAMS", "s", "0"),
        ("XREAD", "NOACK", "STREAMS", "s", "0"), ("XREAD", "FOO", "STREAMS", "s", "0"),
        ("XREAD", "COUNT", "x", "STREAMS", "s", "0"), ("XREAD", "COUNT", "1", "s", "0"),
        ("XREAD", "BLOCK", "x", "STREAMS", "s", "0"), ("XREAD", "BLOCK", "-1", "STREAMS", "s", "0"),
        ("XREAD", "BLOCK", "9223372036854775807", "STREAMS", "s", "0"),
        ("XREAD", "BLOCK", "1.5", "STREAMS", "s", "0"), ("XREAD", "BLOCK", "10", "STREAMS", "s", "0"),
        ("XREAD", "BLOCK", "0", "STREAMS", "s", "t", "0", "$"),
        ("XREAD", "STREAMS", "s", "t", "0", "1", "2"), ("XREAD", "COUNT", "1", "STREAMS", "s"),
        ("XREAD", "STREAMS", "STREAMS", "s", "0"), ("XREAD", "STREAMS", "s", MAXID),
    ])


def test_xread_in_multi(d):
    fill(d, n=2)
    run(d, [("MULTI",), ("XREAD", "BLOCK", "0", "STREAMS", "s", "$"),
            ("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">"),
            ("XGROUP", "CREATE", "s", "g", "$"),
            ("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">"),
            ("XREAD", "BLOCK", "0", "STREAMS", "s", "1"), ("EXEC",)])


def test_getkeys(diff):
    run(diff, [
        ("COMMAND", "GETKEYS", "XREAD", "STREAMS", "a", "b", "c", "d"),
        ("COMMAND", "GETKEYS", "XREAD", "COUNT", "1", "BLOCK", "0", "STREAMS", "a", "b"),
        ("COMMAND", "GETKEYS", "XREAD", "STREAMS", "a", "b", "c"),
        ("COMMAND", "GETKEYS", "XREAD", "BLOCK", "1", "STREAMS"),
        ("COMMAND", "GETKEYS", "XREAD", "foo", "STREAMS", "a", "b"),
        ("COMMAND", "GETKEYS", "XREAD", "STREAMS", "a"),
        ("COMMAND", "GETKEYS", "XREADGROUP", "GROUP", "g", "c", "STREAMS", "a", "b"),
        ("COMMAND", "GETKEYS", "XREADGROUP", "GROUP", "g", "streams", "STREAMS", "a", "b"),
        ("COMMAND", "GETKEYS", "XREADGROUP", "GROUP", "g", "c", "NOACK", "STREAMS", "a", "b",
         "x", "y"),
        ("COMMAND", "GETKEYS", "XADD", "s", "*", "f", "v"),
        ("COMMAND", "GETKEYS", "XGROUP", "CREATE", "s", "g", "$"),
        ("COMMAND", "GETKEYS", "XINFO", "STREAM", "s"),
    ])


# ------------------------------------------------------------------ consumer groups


def test_xgroup(d):
    fill(d, n=3)
    run(d, [
        ("XGROUP", "HELP"), ("xgroup", "help"), ("XGROUP", "CREATE", "s", "g", "$"),
        ("XGROUP", "CREATE", "s", "g", "0"), ("XGROUP", "CREATE", "s", "g2", "0", "ENTRIESREAD", "1"),
        ("XGROUP", "CREATE", "s", "g3", "-", "ENTRIESREAD", "-1", "MKSTREAM"),
        ("XGROUP", "CREATE", "s", "g4", "+", "ENTRIESREAD", "-2"),
        ("XGROUP", "CREATE", "s", "g4", "0", "ENTRIESREAD", "x"),
        ("XGROUP", "CREATE", "s", "g4", "0", "ENTRIESREAD"), ("XGROUP", "CREATE", "s", "g4", "0", "X"),
        ("XGROUP", "CREATE", "s", "g4", "bad"), ("XGROUP", "CREATE", "nokey", "g", "0"),
        ("XGROUP", "create", "nokey", "g", "bad", "MKSTREAM"), ("EXISTS", "nokey"),
        ("XGROUP", "CREATE", "new", "g", "$", "MKSTREAM"), ("XINFO", "STREAM", "new"),
        ("XGROUP", "CREATE", "s", "g5", "0", "MKSTREAM", "MKSTREAM", "MKSTREAM", "MKSTREAM"),
        ("XGROUP", "CREATE", "nokey", "g5", "0", "MKSTREAM", "MKSTREAM", "MKSTREAM", "X"),
        ("XINFO", "GROUPS", "s"), ("XGROUP", "SETID", "s", "g", "2-0"),
        ("XGROUP", "SETID", "s", "g", "$", "ENTRIESREAD", "3"),
        ("XGROUP", "SETID", "s", "g2", "1", "entriesread", "-2"),
        ("XGROUP", "SETID", "s", "g2", "1", "FOO", "2"), ("XGROUP", "SETID", "s", "g2", "1", "ENTRIESREAD"),
        ("XGROUP", "SETID", "s", "nog", "0"), ("XGROUP", "SETID", "nokey", "g", "0"),
        ("XGROUP", "SETID", "s", "g2", "bad"), ("XINFO", "GROUPS", "s"),
        ("XGROUP", "CREATECONSUMER", "s", "g", "alice"), ("XGROUP", "CREATECONSUMER", "s", "g", "alice"),
        ("XGROUP", "CREATECONSUMER", "s", "nog", "alice"), ("XGROUP", "CREATECONSUMER", "nokey", "g", "a"),
        ("XGROUP", "DELCONSUMER", "s", "g", "bob"), ("XGROUP", "DELCONSUMER", "s", "nog", "bob"),
        ("XINFO", "CONSUMERS", "s", "g"), ("XGROUP", "DELCONSUMER", "s", "g", "alice"),
        ("XGROUP", "DESTROY", "s", "g"), ("XGROUP", "DESTROY", "s", "g"),
        ("XGROUP", "DESTROY", "nokey", "g"), ("XINFO", "GROUPS", "s"), ("XGROUP", "NOPE", "s", "g"),
    ])


def test_xreadgroup(d):
    fill(d, n=5)
    fill(d, key="t", n=2)
    d.check("XGROUP", "CREATE", "s", "g", "0")
    d.check("XGROUP", "CREATE", "t", "g", "$")
    run(d, [
        ("XREADGROUP", "GROUP", "g", "alice", "COUNT", "2", "STREAMS", "s", ">"),
        ("XREADGROUP", "GROUP", "g", "bob", "COUNT", "1", "STREAMS", "s", "t", ">", ">"),
        ("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "0"),
        ("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "1-0"),
        ("XREADGROUP", "GROUP", "g", "alice", "COUNT", "1", "STREAMS", "s", "0"),
        ("XDEL", "s", "1-0"), ("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "0"),
        ("XREADGROUP", "GROUP", "g", "carol", "NOACK", "STREAMS", "s", ">"),
        ("XREADGROUP", "GROUP", "g", "carol", "STREAMS", "s", "0"),
        ("XREADGROUP", "GROUP", "g", "dave", "STREAMS", "s", ">"), ("XINFO", "GROUPS", "s"),
        ("XGROUP", "SETID", "s", "g", "0"),
        ("XREADGROUP", "GROUP", "g", "dave", "COUNT", "2", "STREAMS", "s", ">"),
        ("XPENDING", "s", "g"), ("XINFO", "GROUPS", "s"),
        ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "$"),
        ("XREADGROUP", "GROUP", "nog", "c", "STREAMS", "s", ">"),
        ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "nokey", ">"),
        ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "t", ">", "bad"),
        ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "t", ">"),
        ("XREADGROUP", "STREAMS", "s", ">", "x", "y"), ("XREADGROUP", "GROUP", "g", "STREAMS", "s", ">"),
        ("XREADGROUP", "GROUP", "g", "c", "FOO", "STREAMS", "s", ">"),
        ("XREADGROUP", "GROUP", "g", "c", "COUNT", "x", "STREAMS", "s", ">"),
        ("XREADGROUP", "GROUP", "g", "c", "BLOCK", "x", "STREAMS", "s", ">"),
        ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", MAXID),
        ("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "s", "0", "0"),
        ("XINFO", "STREAM", "s", "FULL"), ("XINFO", "CONSUMERS", "s", "g"),
    ])


def test_xack_and_xpending(d):
    fill(d, n=6)
    d.check("XGROUP", "CREATE", "s", "g", "0")
    d.check("XREADGROUP", "GROUP", "g", "alice", "COUNT", "3", "STREAMS", "s", ">")
    d.check("XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", ">")
    d.check("XCLAIM", "s", "g", "bob", "0", "1-0", "IDLE", "500000")
    run(d, [
        ("XPENDING", "s", "g"), ("XPENDING", "s", "g", "-", "+", "10"),
        ("XPENDING", "s", "g", "-", "+", "10", "alice"), ("XPENDING", "s", "g", "-", "+", "10", "zed"),
        ("XPENDING", "s", "g", "(1", "(5", "2"), ("XPENDING", "s", "g", "-", "+", "0"),
        ("XPENDING", "s", "g", "-", "+", "-1"), ("XPENDING", "s", "g", "IDLE", "400000", "-", "+", "10"),
        ("XPENDING", "s", "g", "IDLE", "400000", "-", "+", "10", "alice"),
        ("XPENDING", "s", "g", "idle", "x", "-", "+", "10"), ("XPENDING", "s", "g", "IDLE", "5", "-", "+"),
        ("XPENDING", "s", "g", "-", "+"), ("XPENDING", "s", "g", "-"),
        ("XPENDING", "s", "g", "-", "+", "10", "alice", "x", "y"), ("XPENDING", "s", "g", "-", "+", "x"),
        ("XPENDING", "s", "g", "bad", "+", "10"), ("XPENDING", "s", "nog"), ("XPENDING", "nokey", "g"),
        ("XPENDING", "nokey", "g", "bad", "+", "1"),
        ("XACK", "s", "g", "1-0", "1-0", "2", "9-0"), ("XACK", "s", "g", "3-0", "bad"),
        ("XACK", "s", "nog", "bad"), ("XACK", "nokey", "g", "1-0"), ("XPENDING", "s", "g"),
        ("XACK", "s", "g", "3-0", "4-0", "5-0", "6-0"), ("XPENDING", "s", "g"),
        ("XPENDING", "s", "g", "-", "+", "10"), ("XINFO", "CONSUMERS", "s", "g"),
    ])


def test_xclaim(d):
    fill(d, n=6)
    d.check("XGROUP", "CREATE", "s", "g", "0")
    d.check("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">")
    run(d, [
        ("XCLAIM", "s", "g", "bob", "0", "1-0", "2-0", "9-0"),
        ("XCLAIM", "s", "g", "bob", "3600000", "3-0"),
        ("XCLAIM", "s", "g", "bob", "0", "3-0", "JUSTID"),
        ("XCLAIM", "s", "g", "carol", "0", "4-0", "RETRYCOUNT", "7", "IDLE", "100000"),
        ("XCLAIM", "s", "g", "carol", "50000", "4-0", "JUSTID"),
        ("XCLAIM", "s", "g", "dave", "0", "4-0", "TIME", "1", "JUSTID"),
        ("XCLAIM", "s", "g", "dave", "0", "4-0", "TIME", "-5", "IDLE", "-3", "RETRYCOUNT", "-2"),
        ("XCLAIM", "s", "g", "erin", "0", "7-0", "FORCE"), ("XADD", "s", "7-0", "f", "v"),
        ("XCLAIM", "s", "g", "erin", "0", "7-0", "FORCE"),
        ("XCLAIM", "s", "g", "erin", "0", "7-0", "FORCE", "JUSTID"),
        ("XCLAIM", "s", "g", "frank", "0", "5-0", "LASTID", "9-0"), ("XINFO", "GROUPS", "s"),
        ("XCLAIM", "s", "g", "frank", "0", "99-0", "LASTID", "3-0"),
        ("XDEL", "s", "6-0"), ("XCLAIM", "s", "g", "frank", "0", "6-0", "5-0"),
        ("XCLAIM", "s", "g", "frank", "0", "5-0", "BOGUS"), ("XCLAIM", "s", "g", "f", "x", "5-0"),
        ("XCLAIM", "s", "g", "f", "-10", "5-0"), ("XCLAIM", "s", "g", "f", "0", "5-0", "IDLE"),
        ("XCLAIM", "s", "g", "f", "0", "5-0", "IDLE", "x"), ("XCLAIM", "s", "g", "f", "0", "5-0", "TIME", "x"),
        ("XCLAIM", "s", "g", "f", "0", "5-0", "RETRYCOUNT", "x"),
        ("XCLAIM", "s", "g", "f", "0", "5-0", "LASTID", "x"), ("XCLAIM", "s", "g", "f", "0", "x", "5-0"),
        ("XCLAIM", "s", "nog", "f", "x", "5-0"), ("XCLAIM", "nokey", "g", "f", "x", "5-0"),
        ("XPENDING", "s", "g", "-", "+", "20"), ("XINFO", "CONSUMERS", "s", "g"),
        ("XINFO", "STREAM", "s", "FULL"),
    ])


def test_xautoclaim(d):
    fill(d, n=8)
    d.check("XGROUP", "CREATE", "s", "g", "0")
    d.check("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">")
    d.check("XDEL", "s", "2-0", "5-0")
    run(d, [
        ("XAUTOCLAIM", "s", "g", "bob", "3600000", "0"),
        ("XAUTOCLAIM", "s", "g", "bob", "0", "0", "COUNT", "2"),
        ("XAUTOCLAIM", "s", "g", "bob", "0", "(3-0", "COUNT", "2", "JUSTID"),
        ("XAUTOCLAIM", "s", "g", "carol", "0", "-", "COUNT", "3"),
        ("XAUTOCLAIM", "s", "g", "carol", "0", "7-0"), ("XAUTOCLAIM", "s", "g", "carol", "0", "9"),
        ("XAUTOCLAIM", "s", "g", "carol", "-5", "0", "JUSTID", "COUNT", "100"),
        ("XAUTOCLAIM", "s", "g", "c", "0", "0", "COUNT", "0"),
        ("XAUTOCLAIM", "s", "g", "c", "0", "0", "COUNT", "-1"),
        ("XAUTOCLAIM", "s", "g", "c", "0", "0", "COUNT", "x"),
        ("XAUTOCLAIM", "s", "g", "c", "0", "0", "COUNT", "576460752303423488"),
        ("XAUTOCLAIM", "s", "g", "c", "0", "0", "COUNT"), ("XAUTOCLAIM", "s", "g", "c", "0", "0", "X"),
        ("XAUTOCLAIM", "s", "g", "c", "x", "0"), ("XAUTOCLAIM", "s", "g", "c", "0", "bad"),
        ("XAUTOCLAIM", "s", "g", "c", "0", "(" + MAXID), ("XAUTOCLAIM", "s", "nog", "c", "0", "0"),
        ("XAUTOCLAIM", "nokey", "g", "c", "0", "0"), ("XAUTOCLAIM", "nokey", "g", "c", "0", "bad"),
        ("XPENDING", "s", "g", "-", "+", "20"), ("XINFO", "CONSUMERS", "s", "g"),
    ])


def test_xautoclaim_attempts(diff):
    """COUNT bounds the entries returned (claimed or deleted) and, times 10, the entries
    looked at: the cursor is the next one not looked at."""
    fill(diff, n=30)
    diff.check("XGROUP", "CREATE", "s", "g", "0")
    diff.check("XREADGROUP", "GROUP", "g", "a", "STREAMS", "s", ">")
    diff.check("XCLAIM", "s", "g", "a", "0", "25-0", "26-0", "IDLE", "100000", "JUSTID")
    diff.check("XDEL", "s", "27-0")
    run(diff, [("XAUTOCLAIM", "s", "g", "b", "50000", "0", "COUNT", "1"),
               ("XAUTOCLAIM", "s", "g", "b", "50000", "0", "COUNT", "2"),
               ("XAUTOCLAIM", "s", "g", "b", "50000", "0", "COUNT", "3", "JUSTID"),
               ("XAUTOCLAIM", "s", "g", "b", "50000", "0", "COUNT", "4", "JUSTID")])


def test_xinfo(d):
    fill(d, n=4)
    run(d, [
        ("XINFO", "HELP"), ("XINFO", "STREAM", "s"), ("XINFO", "STREAM", "s", "FULL"),
        ("XINFO", "STREAM", "s", "full", "COUNT", "2"), ("XINFO", "STREAM", "s", "FULL", "COUNT", "0"),
        ("XINFO", "STREAM", "s", "FULL", "COUNT", "-1"), ("XINFO", "STREAM", "s", "FULL", "COUNT", "x"),
        ("XINFO", "STREAM", "s", "FULL", "COUNT"), ("XINFO", "STREAM", "s", "FOO"),
        ("XINFO", "STREAM", "s", "FULL", "FOO", "1"), ("XINFO", "STREAM", "s", "FULL", "COUNT", "1", "x"),
        ("XINFO", "STREAM", "nokey"), ("XINFO", "STREAM", "nokey", "FOO"), ("XINFO", "GROUPS", "s"),
        ("XINFO", "GROUPS", "nokey"), ("XINFO", "CONSUMERS", "s", "g"), ("XINFO", "CONSUMERS", "nokey", "g"),
        ("XGROUP", "CREATE", "s", "g", "0"), ("XGROUP", "CREATE", "s", "a", "$"),
        ("XREADGROUP", "GROUP", "g", "c2", "COUNT", "2", "STREAMS", "s", ">"),
        ("XREADGROUP", "GROUP", "g", "c1", "COUNT", "1", "STREAMS", "s", ">"),
        ("XGROUP", "CREATECONSUMER", "s", "g", "c0"), ("XINFO", "CONSUMERS", "s", "g"),
        ("XINFO", "STREAM", "s", "FULL", "COUNT", "1"), ("XINFO", "STREAM", "s", "FULL"),
    ])


def test_lag_and_entries_read(d):
    """XINFO GROUPS entries-read and lag through deletes, trims, SETID and XSETID."""
    fill(d, n=5)
    steps = [
        ("XGROUP", "CREATE", "s", "g0", "0"), ("XGROUP", "CREATE", "s", "g1", "1-0"),
        ("XGROUP", "CREATE", "s", "g2", "$"), ("XGROUP", "CREATE", "s", "g3", "3-0", "ENTRIESREAD", "3"),
        ("XGROUP", "CREATE", "s", "g4", "9-0"), ("XGROUP", "CREATE", "s", "g5", "0", "ENTRIESREAD", "9"),
        ("XREADGROUP", "GROUP", "g0", "c", "COUNT", "2", "STREAMS", "s", ">"),
        ("XDEL", "s", "4-0"), ("XREADGROUP", "GROUP", "g0", "c", "COUNT", "1", "STREAMS", "s", ">"),
        ("XREADGROUP", "GROUP", "g0", "c", "STREAMS", "s", ">"), ("XADD", "s", "6-0", "f", "v"),
        ("XDEL", "s", "1-0"), ("XTRIM", "s", "MAXLEN", "2"),
        ("XREADGROUP", "GROUP", "g1", "c", "NOACK", "STREAMS", "s", ">"),
        ("XGROUP", "SETID", "s", "g2", "2-0"), ("XSETID", "s", "8-0", "ENTRIESADDED", "20"),
        ("XREADGROUP", "GROUP", "g3", "c", "COUNT", "1", "STREAMS", "s", ">"),
        ("XDEL", "s", "5-0", "6-0"), ("XADD", "s", "9-0", "f", "v"),
        ("XREADGROUP", "GROUP", "g5", "c", "COUNT", "1", "STREAMS", "s", ">"),
        ("XTRIM", "s", "MAXLEN", "0"),
    ]
    for step in steps:
        d.check(*step, normalize=norm)
        d.check("XINFO", "GROUPS", "s")
        d.check("XINFO", "STREAM", "s", normalize=norm)


def test_xsetid(d):
    fill(d, n=3)
    run(d, [
        ("XSETID", "s", "2-0"), ("XSETID", "s", "3-0"), ("XSETID", "s", "5-0", "ENTRIESADDED", "2"),
        ("XSETID", "s", "5-0", "ENTRIESADDED", "-1"), ("XSETID", "s", "5-0", "ENTRIESADDED", "x"),
        ("XSETID", "s", "5-0", "MAXDELETEDID", "6-0"), ("XSETID", "s", "5-0", "MAXDELETEDID", "bad"),
        ("XSETID", "s", "5-0", "ENTRIESADDED", "10", "MAXDELETEDID", "4-0"),
        ("XINFO", "STREAM", "s"), ("XSETID", "s", "4-5"), ("XSETID", "s", "bad"),
        ("XSETID", "s", "9-0", "FOO"), ("XSETID", "s", "9-0", "ENTRIESADDED"),
        ("XSETID", "nokey", "1-0"), ("XSETID", "nokey", "bad"), ("XSETID", "nokey", "1-0", "FOO"),
        ("XADD", "s", "5-0", "f", "v"), ("XADD", "s", "*", "f", "v"),
        ("XDEL", "s", "1-0", "2-0", "3-0"), ("XADD", "e", "1-0", "f", "v"), ("XDEL", "e", "1-0"),
        ("XSETID", "e", "0-5"), ("XSETID", "e", "1-0", "ENTRIESADDED", "0"), ("XINFO", "STREAM", "e"),
        ("XSETID", "s", MAXID), ("XADD", "s", "*", "f", "v"), ("XINFO", "STREAM", "s"),
    ])


# ------------------------------------------------------------------ blocking


def send(pair, *args):
    data = encode_command(args)
    for c in pair:
        c.send(data)


def reply(pair, normalize=None):
    got, want = pair[0].read_reply(), pair[1].read_reply()
    if normalize:
        got, want = normalize(got), normalize(want)
    assert got == want, f"\n strata: {got!r}\n redis:  {want!r}"
    return want


def silent(pair, wait=0.05):
    assert [c.read_available(wait) for c in pair] == [b"", b""]


def blocked_clients(client):
    info = client.call("INFO", "clients")
    return int(info.split(b"blocked_clients:")[1].split(b"\r\n")[0])


def block(d, *args):
    pair = d.pair()
    before = blocked_clients(d.s)
    send(pair, *args)
    deadline = time.time() + 5
    while [blocked_clients(d.s), blocked_clients(d.o)] != [before + 1] * 2:
        assert time.time() < deadline, "clients did not block"
        time.sleep(0.005)
    return pair


@pytest.fixture(params=[2, 3], ids=["resp2", "resp3"])
def bd(request, diff, diff3):
    return diff if request.param == 2 else diff3


def test_xread_block_wakes(bd):
    fill(bd, n=2)
    dollar = block(bd, "XREAD", "BLOCK", "0", "STREAMS", "nokey", "s", "$", "$")
    after = block(bd, "XREAD", "COUNT", "2", "BLOCK", "0", "STREAMS", "s", "2-0")
    created = block(bd, "XREAD", "BLOCK", "0", "STREAMS", "s", "nokey", "9-0", "0")
    silent(dollar)
    bd.check("XADD", "s", "3-0", "a", "1")
    reply(dollar)
    reply(after)
    silent(created)
    bd.check("XADD", "nokey", "1-0", "b", "2")
    reply(created)
    assert blocked_clients(bd.s) == 0


def test_xread_block_timeout(bd):
    pair = bd.pair()
    send(pair, "XREAD", "BLOCK", "50", "STREAMS", "s", "$")
    reply(pair)
    bd.check("XADD", "s", "1-0", "f", "v")
    send(pair, "XREAD", "BLOCK", "50", "STREAMS", "s", "1-0")
    reply(pair)


def test_xread_block_served_by_id_not_entries(bd):
    """A waiter is served when the last ID passes its own, even if the entry is gone."""
    fill(bd, n=1)
    w = block(bd, "XREAD", "BLOCK", "0", "STREAMS", "s", "$")
    run(bd, [("MULTI",), ("XADD", "s", "2-0", "f", "v"), ("XDEL", "s", "2-0"), ("EXEC",)])
    reply(w)
    w = block(bd, "XREAD", "BLOCK", "0", "STREAMS", "s", "$")
    run(bd, [("XSETID", "s", "5-0"), ("XADD", "s", "4-0", "f", "v")])
    silent(w)
    bd.check("XADD", "s", "6-0", "f", "v")
    reply(w)


def test_xread_block_other_types(bd):
    w = block(bd, "XREAD", "BLOCK", "0", "STREAMS", "s", "0")
    run(bd, [("RPUSH", "s", "x"), ("DEL", "s"), ("SET", "s", "v"), ("DEL", "s")])
    silent(w)
    bd.check("XADD", "s", "1-0", "f", "v")
    reply(w)


def test_xreadgroup_block(bd):
    fill(bd, n=2)
    bd.check("XGROUP", "CREATE", "s", "g", "$")
    first = block(bd, "XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "s", ">")
    second = block(bd, "XREADGROUP", "GROUP", "g", "bob", "COUNT", "1", "BLOCK", "0",
                   "STREAMS", "s", ">")
    noack = block(bd, "XREADGROUP", "GROUP", "g", "carol", "NOACK", "BLOCK", "0",
                  "STREAMS", "s", ">")
    bd.check("XADD", "s", "3-0", "a", "1")
    reply(first)
    silent(second)
    run(bd, [("MULTI",), ("XADD", "s", "4-0", "a", "1"), ("XADD", "s", "5-0", "a", "1"),
             ("EXEC",)])
    reply(second)
    reply(noack)
    run(bd, [("XPENDING", "s", "g"), ("XINFO", "GROUPS", "s"), ("XINFO", "CONSUMERS", "s", "g")])


def test_xreadgroup_block_group_destroyed(bd):
    fill(bd, n=1)
    bd.check("XGROUP", "CREATE", "s", "g", "$")
    bd.check("XGROUP", "CREATE", "s", "other", "$")
    w = block(bd, "XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">")
    bd.check("XGROUP", "DESTROY", "s", "other")
    silent(w)
    bd.check("XGROUP", "DESTROY", "s", "g")
    reply(w)
    run(bd, [("XGROUP", "CREATE", "s", "g", "$"), ("XINFO", "CONSUMERS", "s", "g")])


def test_xreadgroup_block_key_replaced(bd):
    """A waiter on a stream that becomes another type is told the stream is gone."""
    bd.check("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
    w = block(bd, "XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">")
    run(bd, [("MULTI",), ("DEL", "s"), ("RPUSH", "s", "x"), ("EXEC",)])
    reply(w)


def test_xreadgroup_block_key_deleted(bd):
    bd.check("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
    w = block(bd, "XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">")
    bd.check("DEL", "s")
    got, want = (c.read_available(0.2) for c in w)
    assert got == want


def test_xreadgroup_block_timeout(bd):
    bd.check("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
    pair = bd.pair()
    send(pair, "XREADGROUP", "GROUP", "g", "c", "BLOCK", "50", "STREAMS", "s", ">")
    reply(pair)
    bd.check("XINFO", "CONSUMERS", "s", "g")


# ------------------------------------------------------------------ events, dirty, WATCH


EFFECTS_SCRIPT = [
    ("XADD", "s", "1-0", "f", "v"), ("XADD", "s", "2-0", "f", "v"), ("XADD", "s", "1-0", "f", "v"),
    ("XADD", "n", "NOMKSTREAM", "1-0", "f", "v"), ("XADD", "s", "MAXLEN", "1", "3-0", "f", "v"),
    ("XADD", "s", "MAXLEN", "~", "1", "4-0", "f", "v"), ("XTRIM", "s", "MAXLEN", "5"),
    ("XADD", "s", "5-0", "f", "v"), ("XADD", "s", "6-0", "f", "v"), ("XTRIM", "s", "MAXLEN", "1"),
    ("XDEL", "s", "6-0", "9-0"), ("XDEL", "s", "9-0"), ("XADD", "s", "7-0", "f", "v"),
    ("XADD", "s", "8-0", "f", "v"), ("XGROUP", "CREATE", "s", "g", "0"),
    ("XGROUP", "CREATE", "s", "g", "0"), ("XGROUP", "CREATE", "m", "g", "$", "MKSTREAM"),
    ("XGROUP", "SETID", "s", "g", "0"), ("XGROUP", "CREATECONSUMER", "s", "g", "c"),
    ("XGROUP", "CREATECONSUMER", "s", "g", "c"),
    ("XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "s", ">"),
    ("XREADGROUP", "GROUP", "g", "d", "STREAMS", "s", "s", ">", ">"),
    ("XREADGROUP", "GROUP", "g", "e", "STREAMS", "s", ">"),
    ("XREADGROUP", "GROUP", "g", "e", "STREAMS", "s", "0"),
    ("XREADGROUP", "GROUP", "g", "f", "NOACK", "STREAMS", "s", "0"),
    ("XACK", "s", "g", "7-0", "7-0", "9-0"), ("XCLAIM", "s", "g", "h", "0", "8-0"),
    ("XCLAIM", "s", "g", "h", "0", "9-0"), ("XCLAIM", "s", "g", "h", "0", "9-0", "LASTID", "9-0"),
    ("XAUTOCLAIM", "s", "g", "i", "0", "0"), ("XDEL", "s", "8-0"),
    ("XAUTOCLAIM", "s", "g", "i", "0", "0"), ("XGROUP", "DELCONSUMER", "s", "g", "c"),
    ("XGROUP", "DELCONSUMER", "s", "g", "zz"), ("XSETID", "s", "20-0"),
    ("XGROUP", "DESTROY", "s", "g"), ("XGROUP", "DESTROY", "s", "g"), ("XTRIM", "s", "MAXLEN", "0"),
    ("XREAD", "STREAMS", "s", "0"), ("DEL", "s"),
]


def test_events_and_dirty_match_redis(oracle_server):
    want = oracle_effects(oracle_server, EFFECTS_SCRIPT)
    eng = Engine()
    rec = Recorder(eng)
    for cmd, expected in zip(EFFECTS_SCRIPT, want):
        before = eng.dirty
        with contextlib.suppress(ReplyError):
            eng.execute(*cmd)
        assert (rec.take()[1], eng.dirty - before) == expected, cmd


def test_hits_and_misses_match_redis(diff):
    fields = (b"keyspace_hits", b"keyspace_misses")

    def counters(c):
        info = c.call("INFO", "stats")
        values = dict(line.split(b":", 1) for line in info.split(b"\r\n") if b":" in line)
        return [int(values[f]) for f in fields]

    script = [("XADD", "s", "1-0", "f", "v"), ("XLEN", "s"), ("XLEN", "n"), ("XRANGE", "s", "-", "+"),
              ("XREAD", "STREAMS", "s", "n", "0", "0"), ("XGROUP", "CREATE", "s", "g", "0"),
              ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"), ("XPENDING", "s", "g"),
              ("XACK", "s", "g", "1-0"), ("XINFO", "STREAM", "s"), ("XCLAIM", "s", "g", "c", "0", "1-0")]
    before = [counters(diff.s), counters(diff.o)]
    run(diff, script)
    after = [counters(diff.s), counters(diff.o)]
    assert [a - b for a, b in zip(after[0], before[0])] == \
        [a - b for a, b in zip(after[1], before[1])]


WATCH_CASES = [
    ("XACK", "s", "g", "1-0"), ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"),
    ("XCLAIM", "s", "g", "c", "0", "1-0", "FORCE"), ("XGROUP", "CREATE", "s", "g2", "0"),
    ("XGROUP", "SETID", "s", "g", "0"), ("XGROUP", "DESTROY", "s", "g"), ("XSETID", "s", "9-0"),
    ("XTRIM", "s", "MAXLEN", "5"), ("XTRIM", "s", "MAXLEN", "1"), ("XDEL", "s", "1-0"),
    ("XDEL", "s", "7-0"), ("XADD", "s", "3-0", "a", "b"), ("XGROUP", "CREATE", "n", "g", "$", "MKSTREAM"),
]


@pytest.mark.parametrize("cmd", WATCH_CASES, ids=lambda c: " ".join(c))
def test_watch(diff, cmd):
    fill(diff, n=2)
    diff.check("XGROUP", "CREATE", "s", "g", "0")
    s, o = diff.pair()
    run(diff, [("WATCH", "s", "n")])
    assert norm(s.call(*cmd)) == norm(o.call(*cmd))
    run(diff, [("MULTI",), ("PING",), ("EXEC",)])


# ------------------------------------------------------------------ replication form


def oracle_replication(oracle_server, script):
    """What the oracle sends a replica for each command of ``script`` (MULTI/EXEC and
    SELECT left out): a SYNC link, and a PUBLISH (replicated too) after each command."""
    link = RawClient(oracle_server.host, oracle_server.port)
    o = RawClient(oracle_server.host, oracle_server.port)
    reader = hiredis.Reader()
    out = []
    try:
        o.call("FLUSHALL")
        link.send(b"SYNC\r\n")
        while True:  # newlines keep the link alive until the RDB payload comes
            while b"\n" not in link.buf:
                link._fill()
            if link.buf.startswith(b"\n"):
                link.buf = link.buf[1:]
                continue
            line, _, link.buf = link.buf.partition(b"\r\n")
            size = int(line[1:])
            while len(link.buf) < size:
                link._fill()
            link.buf = link.buf[size:]
            break
        for i, cmd in enumerate(script):
            o.call(*cmd)
            o.call("PUBLISH", "mark", str(i))
            sent = []
            while True:
                reader.feed(link.read_reply())
                argv = reader.gets()
                name = argv[0].lower()
                if name == b"publish":
                    break
                if name not in (b"select", b"multi", b"exec", b"ping"):
                    sent.append(argv)
            out.append(sent)
    finally:
        link.close()
        o.call("FLUSHALL")
        o.close()
    return out


_TIME_ARG = re.compile(rb"^1\d{12}(-\d+)?$")


def _norm_argvs(argvs):
    return [[b"<t>" if _TIME_ARG.match(a) else a for a in argv] for argv in argvs]


PROPAGATION_SCRIPT = [
    ("XADD", "s", "*", "f", "v"), ("XADD", "t", "1-*", "a", "1"), ("XADD", "t", "1-*", "a", "1"),
    ("XADD", "t", "NOMKSTREAM", "MINID", "~", "0", "2-*", "a", "1"),
] + [("XADD", "t", f"{i}-0", "a", "1") for i in range(3, 205)] + [
    ("XADD", "t", "MAXLEN", "~", "150", "205-0", "a", "1"),
    ("XADD", "t", "MAXLEN", "~", "150", "LIMIT", "50", "206-0", "a", "1"),
    ("XADD", "t", "MINID", "=", "3", "207-*", "a", "1"), ("XTRIM", "t", "MAXLEN", "~", "300"),
    ("XTRIM", "t", "MAXLEN", "~", "1", "LIMIT", "10"), ("XTRIM", "t", "MINID", "~", "110"),
    ("XTRIM", "t", "MAXLEN", "~", "0", "LIMIT", "100"), ("XTRIM", "t", "MINID", "~", "999"),
    ("XTRIM", "t", "MAXLEN", "~", "0"), ("XDEL", "t", "1-0"), ("XTRIM", "s", "MAXLEN", "0"),
    ("XADD", "u", "1-0", "a", "1"), ("XADD", "u", "2-0", "a", "1"), ("XDEL", "u", "1-0"),
    ("XADD", "u", "MINID", "~", "0", "3-0", "a", "1"),
    ("XADD", "q", "1-0", "f", "v"), ("XADD", "q", "2-0", "f", "v"), ("XADD", "q", "3-0", "f", "v"),
    ("XGROUP", "CREATE", "q", "g", "0"), ("XGROUP", "CREATE", "n", "g", "$", "MKSTREAM"),
    ("XREADGROUP", "GROUP", "g", "c", "COUNT", "2", "STREAMS", "q", ">"),
    ("XREADGROUP", "GROUP", "g", "n", "NOACK", "STREAMS", "q", ">"),
    ("XREADGROUP", "GROUP", "g", "n", "NOACK", "STREAMS", "q", ">"),
    ("XREADGROUP", "GROUP", "g", "m", "NOACK", "STREAMS", "q", "0"),
    ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "q", ">"),
    ("XREADGROUP", "GROUP", "g", "h", "STREAMS", "q", "0"),
    ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "q", "0"), ("XACK", "q", "g", "1-0"), ("XCLAIM", "q", "g", "d", "0", "2-0", "JUSTID"),
    ("XCLAIM", "q", "g", "d", "0", "2", "RETRYCOUNT", "5"),
    ("XCLAIM", "q", "g", "d", "0", "9-0", "LASTID", "7-0"), ("XGROUP", "SETID", "q", "g", "0"),
    ("XREADGROUP", "GROUP", "g", "e", "STREAMS", "q", ">"), ("XDEL", "q", "2-0"),
    ("XAUTOCLAIM", "q", "g", "f", "0", "0"), ("XDEL", "q", "3-0"),
    ("XCLAIM", "q", "g", "f", "0", "3-0"), ("XGROUP", "CREATECONSUMER", "q", "g", "z"),
    ("XGROUP", "DELCONSUMER", "q", "g", "z"), ("XSETID", "q", "9-0"),
    ("XGROUP", "DESTROY", "q", "g"),
]


def test_propagation_matches_redis(oracle_server):
    """What replicas receive, command by command, is what the oracle sends (MULTI/EXEC
    aside), except where Redis sends nothing for a change (see engine/commands/streams.py)."""
    want = oracle_replication(oracle_server, PROPAGATION_SCRIPT)
    eng = Engine()
    rec = Recorder(eng)
    for cmd, expected in zip(PROPAGATION_SCRIPT, want):
        with contextlib.suppress(ReplyError):
            eng.execute(*cmd)
        got = _norm_argvs(rec.take()[0])
        expected = _norm_argvs(expected)
        if cmd[0] == "XREADGROUP" and not expected:  # a change Redis replicates not at all
            create = [b"XGROUP", b"CREATECONSUMER", cmd[-2].encode(), b"g", cmd[3].encode()]
            assert got in ([], [create]), cmd
            continue
        assert [[a.lower() for a in argv[:2]] + argv[2:] for argv in got] == \
            [[a.lower() for a in argv[:2]] + argv[2:] for argv in expected], cmd


def test_propagation_of_served_waiters():
    """A woken XREADGROUP replicates as the XCLAIMs of what it was given."""
    eng = Engine()
    rec = Recorder(eng)
    x = eng.execute
    x("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
    waiter = eng.client(resp=2)
    waiter.can_block = True
    assert eng.call(waiter, [b"XREADGROUP", b"GROUP", b"g", b"c", b"BLOCK", b"0",
                             b"STREAMS", b"s", b">"]) is not None
    rec.take()
    x("XADD", "s", "1-0", "f", "v")
    props = rec.take()[0]
    assert props[0] == [b"XADD", b"s", b"1-0", b"f", b"v"]
    assert props[1][:6] == [b"XCLAIM", b"s", b"g", b"c", b"0", b"1-0"]


def test_memory_accounting():
    eng = Engine()
    x = eng.execute
    for i in range(1, 300):
        x("XADD", "s", f"{i}-0", "field", "v" * (i % 50))
    x("XDEL", "s", "5-0", "200-0")
    x("XTRIM", "s", "MAXLEN", "~", "150")
    x("XGROUP", "CREATE", "s", "g", "0")
    db = eng.dbs[0]
    value = db.peek(b"s")
    assert isinstance(value, StreamValue) and value.cost == value.memory_usage()
    assert db.used_memory > value.memory_usage()
    x("DEL", "s")
    assert db.used_memory == 0


# ------------------------------------------------------------------ redis-py


def test_redis_py(r):
    assert r.xadd("s", {"a": "1"}, id="1-0") == b"1-0"
    sid = r.xadd("s", {"b": "2"})
    assert r.xlen("s") == 2
    assert r.xrange("s") == [(b"1-0", {b"a": b"1"}), (sid, {b"b": b"2"})]
    assert r.xread({"s": "1-0"}) == [[b"s", [(sid, {b"b": b"2"})]]]
    assert r.xread({"s": "$"}, block=20) == []
    assert r.xgroup_create("s", "g", id="0") is True
    got = r.xreadgroup("g", "c", {"s": ">"}, count=1)
    assert got == [[b"s", [(b"1-0", {b"a": b"1"})]]]
    assert r.xpending("s", "g")["pending"] == 1
    rows = r.xpending_range("s", "g", min="-", max="+", count=10)
    assert [(p["message_id"], p["consumer"], p["times_delivered"]) for p in rows] == \
        [(b"1-0", b"c", 1)]
    cursor, claimed, deleted = r.xautoclaim("s", "g", "d", min_idle_time=0, start_id="0")
    assert (cursor, claimed, deleted) == (b"0-0", [(b"1-0", {b"a": b"1"})], [])
    assert r.xack("s", "g", "1-0") == 1
    assert r.xinfo_stream("s")["length"] == 2
    assert [g["name"] for g in r.xinfo_groups("s")] == [b"g"]
    assert r.xtrim("s", maxlen=0) == 2
