"""Key table micro-benchmarks, C twin beside Python twin, on a 10k-key table."""

import pytest

import native.keytable
from bench.conftest import twin

N = 10_000
KEYS = [b"key:%d" % i for i in range(N)]


@pytest.fixture
def table(impl):
    t = twin(native.keytable, impl).KeyTable()
    for i, k in enumerate(KEYS):
        t.set(k, i, 0)
    return t


def test_lookup_hit(benchmark, table):
    benchmark.group = "keytable lookup hit"
    key = KEYS[1234]
    assert benchmark(table.lookup, key, 0, 77) == 1234


def test_lookup_miss(benchmark, table):
    benchmark.group = "keytable lookup miss"
    assert benchmark(table.lookup, b"key:missing", 0, 77) is None


def test_set_overwrite(benchmark, table):
    benchmark.group = "keytable set (overwrite)"
    key = KEYS[42]
    benchmark(table.set, key, 1, 0)


def test_pop_and_reinsert(benchmark, table):
    benchmark.group = "keytable pop+set"
    key = KEYS[4242]

    def churn():
        table.set(key, table.pop(key), 0)
    benchmark(churn)


def test_scan(benchmark, table):
    benchmark.group = "keytable scan count=10"
    state = [0]

    def step():
        state[0], keys = table.scan(state[0], 10)
        return keys
    benchmark(step)
