"""Fixtures of the persistence tests: a private redis-server oracle (its own directory, so
SAVE and DEBUG RELOAD disturb nothing else)."""

import shutil
import tempfile

import pytest

from tests.support.servers import start_redis


@pytest.fixture(scope="module")
def oracle():
    """A redis-server 7 of this module's own (its dir is ``oracle.dir``)."""
    d = tempfile.mkdtemp(prefix="strata-rdb-oracle-")
    srv = start_redis(extra=["--dir", d, "--dbfilename", "dump.rdb"])
    srv.dir = d
    import redis
    srv.client = redis.Redis(host="127.0.0.1", port=srv.port)
    srv.client.response_callbacks = {}  # raw replies, as RESP2 gives them
    yield srv
    srv.client.close()
    srv.stop()
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def r_oracle(oracle):
    c = oracle.client
    c.flushall()
    c.function_flush()
    c.config_set("list-compress-depth", 0)
    c.config_set("maxmemory-policy", "noeviction")
    yield c
    c.flushall()


