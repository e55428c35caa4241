"""RDB: Redis's snapshot format, both ways (rdb.c, listpack.c, ziplist.c, intset.c, zipmap.c).

The writer produces what redis-server 7.0 writes (RDB version 10): strings with integer or
LZF encodings, small hashes and sorted sets as listpacks, lists as quicklist 2 (listpack
nodes), small integer sets as intsets, streams as STREAM_LISTPACKS_2 with their consumer
groups, the aux fields, expiries in milliseconds, LRU idle time or LFU frequency when the
eviction policy keeps them, and the CRC-64 trailer. The same value encoding makes DUMP
payloads (value, 2-byte RDB version, CRC-64).

The loader reads every version from 1 to 11 and every encoding real Redis has written:
zipmap, ziplist, intset, quicklist (ziplist and listpack nodes), listpacks, the old
plain-text and binary doubles, the three stream layouts, second- and millisecond expiries,
IDLE/FREQ, RESIZEDB, AUX, module AUX (skipped) and FUNCTION2. Values become this engine's
types under its own encoding limits, as Redis converts on load.

Errors raise ``RDBError`` with a message in Redis's words; nothing here touches a keyspace
(``load`` hands each key to a callback), so the loader also serves RESTORE and the tools.
"""

import math
import struct
from bisect import bisect_left
from typing import Any, BinaryIO, Callable, Dict, Iterable, List, Optional, Tuple

from native.crc64 import crc64
from native.lzf import LZFError
from native.lzf import compress as lzf_compress
from native.lzf import decompress as lzf_decompress

from ..types.hashes import HashValue
from ..types.lists import ListValue
from ..types.sets import SetValue
from ..types.stream import Consumer, ConsumerGroup, Nack, StreamValue
from ..types.zset import ZSetValue

__all__ = [
    "RDB_VERSION", "RDBError", "Encoder", "Reader", "Decoder", "load", "dump_payload",
    "restore_payload", "verify_payload", "header", "db_header", "trailer",
]

RDB_VERSION = 10          # what Redis 7.0 writes
RDB_MAX_LOAD_VERSION = 11  # what we read (7.2's sets as listpacks, streams with active time)

# value types
T_STRING, T_LIST, T_SET, T_ZSET, T_HASH, T_ZSET_2 = 0, 1, 2, 3, 4, 5
T_MODULE, T_MODULE_2 = 6, 7
T_HASH_ZIPMAP, T_LIST_ZIPLIST, T_SET_INTSET, T_ZSET_ZIPLIST, T_HASH_ZIPLIST = 9, 10, 11, 12, 13
T_LIST_QUICKLIST, T_STREAM_LISTPACKS = 14, 15
T_HASH_LISTPACK, T_ZSET_LISTPACK, T_LIST_QUICKLIST_2, T_STREAM_LISTPACKS_2 = 16, 17, 18, 19
T_SET_LISTPACK, T_STREAM_LISTPACKS_3 = 20, 21

# opcodes
OP_FUNCTION2, OP_FUNCTION_PRE_GA, OP_MODULE_AUX = 245, 246, 247
OP_IDLE, OP_FREQ, OP_AUX, OP_RESIZEDB = 248, 249, 250, 251
OP_EXPIRETIME_MS, OP_EXPIRETIME, OP_SELECTDB, OP_EOF = 252, 253, 254, 255

QUICKLIST_NODE_PLAIN, QUICKLIST_NODE_PACKED = 1, 2
STREAM_ITEM_FLAG_DELETED, STREAM_ITEM_FLAG_SAMEFIELDS = 1, 2
U64 = (1 << 64) - 1
I64 = 1 << 63

_OPT = {"hash-max-listpack-entries": 512, "hash-max-listpack-value": 64,
        "zset-max-listpack-entries": 128, "zset-max-listpack-value": 64,
        "set-max-intset-entries": 512, "list-max-listpack-size": -2,
        "stream-node-max-bytes": 4096, "stream-node-max-entries": 100}


class RDBError(Exception):
    """A file or payload that is not a valid RDB; the text is Redis's wording."""


# ============================================================================ writer
_LEN1 = [bytes((i,)) for i in range(64)]
_PACK_D = struct.Struct("<d").pack
_PACK_Q = struct.Struct("<q").pack
_PACK_MS = struct.Struct("<q").pack


def enc_len(n: int) -> bytes:
    """rdbSaveLen(): 6, 14, 32 or 64 bits."""
    if n < 64:
        return _LEN1[n]
    if n < 16384:
        return bytes((0x40 | (n >> 8), n & 0xFF))
    if n <= 0xFFFFFFFF:
        return b"\x80" + n.to_bytes(4, "big")
    return b"\x81" + (n & U64).to_bytes(8, "big")


def _canonical_int(s: bytes) -> Optional[int]:
    """string2ll() + the round trip Redis asks of an integer encoding: the exact decimal
    spelling of an int64 (no sign but '-', no leading zero, no space), else None."""
    n = len(s)
    if 0 < n < 21 and (s[0] == 45 or 48 <= s[0] <= 57):
        try:
            v = int(s)
        except ValueError:
            return None
        if -I64 <= v < I64 and b"%d" % v == s:
            return v
    return None


# quicklist's packed_threshold (DEBUG QUICKLIST-PACKED-THRESHOLD): Redis inserts an element
# this large as a plain node of its own, which a saved list (RDB, DUMP) shows as such. Kept
# per engine in its settings dict under PACKED_THRESHOLD_KEY (not a CONFIG option).
PACKED_THRESHOLD_DEFAULT = 1 << 30
PACKED_THRESHOLD_KEY = "debug-quicklist-packed-threshold"


def packed_threshold_value(sz: int) -> Optional[int]:
    """quicklistisSetPackedThreshold(): at most 4GB - 1MB (None: refused); 0 restores the
    default."""
    if sz > (1 << 32) - (1 << 20):
        return None
    return sz or PACKED_THRESHOLD_DEFAULT


