"""Binary protocol, frame for frame against a real memcached 1.6.18 (status codes, bodies,
CAS, opaque echo, quiet variants, malformed frames and the connection closes they cause)."""

import struct

import pytest

from .mcdiff import binreq as R

GET, SET, ADD, REPLACE, DELETE, INCR, DECR, QUIT, FLUSH, GETQ, NOOP, VERSION, GETK, GETKQ, \
    APPEND, PREPEND, STAT, SETQ, ADDQ, REPLACEQ, DELETEQ, INCRQ, DECRQ, QUITQ, FLUSHQ, \
    APPENDQ, PREPENDQ = range(0x1B)
TOUCH, GAT, GATQ = 0x1C, 0x1D, 0x1E
SASL_LIST, SASL_AUTH, SASL_STEP = 0x20, 0x21, 0x22
GATK, GATKQ = 0x23, 0x24


def S(key, value, flags=0, exp=0, cas=0, op=SET, opaque=0xDEADBEEF):
    return R(op, key, struct.pack(">II", flags, exp), value, cas=cas, opaque=opaque)


def D(op, key, delta, initial=0, exp=0):
    return R(op, key, struct.pack(">QQI", delta, initial, exp))


T = lambda op, key, exp=100: R(op, key, struct.pack(">I", exp))  # noqa: E731

