"""used_memory follows the process's real memory: for each data type, the growth of the
estimate while loading keys is within 15% of the growth of RSS (each measured in a fresh
child process by bench/memory_accounting.py, which runs the same check at 1M keys)."""

import os
import sys

import pytest

from tests.conftest import require_impl

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
from bench.memory_accounting import run_build  # noqa: E402

# keys per type: enough for RSS growth to dwarf allocator noise (10+ MB), small enough to
# be quick; lists need more, as deque blocks come from malloc, which first reuses memory
# freed at start-up
LOADS = {"strings": 200_000, "hashes": 12_000, "sets": 10_000, "zsets": 8_000,
         "lists": 40_000}
PY_STRINGS = 100_000   # the Python twin's keys cost three times more


_ROWS = {}   # build -> its rows, measured once (one interpreter, a fork per type)


@pytest.mark.parametrize("build", ["c", "py"])
@pytest.mark.parametrize("kind", sorted(LOADS))
def test_used_memory_tracks_rss(build, kind):
    require_impl(build)
    if build not in _ROWS:
        loads = dict(LOADS)
        if build == "py":
            loads["strings"] = PY_STRINGS
        _ROWS[build] = {row["type"]: row for row in run_build(build, loads, 10)}
    row = _ROWS[build][kind]
    assert 0.85 <= row["ratio"] <= 1.15, row