def enc_string(s: bytes, compress: bool) -> bytes:
    """rdbSaveRawString(): an int8/16/32 encoding for short integers, LZF when it saves
    space (and rdbcompression is on), else length-prefixed bytes."""
    n = len(s)
    if n <= 11 and n:
        c0 = s[0]
        if c0 == 45 or 48 <= c0 <= 57:
            v = _canonical_int(bytes(s))
            if v is not None and -(1 << 31) <= v < (1 << 31):
                if -128 <= v <= 127:
                    return b"\xc0" + (v & 0xFF).to_bytes(1, "little")
                if -32768 <= v <= 32767:
                    return b"\xc1" + (v & 0xFFFF).to_bytes(2, "little")
                return b"\xc2" + (v & 0xFFFFFFFF).to_bytes(4, "little")
    if compress and n > 20:
        c = lzf_compress(s, n - 4)
        if c is not None:
            return b"\xc3" + enc_len(len(c)) + enc_len(n) + c
    if n < 64:
        return _LEN1[n] + s
    return enc_len(n) + s


# ---------------------------------------------------------------- listpack
def _lp_int(v: int) -> bytes:
    """lpEncodeIntegerGetType(): the smallest integer encoding of v."""
    if 0 <= v <= 127:
        return bytes((v,))
    if -4096 <= v <= 4095:
        if v < 0:
            v += 1 << 13
        return bytes((0xC0 | (v >> 8), v & 0xFF))
    if -32768 <= v <= 32767:
        return b"\xf1" + (v & 0xFFFF).to_bytes(2, "little")
    if -8388608 <= v <= 8388607:
        return b"\xf2" + (v & 0xFFFFFF).to_bytes(3, "little")
    if -2147483648 <= v <= 2147483647:
        return b"\xf3" + (v & 0xFFFFFFFF).to_bytes(4, "little")
    return b"\xf4" + (v & U64).to_bytes(8, "little")


def _lp_backlen(n: int) -> bytes:
    """lpEncodeBacklen(): the entry's size, readable from its end."""
    if n <= 127:
        return bytes((n,))
    if n < 16383:
        return bytes((n >> 7, (n & 127) | 128))
    if n < 2097151:
        return bytes((n >> 14, ((n >> 7) & 127) | 128, (n & 127) | 128))
    if n < 268435455:
        return bytes((n >> 21, ((n >> 14) & 127) | 128, ((n >> 7) & 127) | 128,
                      (n & 127) | 128))
    return bytes((n >> 28, ((n >> 21) & 127) | 128, ((n >> 14) & 127) | 128,
                  ((n >> 7) & 127) | 128, (n & 127) | 128))


_LP_SMALL = {}


def lp_entry(item: Any) -> bytes:
    """One listpack element with its back-length: ints as ints, strings that spell an
    int64 exactly as ints (lpStringToInt64), others length-prefixed."""
    if type(item) is int:
        enc = _lp_int(item)
    else:
        v = _canonical_int(item) if len(item) < 21 else None
        if v is not None:
            enc = _lp_int(v)
        else:
            n = len(item)
            if n < 64:
                enc = bytes((0x80 | n,)) + item
            elif n < 4096:
                enc = bytes((0xE0 | (n >> 8), n & 0xFF)) + item
            else:
                enc = b"\xf0" + n.to_bytes(4, "little") + item
    return enc + _lp_backlen(len(enc))


def lp_build(entries: List[bytes]) -> bytes:
    """A listpack from encoded elements (lp_entry): header, elements, terminator."""
    body = b"".join(entries)
    n = len(entries)
    return struct.pack("<IH", len(body) + 7, n if n < 65535 else 65535) + body + b"\xff"


def lp_pack(items: Iterable[Any]) -> bytes:
    return lp_build([lp_entry(i) for i in items])


def _score_text(score: float) -> bytes:
    """d2string() of Redis 7.0, as zzlInsertAt stores a score in a listpack."""
    if math.isnan(score):
        return b"nan"
    if math.isinf(score):
        return b"inf" if score > 0 else b"-inf"
    if score == 0:
        return b"-0" if math.copysign(1.0, score) < 0 else b"0"
    if -4503599627370495 < score < 4503599627370496 and score == int(score):
        return b"%d" % int(score)
    return (b"%.17g" % score)


# ---------------------------------------------------------------- the encoder
_TYPE_BYTE = [bytes((i,)) for i in range(256)]
_QL_LEVELS = (4096, 8192, 16384, 32768, 65536)
_SIZE_SAFETY_LIMIT = 8192


