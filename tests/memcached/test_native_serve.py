"""The native memcached serving path must have exactly the handlers' effects: the same
request streams through mcserve_c.serve (get/set inline in the plain state) and
mcserve_py.serve (always the parser and the handlers) give the same reply bytes,
statistics, CAS ids, item metadata, TTLs, memory accounting and propagated commands."""

import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import native.mcserve as mcserve
from engine import Engine
from engine.memcached import state
from engine.memcached.connection import MemcachedConnection
from native.mcserve import COUNTER_FIELDS
from native.memcache import STORE_SET, T_STORE
from tests.support.transport import FakeTransport

pytestmark = pytest.mark.skipif(mcserve.IMPLEMENTATION != "c",
                                reason="mcserve_c is not built or not in use")


class Listener:
    def __init__(self, st):
        self.st = st
        self.port = 11211


class Propagated:
    """Stands in for the replication primary: records what would reach replicas."""

    def __init__(self):
        self.argvs = []

    def propagate(self, dbid, argv):
        self.argvs.append((dbid, list(argv)))


def make_conn(setup=None, config=()):
    eng = Engine()
    if config:
        eng.config.set_many(list(config))
    conn = MemcachedConnection(Listener(state(eng)))
    conn.connection_made(FakeTransport())
    if setup is not None:
        setup(eng, conn)
    return eng, conn


def _ttl(when, now_ms):
    """An absolute expiry as whole seconds from the run's last clock read: each twin reads
    the clock itself, so absolute times differ by the time a run takes."""
    return when if when is None or when < 10 ** 12 else (when - now_ms + 500) // 1000


def snapshot(eng, conn):
    st = state(eng)
    db = conn.db
    keys = sorted(db.table.keys())
    now = eng.now_ms
    return {
        "replies": bytes(conn.transport.data),
        "closed": conn.transport.closed,
        "counters": {f: getattr(st.stats, f) for f in COUNTER_FIELDS},
        "hits": (eng.stats.keyspace_hits, eng.stats.keyspace_misses),
        "cas": st.cas_id,
        "dirty": eng.dirty,
        "used_memory": db.used_memory,
        "contents": [(k, db.table.peek(k), _ttl(db.table.get_expire(k), now),
                      _access(eng, db.table.get_access(k)),
                      _meta(db.item_meta.get(k), now)) for k in keys],
        "meta_keys": sorted(db.item_meta),
        "propagated": [(dbid, [_ttl(int(a), now) if a.isdigit() and len(a) >= 13 else a
                               for a in argv])
                       for dbid, argv in getattr(eng.replication, "argvs", [])],
    }


def _access(eng, access):
    """The LRU clock relative to the engine's (each twin has an engine of its own, whose
    clock may tick during a run: a second back counts as now); under LFU the counter
    moves at random."""
    if eng.lfu:
        return None
    age = eng.access_clock - access
    return "recent" if 0 <= age <= 1 else age


def _meta(meta, now_ms):
    """flags, CAS and bits exactly; the access time (unix seconds) as "within the run"."""
    if meta is None:
        return None
    age = now_ms // 1000 - meta[2]
    return [meta[0], meta[1], "recent" if 0 <= age <= 2 else age, meta[3]]


def run_stream(impl, data, split, setup=None, config=()):
    eng, conn = make_conn(setup, config)
    calls = []
    original = conn.run_requests

    def run_requests(*args):
        calls.append(args[0])
        original(*args)
    conn.run_requests = run_requests
    for i in range(0, len(data), split):
        impl.serve(conn, data[i:i + split])
    return snapshot(eng, conn), calls


def both(data, split=1 << 20, setup=None, config=()):
    got, c_calls = run_stream(mcserve.impl_c, data, split, setup, config)
    want, _ = run_stream(mcserve.impl_py, data, split, setup, config)
    assert got == want
    return got, c_calls


# ---------------------------------------------------------------- hand-written cases
def test_plain_get_and_set_are_served_inline():
    data = (b"set a 5 0 3\r\nabc\r\nget a\r\nget a b\r\nset b 0 100 2 noreply\r\nxy\r\n"
            b"get b a b\r\nset a 4294967295 2592000 0\r\n\r\nget a\r\n")
    got, calls = both(data)
    assert calls == []            # nothing left to the parser: the fast path ran it all
    assert got["replies"].startswith(b"STORED\r\nVALUE a 5 3\r\nabc\r\nEND\r\n")
    assert b"VALUE a 4294967295 0\r\n\r\nEND\r\n" in got["replies"]


def test_memaslap_keys_with_control_bytes():
    key = b"\x10\x18\x10\x10CAR.vnGcwJukviXlc5Ywoftu"
    got, calls = both(b"set %s 0 0 4\r\nabcd\r\nget %s\r\n" % (key, key))
    assert calls == []
    assert got["replies"] == b"STORED\r\nVALUE %s 0 4\r\nabcd\r\nEND\r\n" % key


