"""SLOWLOG: commands slower than ``slowlog-log-slower-than`` microseconds, newest first."""

import time
from collections import deque
from typing import Any, Deque, List

__all__ = ["SlowLog"]

# Redis trims what a slowlog entry keeps (SLOWLOG_ENTRY_MAX_ARGC / _MAX_STRING).
MAX_ARGC = 32
MAX_STRING = 128


class SlowLog:
    def __init__(self) -> None:
        self.entries: Deque[List[Any]] = deque()
        self.next_id = 0

    def add(self, client: Any, argv: List[bytes], usec: int, max_len: int) -> None:
        args = []
        for i, a in enumerate(argv):
            if i == MAX_ARGC - 1 and len(argv) > MAX_ARGC:
                args.append(b"... (%d more arguments)" % (len(argv) - MAX_ARGC + 1))
                break
            if len(a) > MAX_STRING:
                a = a[:MAX_STRING] + b"... (%d more bytes)" % (len(a) - MAX_STRING)
            args.append(bytes(a))
        name = client.name or b""
        self.entries.appendleft([self.next_id, int(time.time()), usec, args,
                                 client.addr.encode(), name])
        self.next_id += 1
        self.trim(max_len)

    def trim(self, max_len: int) -> None:
        while len(self.entries) > max_len:
            self.entries.pop()

    def reset(self) -> None:
        self.entries.clear()
