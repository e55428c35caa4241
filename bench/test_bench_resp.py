"""RESP parser and encoder micro-benchmarks, C twin beside Python twin."""

import pytest

import native.resp
from bench.conftest import twin
from native.resp_common import OK

SET_PIPELINE = b"".join(
    b"*3\r\n$3\r\nSET\r\n$%d\r\nkey:%d\r\n$10\r\nvalue-%04d\r\n" % (len(b"key:%d" % i), i, i)
    for i in range(16))
PING = b"*1\r\n$4\r\nPING\r\n"
INLINE_PING = b"PING\r\n"


@pytest.mark.parametrize("name,data,n", [("set_pipeline16", SET_PIPELINE, 16),
                                         ("ping", PING, 1), ("inline_ping", INLINE_PING, 1)],
                         ids=["set_pipeline16", "ping", "inline_ping"])
def test_parse(benchmark, impl, name, data, n):
    parser = twin(native.resp, impl).RequestParser()  # one per connection, reused
    benchmark.group = "parse " + name
    assert len(benchmark(parser.feed, data)) == n


LRANGE_ITEM = b"element-value-%03d"
VALUES = {
    "ok": (OK, 2),
    "int": (12345, 2),
    "bulk64": (b"v" * 64, 2),
    "array100": ([LRANGE_ITEM % i for i in range(100)], 2),
    "array600": ([LRANGE_ITEM % i for i in range(600)], 2),
    "resp3_map": ({b"field:%d" % i: b"value:%d" % i for i in range(10)}, 3),
}


@pytest.mark.parametrize("name", list(VALUES))
def test_encode(benchmark, impl, name):
    value, resp = VALUES[name]
    encode = twin(native.resp, impl).encode
    benchmark.group = "encode " + name
    assert benchmark(encode, value, resp) == native.resp.impl_py.encode(value, resp)


def test_encode_into_batch(benchmark, impl):
    """The server's shape: 16 replies appended to one batch buffer."""
    encode_into = twin(native.resp, impl).encode_into
    replies = [OK, 1, b"value-0001", None] * 4
    benchmark.group = "encode_into batch16"

    def batch():
        out = bytearray()
        for r in replies:
            encode_into(out, r, 2)
        return out
    benchmark(batch)
