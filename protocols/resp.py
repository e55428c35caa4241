"""RESP2/RESP3 codec for the engine: the request parser and the reply encoder (native twin
chosen in native/resp.py), and the reply model handlers use.

Reply model: ``bytes`` bulk string · ``int`` integer · ``None`` null · ``list``/``tuple``
array · ``Status`` simple string · ``ReplyError`` error · ``float`` double (RESP3) or bulk
(RESP2) · ``dict`` map (RESP3) or flat array (RESP2) · ``set`` set (RESP3) or array ·
``bool`` boolean (RESP3) or 1/0 · ``Push`` push (RESP3) or array · ``Verbatim`` verbatim
string (RESP3) or bulk · ``NULL_ARRAY`` null array · ``Attribute`` a reply with RESP3
attributes (RESP2: the reply alone).
"""

from native.resp import (  # noqa: F401  (this module is the codec's public face)
    BLOCKED, NO_REPLY, IMPLEMENTATION, NULL_ARRAY, OK, PONG, QUEUED, Attribute, DoubleText,
    NullArray,
    ProtocolError, Push, QueryBufferLimit, ReplyError, RequestParser, SetReply, Status, Verbatim,
    encode, encode_into,
)

__all__ = ["BLOCKED", "NO_REPLY", "IMPLEMENTATION", "NULL_ARRAY", "OK", "PONG", "QUEUED",
           "Attribute",
           "DoubleText", "NullArray", "ProtocolError", "Push", "QueryBufferLimit", "ReplyError",
           "RequestParser", "SetReply", "Status", "Verbatim", "encode", "encode_into"]
