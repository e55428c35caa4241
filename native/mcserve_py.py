"""A memcached connection's read in pure Python: the specification of mcserve_c.pyx.

``serve(conn, data)`` is what ``MemcachedConnection.data_received`` does: count the
bytes, pick the protocol on the first byte, set the engine clock, frame the requests and
hand them to ``conn.run_requests`` (engine/memcached/connection.py), which runs each
through the text, meta or binary handlers and writes the replies of the read at once.

The state carriers are defined here so that the Cython twin can read them as C fields:
``CountersCore`` (memcached's statistics counters) and ``ConnCore`` (what the serving path
of a connection reads). The Cython twin runs the commonest requests -- text ``get`` of one
or more keys and ``set``, binary GET/GETQ/GETK/GETKQ and SET/SETQ -- inline when the
keyspace is in its plain state, with exactly the handlers' effects, and this path for
everything else.
"""

import time

from .mcserve_common import COUNTER_FIELDS, REQS_PER_EVENT

__all__ = ["CountersCore", "ConnCore", "serve", "COUNTER_FIELDS", "REQS_PER_EVENT"]


class CountersCore:
    __slots__ = COUNTER_FIELDS

    def __init__(self) -> None:
        for f in COUNTER_FIELDS:
            setattr(self, f, 0)


class ConnCore:
    __slots__ = ("st", "engine", "store", "db", "stats", "parser", "transport", "_out",
                 "tracking", "max_item_size", "_flushed", "binary", "closed", "_close_after",
                 "last_cmd_time")

    def __init__(self) -> None:
        self.st = self.engine = self.store = self.db = self.stats = None
        self.parser = self.transport = self._out = self.tracking = None
        self.max_item_size = 0
        self._flushed = 0
        self.binary = self.closed = self._close_after = False
        self.last_cmd_time = 0.0

    def data_received(self, data: bytes) -> None:
        serve(self, data)


def serve(conn, data) -> None:
    """A memcached connection's read (see the module docstring)."""
    if conn.closed:
        return
    conn.stats.bytes_read += len(data)
    parser = conn.parser
    if parser is None:
        parser = conn.choose_parser(data)
    now = time.time()
    conn.engine.now_ms = int(now * 1000)
    conn.last_cmd_time = now
    conn.run_requests(parser.feed(data), bytearray(), 0, 0)
