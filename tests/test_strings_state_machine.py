"""Random sequences of string and bitmap commands, valid and not, over a small key space,
sent to Strata and to redis-server 7.0: every raw reply must be identical."""

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, rule, run_state_machine_as_test

LLONG_MAX, LLONG_MIN = str(2 ** 63 - 1), str(-(2 ** 63))

keys = st.sampled_from(["a", "b", "c"])
ints = st.one_of(st.integers(-12, 40).map(str),
                 st.sampled_from([LLONG_MAX, LLONG_MIN, "x", "", "1.5", "-0", "01", " 1"]))
values = st.one_of(st.binary(max_size=10), ints,
                   st.sampled_from(["1.5", "-2.25e3", "0x10", "inf", "\xff\x00", "abcabc"]))
floats = st.one_of(st.floats(allow_nan=False).map(repr), ints,
                   st.decimals(allow_nan=False, allow_infinity=False, places=6).map(str),
                   st.sampled_from(["1e300", "-1e-300", "1e4932", "nan", "inf", "0x1p-3", "."]))
# Offsets stay small or fail validation: a valid huge one would allocate hundreds of MB.
offsets = st.one_of(st.integers(0, 90).map(str), st.sampled_from(["-1", "x", "536870912"]))
bit_offsets = st.one_of(st.integers(0, 130).map(str), st.sampled_from(["-1", "x", "4294967296"]))
set_options = st.lists(st.sampled_from([
    ("NX",), ("XX",), ("GET",), ("KEEPTTL",), ("EX", "100"), ("PX", "100000"), ("EXAT", "1"),
    ("PXAT", "99999999999999"), ("EX", "0"), ("PX", "x"), ("PERSIST",), ("EX",), ("BOGUS",),
]), max_size=3).map(lambda opts: [w for opt in opts for w in opt])
getex_options = st.lists(st.sampled_from([
    ("EX", "100"), ("PX", "100000"), ("EXAT", "1"), ("PXAT", "99999999999999"), ("PERSIST",),
    ("EX", "-1"), ("KEEPTTL",), ("NX",), ("PX",),
]), max_size=2).map(lambda opts: [w for opt in opts for w in opt])
ranges = st.one_of(st.just(()), st.tuples(ints), st.tuples(ints, ints),
                   st.tuples(ints, ints, st.sampled_from(["BIT", "BYTE", "bit", "nope"])),
                   st.tuples(ints, ints, st.just("BIT"), st.just("x")))
field_types = st.one_of(st.builds("i{}".format, st.integers(1, 64)),
                        st.builds("u{}".format, st.integers(1, 63)),
                        st.sampled_from(["u64", "i0", "x8", "U8"]))
field_offsets = st.one_of(st.integers(0, 70).map(str), st.builds("#{}".format, st.integers(-1, 4)),
                          st.sampled_from(["-1", "x"]))
field_values = st.one_of(ints, st.integers(-(2 ** 63), 2 ** 63 - 1).map(str))
field_ops = st.lists(st.one_of(
    st.tuples(st.just("GET"), field_types, field_offsets),
    st.tuples(st.sampled_from(["SET", "INCRBY"]), field_types, field_offsets, field_values),
    st.tuples(st.just("OVERFLOW"), st.sampled_from(["WRAP", "SAT", "FAIL", "nope"])),
    st.sampled_from([("GET", "u8"), ("BOGUS",)]),
), max_size=4).map(lambda ops: [w for op in ops for w in op])


def test_strings_state_machine(diff):
    class StringMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            diff.check("FLUSHALL")

        @rule(key=keys, value=values, options=set_options)
        def set(self, key, value, options):
            diff.check("SET", key, value, *options)

        @rule(cmd=st.sampled_from(["GET", "GETDEL", "STRLEN"]), key=keys)
        def read(self, cmd, key):
            diff.check(cmd, key)

        @rule(key=keys, options=getex_options)
        def getex(self, key, options):
            diff.check("GETEX", key, *options)

        @rule(cmd=st.sampled_from(["GETSET", "SETNX", "APPEND"]), key=keys, value=values)
        def write(self, cmd, key, value):
            diff.check(cmd, key, value)

        @rule(cmd=st.sampled_from(["SETEX", "PSETEX"]), key=keys,
              ttl=st.sampled_from(["100", "100000", "0", "-5", "x"]), value=values)
        def setex(self, cmd, key, ttl, value):
            diff.check(cmd, key, ttl, value)

        @rule(cmd=st.sampled_from(["MSET", "MSETNX", "MGET"]),
              args=st.lists(st.one_of(keys, values), min_size=1, max_size=5))
        def multi_key(self, cmd, args):
            diff.check(cmd, *args)

        @rule(key=keys, offset=offsets, value=values)
        def setrange(self, key, offset, value):
            diff.check("SETRANGE", key, offset, value)

        @rule(cmd=st.sampled_from(["GETRANGE", "SUBSTR"]), key=keys, start=ints, end=ints)
        def getrange(self, cmd, key, start, end):
            diff.check(cmd, key, start, end)

        @rule(cmd=st.sampled_from(["INCR", "DECR"]), key=keys)
        def incr(self, cmd, key):
            diff.check(cmd, key)

        @rule(cmd=st.sampled_from(["INCRBY", "DECRBY"]), key=keys, by=ints)
        def incrby(self, cmd, key, by):
            diff.check(cmd, key, by)

        @rule(key=keys, by=floats)
        def incrbyfloat(self, key, by):
            diff.check("INCRBYFLOAT", key, by)

        @rule(a=keys, b=keys, options=st.lists(st.sampled_from(
            ["IDX", "LEN", "WITHMATCHLEN", "MINMATCHLEN", "2", "x"]), max_size=3))
        def lcs(self, a, b, options):
            diff.check("LCS", a, b, *options)

        @rule(key=keys, offset=bit_offsets, bit=st.sampled_from(["0", "1", "2", "x"]))
        def setbit(self, key, offset, bit):
            diff.check("SETBIT", key, offset, bit)

        @rule(key=keys, offset=bit_offsets)
        def getbit(self, key, offset):
            diff.check("GETBIT", key, offset)

        @rule(key=keys, span=ranges)
        def bitcount(self, key, span):
            diff.check("BITCOUNT", key, *span)

        @rule(key=keys, bit=st.sampled_from(["0", "1", "2"]), span=ranges)
        def bitpos(self, key, bit, span):
            diff.check("BITPOS", key, bit, *span)

        @rule(op=st.sampled_from(["AND", "OR", "XOR", "NOT", "nand"]), dest=keys,
              sources=st.lists(keys, min_size=1, max_size=3))
        def bitop(self, op, dest, sources):
            diff.check("BITOP", op, dest, *sources)

        @rule(cmd=st.sampled_from(["BITFIELD", "BITFIELD_RO"]), key=keys, ops=field_ops)
        def bitfield(self, cmd, key, ops):
            diff.check(cmd, key, *ops)

    run_state_machine_as_test(StringMachine, settings=settings(
        max_examples=30, stateful_step_count=40, deadline=None, database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]))
