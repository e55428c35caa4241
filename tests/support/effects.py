"""What commands do besides replying, seen from both sides: propagation and keyspace events
of an in-process Engine (Recorder), the oracle's events and dirty counts per command
(oracle_effects), and INFO counters (info_fields)."""

from typing import Any, List

import hiredis

from tests.support.raw import RawClient


class Recorder:
    """Stands in for replication and keyspace notifications of an in-process Engine."""

    def __init__(self, engine: Any) -> None:
        self.propagated: List[list] = []
        self.events: List[tuple] = []
        engine.replication = self
        engine.notify_flags = 1
        engine.notifier = lambda klass, event, key, dbid: self.events.append((event, key))

    def propagate(self, dbid, argv):
        self.propagated.append(list(argv))

    def take(self):
        out = (self.propagated, self.events)
        self.propagated, self.events = [], []
        return out


def info_fields(client: RawClient, *fields: bytes) -> List[int]:
    """Integer INFO fields of a server, in the order asked."""
    reader = hiredis.Reader()
    reader.feed(client.call("INFO", "all"))
    info = reader.gets()
    values = dict(line.split(b":", 1) for line in info.split(b"\r\n") if b":" in line)
    return [int(values[f]) for f in fields]


def oracle_effects(oracle_server, script):
    """Per command of ``script`` run on the oracle: (keyspace events, dirty increment)."""
    o = RawClient(oracle_server.host, oracle_server.port)
    sub = RawClient(oracle_server.host, oracle_server.port)
    reader = hiredis.Reader()

    def dirty() -> int:
        info = o.call("INFO", "persistence")
        return int(info.split(b"rdb_changes_since_last_save:")[1].split(b"\r\n")[0])

    out = []
    try:
        o.call("FLUSHALL")
        o.call("CONFIG", "SET", "notify-keyspace-events", "KEA")
        sub.call("PSUBSCRIBE", "__keyevent@0__:*")
        for cmd in script:
            before = dirty()
            o.call(*cmd)
            moved = dirty() - before
            o.call("PUBLISH", "__keyevent@0__:end", "x")
            events = []
            while True:
                reader.feed(sub.read_reply())
                msg = reader.gets()
                channel = msg[2].split(b"__:", 1)[1]
                if channel == b"end":
                    break
                events.append((channel, msg[3]))
            out.append((events, moved))
    finally:
        o.call("CONFIG", "SET", "notify-keyspace-events", "")
        o.call("FLUSHALL")
        o.close()
        sub.close()
    return out