class Encoder:
    """Serializes values as Redis 7.0 does, under one engine's settings (read once)."""

    __slots__ = ("compress", "list_fill", "lru", "lfu", "lfu_decay", "packed_threshold")

    def __init__(self, config: Any = None, compress: Optional[bool] = None) -> None:
        get = (lambda k, d=None: config.get(k, d)) if config is not None else \
            (lambda k, d=None: d)
        self.compress = bool(get("rdbcompression", True)) if compress is None else compress
        self.list_fill = get("list-max-listpack-size", -2)
        policy = get("maxmemory-policy", "noeviction") or "noeviction"
        self.lru = policy.endswith("lru")
        self.lfu = policy.endswith("lfu")
        self.lfu_decay = get("lfu-decay-time", 1)
        self.packed_threshold = get(PACKED_THRESHOLD_KEY, PACKED_THRESHOLD_DEFAULT)

    def string(self, s: bytes) -> bytes:
        return enc_string(s, self.compress)

    def value(self, v: Any) -> bytes:
        """rdbSaveObjectType() + rdbSaveObject(): the type byte and the value."""
        t, payload = self.typed(v)
        return bytes((t,)) + payload

    def typed(self, v: Any) -> Tuple[int, bytes]:
        """(RDB type, serialized value)."""
        t = type(v)
        if t is bytes or t is bytearray:
            return T_STRING, enc_string(v, self.compress)
        if isinstance(v, ListValue):
            return T_LIST_QUICKLIST_2, self._list(v)
        if isinstance(v, HashValue):
            return self._hash(v)
        if isinstance(v, SetValue):
            return self._set(v)
        if isinstance(v, ZSetValue):
            return self._zset(v)
        if isinstance(v, StreamValue):
            return T_STREAM_LISTPACKS_2, self._stream(v)
        raise RDBError("Unknown object type %s" % type(v).__name__)

    # -- collections
    def _list(self, v: ListValue) -> bytes:
        fill = self.list_fill
        nodes: List[bytes] = []
        cur: List[bytes] = []
        size = 7  # listpack header and terminator
        if fill >= 0:
            size_limit, count_limit = None, fill or 1
        else:
            size_limit, count_limit = _QL_LEVELS[min(-fill - 1, 4)], None
        s = self.compress
        large = self.packed_threshold
        for item in v:
            if len(item) >= large:  # isLargeElement(): a plain node, never merged
                if cur:
                    nodes.append(b"\x02" + enc_string(lp_build(cur), s))
                    cur = []
                    size = 7
                nodes.append(b"\x01" + enc_string(item, s))
                continue
            if cur:
                # _quicklistNodeAllowInsert() of Redis 7.0: an overestimate of the growth
                new_sz = size + len(item) + 8
                if size_limit is not None:
                    full = new_sz > size_limit
                else:
                    full = new_sz > _SIZE_SAFETY_LIMIT or len(cur) + 1 > count_limit
                if full:
                    nodes.append(b"\x02" + enc_string(lp_build(cur), s))
                    cur = []
                    size = 7
            e = lp_entry(item)
            cur.append(e)
            size += len(e)
        if cur:
            nodes.append(b"\x02" + enc_string(lp_build(cur), s))
        return enc_len(len(nodes)) + b"".join(nodes)

    def _hash(self, v: HashValue) -> bytes:
        s = self.compress
        if not v.big:
            items = []
            for f, val in v.items():
                items.append(lp_entry(f))
                items.append(lp_entry(val))
            return T_HASH_LISTPACK, enc_string(lp_build(items), s)
        parts = [enc_len(len(v))]
        for f, val in v.items():
            parts.append(enc_string(f, s))
            parts.append(enc_string(val, s))
        return T_HASH, b"".join(parts)

    def _set(self, v: SetValue) -> bytes:
        s = self.compress
        if not v.big:
            values = sorted(int(m) for m in v)
            lo, hi = (values[0], values[-1]) if values else (0, 0)
            if -32768 <= lo and hi <= 32767:
                width, fmt = 2, "h"
            elif -(1 << 31) <= lo and hi < (1 << 31):
                width, fmt = 4, "i"
            else:
                width, fmt = 8, "q"
            blob = struct.pack("<II%d%s" % (len(values), fmt), width, len(values), *values)
            return T_SET_INTSET, enc_string(blob, s)
        members = v.pool()
        return T_SET, b"".join([enc_len(len(members))] + [enc_string(m, s) for m in members])

    def _zset(self, v: ZSetValue) -> bytes:
        s = self.compress
        if not v.big:
            items = []
            for score, member in v.entries:
                items.append(lp_entry(member))
                items.append(lp_entry(_score_text(score)))
            return T_ZSET_LISTPACK, enc_string(lp_build(items), s)
        # from the greatest to the smallest, as rdbSaveObject walks the skiplist backwards
        parts = [enc_len(len(v))]
        for score, member in reversed(v.entries):
            parts.append(enc_string(member, s))
            parts.append(_PACK_D(score))
        return T_ZSET_2, b"".join(parts)

    def _stream(self, st: StreamValue) -> bytes:
        s = self.compress
        ids, entries = st.ids, st.entries
        masters = st.masters
        parts = []
        lps = []
        for i, node in enumerate(st.nodes):
            master = masters[i]
            lo = bisect_left(ids, master)
            hi = bisect_left(ids, masters[i + 1]) if i + 1 < len(masters) else len(ids)
            live = ids[lo:hi]
            if not live:
                continue
            mfields = tuple(node.fields)
            tomb = live[0] != master  # the master entry itself was deleted: keep its ID
            items = [lp_entry(len(live)), lp_entry(1 if tomb else 0),
                     lp_entry(len(mfields))]
            items += [lp_entry(f) for f in mfields]
            items.append(lp_entry(0))
            if tomb:
                items.append(lp_entry(STREAM_ITEM_FLAG_DELETED | STREAM_ITEM_FLAG_SAMEFIELDS))
                items.append(lp_entry(0))
                items.append(lp_entry(0))
                items += [lp_entry(b"")] * len(mfields)
                items.append(lp_entry(len(mfields) + 3))
            mms, mseq = master >> 64, master & U64
            for sid in live:
                pairs = entries[sid]
                fields = pairs[0::2]
                ms_diff = _signed((sid >> 64) - mms)
                seq_diff = _signed((sid & U64) - mseq)
                if tuple(fields) == mfields:
                    items.append(lp_entry(STREAM_ITEM_FLAG_SAMEFIELDS))
                    items.append(lp_entry(ms_diff))
                    items.append(lp_entry(seq_diff))
                    items += [lp_entry(x) for x in pairs[1::2]]
                    items.append(lp_entry(len(fields) + 3))
                else:
                    items.append(lp_entry(0))
                    items.append(lp_entry(ms_diff))
                    items.append(lp_entry(seq_diff))
                    items.append(lp_entry(len(fields)))
                    items += [lp_entry(x) for x in pairs]
                    items.append(lp_entry(2 * len(fields) + 4))
            lps.append((master, lp_build(items)))
        parts.append(enc_len(len(lps)))
        for master, lp in lps:
            parts.append(enc_string(master.to_bytes(16, "big"), s))
            parts.append(enc_string(lp, s))
        parts.append(enc_len(len(ids)))
        for sid in (st.last_id, st.first_id if ids else 0, st.max_deleted_id):
            parts.append(enc_len(sid >> 64))
            parts.append(enc_len(sid & U64))
        parts.append(enc_len(st.entries_added))
        parts.append(enc_len(len(st.groups)))
        for name in sorted(st.groups):
            g = st.groups[name]
            parts.append(enc_string(name, s))
            parts.append(enc_len(g.last_id >> 64))
            parts.append(enc_len(g.last_id & U64))
            parts.append(enc_len(g.entries_read & U64))
            parts.append(enc_len(len(g.pel)))
            for sid, nack in g.pel.items():
                parts.append(sid.to_bytes(16, "big"))
                parts.append(_PACK_MS(nack.delivery_time))
                parts.append(enc_len(nack.delivery_count))
            parts.append(enc_len(len(g.consumers)))
            for cname in sorted(g.consumers):
                consumer = g.consumers[cname]
                parts.append(enc_string(cname, s))
                parts.append(_PACK_MS(consumer.seen_time))
                parts.append(enc_len(len(consumer.pel)))
                for sid in consumer.pel:
                    parts.append(sid.to_bytes(16, "big"))
        return b"".join(parts)

    # -- a key of a file
    def entry(self, key: bytes, value: Any, expire: int, access: Optional[int],
              now_clock: Tuple[int, int] = (0, 0)) -> bytes:
        """rdbSaveKeyValuePair(): [EXPIRETIME_MS] [IDLE|FREQ] type key value.
        ``now_clock`` is (LRU clock seconds, LFU minutes) at save time."""
        head = b""
        if expire >= 0:
            head = b"\xfc" + _PACK_MS(expire)
        if access is not None:
            if self.lru:
                clock = now_clock[0]
                idle = clock - access if clock >= access else \
                    clock + ((1 << 24) - 1) - access
                head += b"\xf8" + enc_len(max(idle, 0))
            elif self.lfu:
                head += b"\xf9" + bytes((_lfu_counter(access, now_clock[1],
                                                       self.lfu_decay),))
        t, payload = self.typed(value)
        return b"".join((head, _TYPE_BYTE[t], enc_string(key, self.compress), payload))


