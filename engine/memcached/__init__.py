"""The memcached listener: memcached's text, meta and binary protocols (with SASL and
ElastiCache Auto Discovery) on the engine's shared keyspace.

``start_memcached(server)`` is called by engine/server.py's Server.start when
``memcached-port`` is set. The protocol codecs are protocols/memcached; this package acts:
store.py maps memcached's verbs onto the keyspace, text.py and binary.py run the commands,
connection.py is the per-connection protocol. See docs/memcached.md.

The Auto Discovery membership lives on the engine (``state(engine).membership``), so
replication can add the nodes it knows about.
"""

from . import options  # noqa: F401  (registers the memcached-* options)

__all__ = ["start_memcached", "state", "MemcachedListener"]


def state(engine):
    """The engine's memcached state (CAS counter, statistics, membership, item store)."""
    from .store import state as _state
    return _state(engine)


class MemcachedListener:
    """The memcached sockets of one Server; closes like an asyncio server (and closes its
    clients with it)."""

    def __init__(self, st, port: int) -> None:
        self.st = st
        self.port = port
        self.servers: list = []

    @property
    def sockets(self) -> list:
        return [s for srv in self.servers for s in srv.sockets]

    def close(self) -> None:
        for srv in self.servers:
            srv.close()
        for c in list(self.st.connections):
            if c.listener is self:
                c.close()

    async def wait_closed(self) -> None:
        for srv in self.servers:
            await srv.wait_closed()


async def start_memcached(server) -> MemcachedListener:
    """Listen on ``memcached-bind`` (default: ``bind``) at ``memcached-port``."""
    import asyncio

    from .connection import MemcachedConnection

    eng = server.engine
    cfg = eng.config.values
    if cfg["memcached-db"] >= len(eng.dbs):
        raise OSError("memcached-db %d is out of range (databases %d)"
                      % (cfg["memcached-db"], len(eng.dbs)))
    st = state(eng)
    port = cfg["memcached-port"]
    listener = MemcachedListener(st, port)
    loop = asyncio.get_running_loop()
    for addr in cfg["memcached-bind"] or cfg["bind"]:
        optional = addr.startswith("-")
        host = addr[1:] if optional else addr
        if host == "*":
            host = "0.0.0.0"
        try:
            srv = await loop.create_server(lambda: MemcachedConnection(listener), host, port,
                                           backlog=cfg["tcp-backlog"], reuse_address=True)
        except OSError as e:
            if optional:
                continue
            raise OSError(e.errno, "Could not create memcached TCP listening socket %s:%d: %s"
                          % (host, port, e.strerror)) from None
        listener.servers.append(srv)
    if not listener.servers:
        raise OSError("Failed listening on port %d (memcached), aborting." % port)
    st.listeners.append(listener)
    return listener
