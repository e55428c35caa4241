"""The native dispatch fast path must have exactly Engine.call's effects: the same command
streams through dispatch_c.run and dispatch_py.run (which always goes through Engine.call)
give the same reply bytes, counters and dirty count."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import native.dispatch as dispatch
from engine import Engine
from engine.server import RespConnection, Server

pytestmark = pytest.mark.skipif(dispatch.impl_c is None, reason="dispatch_c is not built")


class FakeTransport:
    def __init__(self):
        self.data = bytearray()

    def write(self, data):
        self.data += data

    def get_extra_info(self, name, default=None):
        return {"peername": ("127.0.0.1", 5555), "sockname": ("127.0.0.1", 6379)}.get(name)

    def set_write_buffer_limits(self, high, low):
        pass

    def is_closing(self):
        return False

    def get_write_buffer_size(self):
        return 0

    def close(self):
        pass

    def pause_reading(self):
        pass

    def resume_reading(self):
        pass


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


def run_stream(run, commands, split):
    eng = Engine()
    conn = RespConnection(eng, Server(eng))
    t = FakeTransport()
    conn.connection_made(t)
    import engine.server as srv
    saved = srv.run_commands
    srv.run_commands = run
    try:
        data = b"".join(frame(list(c)) for c in commands)
        for i in range(0, len(data), split):
            conn.data_received(data[i:i + split])
    finally:
        srv.run_commands = saved
    stats = {name: (cmd.calls, cmd.failed_calls, cmd.rejected_calls)
             for name, cmd in eng.commands.items() if cmd.calls or cmd.rejected_calls}
    return bytes(t.data), stats, eng.dirty, eng.stats.total_error_replies


@settings(max_examples=150, deadline=None)
@given(st.lists(COMMANDS, max_size=40), st.integers(1, 64))
def test_fast_path_equals_engine_call(commands, split):
    fast = run_stream(dispatch.impl_c.run, commands, split)
    slow = run_stream(dispatch.impl_py.run, commands, split)
    assert fast == slow


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
