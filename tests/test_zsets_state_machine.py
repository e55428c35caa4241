"""Random sequences of sorted-set commands, valid and not, over a small key space, sent to
Strata and to redis-server 7.0 (RESP2 or RESP3, listpack or skiplist encodings): every raw
reply must be identical."""

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from tests.support.diff import Differential
from tests.test_zsets import scan_all

keys = st.sampled_from(["a", "b", "c"])
any_keys = st.sampled_from(["a", "b", "c", "l", "s", "nokey"])
members = st.sampled_from(["", "m", "n", "o", "p", "q", "mm", "\xff", "A"])
scores = st.one_of(
    st.integers(-3, 6).map(str),
    st.floats(allow_nan=False).map(repr),
    st.sampled_from(["1.1", "0.1", "-0.0", "inf", "-inf", "+inf", "1e308", "1e-320", "0x10",
                     "1e17", " 1", "nan", "x", ""]),
)
bounds = st.one_of(scores, scores.map("(".__add__), st.sampled_from(["-inf", "+inf", "(-inf"]))
lex_bounds = st.one_of(members.map("[".__add__), members.map("(".__add__),
                       st.sampled_from(["-", "+", "x", ""]))
ranks = st.one_of(st.integers(-8, 8).map(str), st.sampled_from(["x", "9223372036854775807"]))
zadd_options = st.lists(st.sampled_from(["NX", "XX", "GT", "LT", "CH", "INCR"]), max_size=3,
                        unique=True)
limits = st.one_of(st.just(()), st.tuples(st.just("LIMIT"), st.integers(-1, 4).map(str),
                                          st.integers(-2, 4).map(str)))
set_ops = st.sampled_from(["ZUNION", "ZINTER", "ZDIFF"])
setop_extra = st.lists(st.sampled_from([
    ("WEIGHTS", "2", "0.5"), ("AGGREGATE", "MIN"), ("AGGREGATE", "MAX"), ("AGGREGATE", "SUM"),
    ("WEIGHTS", "inf", "-1"), ("WEIGHTS", "0", "0"),
]), max_size=2).map(lambda opts: [w for opt in opts for w in opt])