def _lfu_counter(access: int, minutes: int, decay_time: int) -> int:
    """LFUDecrAndReturn()."""
    ldt, counter = (access >> 8) & 0xFFFF, access & 255
    if decay_time:
        elapsed = minutes - ldt if minutes >= ldt else 65535 - ldt + minutes
        periods = elapsed // decay_time
        if periods:
            counter = 0 if periods > counter else counter - periods
    return counter


def _signed(v: int) -> int:
    v &= U64
    return v - (1 << 64) if v >= I64 else v


# ---------------------------------------------------------------- file framing
def header(aux: Iterable[Tuple[bytes, bytes]], version: int = RDB_VERSION) -> bytes:
    """The magic, the version and the aux fields (rdbSaveInfoAuxFields)."""
    out = [b"REDIS%04d" % version]
    for k, v in aux:
        out.append(b"\xfa" + enc_string(k, False) + enc_string(v, False))
    return b"".join(out)


def function_entry(code: bytes, compress: bool = True) -> bytes:
    """RDB_OPCODE_FUNCTION2 and a library's source (rdbSaveFunctions)."""
    return b"\xf5" + enc_string(code, compress)


def db_header(dbid: int, size: int, expires: int) -> bytes:
    """SELECTDB and RESIZEDB."""
    return b"\xfe" + enc_len(dbid) + b"\xfb" + enc_len(size) + enc_len(expires)


def select_db(dbid: int) -> bytes:
    return b"\xfe" + enc_len(dbid)


def trailer(crc_before_eof: int, checksum: bool = True) -> bytes:
    """EOF and the CRC-64 of everything before it and of itself (0 when disabled)."""
    if not checksum:
        return b"\xff" + bytes(8)
    return b"\xff" + crc64(crc_before_eof, b"\xff").to_bytes(8, "little")


# ---------------------------------------------------------------- DUMP / RESTORE
def dump_payload(value: Any, encoder: Encoder) -> bytes:
    """createDumpPayload(): value, RDB version (2 bytes LE), CRC-64 (8 bytes LE)."""
    body = encoder.value(value) + RDB_VERSION.to_bytes(2, "little")
    return body + crc64(0, body).to_bytes(8, "little")


def verify_payload(payload: bytes, checksum: bool = True) -> bool:
    """verifyDumpPayload(): long enough, a version we read, a matching CRC-64."""
    if len(payload) < 10:
        return False
    version = payload[-10] | (payload[-9] << 8)
    if version > RDB_VERSION:
        return False
    if not checksum:
        return True
    return crc64(0, memoryview(payload)[:-8]) == int.from_bytes(payload[-8:], "little")


def restore_payload(payload: bytes, config: Any = None) -> Any:
    """The value a DUMP payload holds (call verify_payload first); RDBError if malformed."""
    r = Reader(data=bytes(payload[:-10]), checksum=False)
    d = Decoder(config, RDB_VERSION)
    t = r.byte()
    if not d.is_value_type(t):
        raise RDBError("Bad data format")
    value = d.value(t, r)
    if r.remaining():
        raise RDBError("Bad data format")
    if value is None:
        raise RDBError("Bad data format")  # an empty collection
    return value


# ============================================================================ reader
_CHUNK = 1 << 20


