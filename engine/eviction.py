"""maxmemory: the memory model behind ``used_memory`` and the eviction policies.

Accounting. ``used_memory`` is an estimate kept incrementally by the keyspace (each write
adds what it costs, each delete takes it back; never a scan), so it has to model what
CPython really allocates for a key: the sizes below are those of CPython 3.11's objects
(pymalloc hands out 16-byte multiples up to 512 bytes, glibc malloc adds an 8-byte header
above that), dict and set tables sized the way CPython grows them. The collections in
engine/types report ``memory_usage()`` with ``hash_cost``, ``set_cost``, ``zset_cost`` and
``list_cost`` in O(1) from the counters they keep (element count and byte total).
docs/memory.md explains the model and how it was calibrated against RSS
(bench/memory_accounting.py, tests/memory/test_accounting_rss.py).

Eviction (evict.c). Before a ``denyoom`` command runs with ``maxmemory`` set and the
estimate above it, ``Evictor.perform`` frees memory by the ``maxmemory-policy``:

* lru / lfu / ttl policies sample ``maxmemory-samples`` keys per database (all keys, or
  only keys with a TTL for the volatile-* ones) into a pool of the 16 best candidates
  (EVPOOL_SIZE) kept between calls, ordered by idle time (LRU: seconds since the access
  clock stamp; LFU: 255 - the decayed log counter; TTL: the sooner the expiry the better),
  and evict from the best end -- Redis's approximation, with its quality;
* random policies take a random key of the next database in turn;
* noeviction, or nothing left to evict, fails: the command gets ``-OOM``.

An eviction is a delete with Redis's side effects: ``evicted_keys``, WATCH invalidation,
the ``evicted`` keyspace event, and a ``DEL`` for replicas. With data tiering on (and an
lru/lfu policy), the chosen key's value moves to disk instead (engine/tiering.py) while
the disk has room; keys are only deleted when nothing can be spilled. A cycle stops after
the ``maxmemory-eviction-tenacity`` time budget and carries on from the event loop
(Redis's eviction time proc), so a huge CONFIG SET maxmemory drop does not stall clients.
"""

import time
from bisect import bisect_left, bisect_right
from operator import itemgetter
from typing import TYPE_CHECKING, Any, List, Optional, Tuple

from native.keytable_py import lfu_decr

from . import notify
from .config import Option, register
from .latency import add_sample as add_latency_sample

if TYPE_CHECKING:  # pragma: no cover
    from .engine import Engine

__all__ = [
    "EVICT_OK", "EVICT_RUNNING", "EVICT_FAIL", "EVPOOL_SIZE", "Evictor",
    "alloc_bytes", "bytes_object", "ELEMENT_OVERHEAD", "dict_table_bytes",
    "set_table_bytes", "list_array_bytes", "dense_index_bytes", "elements_bytes",
    "hash_cost", "set_cost", "zset_cost", "list_cost",
]

EVICT_OK, EVICT_RUNNING, EVICT_FAIL = 0, 1, 2
EVPOOL_SIZE = 16
_IDLE = itemgetter(0)
LRU_CLOCK_MAX = (1 << 24) - 1

register(Option("maxmemory-eviction-tenacity", "int", 10, minimum=0, maximum=100))


# ====================================================================== the memory model
def alloc_bytes(n: int) -> int:
    """What an allocation of ``n`` bytes takes: pymalloc's 16-byte size classes up to 512
    bytes, glibc's 16-byte chunks with an 8-byte header above."""
    if n <= 512:
        return (n + 15) & -16
    return (n + 23) & -16


def bytes_object(n: int) -> int:
    """A ``bytes`` object of length n (a 33-byte header and the data)."""
    return alloc_bytes(33 + n)


# Per element of a collection besides its length: a bytes object's header and, on average,
# half a 16-byte size class of rounding.
ELEMENT_OVERHEAD = 41


def _dict_sizes() -> Tuple[List[int], List[int]]:
    """(max entries, table bytes) per dict keys-table size, as CPython 3.11 grows a dict
    filled one insert at a time: 8, 16, 32 ... slots of which 2/3 are usable; 24-byte
    entries beside an index of 1, 2, 4 or 8-byte slots."""
    limits, sizes = [], []
    size = 8
    while size <= 1 << 40:
        usable = (size << 1) // 3
        log2 = size.bit_length() - 1
        ix = 1 if log2 < 8 else 2 if log2 < 16 else 4 if log2 < 32 else 8
        limits.append(usable)
        sizes.append(alloc_bytes(32 + size * ix + usable * 24))
        size <<= 1
    return limits, sizes


