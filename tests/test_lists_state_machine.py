"""Random sequences of list commands, valid and not, over a small key space (one key of
another type now and then), sent to Strata and to redis-server 7.0: every raw reply must be
identical. Blocking variants run with data, in MULTI, or with a 10 ms timeout."""

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, rule, run_state_machine_as_test

LLONG_MAX, LLONG_MIN = str(2 ** 63 - 1), str(-(2 ** 63))

keys = st.sampled_from(["a", "b", "c"])
values = st.sampled_from(["x", "y", "z", "", "1", "x" * 70])
elements = st.lists(values, min_size=1, max_size=5)
indexes = st.one_of(st.integers(-8, 8).map(str), st.sampled_from([LLONG_MAX, LLONG_MIN, "x"]))
sides = st.sampled_from(["LEFT", "RIGHT", "left", "UP"])
counts = st.one_of(st.integers(-3, 6).map(str), st.sampled_from(["x", LLONG_MAX]))
lpos_options = st.lists(st.sampled_from([
    ("RANK", "1"), ("RANK", "-1"), ("RANK", "2"), ("RANK", "-3"), ("RANK", "0"),
    ("COUNT", "0"), ("COUNT", "2"), ("COUNT", "-1"), ("MAXLEN", "2"), ("MAXLEN", "0"),
    ("RANK", LLONG_MIN), ("MAXLEN",), ("BOGUS", "1"),
]), max_size=3).map(lambda opts: [w for opt in opts for w in opt])
timeouts = st.sampled_from(["0.01", "0.01", "-1", "x"])


def test_lists_state_machine(diff):
    class ListMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            diff.check("FLUSHALL")

        @rule(cmd=st.sampled_from(["LPUSH", "RPUSH", "LPUSHX", "RPUSHX"]), key=keys,
              items=elements)
        def push(self, cmd, key, items):
            diff.check(cmd, key, *items)

        @rule(cmd=st.sampled_from(["LPOP", "RPOP"]), key=keys,
              count=st.one_of(st.none(), counts))
        def pop(self, cmd, key, count):
            diff.check(cmd, key, *([] if count is None else [count]))

        @rule(key=keys, start=indexes, end=indexes)
        def lrange(self, key, start, end):
            diff.check("LRANGE", key, start, end)

        @rule(key=keys, start=indexes, end=indexes)
        def ltrim(self, key, start, end):
            diff.check("LTRIM", key, start, end)

        @rule(cmd=st.sampled_from(["LLEN", "TYPE", "EXISTS"]), key=keys)
        def read(self, cmd, key):
            diff.check(cmd, key)

        @rule(key=keys, index=indexes)
        def lindex(self, key, index):
            diff.check("LINDEX", key, index)

        @rule(key=keys, index=indexes, value=values)
        def lset(self, key, index, value):
            diff.check("LSET", key, index, value)

        @rule(key=keys, where=st.sampled_from(["BEFORE", "after", "x"]), pivot=values,
              value=values)
        def linsert(self, key, where, pivot, value):
            diff.check("LINSERT", key, where, pivot, value)

        @rule(key=keys, value=values, options=lpos_options)
        def lpos(self, key, value, options):
            diff.check("LPOS", key, value, *options)

        @rule(key=keys, count=counts, value=values)
        def lrem(self, key, count, value):
            diff.check("LREM", key, count, value)

        @rule(src=keys, dst=keys, wherefrom=sides, whereto=sides)
        def lmove(self, src, dst, wherefrom, whereto):
            diff.check("LMOVE", src, dst, wherefrom, whereto)

        @rule(src=keys, dst=keys)
        def rpoplpush(self, src, dst):
            diff.check("RPOPLPUSH", src, dst)

        @rule(cmd_keys=st.lists(keys, min_size=1, max_size=3), side=sides,
              count=st.one_of(st.none(), counts))
        def lmpop(self, cmd_keys, side, count):
            extra = [] if count is None else ["COUNT", count]
            diff.check("LMPOP", str(len(cmd_keys)), *cmd_keys, side, *extra)

        @rule(cmd=st.sampled_from(["BLPOP", "BRPOP"]), cmd_keys=st.lists(keys, min_size=1,
              max_size=3), timeout=timeouts)
        def bpop(self, cmd, cmd_keys, timeout):
            diff.check(cmd, *cmd_keys, timeout)

        @rule(src=keys, dst=keys, wherefrom=sides, whereto=sides, timeout=timeouts)
        def blmove(self, src, dst, wherefrom, whereto, timeout):
            diff.check("BLMOVE", src, dst, wherefrom, whereto, timeout)

        @rule(cmd_keys=st.lists(keys, min_size=1, max_size=2), side=sides, timeout=timeouts,
              count=st.one_of(st.none(), counts))
        def blmpop(self, cmd_keys, side, timeout, count):
            extra = [] if count is None else ["COUNT", count]
            diff.check("BLMPOP", timeout, str(len(cmd_keys)), *cmd_keys, side, *extra)

        @rule(key=keys, src=keys, dst=keys, items=elements)
        def transaction(self, key, src, dst, items):
            for cmd in [("MULTI",), ("BLPOP", src, "0"), ("RPUSH", key, *items),
                        ("BLMOVE", src, dst, "RIGHT", "LEFT", "0"), ("LRANGE", key, "0", "-1"),
                        ("EXEC",)]:
                diff.check(*cmd)

        @rule(key=keys)
        def other_type(self, key):
            diff.check("SET", key, "string")

        @rule(key=keys)
        def delete(self, key):
            diff.check("DEL", key)

    run_state_machine_as_test(ListMachine, settings=settings(
        max_examples=30, stateful_step_count=40, deadline=None, database=None,
        suppress_health_check=list(HealthCheck)))
