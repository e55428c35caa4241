"""Data tiering: the values of cold keys spill to local disk (ElastiCache's data tiering).

When ``used_memory`` reaches ``maxmemory`` under an lru/lfu policy, the eviction pool's
best candidates are not deleted: their values are appended to a segment file and the key
keeps, in place of its value, a ``TieredRef`` -- one int object encoding where the record
is, how long it is, and the value's type and encoding. Keys, TTLs, LRU/LFU data, memcached
metadata and the index (the refs themselves) stay in memory, so TYPE, EXISTS, TTL, SCAN,
OBJECT ENCODING never read the disk. The keyspace door (engine/keyspace.py) reads a value
back when a command needs it and puts it back in memory (it is hot now); the next eviction
spills colder ones.

Files. Each engine writes append-only segment files in its own directory under
``tiering-dir`` (``strata-tiering-<pid>-<port>-<nonce>``); a directory whose process is gone
is deleted at start-up: tiering is not persistence, a restarted server comes up empty or
from its last snapshot. A record is ``crc32 | length | body`` where the body is ``kind,
dbid, key, payload``, sealed with AES-256-GCM (engine/persistence/crypto.py, the
``encryption-key-file`` key or a key made for this process) when ``tiering-encrypt`` is on.
Strings are stored as their bytes; other values pickled (an exact round trip: encodings,
stream IDs and consumer groups come back as they were; the files are private to this
process and authenticated by CRC or GCM).

Space. An overwrite, delete, expiry or read-back leaves its record as garbage. The cron
compacts incrementally, a few milliseconds per tick: a sealed segment with more than
``tiering-compaction-threshold`` percent garbage is walked record by record, live ones
(those a key still refers to) are copied to the active segment and their refs updated,
then the file is deleted. The engine keeps serving between steps.

Full disk. A write that fails (ENOSPC, EFBIG, EIO...) or ``tiering-max-size`` reached stops
new spills with a log line; eviction then deletes keys as without tiering. Spilling resumes
when compaction has given space back.
"""

import atexit
import errno
import os
import pickle
import shutil
import struct
import sys
import time
import weakref
import zlib
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple

from native.keytable import IMPLEMENTATION as _KEYTABLE
from native.keytable import register_ref_type

from .config import Option, register
from .eviction import bytes_object

if TYPE_CHECKING:  # pragma: no cover
    from .engine import Engine
    from .keyspace import Database

__all__ = ["TieredRef", "TieringStore", "attach", "REF_COST"]

# ----------------------------------------------------------------------------- options
register(Option("tiering-enabled", "bool", False, mutable=False))
register(Option("tiering-dir", "string", "", mutable=False))
register(Option("tiering-max-size", "memory", 0, minimum=0, maximum=2 ** 63 - 1))
register(Option("tiering-min-value-size", "memory", 64, minimum=0, maximum=2 ** 63 - 1))
register(Option("tiering-max-value-size", "memory", 64 * 1024 * 1024, minimum=0,
                maximum=2 ** 32 - 1))
register(Option("tiering-encrypt", "bool", False, mutable=False))
register(Option("tiering-segment-size", "memory", 64 * 1024 * 1024, minimum=64 * 1024,
                maximum=64 * 1024 * 1024))   # a ref's 26-bit offset (MAX_SEGMENT_SIZE)
register(Option("tiering-compaction-threshold", "int", 50, minimum=1, maximum=100))

# ----------------------------------------------------------------------------- refs
# (TYPE, OBJECT ENCODING) of a tiered value, by the code its ref carries.
_KINDS: Tuple[Tuple[bytes, bytes], ...] = (
    (b"string", b"raw"), (b"string", b"embstr"), (b"string", b"int"),
    (b"list", b"quicklist"), (b"list", b"listpack"),
    (b"hash", b"listpack"), (b"hash", b"hashtable"),
    (b"set", b"intset"), (b"set", b"hashtable"), (b"set", b"listpack"),
    (b"zset", b"listpack"), (b"zset", b"skiplist"),
    (b"stream", b"stream"),
)
_KIND_CODE = {k: i for i, k in enumerate(_KINDS)}
# A ref packs, in 60 bits (a two-digit int: 32 bytes, and inside the C table's entry no
# object at all): segment (14 bits) | offset (26) | record length (16) | kind (4). A record
# longer than 64 KiB stores length 0: its 8-byte header is read first.
_SEG_BITS, _OFF_BITS, _LEN_BITS = 14, 26, 16
_OFF_MASK = (1 << _OFF_BITS) - 1
_LEN_MASK = (1 << _LEN_BITS) - 1
_SEG_LIMIT = 1 << _SEG_BITS
MAX_SEGMENT_SIZE = 1 << _OFF_BITS


