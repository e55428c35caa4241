"""Every encoding older Redis versions wrote (zipmap, ziplist, intset, quicklist of
ziplists, text doubles, second expiries, the first stream layout) and RDB versions 1..11:
files built by tests/persistence/rdbgen.py are loaded by redis-server 7.0 and by Strata,
and the two datasets must be the same. Version 11's encodings (set listpacks, streams with
consumer active time), which 7.0 cannot read, are checked against their expected content.
Corrupt files are refused with an error, never a crash."""

import os
import struct

import pytest

from engine import Engine
from engine.persistence import rdb
from tests.persistence import rdbgen as g
from tests.persistence.helpers import assert_same, dataset, engine_call, load_into_redis, \
    redis_call

pytestmark = pytest.mark.oracle

S = g.string


def _load_strata(tmp_path, data: bytes, **options) -> Engine:
    path = os.path.join(str(tmp_path), "in.rdb")
    with open(path, "wb") as f:
        f.write(data)
    e = Engine(**options)
    e.persistence.load_file(path)
    return e


def _both(oracle, r_oracle, tmp_path, data: bytes) -> Engine:
    path = os.path.join(str(tmp_path), "legacy.rdb")
    with open(path, "wb") as f:
        f.write(data)
    load_into_redis(oracle, path)
    e = _load_strata(tmp_path, data)
    assert_same(dataset(redis_call(r_oracle)), dataset(engine_call(e)))
    return e


def _old_encodings(version: int) -> bytes:
    f = g.RDBFile(version)
    if version >= 7:
        f.aux(b"redis-ver", b"3.2.0").aux(b"redis-bits", b"64")
    f.select(0, (20, 2) if version >= 7 else None)
    f.key(0, b"s:plain", S(b"hello"))
    f.key(0, b"s:int8", S(b"-12", True))
    f.key(0, b"s:int16", S(b"30000", True))
    f.key(0, b"s:int32", S(b"-2000000000", True))
    f.key(0, b"s:lzf", g.lzf_string(b"compress me " * 20))
    f.key(1, b"l:plain", g.length(3) + S(b"a") + S(b"b") + S(b"7", True))
    f.key(2, b"set:plain", g.length(3) + S(b"x") + S(b"y") + S(b"1", True))
    f.key(3, b"z:text", g.length(4) + S(b"a") + b"\x031.5" + S(b"b") + b"\xfe" + S(b"c")
          + b"\xff" + S(b"d") + b"\x09-3.25e+02")
    f.key(4, b"h:plain", g.length(2) + S(b"f1") + S(b"v1") + S(b"f2") + S(b"12", True))
    f.key(9, b"h:zipmap", S(g.zipmap([(b"a", b"1"), (b"bb", b"two"), (b"c", b"")], free=2)))
    f.key(10, b"l:ziplist", S(g.ziplist([b"x", 0, 12, 13, -1, 300, -70000, 1 << 20,
                                         -(1 << 30), 1 << 40, b"y" * 70, b""])))
    f.key(11, b"set:int16", S(g.intset([1, -2, 300], 2)))
    f.key(11, b"set:int32", S(g.intset([1, 70000, -70000], 4)))
    f.key(11, b"set:int64", S(g.intset([1, 1 << 40], 8)))
    f.key(12, b"z:ziplist", S(g.ziplist([b"m3", b"-inf", b"m1", b"1.5", b"m2", 3])))
    f.key(13, b"h:ziplist", S(g.ziplist([b"f", b"v", b"n", 42, b"e", b""])),
          expire_ms=4102444800000)
    f.key(0, b"s:expire-s", S(b"v"), expire_s=2000000000)
    if version >= 7:
        nodes = [g.ziplist([b"a%d" % i for i in range(5)]), g.ziplist([1, 2, 3, b"zz" * 40])]
        f.key(14, b"l:quicklist", g.length(2) + b"".join(S(n) for n in nodes))
    if version >= 8:
        f.key(5, b"z:binary", g.length(2) + S(b"p") + struct.pack("<d", 0.5) + S(b"q")
              + struct.pack("<d", -1e300), idle=100)
    return f.finish()


@pytest.mark.parametrize("version", [1, 3, 6, 7, 8, 9])
def test_old_encodings_load_as_redis_loads_them(oracle, r_oracle, tmp_path, version):
    _both(oracle, r_oracle, tmp_path, _old_encodings(version))


def _stream_v1() -> bytes:
    f = g.RDBFile(9)
    f.select(0)
    node1 = g.stream_listpack((100, 0), [((100, 0), [b"a", b"1", b"b", b"2"], False),
                                         ((100, 1), [b"a", b"3", b"b", b"4"], True),
                                         ((101, 0), [b"c", b"5"], False)])
    node2 = g.stream_listpack((200, 0), [((200, 0), [b"a", b"6", b"b", b"7"], False),
                                         ((200, 5), [b"a", b"8", b"b", b"9"], False)])
    payload = g.length(2) + S(g.stream_id(100, 0)) + S(node1) + S(g.stream_id(200, 0)) \
        + S(node2)
    payload += g.length(4) + g.length(200) + g.length(5)   # length, last id
    payload += g.length(1)  # one group
    payload += S(b"grp") + g.length(200) + g.length(0)     # name, last delivered
    payload += g.length(2)  # global PEL
    for ms, seq in ((100, 0), (200, 0)):
        payload += g.stream_id(ms, seq) + struct.pack("<q", 1700000000000) + g.length(2)
    payload += g.length(2)  # consumers
    payload += S(b"alice") + struct.pack("<q", 1700000000000) + g.length(1) \
        + g.stream_id(100, 0)
    payload += S(b"bob") + struct.pack("<q", 1700000000000) + g.length(1) \
        + g.stream_id(200, 0)
    f.key(15, b"stream:v1", payload)
    return f.finish()


