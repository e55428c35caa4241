"""The keyspace hash table in pure Python: the specification of keytable_c.pyx.

A chained hash table over power-of-two bucket arrays, as Redis's dict.c, because three
Redis behaviours need buckets that a Python dict hides:

* SCAN's guarantee (a key present for the whole iteration is returned) comes from the
  reverse-binary cursor over buckets, which survives growing and shrinking the table;
* RANDOMKEY and eviction sample random buckets in O(1);
* the active expire cycle walks buckets incrementally with the same kind of cursor.

Each entry keeps, beside key and value, the expiry (absolute unix ms, -1 for none) and a
32-bit access field: Redis's LRU clock, or under an LFU policy the 16-bit minute stamp and
8-bit logarithmic counter (every write masks it to 32 bits). Keys are exactly ``bytes``
(``set`` refuses anything else, so a lookup by another type never finds a key); values are any
object.

Entries are Python lists ``[key, value, expire, access, next]``; new entries go to the head
of their chain and a resize walks old buckets in order, exactly as the C twin does, so both
return the same SCAN pages. The C twin stores a key's bytes (and a bytes value of at most
``INLINE_VALUE_MAX`` bytes) inside its entry instead of as objects, so there a lookup returns
an equal but fresh ``bytes``: callers never rely on a stored bytes value's identity.
"""

import random as _random

from .keytable_common import ENTRY_HEADER_BYTES, EXPIRED, INLINE_VALUE_MAX, LFU_INIT_VAL

__all__ = ["KeyTable", "EXPIRED", "LFU_INIT_VAL", "INLINE_VALUE_MAX", "ENTRY_HEADER_BYTES",
           "lfu_log_incr", "lfu_decr", "register_ref_type"]

_INITIAL_SIZE = 4
_REF_TYPE = None


def register_ref_type(cls) -> None:
    """The C twin keeps values of this int subclass (tiering's refs) inside its entries;
    here every value is an object, so the type is only recorded."""
    global _REF_TYPE
    _REF_TYPE = cls

_MASK64 = (1 << 64) - 1
_MASK32 = 0xFFFFFFFF
_K, _V, _E, _A, _N = 0, 1, 2, 3, 4


def _rev64(v: int) -> int:
    return int(format(v & _MASK64, "064b")[::-1], 2)


def lfu_decr(access: int, minutes: int, decay_time: int) -> int:
    """LFUDecrAndReturn: the counter after decaying one step per elapsed decay period."""
    ldt, counter = access >> 8, access & 255
    if decay_time:
        elapsed = minutes - ldt if minutes >= ldt else 65535 - ldt + minutes
        periods = elapsed // decay_time
        if periods:
            counter = 0 if periods > counter else counter - periods
    return counter


def lfu_log_incr(counter: int, log_factor: int, rand) -> int:
    """LFULogIncr: increment with probability 1/((counter-LFU_INIT_VAL)*factor+1)."""
    if counter == 255:
        return 255
    base = counter - LFU_INIT_VAL
    if base < 0:
        base = 0
    if rand() < 1.0 / (base * log_factor + 1):
        counter += 1
    return counter


