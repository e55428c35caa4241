"""Redis-style log lines: ``pid:M 23 Nov 2026 10:00:00.123 * message``."""

import os
import sys
import time
from typing import Optional, TextIO

__all__ = ["Log", "DEBUG", "VERBOSE", "NOTICE", "WARNING"]

DEBUG, VERBOSE, NOTICE, WARNING = 0, 1, 2, 3
_LEVELS = {"debug": DEBUG, "verbose": VERBOSE, "notice": NOTICE, "warning": WARNING}
_MARKS = ".-*#"


class Log:
    def __init__(self, logfile: str = "", level: str = "notice", role: str = "M") -> None:
        self.level = _LEVELS.get(level, NOTICE)
        self.role = role
        self._file: Optional[TextIO] = None
        self.path = logfile
        if logfile:
            self._file = open(logfile, "a", buffering=1, encoding="utf-8")

    def set_level(self, level: str) -> None:
        self.level = _LEVELS.get(level, NOTICE)

    def __call__(self, level: int, msg: str) -> None:
        if level < self.level:
            return
        now = time.time()
        stamp = time.strftime("%d %b %Y %H:%M:%S", time.localtime(now))
        line = "%d:%s %s.%03d %s %s\n" % (os.getpid(), self.role, stamp,
                                          int(now * 1000) % 1000, _MARKS[level], msg)
        out = self._file or sys.stdout
        try:
            out.write(line)
            out.flush()
        except (OSError, ValueError):
            pass

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