def test_first_stream_layout_loads_as_redis_loads_it(oracle, r_oracle, tmp_path):
    _both(oracle, r_oracle, tmp_path, _stream_v1())


def test_aux_resizedb_idle_freq_and_databases(oracle, r_oracle, tmp_path):
    f = g.RDBFile(10)
    f.aux(b"redis-ver", b"7.0.15").aux(b"ctime", S(b"1700000000", True)[0:0] + b"1700000000")
    f.aux(b"aof-base", b"0")
    f.select(0, (2, 0)).key(0, b"a", S(b"1"), idle=50).key(0, b"b", S(b"2"), freq=9)
    f.select(5, (1, 1)).key(0, b"c", S(b"3"), expire_ms=4102444800000)
    _both(oracle, r_oracle, tmp_path, f.finish())


def test_version_11_encodings(tmp_path):
    f = g.RDBFile(11)
    f.select(0)
    f.key(20, b"set:lp", S(g.listpack([b"a", b"b", 7, -3])))
    node = g.stream_listpack((1, 0), [((1, 0), [b"f", b"v"], False)])
    payload = g.length(1) + S(g.stream_id(1, 0)) + S(node)
    payload += g.length(1) + g.length(1) + g.length(0)      # length, last id
    payload += g.length(1) + g.length(0) + g.length(0) + g.length(0)  # first, max deleted
    payload += g.length(1)                                   # entries added
    payload += g.length(1) + S(b"g") + g.length(1) + g.length(0) + g.length(1)
    payload += g.length(1) + g.stream_id(1, 0) + struct.pack("<q", 5) + g.length(3)
    payload += g.length(1) + S(b"c") + struct.pack("<q", 6) + struct.pack("<q", 7)
    payload += g.length(1) + g.stream_id(1, 0)
    f.key(21, b"stream:v3", payload)
    e = _load_strata(tmp_path, f.finish())
    call = engine_call(e)
    assert sorted(call("SMEMBERS", "set:lp")) == [b"-3", b"7", b"a", b"b"]
    assert call("XRANGE", "stream:v3", "-", "+") == [[b"1-0", [b"f", b"v"]]]
    pending = call("XPENDING", "stream:v3", "g", "-", "+", 10)
    assert pending[0][0] == b"1-0" and pending[0][1] == b"c" and pending[0][3] == 3


def test_checksum_is_verified(tmp_path):
    data = bytearray(_old_encodings(9))
    data[-1] ^= 0xFF
    with pytest.raises(rdb.RDBError, match="Wrong RDB checksum"):
        _load_strata(tmp_path, bytes(data))
    # a zero checksum means "saved with rdbchecksum no"
    data[-8:] = bytes(8)
    _load_strata(tmp_path, bytes(data))


@pytest.mark.parametrize("cut", [5, 9, 20, 60, -9, -1])
def test_truncated_files_are_refused(tmp_path, cut):
    data = _old_encodings(9)
    with pytest.raises(rdb.RDBError):
        _load_strata(tmp_path, data[:cut])


@pytest.mark.parametrize("data, message", [
    (b"REDIX0009\xff" + bytes(8), "Wrong signature"),
    (b"REDIS0012\xff" + bytes(8), "Can't handle RDB format version 12"),
    (b"REDIS0009\x10\x01k" + bytes(8), "Short read|integrity"),
    (b"REDIS0009\x3f\x01k\x01v\xff" + bytes(8), "Unknown RDB encoding type"),
    (b"REDIS0009\x06\x01k\xff" + bytes(8), "module"),
    # 7.0's RC function opcode: Redis 7.0 GA refuses it too (rdb.c)
    (b"REDIS0010\xf6\x01f\x03lua\x00\x01x\xff" + bytes(8),
     "Pre-release function format not supported"),
])
def test_malformed_files_are_refused(tmp_path, data, message):
    with pytest.raises(rdb.RDBError, match=message):
        _load_strata(tmp_path, data)


def test_duplicate_keys_are_refused(tmp_path):
    f = g.RDBFile(9).select(0).key(0, b"k", S(b"1")).key(0, b"k", S(b"2"))
    with pytest.raises(rdb.RDBError, match="duplicated key"):
        _load_strata(tmp_path, f.finish())


def test_empty_collections_are_skipped(tmp_path):
    f = g.RDBFile(9).select(0)
    f.key(10, b"empty-list", S(g.ziplist([]))).key(11, b"empty-set", S(g.intset([], 2)))
    f.key(0, b"kept", S(b"v"))
    e = _load_strata(tmp_path, f.finish())
    assert engine_call(e)("KEYS", "*") == [b"kept"]


def test_module_aux_is_skipped(tmp_path):
    f = g.RDBFile(9)
    # RDB_OPCODE_MODULE_AUX: module id, when_opcode (UINT), when, then values until EOF
    f.raw(b"\xf7" + g.length(12345) + g.length(2) + g.length(1)
          + g.length(2) + g.length(7) + g.length(5) + S(b"blob") + g.length(0))
    f.select(0).key(0, b"k", S(b"v"))
    e = _load_strata(tmp_path, f.finish())
    assert engine_call(e)("GET", "k") == b"v"
