"""Raw memcached clients for differential tests: send bytes to Strata and to a real
memcached 1.6.18, read what each answers (and whether it closed), compare byte for byte.

CAS values differ between two servers by construction, so replies are compared with each
CAS replaced by its order of first appearance on that server (C1, C2, ...): the same
sequence of distinct/equal CAS values must come back. ``{cas}`` in a request is replaced by
the last CAS that server sent.
"""

import re
import socket
import struct
import time
from typing import Dict, List, Tuple

TEXT_SENTINEL = b"mn\r\n"
TEXT_SENTINEL_REPLY = b"MN\r\n"
_HDR = struct.Struct(">BBHBBHIIQ")
BIN_NOOP = _HDR.pack(0x80, 0x0A, 0, 0, 0, 0, 0, 0x5E47, 0)
BIN_NOOP_REPLY = _HDR.pack(0x81, 0x0A, 0, 0, 0, 0, 0, 0x5E47, 0)


def binreq(op: int, key: bytes = b"", extras: bytes = b"", value: bytes = b"",
           opaque: int = 0xDEADBEEF, cas: int = 0, magic: int = 0x80,
           bodylen: int = -1) -> bytes:
    bl = len(key) + len(extras) + len(value) if bodylen < 0 else bodylen
    return _HDR.pack(magic, op, len(key), len(extras), 0, 0, bl, opaque, cas) \
        + extras + key + value


def exchange(port: int, data: bytes, sentinel: bytes = b"", expect: bytes = b"",
             timeout: float = 2.0, idle: float = 0.15) -> Tuple[bytes, bool]:
    """Send ``data`` (+ sentinel) on a fresh connection; read until the reply ends with
    ``expect``, the server closes, or it stays idle. Returns (bytes, closed)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        s.sendall(data + sentinel)
        out = b""
        closed = False
        deadline = time.time() + timeout
        s.settimeout(idle if not expect else timeout)
        while time.time() < deadline:
            try:
                chunk = s.recv(1 << 16)
            except socket.timeout:
                break
            except ConnectionResetError:
                closed = True
                break
            if not chunk:
                closed = True
                break
            out += chunk
            if expect and out.endswith(expect):
                break
        if expect and out.endswith(expect):
            out = out[:-len(expect)]
        return out, closed
    finally:
        s.close()


class CasMap:
    def __init__(self) -> None:
        self.order: Dict[int, int] = {}
        self.last = 0

    def name(self, cas: int) -> str:
        if cas == 0:
            return "0"
        self.last = cas
        if cas not in self.order:
            self.order[cas] = len(self.order) + 1
        return "C%d" % self.order[cas]


_VALUE = re.compile(rb"^(VALUE \S+ \d+ \d+) (\d+)\r$", re.M)
_META_C = re.compile(rb"^((?:HD|VA|EN|NF|NS|EX)\b[^\r\n]*?) c(\d+)")
_ME_CAS = re.compile(rb"cas=(\d+)")


def normalize_text(data: bytes, cm: CasMap) -> bytes:
    data = _VALUE.sub(lambda m: m.group(1) + b" " + cm.name(int(m.group(2))).encode() + b"\r",
                      data)
    lines = data.split(b"\r\n")
    for i, line in enumerate(lines):
        if line[:2] in (b"HD", b"VA", b"EN", b"NF", b"NS", b"EX"):
            toks = line.split(b" ")
            for j, t in enumerate(toks):
                if j and t[:1] == b"c" and t[1:].isdigit():
                    toks[j] = b"c" + cm.name(int(t[1:])).encode()
            lines[i] = b" ".join(toks)
        elif line.startswith(b"ME "):
            lines[i] = _ME_CAS.sub(lambda m: b"cas=" + cm.name(int(m.group(1))).encode(), line)
    return b"\r\n".join(lines)


def split_binary(data: bytes, cm: CasMap) -> List[tuple]:
    """Response frames as tuples with the CAS normalized (trailing bytes kept as-is)."""
    frames = []
    i = 0
    while i + 24 <= len(data):
        magic, op, kl, el, dt, st, bl, opq, cas = _HDR.unpack_from(data, i)
        body = data[i + 24:i + 24 + bl]
        frames.append((magic, op, kl, el, dt, st, bl, opq, cm.name(cas), body))
        i += 24 + bl
    if i < len(data):
        frames.append(("trailing", data[i:]))
    return frames


class Differential:
    """``check(request)`` sends to both servers and asserts the same (normalized) reply."""

    def __init__(self, strata_port: int, oracle_port: int) -> None:
        self.ports = {"strata": strata_port, "memcached": oracle_port}
        self.cas = {"strata": CasMap(), "memcached": CasMap()}

    def _fill(self, data: bytes, who: str) -> bytes:
        return data.replace(b"{cas}", b"%d" % self.cas[who].last)

    def raw(self, who: str, data: bytes, binary: bool = False, sentinel: bool = True):
        sent = (BIN_NOOP if binary else TEXT_SENTINEL) if sentinel else b""
        expect = (BIN_NOOP_REPLY if binary else TEXT_SENTINEL_REPLY) if sentinel else b""
        return exchange(self.ports[who], self._fill(data, who), sent, expect)

    def check(self, data: bytes, binary: bool = False, sentinel: bool = True):
        """Both servers' replies to ``data`` (on a fresh connection) must match."""
        got = {}
        for who in ("memcached", "strata"):
            out, closed = self.raw(who, data, binary, sentinel)
            if binary:
                got[who] = (split_binary(out, self.cas[who]), closed)
            else:
                got[who] = (normalize_text(out, self.cas[who]), closed)
        assert got["strata"] == got["memcached"], "request %r" % data[:300]
        return got["strata"]

    def text(self, *lines: bytes, sentinel: bool = True):
        return self.check(b"".join(lines), False, sentinel)

    def binary(self, *frames: bytes, sentinel: bool = True):
        return self.check(b"".join(frames), True, sentinel)
