"""SetValue: a set of members with Redis 7.0's encoding rule and O(1) random picks.

A set is "intset" while every member is an integer as Redis reads one (string2ll: no sign
but '-', no leading zero or space, fits a long) and it has at most
``set-max-intset-entries`` members; past either it becomes "hashtable" for good (``big``),
as Redis converts one way. An intset is sorted, so a small set lists its members in
ascending numeric order, as Redis does; a hashtable's order is unspecified.

A big set also keeps its members in a dense array, with the same O(1) random picks and the
same change-proof scan cursor as a big hash (see engine/types/hashes.py).
"""

from collections.abc import Iterable
from typing import Any

from native.resp_py import string2ll

from ..eviction import set_cost

__all__ = ["SetValue"]


class SetValue(set):
    """Members (bytes). Change it only through ``add_member`` and ``remove_member``: they
    keep the byte count ``memory_usage`` reads and the dense array."""

    __slots__ = ("_order", "_pos", "big", "cost", "nbytes")
    TYPE_NAME = b"set"

    def __init__(self, members: Iterable[bytes] = (), max_intset: int = 512) -> None:
        super().__init__()
        self.cost: int | None = None
        self.big = False
        self.nbytes = 0
        self._order: list[bytes] | None = None
        self._pos: dict | None = None
        for m in members:
            self.add_member(m, max_intset)

    def add_member(self, member: bytes, max_intset: int) -> bool:
        """setTypeAdd(): True if the member is new. A non-integer converts an intset, so
        does a count past ``max_intset``."""
        if member in self:
            return False
        self.add(member)
        self.nbytes += len(member)
        if self._pos is not None:
            self._pos[member] = len(self._order)
            self._order.append(member)
        elif len(self) > max_intset or string2ll(member) is None:
            self.convert()
        return True

    def remove_member(self, member: bytes) -> bool:
        if member not in self:
            return False
        self.discard(member)
        self.nbytes -= len(member)
        if self._pos is not None:
            i = self._pos.pop(member)
            last = self._order.pop()
            if i < len(self._order):
                self._order[i] = last
                self._pos[last] = i
        return True

    def convert(self) -> None:
        """setTypeConvert() to a hashtable: for good."""
        self.big = True
        self._order = list(self)
        self._pos = {m: i for i, m in enumerate(self._order)}

    def members(self) -> list[bytes]:
        """The members in Redis's iteration order where it is defined (an intset's ascending
        order), as an indexable list (a big set's dense array itself: never change it)."""
        if self._order is not None:
            return self._order
        return sorted(self, key=int)

    def pool(self) -> list[bytes]:
        """The members as an indexable list in no particular order, for random picks (a big
        set's dense array itself: never change it)."""
        return self._order if self._order is not None else list(self)

    def scan(self, cursor: int, count: int) -> tuple[int, list[bytes]]:
        """One step of a big set's scan: (next cursor, up to ``count`` members)."""
        order = self._order
        end = min(cursor, len(order)) if cursor else len(order)
        start = max(end - count, 0)
        return start, order[start:end]

    def encoding(self, config: Any = None) -> bytes:
        return b"hashtable" if self.big else b"intset"

    def memory_usage(self) -> int:
        """What it takes in CPython (engine/eviction.py's model; used_memory adds it)."""
        return set_cost(len(self), self.nbytes, self.big)

    def copy(self) -> "SetValue":
        """setTypeDup(): same members, same encoding."""
        dup = SetValue()
        dup.update(self)
        dup.nbytes = self.nbytes
        if self.big:
            dup.convert()
        return dup
