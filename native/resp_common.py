"""Reply types and parser errors shared by both RESP twins (resp_c and resp_py).

Both implementations import these names from here, so a reply built by a command means the
same thing to either encoder and a parser error is the same class whichever parser raised it.
"""

__all__ = [
    "BLOCKED", "NO_REPLY", "Status", "ReplyError", "Push", "SetReply", "Verbatim", "DoubleText", "BigNumber",
    "Attribute",
    "NullArray", "NULL_ARRAY", "OK", "QUEUED", "PONG", "ProtocolError", "QueryBufferLimit",
    "PROTO_INLINE_MAX_SIZE",
]

# Redis refuses an inline request, or a '*'/'$' header line, longer than this.
PROTO_INLINE_MAX_SIZE = 64 * 1024


class Status:
    """A simple string reply (``+OK``)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return "Status(%r)" % self.text

    def __eq__(self, other: object) -> bool:
        return type(other) is Status and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)


class ReplyError(Exception):
    """An error reply. ``text`` carries the code, e.g. ``"ERR syntax error"``.

    Commands raise it (deep argument helpers) or return it; the encoder frames it as ``-text``.
    """

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text

    @property
    def code(self) -> str:
        return self.text.split(" ", 1)[0]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ReplyError) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)


class Push(list):
    """An out-of-band message: ``>`` in RESP3, a plain array in RESP2 (pub/sub)."""

    __slots__ = ()


class SetReply(list):
    """A set reply in a given order: ``~`` in RESP3, an array in RESP2 (SMEMBERS lists an
    intset's members in ascending order, which a Python ``set`` cannot keep)."""

    __slots__ = ()


class Verbatim(bytes):
    """A verbatim string (``=`` with the ``txt:`` format in RESP3, a bulk string in RESP2)."""

    __slots__ = ()


class DoubleText(bytes):
    """A double already formatted by the command (addReplyHumanLongDouble): ``,text`` in
    RESP3, a bulk string in RESP2."""

    __slots__ = ()


class BigNumber(bytes):
    """A big number (``(digits`` in RESP3, a bulk string in RESP2): scripts can return one."""

    __slots__ = ()


class Attribute:
    """A reply carrying RESP3 attributes (addReplyAttributeLen): ``|`` and the ``attrs`` map,
    then ``reply``. Attributes are not replies: RESP2 gets ``reply`` alone."""

    __slots__ = ("attrs", "reply")

    def __init__(self, attrs: dict, reply) -> None:
        self.attrs = attrs
        self.reply = reply

    def __repr__(self) -> str:
        return "Attribute(%r, %r)" % (self.attrs, self.reply)


class NullArray:
    """The null of an array-typed reply: ``*-1`` in RESP2, ``_`` in RESP3."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "NULL_ARRAY"


NULL_ARRAY = NullArray()
OK = Status("OK")
QUEUED = Status("QUEUED")
PONG = Status("PONG")


class _Sentinel:
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


# A handler returns BLOCKED after registering its client as a waiter: the reply comes later.
BLOCKED = _Sentinel("BLOCKED")
# A handler returns NO_REPLY when it already sent what it had to say (pub/sub confirmations).
NO_REPLY = _Sentinel("NO_REPLY")


class ProtocolError(Exception):
    """Malformed request. ``commands`` holds the complete commands parsed before the error,
    which Redis still executes before it replies with the error and closes."""

    def __init__(self, text: str, commands: list) -> None:
        super().__init__(text)
        self.text = text
        self.commands = commands


class QueryBufferLimit(ProtocolError):
    """The unparsed input outgrew ``client-query-buffer-limit``: Redis closes without a reply."""
