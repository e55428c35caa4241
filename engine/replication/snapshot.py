"""The dataset as an RDB for a full resync, both ways: a thin wrapper over the RDB codec of
engine/persistence/rdb.py (header, one entry per key, trailer; its ``load`` for the
replica). Nothing here knows the format itself.
"""

import time
from typing import TYPE_CHECKING, List, Tuple

from native.crc64 import crc64

from ..config import REDIS_VERSION
from ..persistence import rdb

if TYPE_CHECKING:  # pragma: no cover
    from ..engine import Engine

__all__ = ["dump", "load"]


def dump(engine: "Engine", replid: str, offset: int) -> bytes:
    """rdbSaveRio() of every database, with the replication aux fields a replica reads
    (repl-id, repl-offset, repl-stream-db) as Redis writes them for a full resync."""
    now = time.time()
    aux: List[Tuple[bytes, bytes]] = [
        (b"redis-ver", REDIS_VERSION.encode()), (b"redis-bits", b"64"),
        (b"ctime", b"%d" % int(now)), (b"used-mem", b"%d" % engine.used_memory()),
        (b"repl-stream-db", b"0"), (b"repl-id", replid.encode()),
        (b"repl-offset", b"%d" % offset), (b"aof-base", b"0"),
    ]
    enc = rdb.Encoder(engine.config)
    clock = (engine.access_clock, int(now / 60) & 65535)
    parts = [rdb.header(aux)]
    entry = enc.entry
    for db in engine.dbs:
        table = db.table
        if not len(table):
            continue
        parts.append(rdb.db_header(db.id, len(table), table.volatile_count))
        for key, value, expire, access in table.entries():
            value = db.materialize(value)  # a tiered value is read back from disk
            parts.append(entry(key, value, expire, access, clock))
    body = b"".join(parts)
    return body + rdb.trailer(crc64(0, body))


def load(engine: "Engine", payload: bytes) -> int:
    """Replace the dataset with an RDB received from the master (expired keys are kept:
    the master will send their DEL, as a Redis replica does). Returns keys loaded."""
    for db in engine.dbs:
        db.flush()
    engine.tracking.on_flush()  # emptyData(): client-side caches are told
    dbs = engine.dbs

    def on_key(dbid: int, key: bytes, value, expire: int, _idle: int, _freq: int) -> None:
        if dbid >= len(dbs):
            raise rdb.RDBError("FATAL: Data file was created with a Redis server configured "
                               "to handle more than %d databases. Exiting\n" % len(dbs))
        db = dbs[dbid]
        db.add(key, value)
        if expire != -1:
            db.set_expire(key, expire)

    res = rdb.load(rdb.Reader(data=payload), on_key, config=engine.config,
                   skip_expired=False)
    return res.keys_loaded
