"""The memcached text protocol: request framing (native twin) and reply encoding.

Replies are built here from plain values so that the engine side never spells protocol
bytes itself. Texts are memcached 1.6.18's.
"""

from native.memcache import (  # noqa: F401  (this module is the text codec's public face)
    BAD_CHUNK, STORAGE_COMMANDS, STORE_ADD, STORE_APPEND, STORE_CAS, STORE_PREPEND,
    STORE_REPLACE, STORE_SET, T_CLOSE, T_ERROR, T_LINE, T_META_SET, T_STORE, TOO_LARGE,
    TextParser, safe_strtol, safe_strtoul, safe_strtoull, strtoull_data, tokenize,
)

from . import VERSION

__all__ = ["TextParser", "value_line", "stat_line", "line", "STORED", "NOT_STORED", "EXISTS",
           "NOT_FOUND", "DELETED", "TOUCHED", "END", "OK", "RESET", "VERSION_LINE",
           "config_cluster"]

CRLF = b"\r\n"
STORED = b"STORED\r\n"
NOT_STORED = b"NOT_STORED\r\n"
EXISTS = b"EXISTS\r\n"
NOT_FOUND = b"NOT_FOUND\r\n"
DELETED = b"DELETED\r\n"
TOUCHED = b"TOUCHED\r\n"
END = b"END\r\n"
OK = b"OK\r\n"
RESET = b"RESET\r\n"
VERSION_LINE = b"VERSION " + VERSION + b"\r\n"


def line(text: bytes) -> bytes:
    """A one-line reply (out_string): the text and CRLF."""
    return text + CRLF


def value_line(key: bytes, flags: int, data: bytes, cas: int = -1) -> bytes:
    """One item of a get/gets reply: ``VALUE <key> <flags> <bytes> [<cas>]`` and the data."""
    if cas < 0:
        return b"VALUE %s %d %d\r\n%s\r\n" % (key, flags, len(data), data)
    return b"VALUE %s %d %d %d\r\n%s\r\n" % (key, flags, len(data), cas, data)


def stat_line(name: str, value) -> bytes:
    """``STAT <name> <value>`` (values formatted by the caller when not int/str/bytes)."""
    if isinstance(value, bytes):
        return b"STAT %s %s\r\n" % (name.encode(), value)
    return ("STAT %s %s\r\n" % (name, value)).encode()


def config_cluster(version: int, nodes) -> bytes:
    """ElastiCache Auto Discovery's ``config get cluster`` reply: the config version and
    ``host|ip|port`` of every node, as ``CONFIG cluster 0 <len>`` + data + ``END``."""
    body = b"%d\n%s\n" % (version, b" ".join(b"%s|%s|%d" % (h.encode(), ip.encode(), p)
                                             for h, ip, p in nodes))
    return b"CONFIG cluster 0 %d\r\n%s\r\nEND\r\n" % (len(body), body)