@pytest.mark.parametrize("resp", [2, 3])
def test_zsets_state_machine(strata_server, oracle_server, resp):
    class ZSetMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.d = Differential(strata_server, oracle_server, resp=resp)

        def teardown(self) -> None:
            self.d.check("CONFIG", "SET", "zset-max-listpack-entries", "128")
            self.d.close()

        def check(self, *args):
            return self.d.check(*args)

        @initialize(limit=st.sampled_from(["128", "4", "0"]))
        def setup(self, limit):
            self.check("CONFIG", "SET", "zset-max-listpack-entries", limit)
            self.check("SET", "s", "string")

        @rule(key=keys, options=zadd_options,
              pairs=st.lists(st.tuples(scores, members), min_size=1, max_size=4))
        def zadd(self, key, options, pairs):
            self.check("ZADD", key, *options, *[x for p in pairs for x in p])

        @rule(member=members)
        def zadd_lex(self, member):
            self.check("ZADD", "l", "0", member)

        @rule(key=keys, increment=scores, member=members)
        def zincrby(self, key, increment, member):
            self.check("ZINCRBY", key, increment, member)

        @rule(key=any_keys, ms=st.lists(members, min_size=1, max_size=3))
        def zrem(self, key, ms):
            self.check("ZREM", key, *ms)

        @rule(cmd=st.sampled_from(["ZSCORE", "ZRANK", "ZREVRANK", "ZMSCORE"]), key=any_keys,
              member=members)
        def member_reads(self, cmd, key, member):
            self.check(cmd, key, member)

        @rule(key=any_keys)
        def whole(self, key):
            self.check("ZCARD", key)
            self.check("ZRANGE", key, "0", "-1", "WITHSCORES")
            self.check("OBJECT", "ENCODING", key)

        @rule(key=any_keys, lo=bounds, hi=bounds, rev=st.booleans(), withscores=st.booleans(),
              limit=limits)
        def by_score(self, key, lo, hi, rev, withscores, limit):
            self.check("ZCOUNT", key, lo, hi)
            extra = ("WITHSCORES",) * withscores + limit
            if rev:
                self.check("ZREVRANGEBYSCORE", key, hi, lo, *extra)
                self.check("ZRANGE", key, hi, lo, "BYSCORE", "REV", *extra)
            else:
                self.check("ZRANGEBYSCORE", key, lo, hi, *extra)

        @rule(lo=lex_bounds, hi=lex_bounds, rev=st.booleans(), limit=limits)
        def by_lex(self, lo, hi, rev, limit):
            self.check("ZLEXCOUNT", "l", lo, hi)
            if rev:
                self.check("ZREVRANGEBYLEX", "l", hi, lo, *limit)
            else:
                self.check("ZRANGE", "l", lo, hi, "BYLEX", *limit)

        @rule(key=any_keys, start=ranks, stop=ranks, rev=st.booleans(), withscores=st.booleans())
        def by_rank(self, key, start, stop, rev, withscores):
            self.check("ZREVRANGE" if rev else "ZRANGE", key, start, stop,
                       *("WITHSCORES",) * withscores)

        @rule(dst=any_keys, src=any_keys, how=st.sampled_from(["rank", "score", "lex"]),
              lo=st.one_of(ranks, bounds), hi=st.one_of(ranks, bounds), rev=st.booleans())
        def zrangestore(self, dst, src, how, lo, hi, rev):
            if how == "lex":
                self.check("ZRANGESTORE", dst, "l", "[" + lo, "[" + hi, "BYLEX", *("REV",) * rev)
            else:
                self.check("ZRANGESTORE", dst, src, lo, hi, *("BYSCORE",) * (how == "score"),
                           *("REV",) * rev)

        @rule(key=any_keys, how=st.sampled_from(["RANK", "SCORE", "LEX"]), lo=bounds, hi=bounds,
              rlo=ranks, rhi=ranks, llo=lex_bounds, lhi=lex_bounds)
        def zremrange(self, key, how, lo, hi, rlo, rhi, llo, lhi):
            if how == "RANK":
                self.check("ZREMRANGEBYRANK", key, rlo, rhi)
            elif how == "SCORE":
                self.check("ZREMRANGEBYSCORE", key, lo, hi)
            else:
                self.check("ZREMRANGEBYLEX", "l", llo, lhi)

        @rule(op=set_ops, a=any_keys, b=any_keys, extra=setop_extra, store=st.booleans(),
              dst=any_keys)
        def setop(self, op, a, b, extra, store, dst):
            if store:
                self.check(op + "STORE", dst, "2", a, b, *extra)
            else:
                self.check(op, "2", a, b, *extra, "WITHSCORES")
            self.check("ZINTERCARD", "2", a, b, "LIMIT", "1")

        @rule(cmd=st.sampled_from(["ZPOPMIN", "ZPOPMAX"]), key=any_keys,
              count=st.sampled_from([(), ("0",), ("1",), ("2",), ("9",), ("-1",)]))
        def zpop(self, cmd, key, count):
            self.check(cmd, key, *count)

        @rule(ks=st.lists(any_keys, min_size=1, max_size=3), where=st.sampled_from(["MIN", "MAX"]),
              count=st.sampled_from([(), ("COUNT", "1"), ("COUNT", "3"), ("COUNT", "0")]),
              blocking=st.booleans())
        def mpop(self, ks, where, count, blocking):
            timeout = ("0.01",) if blocking else ()
            self.check("BZMPOP" if blocking else "ZMPOP", *timeout, len(ks), *ks, where, *count)

        @rule(key=any_keys, count=st.sampled_from(["0", "20", "-0"]), withscores=st.booleans())
        def zrandmember(self, key, count, withscores):
            self.check("ZRANDMEMBER", key, count, *("WITHSCORES",) * withscores)

        @rule(key=any_keys)
        def zscan(self, key):
            if self.d.s.call("TYPE", key) == b"+zset\r\n":
                assert scan_all(self.d.s, "ZSCAN", key) == scan_all(self.d.o, "ZSCAN", key)
            else:
                self.check("ZSCAN", key, "0")

        @invariant()
        def same_keys(self):
            self.check("DBSIZE")

    run_state_machine_as_test(ZSetMachine, settings=settings(
        max_examples=30, stateful_step_count=40, deadline=None, database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]))
