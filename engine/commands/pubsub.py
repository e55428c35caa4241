"""Pub/Sub commands: SUBSCRIBE PSUBSCRIBE UNSUBSCRIBE PUNSUBSCRIBE PUBLISH PUBSUB
SSUBSCRIBE SUNSUBSCRIBE SPUBLISH (a single node: shard channels are a namespace of their
own). The registry is engine/pubsub.py.

Confirmations are pushes: ``>`` in RESP3, arrays in RESP2, one per channel, sent through
``Client.deliver`` because Redis sends them even under CLIENT REPLY OFF/SKIP.
"""

from typing import Any

from .. import errors
from ..connection import Client
from ..errors import CommandError, arg
from ..replies import NO_REPLY, Push
from .keys import help_reply
from .table import command, container


def _send(c: Client, pushes: list[Push]) -> Any:
    if c.engine.in_exec:
        # Inside EXEC a confirmation is the command's reply (an element of EXEC's array).
        for p in pushes[:-1]:
            c.deliver(p)
        return pushes[-1]
    for p in pushes:
        c.deliver(p)
    return NO_REPLY


def _total(c: Client) -> int:
    """clientTotalPubSubSubscriptionCount(): what keeps a client in Pub/Sub mode."""
    return c.subscription_count() + (len(c.shard_channels) if c.shard_channels else 0)


def _propagate(c: Client, argv: list[bytes]) -> None:
    """forceCommandPropagation(): PUBLISH reaches replicas though it changes no key."""
    replication = c.engine.replication
    if replication is not None:
        replication.propagate(c.db.id, argv)


# ------------------------------------------------------------------ channels and patterns
@command("subscribe", -2, "pubsub noscript loading stale", group="pubsub", since="2.0.0",
         summary="Listen for messages published to the given channels",
         complexity="O(N) where N is the number of channels to subscribe to.")
def subscribe(c: Client, argv: list[bytes]) -> Any:
    ps = c.engine.pubsub
    pushes = []
    for channel in argv[1:]:
        ps.subscribe(c, channel)
        pushes.append(Push([b"subscribe", channel, c.subscription_count()]))
    c.in_pubsub = True
    return _send(c, pushes)


@command("unsubscribe", -1, "pubsub noscript loading stale", group="pubsub", since="2.0.0",
         summary="Stop listening for messages posted to the given channels",
         complexity="O(N) where N is the number of clients already subscribed to a channel.")
def unsubscribe(c: Client, argv: list[bytes]) -> Any:
    ps = c.engine.pubsub
    channels = argv[1:] if len(argv) > 1 else list(c.channels or ())
    pushes = []
    for channel in channels:
        ps.unsubscribe(c, channel)
        pushes.append(Push([b"unsubscribe", channel, c.subscription_count()]))
    if not pushes:  # subscribed to nothing: still one reply
        pushes.append(Push([b"unsubscribe", None, c.subscription_count()]))
    c.in_pubsub = _total(c) > 0
    return _send(c, pushes)


@command("psubscribe", -2, "pubsub noscript loading stale", group="pubsub", since="2.0.0",
         summary="Listen for messages published to channels matching the given patterns",
         complexity="O(N) where N is the number of patterns the client is already "
         "subscribed to.")
def psubscribe(c: Client, argv: list[bytes]) -> Any:
    ps = c.engine.pubsub
    pushes = []
    for pattern in argv[1:]:
        ps.psubscribe(c, pattern)
        pushes.append(Push([b"psubscribe", pattern, c.subscription_count()]))
    c.in_pubsub = True
    return _send(c, pushes)


@command("punsubscribe", -1, "pubsub noscript loading stale", group="pubsub", since="2.0.0",
         summary="Stop listening for messages posted to channels matching the given patterns",
         complexity="O(N+M) where N is the number of patterns the client is already "
         "subscribed and M is the number of total patterns subscribed in the system (by any "
         "client).")
def punsubscribe(c: Client, argv: list[bytes]) -> Any:
    ps = c.engine.pubsub
    patterns = argv[1:] if len(argv) > 1 else list(c.patterns or ())
    pushes = []
    for pattern in patterns:
        ps.punsubscribe(c, pattern)
        pushes.append(Push([b"punsubscribe", pattern, c.subscription_count()]))
    if not pushes:
        pushes.append(Push([b"punsubscribe", None, c.subscription_count()]))
    c.in_pubsub = _total(c) > 0
    return _send(c, pushes)


@command("publish", 3, "pubsub loading stale fast may_replicate", group="pubsub",
         since="2.0.0", summary="Post a message to a channel",
         complexity="O(N+M) where N is the number of clients subscribed to the receiving "
         "channel and M is the total number of subscribed patterns (by any client).")
def publish(c: Client, argv: list[bytes]) -> Any:
    receivers = c.engine.pubsub.publish(argv[1], argv[2])
    _propagate(c, argv)
    return receivers


# ------------------------------------------------------------------ shard channels
@command("ssubscribe", -2, "pubsub noscript loading stale", keys=(1, -1, 1), group="pubsub",
         since="7.0.0", summary="Listen for messages published to the given shard channels",
         complexity="O(N) where N is the number of shard channels to subscribe to.")
