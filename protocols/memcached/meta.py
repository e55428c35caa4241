"""The memcached meta protocol (mg, ms, md, ma, mn, me): flag parsing and reply pieces.

``preparse`` mirrors memcached 1.6.18's _meta_flag_preparse(): one pass over the flag
tokens that rejects duplicates and unknown flags, decodes a base64 key (``b``) and parses
the numeric tokens; the engine then walks the tokens again in request order to build the
reply (flags come back in the order they were sent). Return codes: HD VA EN NF NS EX MN.
"""

import binascii
from typing import List, Optional, Tuple

from native.memcache import safe_strtol, safe_strtoul, safe_strtoull

__all__ = ["MetaFlags", "preparse", "b64decode", "b64encode", "key_token",
           "ERR_FORMAT", "ERR_DUPLICATE", "ERR_INVALID", "ERR_BAD_TOKEN", "ERR_DECODING_KEY",
           "ERR_OPAQUE_TOO_LONG", "ERR_M_LENGTH", "ERR_INITIAL", "ERR_DELTA",
           "MAX_OPAQUE_LENGTH"]

# Texts of proto_text.c (the parse-level ones; the engine's live in engine/errors.py)
ERR_FORMAT = b"CLIENT_ERROR bad command line format"
ERR_DUPLICATE = b"CLIENT_ERROR duplicate flag"
ERR_INVALID = b"CLIENT_ERROR invalid flag"
ERR_BAD_TOKEN = b"CLIENT_ERROR bad token in command line format"
ERR_DECODING_KEY = b"CLIENT_ERROR error decoding key"
ERR_OPAQUE_TOO_LONG = b"CLIENT_ERROR opaque token too long"
ERR_M_LENGTH = b"CLIENT_ERROR incorrect length for M token"
ERR_INITIAL = b"CLIENT_ERROR invalid numeric initial value"
ERR_DELTA = b"CLIENT_ERROR invalid numeric delta value"
MAX_OPAQUE_LENGTH = 32

_B64 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_DTABLE = [0x80] * 256
for _i, _c in enumerate(_B64):
    _DTABLE[_c] = _i
_DTABLE[ord("=")] = 0


def b64decode(src: bytes) -> bytes:
    """memcached's base64_decode(): characters outside the alphabet are skipped, the count
    of the rest must be a multiple of 4; returns b"" when it refuses (memcached's 0)."""
    count = 0
    for c in src:
        if _DTABLE[c] != 0x80:
            count += 1
    if count == 0 or count % 4:
        return b""
    out = bytearray()
    block = [0, 0, 0, 0]
    n = 0
    pad = 0
    for c in src:
        tmp = _DTABLE[c]
        if tmp == 0x80:
            continue
        if c == 61:
            pad += 1
        block[n] = tmp
        n += 1
        if n == 4:
            out.append(((block[0] << 2) | (block[1] >> 4)) & 0xFF)
            out.append(((block[1] << 4) | (block[2] >> 2)) & 0xFF)
            out.append(((block[2] << 6) | block[3]) & 0xFF)
            n = 0
            if pad:
                if pad == 1:
                    del out[-1:]
                elif pad == 2:
                    del out[-2:]
                else:
                    return b""
                break
    return bytes(out)


def b64encode(data: bytes) -> bytes:
    return binascii.b2a_base64(data, newline=False)


def key_token(key: bytes, binary: bool) -> bytes:
    """The ``k`` flag of a reply (META_KEY): the key, base64 and a `` b`` when binary."""
    if binary:
        return b" k" + b64encode(key) + b" b"
    return b" k" + key


class MetaFlags:
    """What _meta_flag_preparse() learns from the flag tokens. Times are the raw int32
    tokens (the engine turns them into expiry times)."""

    __slots__ = ("has_error", "no_update", "locked", "vivify", "la", "value", "set_stale",
                 "no_reply", "has_cas", "new_ttl", "key_binary", "mode", "exptime",
                 "autoviv_exptime", "recache_time", "has_recache", "client_flags",
                 "req_cas_id", "delta", "initial", "key")

    def __init__(self, key: bytes) -> None:
        self.has_error = False
        self.no_update = False
        self.locked = False
        self.vivify = False
        self.la = False
        self.value = False
        self.set_stale = False
        self.no_reply = False
        self.has_cas = False
        self.new_ttl = False
        self.key_binary = False
        self.mode = 0
        self.exptime = 0
        self.autoviv_exptime = 0
        self.recache_time = 0
        self.has_recache = False
        self.client_flags = 0
        self.req_cas_id = 0
        self.delta = 1
        self.initial = 0
        self.key = key


def preparse(tokens: List[bytes], start: int,
             errstr: bytes = ERR_FORMAT) -> Tuple[MetaFlags, Optional[bytes]]:
    """Parse flag tokens from ``tokens[start:]``; returns (flags, error text or None)."""
    of = MetaFlags(tokens[1])
    seen = set()
    for i in range(start, len(tokens)):
        t = tokens[i]
        o = t[0]
        if o >= 127 or o in seen:
            return of, ERR_DUPLICATE
        seen.add(o)
        if o == 98:        # b
            key = b64decode(of.key)
            if not key:
                errstr = ERR_DECODING_KEY
                of.has_error = True
            of.key = key
            of.key_binary = True
        elif o == 78:      # N
            of.locked = True
            of.vivify = True
            v = safe_strtol(t[1:])
            if v is None:
                errstr = ERR_BAD_TOKEN
                of.has_error = True
            else:
                of.autoviv_exptime = v
        elif o == 84:      # T
            of.locked = True
            v = safe_strtol(t[1:])
            if v is None:
                errstr = ERR_BAD_TOKEN
                of.has_error = True
            else:
                of.exptime = v
                of.new_ttl = True
        elif o == 82:      # R
            of.locked = True
            v = safe_strtol(t[1:])
            if v is None:
                errstr = ERR_BAD_TOKEN
                of.has_error = True
            else:
                of.recache_time = v
                of.has_recache = True
        elif o == 108:     # l
            of.la = True
            of.locked = True
        elif o in (79, 80, 76, 107, 115, 116, 99, 102):   # O P L k s t c f
            pass
        elif o == 118:     # v
            of.value = True
        elif o == 104:     # h
            of.locked = True
        elif o == 117:     # u
            of.no_update = True
        elif o == 113:     # q
            of.no_reply = True
        elif o == 70:      # F
            v = safe_strtoul(t[1:])
            if v is None:
                of.has_error = True
            else:
                of.client_flags = v
        elif o == 67:      # C
            v = safe_strtoull(t[1:])
            if v is None:
                errstr = ERR_BAD_TOKEN
                of.has_error = True
            else:
                of.req_cas_id = v
                of.has_cas = True
        elif o == 77:      # M
            if len(t) != 2:
                errstr = ERR_M_LENGTH
                of.has_error = True
            else:
                of.mode = t[1]
        elif o == 74:      # J
            v = safe_strtoull(t[1:])
            if v is None:
                errstr = ERR_INITIAL
                of.has_error = True
            else:
                of.initial = v
        elif o == 68:      # D
            v = safe_strtoull(t[1:])
            if v is None:
                errstr = ERR_DELTA
                of.has_error = True
            else:
                of.delta = v
        elif o == 73:      # I
            of.set_stale = True
        else:
            return of, ERR_INVALID
    return of, (errstr if of.has_error else None)
