"""Keyspace-notification classes (the letters of ``notify-keyspace-events``)."""

__all__ = ["GENERIC", "STRING", "LIST", "SET", "HASH", "ZSET", "EXPIRED", "EVICTED",
           "STREAM", "NEW", "MISS"]

GENERIC = "g"
STRING = "$"
LIST = "l"
SET = "s"
HASH = "h"
ZSET = "z"
EXPIRED = "x"
EVICTED = "e"
STREAM = "t"
NEW = "n"
MISS = "m"
