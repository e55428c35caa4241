"""Fixtures of the replication tests: servers started per test (each test owns its
topology), the native build for the heavy tests and both builds for the smoke test."""

import pytest

from tests.conftest import require_impl
from tests.support.servers import native_built


@pytest.fixture
def heavy_impl():
    """The build the long tests run on: native when built (the pure-Python build runs
    the smoke test), else Python."""
    return "c" if native_built() else "py"


@pytest.fixture(params=["c", "py"])
def any_impl(request):
    require_impl(request.param)
    return request.param
