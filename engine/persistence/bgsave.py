"""Forkless BGSAVE: a point-in-time RDB image written while the engine keeps serving.

Redis forks and lets the kernel copy pages on write. Here the engine itself walks its
databases a batch of keys per event-loop turn (``Snapshot.step``) and the keyspace door
calls ``Snapshot.touch`` before any key is read for a write, replaced, re-timed or deleted:
a key the walk has not reached yet is serialized right then, in its pre-modification
state (copy-on-write per key). So the file holds every key as it was when the save
started: keys added since are left out, keys deleted since are in.

Which keys has the walk reached? The walk is the table's own SCAN (reverse-binary cursor),
which survives the table growing and shrinking. Give each key the position
``P(k) = bit-reverse(hash(k))``: a SCAN cursor ``c`` has returned every key with
``P(k) < bit-reverse(c)``, whatever resizes happened (a shrink may return some twice).
Each database keeps a frontier ``F`` (the largest such bound reached) and ``done``, the
positions of keys settled out of order (pre-images written early, keys created during the
save); a key is still to write iff ``P(k) >= F`` and ``P(k)`` is not in ``done``. No key
list is copied (the key table materializes keys on demand, so a copy would cost a bytes
object per key): memory grows with the keys written to during the save, 8 bytes each in
``done``'s sorted array of 64-bit positions, pruned as the frontier passes them.
Two keys of one database with the same 64-bit hash would make the later one look settled;
with SipHash that is a 2**-64 event per pair, accepted here.

Bytes go to a ``FileSink``: a writer thread appends them to ``temp-<pid>-<n>.rdb``, then
fsyncs and renames it over the target (and fsyncs the directory), so a crash at any point
leaves the previous file intact. The CRC-64 is computed on the engine thread as chunks are
handed over; the C twin makes that a few hundred microseconds per megabyte.
"""

import os
import queue
import threading
import time
from array import array
from bisect import bisect_left
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional

from native.crc64 import crc64

from . import rdb
from .crypto import SealedWriter

try:
    from ..tiering import TieredRef
except ImportError:  # pragma: no cover - before the tiering store exists
    class TieredRef:  # type: ignore[no-redef]
        """Placeholder: no value is ever one."""

if TYPE_CHECKING:  # pragma: no cover
    from ..engine import Engine

__all__ = ["Snapshot", "FileSink", "order_of", "SnapshotError"]

_M64 = (1 << 64) - 1
_REV8 = bytes(int("{:08b}".format(i)[::-1], 2) for i in range(256))
_SCAN_COUNT = 128
_CHUNK = 1 << 20             # hand output to the sink in pieces of about this size
_SINK_HIGH_WATER = 8 << 20   # the engine pauses the walk while the sink is this far behind
_DONE_SHIFT = 52             # _Done: 2**12 buckets by the positions' top bits
_DONE_BUCKETS = 1 << (64 - _DONE_SHIFT)


def order_of(key: bytes) -> int:
    """P(k): the key's position in SCAN order, independent of the table's size."""
    return int.from_bytes((hash(key) & _M64).to_bytes(8, "little").translate(_REV8), "big")


def _rev64(v: int) -> int:
    return int.from_bytes((v & _M64).to_bytes(8, "little").translate(_REV8), "big")


class SnapshotError(Exception):
    """A save that cannot go on (I/O error, a table that broke the walk's contract)."""


