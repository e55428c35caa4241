"""Random sequences against Strata and redis-server 7.0, replies compared byte for byte.

HyperLogLog: PFADD / PFCOUNT / PFMERGE / GET / SET / APPEND / DEL over a few keys with a
small hll-sparse-max-bytes, so sparse edits, sparse->dense promotion, merges of mixed
encodings, cached cardinalities and corrupted values (APPEND) all occur; the raw register
strings (GET) must be identical. Pub/sub: one subscriber connection per server goes through
random SUBSCRIBE / PSUBSCRIBE / UNSUBSCRIBE / PUNSUBSCRIBE (RESP2 subscribed mode) while a
publisher sends PUBLISH and PUBSUB CHANNELS / NUMSUB / NUMPAT; every reply and every
delivered message must be the same."""

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, rule, run_state_machine_as_test

from tests.support.diff import Differential
from tests.support.raw import encode_command

SETTINGS = settings(max_examples=25, stateful_step_count=30, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])

hll_keys = st.sampled_from(["h1", "h2", "h3", "str"])
hll_elements = st.lists(st.one_of(st.integers(0, 400).map(str),
                                  st.binary(min_size=0, max_size=6)), max_size=12)


@pytest.fixture(params=[2, 3], ids=["resp2", "resp3"])
def d(request, strata_server, oracle_server):
    pair = Differential(strata_server, oracle_server, resp=request.param)
    yield pair
    pair.both("CONFIG", "SET", "hll-sparse-max-bytes", "3000")
    pair.close()


def test_hyperloglog_state_machine(d):
    class Machine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            d.check("FLUSHALL")
            d.check("CONFIG", "SET", "hll-sparse-max-bytes", "120")
            d.check("SET", "str", "not an hll")

        @rule(key=hll_keys, elements=hll_elements)
        def pfadd(self, key, elements):
            d.check("PFADD", key, *elements)

        @rule(keys=st.lists(hll_keys, min_size=1, max_size=3))
        def pfcount(self, keys):
            d.check("PFCOUNT", *keys)

        @rule(dest=hll_keys, sources=st.lists(hll_keys, max_size=3))
        def pfmerge(self, dest, sources):
            d.check("PFMERGE", dest, *sources)

        @rule(key=hll_keys)
        def get(self, key):
            d.check("GET", key)
            d.check("STRLEN", key)

        @rule(key=hll_keys, other=hll_keys)
        def copy_raw(self, key, other):
            """SET of the oracle's bytes: an HLL carried as a plain string stays valid."""
            reply = d.o.call("GET", other)
            if reply.startswith(b"$") and not reply.startswith(b"$-1"):
                raw = reply[reply.index(b"\r\n") + 2:-2]
                d.check("SET", key, raw)

        @rule(key=hll_keys, tail=st.sampled_from([b"x", b"\x00", b"\xff" * 3]))
        def corrupt(self, key, tail):
            d.check("APPEND", key, tail)

        @rule(key=hll_keys)
        def delete(self, key):
            d.check("DEL", key)

        @rule(limit=st.sampled_from(["0", "40", "120", "3000"]))
        def sparse_limit(self, limit):
            d.check("CONFIG", "SET", "hll-sparse-max-bytes", limit)

    run_state_machine_as_test(Machine, settings=SETTINGS)


channels = st.sampled_from(["c1", "c2", "news.a", "news.b"])
patterns = st.sampled_from(["c*", "news.*", "*", "n?ws.[ab]"])


def test_pubsub_state_machine(strata_server, oracle_server):
    pub = Differential(strata_server, oracle_server)
    sub = Differential(strata_server, oracle_server)

    def expect(n, any_order=False):
        """Read n pushed/acknowledged messages from both subscribers; they must match.
        ``any_order``: (P)UNSUBSCRIBE without arguments walks the client's dict, whose
        order Redis leaves unspecified: compare the names and the counts as multisets;
        "messages": a channel's message comes first, pattern messages in any order (Redis
        walks its pattern dict)."""
        got = [sub.s.read_reply() for _ in range(n)]
        want = [sub.o.read_reply() for _ in range(n)]
        if any_order == "messages":   # patterns are a dict in Redis too: any order
            assert [r.startswith(b"*3") for r in got] == [r.startswith(b"*3") for r in want]
            got, want = sorted(got), sorted(want)
        elif any_order:
            def split(replies):
                parts = [r.split(b"\r\n") for r in replies]
                return sorted(p[4] for p in parts), sorted(p[5] for p in parts)
            got, want = split(got), split(want)
        assert got == want, "strata: %r\nredis:  %r" % (got, want)

    class Machine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.chans, self.pats = set(), set()

        def send(self, *args):
            data = encode_command(list(args))
            sub.s.send(data)
            sub.o.send(data)

        @rule(names=st.lists(channels, min_size=1, max_size=3))
        def subscribe(self, names):
            self.send("SUBSCRIBE", *names)
            self.chans.update(names)
            expect(len(names))

        @rule(names=st.lists(patterns, min_size=1, max_size=3))
        def psubscribe(self, names):
            self.send("PSUBSCRIBE", *names)
            self.pats.update(names)
            expect(len(names))

        @rule(names=st.lists(channels, max_size=2))
        def unsubscribe(self, names):
            self.send("UNSUBSCRIBE", *names)
            n = len(names) or max(1, len(self.chans))
            self.chans.difference_update(names or self.chans)
            expect(n, any_order=not names)

        @rule(names=st.lists(patterns, max_size=2))
        def punsubscribe(self, names):
            self.send("PUNSUBSCRIBE", *names)
            n = len(names) or max(1, len(self.pats))
            self.pats.difference_update(names or self.pats)
            expect(n, any_order=not names)

        @rule()
        def ping_and_forbidden(self):
            if not (self.chans or self.pats):
                return
            self.send("PING")
            expect(1)
            self.send("GET", "x")   # RESP2 subscribed mode refuses it
            expect(1)

        @rule(channel=channels, message=st.sampled_from(["m", "", "x" * 40]))
        def publish(self, channel, message):
            reply = pub.check("PUBLISH", channel, message)
            expect(int(reply[1:-2]), any_order="messages")

        @rule(pattern=st.sampled_from([None, "c*", "news.*", "*"]))
        def introspect(self, pattern):
            got, want = (sorted(r.split(b"\r\n")) for r in
                         pub.both("PUBSUB", "CHANNELS", *([pattern] if pattern else [])))
            assert got == want
            pub.check("PUBSUB", "NUMSUB", "c1", "c2", "news.a", "none")
            pub.check("PUBSUB", "NUMPAT")

        def teardown(self):
            if self.chans or self.pats:
                self.send("UNSUBSCRIBE")
                expect(max(1, len(self.chans)), any_order=True)
                self.send("PUNSUBSCRIBE")
                expect(max(1, len(self.pats)), any_order=True)

    try:
        run_state_machine_as_test(Machine, settings=SETTINGS)
    finally:
        pub.close()
        sub.close()