CASES = {
    "noop": [R(NOOP)],
    "version": [R(VERSION)],
    "set-get": [S(b"a", b"hello", 7), R(GET, b"a"), R(GETK, b"a"), R(GETQ, b"zz"),
                R(GETKQ, b"zz"), R(GET, b"zz"), R(GETK, b"zz")],
    "getq-hit": [S(b"a", b"v", 3), R(GETQ, b"a"), R(GETKQ, b"a")],
    "quiet-stores": [S(b"a", b"v", op=SETQ), S(b"a", b"v", op=ADDQ), S(b"zz", b"v", op=REPLACEQ),
                     S(b"a", b"w", op=REPLACEQ), R(GET, b"a")],
    "add-replace": [S(b"a", b"v", op=ADD), S(b"a", b"v", op=ADD), S(b"zz", b"v", op=REPLACE)],
    "delete": [R(DELETE, b"zz"), R(DELETEQ, b"zz"), S(b"a", b"v"), R(DELETEQ, b"a"),
               R(GET, b"a"), S(b"a", b"v"), R(DELETE, b"a")],
    "delete-cas": [S(b"a", b"v"), R(DELETE, b"a", cas=12345), R(GET, b"a")],
    "incr": [D(INCR, b"n", 5, 100), D(INCR, b"n", 5, 100), D(DECR, b"n", 500), R(GET, b"n")],
    "incr-nocreate": [D(INCR, b"n2", 5, 100, 0xFFFFFFFF), D(DECRQ, b"n2", 5, 100, 0xFFFFFFFF)],
    "incr-nonnum": [S(b"s", b"abc"), D(INCR, b"s", 5), D(INCRQ, b"s", 5)],
    "incrq": [D(INCRQ, b"n", 1), D(DECRQ, b"n", 1), R(GET, b"n")],
    "incr-wrap": [S(b"n", b"18446744073709551615"), D(INCR, b"n", 2), R(GET, b"n")],
    "incr-pad": [S(b"n", b"100"), D(DECR, b"n", 95), R(GET, b"n")],
    "incr-cas": [S(b"n", b"1"), R(INCR, b"n", struct.pack(">QQI", 1, 0, 0), cas=99)],
    "append": [S(b"s", b"abc", 9), R(APPEND, b"s", b"", b"XY"), R(APPEND, b"nokey", b"", b"XY"),
               R(PREPEND, b"s", b"", b"<"), R(APPENDQ, b"s", b"", b"!"),
               R(PREPENDQ, b"zz", b"", b"!"), R(GETK, b"s")],
    "append-cas": [S(b"s", b"abc"), R(APPEND, b"s", b"", b"XY", cas=77)],
    "touch-gat": [S(b"s", b"abc", 4), T(TOUCH, b"s"), T(TOUCH, b"zz"), T(GAT, b"s"),
                  T(GATK, b"s"), T(GATQ, b"zz"), T(GATKQ, b"zz"), T(GATQ, b"s"),
                  T(GAT, b"zz"), T(GATK, b"zz")],
    "touch-expire": [S(b"s", b"abc"), T(TOUCH, b"s", 1000000000), R(GET, b"s")],
    "set-expired": [S(b"s", b"abc", exp=1000000000), R(GET, b"s")],
    "flush": [S(b"a", b"v"), R(FLUSH), R(FLUSH, extras=struct.pack(">I", 0)), R(FLUSHQ),
              R(GET, b"a")],
    "cas": [S(b"c", b"1"), S(b"c", b"2", cas=1), S(b"zz", b"2", cas=1, op=REPLACE),
            S(b"zz2", b"2", cas=1, op=ADD)],
    "stat-unknown": [R(STAT, b"nosuch")],
    "stat-reset": [R(STAT, b"reset")],
    "stat-detail": [R(STAT, b"detail"), R(STAT, b"detail on"), R(STAT, b"detail off")],
    "sasl-off": [R(SASL_LIST), R(SASL_AUTH, b"PLAIN", b"", b"\0u\0p"),
                 R(SASL_STEP, b"PLAIN", b"", b"abc")],
    "unknown": [R(0x50)],
    "datatype": [R(NOOP) + b""],
    "opaque": [S(b"a", b"v", opaque=1), R(GET, b"a", opaque=0xFFFFFFFF), R(NOOP, opaque=7)],
    "empty-value": [S(b"e", b""), R(GET, b"e")],
    "binary-key": [S(b"\x00\x01\xff", b"v"), R(GETK, b"\x00\x01\xff")],
    "touch-extra-body": [T(TOUCH, b"s")],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_binary_matches_memcached(mcdiff, name):
    mcdiff.binary(*CASES[name])


CLOSE_CASES = {
    "quit": [R(QUIT), R(NOOP)],
    "quitq": [R(QUITQ), R(NOOP)],
    "unknown-with-body": [R(0x50, b"abc", b"", b"defgh"), R(NOOP), R(NOOP)],
    "bad-magic": [R(NOOP), R(NOOP, magic=0x00)],
    "bad-magic-more": [R(NOOP) * 3, R(NOOP, magic=0x81), R(NOOP)],
    "bad-get-extras": [R(GET, b"a", b"1234")],
    "keylen-over-body": [S(b"a", b"v"), R(GET, b"a", bodylen=0)],
    "long-key": [R(GET, b"k" * 251)],
    "version-with-body": [R(VERSION, b"x")],
    "stat-with-value": [R(STAT, b"", b"", b"xx"), R(NOOP)],
    "set-no-extras": [R(SET, b"a", b"", b"v")],
    "incr-bad-extras": [R(INCR, b"a", b"12345678")],
    "noop-with-key": [R(NOOP, b"k")],
    "flush-bad-extras": [R(FLUSH, b"", b"12")],
    "delete-with-value": [R(DELETE, b"a", b"", b"v")],
    "touch-no-extras": [R(TOUCH, b"a")],
    "sasl-list-key": [R(SASL_LIST, b"x")],
}


@pytest.mark.parametrize("name", sorted(CLOSE_CASES))
def test_binary_close_matches_memcached(mcdiff, name):
    mcdiff.binary(*CLOSE_CASES[name], sentinel=False)


def test_binary_too_large(mcdiff):
    big = b"x" * 2000000
    mcdiff.binary(S(b"a", b"v"), S(b"a", big), R(GET, b"a"))
    mcdiff.binary(S(b"a", b"v"), S(b"a", big, op=SETQ), R(GET, b"a"))
    mcdiff.binary(S(b"a", b"v"), R(APPEND, b"a", b"", big), R(GET, b"a"))
    n = 1048516
    mcdiff.binary(S(b"a", b"x" * n), S(b"a", b"x" * (n + 1)), R(GETK, b"zz"))


def test_binary_stats_frames(mc_port):
    from .mcdiff import exchange
    out, closed = exchange(mc_port, R(STAT), expect=R(STAT)[:0] + b"")
    assert not closed
    frames = []
    i = 0
    while i + 24 <= len(out):
        kl = struct.unpack_from(">H", out, i + 2)[0]
        bl = struct.unpack_from(">I", out, i + 8)[0]
        frames.append(out[i + 24:i + 24 + kl])
        i += 24 + bl
    assert frames[-1] == b"" and b"pid" in frames and b"curr_items" in frames