class _Done:
    """A set of 64-bit positions in about 8 bytes each: 4096 sorted array('Q') buckets by
    the top 12 bits, searched and filled by bisection (no hash table's load-factor slack,
    no rebuild's second copy), emptied bucket by bucket as the frontier passes."""

    __slots__ = ("buckets", "count")

    def __init__(self, capacity: int = 0) -> None:  # capacity: kept for callers, unused
        self.buckets: List[Optional[array]] = [None] * _DONE_BUCKETS
        self.count = 0

    def __len__(self) -> int:
        return self.count

    def __contains__(self, p: int) -> bool:
        b = self.buckets[p >> _DONE_SHIFT]
        if not b:
            return False
        i = bisect_left(b, p)
        return i < len(b) and b[i] == p

    def add(self, p: int) -> None:
        buckets = self.buckets
        k = p >> _DONE_SHIFT
        b = buckets[k]
        if b is None:
            buckets[k] = array("Q", (p,))
            self.count += 1
            return
        i = bisect_left(b, p)
        if i < len(b) and b[i] == p:
            return
        b.insert(i, p)
        self.count += 1

    def window(self, lo: int, hi: int) -> Optional[set]:
        """The positions in [lo, hi) as a set (for the walk to test a page's keys at hash
        speed), or None when that range spans too many buckets to be worth it."""
        first, last = lo >> _DONE_SHIFT, (hi - 1) >> _DONE_SHIFT
        if last - first > 16:
            return None
        out: set = set()
        for b in self.buckets[first:last + 1]:
            if b:
                out.update(b[bisect_left(b, lo):bisect_left(b, hi)])
        return out

    def prune(self, frontier: int) -> None:
        """Forget positions below the frontier (settled by the walk itself now)."""
        buckets = self.buckets
        top = min(frontier >> _DONE_SHIFT, _DONE_BUCKETS)
        n = 0
        for k in range(top):
            b = buckets[k]
            if b is not None:
                n += len(b)
                buckets[k] = None
        if top < _DONE_BUCKETS:
            b = buckets[top]
            if b:
                i = bisect_left(b, frontier)
                n += i
                del b[:i]
        self.count -= n


class _DbState:
    __slots__ = ("dbid", "table", "size", "expires", "cursor", "frontier", "done",
                 "started", "prune_at", "page", "page_pos", "next_cursor")

    def __init__(self, dbid: int, table: Any) -> None:
        self.dbid = dbid
        self.table = table
        self.size = len(table)
        self.expires = table.volatile_count
        self.cursor = 0
        self.frontier = 0
        self.done = _Done()
        self.started = False
        self.prune_at = 4096
        self.page: Optional[List[bytes]] = None  # the SCAN page being written
        self.page_pos = 0
        self.next_cursor = 0


class FileSink:
    """Receives the RDB bytes; writes them to a temp file (on a thread when ``threaded``)
    and renames it over ``path`` once complete. ``on_done(ok, error)`` runs on the engine
    thread through ``call_soon_threadsafe`` (or directly when not threaded)."""

    def __init__(self, path: str, key: Optional[bytes] = None, threaded: bool = True,
                 loop: Any = None, tmp_dir: Optional[str] = None) -> None:
        self.path = path
        directory = tmp_dir or os.path.dirname(os.path.abspath(path)) or "."
        FileSink._seq += 1
        self.tmp = os.path.join(directory, "temp-%d-%d.rdb" % (os.getpid(), FileSink._seq))
        self.key = key
        self.error: Optional[str] = None
        self.pending = 0
        self.written = 0
        self.loop = loop
        self.on_done: Optional[Callable[[bool, Optional[str]], None]] = None
        self.ok: Optional[bool] = None
        self._aborted = False
        self._f = open(self.tmp, "wb")
        self._out: Any = SealedWriter(self._f, key) if key is not None else self._f
        self._q: "queue.Queue[Any]" = queue.Queue()
        self._thread: Optional[threading.Thread] = None
        if threaded:
            self._thread = threading.Thread(target=self._run, name="strata-bgsave",
                                            daemon=True)
            self._thread.start()

    _seq = 0

    # -- engine side
    def write(self, chunk: bytes) -> None:
        if self._thread is None:
            self._write(chunk)
            return
        self.pending += len(chunk)
        self._q.put(chunk)

    def finish(self, on_done: Callable[[bool, Optional[str]], None]) -> None:
        """No more data: make the file durable and put it in place, then report."""
        self.on_done = on_done
        if self._thread is None:
            ok = self._complete()
            on_done(ok, self.error)
            return
        self._q.put(None)

    def join(self) -> None:
        """Wait for the writer thread (after finish or abort)."""
        if self._thread is not None:
            self._thread.join()

    def abort(self) -> None:
        """Stop and remove the temp file (the target is left as it was)."""
        self._aborted = True
        if self._thread is not None:
            self._q.put(None)
        else:
            self._discard()

    # -- writer side
    def _write(self, chunk: bytes) -> None:
        if self.error is None:
            try:
                self._out.write(chunk)
                self.written += len(chunk)
            except (OSError, ValueError) as e:
                self.error = _strerror(e)

    def _run(self) -> None:
        while True:
            chunk = self._q.get()
            if chunk is None:
                break
            self._write(chunk)
            self.pending -= len(chunk)
        if self._aborted:
            self._discard()
            return
        ok = self._complete()
        cb = self.on_done
        if cb is not None and self.loop is not None:
            try:
                self.loop.call_soon_threadsafe(cb, ok, self.error)
            except RuntimeError:  # the loop is closed: the process is going away
                pass

    def _complete(self) -> bool:
        try:
            if self.error is not None:
                raise OSError(self.error)
            if self._out is not self._f:
                self._out.close()
            self._f.flush()
            os.fsync(self._f.fileno())
            self._f.close()
            os.replace(self.tmp, self.path)
            _fsync_dir(os.path.dirname(os.path.abspath(self.path)))
            self.ok = True
            return True
        except OSError as e:
            if self.error is None:
                self.error = _strerror(e)
            self._discard()
            self.ok = False
            return False

    def _discard(self) -> None:
        try:
            self._f.close()
        except OSError:
            pass
        try:
            os.unlink(self.tmp)
        except OSError:
            pass