class KeyTable:
    """keys -> values with per-key expiry and access metadata (see module docstring)."""

    def __init__(self) -> None:
        self._buckets: list = [None] * _INITIAL_SIZE
        self._mask = _INITIAL_SIZE - 1
        self._used = 0
        self._volatile = 0
        self.lfu = False
        self.lfu_log_factor = 10
        self.lfu_decay_time = 1
        self._rand = _random.Random().random

    # ------------------------------------------------------------------ internals
    def _find(self, key: bytes):
        e = self._buckets[hash(key) & self._mask]
        while e is not None:
            if e[_K] == key:
                return e
            e = e[_N]
        return None

    def _resize(self, size: int) -> None:
        old = self._buckets
        self._buckets = new = [None] * size
        self._mask = mask = size - 1
        for e in old:
            while e is not None:
                nxt = e[_N]
                i = hash(e[_K]) & mask
                e[_N] = new[i]
                new[i] = e
                e = nxt

    def _touch(self, e: list, clock: int) -> None:
        if self.lfu:
            counter = lfu_decr(e[_A], clock, self.lfu_decay_time)
            counter = lfu_log_incr(counter, self.lfu_log_factor, self._rand)
            e[_A] = ((clock << 8) | counter) & _MASK32
        else:
            e[_A] = clock & _MASK32

    def _maybe_shrink(self) -> None:
        size = self._mask + 1
        if size > _INITIAL_SIZE and self._used * 10 < size:
            target = _INITIAL_SIZE
            while target < self._used:
                target <<= 1
            self._resize(target)

    # ------------------------------------------------------------------ lookups
    def __len__(self) -> int:
        return self._used

    def __contains__(self, key: bytes) -> bool:
        return self._find(key) is not None

    @property
    def volatile_count(self) -> int:
        """Keys that carry an expiry."""
        return self._volatile

    @property
    def bucket_count(self) -> int:
        return self._mask + 1

    def lookup(self, key: bytes, now: int, clock: int):
        """The value; None when absent; EXPIRED when the key's time has passed (left in
        place: deleting it has side effects the keyspace owns). ``clock`` >= 0 updates the
        access field (LRU clock, or LFU minutes under ``lfu``)."""
        e = self._buckets[hash(key) & self._mask]
        while e is not None:
            if e[_K] == key:
                if e[_E] >= 0 and e[_E] < now:
                    return EXPIRED
                if clock >= 0:
                    if self.lfu:
                        self._touch(e, clock)
                    else:
                        e[_A] = clock & _MASK32
                return e[_V]
            e = e[_N]
        return None

    def peek(self, key: bytes):
        """The value, ignoring expiry and leaving the access field alone; None if absent."""
        e = self._find(key)
        return None if e is None else e[_V]

    def get_expire(self, key: bytes):
        """Absolute unix-ms expiry, -1 when the key has none, None when it is absent."""
        e = self._find(key)
        return None if e is None else e[_E]

    def get_access(self, key: bytes):
        e = self._find(key)
        return None if e is None else e[_A]

    # ------------------------------------------------------------------ writes
    def set(self, key: bytes, value, access: int, keep_expire: bool = False):
        """Insert or overwrite; returns the previous value, None when the key is new. An
        overwrite drops the expiry unless ``keep_expire``; under LFU it keeps the old
        counter (as Redis's dbSetValue)."""
        if type(key) is not bytes:
            raise TypeError("KeyTable keys must be bytes, not %s" % type(key).__name__)
        access &= _MASK32
        i = hash(key) & self._mask
        e = self._buckets[i]
        while e is not None:
            if e[_K] == key:
                old = e[_V]
                e[_V] = value
                if not keep_expire and e[_E] >= 0:
                    e[_E] = -1
                    self._volatile -= 1
                if not self.lfu:
                    e[_A] = access
                return old
            e = e[_N]
        self._buckets[i] = [key, value, -1, access, self._buckets[i]]
        self._used += 1
        if self._used > self._mask:  # load factor 1, as dict.c
            self._resize((self._mask + 1) * 2)
        return None

    def set_expire(self, key: bytes, when: int) -> bool:
        """Set the absolute unix-ms expiry (-1 removes it). False if the key is absent."""
        e = self._find(key)
        if e is None:
            return False
        if (e[_E] >= 0) != (when >= 0):
            self._volatile += 1 if when >= 0 else -1
        e[_E] = when
        return True

    def set_access(self, key: bytes, access: int) -> bool:
        e = self._find(key)
        if e is None:
            return False
        e[_A] = access & _MASK32
        return True

    def pop(self, key: bytes):
        """Remove the key; returns its value, or None when it was absent."""
        i = hash(key) & self._mask
        prev = None
        e = self._buckets[i]
        while e is not None:
            if e[_K] == key:
                if prev is None:
                    self._buckets[i] = e[_N]
                else:
                    prev[_N] = e[_N]
                self._used -= 1
                if e[_E] >= 0:
                    self._volatile -= 1
                self._maybe_shrink()
                return e[_V]
            prev, e = e, e[_N]
        return None

    def clear(self) -> None:
        old = self._buckets
        self._buckets = [None] * _INITIAL_SIZE
        self._mask = _INITIAL_SIZE - 1
        self._used = 0
        self._volatile = 0
        # values are released only now, when a finalizer that writes to the table finds
        # it empty and consistent (the old buckets must not die before _mask is reset)
        del old

    # ------------------------------------------------------------------ iteration
    def scan(self, cursor: int, count: int):
        """One SCAN step: (next cursor, keys). Visits buckets in reverse-binary order until
        ``count`` keys were collected or 10*count buckets were visited; 0 means done."""
        keys: list = []
        if not self._used:
            return 0, keys
        cursor &= _MASK64
        budget = count * 10
        while True:
            e = self._buckets[cursor & self._mask]
            while e is not None:
                keys.append(e[_K])
                e = e[_N]
            cursor = _rev64((_rev64(cursor | (~self._mask & _MASK64)) + 1) & _MASK64)
            budget -= 1
            if not cursor or budget <= 0 or len(keys) >= count:
                return cursor, keys

    def expire_scan(self, cursor: int, buckets: int, now: int):
        """Walk ``buckets`` buckets from ``cursor`` (SCAN order); returns (next cursor,
        expired keys, keys with a TTL seen). The caller deletes what it gets."""
        expired: list = []
        seen = 0
        cursor &= _MASK64
        for _ in range(buckets):
            e = self._buckets[cursor & self._mask]
            while e is not None:
                if e[_E] >= 0:
                    seen += 1
                    if e[_E] < now:
                        expired.append(e[_K])
                e = e[_N]
            cursor = _rev64((_rev64(cursor | (~self._mask & _MASK64)) + 1) & _MASK64)
            if not cursor:
                break
        return cursor, expired, seen

    def random_key(self):
        """A random key (random non-empty bucket, random chain position), None if empty."""
        if not self._used:
            return None
        rand = self._rand
        size = self._mask + 1
        while True:
            e = self._buckets[int(rand() * size)]
            if e is not None:
                break
        chain = []
        while e is not None:
            chain.append(e)
            e = e[_N]
        return chain[int(rand() * len(chain))][_K]

    def sample(self, count: int, volatile_only: bool = False):
        """Up to ``count`` entries as (key, access, expire), from consecutive buckets after a
        random one (dictGetSomeKeys): the eviction pool's input."""
        out: list = []
        if not self._used or (volatile_only and not self._volatile):
            return out
        size = self._mask + 1
        i = int(self._rand() * size)
        empty = 0
        for _ in range(size):
            e = self._buckets[i]
            if e is None:
                empty += 1
                if empty >= 5 and empty > count:
                    i = int(self._rand() * size)
                    empty = 0
                    continue
            else:
                empty = 0
            while e is not None:
                if not volatile_only or e[_E] >= 0:
                    out.append((e[_K], e[_A], e[_E]))
                    if len(out) >= count:
                        return out
                e = e[_N]
            i = (i + 1) & self._mask
        return out

    def keys(self) -> list:
        out = []
        for e in self._buckets:
            while e is not None:
                out.append(e[_K])
                e = e[_N]
        return out

    def entries(self) -> list:
        """Every entry as (key, value, expire, access), in bucket order."""
        out = []
        for e in self._buckets:
            while e is not None:
                out.append((e[_K], e[_V], e[_E], e[_A]))
                e = e[_N]
        return out

    def overhead_bytes(self) -> int:
        """Bytes the table itself uses (bucket array and entry headers), not the bytes of
        keys or values, counted as the C twin lays them out."""
        return 8 * (self._mask + 1) + ENTRY_HEADER_BYTES * self._used
