"""RESP request handling compared byte for byte with redis-server: inline commands,
pipelining, partial frames, every protocol error (then the close), limits."""

import pytest

from tests.support.raw import ConnectionClosed, RawClient


def both_raw(diff, data: bytes, replies: int, closes: bool = False):
    """Send raw bytes on fresh connections to both servers; compare replies and whether
    the server then closes the connection."""
    s, o = diff.pair()
    s.send(data)
    o.send(data)
    out = []
    for _ in range(replies):
        got, want = s.read_reply(), o.read_reply()
        assert got == want, "%r\n strata: %r\n redis:  %r" % (data[:80], got, want)
        out.append(want)
    assert s.is_closed(0.5 if closes else 0.2) == o.is_closed(0.5 if closes else 0.2) == closes
    return out


@pytest.mark.parametrize("data,replies", [
    (b"PING\r\n", 1),
    (b"PING\n", 1),
    (b"ping hello\r\n", 1),
    (b"SET k v\r\nGET k\r\n", 2),
    (b'SET "a b" \'c d\'\r\nGET "a b"\r\n', 2),
    (b'SET k "\\x41\\x42\\n\\t\\"q\\""\r\nGET k\r\n', 2),
    (b"SET k 'it\\'s'\r\nGET k\r\n", 2),
    (b"\r\n\r\n  \r\nPING\r\n", 1),
    (b"   PING    \r\n", 1),
    (b"ECHO a\tb\r\n", 1),
    (b"*0\r\n*-1\r\nPING\r\n", 1),
    (b"*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$0\r\n\r\n", 2),
    (b"NOSUCHCMD a b c\r\n", 1),
    (b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\na\x00b\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n", 2),
])
def test_requests(diff, data, replies):
    both_raw(diff, data, replies)


@pytest.mark.parametrize("data,replies", [
    (b"*abc\r\n", 1),
    (b"*1\r\n$abc\r\n", 1),
    (b"*1\r\n+foo\r\n", 1),
    (b"*1\r\n$-5\r\n", 1),
    (b"*1\r\n$01\r\nx\r\n", 1),
    (b"*+1\r\n$4\r\nPING\r\n", 1),
    (b"*3000000000\r\n", 1),
    (b"*1\r\n$600000000\r\n", 1),
    (b'SET "unterminated\r\n', 1),
    (b'SET "a"b c\r\n', 1),
    (b"PING\r\n*1\r\n$x\r\n", 2),
    (b"SET k v\r\n*1\r\n:1\r\nGET k\r\n", 2),
])
def test_protocol_errors_then_close(diff, data, replies):
    both_raw(diff, data, replies, closes=True)


def test_too_big_inline_request(diff):
    both_raw(diff, b"x" * (64 * 1024 + 10), 1, closes=True)


def test_too_big_mbulk_count(diff):
    both_raw(diff, b"*" + b"1" * (64 * 1024 + 10), 1, closes=True)


def test_too_big_bulk_count(diff):
    both_raw(diff, b"*1\r\n$" + b"1" * (64 * 1024 + 10), 1, closes=True)


def test_split_at_every_byte(strata_server):
    """Partial frames stay buffered: a pipeline delivered one byte at a time works."""
    c = RawClient(strata_server.host, strata_server.port)
    data = (b"*3\r\n$3\r\nSET\r\n$2\r\nk1\r\n$5\r\nhello\r\n"
            b"PING\r\n*2\r\n$3\r\nGET\r\n$2\r\nk1\r\n")
    for i in range(len(data)):
        c.send(data[i:i + 1])
    assert [c.read_reply() for _ in range(3)] == [b"+OK\r\n", b"+PONG\r\n", b"$5\r\nhello\r\n"]
    c.close()


def test_pipeline_of_many(diff):
    cmds = []
    for i in range(500):
        cmds.append(["SET", "k%d" % i, "v%d" % i])
        cmds.append(["GET", "k%d" % i])
        cmds.append(["INCR", "n"])
    got = diff.s.pipeline(cmds)
    want = diff.o.pipeline(cmds)
    assert got == want


def test_large_bulk_in_chunks(diff):
    value = b"x" * (3 * 1024 * 1024 + 7)
    for c in (diff.s, diff.o):
        frame = b"*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$%d\r\n%s\r\n" % (len(value), value)
        for i in range(0, len(frame), 65536):
            c.send(frame[i:i + 65536])
        assert c.read_reply() == b"+OK\r\n"
    diff.check("GET", "big")


def test_proto_max_bulk_len_is_live(diff):
    """CONFIG SET proto-max-bulk-len applies to connections already open."""
    s, o = diff.pair()
    try:
        for c in (diff.s, diff.o):
            assert c.call("CONFIG", "SET", "proto-max-bulk-len", "1mb") == b"+OK\r\n"
        data = b"*2\r\n$4\r\nECHO\r\n$2000000\r\n"
        s.send(data)
        o.send(data)
        assert s.read_reply() == o.read_reply() == b"-ERR Protocol error: invalid bulk length\r\n"
    finally:
        for c in (diff.s, diff.o):
            c.call("CONFIG", "SET", "proto-max-bulk-len", "512mb")


def test_other_clients_unaffected_by_protocol_error(diff):
    diff.check("SET", "k", "v")
    s, o = diff.pair()
    s.send(b"*1\r\n$x\r\n")
    assert s.read_reply().startswith(b"-ERR Protocol error")
    with pytest.raises(ConnectionClosed):
        s.read_reply()
    diff.check("GET", "k")


def test_resp3_replies(diff3):
    diff3.check("SET", "k", "v")
    diff3.check("GET", "k")
    diff3.check("GET", "nokey")
    diff3.check("INCR", "n")
    diff3.check("NOSUCH")
