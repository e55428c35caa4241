"""A raw RESP client for differential tests: sends commands (or any bytes) and returns each
reply as the exact bytes the server wrote, so two servers can be compared byte for byte."""

import socket
from typing import List, Optional, Union

Arg = Union[bytes, str, int, float]


def encode_command(args) -> bytes:
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, str):
            a = a.encode()
        elif isinstance(a, (int, float)) and not isinstance(a, bool):
            a = repr(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class ConnectionClosed(Exception):
    pass


class RawClient:
    def __init__(self, host: str, port: int, timeout: float = 10.0) -> None:
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def call(self, *args: Arg) -> bytes:
        self.send(encode_command(args))
        return self.read_reply()

    def pipeline(self, commands: List[List[Arg]]) -> List[bytes]:
        self.send(b"".join(encode_command(c) for c in commands))
        return [self.read_reply() for _ in commands]

    # ------------------------------------------------------------------ reading
    def _fill(self) -> None:
        chunk = self.sock.recv(1 << 16)
        if not chunk:
            raise ConnectionClosed("connection closed by server")
        self.buf += chunk

    def read_reply(self) -> bytes:
        end = self._skip(0)
        out = self.buf[:end]
        self.buf = self.buf[end:]
        return out

    def _line(self, i: int) -> int:
        while True:
            nl = self.buf.find(b"\r\n", i)
            if nl >= 0:
                return nl
            self._fill()

    def _skip(self, i: int) -> int:
        """Index just past the complete reply that starts at i (reading more as needed)."""
        nl = self._line(i)
        t = self.buf[i:i + 1]
        head = self.buf[i + 1:nl]
        if t in (b"+", b"-", b":", b",", b"_", b"#", b"("):
            return nl + 2
        if t in (b"$", b"=", b"!"):
            n = int(head)
            if n < 0:
                return nl + 2
            end = nl + 2 + n + 2
            while len(self.buf) < end:
                self._fill()
            return end
        if t in (b"*", b"~", b">", b"%", b"|"):
            n = int(head)
            if n < 0:
                return nl + 2
            if t in (b"%", b"|"):
                n *= 2
            j = nl + 2
            for _ in range(n):
                j = self._skip(j)
            return j
        raise ValueError("bad reply type %r in %r" % (t, self.buf[i:i + 50]))

    def read_available(self, timeout: float = 0.2) -> bytes:
        """Whatever arrives within ``timeout`` (for tests of out-of-band messages)."""
        self.sock.settimeout(timeout)
        try:
            while True:
                chunk = self.sock.recv(1 << 16)
                if not chunk:
                    break
                self.buf += chunk
        except (socket.timeout, BlockingIOError):
            pass
        finally:
            self.sock.settimeout(10.0)
        out, self.buf = self.buf, b""
        return out

    def is_closed(self, timeout: float = 1.0) -> bool:
        self.sock.settimeout(timeout)
        try:
            return self.sock.recv(1) == b""
        except (socket.timeout, BlockingIOError):
            return False
        except OSError:
            return True
        finally:
            self.sock.settimeout(10.0)


def maybe_int(reply: bytes) -> Optional[int]:
    return int(reply[1:-2]) if reply.startswith(b":") else None
