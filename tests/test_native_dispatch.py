"""The native dispatch fast path must have exactly Engine.call's effects: the same command
streams through dispatch_c.run and dispatch_py.run (which always goes through Engine.call)
give the same reply bytes, counters and dirty count."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import native.dispatch as dispatch
from engine import Engine
from engine.server import RespConnection, Server
from tests.support.transport import FakeTransport

pytestmark = pytest.mark.skipif(dispatch.impl_c is None, reason="dispatch_c is not built")


def frame(args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


KEYS = [b"a", b"b", b"n"]
COMMANDS = st.one_of(
    st.tuples(st.sampled_from([b"SET", b"set", b"Set"]), st.sampled_from(KEYS),
              st.sampled_from([b"1", b"x", b"-3"])),
    st.tuples(st.sampled_from([b"GET", b"get", b"INCR", b"DEL", b"EXISTS", b"TYPE"]),
              st.sampled_from(KEYS)),
    st.tuples(st.sampled_from([b"PING", b"MULTI", b"EXEC", b"DISCARD", b"NOSUCH", b"GET"])),
    st.tuples(st.just(b"CLIENT"), st.just(b"REPLY"), st.sampled_from([b"ON", b"SKIP"])),
    st.tuples(st.just(b"ECHO"), st.binary(max_size=5)),
    st.tuples(st.just(b"LPUSH"), st.sampled_from(KEYS), st.just(b"v")),
    st.tuples(st.just(b"SELECT"), st.sampled_from([b"0", b"1", b"99"])),
)


def run_stream(run, commands, split, setup=None, state=False):
    eng = Engine()
    if setup is not None:
        setup(eng)
    conn = RespConnection(eng, Server(eng))
    t = FakeTransport()
    conn.connection_made(t)
    import engine.server as srv
    impl = dispatch.impl_c if run is dispatch.impl_c.run else dispatch.impl_py
    saved = srv.run_commands, srv.serve_batch
    srv.run_commands, srv.serve_batch = impl.run, impl.serve
    try:
        data = b"".join(frame(list(c)) for c in commands)
        for i in range(0, len(data), split):
            conn.data_received(data[i:i + split])
    finally:
        srv.run_commands, srv.serve_batch = saved
    stats = {name: (cmd.calls, cmd.failed_calls, cmd.rejected_calls)
             for name, cmd in eng.commands.items() if cmd.calls or cmd.rejected_calls}
    result = (bytes(t.data), stats, eng.dirty, eng.stats.total_error_replies)
    if state:  # what the native handlers change besides the reply
        db = eng.dbs[0]
        contents = sorted((k, type(v).__name__, list(v) if type(v) is not bytes else v,
                           e >= 0, getattr(v, "cost", None), getattr(v, "nbytes", None))
                          for k, v, e, _a in db.table.entries())
        result += (db.used_memory, eng.stats.keyspace_hits, eng.stats.keyspace_misses,
                   eng.stats.expired_keys, contents)
    return result


@settings(max_examples=150, deadline=None)
@given(st.lists(COMMANDS, max_size=40), st.integers(1, 64))
def test_fast_path_equals_engine_call(commands, split):
    fast = run_stream(dispatch.impl_c.run, commands, split)
    slow = run_stream(dispatch.impl_py.run, commands, split)
    assert fast == slow


# The commands with native handlers (FAST_PATHS), their error and fallback cases, and
# commands that put the keyspace out of its plain state (WATCH, a TTL, a bytearray value,
# notifications, LFU) or back.
FKEYS = [b"a", b"b", b"l"]
VALUES = st.sampled_from([b"1", b"-7", b"x", b"12345678901234567890", b"9223372036854775807",
                          b"-9223372036854775808", b"", b"0", b"-0", b"01", b"v" * 70])
FAST = st.one_of(
    st.sampled_from([(b"PING",), (b"PING", b"x"), (b"PING", b"x", b"y")]),
    st.tuples(st.sampled_from([b"SET", b"set"]), st.sampled_from(FKEYS), VALUES),
    st.tuples(st.just(b"SET"), st.sampled_from(FKEYS), VALUES, st.sampled_from([b"NX", b"GET"])),
    st.tuples(st.sampled_from([b"GET", b"INCR", b"DECR", b"LPOP", b"RPOP", b"TYPE"]),
              st.sampled_from(FKEYS)),
    st.tuples(st.just(b"MSET"), st.sampled_from(FKEYS), VALUES, st.sampled_from(FKEYS), VALUES),
    st.tuples(st.just(b"MSET"), st.sampled_from(FKEYS), VALUES, st.sampled_from(FKEYS)),
    st.tuples(st.sampled_from([b"LPUSH", b"RPUSH"]), st.sampled_from(FKEYS), VALUES),
    st.tuples(st.sampled_from([b"LPUSH", b"RPUSH"]), st.sampled_from(FKEYS), VALUES, VALUES),
    st.tuples(st.sampled_from([b"LPOP", b"RPOP"]), st.sampled_from(FKEYS),
              st.sampled_from([b"1", b"2", b"0"])),
    st.tuples(st.just(b"LRANGE"), st.sampled_from(FKEYS), VALUES, VALUES),
    st.tuples(st.just(b"LRANGE"), st.sampled_from(FKEYS), st.sampled_from([b"0", b"-2", b"1"]),
              st.sampled_from([b"-1", b"0", b"5", b"-100"])),
    st.tuples(st.sampled_from([b"WATCH", b"UNWATCH", b"APPEND", b"PEXPIRE", b"PERSIST"]),
              st.sampled_from(FKEYS), st.just(b"100000"))
    .map(lambda t: t[:2] if t[0] in (b"WATCH", b"PERSIST") else t[:1] if t[0] == b"UNWATCH"
         else t),
    st.tuples(st.just(b"CONFIG"), st.just(b"SET"),
              st.sampled_from([b"notify-keyspace-events", b"maxmemory-policy"]),
              st.sampled_from([b"", b"KEA", b"allkeys-lfu", b"noeviction"])),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(FAST, max_size=40), st.integers(1, 64))
def test_native_handlers_equal_python_handlers(commands, split):
    commands = [c for c in commands if not (c[0] == b"CONFIG" and (c[2] == b"maxmemory-policy")
                                            != (c[3] in (b"allkeys-lfu", b"noeviction")))]
    fast = run_stream(dispatch.impl_c.run, commands, split, state=True)
    slow = run_stream(dispatch.impl_py.run, commands, split, state=True)
    assert fast == slow


def test_native_handlers_on_expired_keys():
    """An expired key reaches the Python handler (which deletes it, counts it, replies as
    for a missing key) on both paths."""
    def setup(eng):
        db = eng.dbs[0]
        eng.execute("MSET", b"s", b"1", b"n", b"5")
        eng.execute("RPUSH", b"l", b"a", b"b")
        eng.execute("RPUSH", b"m", b"a", b"b")
        for key in (b"s", b"n", b"l", b"m"):
            db.table.set_expire(key, 1)  # long past
    commands = [(b"GET", b"s"), (b"INCR", b"n"), (b"LPOP", b"l"), (b"LRANGE", b"m", b"0", b"-1"),
                (b"GET", b"s"), (b"RPUSH", b"l", b"z"), (b"LRANGE", b"l", b"0", b"-1")]
    fast = run_stream(dispatch.impl_c.run, commands, 7, setup, state=True)
    slow = run_stream(dispatch.impl_py.run, commands, 7, setup, state=True)
    assert fast == slow
    assert fast[7] == 4  # expired_keys


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 600), max_size=300), st.integers(0, 3000))
def test_native_list_cost_is_the_model(sizes, extra):
    """The native handlers' list cost is ListValue.memory_usage() (if the model changes,
    update dispatch_c._list_cost: until then the handlers fall back to memory_usage())."""
    from engine.types.lists import ListValue
    lv = ListValue([b"x" * n for n in sizes])
    assert dispatch.impl_c.list_cost(len(lv), lv.nbytes) == lv.memory_usage()
    lv.extend([b"ab"] * extra)
    lv.nbytes += 2 * extra
    assert dispatch.impl_c.list_cost(len(lv), lv.nbytes) == lv.memory_usage()


def test_fast_path_rejects_unknown_names():
    for impl in (dispatch.impl_c, dispatch.impl_py):
        with pytest.raises(ValueError):
            impl.fast_path("nosuch")


def test_attention_follows_state():
    eng = Engine()
    c = eng.client(resp=2)
    assert not c.attention
    c.multi = []
    assert c.attention
    c.multi = None
    c.in_pubsub = True
    assert c.attention          # subscribed over RESP2: the full dispatcher restricts it
    c.resp = 3
    assert not c.attention      # RESP3 subscribers may run anything
    c.authenticated = False
    assert c.attention


@pytest.mark.parametrize("impl", ["c", "py"])
def test_client_reply_skip_inside_exec_keeps_the_connection(impl):
    """CLIENT REPLY SKIP queued in a transaction adds no element to EXEC's array (Redis
    7.0 even keeps the queued count in the array header, a reply no client can parse);
    the connection goes on serving."""
    run = dispatch.impl_c.run if impl == "c" else dispatch.impl_py.run
    got = run_stream(run, [(b"MULTI",), (b"CLIENT", b"REPLY", b"SKIP"),
                           (b"CLIENT", b"REPLY", b"ON"), (b"EXEC",), (b"ECHO", b"x")], 1 << 20)
    assert got[0] == b"+OK\r\n+QUEUED\r\n+QUEUED\r\n*1\r\n+OK\r\n$1\r\nx\r\n"
