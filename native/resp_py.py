"""RESP request parser and reply encoder in pure Python: the readable specification of the
Cython twin in resp_c.pyx, which must behave identically.

The parser follows Redis 7.0's processInlineBuffer/processMultibulkBuffer byte for byte:
the same header-line searches (``\\r`` for multibulk headers, ``\\n`` for inline, both with
``strchr`` semantics: see ``_find_line``), the same limits and the same error texts.
"""

from .resp_common import (
    PROTO_INLINE_MAX_SIZE, OK, NullArray, ProtocolError, Push, QueryBufferLimit,
    Attribute, BigNumber, DoubleText, ReplyError, SetReply, Status, Verbatim,
)

__all__ = ["RequestParser", "encode", "encode_into", "split_inline", "string2ll"]

INT_MAX = 2**31 - 1
LLONG_MAX = 2**63 - 1
LLONG_MIN = -(2**63)
_HEX = b"0123456789abcdefABCDEF"
_INLINE_SLOW = (b'"', b"'", b"\x00", b"\x0b", b"\x0c")
_ESCAPES = {ord("n"): 10, ord("r"): 13, ord("t"): 9, ord("b"): 8, ord("a"): 7}


def string2ll(s: bytes):
    """Redis's strict string2ll: optional '-', no leading zeros, no spaces, 64-bit range.
    Returns the int, or None when Redis would refuse the text."""
    n = len(s)
    if n == 0 or n > 20:
        return None
    if n == 1 and s[0] == 48:
        return 0
    neg = s[0] == 45
    digits = s[1:] if neg else s
    if not digits or not (49 <= digits[0] <= 57) or not digits.isdigit():
        return None
    v = int(digits)
    if neg:
        v = -v
        return v if v >= LLONG_MIN else None
    return v if v <= LLONG_MAX else None


def _find_line(data: bytes, ch: bytes, pos: int) -> int:
    """Index of ``ch`` at or after ``pos`` as Redis's ``strchr(querybuf+qb_pos, ch)`` finds it:
    the search stops at a NUL byte, so a NUL before ``ch`` means "no line yet" (Redis then
    waits for more input until the 64 KiB header limit, it does not split at the NUL)."""
    i = data.find(ch, pos)
    if i > pos and data.find(b"\x00", pos, i) >= 0:
        return -1
    return i


def split_inline(line: bytes):
    """sdssplitargs(): split an inline request like Redis does; None on unbalanced quotes."""
    nul = line.find(b"\x00")
    if nul >= 0:
        line = line[:nul]  # C string: Redis never sees past a NUL
    if not any(c in line for c in _INLINE_SLOW):
        return line.split()
    args = []
    p, n = 0, len(line)
    while True:
        while p < n and line[p] in b" \t\n\r\x0b\x0c":
            p += 1
        if p >= n:
            return args
        cur = bytearray()
        inq = insq = False
        while True:
            c = line[p] if p < n else 0
            if inq:
                if (c == 92 and p + 3 < n and line[p + 1] == 120
                        and line[p + 2] in _HEX and line[p + 3] in _HEX):
                    cur.append(int(line[p + 2:p + 4], 16))
                    p += 3
                elif c == 92 and p + 1 < n:
                    p += 1
                    cur.append(_ESCAPES.get(line[p], line[p]))
                elif c == 34:
                    if p + 1 < n and line[p + 1] not in b" \t\n\r\x0b\x0c":
                        return None
                    p += 1
                    break
                elif p >= n:
                    return None
                else:
                    cur.append(c)
            elif insq:
                if c == 92 and p + 1 < n and line[p + 1] == 39:
                    p += 1
                    cur.append(39)
                elif c == 39:
                    if p + 1 < n and line[p + 1] not in b" \t\n\r\x0b\x0c":
                        return None
                    p += 1
                    break
                elif p >= n:
                    return None
                else:
                    cur.append(c)
            else:
                if p >= n or c in b" \n\r\t":
                    if p < n:
                        p += 1
                    break
                if c == 34:
                    inq = True
                elif c == 39:
                    insq = True
                else:
                    cur.append(c)
            p += 1
        args.append(bytes(cur))


