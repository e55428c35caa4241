"""Database: one numbered keyspace, and the only door to keys.

Every lookup applies lazy expiry, updates the access field (LRU clock or LFU counter) and
counts hits/misses; every write keeps the expiry, memory and WATCH bookkeeping. Commands
never touch the table underneath, which is what lets it change (a native table, tiered
values) without touching them. Like Redis, handlers call ``signal_modified`` after changing
a value in place and bump ``engine.dirty`` for each change.

Memory: ``used_memory`` is kept from ``key_cost`` (the table entry, the key, the value, as
CPython really lays them out: engine/eviction.py, docs/memory.md), added on each write and
taken back on each delete.

Tiering: a value moved to disk (engine/tiering.py) is a ``TieredRef`` in the table. The
lookups that hand out values (``lookup_read``, ``lookup_write``, ``peek``) read it back, so
commands never see one -- except LOOKUP_NOTOUCH (``lookup_read(key, touch=False)``), which
answers about the key (EXISTS, TYPE, TTL, OBJECT): there the ref itself is returned, with
the ``TYPE_NAME`` and ``ENCODING`` of the value it stands for, and the disk is not read.

Native twin: the hot commands' native handlers (native/dispatch_c.pyx) do what lookup_read,
lookup_write, set_key, overwrite and resized do in the plain state (no maxmemory, LFU,
snapshot, notifications, memcached metadata or WATCH; while keys are tracked for client-side
caching, engine/tracking.py keeps those commands off the native path); a change to those
paths must be made there too, or excluded by their guard (tests/test_native_dispatch.py
compares them).
"""

from typing import TYPE_CHECKING, Any, Dict, List, Optional, Set, Tuple

from native.keytable import EXPIRED, IMPLEMENTATION, INLINE_VALUE_MAX, KeyTable

from . import notify
from .eviction import alloc_bytes, bytes_object
from .notifications import KEY_MISS, NEW
from .tiering import TieredRef

if TYPE_CHECKING:  # pragma: no cover
    from .engine import Engine

__all__ = ["Database", "type_name", "value_cost", "key_cost", "item_meta_cost"]

_TYPE_NAMES = {bytes: b"string", bytearray: b"string"}
# The bucket array's share per key: an 8-byte slot at a load factor between 1/2 and 1.
BUCKET_BYTES = 12
# The C table's entry: a 32-byte header, then the key's bytes and a small string's bytes in
# the same block (native/keytable_c.pyx). The Python twin's entry is a 5-item list (64 +
# 48 bytes), its access stamp an int object (32), the key a bytes object.
_INLINE = IMPLEMENTATION == "c"
_PY_ENTRY = 64 + 48 + 32
# Per-key bytes besides the key's and value's own bytes, for a typical small key (MEMORY
# USAGE of a missing encoding, rough figures elsewhere).
KEY_OVERHEAD = 32 + 8 + BUCKET_BYTES if _INLINE else _PY_ENTRY + 40 + BUCKET_BYTES
# Bytes of one memcached item's metadata (flags, CAS, access time) in Database.item_meta:
# a 4-item list (64 + 32), its CAS and time ints (2 x 32), the dict slot (~40); with the C
# table the dict also holds a key object of its own (see Database.set_item_meta).
ITEM_META_COST = 200


def item_meta_cost(klen: int) -> int:
    """The bytes memcached metadata adds to a key of ``klen`` bytes (Database.item_meta)."""
    return ITEM_META_COST + (bytes_object(klen) if _INLINE else 0)


def value_cost(value: Any) -> int:
    """Estimated bytes a stored value holds apart from its key's entry (used_memory is
    kept from these, never a scan). A collection is charged what it reported last (its
    ``cost``, see Database.resized)."""
    t = type(value)
    if t is bytes:
        return bytes_object(len(value))
    if t is bytearray:  # the object and its buffer (over-allocated when it grows)
        return len(value) + 96
    cost = getattr(value, "cost", None)
    if cost is None:
        usage = getattr(value, "memory_usage", None)
        if usage is None:
            return 64
        cost = value.cost = usage()
    return cost


