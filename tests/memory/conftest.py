"""Fixtures of the memory tests: the shared Strata/redis-server pair with the memory
options put back after each test (maxmemory and policy changes must not leak into the
rest of the suite)."""

import pytest

from tests.support.diff import Differential

# The options these tests change, with the values the session servers start with.
RESTORE = (("maxmemory", "0"), ("maxmemory-policy", "noeviction"),
           ("maxmemory-samples", "5"), ("notify-keyspace-events", ""),
           ("lfu-log-factor", "10"), ("lfu-decay-time", "1"))


@pytest.fixture
def mdiff(strata_server, oracle_server):
    """``diff`` whose servers get their memory options back afterwards."""
    d = Differential(strata_server, oracle_server)
    try:
        yield d
    finally:
        for c in (d.s, d.o):
            for name, value in RESTORE:
                c.call("CONFIG", "SET", name, value)
            c.call("FLUSHALL")
        d.close()
