"""Random sequences of hash and set commands, valid and not, over a small key space with
small encoding thresholds (so listpack/intset <-> hashtable conversions happen often), sent
to Strata and to redis-server 7.0 (RESP2 and RESP3).

Replies must be byte-identical where Redis defines them; collections whose order Redis
leaves unspecified (hashtable encodings) compare sorted; random replies (SPOP, SRANDMEMBER,
HRANDFIELD) compare by shape, size, membership and distinctness. SPOP's members are then
removed from the oracle with SREM so that both keyspaces stay equal."""

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, rule, run_state_machine_as_test

from tests import test_hashes as th
from tests.test_hashes import (
    LLONG_MAX,
    LLONG_MIN,
    check_random_reply,
    decode,
    full_scan,
    unordered,
)
from tests.test_sets import check_random_members

MAX_ENTRIES, MAX_VALUE, MAX_INTSET = 4, 8, 4
d, thresholds = th.d, th.thresholds  # the shared fixtures

keys = st.sampled_from(["h1", "h2", "s1", "s2", "s3", "str"])
ints = st.one_of(st.integers(-5, 12).map(str),
                 st.sampled_from([LLONG_MAX, LLONG_MIN, "-0", "01", " 1", "1.5", "x", ""]))
members = st.one_of(ints, st.sampled_from(["a", "b", "c", "long-member", "\xff\x00"]))
values = st.one_of(members, st.sampled_from(["0.1", "1e3", "inf", "123456789"]))
floats = st.one_of(ints, st.sampled_from(["0.1", "-2.5e1", "1e4931", "inf", "nan", "0x10"]))
counts = st.one_of(st.integers(-8, 8).map(str), st.sampled_from(["x", LLONG_MIN]))
scan_options = st.lists(st.sampled_from([("COUNT", "2"), ("COUNT", "0"), ("MATCH", "*"),
                                         ("MATCH", "[a-c]*"), ("MATCH", "1*"), ("BOGUS",)]),
                        max_size=2).map(lambda opts: [w for opt in opts for w in opt])


