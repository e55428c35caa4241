"""The memcached binary protocol: request framing (native twin) and response encoding.

A response is a 24-byte header (magic 0x81, the request's opcode and opaque, status, CAS)
then extras, key and value. Error responses carry memcached 1.6's texts as their value.
"""

import struct

from native.memcache import (  # noqa: F401  (this module is the binary codec's public face)
    B_CLOSE, B_ERR, B_REQ, BinaryParser, HEADER_SIZE, OP, QUIET, RES_MAGIC, STATUS,
)

__all__ = ["BinaryParser", "response", "error", "ERROR_TEXTS", "OP", "QUIET", "STATUS"]

_HEADER = struct.Struct(">BBHBBHIIQ")

# write_bin_error()'s texts
ERROR_TEXTS = {
    STATUS.ENOMEM: b"Out of memory",
    STATUS.UNKNOWN_COMMAND: b"Unknown command",
    STATUS.KEY_ENOENT: b"Not found",
    STATUS.EINVAL: b"Invalid arguments",
    STATUS.KEY_EEXISTS: b"Data exists for key.",
    STATUS.E2BIG: b"Too large.",
    STATUS.DELTA_BADVAL: b"Non-numeric server-side value for incr or decr",
    STATUS.NOT_STORED: b"Not stored.",
    STATUS.AUTH_ERROR: b"Auth failure.",
}


def response(opcode: int, opaque: int, status: int = 0, cas: int = 0, extras: bytes = b"",
             key: bytes = b"", value: bytes = b"") -> bytes:
    """One response frame."""
    return _HEADER.pack(RES_MAGIC, opcode, len(key), len(extras), 0, status,
                        len(extras) + len(key) + len(value), opaque, cas) \
        + extras + key + value


def error(opcode: int, opaque: int, status: int, text: bytes = b"") -> bytes:
    """write_bin_error(): the status and its text (or ``text``)."""
    return response(opcode, opaque, status, 0, b"", b"", text or ERROR_TEXTS.get(status, b""))
