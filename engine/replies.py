"""Reply values handlers return (encoded per client by protocols/resp.py), plus the two
dispatcher sentinels BLOCKED and NO_REPLY."""

from protocols.resp import (
    BLOCKED, NO_REPLY, NULL_ARRAY, OK, PONG, QUEUED, Attribute, DoubleText, NullArray, Push,
    ReplyError, SetReply, Status, Verbatim,
)

__all__ = ["NULL_ARRAY", "OK", "PONG", "QUEUED", "NullArray", "Push", "ReplyError", "Status",
           "Verbatim", "SetReply", "DoubleText", "Attribute", "BLOCKED", "NO_REPLY"]