def test_hashes_sets_state_machine(d, thresholds):
    thresholds(hash_max_listpack_entries=MAX_ENTRIES, hash_max_listpack_value=MAX_VALUE,
               set_max_intset_entries=MAX_INTSET)

    def encoding(key):
        return decode(d.o.call("OBJECT", "ENCODING", key))

    def kind(key):
        return decode(d.o.call("TYPE", key))

    def small(key):
        return encoding(key) in (b"listpack", b"intset", None)

    def check_collection(args, key, pairs=False):
        d.check(*args, normalize=None if small(key) else unordered(pairs))

    def check_scan(cmd, key, options):
        """One call returns a small collection whole; a hashtable one is compared by what a
        full iteration returns."""
        if small(key) or d.o.call(cmd, key, "0", *options).startswith(b"-"):
            d.check(cmd, key, "0", *options)
            return
        seen = []
        for c in (d.s, d.o):
            items, _ = full_scan(c, cmd, key, *options)
            if cmd == "HSCAN":
                items = list(zip(items[::2], items[1::2], strict=True))
            seen.append(sorted(set(items)))
        assert seen[0] == seen[1]

    def random_count(count):
        """The count as an int, or None when the reply does not depend on chance."""
        return None if count is None or count in ("x", LLONG_MIN) or count == "0" else \
            int(count)

    class Machine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            d.check("FLUSHALL")
            d.check("SET", "str", "x")

        # -------------------------------------------------------------- hashes
        @rule(cmd=st.sampled_from(["HSET", "HMSET", "HSETNX"]), key=keys,
              args=st.lists(st.one_of(members, values), min_size=1, max_size=7))
        def hset(self, cmd, key, args):
            d.check(cmd, key, *args)

        @rule(key=keys, fields=st.lists(members, min_size=1, max_size=4))
        def hdel(self, key, fields):
            d.check("HDEL", key, *fields)

        @rule(cmd=st.sampled_from(["HGET", "HSTRLEN", "HEXISTS"]), key=keys, field=members)
        def hread(self, cmd, key, field):
            d.check(cmd, key, field)

        @rule(key=keys, fields=st.lists(members, min_size=1, max_size=4))
        def hmget(self, key, fields):
            d.check("HMGET", key, *fields)
            d.check("HLEN", key)

        @rule(cmd=st.sampled_from(["HKEYS", "HVALS", "HGETALL"]), key=keys)
        def hall(self, cmd, key):
            check_collection((cmd, key), key, pairs=cmd == "HGETALL" and d.resp == 2)

        @rule(key=keys, options=scan_options)
        def hscan(self, key, options):
            check_scan("HSCAN", key, options)

        @rule(key=keys, field=members, by=ints)
        def hincrby(self, key, field, by):
            d.check("HINCRBY", key, field, by)

        @rule(key=keys, field=members, by=floats)
        def hincrbyfloat(self, key, field, by):
            d.check("HINCRBYFLOAT", key, field, by)

        @rule(key=keys, count=counts, withvalues=st.booleans())
        def hrandfield(self, key, count, withvalues):
            args = ("HRANDFIELD", key, count) + (("WITHVALUES",) if withvalues else ())
            n = random_count(count)
            if kind(key) != b"hash" or n is None:
                d.check(*args)  # errors, empty replies
                return
            pool = decode(d.o.call("HGETALL", key))
            pool = pool if isinstance(pool, dict) else dict(zip(pool[::2], pool[1::2],
                                                                strict=True))
            if n >= len(pool) and small(key):
                d.check(*args)  # a whole listpack, in its order
            else:
                check_random_reply(d, args, pool, n > 0, withvalues)
            assert decode(d.s.call("HRANDFIELD", key)) in pool

        # -------------------------------------------------------------- sets
        @rule(cmd=st.sampled_from(["SADD", "SREM"]), key=keys,
              args=st.lists(members, min_size=1, max_size=6))
        def sadd(self, cmd, key, args):
            d.check(cmd, key, *args)
            d.check("OBJECT", "ENCODING", key)

        @rule(cmd=st.sampled_from(["SISMEMBER", "SCARD", "SMISMEMBER"]), key=keys, member=members)
        def sread(self, cmd, key, member):
            d.check(cmd, key, *(() if cmd == "SCARD" else (member,)))

        @rule(key=keys, options=scan_options)
        def smembers(self, key, options):
            check_collection(("SMEMBERS", key), key)
            check_scan("SSCAN", key, options)

        @rule(src=keys, dst=keys, member=members)
        def smove(self, src, dst, member):
            d.check("SMOVE", src, dst, member)

        @rule(cmd=st.sampled_from(["SINTER", "SUNION", "SDIFF"]),
              sources=st.lists(keys, min_size=1, max_size=3))
        def algebra(self, cmd, sources):
            got, want = d.both(cmd, *sources)
            if got != want:
                result = decode(want)
                assert isinstance(result, list), (cmd, sources, got, want)
                assert unordered()(got) == unordered()(want)
                # Redis's order is only unspecified when a hashtable is involved
                assert len(result) > MAX_INTSET or not all(small(k) for k in sources)

        @rule(cmd=st.sampled_from(["SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"]), dst=keys,
              sources=st.lists(keys, min_size=1, max_size=3))
        def store(self, cmd, dst, sources):
            d.check(cmd, dst, *sources)
            d.check("OBJECT", "ENCODING", dst)
            d.check("SCARD", dst)

        @rule(sources=st.lists(keys, min_size=1, max_size=3),
              limit=st.sampled_from([(), ("LIMIT", "1"), ("LIMIT", "0"), ("LIMIT", "-1")]),
              numkeys=st.sampled_from([None, "0", "9"]))
        def sintercard(self, sources, limit, numkeys):
            d.check("SINTERCARD", numkeys or str(len(sources)), *sources, *limit)

        @rule(key=keys, count=st.one_of(st.none(), counts))
        def spop(self, key, count):
            args = ("SPOP", key) + (() if count is None else (count,))
            size = decode(d.o.call("SCARD", key))
            n = random_count(count)
            if not isinstance(size, int) or not size or (count is not None and
                                                          (n is None or n < 0)):
                d.check(*args)  # errors, nil, empty
                return
            if n is not None and (size - n) * 5 <= n:
                # the whole set, or most of it: Redis rebuilds what stays (its encoding
                # starts afresh), which the oracle could not follow with SREM: pop it all
                check_collection(("SPOP", key, str(size)), key)
                return
            pool = set(decode(d.o.call("SMEMBERS", key)))
            reply = decode(d.s.call(*args))
            popped = [reply] if n is None else reply
            assert len(popped) == (1 if n is None else n) and set(popped) <= pool
            assert len(set(popped)) == len(popped)
            assert d.o.call("SREM", key, *popped) == b":%d\r\n" % len(popped)
            d.check("SMEMBERS", key, normalize=unordered())

        @rule(key=keys, count=st.one_of(st.none(), counts))
        def srandmember(self, key, count):
            args = ("SRANDMEMBER", key) + (() if count is None else (count,))
            n = random_count(count)
            if kind(key) != b"set" or (n is None and count is not None):
                d.check(*args)  # errors, nil, empty replies
                return
            pool = set(decode(d.o.call("SMEMBERS", key)))
            if count is None:
                assert decode(d.s.call(*args)) in pool
            elif n >= len(pool) and small(key):
                d.check(*args)  # a whole intset, in its order
            else:
                check_random_members(d, args, pool, n > 0)

        # -------------------------------------------------------------- generic
        @rule(key=keys)
        def inspect(self, key):
            d.check("TYPE", key)
            d.check("OBJECT", "ENCODING", key)

        @rule(key=keys)
        def delete(self, key):
            d.check("DEL", key)

    run_state_machine_as_test(Machine, settings=settings(
        max_examples=30, stateful_step_count=40, deadline=None, database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]))
