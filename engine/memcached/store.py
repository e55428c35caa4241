"""Memcached items on the shared keyspace: memcached's verbs mapped onto the Database door.

An item is a plain ``bytes`` value in the keyspace (so RESP sees the same data) plus its
memcached metadata in ``Database.item_meta``: ``[flags, cas, atime, bits]``. Any write that
does not come through here drops the metadata (keyspace.py), so an item written by RESP
reads back with flags 0 and gets a fresh CAS the first time memcached looks at it. The CAS
counter is per engine, like memcached's global one. Non-string values are invisible to
memcached reads and replaced by its writes (as Redis SET does).

The semantics are memcached 1.6's do_store_item/do_add_delta/do_item_touch: the quirks
(add bumps an existing item, append keeps the old flags and TTL, incr rewrites in place and
pads with spaces when the number gets shorter, a set that fails for size drops the old
item) are kept because clients observe them.
"""

import math
import time
from typing import TYPE_CHECKING, Any, List, Optional, Tuple

from native.mcserve import COUNTER_FIELDS, CountersCore
from native.memcache import (
    STORE_ADD, STORE_APPEND, STORE_CAS, STORE_PREPEND, STORE_SET, item_size_ok,
    strtoull_data,
)

from .. import notify

if TYPE_CHECKING:  # pragma: no cover
    from ..engine import Engine
    from ..keyspace import Database

__all__ = ["MemcachedState", "ItemStore", "state", "Membership", "Counters",
           "M_FLAGS", "M_CAS", "M_ATIME", "M_BITS", "FETCHED", "STALE", "TOKEN_SENT",
           "KEY_BINARY", "STORED", "NOT_STORED", "EXISTS", "NOT_FOUND", "DELTA_OK",
           "NON_NUMERIC", "expiry_ms", "REALTIME_MAXDELTA", "slab_class", "item_total"]

# item metadata fields and bits
M_FLAGS, M_CAS, M_ATIME, M_BITS = 0, 1, 2, 3
FETCHED, STALE, TOKEN_SENT, KEY_BINARY = 1, 2, 4, 8

# store / delta outcomes (memcached's store_item_type and delta_result_type)
STORED, NOT_STORED, EXISTS, NOT_FOUND = 1, 2, 3, 4
DELTA_OK, NON_NUMERIC = 5, 6

REALTIME_MAXDELTA = 60 * 60 * 24 * 30
_MASK64 = (1 << 64) - 1

# slab classes as memcached 1.6 builds them (-n 48, -f 1.25, slab_chunk_max 512k)
SLAB_CHUNK_MAX = 512 * 1024
ITEM_HEADER = 48 + 8   # sizeof(item) + CAS


def _slab_sizes() -> List[int]:
    sizes = []
    size = 48 + 48
    while size < SLAB_CHUNK_MAX / 1.25:
        if size % 8:
            size += 8 - size % 8
        sizes.append(size)
        size = int(size * 1.25)
    sizes.append(SLAB_CHUNK_MAX)
    return sizes


SLAB_SIZES = _slab_sizes()


def item_total(nkey: int, flags: int, nbytes: int) -> int:
    """ITEM_ntotal(): the bytes memcached would use for an item (nbytes without CRLF)."""
    return ITEM_HEADER + nkey + 1 + (4 if flags else 0) + nbytes + 2


def slab_class(total: int) -> int:
    """slabs_clsid(): the class an item of ``total`` bytes lives in (largest if chunked)."""
    for i, size in enumerate(SLAB_SIZES):
        if total <= size:
            return i + 1
    return len(SLAB_SIZES)


def expiry_ms(exptime: int, now_ms: int, started: float) -> int:
    """realtime(EXPTIME_TO_POSITIVE_TIME(exptime)) as absolute unix ms: -1 never, else the
    expiry (at or before ``now_ms`` when the item is born expired). 0 never expires, up to
    30 days is relative, more is a unix time; negative means already expired."""
    if exptime == 0:
        return -1
    if exptime < 0:
        return 1
    if exptime > REALTIME_MAXDELTA:
        if exptime <= started:
            return 1
        return exptime * 1000
    return now_ms + exptime * 1000


def remaining_seconds(when: int, now_ms: int) -> int:
    """A TTL as memcached reports it (``t`` flag): whole seconds left, -1 for none."""
    if when < 0:
        return -1
    left = when - now_ms
    return max(0, math.ceil(left / 1000)) if left > 0 else 0


class Counters(CountersCore):
    """memcached's statistics counters (``stats``; ``stats reset`` zeroes them)."""

    FIELDS = COUNTER_FIELDS
    __slots__ = ()

    def reset(self) -> None:
        for f in self.FIELDS:
            setattr(self, f, 0)


