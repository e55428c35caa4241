"""ReplicationBacklog: the last ``repl-backlog-size`` bytes of the replication stream, a
ring buffer that lets a replica that lost its link resume from its offset (PSYNC ->
+CONTINUE) instead of loading a whole snapshot again.

Offsets are Redis's: ``offset`` is the master_repl_offset after the last byte appended;
the first byte the backlog still holds is ``first_byte_offset`` (1-based, so an empty
backlog created at offset N starts at N + 1).
"""

from typing import Optional

__all__ = ["ReplicationBacklog"]


class ReplicationBacklog:
    """A fixed-size ring of the most recent replication stream bytes."""

    __slots__ = ("size", "buf", "idx", "histlen", "offset")

    def __init__(self, size: int, offset: int) -> None:
        self.size = max(16 * 1024, size)   # Redis's CONFIG_REPL_BACKLOG_MIN_SIZE
        self.buf = bytearray(self.size)
        self.idx = 0          # where the next byte goes
        self.histlen = 0      # valid bytes in the ring
        self.offset = offset  # master_repl_offset of the last byte held

    @property
    def first_byte_offset(self) -> int:
        return self.offset - self.histlen + 1

    def append(self, data: bytes) -> None:
        n = len(data)
        self.offset += n
        size = self.size
        if n >= size:  # only the tail survives
            self.buf[:] = data[n - size:]
            self.idx = 0
            self.histlen = size
            return
        idx = self.idx
        first = size - idx
        if n <= first:
            self.buf[idx:idx + n] = data
        else:
            self.buf[idx:] = data[:first]
            self.buf[:n - first] = data[first:]
        self.idx = (idx + n) % size
        self.histlen = min(size, self.histlen + n)

    def covers(self, psync_offset: int) -> bool:
        """Can a replica that wants bytes from ``psync_offset`` (its offset + 1) resume?"""
        return self.first_byte_offset <= psync_offset <= self.offset + 1

    def since(self, psync_offset: int) -> Optional[bytes]:
        """The bytes from ``psync_offset`` to the end, or None when no longer held."""
        if not self.covers(psync_offset):
            return None
        n = self.offset + 1 - psync_offset
        if n == 0:
            return b""
        start = (self.idx - n) % self.size
        if start + n <= self.size:
            return bytes(self.buf[start:start + n])
        return bytes(self.buf[start:]) + bytes(self.buf[:self.idx])

    def resize(self, size: int) -> None:
        """CONFIG SET repl-backlog-size: keep as much of the history as fits."""
        size = max(16 * 1024, size)
        if size == self.size:
            return
        keep = self.since(self.first_byte_offset) or b""
        if len(keep) > size:
            keep = keep[len(keep) - size:]
        self.size = size
        self.buf = bytearray(size)
        self.buf[:len(keep)] = keep
        self.idx = len(keep) % size
        self.histlen = len(keep)
