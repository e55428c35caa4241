"""client-output-buffer-limit: close clients whose unsent replies grow too big (Redis's
checkClientOutputBufferLimits / closeClientOnOutputBufferLimitReached).

Three classes, as ``getClientType`` sorts clients: ``normal``, ``slave`` (replicas;
"replica" is accepted when setting) and ``pubsub`` (subscribed to anything). Each has a
hard limit (bytes; reaching it closes the client) and a soft limit with seconds (staying
at or over it for longer than the seconds closes the client); 0 disables a limit.

A client's pending output is what its transport has not handed to the kernel yet
(``Client.output_size()``), Redis's reply list. As in Redis, the check runs when output is
added (after each write of a batch of replies and each out-of-band message such as a
published one), and a client over its limit is closed at once without sending what it
still has pending (``freeClientAsync``), which is what keeps memory bounded.
"""

import time
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple

from .config import ConfigError, Option, OPTIONS, parse_memory, register

if TYPE_CHECKING:  # pragma: no cover
    from .connection import Client

__all__ = ["CLASSES", "client_class", "check", "Limits"]

CLASSES = ("normal", "slave", "pubsub")
_NAMES = {"normal": "normal", "slave": "slave", "replica": "slave", "pubsub": "pubsub",
          "master": "master"}
MB = 1024 * 1024
DEFAULTS = {"normal": (0, 0, 0), "slave": (256 * MB, 64 * MB, 60),
            "pubsub": (32 * MB, 8 * MB, 60)}

E_ARGS = "Wrong number of arguments in buffer limit configuration."
E_CLASS = "Invalid client class specified in buffer limit configuration."
E_VALUE = "Error in hard, soft or soft_seconds setting in buffer limit configuration."


class Limits(dict):
    """class -> (hard bytes, soft bytes, soft seconds); ``given`` names the classes a
    setting mentioned (the others keep their values)."""

    given: Tuple[str, ...] = ()


def _strtoll_int(text: str) -> Optional[int]:
    """``int x = strtoll(text, &end, 10)`` with ``*end == '\\0'`` required: leading spaces
    and a sign allowed, "" is 0, and the value truncated to a C int."""
    s = text.lstrip(" \t\n\v\f\r")
    body = s[1:] if s[:1] in ("+", "-") else s
    if body and not body.isdigit() or (not body and s):
        return None
    if not body.isascii():
        return None
    v = int(s) if body else 0
    v = max(min(v, 2 ** 63 - 1), -(2 ** 63))   # strtoll saturates
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v >= 1 << 31 else v


def parse_limits(words: List[str]) -> Limits:
    """setConfigClientOutputBufferLimitOption(): all classes given or none of them."""
    if len(words) % 4:
        raise ConfigError(E_ARGS)
    out = Limits(DEFAULTS)
    given = []
    for j in range(0, len(words), 4):
        cls = _NAMES.get(words[j].lower())
        if cls is None or cls == "master":
            raise ConfigError(E_CLASS)
        try:
            hard = parse_memory(words[j + 1])
            soft = parse_memory(words[j + 2])
        except ConfigError:
            raise ConfigError(E_VALUE) from None
        secs = _strtoll_int(words[j + 3])
        if secs is None or secs < 0:
            raise ConfigError(E_VALUE)
        out[cls] = (hard, soft, secs)
        given.append(cls)
    out.given = tuple(given)
    return out


def merge_limits(current: Dict[str, Tuple[int, int, int]], new: Limits) -> Limits:
    out = Limits(current)
    for cls in new.given:
        out[cls] = new[cls]
    return out


def format_limits(v: Dict[str, Tuple[int, int, int]]) -> str:
    return " ".join("%s %d %d %d" % ((cls,) + tuple(v[cls])) for cls in CLASSES)


def client_class(c: "Client") -> str:
    """getClientType() as the limits use it: a master counts as normal, MONITOR too."""
    if c.is_master:
        return "normal"
    if c.is_replica and not c.in_monitor:
        return "slave"
    if c.subscribed:
        return "pubsub"
    return "normal"


def over_limit(c: Any, used: int, limits: Dict[str, Tuple[int, int, int]],
               now: int) -> bool:
    """checkClientOutputBufferLimits(): the hard limit at once, the soft limit after it
    held for more than its seconds (whole seconds of the server clock, as Redis)."""
    hard, soft, secs = limits[client_class(c)]
    over_hard = bool(hard) and used >= hard
    over_soft = bool(soft) and used >= soft
    if over_soft:
        since = c.obuf_soft_since
        if not since:
            c.obuf_soft_since = now
            over_soft = False
        elif now - since <= secs:
            over_soft = False
    else:
        c.obuf_soft_since = 0
    return over_hard or over_soft


def check(c: Any) -> bool:
    """After output was added for ``c``: close it (True) when over its class's limit."""
    used = c.output_size()
    if not used:
        c.obuf_soft_since = 0
        return False
    if used > c.obuf_peak:
        c.obuf_peak = used
    limits = c.engine.config.values["client-output-buffer-limit"]
    if not over_limit(c, used, limits, int(time.time())):
        return False
    info = c.info_line()
    c.close_asap()
    for srv in c.engine.servers:
        from .log import WARNING
        srv.log(WARNING, "Client %s scheduled to be closed ASAP for overcoming of output "
                "buffer limits." % info)
    return True


def _register() -> None:
    if "client-output-buffer-limit" in OPTIONS:
        return
    register(Option("client-output-buffer-limit", "special", Limits(DEFAULTS), multi_arg=True,
                    parse=parse_limits, format=format_limits, merge=merge_limits))


_register()
