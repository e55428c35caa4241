# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""The keyspace hash table in C: the Cython twin of keytable_py.py, which is the
specification (same bucket layout, same SCAN pages, same results).

Chained hashing over a power-of-two array of ``Entry*`` (see keytable_c.pxd), new entries
at the head of their chain, grow at load factor 1 and shrink below 10%, each resize
relinking old buckets in order, exactly as keytable_py does.

An entry is one PyMem block: a 32-byte header (next, expire, access, key length, value),
then the key's bytes, then -- for an exact ``bytes`` value of at most ``INLINE_VALUE_MAX``
bytes -- the value's bytes. Neither key nor small string is a Python object while stored:
``SET key:1 <32 bytes>`` costs one 80-byte block instead of a 40-byte entry, a 48-byte key
object and a 72-byte value object (see docs/memory.md). Lookups materialize a fresh
``bytes`` for an inline value (equal, not identical, to what was stored), keys() and friends
a fresh ``bytes`` per key. Other values (collections, bigger strings, bytearray) are stored
as an owned object pointer. The bucket of a stored key is ``hash(key)`` recomputed from its
bytes (``_Py_HashBytes`` is what ``bytes.__hash__`` caches), so nothing is stored for it.

A lookup by an exact bytes key compares length and bytes along its chain. A lookup by any
other type compares with ``==`` as keytable_py does (memoryview(b"k") finds b"k") against a
materialized key, restarting if the comparison's Python code changed the table.

References: the table owns one reference to each object value. It does not take part in the
cyclic GC (no tp_traverse over entries): values are data (bytes, deque, dict, set, ...) that
never point back at the table, so no cycle can run through it; a value is simply alive
while it is stored. Values are decref'd only after they are unlinked (clear() detaches the
whole array first), so a finalizer that touches the table sees a consistent one.