class Reader:
    """Sequential reads over bytes or a file, keeping the running CRC-64 of what was read."""

    __slots__ = ("f", "buf", "pos", "crc", "checksum", "consumed")

    def __init__(self, f: Optional[BinaryIO] = None, data: bytes = b"",
                 checksum: bool = True) -> None:
        self.f = f
        self.buf = data
        self.pos = 0
        self.crc = 0
        self.checksum = checksum
        self.consumed = 0  # bytes before buf[0]

    def _fill(self, n: int) -> None:
        consumed = self.buf[:self.pos]
        if self.checksum and consumed:
            self.crc = crc64(self.crc, consumed)
        self.consumed += self.pos
        rest = self.buf[self.pos:]
        self.pos = 0
        more = self.f.read(max(n - len(rest), _CHUNK)) if self.f is not None else b""
        self.buf = rest + more if more else rest
        if len(self.buf) < n:
            raise RDBError("Short read or OOM loading DB. Unrecoverable error, aborting now.")

    def read(self, n: int) -> bytes:
        pos = self.pos
        end = pos + n
        if end > len(self.buf):
            self._fill(n)
            pos, end = 0, n
        self.pos = end
        return self.buf[pos:end]

    def byte(self) -> int:
        pos = self.pos
        if pos >= len(self.buf):
            self._fill(1)
            pos = 0
        self.pos = pos + 1
        return self.buf[pos]

    def remaining(self) -> int:
        """Bytes left in memory (the whole rest for an in-memory reader)."""
        return len(self.buf) - self.pos

    def offset(self) -> int:
        return self.consumed + self.pos

    def crc_so_far(self) -> int:
        return crc64(self.crc, self.buf[:self.pos])

    # -- RDB primitives
    def length(self) -> int:
        """rdbLoadLen() of a plain length (an encoded value here is an error)."""
        b = self.byte()
        kind = b >> 6
        if kind == 0:
            return b & 0x3F
        if kind == 1:
            return ((b & 0x3F) << 8) | self.byte()
        if b == 0x80:
            return int.from_bytes(self.read(4), "big")
        if b == 0x81:
            return int.from_bytes(self.read(8), "big")
        raise RDBError("Unknown length encoding %d in rdbLoadLen()" % b)

    def string(self) -> bytes:
        """rdbGenericLoadStringObject(): plain, int8/16/32 or LZF."""
        b = self.byte()
        kind = b >> 6
        if kind == 0:
            n = b & 0x3F
        elif kind == 1:
            n = ((b & 0x3F) << 8) | self.byte()
        elif b == 0x80:
            n = int.from_bytes(self.read(4), "big")
        elif b == 0x81:
            n = int.from_bytes(self.read(8), "big")
        elif b == 0xC0:
            return b"%d" % int.from_bytes(self.read(1), "little", signed=True)
        elif b == 0xC1:
            return b"%d" % int.from_bytes(self.read(2), "little", signed=True)
        elif b == 0xC2:
            return b"%d" % int.from_bytes(self.read(4), "little", signed=True)
        elif b == 0xC3:
            clen = self.length()
            n = self.length()
            data = self.read(clen)
            try:
                return lzf_decompress(data, n)
            except LZFError:
                raise RDBError("Invalid LZF compressed string") from None
        else:
            raise RDBError("Unknown RDB string encoding type %d" % (b & 0x3F))
        return self.read(n)

    def ms(self) -> int:
        return int.from_bytes(self.read(8), "little", signed=True)

    def double_text(self) -> float:
        """rdbLoadDoubleValue(): the old textual score."""
        n = self.byte()
        if n == 255:
            return -math.inf
        if n == 254:
            return math.inf
        if n == 253:
            return math.nan
        try:
            return float(self.read(n))
        except ValueError:
            raise RDBError("Invalid double value") from None

    def double_bin(self) -> float:
        return struct.unpack("<d", self.read(8))[0]


# ---------------------------------------------------------------- blob decoders
def lp_items(lp: bytes) -> List[Any]:
    """The elements of a listpack: ints as int, strings as bytes."""
    if len(lp) < 7 or int.from_bytes(lp[0:4], "little") != len(lp) or lp[-1] != 0xFF:
        raise RDBError("Listpack integrity check failed.")
    out: List[Any] = []
    p = 6
    end = len(lp) - 1
    while p < end:
        b = lp[p]
        if b < 0x80:
            out.append(b)
            size = 1
        elif b < 0xC0:
            n = b & 0x3F
            out.append(lp[p + 1:p + 1 + n])
            size = 1 + n
        elif b < 0xE0:
            v = ((b & 0x1F) << 8) | lp[p + 1]
            out.append(v - 8192 if v >= 4096 else v)
            size = 2
        elif b < 0xF0:
            n = ((b & 0x0F) << 8) | lp[p + 1]
            out.append(lp[p + 2:p + 2 + n])
            size = 2 + n
        elif b == 0xF0:
            n = int.from_bytes(lp[p + 1:p + 5], "little")
            out.append(lp[p + 5:p + 5 + n])
            size = 5 + n
        elif b == 0xF1:
            out.append(int.from_bytes(lp[p + 1:p + 3], "little", signed=True))
            size = 3
        elif b == 0xF2:
            out.append(int.from_bytes(lp[p + 1:p + 4], "little", signed=True))
            size = 4
        elif b == 0xF3:
            out.append(int.from_bytes(lp[p + 1:p + 5], "little", signed=True))
            size = 5
        elif b == 0xF4:
            out.append(int.from_bytes(lp[p + 1:p + 9], "little", signed=True))
            size = 9
        else:
            raise RDBError("Listpack integrity check failed.")
        p += size + (1 if size <= 127 else 2 if size < 16383 else 3 if size < 2097151
                     else 4 if size < 268435455 else 5)
    if p != end:
        raise RDBError("Listpack integrity check failed.")
    return out


