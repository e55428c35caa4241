"""ZSetValue: a sorted set, member -> score in a dict beside a SortedList of (score, member).

Entries order by score, ties by member bytes (tuple order, as Redis's skiplist and listpack
order them; -0.0 and 0.0 compare equal). The list gives O(log n) ranks and range bounds.

A sorted set is "listpack" until a new member makes it longer than
``zset-max-listpack-entries`` or is longer than ``zset-max-listpack-value`` (the limits at
the time of that insert); it is then "skiplist" for good (``big``), as Redis converts one
way.

A big sorted set also keeps its members in a dense array for ZSCAN, with the change-proof
cursor of a big hash (see engine/types/hashes.py).
"""

import math
from collections.abc import Iterator
from typing import Any

from sortedcontainers import SortedList

from ..eviction import zset_cost

__all__ = ["ZSetValue"]

_INF = math.inf


class ZSetValue:
    """Change it only through ``insert``, ``update``, ``delete`` and the range deletes: they
    keep the dict, the list and the byte count ``memory_usage`` reads in step."""

    __slots__ = ("_order", "_pos", "big", "cost", "entries", "nbytes", "scores")
    TYPE_NAME = b"zset"

    def __init__(self) -> None:
        self.scores: dict = {}
        self.entries = SortedList()
        self.cost: int | None = None
        self.big = False
        self.nbytes = 0
        self._order: list[bytes] | None = None
        self._pos: dict | None = None

    @classmethod
    def from_scores(cls, scores: dict, max_entries: int, max_value: int) -> "ZSetValue":
        """A new sorted set of member -> score (a dict it takes over)."""
        zs = cls()
        if len(scores) > max_entries or max(map(len, scores), default=0) > max_value:
            zs.big = True
        else:
            scores = {m: s or 0.0 for m, s in scores.items()}
        zs.scores = scores
        zs.entries = SortedList((s, m) for m, s in scores.items())
        zs.nbytes = sum(map(len, scores))
        if zs.big:
            zs.convert()
        return zs

    def __len__(self) -> int:
        return len(self.scores)

    def __contains__(self, member: bytes) -> bool:
        return member in self.scores

    def __iter__(self) -> Iterator[tuple[float, bytes]]:
        return iter(self.entries)

    def items(self) -> Any:
        """(member, score) pairs (DEBUG DIGEST, persistence)."""
        return self.scores.items()

    def score(self, member: bytes) -> float | None:
        return self.scores.get(member)

    # ------------------------------------------------------------------ changes
    def insert(self, member: bytes, score: float, max_entries: int, max_value: int) -> None:
        """Add a member that is not there (zsetAdd's insert), converting first as Redis does
        when the member would not fit a listpack."""
        if not self.big and (len(self.scores) >= max_entries or len(member) > max_value):
            self.convert()
        if not self.big and not score:
            score = 0.0  # a listpack stores -0.0 as the integer 0
        self.scores[member] = score
        self.entries.add((score, member))
        self.nbytes += len(member)
        if self._pos is not None:
            self._pos[member] = len(self._order)
            self._order.append(member)

    def update(self, member: bytes, score: float) -> None:
        """Give an existing member a new score."""
        if not self.big and not score:
            score = 0.0
        old = self.scores[member]
        self.entries.remove((old, member))
        self.entries.add((score, member))
        self.scores[member] = score

    def delete(self, member: bytes) -> bool:
        score = self.scores.get(member)
        if score is None:
            return False
        self.entries.remove((score, member))
        self._forget(member)
        return True

    def pop(self, index: int) -> tuple[float, bytes]:
        """Remove and return the entry at a rank (0 the lowest, -1 the highest)."""
        entry = self.entries.pop(index)
        self._forget(entry[1])
        return entry

    def delete_ranks(self, start: int, stop: int) -> int:
        """Remove the entries of ranks start <= rank < stop; returns how many."""
        entries = self.entries
        for _score, member in entries.islice(start, stop):
            self._forget(member)
        del entries[start:stop]
        return max(stop - start, 0)

    def _forget(self, member: bytes) -> None:
        del self.scores[member]
        self.nbytes -= len(member)
        if self._pos is not None:
            i = self._pos.pop(member)
            last = self._order.pop()
            if i < len(self._order):
                self._order[i] = last
                self._pos[last] = i

    def convert(self) -> None:
        """zsetConvert() to a skiplist: for good."""
        self.big = True
        self._order = list(self.scores)
        self._pos = {m: i for i, m in enumerate(self._order)}

    # ------------------------------------------------------------------ queries
    def rank(self, member: bytes) -> int | None:
        score = self.scores.get(member)
        if score is None:
            return None
        return self.entries.index((score, member))

    def at(self, index: int) -> tuple[float, bytes]:
        return self.entries[index]

    def slice(self, start: int, stop: int, reverse: bool = False) -> list[tuple[float, bytes]]:
        """Entries of ranks start <= rank < stop, highest first when ``reverse``."""
        return list(self.entries.islice(start, stop, reverse))

    def score_bound(self, score: float, exclusive: bool) -> int:
        """The rank of the first entry whose score is >= score (> score if exclusive)."""
        if exclusive:
            if score == _INF:
                return len(self.entries)
            score = math.nextafter(score, _INF)
        return self.entries.bisect_left((score,))

    def member_bound(self, score: float, member: bytes, exclusive: bool) -> int:
        """The rank of the first entry >= (score, member) (> if exclusive)."""
        if exclusive:
            return self.entries.bisect_right((score, member))
        return self.entries.bisect_left((score, member))

    def scan(self, cursor: int, count: int) -> tuple[int, list[bytes]]:
        """One step of a big sorted set's scan: (next cursor, up to ``count`` members)."""
        order = self._order
        end = min(cursor, len(order)) if cursor else len(order)
        start = max(end - count, 0)
        return start, order[start:end]

    # ------------------------------------------------------------------ keyspace protocol
    def encoding(self, config: Any = None) -> bytes:
        return b"skiplist" if self.big else b"listpack"

    def memory_usage(self) -> int:
        """What it takes in CPython (engine/eviction.py's model; used_memory adds it)."""
        return zset_cost(len(self.scores), self.nbytes, self.big)

    def copy(self) -> "ZSetValue":
        """zsetDup(): same entries, same encoding."""
        dup = ZSetValue()
        dup.scores = dict(self.scores)
        dup.entries = SortedList(self.entries)
        dup.nbytes = self.nbytes
        if self.big:
            dup.convert()
        return dup
