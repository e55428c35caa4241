"""Strata: an in-memory cache engine speaking the Redis and memcached protocols.

Embedding::

    from engine import Engine, Server, ThreadedServer
    e = Engine()
    e.execute("SET", "k", "v")          # -> "OK"
    e.execute("GET", "k")               # -> b"v"

    async with Server(port=7000):       # a network server on this event loop
        ...
    with ThreadedServer(port=7000):     # the same on a background thread
        ...
"""

from .engine import Engine
from .server import Server, ThreadedServer, serve

__all__ = ["Engine", "Server", "ThreadedServer", "serve", "__version__"]

__version__ = "0.1.0"