def zl_items(zl: bytes) -> List[Any]:
    """The elements of a ziplist: ints as int, strings as bytes."""
    if len(zl) < 11 or zl[-1] != 0xFF:
        raise RDBError("Ziplist integrity check failed.")
    out: List[Any] = []
    p = 10
    end = len(zl) - 1
    while p < end:
        p += 1 if zl[p] < 254 else 5  # prevlen
        b = zl[p]
        kind = b >> 6
        if kind == 0:
            n = b & 0x3F
            out.append(zl[p + 1:p + 1 + n])
            p += 1 + n
        elif kind == 1:
            n = ((b & 0x3F) << 8) | zl[p + 1]
            out.append(zl[p + 2:p + 2 + n])
            p += 2 + n
        elif kind == 2:
            n = int.from_bytes(zl[p + 1:p + 5], "big")
            out.append(zl[p + 5:p + 5 + n])
            p += 5 + n
        elif b == 0xC0:
            out.append(int.from_bytes(zl[p + 1:p + 3], "little", signed=True))
            p += 3
        elif b == 0xD0:
            out.append(int.from_bytes(zl[p + 1:p + 5], "little", signed=True))
            p += 5
        elif b == 0xE0:
            out.append(int.from_bytes(zl[p + 1:p + 9], "little", signed=True))
            p += 9
        elif b == 0xF0:
            out.append(int.from_bytes(zl[p + 1:p + 4], "little", signed=True))
            p += 4
        elif b == 0xFE:
            out.append(int.from_bytes(zl[p + 1:p + 2], "little", signed=True))
            p += 2
        elif 0xF1 <= b <= 0xFD:
            out.append((b & 0x0F) - 1)
            p += 1
        else:
            raise RDBError("Ziplist integrity check failed.")
    if p != end:
        raise RDBError("Ziplist integrity check failed.")
    return out


def zipmap_pairs(zm: bytes) -> List[Tuple[bytes, bytes]]:
    """The field/value pairs of a zipmap (RDB_TYPE_HASH_ZIPMAP, before Redis 2.6)."""
    out = []
    p = 1
    n = len(zm)

    def length(p: int) -> Tuple[int, int]:
        b = zm[p]
        if b < 254:
            return b, p + 1
        if b == 254:
            return int.from_bytes(zm[p + 1:p + 5], "little"), p + 5
        raise RDBError("Zipmap integrity check failed.")

    try:
        while zm[p] != 0xFF:
            klen, p = length(p)
            key = zm[p:p + klen]
            p += klen
            vlen, p = length(p)
            free = zm[p]
            p += 1
            out.append((key, zm[p:p + vlen]))
            p += vlen + free
    except IndexError:
        raise RDBError("Zipmap integrity check failed.") from None
    if p != n - 1:
        raise RDBError("Zipmap integrity check failed.")
    return out


def intset_values(blob: bytes) -> List[int]:
    if len(blob) < 8:
        raise RDBError("Intset integrity check failed.")
    width, n = struct.unpack_from("<II", blob)
    fmt = {2: "h", 4: "i", 8: "q"}.get(width)
    if fmt is None or len(blob) != 8 + width * n:
        raise RDBError("Intset integrity check failed.")
    return list(struct.unpack_from("<%d%s" % (n, fmt), blob, 8))


def _as_bytes(x: Any) -> bytes:
    return b"%d" % x if type(x) is int else bytes(x)


def _parse_score(x: Any) -> float:
    if type(x) is int:
        return float(x)
    try:
        return float(x)
    except ValueError:
        raise RDBError("Zset listpack integrity check failed.") from None