Walks that allocate tuples (entries, sample) may trigger a GC pass and so run finalizers;
they raise RuntimeError if the table changed meanwhile instead of following a freed entry.
"""

cimport cython
from cpython.bytes cimport PyBytes_CheckExact, PyBytes_FromStringAndSize
from cpython.list cimport PyList_GET_SIZE
from cpython.long cimport PyLong_AsUnsignedLongLongMask
from cpython.mem cimport PyMem_Free, PyMem_Malloc, PyMem_Realloc
from cpython.object cimport Py_EQ, PyObject, PyObject_Hash, PyObject_RichCompareBool
from cpython.ref cimport Py_DECREF, Py_INCREF
from libc.limits cimport LLONG_MAX
from libc.stdint cimport int64_t, uint32_t, uint64_t, uintptr_t
from libc.string cimport memcmp, memcpy

import os

from .keytable_common import ENTRY_HEADER_BYTES, EXPIRED, INLINE_VALUE_MAX, LFU_INIT_VAL

__all__ = ["KeyTable", "EXPIRED", "LFU_INIT_VAL", "INLINE_VALUE_MAX", "ENTRY_HEADER_BYTES",
           "register_ref_type"]

cdef extern from "Python.h":
    void* PyMem_Calloc(size_t nelem, size_t elsize)
    # borrowed-pointer forms, so walking entries costs no reference traffic
    Py_ssize_t _bytes_size "Py_SIZE"(PyObject* o)
    char* _bytes_data "PyBytes_AS_STRING"(PyObject* o)
    Py_hash_t _hash_bytes "_Py_HashBytes"(const void* data, Py_ssize_t n)  # == hash(bytes)
    void _decref "Py_DECREF"(PyObject* o)

cdef extern from *:
    """
    #define STRATA_XORSHIFT_MULT 0x2545F4914F6CDD1DULL
    """
    uint64_t STRATA_XORSHIFT_MULT

cdef enum:
    INITIAL_SIZE = 4
cdef uint64_t MASK32 = 0xFFFFFFFFu
cdef long long _LFU_INIT = LFU_INIT_VAL
cdef Py_ssize_t _INLINE_MAX = INLINE_VALUE_MAX
cdef object _EXPIRED = EXPIRED
# An int subclass (engine/tiering.py's TieredRef) whose values below 2**62 are kept in the
# entry's value word, (v << 2) | 2, instead of as an object: a tiered key costs no value.
cdef object _REF_TYPE = None
cdef uint64_t _REF_LIMIT = (<uint64_t>1) << 62


def register_ref_type(cls):
    """Keep values of exactly this int subclass inside entries (lookups give back an
    equal instance of it)."""
    global _REF_TYPE
    _REF_TYPE = cls
assert ENTRY_HEADER == ENTRY_HEADER_BYTES


cdef inline uint64_t _rev64(uint64_t v) noexcept nogil:
    v = ((v >> 1) & 0x5555555555555555u) | ((v & 0x5555555555555555u) << 1)
    v = ((v >> 2) & 0x3333333333333333u) | ((v & 0x3333333333333333u) << 2)
    v = ((v >> 4) & 0x0F0F0F0F0F0F0F0Fu) | ((v & 0x0F0F0F0F0F0F0F0Fu) << 4)
    v = ((v >> 8) & 0x00FF00FF00FF00FFu) | ((v & 0x00FF00FF00FF00FFu) << 8)
    v = ((v >> 16) & 0x0000FFFF0000FFFFu) | ((v & 0x0000FFFF0000FFFFu) << 16)
    return (v >> 32) | (v << 32)


cdef inline uint64_t _next_cursor(uint64_t cursor, uint64_t mask) noexcept nogil:
    """dictScan's reverse-binary increment: set the bits above the mask, then add one
    from the top, so a cursor stays meaningful across a grow or shrink."""
    return _rev64(_rev64(cursor | ~mask) + 1)


cdef inline long long _floordiv(long long a, long long b) noexcept nogil:
    # Python's // (keytable_py's lfu_decr), not C's truncation
    cdef long long q = a // b
    if (a % b != 0) and ((a < 0) != (b < 0)):
        q -= 1
    return q


cdef inline uint32_t _access32(object access) except? 0:
    # keytable_py masks with 0xFFFFFFFF: two's complement of any Python int
    return <uint32_t>(PyLong_AsUnsignedLongLongMask(access) & MASK32)


# ---------------------------------------------------------------------- entry helpers
cdef inline bint _is_inline(const Entry* e) noexcept nogil:
    """No object behind the value word: inline bytes (bit 0) or an inline ref (bit 1)."""
    return e.value & 3


cdef inline size_t _entry_size(const Entry* e) noexcept nogil:
    return ENTRY_HEADER + e.klen + ((e.value >> 1) if e.value & 1 else 0)


cdef inline Py_hash_t _entry_hash(Entry* e) noexcept:
    return _hash_bytes(e.data, e.klen)


cdef inline object _key_of(Entry* e):
    return PyBytes_FromStringAndSize(e.data, e.klen)


cdef inline object _value_of(Entry* e):
    """A new reference to the stored value (a fresh bytes object for an inline one)."""
    if e.value & 1:
        return PyBytes_FromStringAndSize(e.data + e.klen, <Py_ssize_t>(e.value >> 1))
    if e.value & 2:
        return _REF_TYPE(<uint64_t>(e.value >> 2))
    return <object><PyObject*>e.value


cdef inline int _inlinable(object value) except -1:
    """1: a small bytes value (stored after the key), 2: a ref (in the value word), 0: an
    object pointer."""
    if PyBytes_CheckExact(value):
        return _bytes_size(<PyObject*>value) <= _INLINE_MAX
    if type(value) is _REF_TYPE and _REF_TYPE is not None and 0 <= value < _REF_LIMIT:
        return 2
    return 0


cdef inline void _put_value(Entry* e, object value, int inline) noexcept:
    """Store ``value`` into an entry whose block is already big enough for it."""
    cdef Py_ssize_t n
    if inline == 1:
        n = _bytes_size(<PyObject*>value)
        memcpy(e.data + e.klen, _bytes_data(<PyObject*>value), <size_t>n)
        e.value = ((<uintptr_t>n) << 1) | 1
    elif inline == 2:
        e.value = ((<uintptr_t>PyLong_AsUnsignedLongLongMask(value)) << 2) | 2
    else:
        Py_INCREF(value)
        e.value = <uintptr_t><PyObject*>value


cdef void _free_entries(Entry** buckets, size_t size) noexcept:
    """Free a bucket array already detached from its table."""
    cdef size_t b
    cdef Entry* e
    cdef Entry* nxt
    for b in range(size):
        e = buckets[b]
        while e != NULL:
            nxt = e.next
            if not (e.value & 3):
                _decref(<PyObject*>e.value)  # may run a finalizer: e is unreachable already
            PyMem_Free(e)
            e = nxt
    PyMem_Free(buckets)


@cython.final
cdef class KeyTable:
    """keys -> values with per-key expiry and access metadata (see keytable_py)."""

    def __cinit__(self):
        self._buckets = <Entry**>PyMem_Calloc(INITIAL_SIZE, sizeof(Entry*))
        if self._buckets == NULL:
            raise MemoryError()
        self._mask = INITIAL_SIZE - 1
        self._used = 0
        self._volatile = 0
        self._version = 0
        self._rng = int.from_bytes(os.urandom(8), "little") | 1

    def __init__(self):
        self.lfu = False
        self.lfu_log_factor = 10
        self.lfu_decay_time = 1

    def __dealloc__(self):
        if self._buckets != NULL:
            _free_entries(self._buckets, self._mask + 1)
            self._buckets = NULL

    # ------------------------------------------------------------------ internals
    cdef inline uint64_t _rand(self) noexcept:
        # xorshift64*: a few cycles, plenty for LFU coin flips and sampling buckets
        cdef uint64_t x = self._rng
        x ^= x >> 12
        x ^= x << 25
        x ^= x >> 27
        self._rng = x
        return x * STRATA_XORSHIFT_MULT

    cdef Entry* _find(self, object key) except? NULL:
        # hash first, like keytable_py (TypeError for unhashable keys)
        cdef Py_hash_t h = PyObject_Hash(key)
        cdef Entry* e
        cdef const char* s
        cdef Py_ssize_t n
        if not PyBytes_CheckExact(key):
            return self._find_slow(key, h)
        s = _bytes_data(<PyObject*>key)
        n = _bytes_size(<PyObject*>key)
        e = self._buckets[<size_t>h & self._mask]
        while e != NULL:
            if e.klen == <size_t>n and memcmp(e.data, s, <size_t>n) == 0:
                return e
            e = e.next
        return NULL

    cdef Entry* _find_slow(self, object key, Py_hash_t h) except? NULL:
        """A key of another type: ``stored == key`` as keytable_py, which may run Python
        code; if that changed the table, the entry pointers are stale: search again."""
        cdef Entry* e
        cdef object stored
        cdef uint64_t version
        cdef bint equal
        while True:
            version = self._version
            e = self._buckets[<size_t>h & self._mask]
            while e != NULL:
                stored = _key_of(e)  # a bytes object: making it runs no Python code
                equal = PyObject_RichCompareBool(stored, key, Py_EQ)
                if self._version != version:
                    break
                if equal:
                    return e
                e = e.next
            else:
                return NULL

    cdef Entry** _link_of(self, Entry* e) noexcept:
        """The pointer that points at ``e`` (its bucket slot or its predecessor's next)."""
        cdef Entry** link = &self._buckets[<size_t>_entry_hash(e) & self._mask]
        while link[0] != e:
            link = &link[0].next
        return link

    cdef int _resize(self, size_t size) except -1:
        cdef Entry** new = <Entry**>PyMem_Calloc(size, sizeof(Entry*))
        cdef Entry** old = self._buckets
        cdef size_t oldsize = self._mask + 1, mask = size - 1, b, i
        cdef Entry* e
        cdef Entry* nxt
        if new == NULL:
            raise MemoryError()
        for b in range(oldsize):  # old buckets in order, each chain from its head
            e = old[b]
            while e != NULL:
                nxt = e.next
                i = <size_t>_entry_hash(e) & mask
                e.next = new[i]
                new[i] = e
                e = nxt
        PyMem_Free(old)
        self._buckets = new
        self._mask = mask
        self._version += 1
        return 0

    cdef int _touch(self, Entry* e, long long clock) except -1:
        """updateLFU: LFUDecrAndReturn then LFULogIncr, stamped with the minute clock."""
        cdef long long ldt = e.access >> 8, counter = e.access & 255, elapsed, periods
        cdef double denom
        if self.lfu_decay_time:
            elapsed = clock - ldt if clock >= ldt else 65535 - ldt + clock
            periods = _floordiv(elapsed, self.lfu_decay_time)
            if periods:
                counter = 0 if periods > counter else counter - periods
        if counter != 255:
            denom = (<double>(counter - _LFU_INIT if counter > _LFU_INIT else 0)
                     * <double>self.lfu_log_factor + 1.0)
            if denom == 0:
                raise ZeroDivisionError("float division by zero")
            if <double>(self._rand() >> 11) * (1.0 / 9007199254740992.0) < 1.0 / denom:
                counter += 1
        e.access = <uint32_t>((((<uint64_t>clock) << 8) | <uint64_t>counter) & MASK32)
        return 0

    # ------------------------------------------------------------------ lookups
    def __len__(self):
        return self._used

    def __contains__(self, key):
        return self._find(key) != NULL

    @property
    def volatile_count(self):
        """Keys that carry an expiry."""
        return self._volatile

    @property
    def bucket_count(self):
        return self._mask + 1

    def lookup(self, key, long long now, long long clock):
        """The value; None when absent; EXPIRED when the key's time has passed (left in
        place). ``clock`` >= 0 updates the access field (LRU clock, or LFU minutes)."""
        cdef Entry* e = self._find(key)
        if e == NULL:
            return None
        if e.expire >= 0 and e.expire < now:
            return _EXPIRED
        if clock >= 0:
            if self.lfu:
                self._touch(e, clock)
            else:
                e.access = <uint32_t>clock
        return _value_of(e)

    def peek(self, key):
        """The value, ignoring expiry and leaving the access field alone; None if absent."""
        cdef Entry* e = self._find(key)
        return None if e == NULL else _value_of(e)

    def get_expire(self, key):
        """Absolute unix-ms expiry, -1 when the key has none, None when it is absent."""
        cdef Entry* e = self._find(key)
        return None if e == NULL else e.expire

    def get_access(self, key):
        cdef Entry* e = self._find(key)
        return None if e == NULL else e.access

    # ------------------------------------------------------------------ writes
    def set(self, key, value, access, bint keep_expire=False):
        """Insert or overwrite; returns the previous value, None when the key is new. An
        overwrite drops the expiry unless ``keep_expire``; under LFU it keeps the old
        counter (as Redis's dbSetValue)."""
        cdef uint32_t acc
        cdef Py_hash_t h
        cdef Py_ssize_t n
        cdef size_t need, vbytes
        cdef Entry** link
        cdef Entry* e
        cdef Entry* grown
        cdef object old
        cdef int inline
        cdef bint old_inline
        if type(key) is not bytes:
            raise TypeError("KeyTable keys must be bytes, not %s" % type(key).__name__)
        acc = _access32(access)
        n = _bytes_size(<PyObject*>key)
        if n > <Py_ssize_t>0xFFFFFFFF:
            raise OverflowError("key too long for the key table")
        h = PyObject_Hash(key)
        inline = _inlinable(value)
        vbytes = <size_t>_bytes_size(<PyObject*>value) if inline == 1 else 0
        need = ENTRY_HEADER + <size_t>n + vbytes
        link = &self._buckets[<size_t>h & self._mask]
        e = link[0]
        while e != NULL:
            if e.klen == <size_t>n and memcmp(e.data, _bytes_data(<PyObject*>key),
                                               <size_t>n) == 0:
                old_inline = _is_inline(e)
                old = _value_of(e)  # the caller's reference (a copy of an inline value)
                if need != _entry_size(e):
                    grown = <Entry*>PyMem_Realloc(e, need)
                    if grown == NULL:
                        raise MemoryError()
                    if grown != e:
                        e = grown
                        link[0] = e
                        self._version += 1
                if not old_inline:
                    Py_DECREF(old)  # the table's reference passes to the caller via `old`
                _put_value(e, value, inline)
                if not keep_expire and e.expire >= 0:
                    e.expire = -1
                    self._volatile -= 1
                if not self.lfu:
                    e.access = acc
                return old
            link = &e.next
            e = e.next
        e = <Entry*>PyMem_Malloc(need)
        if e == NULL:
            raise MemoryError()
        e.klen = <uint32_t>n
        memcpy(e.data, _bytes_data(<PyObject*>key), <size_t>n)
        _put_value(e, value, inline)
        e.expire = -1
        e.access = acc
        link = &self._buckets[<size_t>h & self._mask]
        e.next = link[0]
        link[0] = e
        self._used += 1
        self._version += 1
        if <size_t>self._used > self._mask:  # load factor 1, as dict.c
            self._resize((self._mask + 1) * 2)
        return None

    def set_expire(self, key, long long when):
        """Set the absolute unix-ms expiry (-1 removes it). False if the key is absent."""
        cdef Entry* e = self._find(key)
        if e == NULL:
            return False
        if (e.expire >= 0) != (when >= 0):
            self._volatile += 1 if when >= 0 else -1
        e.expire = when
        return True

    def set_access(self, key, access):
        cdef Entry* e = self._find(key)
        if e == NULL:
            return False
        e.access = _access32(access)
        return True

    def pop(self, key):
        """Remove the key; returns its value, or None when it was absent."""
        cdef Entry* e = self._find(key)
        cdef Entry** link
        cdef size_t size, target
        cdef object value
        if e == NULL:
            return None
        value = _value_of(e)  # may fail (MemoryError) before anything changed
        # no Python code ran since _find: unlink e from the chain it was found in
        link = self._link_of(e)
        link[0] = e.next
        self._used -= 1
        if e.expire >= 0:
            self._volatile -= 1
        self._version += 1
        if not _is_inline(e):
            Py_DECREF(value)  # the table's reference passes to the caller
        PyMem_Free(e)
        size = self._mask + 1
        if size > INITIAL_SIZE and <size_t>self._used * 10 < size:
            target = INITIAL_SIZE
            while target < <size_t>self._used:
                target <<= 1
            self._resize(target)
        return value

    def clear(self):
        cdef Entry** new = <Entry**>PyMem_Calloc(INITIAL_SIZE, sizeof(Entry*))
        cdef Entry** old = self._buckets
        cdef size_t oldsize = self._mask + 1
        if new == NULL:
            raise MemoryError()
        self._buckets = new
        self._mask = INITIAL_SIZE - 1
        self._used = 0
        self._volatile = 0
        self._version += 1
        _free_entries(old, oldsize)  # finalizers now see an empty, valid table

    # ------------------------------------------------------------------ iteration
    def scan(self, cursor, long long count):
        """One SCAN step: (next cursor, keys). Visits buckets in reverse-binary order until
        ``count`` keys were collected or 10*count buckets were visited; 0 means done."""
        cdef list keys = []
        cdef uint64_t c, mask = self._mask
        cdef long long budget
        cdef Entry* e
        if not self._used:
            return 0, keys
        c = PyLong_AsUnsignedLongLongMask(cursor)
        budget = count * 10 if count < LLONG_MAX // 10 else LLONG_MAX
        while True:
            e = self._buckets[c & mask]
            while e != NULL:
                # bytes and list growth allocate without running the GC
                keys.append(_key_of(e))
                e = e.next
            c = _next_cursor(c, mask)
            budget -= 1
            if not c or budget <= 0 or PyList_GET_SIZE(keys) >= count:
                return c, keys

    def expire_scan(self, cursor, long long buckets, long long now):
        """Walk ``buckets`` buckets from ``cursor`` (SCAN order); returns (next cursor,
        expired keys, keys with a TTL seen). The caller deletes what it gets."""
        cdef list expired = []
        cdef Py_ssize_t seen = 0
        cdef uint64_t c = PyLong_AsUnsignedLongLongMask(cursor), mask = self._mask
        cdef long long j
        cdef Entry* e
        for j in range(buckets):
            e = self._buckets[c & mask]
            while e != NULL:
                if e.expire >= 0:
                    seen += 1
                    if e.expire < now:
                        expired.append(_key_of(e))
                e = e.next
            c = _next_cursor(c, mask)
            if not c:
                break
        return c, expired, seen

    def random_key(self):
        """A random key (random non-empty bucket, random chain position), None if empty."""
        cdef Entry* e
        cdef Entry* x
        cdef uint64_t n = 0, k
        if not self._used:
            return None
        while True:
            e = self._buckets[(self._rand() >> 11) & self._mask]
            if e != NULL:
                break
        x = e
        while x != NULL:
            n += 1
            x = x.next
        k = (self._rand() >> 11) % n
        while k:
            e = e.next
            k -= 1
        return _key_of(e)

    def sample(self, long long count, bint volatile_only=False):
        """Up to ``count`` entries as (key, access, expire), from consecutive buckets after a
        random one (dictGetSomeKeys): the eviction pool's input."""
        cdef list out = []
        cdef size_t size, i, step
        cdef long long empty = 0
        cdef uint64_t version = self._version
        cdef Entry* e
        cdef Entry* nxt
        cdef object item
        if not self._used or (volatile_only and not self._volatile):
            return out
        size = self._mask + 1
        i = (self._rand() >> 11) & self._mask
        for step in range(size):
            e = self._buckets[i]
            if e == NULL:
                empty += 1
                if empty >= 5 and empty > count:
                    i = (self._rand() >> 11) & self._mask
                    empty = 0
                    continue
            else:
                empty = 0
            while e != NULL:
                nxt = e.next
                if not volatile_only or e.expire >= 0:
                    item = (_key_of(e), e.access, e.expire)
                    if self._version != version:
                        raise RuntimeError("KeyTable changed during sample()")
                    out.append(item)
                    if PyList_GET_SIZE(out) >= count:
                        return out
                e = nxt
            i = (i + 1) & self._mask
        return out

    def keys(self):
        cdef list out = []
        cdef size_t b
        cdef Entry* e
        for b in range(self._mask + 1):
            e = self._buckets[b]
            while e != NULL:
                out.append(_key_of(e))
                e = e.next
        return out

    def entries(self):
        """Every entry as (key, value, expire, access), in bucket order."""
        cdef list out = []
        cdef size_t b
        cdef uint64_t version = self._version
        cdef Entry* e
        cdef Entry* nxt
        cdef object item
        for b in range(self._mask + 1):
            e = self._buckets[b]
            while e != NULL:
                nxt = e.next
                item = (_key_of(e), _value_of(e), e.expire, e.access)
                if self._version != version:
                    raise RuntimeError("KeyTable changed during entries()")
                out.append(item)
                e = nxt
        return out

    def overhead_bytes(self):
        """Bytes the table itself uses (bucket array and entry headers), not the bytes of
        keys or values."""
        return 8 * (self._mask + 1) + ENTRY_HEADER * self._used
