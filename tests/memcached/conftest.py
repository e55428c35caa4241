"""Fixtures of the memcached tests: Strata with its memcached listener (native and pure
Python builds), a real memcached 1.6 as the oracle, and the differential pair."""

import os
import socket

import pytest

from tests.support.servers import (
    IN_CI, ServerProcess, free_port, require_binary, start_strata, wait_port,
)

from .mcdiff import Differential, exchange

IMPLS = ["c", "py"]


def memcache_native_built() -> bool:
    try:
        import native.memcache_c  # noqa: F401
    except ImportError:
        return False
    return True


def require_mc_impl(impl: str) -> None:
    if impl == "c" and not memcache_native_built():
        msg = "the Cython twin native/memcache_c is not built (pip install -e . builds it)"
        if IN_CI:
            pytest.fail(msg + " -- required under CI", pytrace=False)
        pytest.skip(msg)


def start_memcached_oracle(extra=None, env=None) -> ServerProcess:
    binary = require_binary("memcached")
    port = free_port()
    argv = [binary, "-p", str(port), "-U", "0", "-t", "1", "-l", "127.0.0.1"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        argv += ["-u", "root"]          # memcached refuses to run as root without -u
    full_env = dict(os.environ)
    full_env.update(env or {})
    return ServerProcess("memcached", argv + list(extra or []), port, env=full_env)


def start_mc_strata(impl: str, extra=None) -> ServerProcess:
    mport = free_port()
    srv = start_strata(impl, extra=["--memcached-port", str(mport)] + list(extra or []))
    wait_port(mport, srv.proc)
    srv.mc_port = mport
    return srv


@pytest.fixture(scope="session", params=IMPLS)
def mc_impl(request):
    require_mc_impl(request.param)
    return request.param


@pytest.fixture(scope="session")
def mc_strata(mc_impl):
    srv = start_mc_strata(mc_impl)
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def mc_oracle():
    srv = start_memcached_oracle()
    yield srv
    srv.stop()


def flush(port: int) -> None:
    out, _ = exchange(port, b"flush_all\r\n", expect=b"OK\r\n")


@pytest.fixture
def mcdiff(mc_strata, mc_oracle):
    """Strata's memcached port and a real memcached, both flushed."""
    flush(mc_strata.mc_port)
    flush(mc_oracle.port)
    return Differential(mc_strata.mc_port, mc_oracle.port)


@pytest.fixture
def mc_port(mc_strata):
    flush(mc_strata.mc_port)
    return mc_strata.mc_port


@pytest.fixture
def redis_client(mc_strata):
    import redis
    r = redis.Redis(host="127.0.0.1", port=mc_strata.port)
    yield r
    r.close()


assert socket  # (used by tests importing from here)