# ---------------------------------------------------------------- the decoder
class Decoder:
    """Builds engine values from RDB value encodings, under one engine's limits."""

    def __init__(self, config: Any = None, version: int = RDB_VERSION) -> None:
        get = (lambda k: config.get(k, _OPT[k])) if config is not None else _OPT.get
        self.hash_entries = get("hash-max-listpack-entries")
        self.hash_value = get("hash-max-listpack-value")
        self.zset_entries = get("zset-max-listpack-entries")
        self.zset_value = get("zset-max-listpack-value")
        self.intset_entries = get("set-max-intset-entries")
        self.version = version
        self.now_ms = 0

    @staticmethod
    def is_value_type(t: int) -> bool:
        return 0 <= t <= 7 or 9 <= t <= 21

    def value(self, t: int, r: Reader) -> Any:
        """rdbLoadObject(): the value of type ``t``; None for an empty collection (which
        Redis skips); RDBError when malformed."""
        if t == T_STRING:
            return r.string()
        if t == T_LIST:
            n = r.length()
            return ListValue(r.string() for _ in range(n)) if n else None
        if t == T_SET:
            n = r.length()
            members = [r.string() for _ in range(n)]
            return self._set(members) if members else None
        if t == T_ZSET or t == T_ZSET_2:
            n = r.length()
            scores: Dict[bytes, float] = {}
            for _ in range(n):
                m = r.string()
                score = r.double_bin() if t == T_ZSET_2 else r.double_text()
                if math.isnan(score):
                    raise RDBError("Zset with NAN score detected")
                if m in scores:
                    raise RDBError("Duplicate zset fields detected")
                scores[m] = score
            return self._zset(scores) if scores else None
        if t == T_HASH:
            n = r.length()
            pairs = []
            seen = set()
            for _ in range(n):
                f = r.string()
                v = r.string()
                if f in seen:
                    raise RDBError("Duplicate hash fields detected")
                seen.add(f)
                pairs.append((f, v))
            return self._hash(pairs) if pairs else None
        if t == T_LIST_QUICKLIST or t == T_LIST_QUICKLIST_2:
            n = r.length()
            items: List[bytes] = []
            for _ in range(n):
                container = QUICKLIST_NODE_PACKED
                if t == T_LIST_QUICKLIST_2:
                    container = r.length()
                    if container not in (QUICKLIST_NODE_PLAIN, QUICKLIST_NODE_PACKED):
                        raise RDBError("Quicklist integrity check failed.")
                blob = r.string()
                if container == QUICKLIST_NODE_PLAIN:
                    items.append(blob)
                    continue
                elems = lp_items(blob) if t == T_LIST_QUICKLIST_2 else zl_items(blob)
                items.extend(_as_bytes(e) for e in elems)
            return ListValue(items) if items else None
        if t in (T_HASH_ZIPMAP, T_LIST_ZIPLIST, T_SET_INTSET, T_ZSET_ZIPLIST, T_HASH_ZIPLIST,
                 T_HASH_LISTPACK, T_ZSET_LISTPACK, T_SET_LISTPACK):
            return self._blob(t, r.string())
        if t in (T_STREAM_LISTPACKS, T_STREAM_LISTPACKS_2, T_STREAM_LISTPACKS_3):
            return self._stream(t, r)
        if t in (T_MODULE, T_MODULE_2):
            raise RDBError("The RDB file contains module data I can't load: no matching "
                           "module")
        raise RDBError("Unknown RDB encoding type %d" % t)

    def _blob(self, t: int, blob: bytes) -> Any:
        if t == T_HASH_ZIPMAP:
            pairs = zipmap_pairs(blob)
        elif t == T_SET_INTSET:
            values = intset_values(blob)
            return self._set([b"%d" % v for v in values]) if values else None
        else:
            elems = lp_items(blob) if t >= T_HASH_LISTPACK else zl_items(blob)
            if t == T_LIST_ZIPLIST:
                return ListValue(_as_bytes(e) for e in elems) if elems else None
            if t == T_SET_LISTPACK:
                members = [_as_bytes(e) for e in elems]
                if len(set(members)) != len(members):
                    raise RDBError("Set listpack integrity check failed.")
                return self._set(members) if members else None
            if len(elems) % 2:
                raise RDBError("Listpack integrity check failed.")
            if t in (T_ZSET_ZIPLIST, T_ZSET_LISTPACK):
                scores: Dict[bytes, float] = {}
                for i in range(0, len(elems), 2):
                    m = _as_bytes(elems[i])
                    if m in scores:
                        raise RDBError("Zset listpack integrity check failed.")
                    scores[m] = _parse_score(elems[i + 1])
                return self._zset(scores) if scores else None
            pairs = [(_as_bytes(elems[i]), _as_bytes(elems[i + 1]))
                     for i in range(0, len(elems), 2)]
        if len({f for f, _ in pairs}) != len(pairs):
            raise RDBError("Hash zipmap integrity check failed.")
        return self._hash(pairs) if pairs else None

    def _set(self, members: List[bytes]) -> SetValue:
        if len(set(members)) != len(members):
            raise RDBError("Duplicate set members detected")
        return SetValue(members, self.intset_entries)

    def _hash(self, pairs: List[Tuple[bytes, bytes]]) -> HashValue:
        return HashValue(pairs, self.hash_entries, self.hash_value)

    def _zset(self, scores: Dict[bytes, float]) -> ZSetValue:
        return ZSetValue.from_scores(scores, self.zset_entries, self.zset_value)

    def _stream(self, t: int, r: Reader) -> StreamValue:
        st = StreamValue()
        nodes = r.length()
        tombstones = []
        last_master = -1
        for _ in range(nodes):
            key = r.string()
            if len(key) != 16:
                raise RDBError("Stream node key entry is not the size of a stream ID")
            master = int.from_bytes(key, "big")
            if master <= last_master:
                raise RDBError("Stream node keys out of order")
            last_master = master
            items = lp_items(r.string())
            if not items:
                raise RDBError("Empty listpack inside stream")
            try:
                self._stream_node(st, master, items, tombstones)
            except (IndexError, TypeError):
                raise RDBError("Stream listpack integrity check failed.") from None
        for sid in tombstones:
            st.delete(sid)
        length = r.length()
        last = (r.length() << 64) | r.length()
        if t >= T_STREAM_LISTPACKS_2:
            first = (r.length() << 64) | r.length()
            max_deleted = (r.length() << 64) | r.length()
            added = r.length()
        else:
            first = st.ids[0] if st.ids else 0
            max_deleted = 0
            added = length
        if length != len(st.ids):
            raise RDBError("Stream length inconsistent")
        st.last_id = last
        st.first_id = first if st.ids else 0
        st.max_deleted_id = max_deleted
        st.entries_added = added
        for _ in range(r.length()):
            name = r.string()
            gid = (r.length() << 64) | r.length()
            if t >= T_STREAM_LISTPACKS_2:
                read = r.length()
                read = read - (1 << 64) if read >= I64 else read
            else:
                read = st.estimate_entries_read(gid)
            group = ConsumerGroup(gid, read)
            if name in st.groups:
                raise RDBError("Duplicated consumer group name")
            st.groups[name] = group
            for _ in range(r.length()):
                sid = int.from_bytes(r.read(16), "big")
                nack = Nack(None, r.ms())
                nack.delivery_count = r.length()
                group.pel[sid] = nack
            for _ in range(r.length()):
                cname = r.string()
                seen = r.ms()
                if t >= T_STREAM_LISTPACKS_3:
                    r.ms()  # active-time: 7.2's, no counterpart here
                consumer = Consumer(cname, seen)
                if cname in group.consumers:
                    raise RDBError("Duplicate stream consumer detected.")
                group.consumers[cname] = consumer
                for _ in range(r.length()):
                    sid = int.from_bytes(r.read(16), "big")
                    nack = group.pel.get(sid)
                    if nack is None:
                        raise RDBError("Consumer entry not found in group global PEL")
                    nack.consumer = consumer
                    consumer.pel[sid] = nack
            if any(n.consumer is None for n in group.pel.values()):
                raise RDBError("Stream CG PEL entry without consumer")
        return st

    @staticmethod
    def _stream_node(st: StreamValue, master: int, items: List[Any],
                     tombstones: List[int]) -> None:
        """One listpack of a stream: the master entry, then entries (some deleted)."""
        count, deleted, nmaster = items[0], items[1], items[2]
        mfields = [_as_bytes(f) for f in items[3:3 + nmaster]]
        p = 3 + nmaster
        if items[p] != 0:
            raise RDBError("Stream listpack integrity check failed.")
        p += 1
        mms, mseq = master >> 64, master & U64
        first = True
        seen = 0
        while p < len(items):
            flags, ms_diff, seq_diff = items[p], items[p + 1], items[p + 2]
            p += 3
            if flags & STREAM_ITEM_FLAG_SAMEFIELDS:
                values = items[p:p + len(mfields)]
                p += len(mfields)
                pairs = []
                for f, v in zip(mfields, values):
                    pairs.append(f)
                    pairs.append(_as_bytes(v))
            else:
                nf = items[p]
                p += 1
                pairs = [_as_bytes(x) for x in items[p:p + 2 * nf]]
                p += 2 * nf
            p += 1  # lp-count
            sid = ((((mms + ms_diff) & U64) << 64) | ((mseq + seq_diff) & U64))
            if st.ids and sid <= st.last_id:
                raise RDBError("Stream entries out of order")
            # first entry of a listpack starts a node (max_entries=1 forces it)
            st.append(sid, pairs, 0, 1 if first else 0)
            first = False
            seen += 1
            if flags & STREAM_ITEM_FLAG_DELETED:
                tombstones.append(sid)
        if seen != count + deleted:
            raise RDBError("Stream listpack integrity check failed.")


