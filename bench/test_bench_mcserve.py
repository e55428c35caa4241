"""A memcached connection's read, C twin beside Python twin: ``get`` hit, ``get`` of 10
keys and ``set`` of 32-byte values, each a whole read as memaslap sends it (no sockets)."""

import pytest

import native.mcserve
from bench.conftest import twin
from engine import Engine
from engine.memcached import state
from engine.memcached.connection import MemcachedConnection


class _Listener:
    def __init__(self, st):
        self.st = st
        self.port = 11211


class _Sink:
    """A transport that drops what it is given (the replies' size is checked once)."""

    def __init__(self):
        self.last = b""

    def write(self, data):
        self.last = data

    def get_extra_info(self, name, default=None):
        return None

    def set_write_buffer_limits(self, high, low):
        pass


KEY = b"\x10\x18\x10\x10\x10\x10\x10\x10CAR.vnGcwJukviXlc5Ywoftu"   # memaslap's shape
VALUE = b"v" * 32
READS = {
    "get": (b"get %s\r\n" % KEY, b"VALUE %s 0 32\r\n%s\r\nEND\r\n" % (KEY, VALUE)),
    "get10": (b"get" + b"".join(b" %s%d" % (KEY[:-1], i) for i in range(10)) + b"\r\n", None),
    "set": (b"set %s 0 0 32\r\n%s\r\n" % (KEY, VALUE), b"STORED\r\n"),
}


@pytest.mark.parametrize("name", list(READS))
def test_serve(benchmark, impl, name):
    mod = twin(native.mcserve, impl)
    if native.mcserve.IMPLEMENTATION != "c" and impl == "c":
        pytest.skip("the connection was built on the Python twin (STRATA_NO_EXTENSIONS)")
    eng = Engine()
    conn = MemcachedConnection(_Listener(state(eng)))
    conn.connection_made(_Sink())
    serve = mod.serve
    serve(conn, b"set %s 0 0 32\r\n%s\r\n" % (KEY, VALUE))
    for i in range(10):
        serve(conn, b"set %s%d 0 0 32\r\n%s\r\n" % (KEY[:-1], i, VALUE))
    data, want = READS[name]
    benchmark.group = "memcached serve " + name
    benchmark(serve, conn, data)
    if want is not None:
        assert bytes(conn.transport.last) == want