class RequestParser:
    """Incremental request parser: ``feed(data)`` returns the complete commands (lists of
    bytes) found so far and keeps partial ones. Raises ProtocolError (carrying the commands
    parsed before the error) on malformed input, QueryBufferLimit when unparsed input grows
    beyond ``max_query_len``."""

    def __init__(self, max_bulk_len: int = 512 * 1024 * 1024,
                 max_query_len: int = 1024 * 1024 * 1024) -> None:
        self.max_bulk_len = max_bulk_len
        self.max_query_len = max_query_len
        self._chunks: list = []      # unparsed input, joined lazily
        self._buffered = 0           # bytes in _chunks
        self._need = 0               # bytes needed before parsing can make progress
        self._argv: list = []        # arguments of a multibulk request in progress
        self._remaining = 0          # arguments still missing from it
        self._bulklen = -1           # length of the bulk being read, -1 for its header

    def pending(self) -> int:
        """Bytes buffered but not yet parsed (the client's query buffer)."""
        return self._buffered

    def feed(self, data: bytes) -> list:
        if self._chunks:
            self._chunks.append(data)
            self._buffered += len(data)
            if self._buffered < self._need:
                self._check_limit([])
                return []
            data = b"".join(self._chunks)
            self._chunks = []
            self._buffered = 0
        out: list = []
        pos = self._parse(data, out)
        if pos < len(data):
            rest = data[pos:]
            self._chunks = [rest]
            self._buffered = len(rest)
            self._need = (len(rest) + 1 if self._bulklen < 0 or not self._remaining
                          else self._bulklen + 2)
            self._check_limit(out)
        return out

    def _check_limit(self, out: list) -> None:
        if self._buffered > self.max_query_len:
            raise QueryBufferLimit("query buffer limit", out)

    def _parse(self, data: bytes, out: list) -> int:
        pos, n = 0, len(data)
        while pos < n:
            if not self._remaining:
                if data[pos] != 42:  # not '*': an inline request
                    nl = _find_line(data, b"\n", pos)
                    if nl < 0:
                        if n - pos > PROTO_INLINE_MAX_SIZE:
                            raise ProtocolError("Protocol error: too big inline request", out)
                        return pos
                    end = nl - 1 if nl > pos and data[nl - 1] == 13 else nl
                    argv = split_inline(data[pos:end])
                    if argv is None:
                        raise ProtocolError("Protocol error: unbalanced quotes in request", out)
                    pos = nl + 1
                    if argv:
                        out.append(argv)
                    continue
                cr = _find_line(data, b"\r", pos)
                if cr < 0:
                    if n - pos > PROTO_INLINE_MAX_SIZE:
                        raise ProtocolError("Protocol error: too big mbulk count string", out)
                    return pos
                if cr > n - 2:
                    return pos
                count = string2ll(data[pos + 1:cr])
                if count is None or count > INT_MAX:
                    raise ProtocolError("Protocol error: invalid multibulk length", out)
                pos = cr + 2
                if count <= 0:
                    continue
                self._remaining = count
                self._argv = []
            argv = self._argv
            while self._remaining:
                if self._bulklen < 0:
                    cr = _find_line(data, b"\r", pos)
                    if cr < 0:
                        if n - pos > PROTO_INLINE_MAX_SIZE:
                            raise ProtocolError("Protocol error: too big bulk count string", out)
                        return pos
                    if cr > n - 2:
                        return pos
                    if data[pos] != 36:
                        raise ProtocolError(
                            "Protocol error: expected '$', got '%s'"
                            % data[pos:pos + 1].decode("utf-8", "surrogateescape"), out)
                    ll = string2ll(data[pos + 1:cr])
                    if ll is None or ll < 0 or ll > self.max_bulk_len:
                        raise ProtocolError("Protocol error: invalid bulk length", out)
                    pos = cr + 2
                    self._bulklen = ll
                end = pos + self._bulklen
                if n - pos < self._bulklen + 2:
                    return pos
                argv.append(data[pos:end])
                pos = end + 2
                self._bulklen = -1
                self._remaining -= 1
            out.append(argv)
            self._argv = []
        return pos