class Membership:
    """The nodes of this deployment as ElastiCache Auto Discovery reports them.

    Empty means a single node: the server reports itself. Replication (or an operator)
    calls ``set_nodes``/``add``/``remove``; any change bumps ``version`` so clients that
    poll ``config get cluster`` notice."""

    def __init__(self) -> None:
        self.nodes: List[Tuple[str, str, int]] = []
        self.version = 1

    def set_nodes(self, nodes: List[Tuple[str, str, int]]) -> None:
        nodes = [(str(h), str(ip), int(p)) for h, ip, p in nodes]
        if nodes != self.nodes:
            self.nodes = nodes
            self.version += 1

    def add(self, host: str, ip: str, port: int) -> None:
        node = (host, ip, int(port))
        if node not in self.nodes:
            self.set_nodes(self.nodes + [node])

    def remove(self, host: str, ip: str, port: int) -> None:
        node = (host, ip, int(port))
        if node in self.nodes:
            self.set_nodes([n for n in self.nodes if n != node])


class MemcachedState:
    """Everything memcached-specific an engine keeps: the CAS counter, statistics, the
    Auto Discovery membership, the pending delayed flush and the item store."""

    def __init__(self, engine: "Engine") -> None:
        self.engine = engine
        self.cas_id = 0
        self.stats = Counters()
        self.membership = Membership()
        # memcached's process_started: absolute exptimes at or before it are already past
        self.started = time.time() - 62
        self.flush_handle: Any = None
        self.verbosity = 0
        self.curr_connections = 0
        self.connections: set = set()
        self.listeners: List[Any] = []
        self.detail_enabled = False
        self._store: Optional["ItemStore"] = None

    def next_cas(self) -> int:
        self.cas_id += 1
        return self.cas_id

    @property
    def store(self) -> "ItemStore":
        if self._store is None:
            dbi = self.engine.config.values["memcached-db"]
            self._store = ItemStore(self, self.engine.dbs[dbi])
        return self._store


def state(engine: "Engine") -> MemcachedState:
    """The engine's memcached state, made on first use (``engine.memcached``)."""
    st = engine.memcached
    if st is None:
        st = engine.memcached = MemcachedState(engine)
    return st