# ============================================================================ files
PROGRESS_KEYS = 16384  # how often load() reports progress


class LoadResult:
    """What a file load found besides keys."""

    def __init__(self) -> None:
        self.version = 0
        self.aux: Dict[bytes, bytes] = {}
        self.functions: List[bytes] = []
        self.keys_loaded = 0
        self.keys_expired = 0
        self.empty_keys_skipped = 0
        self.checksum_verified = False


def load(r: Reader, on_key: Callable[[int, bytes, Any, int, int, int], None],
         config: Any = None, now_ms: Optional[int] = None,
         on_function: Optional[Callable[[bytes], None]] = None,
         skip_expired: bool = True, checksum: bool = True,
         log: Optional[Callable[[str], None]] = None,
         progress: Optional[Callable[[int, int], None]] = None) -> LoadResult:
    """rdbLoadRio(): read a whole RDB stream. ``on_key(db, key, value, expire_ms,
    lru_idle, lfu_freq)`` receives every live key (idle/freq -1 when absent) and raises
    RDBError for a duplicate; expired keys are counted, not delivered, when
    ``skip_expired`` (as a master loads). ``progress(bytes_read, keys_read)`` is called
    every PROGRESS_KEYS keys (for a start-up log line on big files)."""
    import time
    res = LoadResult()
    magic = r.read(9)
    if magic[:5] != b"REDIS":
        raise RDBError("Wrong signature trying to load DB from file")
    try:
        version = int(magic[5:])
    except ValueError:
        raise RDBError("Wrong signature trying to load DB from file") from None
    if version < 1 or version > RDB_MAX_LOAD_VERSION:
        raise RDBError("Can't handle RDB format version %d" % version)
    res.version = version
    if now_ms is None:
        now_ms = int(time.time() * 1000)
    dec = Decoder(config, version)
    db = 0
    expire = -1
    idle = freq = -1
    while True:
        t = r.byte()
        if t == OP_EXPIRETIME_MS:
            expire = r.ms()
            continue
        if t == OP_EXPIRETIME:
            expire = int.from_bytes(r.read(4), "little", signed=True) * 1000
            continue
        if t == OP_IDLE:
            idle = r.length()
            continue
        if t == OP_FREQ:
            freq = r.byte()
            continue
        if t == OP_EOF:
            break
        if t == OP_SELECTDB:
            db = r.length()
            continue
        if t == OP_RESIZEDB:
            r.length()
            r.length()
            continue
        if t == OP_AUX:
            k = r.string()
            v = r.string()
            res.aux[k] = v
            continue
        if t == OP_MODULE_AUX:
            _skip_module_aux(r)
            if log:
                log("The RDB file contains AUX module data I can't load: skipped")
            continue
        if t == OP_FUNCTION2:
            code = r.string()
            res.functions.append(code)
            if on_function is not None:
                on_function(code)
            continue
        if t == OP_FUNCTION_PRE_GA:
            raise RDBError("Pre-release function format not supported.")
        if not dec.is_value_type(t):
            raise RDBError("Unknown RDB encoding type %d" % t)
        key = r.string()
        value = dec.value(t, r)
        if value is None:
            res.empty_keys_skipped += 1
        elif skip_expired and expire != -1 and expire < now_ms:
            res.keys_expired += 1
        else:
            on_key(db, key, value, expire, idle, freq)
            res.keys_loaded += 1
        expire = -1
        idle = freq = -1
        if progress is not None:
            seen = res.keys_loaded + res.keys_expired + res.empty_keys_skipped
            if not seen % PROGRESS_KEYS:
                progress(r.offset(), seen)
    if version >= 5:
        computed = r.crc_so_far()
        stored = int.from_bytes(r.read(8), "little")
        if checksum and r.checksum and stored != 0:
            if stored != computed:
                raise RDBError("Wrong RDB checksum expected: (%x) got: (%x). Aborting now."
                               % (stored, computed))
            res.checksum_verified = True
    return res


def _skip_module_aux(r: Reader) -> None:
    """Skip a module's AUX data (rdbLoadCheckModuleValue's walk)."""
    r.length()  # module id
    if r.length() != 2:  # when_opcode must be RDB_MODULE_OPCODE_UINT
        raise RDBError("bad when_opcode")
    r.length()  # when
    while True:
        op = r.length()
        if op == 0:  # RDB_MODULE_OPCODE_EOF
            return
        if op in (1, 2):  # SINT, UINT
            r.length()
        elif op == 3:  # FLOAT
            r.read(4)
        elif op == 4:  # DOUBLE
            r.read(8)
        elif op == 5:  # STRING
            r.string()
        else:
            raise RDBError("Unknown module opcode %d" % op)
