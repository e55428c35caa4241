"""Shared fixtures: Strata servers (native and pure-Python builds), the redis-server oracle,
raw differential pairs, redis-py clients and in-process engines."""

import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from tests.support.diff import Differential  # noqa: E402
from tests.support.servers import (  # noqa: E402
    IN_CI, native_built, start_redis, start_strata,
)

IMPLS = ["c", "py"]


def require_impl(impl: str) -> None:
    if impl == "c" and not native_built():
        msg = "the Cython twins are not built (pip install -e . builds them)"
        if IN_CI:
            pytest.fail(msg + " -- required under CI", pytrace=False)
        pytest.skip(msg)


@pytest.fixture(scope="session", params=IMPLS)
def strata_impl(request):
    require_impl(request.param)
    return request.param


@pytest.fixture(scope="session")
def strata_server(strata_impl):
    srv = start_strata(strata_impl)
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def oracle_server():
    srv = start_redis()
    yield srv
    srv.stop()


@pytest.fixture
def diff(strata_server, oracle_server):
    """A raw connection to each server, both flushed; ``diff.check(*args)`` compares."""
    d = Differential(strata_server, oracle_server)
    yield d
    d.close()


@pytest.fixture
def diff3(strata_server, oracle_server):
    """As ``diff`` but both connections switched to RESP3."""
    d = Differential(strata_server, oracle_server, resp=3)
    yield d
    d.close()


@pytest.fixture
def r(strata_server):
    import redis
    client = redis.Redis(host="127.0.0.1", port=strata_server.port)
    client.flushall()
    yield client
    client.close()


@pytest.fixture(params=IMPLS)
def impl(request):
    """The twin module pair name: tests pick native.<kernel>_c or _py by this."""
    require_impl(request.param)
    return request.param


@pytest.fixture
def engine():
    from engine import Engine
    return Engine()
