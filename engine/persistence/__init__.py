"""RDB persistence: the format (rdb.py), the forkless background writer (bgsave.py), the
engine's save/load duties (manager.py), named backups (snapshots.py) and encryption at rest
(crypto.py)."""

from .manager import Persistence

__all__ = ["Persistence"]
