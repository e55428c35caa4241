"""memcached request framing in pure Python: the readable specification of the Cython
twin in memcache_c.pyx, which must behave identically.

Two incremental parsers, fed whatever the socket delivered and returning every complete
request in it (partial requests stay buffered):

* ``TextParser`` frames the text and meta protocols as memcached 1.6.18's
  try_read_command_ascii/process_update_command do: a line ends at ``\\n`` (a ``\\r``
  before it is dropped), a NUL ends the line early, tokens are split on spaces only, and a
  storage command's data block is read (or swallowed when too large) only when its line is
  well-formed -- otherwise the data block is parsed as the next command line, as memcached
  does. A line longer than 2048 bytes without ``\\n`` closes the connection unless it is a
  ``get``/``gets`` multiget.
* ``BinaryParser`` frames the binary protocol as try_read_command_binary and
  dispatch_bin_command do: a bad magic byte closes the connection, malformed headers are
  rejected with memcached's status and close, unknown opcodes swallow their body, and the
  value of a storage request is read (or swallowed when too large).

Both return tuples whose kinds and markers are defined in memcache_common.
"""

from .memcache_common import (
    B_CLOSE, B_ERR, B_REQ, BAD_CHUNK, CLIENT_ERROR_FORMAT, CLIENT_ERROR_OPTIONS_TOO_LONG,
    DEFAULT_MAX_LINE, ERROR, HEADER_SIZE, INT_MAX, KEY_MAX_LENGTH, LINE_PROBE_LIMIT,
    MAX_SASL_MECH_LEN, META_MAX_TOKENS, OP, QUIET, REQ_MAGIC, STATUS, STORAGE_COMMANDS,
    STORE_CAS, T_CLOSE, T_ERROR, T_LINE, T_META_SET, T_STORE, TEXT_MAX_TOKENS, TOO_LARGE,
    item_size_ok,
)

__all__ = ["TextParser", "BinaryParser", "tokenize", "safe_strtoul", "safe_strtol",
           "safe_strtoull", "strtoull_data"]

_SPACE = b" \t\n\x0b\x0c\r"      # isspace() in the C locale
_ODD_SPACE = (b"\t", b"\r", b"\x0b", b"\x0c")
_U64 = 1 << 64
_I64_MAX = (1 << 63) - 1


# ============================================================ numbers (util.c)
def _strtou(s: bytes):
    """strtoull() on a token followed by a terminator (end, NUL or whitespace). Returns
    (value mod 2**64, had a minus sign) or None when util.c's safe_* would refuse it."""
    n = len(s)
    i = 0
    while i < n and s[i] in _SPACE:
        i += 1
    neg = False
    if i < n and (s[i] == 45 or s[i] == 43):
        neg = s[i] == 45
        i += 1
    j = i
    while j < n and 48 <= s[j] <= 57:
        j += 1
    if j == i:
        return None                     # no digits: endptr == str
    if j < n and s[j] not in _SPACE and s[j] != 0:
        return None                     # trailing garbage
    mag = int(s[i:j])
    if mag >= _U64:
        return None                     # ERANGE
    return mag, neg


def safe_strtoull(s: bytes):
    """util.c safe_strtoull(): an unsigned 64-bit number, or None."""
    r = _strtou(s)
    if r is None:
        return None
    mag, neg = r
    v = (_U64 - mag) % _U64 if neg else mag
    if neg and v > _I64_MAX:
        return None                     # "-5" wraps to a huge value: refused
    return v


def safe_strtoul(s: bytes):
    """util.c safe_strtoul(): as safe_strtoull, stored into a uint32_t (truncated)."""
    v = safe_strtoull(s)
    return None if v is None else v & 0xFFFFFFFF


def safe_strtol(s: bytes):
    """util.c safe_strtol(): a signed 64-bit strtol() stored into an int32_t (wraps)."""
    r = _strtou(s)
    if r is None:
        return None
    mag, neg = r
    if neg:
        if mag > _I64_MAX + 1:
            return None
        v = -mag
    else:
        if mag > _I64_MAX:
            return None
        v = mag
    return ((v + (1 << 31)) & 0xFFFFFFFF) - (1 << 31)


