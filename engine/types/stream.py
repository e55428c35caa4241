"""StreamValue: a Redis stream (t_stream.c) with its consumer groups.

An entry ID is one int, ``ms << 64 | seq``, so IDs compare, sort and bisect as ints. Live
entries are ``ids`` (ascending) beside ``entries`` (ID -> flat field/value tuple).

Redis stores entries in listpack nodes of a radix tree, and that layout shows: "~" trims
drop whole nodes only, a node keeps deleted entries as tombstones until all its entries
are gone, and XINFO STREAM reports the tree's keys and nodes. So the nodes are modelled as
counters -- master ID, live and deleted counts, the listpack's byte size computed from
Redis's encoding rules -- which decide node boundaries exactly as streamAppendItem() does.
"""

from bisect import bisect_left, bisect_right
from typing import Any

from sortedcontainers import SortedDict

__all__ = ["INVALID_ENTRIES_READ", "MAX_ID", "U64", "Consumer", "ConsumerGroup", "Nack",
           "StreamValue", "format_id"]

U64 = (1 << 64) - 1
MAX_ID = (1 << 128) - 1
INVALID_ENTRIES_READ = -1  # SCG_INVALID_ENTRIES_READ
_LISTPACK_MAX_SIZE = 1 << 30  # STREAM_LISTPACK_MAX_SIZE
_I64 = 1 << 63


# ------------------------------------------------------------------ listpack sizes


def _int_size(v: int) -> int:
    """Bytes of an integer listpack element, its back-length byte included."""
    if 0 <= v <= 127:
        return 2
    if -4096 <= v <= 4095:
        return 3
    if -32768 <= v <= 32767:
        return 4
    if -8388608 <= v <= 8388607:
        return 5
    if -2147483648 <= v <= 2147483647:
        return 6
    return 10


def _str_size(b: bytes) -> int:
    """Bytes of a string listpack element: stored as an integer when it is the canonical
    spelling of an int64 (lpStringToInt64), else length-prefixed, plus its back-length."""
    n = len(b)
    if 0 < n < 21 and (b[0] == 45 or 48 <= b[0] <= 57):
        try:
            v = int(b)
        except ValueError:
            v = None
        if v is not None and -_I64 <= v < _I64 and b"%d" % v == b:
            return _int_size(v)
    size = 1 + n if n < 64 else 2 + n if n < 4096 else 5 + n
    return size + (1 if size <= 127 else 2 if size < 16383 else 3 if size < 2097151
                   else 4 if size < 268435455 else 5)


def _signed(v: int) -> int:
    """A uint64 difference as the int64 the listpack stores."""
    v &= U64
    return v - (1 << 64) if v >= _I64 else v


class _Node:
    """One listpack of the radix tree: what decides whether the next entry fits in it."""

    __slots__ = ("body", "dead", "fields", "last", "live", "master")

    def __init__(self, master: int, fields: tuple) -> None:
        self.master = master
        self.fields = fields    # the master entry's field names
        self.live = 0
        self.dead = 0
        self.last = master      # the last entry appended, deleted or not
        # master num-fields, fields and terminator, then the entries appended
        self.body = _int_size(len(fields)) + sum(map(_str_size, fields)) + 2

    def lp_bytes(self) -> int:
        return 7 + _int_size(self.live) + _int_size(self.dead) + self.body


# ------------------------------------------------------------------ consumer groups


class Nack:
    """A pending entry: who has it, when it was last delivered, how many times."""

    __slots__ = ("consumer", "delivery_count", "delivery_time")

    def __init__(self, consumer: "Consumer | None", now: int) -> None:
        self.consumer = consumer
        self.delivery_time = now
        self.delivery_count = 1


class Consumer:
    __slots__ = ("name", "pel", "seen_time")

    def __init__(self, name: bytes, now: int) -> None:
        self.name = name
        self.seen_time = now
        self.pel: SortedDict = SortedDict()  # ID -> Nack (shared with the group's PEL)


class ConsumerGroup:
    __slots__ = ("consumers", "entries_read", "last_id", "pel")

    def __init__(self, last_id: int, entries_read: int) -> None:
        self.last_id = last_id
        self.entries_read = entries_read
        self.pel: SortedDict = SortedDict()  # ID -> Nack
        self.consumers: dict[bytes, Consumer] = {}

    def create_consumer(self, name: bytes, now: int) -> Consumer | None:
        """A new consumer, or None when the name is taken."""
        if name in self.consumers:
            return None
        consumer = self.consumers[name] = Consumer(name, now)
        return consumer

    def delete_consumer(self, consumer: Consumer) -> None:
        """streamDelConsumer(): its pending entries leave the group's PEL too."""
        for sid in consumer.pel:
            del self.pel[sid]
        del self.consumers[consumer.name]

    def unpend(self, sid: int) -> bool:
        """Remove an entry from the PELs (XACK); False when it was not pending."""
        nack = self.pel.pop(sid, None)
        if nack is None:
            return False
        del nack.consumer.pel[sid]
        return True

    def assign(self, sid: int, nack: Nack, consumer: Consumer) -> None:
        """Move a pending entry to ``consumer``'s PEL."""
        if nack.consumer is not consumer:
            if nack.consumer is not None:
                del nack.consumer.pel[sid]
            consumer.pel[sid] = nack
            nack.consumer = consumer

    def copy(self) -> "ConsumerGroup":
        dup = ConsumerGroup(self.last_id, self.entries_read)
        for name, consumer in self.consumers.items():
            twin = dup.consumers[name] = Consumer(name, consumer.seen_time)
            for sid, nack in consumer.pel.items():
                n = twin.pel[sid] = dup.pel[sid] = Nack(twin, nack.delivery_time)
                n.delivery_count = nack.delivery_count
        return dup