def ssubscribe(c: Client, argv: list[bytes]) -> Any:
    if c.engine.in_exec:
        # unlike SUBSCRIBE, no exception for MULTI from the DENY BLOCKING rule
        raise CommandError(errors.SSUBSCRIBE_DENY_BLOCKING)
    ps = c.engine.pubsub
    pushes = []
    for channel in argv[1:]:
        ps.subscribe(c, channel, True)
        pushes.append(Push([b"ssubscribe", channel, len(c.shard_channels or ())]))
    c.in_pubsub = True
    return _send(c, pushes)


@command("sunsubscribe", -1, "pubsub noscript loading stale", keys=(1, -1, 1), group="pubsub",
         since="7.0.0", summary="Stop listening for messages posted to the given shard channels",
         complexity="O(N) where N is the number of clients already subscribed to a shard "
         "channel.")
def sunsubscribe(c: Client, argv: list[bytes]) -> Any:
    ps = c.engine.pubsub
    channels = argv[1:] if len(argv) > 1 else list(c.shard_channels or ())
    pushes = []
    for channel in channels:
        ps.unsubscribe(c, channel, True)
        pushes.append(Push([b"sunsubscribe", channel, len(c.shard_channels or ())]))
    if not pushes:
        pushes.append(Push([b"sunsubscribe", None, 0]))
    c.in_pubsub = _total(c) > 0
    return _send(c, pushes)


@command("spublish", 3, "pubsub loading stale fast may_replicate", keys=(1, 1, 1),
         group="pubsub", since="7.0.0", summary="Post a message to a shard channel",
         complexity="O(N) where N is the number of clients subscribed to the receiving shard "
         "channel.")
def spublish(c: Client, argv: list[bytes]) -> Any:
    receivers = c.engine.pubsub.spublish(argv[1], argv[2])
    _propagate(c, argv)
    return receivers


# ------------------------------------------------------------------ PUBSUB
container("pubsub", -2, group="pubsub", since="2.8.0",
          summary="A container for Pub/Sub commands")

_PUBSUB_HELP = [
    "CHANNELS [<pattern>]",
    "    Return the currently active channels matching a <pattern> (default: '*').",
    "NUMPAT",
    "    Return number of subscriptions to patterns.",
    "NUMSUB [<channel> ...]",
    "    Return the number of subscribers for the specified channels, excluding",
    "    pattern subscriptions(default: no channels).",
    "SHARDCHANNELS [<pattern>]",
    ("    Return the currently active shard level channels matching a <pattern> (default: "
     "'*')."),
    "SHARDNUMSUB [<shardchannel> ...]",
    "    Return the number of subscribers for the specified shard level channel(s)",
]


def _syntax_error(argv: list[bytes]) -> CommandError:
    return CommandError(errors.SUBCOMMAND_SYNTAX % (arg(argv[1], 128), arg(argv[0].upper())))


@command("pubsub|help", 2, "loading stale", group="pubsub", since="6.2.0",
         summary="Show helpful text about the different subcommands")
def pubsub_help(c: Client, argv: list[bytes]) -> Any:
    return help_reply(argv[0], _PUBSUB_HELP)


def _channels(c: Client, argv: list[bytes], shard: bool) -> Any:
    if len(argv) > 3:
        raise _syntax_error(argv)
    return c.engine.pubsub.channel_names(argv[2] if len(argv) == 3 else None, shard)


def _numsub(c: Client, argv: list[bytes], shard: bool) -> Any:
    ps = c.engine.pubsub
    out: list[Any] = []
    for channel in argv[2:]:
        out += (channel, ps.subscriber_count(channel, shard))
    return out


@command("pubsub|channels", -2, "pubsub loading stale", group="pubsub", since="2.8.0",
         summary="List active channels",
         complexity="O(N) where N is the number of active channels, and assuming constant "
         "time pattern matching (relatively short channels and patterns)")
def pubsub_channels(c: Client, argv: list[bytes]) -> Any:
    return _channels(c, argv, False)


@command("pubsub|numpat", 2, "pubsub loading stale", group="pubsub", since="2.8.0",
         summary="Get the count of unique patterns pattern subscriptions")
def pubsub_numpat(c: Client, argv: list[bytes]) -> Any:
    return len(c.engine.pubsub.patterns)


@command("pubsub|numsub", -2, "pubsub loading stale", group="pubsub", since="2.8.0",
         summary="Get the count of subscribers for channels",
         complexity="O(N) for the NUMSUB subcommand, where N is the number of requested "
         "channels")
def pubsub_numsub(c: Client, argv: list[bytes]) -> Any:
    return _numsub(c, argv, False)


@command("pubsub|shardchannels", -2, "pubsub loading stale", group="pubsub", since="7.0.0",
         summary="List active shard channels",
         complexity="O(N) where N is the number of active shard channels, and assuming "
         "constant time pattern matching (relatively short shard channels).")
def pubsub_shardchannels(c: Client, argv: list[bytes]) -> Any:
    return _channels(c, argv, True)


@command("pubsub|shardnumsub", -2, "pubsub loading stale", group="pubsub", since="7.0.0",
         summary="Get the count of subscribers for shard channels",
         complexity="O(N) for the SHARDNUMSUB subcommand, where N is the number of requested "
         "shard channels")
def pubsub_shardnumsub(c: Client, argv: list[bytes]) -> Any:
    return _numsub(c, argv, True)
