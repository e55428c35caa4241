"""Random sequences of stream commands, valid and not, with explicit IDs over two streams
(one key of another type now and then), sent to Strata and to redis-server 7.0 with small
listpack nodes: every raw reply must be identical once times are normalised."""

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule, run_state_machine_as_test

from tests.support.raw import RawClient
from tests.test_streams import norm

keys = st.sampled_from(["s", "t"])
ids = st.builds(lambda ms, seq: f"{ms}-{seq}", st.integers(0, 40), st.integers(0, 3))
bounds = st.one_of(ids, st.sampled_from(["-", "+", "5", "(3-1", "(20", "(-", "bad", "45", "(50"]))
counts = st.one_of(st.integers(-1, 5).map(str), st.just("x"))
fields = st.lists(st.sampled_from(["f", "g", "1", "x" * 70, ""]), min_size=1, max_size=3).map(
    lambda fs: [w for f in fs for w in (f, "v" + f)])
groups = st.sampled_from(["g1", "g2"])
consumers = st.sampled_from(["alice", "bob", "carol"])
group_ids = st.one_of(ids, st.sampled_from(["$", "0", "-", "+"]))
min_idles = st.sampled_from(["0", "3600000"])
trims = st.one_of(
    st.just([]),
    st.builds(lambda how, n: ["MAXLEN", how, str(n)], st.sampled_from(["=", "~"]),
              st.integers(0, 12)),
    st.builds(lambda how, sid: ["MINID", how, sid], st.sampled_from(["=", "~"]), ids),
    st.builds(lambda n, lim: ["MAXLEN", "~", str(n), "LIMIT", str(lim)], st.integers(0, 12),
              st.integers(0, 8)),
)