if _INLINE:
    def key_cost(klen: int, value: Any) -> int:
        """Estimated bytes a key of ``klen`` bytes holding ``value`` takes in the table:
        its entry (with the value inside it for a small string), the bucket slot and the
        value."""
        if type(value) is bytes and len(value) <= INLINE_VALUE_MAX:
            return alloc_bytes(32 + klen + len(value)) + BUCKET_BYTES
        return alloc_bytes(32 + klen) + BUCKET_BYTES + value_cost(value)
else:
    def key_cost(klen: int, value: Any) -> int:
        """Estimated bytes a key of ``klen`` bytes holding ``value`` takes in the table:
        its entry list, the key object, the bucket slot and the value."""
        return _PY_ENTRY + bytes_object(klen) + BUCKET_BYTES + value_cost(value)


def type_name(value: Any) -> bytes:
    """TYPE's answer for a stored value."""
    name = _TYPE_NAMES.get(type(value))
    if name is None:
        name = getattr(value, "TYPE_NAME", b"none")
    return name


class Database:
    """Keys -> values of one database (SELECT index)."""

    __slots__ = ("engine", "id", "table", "watched", "blocking_keys", "avg_ttl",
                 "expire_cursor", "used_memory", "item_meta")

    def __init__(self, engine: "Engine", index: int) -> None:
        self.engine = engine
        self.id = index
        self.table = KeyTable()
        # key -> set of clients WATCHing it (signal_modified invalidates them)
        self.watched: Dict[bytes, Set[Any]] = {}
        # key -> clients blocked on it (lists, zsets, streams)
        self.blocking_keys: Dict[bytes, List[Any]] = {}
        self.avg_ttl = 0
        self.expire_cursor = 0
        self.used_memory = 0
        # key -> memcached item metadata [flags, cas, atime, bits] (engine/memcached); any
        # other write to the key drops it, so RESP writes give flags 0 and a fresh CAS
        self.item_meta: Dict[bytes, list] = {}

    def __len__(self) -> int:
        return len(self.table)

    # ------------------------------------------------------------------ lookups
    def lookup_read(self, key: bytes, touch: bool = True) -> Any:
        """The live value for a read (counts a hit or a miss), or None. ``touch=False`` is
        LOOKUP_NOTOUCH: the access field is left alone (EXISTS, TYPE, TTL, OBJECT)."""
        eng = self.engine
        v = self.table.lookup(key, eng.now_ms, eng.access_clock if touch else -1)
        if v is EXPIRED:
            self.expire_read(key)
            v = None
        elif type(v) is TieredRef and touch:
            v = self.load_tiered(key, v, True)
        if v is None:
            eng.stats.keyspace_misses += 1
            if eng.notify_flags & KEY_MISS:
                eng.notify_keyspace_event(notify.MISS, b"keymiss", key, self.id)
        else:
            eng.stats.keyspace_hits += 1
            if eng.snapshot is not None and type(v) is not bytes:
                eng.snapshot.touch(self, key)  # a mutable value a reader may still change
        return v

    def lookup_write(self, key: bytes) -> Any:
        """The live value for a command about to write it, or None (no hit/miss stats)."""
        eng = self.engine
        v = self.table.lookup(key, eng.now_ms, eng.access_clock)
        if eng.snapshot is not None and v is not None:
            eng.snapshot.touch(self, key)  # a forkless BGSAVE keeps the pre-image
        if v is EXPIRED:
            self.expire_key(key)
            return None
        if type(v) is TieredRef:
            return self.load_tiered(key, v, True)
        return v

    def peek(self, key: bytes) -> Any:
        """The live value without touching the access field or stats (EXISTS-like reads
        that must not disturb LRU, e.g. OBJECT, TYPE of internal callers). A tiered value
        is read from disk but stays there."""
        v = self.table.lookup(key, self.engine.now_ms, -1)
        if v is EXPIRED:
            self.expire_read(key)
            return None
        if type(v) is TieredRef:
            return self.load_tiered(key, v, False)
        return v

    def peek_stored(self, key: bytes) -> Any:
        """The live value as stored -- a tiered one stays a TieredRef (no disk read) --
        without stats or access-field changes (MEMORY USAGE)."""
        v = self.table.lookup(key, self.engine.now_ms, -1)
        if v is EXPIRED:
            self.expire_read(key)
            return None
        return v

    def exists(self, key: bytes) -> bool:
        """A live key (expired ones are deleted); never reads a tiered value."""
        v = self.table.lookup(key, self.engine.now_ms, -1)
        if v is EXPIRED:
            self.expire_read(key)
            return False
        return v is not None

    # ------------------------------------------------------------------ tiering
    def load_tiered(self, key: bytes, ref: TieredRef, promote: bool) -> Any:
        """The value a TieredRef stands for, read from disk; ``promote`` puts it back in
        memory (a read makes it hot: the next eviction spills colder ones). A value the
        disk cannot give back (I/O error, corrupt record) loses its key: None."""
        tiering = self.engine.tiering
        value = tiering.read(ref) if tiering is not None else None
        if value is None:
            self.delete(key)
            self.signal_modified(key)
            return None
        if promote:
            self.replace_in_place(key, value)
            tiering.promoted()
        return value

    def materialize(self, value: Any) -> Any:
        """A value from ``table.entries()`` as commands see it (a TieredRef read back from
        disk, not promoted): for walks over the whole table (DEBUG DIGEST, snapshots)."""
        if type(value) is TieredRef:
            tiering = self.engine.tiering
            got = tiering.read(value) if tiering is not None else None
            return got
        return value

    def replace_in_place(self, key: bytes, value: Any) -> Any:
        """The same logical value in another form (moving to or from the disk tier): only
        the memory accounting changes; TTL, LRU/LFU stamp, memcached metadata and WATCH are
        left alone. Returns the form it replaced (a released TieredRef frees disk space)."""
        table = self.table
        old = table.set(key, value, table.get_access(key) or 0, True)
        klen = len(key)
        self.used_memory += key_cost(klen, value) - key_cost(klen, old)
        if type(old) is TieredRef:
            self.engine.tiering.release(old)
        return old

    def get_expire(self, key: bytes) -> int:
        """Absolute unix-ms expiry of a key, or -1 when it has none or is absent."""
        when = self.table.get_expire(key)
        return -1 if when is None else when

    def access(self, key: bytes) -> Optional[int]:
        """The key's access field (LRU clock or LFU stamp and counter), None if absent."""
        return self.table.get_access(key)

    def set_access(self, key: bytes, access: int) -> None:
        """Restore an access field (a value moved to another key keeps its LRU/LFU data)."""
        self.table.set_access(key, access)

    # ------------------------------------------------------------------ writes
    def set_key(self, key: bytes, value: Any, keep_ttl: bool = False) -> None:
        """setKey(): create or overwrite, dropping the TTL unless keep_ttl."""
        if self.engine.snapshot is not None:
            self.engine.snapshot.touch(self, key)
        old = self.table.set(key, value, self.engine.access_clock if not self.engine.lfu
                             else self.engine.new_access(), keep_ttl)
        if type(value) is bytes and type(old) is bytes:  # the common overwrite
            klen = len(key)
            self.used_memory += key_cost(klen, value) - key_cost(klen, old)
        else:
            self._account(key, old, value)
        if self.item_meta:
            self.drop_item_meta(key)
        if self.watched or self.engine.tracking.active:
            self.signal_modified(key)

    def add(self, key: bytes, value: Any) -> None:
        """dbAdd(): the key must not exist (callers checked). Wakes clients blocked on it."""
        if self.engine.snapshot is not None:
            self.engine.snapshot.touch(self, key)
        self.table.set(key, value, self.engine.new_access(), False)
        self.used_memory += key_cost(len(key), value)
        if self.item_meta:
            self.drop_item_meta(key)
        if self.blocking_keys and key in self.blocking_keys:
            self.engine.signal_key_ready(self, key)
        if self.engine.notify_flags & NEW:
            self.engine.notify_keyspace_event(notify.NEW, b"new", key, self.id)

    def overwrite(self, key: bytes, value: Any) -> None:
        """dbOverwrite(): replace the value of an existing key, keeping the TTL."""
        if self.engine.snapshot is not None:
            self.engine.snapshot.touch(self, key)
        old = self.table.set(key, value, self.engine.new_access(), True)
        self._account(key, old, value)
        if self.item_meta:
            self.drop_item_meta(key)

    def _account(self, key: bytes, old: Any, new: Any) -> None:
        if old is None:
            self.used_memory += key_cost(len(key), new)
            if self.blocking_keys and key in self.blocking_keys:
                self.engine.signal_key_ready(self, key)
            if self.engine.notify_flags & NEW:
                self.engine.notify_keyspace_event(notify.NEW, b"new", key, self.id)
        else:
            klen = len(key)
            self.used_memory += key_cost(klen, new) - key_cost(klen, old)
            if type(old) is TieredRef:
                self.engine.tiering.release(old)
            self._stream_gone(key, old)

    def adjust_memory(self, delta: int) -> None:
        """A string changed size in place (APPEND, SETRANGE)."""
        self.used_memory += delta

    def resized(self, value: Any) -> None:
        """A collection changed in place: charge its new ``memory_usage()`` (O(1) from the
        counters each collection keeps) instead of the ``cost`` it was charged before."""
        new = value.memory_usage()
        self.used_memory += new - value.cost
        value.cost = new

    def delete(self, key: bytes) -> bool:
        """dbDelete() of a live or expired key; True if something was removed."""
        if self.engine.snapshot is not None:
            self.engine.snapshot.touch(self, key)
        old = self.table.pop(key)
        if old is None:
            return False
        self.used_memory -= key_cost(len(key), old)
        self._stream_gone(key, old)
        if type(old) is TieredRef:
            self.engine.tiering.release(old)
        if self.item_meta:
            self.drop_item_meta(key)
        return True

    def _stream_gone(self, key: bytes, old: Any) -> None:
        """A stream was deleted or overwritten: its XREADGROUP waiters must end with
        -UNBLOCKED (dbGenericDelete / dbOverwrite signal the key as ready)."""
        if self.blocking_keys and key in self.blocking_keys and type_name(old) == b"stream":
            self.engine.signal_key_ready(self, key)

    def streams_gone(self, replaced_with: Optional["Database"]) -> None:
        """scanDatabaseForDeletedStreams(): this database is emptied (FLUSH) or gets the
        contents of ``replaced_with`` (SWAPDB); a waited-on stream that is no longer one
        wakes its XREADGROUP waiters."""
        for key in list(self.blocking_keys):
            old = self.table.peek(key)
            new = replaced_with.table.peek(key) if replaced_with is not None else None
            if (old is not None and type_name(old) == b"stream"
                    and (new is None or type_name(new) != b"stream")):
                self.engine.signal_key_ready(self, key)

    def set_expire(self, key: bytes, when_ms: int) -> None:
        if self.engine.snapshot is not None:
            self.engine.snapshot.touch(self, key)
        self.table.set_expire(key, when_ms)

    def persist(self, key: bytes) -> bool:
        """Remove the TTL; True if there was one."""
        when = self.table.get_expire(key)
        if when is None or when < 0:
            return False
        if self.engine.snapshot is not None:
            self.engine.snapshot.touch(self, key)
        self.table.set_expire(key, -1)
        return True

    def signal_modified(self, key: bytes, by_client: bool = True) -> None:
        """signalModifiedKey(): invalidate WATCHers and client-side caches (tracking);
        ``by_client`` False for expiry and eviction, which Redis signals with no client."""
        if self.item_meta:
            self.drop_item_meta(key)
        if self.engine.tracking.active:
            self.engine.tracking.invalidate(key, by_client=by_client)
        if self.watched:
            watchers = self.watched.get(key)
            if watchers:
                for c in watchers:
                    if self._stale_watch(c, key):
                        continue
                    c.dirty_cas = True

    def _stale_watch(self, c: Any, key: bytes) -> bool:
        """touchWatchedKey() of a key already expired when ``c`` WATCHed it: once it is
        deleted that is no logical change (the flag clears, a later change counts); Redis
        7.0 does not flag the client while the stale key is still there either."""
        for i, (db, k, expired) in enumerate(c.watched):
            if db is self and k == key:
                if not expired:
                    return False
                if key not in self.table:
                    c.watched[i] = (db, k, False)
                return True
        return False

    def set_item_meta(self, key: bytes, meta: list) -> None:
        """Attach memcached item metadata to a live key (after the write that stored it)."""
        if key not in self.item_meta:
            self.used_memory += item_meta_cost(len(key))
        self.item_meta[key] = meta

    def drop_item_meta(self, key: bytes) -> None:
        if self.item_meta.pop(key, None) is not None:
            self.used_memory -= item_meta_cost(len(key))

    def expire_read(self, key: bytes) -> None:
        """An expired key met by a read: deleted, except on a replica, where it only reads
        as missing until its master's DEL comes (expireIfNeeded on a replica)."""
        if not self.engine.is_replica:
            self.expire_key(key)

    def expire_key(self, key: bytes) -> None:
        """Delete a key whose TTL passed, with Redis's side effects: stats, 'expired'
        notification, WATCH invalidation and a DEL for replicas."""
        eng = self.engine
        self.delete(key)
        eng.stats.expired_keys += 1
        self.signal_modified(key, by_client=False)
        eng.notify_keyspace_event(notify.EXPIRED, b"expired", key, self.id)
        eng.propagate_expire(self, key)

    def flush(self) -> int:
        """Remove every key; returns how many there were."""
        if self.engine.snapshot is not None:
            self.engine.snapshot.drain_table(self.table)  # a BGSAVE still owes these keys
        n = len(self.table)
        self.touch_watched_keys(None)
        if self.blocking_keys:
            self.streams_gone(None)
        tiering = self.engine.tiering
        if tiering is not None and tiering.live_keys:
            for _key, value, _e, _a in self.table.entries():
                if type(value) is TieredRef:
                    tiering.release(value)
        self.table.clear()
        self.item_meta = {}
        self.used_memory = 0
        self.avg_ttl = 0
        self.expire_cursor = 0
        return n

    def swap(self, other: "Database") -> None:
        """SWAPDB (dbSwapDatabases): exchange contents with ``other``. WATCH and blocking
        state stay with the index, as clients stay in their database."""
        self.touch_watched_keys(other)
        other.touch_watched_keys(self)
        self.streams_gone(other)
        other.streams_gone(self)
        for name in ("table", "avg_ttl", "expire_cursor", "used_memory", "item_meta"):
            mine = getattr(self, name)
            setattr(self, name, getattr(other, name))
            setattr(other, name, mine)
        for db in (self, other):  # scanDatabaseForReadyKeys()
            for key in list(db.blocking_keys):
                if key in db.table:
                    db.engine.signal_key_ready(db, key)

    def touch_watched_keys(self, replaced_with: Optional["Database"]) -> None:
        """touchAllWatchedKeysInDb(): this database is emptied (FLUSHDB) or gets the contents
        of ``replaced_with`` (SWAPDB). A watched key that was expired at WATCH time and stays
        expired (or gone) is no change, so it does not abort the transaction."""
        if not self.watched:
            return
        now = self.engine.now_ms
        for key, clients in list(self.watched.items()):
            here = key in self.table
            there = replaced_with is not None and key in replaced_with.table
            if not (here or there):
                continue
            when = replaced_with.table.get_expire(key) if there else None
            expired_there = when is not None and 0 <= when < now
            for c in list(clients):
                i = next((i for i, w in enumerate(c.watched) if w[0] is self and w[1] == key),
                         None)
                if i is None:
                    continue
                if c.watched[i][2]:  # expired when WATCHed
                    if not there:
                        c.watched[i] = (self, key, False)  # deleted: no logical change
                        continue
                    if expired_there:
                        continue
                elif not here and expired_there:
                    c.watched[i] = (self, key, True)  # replaced by a key already expired
                    continue
                c.dirty_cas = True

    # ------------------------------------------------------------------ iteration
    def random_key(self) -> Optional[bytes]:
        """RANDOMKEY: a random live key (expired ones met on the way are deleted)."""
        table = self.table
        while True:
            key = table.random_key()
            if key is None:
                return None
            when = table.get_expire(key)
            if 0 <= when < self.engine.now_ms:
                self.expire_key(key)  # dbRandomKey() deletes what it meets expired
                continue
            return key

    def scan(self, cursor: int, count: int) -> Tuple[int, List[bytes]]:
        """One SCAN step over the table (expired keys included: the caller filters)."""
        return self.table.scan(cursor, count)

    def keys(self) -> List[bytes]:
        """All live keys (expired ones are filtered, not deleted)."""
        now = self.engine.now_ms
        table = self.table
        if not table.volatile_count:
            return table.keys()
        return [k for k, _v, e, _a in table.entries() if e < 0 or e >= now]