class ItemStore:
    """memcached's item verbs over one Database (the ``memcached-db``)."""

    def __init__(self, st: MemcachedState, db: "Database") -> None:
        self.st = st
        self.engine = st.engine
        self.db = db
        self.stats = st.stats

    # ---------------------------------------------------------------- helpers
    def _meta(self, key: bytes) -> list:
        """The item's metadata, made for a value memcached has not seen (RESP-written)."""
        meta = self.db.item_meta.get(key)
        if meta is None:
            meta = [0, self.st.next_cas(), self.engine.now_ms // 1000, 0]
            self.db.set_item_meta(key, meta)
        return meta

    def out_of_memory(self) -> bool:
        """A store must fail with "out of memory": over maxmemory and the policy could not
        free enough (memcached -M); otherwise items are evicted (or tiered) first."""
        eng = self.engine
        return bool(eng.config.values["maxmemory"]) and not eng.perform_evictions()

    def expiry(self, exptime: int) -> int:
        return expiry_ms(exptime, self.engine.now_ms, self.st.started)

    def _changed(self, event: bytes, klass: str, key: bytes, argv: Optional[list]) -> None:
        eng = self.engine
        eng.dirty += 1
        eng.notify_keyspace_event(klass, event, key, self.db.id)
        if argv is not None and eng.replication is not None:
            eng.replication.propagate(self.db.id, argv)

    def _signal(self, key: bytes, meta: list) -> None:
        """signal_modified() for a metadata-only change (WATCH) keeping the metadata."""
        db = self.db
        if db.watched:
            db.signal_modified(key)
            db.set_item_meta(key, meta)

    # ---------------------------------------------------------------- reads
    def lookup(self, key: bytes, update: bool = True) -> Tuple[Optional[bytes], Any]:
        """do_item_get(): the live value and metadata, or (None, None). ``update`` bumps the
        item (marks it fetched, refreshes its access time) and counts a keyspace hit."""
        db = self.db
        v = db.lookup_read(key) if update else db.peek(key)
        if v is None:
            return None, None
        t = type(v)
        if t is not bytes:
            if t is bytearray:
                v = bytes(v)
            else:
                return None, None
        meta = db.item_meta.get(key)
        if meta is None:
            meta = self._meta(key)
        if update:
            self.bump(meta)
        return v, meta

    def bump(self, meta: list) -> None:
        """do_item_bump(): the first fetch marks the item fetched, later ones refresh its
        last access time."""
        if meta[M_BITS] & FETCHED:
            meta[M_ATIME] = self.engine.now_ms // 1000
        else:
            meta[M_BITS] |= FETCHED

    def get_expire(self, key: bytes) -> int:
        return self.db.get_expire(key)

    def set_expiry(self, key: bytes, when: int, meta: list) -> bool:
        """Change an item's TTL (touch, gat, mg T); False if that expired it."""
        db = self.db
        if when >= 0 and when <= self.engine.now_ms:
            db.delete(key)
            self._changed(b"del", notify.GENERIC, key, [b"DEL", key])
            return False
        if when < 0:
            if db.persist(key):
                self._changed(b"persist", notify.GENERIC, key, [b"PERSIST", key])
        else:
            db.set_expire(key, when)
            self._changed(b"expire", notify.GENERIC, key, [b"PEXPIREAT", key, b"%d" % when])
        self._signal(key, meta)
        return True

    def touch(self, key: bytes, when: int) -> Tuple[Optional[bytes], Any]:
        """item_touch(): fetch (bumping) and set a new TTL; (None, None) on a miss."""
        v, meta = self.lookup(key)
        if v is None:
            return None, None
        self.set_expiry(key, when, meta)
        return v, meta

    # ---------------------------------------------------------------- writes
    def _write(self, key: bytes, value: bytes, flags: int, when: int, bits: int,
               event: bytes = b"set") -> int:
        """Link a new item: the value, its TTL and metadata with a fresh CAS."""
        db = self.db
        cas = self.st.next_cas()
        self.stats.total_items += 1
        now = self.engine.now_ms
        if 0 <= when <= now:    # born expired: memcached stores it and never returns it
            if db.delete(key):
                self._changed(b"del", notify.GENERIC, key, [b"DEL", key])
            return cas
        db.set_key(key, value)
        if when >= 0:
            db.set_expire(key, when)
            argv = [b"SET", key, value, b"PXAT", b"%d" % when]
        else:
            argv = [b"SET", key, value]
        db.set_item_meta(key, [flags, cas, now // 1000, bits])
        self._changed(event, notify.STRING, key, argv)
        return cas

    def store(self, mode: int, key: bytes, value: bytes, flags: int, when: int,
              cas_in: int = 0, set_stale: bool = False, key_binary: bool = False,
              max_item_size: int = 1024 * 1024) -> Tuple[int, int]:
        """do_store_item(): (outcome, CAS of the stored item or 0)."""
        db = self.db
        st = self.stats
        old = db.lookup_write(key)
        bits = KEY_BINARY if key_binary else 0
        if old is not None:
            if type(old) is bytearray:
                old = bytes(old)
            meta = self._meta(key)
            old_cas = meta[M_CAS]
            if cas_in == 0:
                cas_match, stale = True, False
                cas_none = True
            else:
                cas_none = False
                cas_match = cas_in == old_cas
                stale = (not cas_match) and set_stale and cas_in < old_cas
            if mode == STORE_ADD:
                self.bump_time(meta)           # add bumps the existing item in the LRU
                return NOT_STORED, 0
            if mode == STORE_CAS:
                if cas_match and not cas_none:
                    st.cas_hits += 1
                    return STORED, self._write(key, value, flags, when, bits)
                if stale:
                    st.cas_hits += 1
                    bits |= STALE | (meta[M_BITS] & TOKEN_SENT)
                    return STORED, self._write(key, value, flags, self.get_expire(key), bits)
                st.cas_badval += 1
                return EXISTS, 0
            if mode == STORE_APPEND or mode == STORE_PREPEND:
                if not cas_none and not cas_match:
                    return EXISTS, 0
                if type(old) is not bytes:
                    return NOT_STORED, 0
                new = old + value if mode == STORE_APPEND else value + old
                oflags = meta[M_FLAGS]
                if not item_size_ok(len(key), oflags, len(new) + 2, max_item_size):
                    return NOT_STORED, 0
                return STORED, self._write(key, new, oflags, self.get_expire(key), 0,
                                           b"append")
            return STORED, self._write(key, value, flags, when, bits)
        if mode == STORE_ADD or mode == STORE_SET:
            return STORED, self._write(key, value, flags, when, bits)
        if mode == STORE_CAS:
            st.cas_misses += 1
            return NOT_FOUND, 0
        return NOT_STORED, 0

    def bump_time(self, meta: list) -> None:
        meta[M_ATIME] = self.engine.now_ms // 1000

    def unlink(self, key: bytes) -> None:
        """Drop an item without a reply (a failed set must not leave stale data)."""
        if self.db.delete(key):
            self._changed(b"del", notify.GENERIC, key, [b"DEL", key])

    def delete(self, key: bytes, cas_in: int = 0) -> int:
        """process_delete_command / process_bin_delete: STORED (deleted), NOT_FOUND, or
        EXISTS when a CAS is given and does not match."""
        v, meta = self.lookup(key, update=False)
        if v is None:
            self.stats.delete_misses += 1
            return NOT_FOUND
        if cas_in and meta[M_CAS] != cas_in:
            self.stats.delete_misses += 1
            return EXISTS
        self.stats.delete_hits += 1
        self.db.delete(key)
        self._changed(b"del", notify.GENERIC, key, [b"DEL", key])
        return STORED

    def invalidate(self, key: bytes, meta: list, when: Optional[int]) -> None:
        """md with I: mark stale, clear the win token, new CAS, optionally a new TTL."""
        if when is not None:
            self.set_expiry(key, when, meta)
        meta[M_BITS] = (meta[M_BITS] | STALE) & ~TOKEN_SENT
        meta[M_CAS] = self.st.next_cas()
        self._signal(key, meta)

    def vivify(self, key: bytes) -> Tuple[bytes, list]:
        """mg with N on a miss: an empty item (no TTL until the N token sets it)."""
        self._write(key, b"", 0, -1, 0)
        return b"", self.db.item_meta[key]

    def delta(self, key: bytes, incr: bool, delta: int,
              cas_in: int = 0) -> Tuple[int, bytes, Any]:
        """do_add_delta(): (DELTA_OK | NON_NUMERIC | NOT_FOUND | EXISTS, new number as
        text, metadata). The value is rewritten in place, space-padded, when the new number
        is not longer than the old text; the TTL and flags stay."""
        db = self.db
        v = db.lookup_write(key)
        if v is None:
            return NOT_FOUND, b"", None
        t = type(v)
        if t is bytearray:
            v = bytes(v)
        elif t is not bytes:
            return NON_NUMERIC, b"", None
        meta = self._meta(key)
        if not v:
            return NON_NUMERIC, b"", None
        if cas_in and meta[M_CAS] != cas_in:
            return EXISTS, b"", None
        num = strtoull_data(v)
        if num is None:
            return NON_NUMERIC, b"", None
        if incr:
            num = (num + delta) & _MASK64
            self.stats.incr_hits += 1
        else:
            num = num - delta if delta <= num else 0
            self.stats.decr_hits += 1
        text = b"%d" % num
        if len(text) <= len(v):
            new = text + b" " * (len(v) - len(text))
            meta[M_ATIME] = self.engine.now_ms // 1000
        else:
            new = text
        db.overwrite(key, new)
        db.signal_modified(key)
        meta[M_CAS] = self.st.next_cas()
        db.set_item_meta(key, meta)
        self._changed(b"incrby" if incr else b"decrby", notify.STRING, key,
                      [b"SET", key, new, b"KEEPTTL"])
        return DELTA_OK, text, meta

    def create_number(self, key: bytes, initial: int, when: int) -> Tuple[bytes, list]:
        """A missed incr that creates its item (binary incr, ma with N)."""
        text = b"%d" % initial
        self._write(key, text, 0, when, 0)
        return text, self.db.item_meta.get(key) or [0, self.st.cas_id, 0, 0]

    def flush(self, delay: int = 0) -> None:
        """flush_all [delay]: empty the memcached database now, or at a later time (a new
        flush_all replaces a pending one, as memcached's oldest_live does)."""
        st = self.st
        if st.flush_handle is not None:
            st.flush_handle.cancel()
            st.flush_handle = None
        when = expiry_ms(delay, self.engine.now_ms, st.started) if delay > 0 else -1
        if when < 0 or when <= self.engine.now_ms:
            st.next_cas()   # memcached takes a CAS id as the flush's oldest_cas
            self._flush_now()
            return
        loop = self.engine.loop
        if loop is not None:
            st.flush_handle = loop.call_later((when - self.engine.now_ms) / 1000,
                                              self._flush_later)

    def _flush_later(self) -> None:
        self.st.flush_handle = None
        self.engine.update_clock()
        self._flush_now()

    def _flush_now(self) -> None:
        db = self.db
        self.engine.tracking.on_flush()   # signalFlushedDb(): client-side caches drop all
        if len(db):
            db.flush()
            self.engine.dirty += 1
            eng = self.engine
            if eng.replication is not None:
                eng.replication.propagate(db.id, [b"FLUSHDB"])