# ----------------------------------------------------------------------------- encoder

def _text(s: str) -> bytes:
    # user bytes inside texts were decoded with surrogateescape; restore them exactly
    return s.encode("utf-8", "surrogateescape")


def _double(d: float, resp: int) -> bytes:
    if d != d:
        body = b"nan"
    elif d in (float("inf"), float("-inf")):
        body = b"inf" if d > 0 else b"-inf"
    else:
        body = b"%.17g" % d
    if resp == 3:
        return b"," + body + b"\r\n"
    return b"$%d\r\n%s\r\n" % (len(body), body)


def encode_into(out: bytearray, v, resp: int) -> None:
    """Append the encoding of reply value ``v`` for protocol version ``resp`` (2 or 3)."""
    t = type(v)
    if t is bytes or t is bytearray:
        out += b"$%d\r\n" % len(v)
        out += v
        out += b"\r\n"
    elif t is int:
        out += b":%d\r\n" % v
    elif v is None:
        out += b"_\r\n" if resp == 3 else b"$-1\r\n"
    elif t is Status:
        if v is OK:
            out += b"+OK\r\n"
        else:
            out += b"+" + _text(v.text).replace(b"\r", b" ").replace(b"\n", b" ") + b"\r\n"
    elif t is list or t is tuple:
        out += b"*%d\r\n" % len(v)
        for x in v:
            encode_into(out, x, resp)
    elif t is str:
        b = _text(v)
        out += b"$%d\r\n" % len(b)
        out += b
        out += b"\r\n"
    elif t is float:
        out += _double(v, resp)
    elif t is dict:
        out += (b"%%%d\r\n" if resp == 3 else b"*%d\r\n") % (len(v) if resp == 3 else 2 * len(v))
        for k, x in v.items():
            encode_into(out, k, resp)
            encode_into(out, x, resp)
    elif t is set or t is frozenset or t is SetReply:
        out += (b"~%d\r\n" if resp == 3 else b"*%d\r\n") % len(v)
        for x in v:
            encode_into(out, x, resp)
    elif t is bool:
        if resp == 3:
            out += b"#t\r\n" if v else b"#f\r\n"
        else:
            out += b":1\r\n" if v else b":0\r\n"
    elif t is Push:
        out += (b">%d\r\n" if resp == 3 else b"*%d\r\n") % len(v)
        for x in v:
            encode_into(out, x, resp)
    elif t is Verbatim:
        if resp == 3:
            out += b"=%d\r\ntxt:" % (len(v) + 4)
        else:
            out += b"$%d\r\n" % len(v)
        out += v
        out += b"\r\n"
    elif t is DoubleText or t is BigNumber:
        if resp == 3:
            out += (b"," if t is DoubleText else b"(") + v + b"\r\n"
        else:
            out += b"$%d\r\n%s\r\n" % (len(v), v)
    elif t is NullArray:
        out += b"_\r\n" if resp == 3 else b"*-1\r\n"
    elif t is Attribute:
        if resp == 3:
            out += b"|%d\r\n" % len(v.attrs)
            for k, x in v.attrs.items():
                encode_into(out, k, resp)
                encode_into(out, x, resp)
        encode_into(out, v.reply, resp)
    elif isinstance(v, ReplyError):
        out += b"-" + _text(v.text).replace(b"\r", b" ").replace(b"\n", b" ") + b"\r\n"
    elif isinstance(v, int):  # IntEnum and friends
        out += b":%d\r\n" % v
    else:
        raise TypeError("cannot encode reply of type %s" % t.__name__)


def encode(v, resp: int = 2) -> bytes:
    out = bytearray()
    encode_into(out, v, resp)
    return bytes(out)

