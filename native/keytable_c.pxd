# Declarations of the key table's C layout (see keytable_c.pyx), so another Cython kernel
# (an eviction pool, a native SCAN filter) could cimport it and walk entries directly.

cimport cython
from libc.stdint cimport int64_t, uint32_t, uint64_t, uintptr_t

cdef extern from *:
    """
    #include <stddef.h>
    #include <stdint.h>
    /* One key: a single PyMem block holding the header, the key's bytes and, for a small
       bytes value, the value's bytes too (no Python object for either). */
    typedef struct StrataEntry {
        struct StrataEntry *next;  /* the chain; new entries go to its head */
        int64_t expire;            /* absolute unix ms, -1 for none */
        uint32_t access;           /* LRU clock, or LFU minutes << 8 | counter */
        uint32_t klen;             /* key length: the key is data[0:klen] */
        uintptr_t value;           /* a PyObject* (owned), or (vlen << 1) | 1 when the value
                                      is an inline bytes value at data[klen:klen+vlen] */
        char data[];
    } StrataEntry;
    #define STRATA_ENTRY_HEADER offsetof(StrataEntry, data)
    """
    ctypedef struct Entry "StrataEntry":
        Entry* next
        int64_t expire
        uint32_t access
        uint32_t klen
        uintptr_t value
        char data[1]
    size_t ENTRY_HEADER "STRATA_ENTRY_HEADER"


@cython.final
cdef class KeyTable:
    cdef Entry** _buckets
    cdef size_t _mask          # bucket count - 1 (a power of two)
    cdef Py_ssize_t _used
    cdef Py_ssize_t _volatile  # entries with expire >= 0
    cdef uint64_t _rng         # xorshift64* state for LFU, random_key and sample
    cdef uint64_t _version     # bumped when entries are linked, unlinked or moved
    cdef public bint lfu
    cdef public long long lfu_log_factor
    cdef public long long lfu_decay_time

    cdef Entry* _find(self, object key) except? NULL
    cdef Entry* _find_slow(self, object key, Py_hash_t h) except? NULL
    cdef Entry** _link_of(self, Entry* e) noexcept
    cdef int _resize(self, size_t size) except -1
    cdef int _touch(self, Entry* e, long long clock) except -1
    cdef inline uint64_t _rand(self) noexcept
