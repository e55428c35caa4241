"""Item metadata (flags, CAS) against the keyspace door: every write that does not come
from memcached drops it, so RESP writes read back with flags 0 and a fresh CAS."""

import pytest

from engine import Engine
from engine.memcached import state
from native.memcache import STORE_SET


@pytest.fixture
def store():
    eng = Engine()
    return state(eng).store


def _stored(store, key=b"k", value=b"v", flags=7):
    status, cas = store.store(STORE_SET, key, value, flags, -1)
    assert cas > 0
    return cas


@pytest.mark.parametrize("write", [
    lambda db: db.set_key(b"k", b"x"),
    lambda db: db.overwrite(b"k", b"x"),
    lambda db: (db.delete(b"k"), db.add(b"k", b"x")),
    lambda db: db.signal_modified(b"k"),
    lambda db: db.flush(),
    lambda db: db.delete(b"k"),
])
def test_any_other_write_drops_flags_and_cas(store, write):
    cas = _stored(store)
    write(store.db)
    assert b"k" not in store.db.item_meta
    v, meta = store.lookup(b"k")
    if v is not None:
        assert meta[0] == 0 and meta[1] != cas


def test_resp_commands_drop_metadata():
    eng = Engine()
    store = state(eng).store
    for cmd in (["SET", "k", "x"], ["APPEND", "k", "y"], ["SETRANGE", "k", "0", "z"],
                ["INCR", "n"], ["DEL", "k"]):
        _stored(store, b"k" if cmd[1] == "k" else b"n", b"1")
        eng.execute(*cmd)
        assert (b"k" if cmd[1] == "k" else b"n") not in store.db.item_meta, cmd


def test_memory_accounting_of_metadata(store):
    db = store.db
    base = db.used_memory
    _stored(store)
    grown = db.used_memory
    assert grown > base
    db.delete(b"k")
    assert db.used_memory == 0 or db.used_memory < grown


def test_incr_pads_in_place_and_keeps_flags(store):
    _stored(store, b"n", b"100", flags=3)
    status, text, meta = store.delta(b"n", False, 95)
    assert text == b"5"
    v, meta = store.lookup(b"n")
    assert v == b"5  " and meta[0] == 3


def test_membership_version_bumps():
    eng = Engine()
    m = state(eng).membership
    assert m.version == 1
    m.add("node-a", "10.0.0.1", 11211)
    assert m.version == 2
    m.add("node-a", "10.0.0.1", 11211)
    assert m.version == 2
    m.remove("node-a", "10.0.0.1", 11211)
    assert m.version == 3 and m.nodes == []