def test_left_to_the_handlers():
    """Requests the plain path does not take still get the handlers' replies, and the
    rest of the read goes with them."""
    data = (b"set a 0 -1 1\r\nx\r\nset b 0 2592001 1\r\ny\r\nset c 0 0 1\r\nzz\r\n"
            b"get " + b"k" * 251 + b"\r\nset d 0 0 1 extra\r\nq\r\nget  d\r\nget d \r\n"
            b"gets d\r\nset e 00 000 01\r\nw\r\nget e\r\nGET e\r\nset f 0 0 5\r\nab")
    got, calls = both(data)
    assert calls                     # the first set (negative exptime) went to the handler
    both(data, split=7)


def test_values_without_metadata_and_other_types():
    def setup(eng, conn):
        db = conn.db
        db.set_key(b"resp", b"written by RESP")           # no memcached metadata yet
        from engine.types.lists import ListValue
        db.set_key(b"list", ListValue([b"x"]))
    got, calls = both(b"get resp\r\nget resp list\r\nset resp 1 0 1\r\nv\r\nget resp\r\n"
                      b"set list 2 0 1\r\nw\r\nget list\r\n", setup=setup)
    assert got["replies"].count(b"VALUE resp") == 3


def test_expired_and_overwritten_sizes():
    data = b"".join(b"set k%d 0 %d %d\r\n%s\r\n" % (i % 3, i % 2, i * 7 % 40, b"v" * (i * 7 % 40))
                    for i in range(30)) + b"get k0 k1 k2\r\n"
    both(data)
    both(data, split=5)


@pytest.mark.parametrize("config", [
    [("notify-keyspace-events", "KEA")],
    [("maxmemory-policy", "allkeys-lfu")],
])
def test_other_states_go_through_the_handlers(config):
    data = b"set a 1 0 1\r\nx\r\nget a\r\nset a 2 0 2\r\nyy\r\nget a b\r\n"
    got, calls = both(data, config=config)
    assert calls


@pytest.mark.parametrize("policy", ["allkeys-lru", "noeviction", "volatile-ttl"])
def test_memory_limit(policy):
    """Under maxmemory a set makes room first (or is refused) as run_store does; gets of
    strings are plain reads whatever the limit."""
    def setup(eng, conn):
        eng.config.set_many([("maxmemory-policy", policy),
                             ("maxmemory", str(conn.db.used_memory + 20_000))])
    data = b"".join(b"set key:%d 0 %d 100\r\n%s\r\n" % (i, i % 2 * 1000, b"v" * 100)
                    for i in range(300)) + b"get key:1 key:299\r\n"
    got, calls = both(data, setup=setup)
    if policy == "noeviction":
        assert b"SERVER_ERROR out of memory storing object" in got["replies"]
    else:
        assert len(got["contents"]) < 300    # evicted to make room


def test_tracked_keys_are_invalidated_by_memcached_sets():
    """While a client tracks keys (client-side caching), a set must reach the door's
    invalidation: it goes through the handler."""
    def tracking(eng, conn):
        eng.tracking.active = True
    got, calls = both(b"get a\r\nset a 1 0 1\r\nx\r\n", setup=tracking)
    assert [req[:3] for req in calls[0]] == [(T_STORE, STORE_SET, b"a")]   # the get ran inline


def test_watched_keys_and_propagation():
    def watched(eng, conn):
        conn.db.watched[b"a"] = []
    got, calls = both(b"set a 1 0 1\r\nx\r\nget a\r\n", setup=watched)
    assert calls

    def replicated(eng, conn):
        eng.replication = Propagated()
    got, calls = both(b"set a 1 0 1\r\nx\r\nset b 2 60 1\r\ny\r\nset a 3 0 2\r\nzz\r\n",
                      setup=replicated)
    assert calls == []
    assert [argv[0] for _, argv in got["propagated"]] == [b"SET"] * 3


def test_flush_points_before_a_close():
    """memcached drops the replies it had not flushed when it closes mid-read."""
    data = b"set a 0 0 1\r\nx\r\n" * 25 + b"get a\r\n" + b"set b 0 0 1\r\ny\r\n" * 3
    data += b"x" * 3000           # an over-long line without "\n": the connection closes
    got, _ = both(data)
    assert got["closed"]


# ---------------------------------------------------------------- generated streams
KEYS = [b"a", b"b", b"k:1", b"\x01\x02", b"t\tab", b"k" * 250, b"k" * 251]
VALUES = [b"", b"1", b"hello", b"v" * 300, b"with\r\ninside"]
NUMS = [b"0", b"1", b"100", b"2592000", b"2592001", b"-1", b"+3", b"4294967296", b"00", b"x"]


