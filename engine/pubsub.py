"""The Pub/Sub registry of an Engine: channel -> subscribers, pattern -> subscribers and
shard channel -> subscribers, publishing fan-out and client cleanup (Redis's pubsub.c).

Each client keeps what it subscribed to (``Client.channels`` / ``patterns`` /
``shard_channels``, insertion-ordered dicts); the registry maps the other way. Messages go
out through ``Client.deliver``, so a client publishing to itself gets the message in order
with its running batch, before the command's own reply.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING

from .glob import compile_glob
from .replies import Push

if TYPE_CHECKING:  # pragma: no cover
    from .connection import Client
    from .engine import Engine

__all__ = ["PubSub"]

Subscribers = dict["Client", None]


class PubSub:
    """Subscriptions of every client of one engine."""

    __slots__ = ("channels", "engine", "patterns", "shard_channels")

    def __init__(self, engine: "Engine") -> None:
        self.engine = engine
        self.channels: dict[bytes, Subscribers] = {}
        self.shard_channels: dict[bytes, Subscribers] = {}
        # pattern -> (matcher, subscribers)
        self.patterns: dict[bytes, tuple[Callable[[bytes], bool], Subscribers]] = {}

    # ------------------------------------------------------------------ channels
    def subscribe(self, c: "Client", channel: bytes, shard: bool = False) -> bool:
        """pubsubSubscribeChannel(); False if ``c`` was already subscribed."""
        mine = c.shard_channels if shard else c.channels
        if mine is None:
            mine = {}
            if shard:
                c.shard_channels = mine
            else:
                c.channels = mine
        elif channel in mine:
            return False
        mine[channel] = None
        registry = self.shard_channels if shard else self.channels
        clients = registry.get(channel)
        if clients is None:
            clients = registry[channel] = {}
        clients[c] = None
        return True

    def unsubscribe(self, c: "Client", channel: bytes, shard: bool = False) -> bool:
        """pubsubUnsubscribeChannel(); False if ``c`` was not subscribed."""
        mine = c.shard_channels if shard else c.channels
        if not mine or channel not in mine:
            return False
        del mine[channel]
        registry = self.shard_channels if shard else self.channels
        clients = registry[channel]
        del clients[c]
        if not clients:
            del registry[channel]
        return True

    # ------------------------------------------------------------------ patterns
    def psubscribe(self, c: "Client", pattern: bytes) -> bool:
        mine = c.patterns
        if mine is None:
            mine = c.patterns = {}
        elif pattern in mine:
            return False
        mine[pattern] = None
        entry = self.patterns.get(pattern)
        if entry is None:
            entry = self.patterns[pattern] = (compile_glob(pattern), {})
        entry[1][c] = None
        return True

    def punsubscribe(self, c: "Client", pattern: bytes) -> bool:
        mine = c.patterns
        if not mine or pattern not in mine:
            return False
        del mine[pattern]
        clients = self.patterns[pattern][1]
        del clients[c]
        if not clients:
            del self.patterns[pattern]
        return True

    # ------------------------------------------------------------------ clients
    def forget_client(self, c: "Client") -> None:
        """Drop every subscription of a client that disconnects or RESETs."""
        for channel in list(c.channels or ()):
            self.unsubscribe(c, channel)
        for channel in list(c.shard_channels or ()):
            self.unsubscribe(c, channel, True)
        for pattern in list(c.patterns or ()):
            self.punsubscribe(c, pattern)
        c.in_pubsub = False

    # ------------------------------------------------------------------ publishing
    def publish(self, channel: bytes, message: bytes) -> int:
        """pubsubPublishMessage(): deliver to the channel's subscribers, then to those of
        every matching pattern; returns the number of deliveries."""
        n = 0
        clients = self.channels.get(channel)
        if clients:
            n = _fan_out(clients, Push([b"message", channel, message]))
        if self.patterns:
            for pattern, (match, subs) in list(self.patterns.items()):
                if match(channel):
                    n += _fan_out(subs, Push([b"pmessage", pattern, channel, message]))
        return n

    def spublish(self, channel: bytes, message: bytes) -> int:
        """Shard channels ignore patterns."""
        clients = self.shard_channels.get(channel)
        if not clients:
            return 0
        return _fan_out(clients, Push([b"smessage", channel, message]))

    # ------------------------------------------------------------------ introspection
    def channel_names(self, pattern: bytes | None, shard: bool = False) -> list[bytes]:
        registry = self.shard_channels if shard else self.channels
        if pattern is None:
            return list(registry)
        match = compile_glob(pattern)
        return [ch for ch in registry if match(ch)]

    def subscriber_count(self, channel: bytes, shard: bool = False) -> int:
        clients = (self.shard_channels if shard else self.channels).get(channel)
        return len(clients) if clients else 0


def _fan_out(clients: Subscribers, message: Push) -> int:
    receivers = list(clients)  # a copy: a delivery may close a client, which unsubscribes it
    for c in receivers:
        c.deliver(message)
    return len(receivers)
