"""Differential testing: the same commands to Strata and to the real server; the raw reply
bytes must be identical."""

from typing import Callable, List, Optional, Sequence

from tests.support.raw import RawClient


class Differential:
    def __init__(self, strata, oracle, resp: int = 2) -> None:
        self.strata_server = strata
        self.oracle_server = oracle
        self.resp = resp
        self.s = RawClient(strata.host, strata.port)
        self.o = RawClient(oracle.host, oracle.port)
        self._extra: List[RawClient] = []
        for c in (self.s, self.o):
            c.call("FLUSHALL")
            if resp == 3:
                c.call("HELLO", "3")

    def close(self) -> None:
        for c in [self.s, self.o] + self._extra:
            c.close()

    def both(self, *args):
        return self.s.call(*args), self.o.call(*args)

    def check(self, *args, normalize: Optional[Callable[[bytes], bytes]] = None) -> bytes:
        """Send to both; assert the raw replies are equal; return the reply."""
        got, want = self.both(*args)
        if normalize is not None:
            got, want = normalize(got), normalize(want)
        assert got == want, "%r\n strata: %r\n redis:  %r" % (args, got, want)
        return want

    def check_all(self, commands: Sequence[Sequence]) -> None:
        for cmd in commands:
            self.check(*cmd)

    def check_raw(self, data: bytes, replies: int = 1) -> List[bytes]:
        """Send raw bytes to both and compare the next ``replies`` replies."""
        self.s.send(data)
        self.o.send(data)
        out = []
        for _ in range(replies):
            got, want = self.s.read_reply(), self.o.read_reply()
            assert got == want, "%r\n strata: %r\n redis:  %r" % (data, got, want)
            out.append(want)
        return out

    def pair(self):
        """Another (strata, oracle) connection pair, closed with this one."""
        s = RawClient(self.strata_server.host, self.strata_server.port)
        o = RawClient(self.oracle_server.host, self.oracle_server.port)
        if self.resp == 3:
            s.call("HELLO", "3")
            o.call("HELLO", "3")
        self._extra += [s, o]
        return s, o
