"""A small, independent RDB writer for tests: the encodings older Redis versions wrote
(zipmap, ziplist, intset, quicklist of ziplists, text doubles, second expiries, the first
stream layout) and 7.2's (set listpacks, streams with active time). Written from the
format descriptions, separately from engine/persistence/rdb.py, so that a file built here
can be handed both to redis-server 7.0 (which reads every old encoding) and to Strata, and
their contents compared."""

import struct
from typing import Iterable, List, Optional, Sequence, Tuple, Union

from native.crc64 import crc64

Item = Union[bytes, int]


def length(n: int) -> bytes:
    if n < 64:
        return bytes((n,))
    if n < 16384:
        return bytes((0x40 | (n >> 8), n & 0xFF))
    if n < 1 << 32:
        return b"\x80" + struct.pack(">I", n)
    return b"\x81" + struct.pack(">Q", n)


def string(s: bytes, encode_int: bool = False) -> bytes:
    if encode_int:
        v = int(s)
        if -128 <= v <= 127:
            return b"\xc0" + struct.pack("<b", v)
        if -32768 <= v <= 32767:
            return b"\xc1" + struct.pack("<h", v)
        return b"\xc2" + struct.pack("<i", v)
    return length(len(s)) + s


def lzf_string(s: bytes) -> bytes:
    from native.lzf import compress
    c = compress(s, len(s) - 4)
    assert c is not None
    return b"\xc3" + length(len(c)) + length(len(s)) + c


# ------------------------------------------------------------------ ziplist
def _zl_entry(prevlen: int, item: Item) -> bytes:
    prev = bytes((prevlen,)) if prevlen < 254 else b"\xfe" + struct.pack("<I", prevlen)
    if isinstance(item, int):
        v = item
        if 0 <= v <= 12:
            enc = bytes((0xF1 + v,))
        elif -128 <= v <= 127:
            enc = b"\xfe" + struct.pack("<b", v)
        elif -32768 <= v <= 32767:
            enc = b"\xc0" + struct.pack("<h", v)
        elif -(1 << 23) <= v < (1 << 23):
            enc = b"\xf0" + struct.pack("<i", v)[:3]
        elif -(1 << 31) <= v < (1 << 31):
            enc = b"\xd0" + struct.pack("<i", v)
        else:
            enc = b"\xe0" + struct.pack("<q", v)
    else:
        n = len(item)
        if n < 64:
            enc = bytes((n,)) + item
        elif n < 16384:
            enc = bytes((0x40 | (n >> 8), n & 0xFF)) + item
        else:
            enc = b"\x80" + struct.pack(">I", n) + item
    return prev + enc


def ziplist(items: Sequence[Item]) -> bytes:
    body = b""
    prevlen = 0
    tail = 10
    for it in items:
        e = _zl_entry(prevlen, it)
        tail = 10 + len(body)
        body += e
        prevlen = len(e)
    total = 10 + len(body) + 1
    return struct.pack("<IIH", total, tail, min(len(items), 65535)) + body + b"\xff"


# ------------------------------------------------------------------ zipmap, intset
def zipmap(pairs: Sequence[Tuple[bytes, bytes]], free: int = 0) -> bytes:
    def ln(n: int) -> bytes:
        return bytes((n,)) if n < 254 else b"\xfe" + struct.pack("<I", n)
    out = bytes((min(len(pairs), 254),))
    for k, v in pairs:
        out += ln(len(k)) + k + ln(len(v)) + bytes((free,)) + v + b"\x00" * free
    return out + b"\xff"


def intset(values: Iterable[int], width: int) -> bytes:
    vals = sorted(values)
    fmt = {2: "h", 4: "i", 8: "q"}[width]
    return struct.pack("<II", width, len(vals)) + struct.pack("<%d%s" % (len(vals), fmt), *vals)