def strtoull_data(value: bytes):
    """safe_strtoull() over an item's data as incr/decr sees it: the bytes followed by
    "\\r\\n" in memory. None when the value is not a number memcached accepts."""
    if len(value) == 0:
        return None
    return safe_strtoull(value + b"\r\n")


# ============================================================ tokens
def tokenize(line: bytes) -> list:
    """tokenize_command(): split on spaces only (a tab belongs to its token)."""
    for c in _ODD_SPACE:
        if c in line:
            return [t for t in line.split(b" ") if t]
    return line.split()


# ============================================================ text and meta
class TextParser:
    """Frames text/meta requests; ``feed(data)`` returns the complete requests."""

    __slots__ = ("_buf", "_pending", "_need", "_swallow", "max_item_size", "max_line",
                 "closed")

    def __init__(self, max_item_size: int = 1024 * 1024,
                 max_line: int = DEFAULT_MAX_LINE) -> None:
        self._buf = bytearray()
        self._pending = None            # request waiting for its data block
        self._need = 0                  # bytes of that data block (CRLF included)
        self._swallow = 0               # bytes still to discard (too-large value)
        self.max_item_size = max_item_size
        self.max_line = max_line
        self.closed = False

    def pending(self) -> int:
        """Bytes buffered and not yet framed."""
        return len(self._buf)

    def feed(self, data: bytes) -> list:
        out: list = []
        if self.closed:
            return out
        buf = self._buf
        if buf:
            buf += data
        else:
            buf = data
        n = len(buf)
        pos = 0
        while pos < n:
            if self._swallow:
                take = n - pos
                if take > self._swallow:
                    take = self._swallow
                self._swallow -= take
                pos += take
                continue
            pend = self._pending
            if pend is not None:
                need = self._need
                if n - pos < need:
                    break
                end = pos + need
                self._pending = None
                if buf[end - 2] == 13 and buf[end - 1] == 10:
                    out.append(pend + (bytes(buf[pos:end - 2]),))
                else:
                    out.append(pend + (BAD_CHUNK,))
                pos = end
                continue
            nl = buf.find(b"\n", pos)
            if nl < 0:
                if n - pos > LINE_PROBE_LIMIT:
                    p = pos
                    while p < n and buf[p] == 32:
                        p += 1
                    if (p - pos > 100 or n - pos > self.max_line
                            or not (buf.startswith(b"get ", p) or buf.startswith(b"gets ", p))):
                        out.append((T_CLOSE,))
                        self.closed = True
                        pos = n
                break
            end = nl
            if end - pos > 1 and buf[end - 1] == 13:
                end -= 1
            line = bytes(buf[pos:end])
            pos = nl + 1
            z = line.find(b"\x00")
            if z >= 0:
                line = line[:z]
            tokens = tokenize(line)
            if tokens:
                cmd = tokens[0]
                mode = STORAGE_COMMANDS.get(cmd)
                if mode is not None:
                    self._storage(out, mode, tokens)
                    continue
                if cmd == b"ms":
                    self._meta_set(out, tokens)
                    continue
            out.append((T_LINE, tokens))
        if pos >= n:
            self._buf = bytearray()
        elif buf is self._buf:
            del buf[:pos]
        else:
            self._buf = bytearray(buf[pos:])
        return out

    def _storage(self, out: list, mode: int, tokens: list) -> None:
        """process_update_command(): validate the line, then read or swallow the data."""
        ntok = len(tokens) + 1
        if mode == STORE_CAS:
            if ntok != 7 and ntok != 8:
                out.append((T_ERROR, ERROR, False))
                return
        elif ntok != 6 and ntok != 7:
            out.append((T_ERROR, ERROR, False))
            return
        noreply = tokens[ntok - 2] == b"noreply"
        key = tokens[1]
        if len(key) > KEY_MAX_LENGTH:
            out.append((T_ERROR, CLIENT_ERROR_FORMAT, noreply))
            return
        flags = safe_strtoul(tokens[2])
        exptime = safe_strtol(tokens[3])
        vlen = safe_strtol(tokens[4])
        if flags is None or exptime is None or vlen is None:
            out.append((T_ERROR, CLIENT_ERROR_FORMAT, noreply))
            return
        cas = 0
        if mode == STORE_CAS:
            cas = safe_strtoull(tokens[5])
            if cas is None:
                out.append((T_ERROR, CLIENT_ERROR_FORMAT, noreply))
                return
        if vlen < 0 or vlen > INT_MAX - 2:
            out.append((T_ERROR, CLIENT_ERROR_FORMAT, noreply))
            return
        vlen += 2
        if not item_size_ok(len(key), flags, vlen, self.max_item_size):
            out.append((T_STORE, mode, key, flags, exptime, cas, noreply, TOO_LARGE))
            self._swallow = vlen
            return
        self._pending = (T_STORE, mode, key, flags, exptime, cas, noreply)
        self._need = vlen

    def _meta_set(self, out: list, tokens: list) -> None:
        """process_mset_command() up to the data length; flags are the meta codec's job."""
        ntok = len(tokens) + 1
        if ntok > TEXT_MAX_TOKENS:
            ntok = TEXT_MAX_TOKENS
        if ntok < 3:
            out.append((T_ERROR, ERROR, False))
            return
        if len(tokens[1]) > KEY_MAX_LENGTH or ntok == 3:
            out.append((T_ERROR, CLIENT_ERROR_FORMAT, False))
            return
        if ntok > META_MAX_TOKENS:
            out.append((T_ERROR, CLIENT_ERROR_OPTIONS_TOO_LONG, False))
            return
        vlen = safe_strtol(tokens[2])
        if vlen is None or vlen < 0 or vlen > INT_MAX - 2:
            out.append((T_ERROR, CLIENT_ERROR_FORMAT, False))
            return
        vlen += 2
        # the smallest possible item (a 1-byte key, no flags) does not fit: swallow unread
        if not item_size_ok(1, 0, vlen, self.max_item_size):
            out.append((T_META_SET, tokens, TOO_LARGE))
            self._swallow = vlen
            return
        self._pending = (T_META_SET, tokens)
        self._need = vlen