class TieredRef(int):
    """Where a tiered value is (see the layout above): the key's in-memory footprint while
    its value is on disk. ``TYPE_NAME`` and ``ENCODING`` are what TYPE and OBJECT ENCODING
    report without reading the disk."""

    __slots__ = ()

    @property
    def segment(self) -> int:
        return int(self) >> (_OFF_BITS + _LEN_BITS + 4)

    @property
    def offset(self) -> int:
        return (int(self) >> (_LEN_BITS + 4)) & _OFF_MASK

    @property
    def length(self) -> int:
        """The record's length, 0 when it is too long to be kept here."""
        return (int(self) >> 4) & _LEN_MASK

    @property
    def TYPE_NAME(self) -> bytes:  # noqa: N802 - the attribute every stored value has
        return _KINDS[int(self) & 15][0]

    @property
    def ENCODING(self) -> bytes:  # noqa: N802
        return _KINDS[int(self) & 15][1]

    def __repr__(self) -> str:
        return "TieredRef(segment=%d, offset=%d, length=%d, type=%s)" % (
            self.segment, self.offset, self.length, self.TYPE_NAME.decode())


def _make_ref(seg: int, off: int, length: int, code: int) -> TieredRef:
    if length > _LEN_MASK:
        length = 0
    return TieredRef((((((seg << _OFF_BITS) | off) << _LEN_BITS) | length) << 4) | code)


def _where(ref: int) -> int:
    """segment << 26 | offset: a record's place, as compaction compares them."""
    return int(ref) >> (_LEN_BITS + 4)


# The C key table keeps a ref inside the key's entry (no object); the Python twin stores
# the int object itself.
register_ref_type(TieredRef)
REF_COST = 0 if _KEYTABLE == "c" else 32
TieredRef.cost = REF_COST  # what keyspace.value_cost charges for it


# ----------------------------------------------------------------------------- records
_HEAD = struct.Struct("<II")         # crc32(body), len(body)
_BODY = struct.Struct("<BHI")        # payload kind, dbid, key length
P_BYTES, P_BYTEARRAY, P_PICKLE = 0, 1, 2
_FULL_ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
_DIR_PREFIX = "strata-tiering-"
_LATENCY_RING = 4096


_OBJECT_ENCODING: Any = None


def _object_encoding() -> Any:
    """commands.keys.object_encoding, imported on first use (commands import the keyspace,
    which imports this module)."""
    global _OBJECT_ENCODING
    if _OBJECT_ENCODING is None:
        from .commands.keys import object_encoding
        _OBJECT_ENCODING = object_encoding
    return _OBJECT_ENCODING


def _log(engine: "Engine", level: int, msg: str) -> None:
    if engine.servers:
        for srv in engine.servers:
            srv.log(level, msg)
    else:
        sys.stderr.write("strata tiering: %s\n" % msg)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def discard_stale(base: str) -> List[str]:
    """Delete the tiering directories of processes that are gone (killed or stopped
    servers): their values died with them. Returns what was removed."""
    removed = []
    try:
        names = os.listdir(base)
    except OSError:
        return removed
    for name in names:
        if not name.startswith(_DIR_PREFIX):
            continue
        try:
            pid = int(name[len(_DIR_PREFIX):].split("-", 1)[0])
        except ValueError:
            continue
        if pid != os.getpid() and _pid_alive(pid):
            continue
        if pid == os.getpid() and name in _OPEN_DIRS:
            continue
        path = os.path.join(base, name)
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


_OPEN_DIRS: set = set()   # directories of live stores in this process (not stale)


class _Segment:
    __slots__ = ("no", "path", "fd", "size", "live")

    def __init__(self, no: int, path: str, fd: int) -> None:
        self.no = no
        self.path = path
        self.fd = fd
        self.size = 0        # bytes written
        self.live = 0        # bytes of records a key still refers to


