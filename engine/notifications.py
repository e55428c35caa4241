"""Keyspace notifications: the ``notify-keyspace-events`` option (Redis's
keyspaceEventsStringToFlags / keyspaceEventsFlagsToString) and the notifier that turns
``Engine.notify_keyspace_event`` calls into ``__keyspace@<db>__:<key>`` and
``__keyevent@<db>__:<event>`` messages.
"""

from typing import TYPE_CHECKING

from . import notify
from .config import ConfigError, Option, register

if TYPE_CHECKING:  # pragma: no cover
    from .engine import Engine

__all__ = [
    "ALL",
    "KEYEVENT",
    "KEYSPACE",
    "KEY_MISS",
    "NEW",
    "flags_from_string",
    "flags_to_string",
    "install",
]

KEYSPACE = 1 << 0
KEYEVENT = 1 << 1
GENERIC = 1 << 2
STRING = 1 << 3
LIST = 1 << 4
SET = 1 << 5
HASH = 1 << 6
ZSET = 1 << 7
EXPIRED = 1 << 8
EVICTED = 1 << 9
STREAM = 1 << 10
KEY_MISS = 1 << 11
MODULE = 1 << 13
NEW = 1 << 14
# 'A': every class but key misses and new keys
ALL = GENERIC | STRING | LIST | SET | HASH | ZSET | EXPIRED | EVICTED | STREAM | MODULE

_LETTERS: dict[str, int] = {
    "A": ALL, "g": GENERIC, "$": STRING, "l": LIST, "s": SET, "h": HASH, "z": ZSET,
    "x": EXPIRED, "e": EVICTED, "K": KEYSPACE, "E": KEYEVENT, "t": STREAM, "m": KEY_MISS,
    "d": MODULE, "n": NEW,
}
# The letters shown when not every class of 'A' is on, in Redis's order.
_CLASS_LETTERS = (("g", GENERIC), ("$", STRING), ("l", LIST), ("s", SET), ("h", HASH),
                  ("z", ZSET), ("x", EXPIRED), ("e", EVICTED), ("t", STREAM), ("d", MODULE),
                  ("n", NEW))
# engine/notify.py class letter -> flag bit
_CLASS_BITS: dict[str, int] = {
    notify.GENERIC: GENERIC, notify.STRING: STRING, notify.LIST: LIST, notify.SET: SET,
    notify.HASH: HASH, notify.ZSET: ZSET, notify.EXPIRED: EXPIRED, notify.EVICTED: EVICTED,
    notify.STREAM: STREAM, notify.NEW: NEW, notify.MISS: KEY_MISS,
}
INVALID_CLASS = "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."


def flags_from_string(text: str) -> int:
    flags = 0
    for ch in text:
        bit = _LETTERS.get(ch)
        if bit is None:
            raise ConfigError(INVALID_CLASS)
        flags |= bit
    return flags


def flags_to_string(flags: int) -> str:
    out: list[str] = []
    if flags & ALL == ALL:
        out.append("A")  # 'n' is not shown beside 'A' (Redis prints it in the else branch)
    else:
        out.extend(letter for letter, bit in _CLASS_LETTERS if flags & bit)
    if flags & KEYSPACE:
        out.append("K")
    if flags & KEYEVENT:
        out.append("E")
    if flags & KEY_MISS:
        out.append("m")
    return "".join(out)


def _parse(words: list[str]) -> int:
    if len(words) != 1:
        raise ConfigError("wrong number of arguments")
    return flags_from_string(words[0])


register(Option("notify-keyspace-events", "string", 0, parse=_parse, format=flags_to_string))


def install(engine: "Engine") -> None:
    """Give ``engine`` its notifier and keep ``engine.notify_flags`` in step with the
    option (the dispatcher-side check is ``if engine.notify_flags``)."""
    publish = engine.pubsub.publish

    def notifier(klass: str, event: bytes, key: bytes, dbid: int) -> None:
        """notifyKeyspaceEvent()"""
        flags = engine.notify_flags
        if not flags & _CLASS_BITS[klass]:
            return
        if flags & KEYSPACE:
            publish(b"__keyspace@%d__:%s" % (dbid, key), event)
        if flags & KEYEVENT:
            publish(b"__keyevent@%d__:%s" % (dbid, event), key)

    def on_change(_old: int, new: int) -> None:
        engine.notify_flags = new

    engine.notifier = notifier  # type: ignore[method-assign]
    engine.config.on_change("notify-keyspace-events", on_change)
    engine.notify_flags = engine.config["notify-keyspace-events"]