def test_streams_state_machine(diff, oracle_server, strata_server):
    admins = [RawClient(s.host, s.port) for s in (strata_server, oracle_server)]
    saved = [a.call("CONFIG", "GET", "stream-node-max-entries") for a in admins]

    def check(*args):
        diff.check(*args, normalize=norm)

    class StreamMachine(RuleBasedStateMachine):
        @initialize(node_entries=st.sampled_from(["3", "5", "100"]))
        def setup(self, node_entries):
            diff.check("FLUSHALL")
            self.ms = 40
            for a in admins:
                a.call("CONFIG", "SET", "stream-node-max-entries", node_entries)

        @rule(key=keys, trim=trims, sid=st.one_of(ids, st.builds(
            lambda ms: f"{ms}-*", st.integers(0, 40))), kv=fields,
              nomk=st.booleans())
        def xadd(self, key, trim, sid, kv, nomk):
            check("XADD", key, *(["NOMKSTREAM"] if nomk else []), *trim, sid, *kv)

        @rule(key=keys, n=st.integers(1, 8), kv=fields)
        def xadd_tail(self, key, n, kv):
            """Entries past the ID range of the other rules, to fill nodes."""
            for _ in range(n):
                self.ms += 1
                check("XADD", key, f"{self.ms}-0", *kv)

        @rule(key=keys, sids=st.lists(ids, min_size=1, max_size=3))
        def xdel(self, key, sids):
            check("XDEL", key, *sids)

        @rule(key=keys, trim=trims.filter(bool))
        def xtrim(self, key, trim):
            check("XTRIM", key, *trim)

        @rule(key=keys, start=bounds, end=bounds, count=st.one_of(st.none(), counts),
              rev=st.booleans())
        def xrange(self, key, start, end, count, rev):
            extra = [] if count is None else ["COUNT", count]
            check("XREVRANGE" if rev else "XRANGE", key, start, end, *extra)

        @rule(sid_s=st.one_of(ids, st.just("$")), sid_t=st.one_of(ids, st.just("$")),
              count=st.one_of(st.none(), counts))
        def xread(self, sid_s, sid_t, count):
            extra = [] if count is None else ["COUNT", count]
            check("XREAD", *extra, "STREAMS", "s", "t", sid_s, sid_t)

        @rule(key=keys, group=groups, start=group_ids, mkstream=st.booleans(),
              entries_read=st.one_of(st.none(), st.sampled_from(["-1", "0", "2", "7"])))
        def xgroup_create(self, key, group, start, mkstream, entries_read):
            extra = (["MKSTREAM"] if mkstream else []) + \
                ([] if entries_read is None else ["ENTRIESREAD", entries_read])
            check("XGROUP", "CREATE", key, group, start, *extra)

        @rule(key=keys, group=groups, start=group_ids,
              entries_read=st.one_of(st.none(), st.sampled_from(["-1", "0", "3"])))
        def xgroup_setid(self, key, group, start, entries_read):
            extra = [] if entries_read is None else ["ENTRIESREAD", entries_read]
            check("XGROUP", "SETID", key, group, start, *extra)

        @rule(key=keys, group=groups, consumer=consumers,
              sub=st.sampled_from(["DESTROY", "CREATECONSUMER", "DELCONSUMER"]))
        def xgroup_other(self, key, group, consumer, sub):
            check("XGROUP", sub, key, group, *([] if sub == "DESTROY" else [consumer]))

        @rule(key=keys, group=groups, consumer=consumers, sid=st.one_of(ids, st.just(">")),
              count=st.one_of(st.none(), counts), noack=st.booleans())
        def xreadgroup(self, key, group, consumer, sid, count, noack):
            extra = ([] if count is None else ["COUNT", count]) + (["NOACK"] if noack else [])
            check("XREADGROUP", "GROUP", group, consumer, *extra, "STREAMS", key, sid)

        @rule(key=keys, group=groups, sids=st.lists(ids, min_size=1, max_size=3))
        def xack(self, key, group, sids):
            check("XACK", key, group, *sids)

        @rule(key=keys, group=groups, consumer=st.one_of(st.none(), consumers),
              start=bounds, end=bounds, count=counts, idle=st.one_of(st.none(), min_idles))
        def xpending(self, key, group, consumer, start, end, count, idle):
            check("XPENDING", key, group)
            extra = [] if idle is None else ["IDLE", idle]
            check("XPENDING", key, group, *extra, start, end, count,
                  *([] if consumer is None else [consumer]))

        @rule(key=keys, group=groups, consumer=consumers, min_idle=min_idles,
              sids=st.lists(ids, min_size=1, max_size=3),
              options=st.lists(st.sampled_from([("JUSTID",), ("FORCE",), ("RETRYCOUNT", "4"),
                                                ("IDLE", "5000000"), ("TIME", "1"),
                                                ("LASTID", "30-0")]), max_size=3))
        def xclaim(self, key, group, consumer, min_idle, sids, options):
            check("XCLAIM", key, group, consumer, min_idle, *sids,
                  *[w for opt in options for w in opt])

        @rule(key=keys, group=groups, consumer=consumers, min_idle=min_idles, start=bounds,
              count=st.one_of(st.none(), st.sampled_from(["1", "2", "0"])), justid=st.booleans())
        def xautoclaim(self, key, group, consumer, min_idle, start, count, justid):
            extra = ([] if count is None else ["COUNT", count]) + (["JUSTID"] if justid else [])
            check("XAUTOCLAIM", key, group, consumer, min_idle, start, *extra)

        @rule(key=keys, sid=ids, added=st.one_of(st.none(), st.sampled_from(["0", "50"])),
              max_deleted=st.one_of(st.none(), ids))
        def xsetid(self, key, sid, added, max_deleted):
            extra = ([] if added is None else ["ENTRIESADDED", added]) + \
                ([] if max_deleted is None else ["MAXDELETEDID", max_deleted])
            check("XSETID", key, sid, *extra)

        @rule(key=keys, group=groups)
        def inspect(self, key, group):
            for cmd in [("XLEN", key), ("XINFO", "STREAM", key), ("XINFO", "GROUPS", key),
                        ("XINFO", "CONSUMERS", key, group),
                        ("XINFO", "STREAM", key, "FULL", "COUNT", "3")]:
                check(*cmd)

        @rule(key=keys)
        def other_type(self, key):
            check("DEL", key)
            check("SET", key, "string")

        @rule(key=keys)
        def delete(self, key):
            check("DEL", key)

        def teardown(self):
            for key in ("s", "t"):
                check("XINFO", "STREAM", key, "FULL", "COUNT", "0")

    try:
        run_state_machine_as_test(StreamMachine, settings=settings(
            max_examples=30, stateful_step_count=40, deadline=None, database=None,
            suppress_health_check=list(HealthCheck)))
    finally:
        for a, value in zip(admins, saved):
            a.call("CONFIG", "SET", "stream-node-max-entries", value.split(b"\r\n")[-2])
            a.close()