class TieringStore:
    """One engine's disk tier: segments, the spill and read paths, compaction, stats."""

    def __init__(self, engine: "Engine") -> None:
        self.engine = engine
        cfg = engine.config.values
        base = cfg["tiering-dir"] or os.getcwd()
        os.makedirs(base, exist_ok=True)
        self.base = os.path.abspath(base)
        discard_stale(self.base)
        name = "%s%d-%d-%s" % (_DIR_PREFIX, os.getpid(), cfg.get("port", 0),
                               os.urandom(4).hex())
        self.dir = os.path.join(self.base, name)
        os.mkdir(self.dir, 0o700)
        _OPEN_DIRS.add(name)
        self._dirname = name
        self.segments: Dict[int, _Segment] = {}
        self.active: Optional[_Segment] = None
        self.next_seg = 0
        self.key: Optional[bytes] = None
        if cfg["tiering-encrypt"]:
            self.key = self._encryption_key()
        # state: "ok", "full" (disk or tiering-max-size), "error" (I/O), "closed"
        self.state = "ok"
        self.full_at = 0           # disk bytes when the disk filled up
        self.live_keys = 0
        self.live_bytes = 0
        self.disk_bytes = 0
        # stats
        self.writes = self.written_bytes = 0
        self.reads = self.read_bytes = 0
        self.promotions = 0
        self.read_errors = self.write_errors = 0
        self.compactions = self.compacted_bytes = 0
        self.last_error = ""
        self.latencies: List[float] = []
        self._lat_i = 0
        # compaction in progress: (segment, next offset)
        self.compacting: Optional[_Segment] = None
        self.compact_pos = 0
        self._open_segment()
        atexit.register(_close_at_exit, weakref.ref(self))

    # ------------------------------------------------------------------ set-up
    def _encryption_key(self) -> bytes:
        from .persistence import crypto
        path = self.engine.config.values.get("encryption-key-file", "")
        if path:
            return crypto.load_key(path)
        # tiered data never outlives the process: a key of its own is as good as any
        return crypto.generate_key()

    def _open_segment(self) -> _Segment:
        no = self.next_seg   # the next number no live segment uses (a ref has 14 bits)
        while no in self.segments:
            no = (no + 1) % _SEG_LIMIT
        self.next_seg = (no + 1) % _SEG_LIMIT
        path = os.path.join(self.dir, "seg-%06d.dat" % no)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC, 0o600)
        seg = _Segment(no, path, fd)
        self.segments[no] = seg
        self.active = seg
        return seg

    def close(self) -> None:
        """Close and delete the files (the values they held are gone)."""
        if self.state == "closed":
            return
        self.state = "closed"
        for seg in self.segments.values():
            try:
                os.close(seg.fd)
            except OSError:
                pass
        self.segments = {}
        self.active = None
        shutil.rmtree(self.dir, ignore_errors=True)
        _OPEN_DIRS.discard(self._dirname)

    # ------------------------------------------------------------------ policy
    def accepting(self) -> bool:
        """May values move to disk now?"""
        if self.state != "ok":
            if self.state == "full" and self._space_back():
                self.state = "ok"
                _log(self.engine, 2, "Data tiering resumed: disk space available again")
                return True
            return False
        limit = self.engine.config.values["tiering-max-size"]
        if limit and self.disk_bytes >= limit:
            self._stop("full", "tiering-max-size (%d bytes) reached" % limit)
            return False
        return True

    def _space_back(self) -> bool:
        limit = self.engine.config.values["tiering-max-size"]
        if limit and self.disk_bytes >= limit * 0.9:
            return False
        return self.disk_bytes <= self.full_at * 0.9

    def _stop(self, state: str, why: str) -> None:
        if self.state == state:
            return
        self.state = state
        self.full_at = self.disk_bytes
        self.last_error = why
        _log(self.engine, 3, "Data tiering stopped: %s; evicting keys instead" % why)

    def spillable(self, db: "Database", key: bytes) -> bool:
        """Is the key's value in memory and of a size worth moving to disk?"""
        value = db.table.peek(key)
        if value is None or type(value) is TieredRef:
            return False
        if db.blocking_keys and key in db.blocking_keys:
            return False
        cfg = self.engine.config.values
        t = type(value)
        size = len(value) if (t is bytes or t is bytearray) else getattr(value, "cost", 0) or 0
        return cfg["tiering-min-value-size"] <= size <= cfg["tiering-max-value-size"]

    # ------------------------------------------------------------------ spill
    def spill(self, db: "Database", key: bytes) -> int:
        """Move one value to disk; the bytes of memory it freed, or -1 when it could not
        (the value stays in memory; the state says why when the disk is at fault)."""
        value = db.table.peek(key)
        if value is None or type(value) is TieredRef:
            return -1
        t = type(value)
        if t is bytes:
            kind, payload = P_BYTES, value
            enc = _object_encoding()(value, self.engine.config)
        elif t is bytearray:
            kind, payload, enc = P_BYTEARRAY, bytes(value), b"raw"
        else:
            kind, payload = P_PICKLE, pickle.dumps(value, 5)
            encoding = getattr(value, "encoding", None)
            enc = encoding(self.engine.config) if encoding is not None else b""
        code = _KIND_CODE.get((value.TYPE_NAME if t not in (bytes, bytearray) else b"string",
                               enc))
        if code is None:
            return -1
        body = _BODY.pack(kind, db.id, len(key)) + key + payload
        if self.key is not None:
            from .persistence.crypto import seal
            body = seal(body, self.key, 10)
        record = _HEAD.pack(zlib.crc32(body), len(body)) + body
        seg = self.active
        off = seg.size
        if off + len(record) > self.engine.config.values["tiering-segment-size"] and off:
            seg = self._open_segment()
            off = 0
        if not self._append(seg, record):
            return -1
        ref = _make_ref(seg.no, off, len(record), code)
        seg.live += len(record)
        self.live_keys += 1
        self.live_bytes += len(record)
        before = db.used_memory
        db.replace_in_place(key, ref)
        return before - db.used_memory

    def _append(self, seg: _Segment, record: bytes) -> bool:
        try:
            n = os.write(seg.fd, record)
            if n != len(record):
                raise OSError(errno.ENOSPC, "short write (%d of %d bytes)" % (n, len(record)))
        except OSError as e:
            self.write_errors += 1
            try:
                os.ftruncate(seg.fd, seg.size)
            except OSError:
                pass
            full = e.errno in _FULL_ERRNOS
            self._stop("full" if full else "error",
                       "write to %s failed: %s" % (seg.path, e.strerror or e))
            return False
        seg.size += n
        self.disk_bytes += n
        self.writes += 1
        self.written_bytes += n
        return True

    # ------------------------------------------------------------------ read
    def read(self, ref: TieredRef) -> Any:
        """The value a ref stands for (None, logged, when the disk cannot give it back)."""
        t0 = time.perf_counter()
        where = _where(ref)
        length = (int(ref) >> 4) & _LEN_MASK
        seg = self.segments.get(where >> _OFF_BITS)
        try:
            if seg is None:
                raise OSError(errno.ENOENT, "segment %d is gone" % (where >> _OFF_BITS))
            offset = where & _OFF_MASK
            if not length:  # a long record: its header says how long
                head = os.pread(seg.fd, _HEAD.size, offset)
                if len(head) < _HEAD.size:
                    raise ValueError("truncated record")
                length = _HEAD.size + _HEAD.unpack(head)[1]
            record = os.pread(seg.fd, length, offset)
            value = self._decode(record)[2]
        except (OSError, ValueError, pickle.UnpicklingError, EOFError) as e:
            self.read_errors += 1
            self.last_error = "read failed: %s" % (e,)
            _log(self.engine, 3, "Data tiering: a value could not be read back (%s); its "
                 "key is lost" % (e,))
            return None
        self.reads += 1
        self.read_bytes += length
        us = (time.perf_counter() - t0) * 1e6
        lat = self.latencies
        if len(lat) < _LATENCY_RING:
            lat.append(us)
        else:
            lat[self._lat_i] = us
            self._lat_i = (self._lat_i + 1) % _LATENCY_RING
        return value

    def _decode(self, record: bytes) -> Tuple[int, bytes, Any]:
        """(dbid, key, value) of a whole record; ValueError when it is damaged."""
        if len(record) < _HEAD.size:
            raise ValueError("truncated record")
        crc, n = _HEAD.unpack_from(record)
        body = record[_HEAD.size:]
        if len(body) != n or zlib.crc32(body) != crc:
            raise ValueError("corrupt record (checksum mismatch)")
        if self.key is not None:
            from .persistence.crypto import CryptoError, unseal
            try:
                body = unseal(body, self.key)
            except CryptoError as e:
                raise ValueError(str(e)) from None
        kind, dbid, klen = _BODY.unpack_from(body)
        start = _BODY.size
        key = body[start:start + klen]
        payload = body[start + klen:]
        if kind == P_BYTES:
            value: Any = payload
        elif kind == P_BYTEARRAY:
            value = bytearray(payload)
        else:
            value = pickle.loads(payload)
        return dbid, key, value

    def release(self, ref: TieredRef) -> None:
        """A ref's record became garbage (overwrite, delete, expiry, read back)."""
        where = _where(ref)
        seg = self.segments.get(where >> _OFF_BITS)
        length = (int(ref) >> 4) & _LEN_MASK
        if not length and seg is not None:  # a long record: its header has the length
            try:
                length = _HEAD.size + _HEAD.unpack(
                    os.pread(seg.fd, _HEAD.size, where & _OFF_MASK))[1]
            except (OSError, struct.error):
                length = 0
        if seg is not None:
            seg.live -= length
        self.live_keys -= 1
        self.live_bytes -= length

    def promoted(self) -> None:
        self.promotions += 1

    # ------------------------------------------------------------------ compaction
    def cron(self, budget_s: float = 0.002) -> None:
        """Give disk space back, incrementally: drop everything when no key is tiered, else
        compact the segment with the most garbage, ``budget_s`` at a time."""
        if self.state == "closed":
            return
        if not self.live_keys and self.disk_bytes:
            self._reset_files()
            return
        if self.compacting is None:
            self.compacting = self._pick_victim()
            self.compact_pos = 0
            if self.compacting is None:
                return
        deadline = time.perf_counter() + budget_s
        while self.compacting is not None and time.perf_counter() < deadline:
            self._compact_step()

    def _pick_victim(self) -> Optional[_Segment]:
        threshold = self.engine.config.values["tiering-compaction-threshold"]
        best, best_garbage = None, 0
        for seg in self.segments.values():
            if seg is self.active or not seg.size:
                continue
            garbage = seg.size - seg.live
            if garbage * 100 >= seg.size * threshold and garbage > best_garbage:
                best, best_garbage = seg, garbage
        if best is None and self.state == "full":
            # out of space: any garbage is worth taking back
            for seg in self.segments.values():
                if seg is not self.active and seg.size > seg.live and \
                        seg.size - seg.live > best_garbage:
                    best, best_garbage = seg, seg.size - seg.live
        return best

    def _compact_step(self, chunk: int = 256 * 1024) -> None:
        """Walk the next records of the segment being compacted: copy the live ones to the
        active segment, then delete the file when the walk reaches its end."""
        seg = self.compacting
        assert seg is not None
        if seg.live <= 0 or self.compact_pos >= seg.size:
            self._drop_segment(seg)
            return
        data = os.pread(seg.fd, chunk, self.compact_pos)
        pos = 0
        while pos + _HEAD.size <= len(data):
            _crc, n = _HEAD.unpack_from(data, pos)
            total = _HEAD.size + n
            if pos + total > len(data):
                if pos == 0:  # a record bigger than the chunk: read it whole
                    data = os.pread(seg.fd, total, self.compact_pos)
                    if len(data) < total:
                        break
                else:
                    break
            record = data[pos:pos + total]
            offset = self.compact_pos + pos
            self._keep_if_live(seg, offset, record)
            pos += total
            if self.compacting is None:
                return
        if pos == 0:  # nothing parseable left: the tail is garbage
            self._drop_segment(seg)
            return
        self.compact_pos += pos

    def _keep_if_live(self, seg: _Segment, offset: int, record: bytes) -> None:
        try:
            dbid, key, _value = self._decode_key(record)
        except ValueError:
            return
        loc = (seg.no << _OFF_BITS) | offset
        found = self._holder(dbid, key, loc)
        if found is None:
            return
        db, old = found
        dst = self.active
        if dst is seg or dst is None:
            dst = self._open_segment()
        if dst.size + len(record) > self.engine.config.values["tiering-segment-size"] \
                and dst.size:
            dst = self._open_segment()
        if not self._append(dst, record):
            self.compacting = None  # the disk is full: stop here, try again later
            return
        new = _make_ref(dst.no, dst.size - len(record), len(record), int(old) & 15)
        dst.live += len(record)
        self.live_keys += 1
        self.live_bytes += len(record)
        db.replace_in_place(key, new)   # releases the old ref
        self.compacted_bytes += len(record)

    def _decode_key(self, record: bytes) -> Tuple[int, bytes, None]:
        crc, n = _HEAD.unpack_from(record)
        body = record[_HEAD.size:]
        if len(body) != n or zlib.crc32(body) != crc:
            raise ValueError("corrupt record")
        if self.key is not None:
            from .persistence.crypto import CryptoError, unseal
            try:
                body = unseal(body, self.key)
            except CryptoError as e:
                raise ValueError(str(e)) from None
        _kind, dbid, klen = _BODY.unpack_from(body)
        return dbid, body[_BODY.size:_BODY.size + klen], None

    def _holder(self, dbid: int, key: bytes, loc: int) -> Optional[Tuple[Any, TieredRef]]:
        """The database whose key still refers to the record at ``loc`` (the record's own
        database first; SWAPDB and MOVE can have carried the ref elsewhere)."""
        dbs = self.engine.dbs
        order = [dbs[dbid]] if dbid < len(dbs) else []
        for db in order + [d for d in dbs if d.id != dbid]:
            v = db.table.peek(key)
            if type(v) is TieredRef and _where(v) == loc:
                return db, v
        return None

    def _drop_segment(self, seg: _Segment) -> None:
        self.compacting = None
        if seg is self.active:
            return
        try:
            os.close(seg.fd)
            os.unlink(seg.path)
        except OSError:
            pass
        self.segments.pop(seg.no, None)
        self.disk_bytes -= seg.size
        self.compactions += 1

    def _reset_files(self) -> None:
        """No key is tiered any more: every file is garbage."""
        for seg in list(self.segments.values()):
            if seg is not self.active:
                self._drop_segment(seg)
        seg = self.active
        if seg is not None and seg.size:
            try:
                os.ftruncate(seg.fd, 0)
            except OSError:
                return
            self.disk_bytes -= seg.size
            seg.size = seg.live = 0
        self.compacting = None

    # ------------------------------------------------------------------ INFO
    def info(self) -> List[Tuple[str, Any]]:
        cfg = self.engine.config.values
        lat = sorted(self.latencies)

        def pct(p: float) -> str:
            if not lat:
                return "0.00"
            return "%.2f" % lat[min(len(lat) - 1, int(len(lat) * p))]

        hits = self.engine.stats.keyspace_hits
        garbage = self.disk_bytes - self.live_bytes
        return [
            ("tiering_enabled", 1),
            ("tiering_state", self.state),
            ("tiering_accepting", int(self.state == "ok")),
            ("tiering_dir", self.dir),
            ("tiering_encrypted", int(self.key is not None)),
            ("tiering_max_size", cfg["tiering-max-size"]),
            ("tiering_keys", self.live_keys),
            ("tiering_bytes", self.live_bytes),
            ("tiering_disk_bytes", self.disk_bytes),
            ("tiering_garbage_bytes", garbage),
            ("tiering_segments", len(self.segments)),
            ("tiering_spilled_values", self.writes),
            ("tiering_written_bytes", self.written_bytes),
            ("tiering_disk_reads", self.reads),
            ("tiering_read_bytes", self.read_bytes),
            ("tiering_promotions", self.promotions),
            ("tiering_memory_hit_ratio", "%.4f" % ((hits - self.reads) / hits if hits else 1.0)),
            ("tiering_read_latency_p50_usec", pct(0.50)),
            ("tiering_read_latency_p99_usec", pct(0.99)),
            ("tiering_read_latency_p999_usec", pct(0.999)),
            ("tiering_compactions", self.compactions),
            ("tiering_compacted_bytes", self.compacted_bytes),
            ("tiering_compaction_in_progress", int(self.compacting is not None)),
            ("tiering_read_errors", self.read_errors),
            ("tiering_write_errors", self.write_errors),
            ("tiering_last_error", self.last_error.replace("\r", " ").replace("\n", " ")),
        ]


def _close_at_exit(ref: "weakref.ref[TieringStore]") -> None:
    store = ref()
    if store is not None:
        store.close()


def attach(engine: "Engine") -> Optional[TieringStore]:
    """The engine's tiering store when ``tiering-enabled`` (start-up only), else None."""
    if not engine.config.values["tiering-enabled"]:
        return None
    return TieringStore(engine)


def value_size(value: Any) -> int:
    """The bytes a value would take in memory (the spill threshold's measure)."""
    t = type(value)
    if t is bytes:
        return bytes_object(len(value))
    return getattr(value, "cost", 0) or 0