def _fsync_dir(path: str) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _strerror(e: BaseException) -> str:
    if isinstance(e, OSError) and e.strerror:
        return e.strerror
    return str(e)


class Snapshot:
    """One RDB image of an engine, written incrementally (see the module docstring)."""

    def __init__(self, engine: "Engine", sink: FileSink, aux: List[Any],
                 functions: List[bytes], key_delay_us: int = 0) -> None:
        self.engine = engine
        self.sink = sink
        self.enc = rdb.Encoder(engine.config.values)
        self.out = bytearray(rdb.header(aux))
        for code in functions:
            self.out += rdb.function_entry(code, self.enc.compress)
        self.crc = 0
        self.out_db = -1
        self.queue: List[_DbState] = []
        self.states: Dict[Any, _DbState] = {}
        for db in engine.dbs:
            if len(db.table):
                st = _DbState(db.id, db.table)
                self.queue.append(st)
                self.states[db.table] = st
        self.keys_total = sum(st.size for st in self.queue)
        self.keys_done = 0
        self.cow_keys = 0
        self.cow_bytes = 0
        self.start = time.time()
        self.key_delay = key_delay_us / 1e6
        self.finished = False
        self.checksum = bool(engine.config.values.get("rdbchecksum", True))
        self.last_key: Optional[bytes] = None
        self.last_table: Any = None

    # ------------------------------------------------------------ copy-on-write
    def touch(self, db: Any, key: bytes) -> None:
        """A key is about to be read for a write, changed or deleted: if the walk has not
        written it yet, write its current (pre-modification) state now."""
        table = db.table
        if key is self.last_key and table is self.last_table:
            return  # one command's second touch of its key (lookup_write, then set_key)
        st = self.states.get(table)
        if st is None:
            return
        self.last_key = key  # settled from here on, whatever follows
        self.last_table = table
        # order_of() and _Done.__contains__/add inlined: this runs before every write
        p = int.from_bytes((hash(key) & _M64).to_bytes(8, "little").translate(_REV8), "big")
        if p < st.frontier:
            return
        done = st.done
        buckets = done.buckets
        k = p >> _DONE_SHIFT
        b = buckets[k]
        if b is None:
            buckets[k] = array("Q", (p,))
        else:
            i = bisect_left(b, p)
            if i < len(b) and b[i] == p:
                return
            b.insert(i, p)
        done.count += 1
        value = st.table.peek(key)
        if type(value) is TieredRef:
            value = self._materialize(value)
        if value is not None:  # else a key created during the save: never written
            self._write_key(st, key, value, True)
            if len(self.out) >= _CHUNK:
                self._flush()

    def drain_table(self, table: Any) -> None:
        """The table is about to be emptied (FLUSHDB/FLUSHALL): write what it still owes."""
        st = self.states.get(table)
        if st is not None:
            self._advance(st, float("inf"), 1 << 62)
            self._flush()

    # ------------------------------------------------------------ the walk
    def step(self, deadline: float, max_keys: int = 1 << 62) -> bool:
        """Write keys until ``deadline`` (perf_counter) or ``max_keys``; True when the
        image is complete and handed to the sink."""
        if self.finished:
            return True
        if self.sink.error is not None:
            raise SnapshotError(self.sink.error)
        if self.sink.pending > _SINK_HIGH_WATER:
            return False  # the disk is behind: let it catch up
        target = self.keys_done + max_keys
        while self.queue:
            st = self.queue[0]
            if target <= self.keys_done or \
                    not self._advance(st, deadline, target - self.keys_done):
                self._flush()
                return False
        self._finish()
        return True

    def _advance(self, st: _DbState, deadline: float, budget: int) -> bool:
        """Walk one database until done (True), out of time or out of key budget. A SCAN
        page may be left half done: its keys stay pending (the frontier moves only past
        whole pages), so writes meanwhile are copied on write as for any pending key."""
        from time import perf_counter
        if not st.started:
            st.started = True
            self.out += rdb.db_header(st.dbid, st.size, st.expires)
            self.out_db = st.dbid
        table = st.table
        target = self.keys_done + budget
        while True:
            if st.page is None:
                st.next_cursor, st.page = table.scan(st.cursor, _SCAN_COUNT)
                st.page_pos = 0
            keys = st.page
            i = st.page_pos
            n = len(keys)
            frontier = st.frontier
            done = st.done
            # a page's keys lie below the next cursor's bound (else: the full lookup)
            bound = _rev64(st.next_cursor) if st.next_cursor else 1 << 64
            local = done.window(frontier, bound) if done.count else None
            while i < n:
                k = keys[i]
                i += 1
                p = order_of(k)
                if p < frontier:
                    continue
                if local is not None and p < bound:
                    if p in local:
                        continue
                elif done.count and p in done:
                    continue
                v = table.peek(k)
                if type(v) is TieredRef:
                    v = self._materialize(v)
                if v is not None:
                    self._write_key(st, k, v, False)
                    if self.keys_done >= target:
                        break
            st.page_pos = i
            if i < n:
                # the keys of this page written so far are settled: the frontier does not
                # cover them until the page is complete
                for k in keys[:i]:
                    p = order_of(k)
                    if p >= frontier:
                        done.add(p)
                return False
            st.page = None
            cursor = st.cursor = st.next_cursor
            if cursor == 0:
                self._retire(st)
                return True
            bound = _rev64(cursor)
            if bound > frontier:
                st.frontier = bound
            if done.count > st.prune_at:
                done.prune(st.frontier)
                st.prune_at = max(4096, 2 * done.count)
            if len(self.out) >= _CHUNK:
                self._flush()
            if perf_counter() >= deadline or self.keys_done >= target:
                return False

    def _materialize(self, ref: Any) -> Any:
        """A value on the disk tier, read back (not promoted); None if unreadable."""
        tiering = self.engine.tiering
        return tiering.read(ref) if tiering is not None else None

    def _retire(self, st: _DbState) -> None:
        st.frontier = 1 << 64
        st.done = _Done(4)
        self.states.pop(st.table, None)
        if st in self.queue:
            self.queue.remove(st)

    def _write_key(self, st: _DbState, key: bytes, value: Any, cow: bool) -> None:
        if self.out_db != st.dbid:
            self.out += rdb.select_db(st.dbid)
            self.out_db = st.dbid
        table = st.table
        expire = -1
        if table.volatile_count:
            e = table.get_expire(key)
            if e is not None:
                expire = e
        enc = self.enc
        access = table.get_access(key) if (enc.lru or enc.lfu) else None
        if access is not None:
            now = time.time()
            data = enc.entry(key, value, expire, access,
                             (int(now) & 0xFFFFFF, int(now / 60) & 0xFFFF))
        else:
            data = enc.entry(key, value, expire, None)
        self.out += data
        self.keys_done += 1
        if cow:
            self.cow_keys += 1
            self.cow_bytes += len(data)

    def _flush(self) -> None:
        if self.out:
            chunk = bytes(self.out)
            self.out.clear()
            self.crc = crc64(self.crc, chunk)
            self.sink.write(chunk)

    def _finish(self) -> None:
        self.finished = True
        self._flush()
        tail = rdb.trailer(self.crc, self.checksum)
        self.sink.write(tail)
        self.states.clear()

    def progress(self) -> float:
        return 100.0 * self.keys_done / self.keys_total if self.keys_total else 100.0
