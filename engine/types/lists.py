"""ListValue: a Redis list, a ``deque`` of bytes that keeps a running byte total so that its
memory estimate is O(1). Redis 7.0 stores every list as a quicklist."""

from collections import deque
from collections.abc import Iterable
from itertools import islice
from typing import Any

from ..eviction import list_cost

__all__ = ["ListValue"]


class ListValue(deque):
    """A stored list. Callers change it through the methods below (or adjust ``nbytes``
    themselves), then call ``Database.resized``."""

    __slots__ = ("cost", "nbytes")
    TYPE_NAME = b"list"

    def __init__(self, items: Iterable[bytes] = ()) -> None:
        super().__init__(items)
        self.nbytes = sum(map(len, self))

    def encoding(self, config: Any) -> bytes:
        return b"quicklist"

    def memory_usage(self) -> int:
        """What it takes in CPython (engine/eviction.py's model; used_memory adds it)."""
        return list_cost(len(self), self.nbytes)

    def copy(self) -> "ListValue":
        return ListValue(self)

    def __reduce__(self) -> Any:
        return (ListValue, (list(self),))

    # ------------------------------------------------------------------ changes
    def push(self, items: list[bytes], left: bool) -> None:
        if left:
            self.extendleft(items)
        else:
            self.extend(items)
        self.nbytes += sum(map(len, items))

    def pop_one(self, left: bool) -> bytes:
        v = self.popleft() if left else self.pop()
        self.nbytes -= len(v)
        return v

    def pop_many(self, n: int, left: bool) -> list[bytes]:
        """Remove up to n elements from one end, returned in the order they were popped."""
        n = min(n, len(self))
        if n == len(self):
            out = list(self) if left else list(reversed(self))
            self.clear()
            self.nbytes = 0
            return out
        pop = self.popleft if left else self.pop
        out = [pop() for _ in range(n)]
        self.nbytes -= sum(map(len, out))
        return out

    def replace(self, index: int, value: bytes) -> None:
        self.nbytes += len(value) - len(self[index])
        self[index] = value

    def insert_at(self, index: int, value: bytes) -> None:
        self.insert(index, value)
        self.nbytes += len(value)

    def remove_value(self, value: bytes, count: int) -> int:
        """LREM: remove up to |count| occurrences (all when 0), from the tail when count is
        negative; returns how many went."""
        total = self.count(value)
        if not total:
            return 0
        n = total if count == 0 else min(abs(count), total)
        if n == total:
            self.assign([e for e in self if e != value])
            return n
        if count < 0:
            self.reverse()
        if n <= 16:
            for _ in range(n):
                self.remove(value)
        else:
            kept = []
            todo = n
            for e in self:
                if todo and e == value:
                    todo -= 1
                else:
                    kept.append(e)
            self.clear()
            self.extend(kept)
        if count < 0:
            self.reverse()
        self.nbytes -= len(value) * n
        return n

    def assign(self, items: list[bytes]) -> None:
        """Replace the contents (LREM, LTRIM)."""
        self.clear()
        self.extend(items)
        self.nbytes = sum(map(len, items))

    def range(self, start: int, end: int) -> list[bytes]:
        """Elements start..end inclusive (0 <= start <= end < len), walked from the nearer
        end in C (islice), without per-element Python work."""
        n = len(self)
        if start == 0 and end == n - 1:
            return list(self)
        if start <= n - 1 - end:
            return list(islice(self, start, end + 1))
        out = list(islice(reversed(self), n - 1 - end, n - start))
        out.reverse()
        return out
