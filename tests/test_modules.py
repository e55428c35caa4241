"""MODULE as redis-server 7.0 answers it when no module is loaded (Strata cannot load Redis
modules): gated by enable-module-command (default no), then an empty LIST, LOAD/LOADEX
failing with Redis's text, UNLOAD finding nothing."""

import pytest

from tests.support.diff import Differential
from tests.support.servers import start_redis, start_strata

CALLS = [("MODULE", "LIST"), ("MODULE", "HELP"), ("MODULE", "LOAD", "/some/fake/path"),
         ("MODULE", "LOAD", "/some/fake/path", "a", "b"),
         ("MODULE", "LOADEX", "/x", "CONFIG", "n", "v", "ARGS", "a"), ("MODULE", "LOADEX", "/x"),
         ("MODULE", "UNLOAD", "nosuch"), ("MODULE",), ("MODULE", "LOADEX"), ("MODULE", "nosuch"),
         ("MODULE", "LIST", "x"), ("CONFIG", "GET", "enable-module-command"),
         ("CONFIG", "SET", "enable-module-command", "yes")]


def test_module_command_not_allowed_by_default(diff):
    for call in CALLS:
        diff.check(*call)
    diff.check("EVAL", "return redis.pcall('module', 'list')", 0)


@pytest.fixture(scope="module")
def enabled(strata_impl):
    flags = ["--enable-module-command", "yes"]
    s, o = start_strata(strata_impl, flags), start_redis(flags)
    d = Differential(s, o)
    yield d
    d.close()
    s.stop()
    o.stop()


def test_module_command_enabled(enabled):
    for call in CALLS:
        enabled.check(*call)
    enabled.check("MULTI")
    enabled.check("MODULE", "LIST")
    enabled.check("EXEC")
    enabled.check("EVAL", "return redis.pcall('module', 'list')", 0)
    log = enabled.strata_server.log()
    assert "Module /some/fake/path failed to load" in log