def _set_sizes() -> Tuple[List[int], List[int]]:
    """(max members, table bytes) per set table size, as CPython 3.11 grows a set: the
    8-slot table inside the object first (0 bytes more), then a table four times the
    member count (twice past 50000) whenever 3/5 of the slots are used; 16-byte slots."""
    limits, sizes = [], []
    table = 8
    extra = 0
    while table <= 1 << 40:
        grow_at = -(-3 * (table - 1) // 5)   # fill*5 >= mask*3 after this many inserts
        limits.append(grow_at - 1)
        sizes.append(extra)
        minused = grow_at * 2 if grow_at > 50000 else grow_at * 4
        table = 1 << minused.bit_length()
        extra = alloc_bytes(16 * table)
    return limits, sizes


_DICT_LIMITS, _DICT_BYTES = _dict_sizes()
_SET_LIMITS, _SET_BYTES = _set_sizes()


def dict_table_bytes(n: int) -> int:
    """The keys table of a dict holding n entries (not the dict object, not the entries'
    keys and values)."""
    i = bisect_right(_DICT_LIMITS, n - 1) if n > 0 else 0
    return _DICT_BYTES[i]


def set_table_bytes(n: int) -> int:
    """The slot table a set of n members allocated beyond its object."""
    return _SET_BYTES[bisect_right(_SET_LIMITS, n - 1)] if n > 0 else 0


def list_array_bytes(n: int) -> int:
    """A list object and its item array grown by appends (1/8 over-allocation)."""
    return 64 + alloc_bytes(8 * (n + (n >> 3) + 6)) if n else 64


def dense_index_bytes(n: int) -> int:
    """A big hash/set/zset's dense array and position dict (engine/types/hashes.py): a
    list of n members, a dict member -> position, and the int objects past 256 (smaller
    ones are CPython's shared small ints)."""
    return list_array_bytes(n) + 64 + dict_table_bytes(n) + 32 * max(0, n - 256)


def elements_bytes(n: int, nbytes: int) -> int:
    """n bytes objects holding ``nbytes`` in all: each a header and its data rounded up
    to a size class. Uniform sizes (the common case) are exact by the average; mixed ones
    are charged the expected half class of rounding each, whichever is more."""
    if not n:
        return 0
    return max(nbytes + n * ELEMENT_OVERHEAD, n * alloc_bytes(33 + nbytes // n))


# What each collection of engine/types takes in CPython, from its element count, byte
# total and encoding flag (``big``: the dense array and position dict beside the main
# table). The constants are the empty objects (with their GC headers, slots and the two
# counter ints), measured with sys.getsizeof on 3.11 and checked against RSS by
# bench/memory_accounting.py.
def hash_cost(n: int, nbytes: int, big: bool) -> int:
    """A HashValue (a dict subclass): its table, fields and values."""
    cost = 176 + dict_table_bytes(n) + elements_bytes(2 * n, nbytes)
    return cost + dense_index_bytes(n) if big else cost


def set_cost(n: int, nbytes: int, big: bool) -> int:
    """A SetValue (a set subclass): its slot table and members."""
    cost = 304 + set_table_bytes(n) + elements_bytes(n, nbytes)
    return cost + dense_index_bytes(n) if big else cost


def zset_cost(n: int, nbytes: int, big: bool) -> int:
    """A ZSetValue: the member -> score dict, the members, a float per score, and a
    (score, member) tuple per entry in the SortedList (8-byte slots in its sublists)."""
    cost = 600 + dict_table_bytes(n) + elements_bytes(n, nbytes) + n * (32 + 64 + 9)
    return cost + dense_index_bytes(n) if big else cost


def list_cost(n: int, nbytes: int) -> int:
    """A ListValue (a deque): the object, a 64-slot block (528 bytes) per 64 items and one
    more for the ends, the items."""
    return 280 + alloc_bytes(528) * (n // 64 + 1) + elements_bytes(n, nbytes)


# ====================================================================== eviction
def _policy(name: str) -> Tuple[bool, str]:
    """(all keys?, kind) of a maxmemory-policy: kind is lru, lfu, ttl, random or none."""
    if name == "noeviction":
        return False, "none"
    scope, kind = name.split("-", 1)
    return scope == "allkeys", kind


class Evictor:
    """The eviction state of one engine: the candidate pool, the random policies' next
    database, and the time memory has been over the limit."""

    def __init__(self, engine: "Engine") -> None:
        self.engine = engine
        self.pool: List[list] = []       # [idle, dbid, key], ascending idle, <= EVPOOL_SIZE
        self.next_db = 0
        self.exceeded_since = 0          # perf_counter_ns() when over the limit, 0 if not
        self.exceeded_total_us = 0       # stat_total_eviction_exceeded_time
        self.proc_scheduled = False      # the event-loop continuation is pending
        self.stat_spilled = 0            # values moved to disk instead of keys evicted

    # ------------------------------------------------------------------ state
    def over_limit(self) -> int:
        """Bytes to free to get under maxmemory (0 when under, or no limit)."""
        eng = self.engine
        limit = eng.maxmemory
        if not limit:
            return 0
        used = eng.used_memory()
        return used - limit if used > limit else 0

    def exceeded_time_ms(self) -> Tuple[int, int]:
        """(total_eviction_exceeded_time, current_eviction_exceeded_time) in ms."""
        cur = 0
        if self.exceeded_since:
            cur = (time.perf_counter_ns() - self.exceeded_since) // 1000
        return (self.exceeded_total_us + cur) // 1000, cur // 1000

    def reset_stats(self) -> None:
        self.exceeded_total_us = 0
        if self.exceeded_since:
            self.exceeded_since = time.perf_counter_ns()

    def _safe(self) -> bool:
        """isSafeToPerformEvictions(): a replica leaves its keys to its primary (with
        replica-ignore-maxmemory, the default); nothing is evicted while loading."""
        eng = self.engine
        if getattr(eng, "loading", False):
            return False
        if getattr(eng, "is_replica", False) and \
                eng.config.values.get("replica-ignore-maxmemory", True):
            return False
        return True

    # ------------------------------------------------------------------ performEvictions
    def perform(self) -> int:
        """performEvictions(): EVICT_OK when memory is (now) under the limit,
        EVICT_RUNNING when the time budget ran out first (the event loop carries on),
        EVICT_FAIL when nothing could be freed."""
        if not self._safe():
            return EVICT_OK
        tofree = self.over_limit()
        if not tofree:
            result = EVICT_OK
        else:
            result = self._free(tofree)
        if result == EVICT_OK:
            if self.exceeded_since:
                self.exceeded_total_us += (time.perf_counter_ns() - self.exceeded_since) // 1000
                self.exceeded_since = 0
        elif not self.exceeded_since:
            self.exceeded_since = time.perf_counter_ns()
        return result

    def _free(self, tofree: int) -> int:
        eng = self.engine
        allkeys, kind = _policy(eng.config.values["maxmemory-policy"])
        if kind == "none":
            return EVICT_FAIL
        t0 = time.perf_counter_ns()
        limit_ns = self._time_limit_us() * 1000
        tiering = eng.tiering
        spill = tiering is not None and tiering.accepting() and kind in ("lru", "lfu")
        freed = 0
        keys_freed = 0
        result = EVICT_OK
        while freed < tofree:
            if kind == "random":
                best = self._random_candidate(allkeys)
            else:
                # a spill takes the pool's next best without sampling again: moving a value
                # to disk is undone by the next read, so it need not be the very coldest
                best = self._pop_pool(allkeys, tiering) if spill else None
                if best is None:
                    best = self._pool_candidate(allkeys, kind, spill)
                if best is None and spill:
                    spill = False          # nothing in memory to spill: evict keys
                    best = self._pool_candidate(allkeys, kind, False)
            if best is None:
                result = EVICT_FAIL
                break
            db, key = best
            if spill:
                moved = tiering.spill(db, key)
                if moved >= 0:
                    freed += moved
                    self.stat_spilled += 1
                    keys_freed += 1
                    if keys_freed % 16 == 0 and time.perf_counter_ns() - t0 > limit_ns:
                        result = EVICT_RUNNING
                        break
                    continue
                spill = False  # the disk is full or failing: evict for the rest of the cycle
                continue
            freed += self.evict_key(db, key)
            keys_freed += 1
            if keys_freed % 16 == 0 and time.perf_counter_ns() - t0 > limit_ns:
                result = EVICT_RUNNING
                break
        if result == EVICT_RUNNING:
            self._schedule()
        ms = (time.perf_counter_ns() - t0) // 1_000_000
        if ms and ms * 1000 >= eng._latency_threshold:
            add_latency_sample(eng.latency_events, "eviction-cycle", ms)
        return result

    def _time_limit_us(self) -> float:
        """evictionTimeLimitUs(): 50us per tenacity step up to 10 (500us by default), then
        growing 15% a step; 100 means no limit."""
        tenacity = self.engine.config.values["maxmemory-eviction-tenacity"]
        if tenacity <= 10:
            return 50.0 * tenacity
        if tenacity < 100:
            return 500.0 * 1.15 ** (tenacity - 10)
        return float("inf")

    def _schedule(self) -> None:
        """startEvictionTimeProc(): keep evicting from the event loop until under the
        limit (without a loop, the next write or the cron carries on)."""
        loop = self.engine.loop
        if loop is None or self.proc_scheduled:
            return
        self.proc_scheduled = True
        loop.call_soon(self._time_proc)

    def _time_proc(self) -> None:
        self.proc_scheduled = False
        self.perform()

    def start(self) -> None:
        """A maxmemory or policy change (CONFIG SET): evict soon, as Redis starts its
        eviction time proc, once every option of the command is applied."""
        if self.engine.maxmemory:
            loop = self.engine.loop
            if loop is not None:
                self._schedule()

    # ------------------------------------------------------------------ candidates
    def _pool_candidate(self, allkeys: bool, kind: str,
                        spill: bool) -> Optional[Tuple[Any, bytes]]:
        """The best key of the pool after sampling every database (evictionPoolPopulate
        then the walk from the best end, skipping ghosts: keys gone since they were
        pooled). ``spill`` pools only keys whose value could move to disk."""
        eng = self.engine
        pool = self.pool
        tiering = eng.tiering if spill else None
        for _round in range(64 if spill else 1 << 30):
            total = 0
            for db in eng.dbs:
                table = db.table
                n = len(table) if allkeys else table.volatile_count
                if n:
                    self._populate(db, allkeys, kind, tiering)
                    total += n
            if not total:
                return None
            best = self._pop_pool(allkeys, tiering)
            if best is not None:
                return best
        return None

    def _pop_pool(self, allkeys: bool, tiering: Any) -> Optional[Tuple[Any, bytes]]:
        """The best pooled key still there (and still spillable when ``tiering``)."""
        pool = self.pool
        dbs = self.engine.dbs
        while pool:
            _idle, dbid, key = pool.pop()
            db = dbs[dbid]
            if allkeys:
                present = key in db.table
            else:
                when = db.table.get_expire(key)
                present = when is not None and when >= 0
            if present and (tiering is None or tiering.spillable(db, key)):
                return db, key
        return None

    def _populate(self, db: Any, allkeys: bool, kind: str, tiering: Any) -> None:
        """evictionPoolPopulate(): sample one database, insert the candidates that beat the
        pool's worst (the pool keeps the 16 highest idle values, best last)."""
        eng = self.engine
        samples = eng.config.values["maxmemory-samples"]
        if tiering is not None:
            samples *= 4  # most keys may be on disk already: look further for values
        pool = self.pool
        dbid = db.id
        if kind == "lru":
            clock = int(time.time()) & LRU_CLOCK_MAX
        elif kind == "lfu":
            minutes = int(time.time() / 60) & 65535
            decay = eng.config.values["lfu-decay-time"]
        for key, access, expire in db.table.sample(samples, not allkeys):
            if kind == "lru":
                idle = clock - access if clock >= access else clock + (LRU_CLOCK_MAX - access)
            elif kind == "lfu":
                idle = 255 - lfu_decr(access, minutes, decay)
            else:  # volatile-ttl: the sooner it expires the better
                idle = -expire
            size = len(pool)
            k = bisect_left(pool, idle, key=_IDLE)  # the first pooled entry not below it
            if k == 0 and size >= EVPOOL_SIZE:
                continue  # worse than every pooled candidate
            if tiering is not None and not tiering.spillable(db, key):
                continue
            if size >= EVPOOL_SIZE:
                pool.pop(0)  # drop the worst to make room
                k -= 1
            pool.insert(k, [idle, dbid, key])

    def _random_candidate(self, allkeys: bool) -> Optional[Tuple[Any, bytes]]:
        """allkeys-random / volatile-random: a random key of the next non-empty database."""
        dbs = self.engine.dbs
        n = len(dbs)
        for _ in range(n):
            self.next_db = (self.next_db + 1) % n
            db = dbs[self.next_db]
            table = db.table
            if allkeys:
                if len(table):
                    return db, table.random_key()
            elif table.volatile_count:
                got = table.sample(1, True)
                if got:
                    return db, got[0][0]
        return None

    # ------------------------------------------------------------------ the deletion
    def evict_key(self, db: Any, key: bytes) -> int:
        """Delete one key as an eviction; returns the bytes it freed (by the estimate)."""
        eng = self.engine
        before = db.used_memory
        db.delete(key)
        freed = before - db.used_memory
        eng.stats.evicted_keys += 1
        db.signal_modified(key, by_client=False)
        eng.notify_keyspace_event(notify.EVICTED, b"evicted", key, db.id)
        if eng.replication is not None:
            eng.replication.propagate(db.id, [b"DEL", key])
        mc = eng.memcached
        if mc is not None and db.id == eng.config.values.get("memcached-db", 0):
            mc.stats.evictions += 1
        return freed