# ------------------------------------------------------------------ the stream


class StreamValue:
    """Change entries only through ``append``, ``delete`` and ``trim``: they keep the
    entries, the node model and the byte count ``memory_usage`` reads in step."""

    __slots__ = ("cost", "entries", "entries_added", "first_id", "groups", "ids",
                 "last_id", "masters", "max_deleted_id", "nbytes", "nodes")
    TYPE_NAME = b"stream"

    def __init__(self) -> None:
        self.cost: int | None = None
        self.ids: list[int] = []
        self.entries: dict[int, tuple] = {}
        self.masters: list[int] = []     # the radix tree's keys: each node's master ID
        self.nodes: list[_Node] = []
        self.last_id = 0
        self.first_id = 0
        self.max_deleted_id = 0
        self.entries_added = 0
        self.groups: dict[bytes, ConsumerGroup] = {}
        self.nbytes = 0

    def __len__(self) -> int:
        return len(self.ids)

    def encoding(self, config: Any = None) -> bytes:
        return b"stream"

    def memory_usage(self) -> int:
        return 256 + 80 * len(self.ids) + self.nbytes + 160 * len(self.nodes) \
            + 256 * len(self.groups)

    def copy(self) -> "StreamValue":
        """streamDup(): the same entries, nodes, counters and groups."""
        dup = StreamValue()
        dup.ids = self.ids[:]
        dup.entries = self.entries.copy()
        dup.masters = self.masters[:]
        for node in self.nodes:
            twin = _Node.__new__(_Node)
            for name in _Node.__slots__:
                setattr(twin, name, getattr(node, name))
            dup.nodes.append(twin)
        for name in ("last_id", "first_id", "max_deleted_id", "entries_added", "nbytes"):
            setattr(dup, name, getattr(self, name))
        dup.groups = {name: g.copy() for name, g in self.groups.items()}
        return dup

    # ------------------------------------------------------------------ entries
    def append(self, sid: int, pairs: list[bytes], max_bytes: int, max_entries: int) -> None:
        """streamAppendItem() of an ID above ``last_id`` (callers checked)."""
        nodes = self.nodes
        node = nodes[-1] if nodes else None
        payload = sum(map(len, pairs))
        if node is not None:
            if max_bytes <= 0 or max_bytes > _LISTPACK_MAX_SIZE:
                max_bytes = _LISTPACK_MAX_SIZE
            if node.lp_bytes() + payload >= max_bytes or \
                    (max_entries > 0 and node.live + node.dead >= max_entries):
                node = None
        fields = tuple(pairs[0::2])
        if node is None:
            node = _Node(sid, fields)
            nodes.append(node)
            self.masters.append(sid)
        # flags, ms and seq deltas, [num-fields, fields,] values, lp-count
        same = fields == node.fields
        master = node.master
        size = 2 + _int_size(_signed((sid >> 64) - (master >> 64))) + \
            _int_size(_signed((sid & U64) - (master & U64)))
        size += sum(map(_str_size, pairs[1::2]))
        if same:
            size += _int_size(len(fields) + 3)
        else:
            size += _int_size(len(fields)) + sum(map(_str_size, fields)) + \
                _int_size(2 * len(fields) + 4)
        node.body += size
        node.live += 1
        node.last = sid
        self.ids.append(sid)
        self.entries[sid] = tuple(pairs)
        self.nbytes += payload
        self.last_id = sid
        self.entries_added += 1
        if len(self.ids) == 1:
            self.first_id = sid

    def _node_index(self, sid: int) -> int:
        return bisect_right(self.masters, sid) - 1

    def delete(self, sid: int) -> bool:
        """streamDeleteItem(): a node whose last live entry goes is freed."""
        fields = self.entries.pop(sid, None)
        if fields is None:
            return False
        self.nbytes -= sum(map(len, fields))
        ids = self.ids
        del ids[bisect_left(ids, sid)]
        i = self._node_index(sid)
        node = self.nodes[i]
        if node.live == 1:
            del self.nodes[i]
            del self.masters[i]
        else:
            node.live -= 1
            node.dead += 1
        return True

    def _drop_head(self, n: int) -> None:
        """Forget the first n live entries (their node bookkeeping is the caller's)."""
        ids = self.ids
        entries = self.entries
        nbytes = 0
        for sid in ids[:n]:
            nbytes += sum(map(len, entries.pop(sid)))
        del ids[:n]
        self.nbytes -= nbytes

    def trim(self, maxlen: int | None, minid: int, approx: bool, limit: int) -> int:
        """streamTrim(): by MAXLEN (``maxlen`` not None) or MINID; "~" drops whole nodes
        only; ``limit`` (0: none) bounds the entries removed. Returns how many went."""
        deleted = 0
        nodes = self.nodes
        while nodes:
            if maxlen is not None and len(self.ids) <= maxlen:
                break
            node = nodes[0]
            live = node.live
            if limit and deleted + live > limit:
                break
            if maxlen is not None:
                remove = len(self.ids) - live >= maxlen
            else:
                remove = node.last < minid
            if remove:
                self._drop_head(live)
                del nodes[0]
                del self.masters[0]
                deleted += live
                continue
            if approx:
                break
            # tombstones inside the first node, which keeps its place
            if maxlen is not None:
                n = len(self.ids) - maxlen
            else:
                n = bisect_left(self.ids, minid)
            self._drop_head(n)
            node.live -= n
            node.dead += n
            deleted += n
            break
        if deleted:
            self.first_id = self.ids[0] if self.ids else 0
        return deleted

    def first_with_tombstones(self) -> int:
        """The first entry, deleted or not (streamGetEdgeID without skipping tombstones)."""
        return self.masters[0] if self.masters else MAX_ID

    def range_ids(self, start: int, end: int, count: int = 0, rev: bool = False) -> list[int]:
        """IDs of the entries with start <= ID <= end, at most ``count`` (0: all), newest
        first when ``rev``."""
        ids = self.ids
        lo = bisect_left(ids, start)
        hi = bisect_right(ids, end)
        if hi <= lo:
            return []
        if rev:
            if count and hi - lo > count:
                lo = hi - count
            picked = ids[lo:hi]
            picked.reverse()
            return picked
        if count and hi - lo > count:
            hi = lo + count
        return ids[lo:hi]

    def replies(self, sids: list[int]) -> list:
        """The [id, [field, value, ...]] reply of each entry."""
        entries = self.entries
        return [[format_id(sid), entries[sid]] for sid in sids]

    def range(self, start: int, end: int, count: int = 0, rev: bool = False) -> list:
        return self.replies(self.range_ids(start, end, count, rev))

    # ------------------------------------------------------------------ group lag
    def has_tombstones_from(self, start: int) -> bool:
        """streamRangeHasTombstones(start, +)."""
        if not self.ids or not self.max_deleted_id:
            return False
        if self.first_id > self.max_deleted_id:
            return False
        return start <= self.max_deleted_id

    def estimate_entries_read(self, sid: int) -> int:
        """streamEstimateDistanceFromFirstEverEntry()."""
        if not self.entries_added:
            return 0
        if not self.ids and sid <= self.last_id:
            return self.entries_added
        if sid == self.last_id:
            return self.entries_added
        if sid > self.last_id:
            return INVALID_ENTRIES_READ
        if not self.max_deleted_id or self.max_deleted_id < self.first_id:
            if sid < self.first_id:
                return self.entries_added - len(self.ids)
            if sid == self.first_id:
                return self.entries_added - len(self.ids) + 1
        return INVALID_ENTRIES_READ

    def lag(self, group: ConsumerGroup) -> int | None:
        """streamReplyWithCGLag(): None when it cannot be known."""
        if not self.entries_added:
            return 0
        if group.entries_read != INVALID_ENTRIES_READ and \
                not self.has_tombstones_from(group.last_id):
            return self.entries_added - group.entries_read
        read = self.estimate_entries_read(group.last_id)
        return None if read == INVALID_ENTRIES_READ else self.entries_added - read

    def delivered(self, group: ConsumerGroup, sid: int) -> None:
        """A group moves past ``sid`` (streamReplyWithRange's last_id/entries_read)."""
        if group.entries_read != INVALID_ENTRIES_READ and not self.has_tombstones_from(sid):
            group.entries_read += 1
        elif self.entries_added:
            group.entries_read = self.estimate_entries_read(sid)
        group.last_id = sid

    # ------------------------------------------------------------------ XINFO
    def rax_nodes(self) -> int:
        """The radix tree's node count (rax numnodes) for the current node keys: a
        compressed trie of 16-byte big-endian IDs, which is what rax keeps (it
        re-compresses on delete)."""
        keys = [m.to_bytes(16, "big") for m in self.masters]
        if not keys:
            return 1

        def count(lo: int, hi: int, depth: int) -> int:
            if depth == 16:
                return 1
            if hi - lo == 1:
                return 2  # a compressed node holding the rest, then the key's leaf
            first, last = keys[lo], keys[hi - 1]
            split = depth
            while first[split] == last[split]:
                split += 1
            n = 2 if split > depth else 1
            i = lo
            while i < hi:
                byte = keys[i][split]
                j = i + 1
                while j < hi and keys[j][split] == byte:
                    j += 1
                n += count(i, j, split + 1)
                i = j
            return n

        return count(0, len(keys), 0)


def format_id(sid: int) -> bytes:
    return b"%d-%d" % (sid >> 64, sid & U64)