# ------------------------------------------------------------------ listpack
def _lp_entry(item: Item) -> bytes:
    if isinstance(item, int):
        v = item
        if 0 <= v <= 127:
            enc = bytes((v,))
        elif -4096 <= v <= 4095:
            u = v & 0x1FFF
            enc = bytes((0xC0 | (u >> 8), u & 0xFF))
        elif -32768 <= v <= 32767:
            enc = b"\xf1" + struct.pack("<h", v)
        elif -(1 << 23) <= v < (1 << 23):
            enc = b"\xf2" + struct.pack("<i", v)[:3]
        elif -(1 << 31) <= v < (1 << 31):
            enc = b"\xf3" + struct.pack("<i", v)
        else:
            enc = b"\xf4" + struct.pack("<q", v)
    else:
        n = len(item)
        if n < 64:
            enc = bytes((0x80 | n,)) + item
        elif n < 4096:
            enc = bytes((0xE0 | (n >> 8), n & 0xFF)) + item
        else:
            enc = b"\xf0" + struct.pack("<I", n) + item
    n = len(enc)
    if n <= 127:
        back = bytes((n,))
    else:
        back = bytes((n >> 7, (n & 127) | 128))
    return enc + back


def listpack(items: Sequence[Item]) -> bytes:
    body = b"".join(_lp_entry(i) for i in items)
    return struct.pack("<IH", 6 + len(body) + 1, len(items)) + body + b"\xff"


def stream_listpack(master_id: Tuple[int, int], entries: List[Tuple[Tuple[int, int], list, bool]]
                    ) -> bytes:
    """A stream node: master entry (the first entry's fields), then entries (id, flat
    field/value list, deleted)."""
    mfields = entries[0][1][0::2]
    live = sum(1 for _, _, d in entries if not d)
    items: List[Item] = [live, len(entries) - live, len(mfields), *mfields, 0]
    for (ms, seq), pairs, deleted in entries:
        fields = pairs[0::2]
        flags = (1 if deleted else 0)
        if fields == mfields:
            flags |= 2
            items += [flags, ms - master_id[0], seq - master_id[1], *pairs[1::2],
                      len(fields) + 3]
        else:
            items += [flags, ms - master_id[0], seq - master_id[1], len(fields), *pairs,
                      2 * len(fields) + 4]
    return listpack(items)


def stream_id(ms: int, seq: int) -> bytes:
    return struct.pack(">QQ", ms, seq)


# ------------------------------------------------------------------ files
class RDBFile:
    def __init__(self, version: int) -> None:
        self.version = version
        self.out = bytearray(b"REDIS%04d" % version)

    def aux(self, k: bytes, v: bytes) -> "RDBFile":
        self.out += b"\xfa" + string(k) + string(v)
        return self

    def select(self, db: int, resize: Optional[Tuple[int, int]] = None) -> "RDBFile":
        self.out += b"\xfe" + length(db)
        if resize is not None:
            self.out += b"\xfb" + length(resize[0]) + length(resize[1])
        return self

    def key(self, rtype: int, key: bytes, payload: bytes, expire_ms: Optional[int] = None,
            expire_s: Optional[int] = None, idle: Optional[int] = None,
            freq: Optional[int] = None) -> "RDBFile":
        if expire_ms is not None:
            self.out += b"\xfc" + struct.pack("<q", expire_ms)
        if expire_s is not None:
            self.out += b"\xfd" + struct.pack("<i", expire_s)
        if idle is not None:
            self.out += b"\xf8" + length(idle)
        if freq is not None:
            self.out += b"\xf9" + bytes((freq,))
        self.out += bytes((rtype,)) + string(key) + payload
        return self

    def raw(self, data: bytes) -> "RDBFile":
        self.out += data
        return self

    def finish(self, checksum: bool = True) -> bytes:
        self.out += b"\xff"
        if self.version >= 5:
            self.out += struct.pack("<Q", crc64(0, bytes(self.out)) if checksum else 0)
        return bytes(self.out)