# ============================================================ binary
def _u16(b, i: int) -> int:
    return (b[i] << 8) | b[i + 1]


def _u32(b, i: int) -> int:
    return (b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]


class BinaryParser:
    """Frames binary-protocol requests; ``feed(data)`` returns the complete requests."""

    __slots__ = ("_buf", "_pending", "_need", "_swallow", "max_item_size", "sasl", "closed")

    def __init__(self, max_item_size: int = 1024 * 1024, sasl: bool = False) -> None:
        self._buf = bytearray()
        self._pending = None
        self._need = 0
        self._swallow = 0
        self.max_item_size = max_item_size
        self.sasl = sasl
        self.closed = False

    def pending(self) -> int:
        return len(self._buf)

    def feed(self, data: bytes) -> list:
        out: list = []
        if self.closed:
            return out
        buf = self._buf
        if buf:
            buf += data
        else:
            buf = data
        n = len(buf)
        pos = 0
        while True:
            if self._swallow:
                take = n - pos
                if take > self._swallow:
                    take = self._swallow
                self._swallow -= take
                pos += take
                if self._swallow:
                    break
            pend = self._pending
            if pend is not None:
                need = self._need
                if n - pos < need:
                    break
                self._pending = None
                out.append((B_REQ, pend[0], pend[1], pend[2], bytes(buf[pos:pos + need]),
                            pend[3], pend[4]))
                pos += need
                continue
            if n - pos < HEADER_SIZE:
                break
            if buf[pos] != REQ_MAGIC:
                out.append((B_CLOSE,))
                self.closed = True
                pos = n
                break
            op = buf[pos + 1]
            keylen = _u16(buf, pos + 2)
            extlen = buf[pos + 4]
            if n - pos < HEADER_SIZE + extlen + keylen:
                break
            bodylen = _u32(buf, pos + 8)
            opaque = _u32(buf, pos + 12)
            cas = (_u32(buf, pos + 16) << 32) | _u32(buf, pos + 20)
            p = pos + HEADER_SIZE
            extras = bytes(buf[p:p + extlen])
            p += extlen
            key = bytes(buf[p:p + keylen])
            pos = p + keylen
            if keylen > bodylen or keylen + extlen > bodylen:
                out.append((B_ERR, op, key, opaque, STATUS.UNKNOWN_COMMAND, True, False, False))
                self.closed = True
                pos = n
                break
            if keylen > KEY_MAX_LENGTH:
                out.append((B_ERR, op, key, opaque, STATUS.EINVAL, True, True, False))
                self.closed = True
                pos = n
                break
            cmd = QUIET.get(op, op)
            vlen = bodylen - keylen - extlen
            valid = True
            if cmd == OP.GET or cmd == OP.GETK:
                valid = extlen == 0 and bodylen == keylen and keylen > 0
            elif cmd == OP.SET or cmd == OP.ADD or cmd == OP.REPLACE:
                valid = extlen == 8 and keylen != 0 and bodylen >= keylen + 8
                if valid:
                    if not item_size_ok(keylen, _u32(extras, 0), vlen + 2, self.max_item_size):
                        out.append((B_ERR, op, key, opaque, STATUS.E2BIG, False, True,
                                    vlen > 0))
                        self._swallow = vlen
                        continue
                    self._pending = (op, key, extras, opaque, cas)
                    self._need = vlen
                    continue
            elif cmd == OP.APPEND or cmd == OP.PREPEND:
                valid = keylen > 0 and extlen == 0
                if valid:
                    if not item_size_ok(keylen, 0, vlen + 2, self.max_item_size):
                        out.append((B_ERR, op, key, opaque, STATUS.E2BIG, False, True,
                                    vlen > 0))
                        self._swallow = vlen
                        continue
                    self._pending = (op, key, extras, opaque, cas)
                    self._need = vlen
                    continue
            elif cmd == OP.NOOP or cmd == OP.VERSION or cmd == OP.QUIT:
                valid = extlen == 0 and keylen == 0 and bodylen == 0
            elif cmd == OP.DELETE:
                valid = keylen > 0 and extlen == 0 and bodylen == keylen
            elif cmd == OP.INCREMENT or cmd == OP.DECREMENT:
                valid = keylen > 0 and extlen == 20 and bodylen == keylen + extlen
            elif cmd == OP.TOUCH or cmd == OP.GAT or cmd == OP.GATK:
                valid = extlen == 4 and keylen != 0
            elif cmd == OP.FLUSH:
                valid = keylen == 0 and bodylen == extlen and (extlen == 0 or extlen == 4)
            elif cmd == OP.STAT:
                valid = extlen == 0
            elif cmd == OP.SASL_LIST_MECHS:
                valid = extlen == 0 and keylen == 0 and bodylen == 0
                if valid and not self.sasl:
                    out.append((B_ERR, op, key, opaque, STATUS.UNKNOWN_COMMAND, False, True,
                                False))
                    continue
            elif cmd == OP.SASL_AUTH or cmd == OP.SASL_STEP:
                valid = extlen == 0 and keylen != 0
                if valid:
                    vlen = bodylen - keylen
                    if not self.sasl:
                        status = STATUS.UNKNOWN_COMMAND
                    elif keylen > MAX_SASL_MECH_LEN:
                        status = STATUS.EINVAL
                    elif not item_size_ok(keylen, 0, vlen + 2, self.max_item_size):
                        status = STATUS.ENOMEM
                    else:
                        self._pending = (op, key, extras, opaque, cas)
                        self._need = vlen
                        continue
                    out.append((B_ERR, op, key, opaque, status, False, True, vlen > 0))
                    self._swallow = vlen
                    continue
            else:
                # unknown opcode: memcached swallows bodylen bytes although the extras and
                # key were already consumed (so it eats into the next request)
                out.append((B_ERR, op, key, opaque, STATUS.UNKNOWN_COMMAND, False, True,
                            bodylen > 0))
                self._swallow = bodylen
                continue
            if not valid:
                out.append((B_ERR, op, key, opaque, STATUS.EINVAL, True, True, False))
                self.closed = True
                pos = n
                break
            out.append((B_REQ, op, key, extras, b"", opaque, cas))
        if pos >= n:
            self._buf = bytearray()
        elif buf is self._buf:
            del buf[:pos]
        else:
            self._buf = bytearray(buf[pos:])
        return out
