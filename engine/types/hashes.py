"""HashValue: a hash (field -> value) with Redis 7.0's encoding rule and O(1) random picks.

A hash is "listpack" while it has at most ``hash-max-listpack-entries`` fields and no field
or value longer than ``hash-max-listpack-value``; past either it becomes "hashtable" for
good (``big``), as Redis converts one way. A listpack keeps insertion order, and so does the
dict, so small hashes list their fields exactly as Redis does.

A big hash also keeps its fields in a dense array (``_order``, with ``_pos`` field -> index;
a delete moves the last field into the hole). That gives O(1) random fields and a scan
cursor that stays valid across changes: the cursor is "positions below this one are still
to visit", visited from the top down. A field only ever moves down from the last position,
so one not yet visited stays unvisited: a full iteration returns every field present from
start to end at least once (fields added meanwhile may or may not be returned).
"""

from collections.abc import Iterable
from typing import Any

from ..eviction import hash_cost

__all__ = ["HashValue"]


class HashValue(dict):
    """field -> value (both bytes). Change it only through ``set_field`` and
    ``delete_field``: they keep the byte count ``memory_usage`` reads and the dense array."""

    __slots__ = ("_order", "_pos", "big", "cost", "nbytes")
    TYPE_NAME = b"hash"

    def __init__(self, pairs: Iterable[tuple[bytes, bytes]] = (), max_entries: int = 512,
                 max_value: int = 64) -> None:
        super().__init__()
        self.cost: int | None = None
        self.big = False
        self.nbytes = 0
        self._order: list[bytes] | None = None
        self._pos: dict | None = None
        for field, value in pairs:
            self.set_field(field, value, max_entries, max_value)

    def set_field(self, field: bytes, value: bytes, max_entries: int, max_value: int) -> bool:
        """hashTypeSet(): True if the field is new. Converts before a field or value too long
        for a listpack is stored, and after any set (even an update: CONFIG SET may have
        lowered the limit) that leaves more than ``max_entries`` fields."""
        if not self.big and (len(field) > max_value or len(value) > max_value):
            self.convert()
        old = self.get(field)
        self[field] = value
        if old is not None:
            self.nbytes += len(value) - len(old)
        else:
            self.nbytes += len(field) + len(value)
            if self._pos is not None:
                self._pos[field] = len(self._order)
                self._order.append(field)
        if not self.big and len(self) > max_entries:
            self.convert()
        return old is None

    def delete_field(self, field: bytes) -> bool:
        old = self.pop(field, None)
        if old is None:
            return False
        self.nbytes -= len(field) + len(old)
        if self._pos is not None:
            i = self._pos.pop(field)
            last = self._order.pop()
            if i < len(self._order):
                self._order[i] = last
                self._pos[last] = i
        return True

    def convert(self) -> None:
        """hashTypeConvert() to a hashtable: for good."""
        self.big = True
        self._order = list(self)
        self._pos = {f: i for i, f in enumerate(self._order)}

    def fields(self) -> list[bytes]:
        """The fields as an indexable list (the dense array itself for a big hash: read it,
        never change it)."""
        return self._order if self._order is not None else list(self)

    def scan(self, cursor: int, count: int) -> tuple[int, list[bytes]]:
        """One step of a big hash's scan: (next cursor, up to ``count`` fields)."""
        order = self._order
        end = min(cursor, len(order)) if cursor else len(order)
        start = max(end - count, 0)
        return start, order[start:end]

    def encoding(self, config: Any = None) -> bytes:
        return b"hashtable" if self.big else b"listpack"

    def memory_usage(self) -> int:
        """What it takes in CPython (engine/eviction.py's model; used_memory adds it)."""
        return hash_cost(len(self), self.nbytes, self.big)

    def copy(self) -> "HashValue":
        """hashTypeDup(): same fields, same encoding."""
        dup = HashValue()
        dict.update(dup, self)
        dup.nbytes = self.nbytes
        if self.big:
            dup.convert()
        return dup