@st.composite
def request(draw):
    kind = draw(st.integers(0, 5))
    key = draw(st.sampled_from(KEYS))
    if kind == 0:
        keys = draw(st.lists(st.sampled_from(KEYS), min_size=1, max_size=4))
        return draw(st.sampled_from([b"get ", b"get ", b"gets ", b"gat 10 "])) + b" ".join(keys) + b"\r\n"
    if kind in (1, 2):
        value = draw(st.sampled_from(VALUES))
        flags = draw(st.sampled_from(NUMS[:4] + [b"4294967295"]))
        exptime = draw(st.sampled_from(NUMS))
        nbytes = draw(st.sampled_from([b"%d" % len(value)] * 4 + [b"%d" % (len(value) + 1)]))
        tail = draw(st.sampled_from([b"", b"", b" noreply", b" junk"]))
        verb = draw(st.sampled_from([b"set", b"set", b"set", b"add", b"append"]))
        return b"%s %s %s %s %s%s\r\n%s\r\n" % (verb, key, flags, exptime, nbytes, tail, value)
    if kind == 3:
        return draw(st.sampled_from([b"delete %s\r\n", b"incr %s 5\r\n", b"touch %s 0\r\n",
                                     b"mg %s v f c t\r\n", b"md %s q\r\n"])) % key
    if kind == 4:
        return draw(st.sampled_from([b"mn\r\n", b"version\r\n", b"bogus\r\n", b"\r\n",
                                     b"get\r\n", b"stats settings\r\n"]))
    return b"set %s 0 0 2\r\nxyz\r\n" % key          # bad data chunk


@settings(max_examples=150, deadline=None)
@given(st.lists(request(), min_size=1, max_size=14), st.integers(1, 64),
       st.sampled_from(["plain", "replicated", "resp-written", "limited"]))
def test_generated_streams_agree(reqs, split, setup_kind):
    data = b"".join(reqs)
    both(data, split=split, setup=stream_setup(setup_kind, (b"a", b"b")))
    both(data, setup=stream_setup(setup_kind, (b"a", b"b")))


def stream_setup(kind, resp_keys):
    """The engine states generated streams run in."""
    def setup(eng, conn):
        if kind == "replicated":
            eng.replication = Propagated()
        elif kind == "limited":
            eng.config.set_many([("maxmemory-policy", "allkeys-lru"),
                                 ("maxmemory", str(conn.db.used_memory + 3000))])
        elif kind == "resp-written":
            for key, value in zip(resp_keys, (b"12", b"from resp")):
                conn.db.set_key(key, value)
    return setup


# ---------------------------------------------------------------- binary protocol
def bin_frame(op, key=b"", extras=b"", value=b"", opaque=0, cas=0):
    body = extras + key + value
    return struct.pack(">BBHBBHIIQ", 0x80, op, len(key), len(extras), 0, 0, len(body),
                       opaque, cas) + body


def bin_set(key, value, flags=0, exptime=0, op=0x01, opaque=7, cas=0):
    return bin_frame(op, key, struct.pack(">II", flags, exptime), value, opaque, cas)


def test_binary_get_and_set_are_served_inline():
    data = (bin_set(b"a", b"abc", flags=5) + bin_frame(0x00, b"a", opaque=1)
            + bin_frame(0x0C, b"a", opaque=2) + bin_frame(0x09, b"zz") + bin_frame(0x0D, b"a")
            + bin_frame(0x00, b"nope", opaque=3) + bin_frame(0x0C, b"nope", opaque=4)
            + bin_set(b"b", b"x" * 300, op=0x11, exptime=100) + bin_frame(0x00, b"b"))
    got, calls = both(data)
    assert calls == []
    replies = got["replies"]
    assert replies.count(b"Not found") == 1 and replies.count(b"abc") == 3


@st.composite
def bin_request(draw):
    key = draw(st.sampled_from(KEYS[:-1] + [b"k" * 251]))
    opaque = draw(st.integers(0, 2 ** 32 - 1))
    kind = draw(st.integers(0, 3))
    if kind == 0:
        return bin_frame(draw(st.sampled_from([0x00, 0x09, 0x0C, 0x0D])), key, opaque=opaque)
    if kind == 1:
        return bin_set(key, draw(st.sampled_from(VALUES)),
                       flags=draw(st.sampled_from([0, 1, 2 ** 32 - 1])),
                       exptime=draw(st.sampled_from([0, 1, 100, 2592000, 2592001])),
                       op=draw(st.sampled_from([0x01, 0x11, 0x02])), opaque=opaque,
                       cas=draw(st.sampled_from([0, 0, 0, 1, 12345])))
    if kind == 2:
        op = draw(st.sampled_from([0x04, 0x0A, 0x1C, 0x05]))
        extras = {0x1C: struct.pack(">I", 10),
                  0x05: struct.pack(">QQI", 1, 0, 0)}.get(op, b"")
        return bin_frame(op, key if op != 0x0A else b"", extras, opaque=opaque)
    return bin_frame(0x00, key, b"\x00\x00\x00\x00", opaque=opaque)   # malformed get


@settings(max_examples=120, deadline=None)
@given(st.lists(bin_request(), min_size=1, max_size=12), st.integers(1, 80),
       st.sampled_from(["plain", "replicated", "resp-written", "limited"]))
def test_generated_binary_streams_agree(reqs, split, setup_kind):
    data = b"".join(reqs)
    both(data, split=split, setup=stream_setup(setup_kind, (b"a",)))
    both(data, setup=stream_setup(setup_kind, (b"a",)))
