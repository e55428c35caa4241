"""max-replicas: a primary accepts at most that many replicas (ElastiCache's 5 by default)."""

import socket
import time

from tests.support.servers import start_strata


def psync(port: int) -> tuple:
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(b"PSYNC ? -1\r\n")
    line = b""
    while not line.endswith(b"\r\n"):
        chunk = s.recv(1)
        if not chunk:
            break
        line += chunk
    return s, line


def test_replicas_beyond_the_cap_are_refused():
    srv = start_strata("c", ["--max-replicas", "1", "--repl-diskless-sync-delay", "0"])
    try:
        first, reply = psync(srv.port)
        assert reply.startswith(b"+FULLRESYNC "), reply
        second, reply = psync(srv.port)
        assert reply == b"-ERR max number of replicas reached (max-replicas 1)\r\n"
        second.close()
        first.close()            # the slot frees when the replica goes
        deadline = time.time() + 5
        while True:
            third, reply = psync(srv.port)
            third.close()
            if reply.startswith(b"+FULLRESYNC ") or time.time() > deadline:
                break
            time.sleep(0.05)
        assert reply.startswith(b"+FULLRESYNC "), reply
    finally:
        srv.stop()
