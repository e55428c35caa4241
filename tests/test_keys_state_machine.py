"""Random sequences of keyspace commands on Strata and redis-server 7.0 side by side: every
reply must be identical (TTLs within the time that passes between the two servers)."""

import time

import hiredis
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from tests.support.raw import RawClient, maybe_int

KEYS = st.sampled_from(["a", "b", "c", "d"])
DBS = st.sampled_from(["0", "1", "2"])
VALUES = st.sampled_from(["1", "9999", "-7", "hello", "12345678901234567890", "x" * 50])


# Each run starts from a few keys, with and without TTLs, spread over three databases.
SEED = [("SELECT", "1"), ("SET", "a", "other"), ("SET", "d", "x" * 50, "PX", "2000000"),
        ("SELECT", "2"), ("SET", "b", "9999", "EX", "500"), ("SELECT", "0"), ("SET", "a", "1"),
        ("SET", "b", "hello", "EX", "1000"), ("SET", "c", "12345678901234567890")]


def _sorted(reply: bytes):
    reader = hiredis.Reader()
    reader.feed(reply)
    v = reader.gets()
    return sorted(v) if isinstance(v, list) else reply


class KeyspaceMachine(RuleBasedStateMachine):
    def __init__(self, strata, oracle):
        super().__init__()
        self.s = RawClient(strata.host, strata.port)
        self.o = RawClient(oracle.host, oracle.port)
        self.base = int(time.time()) + 100_000  # absolute expiry times both servers share
        self.db = "0"
        for c in (self.s, self.o):
            c.call("FLUSHALL")
            for cmd in SEED:
                c.call(*cmd)

    def teardown(self):
        self.s.close()
        self.o.close()

    def check(self, *args, normalize=None):
        got, want = self.s.call(*args), self.o.call(*args)
        if normalize is not None:
            got, want = normalize(got), normalize(want)
        assert got == want, "%r\n strata: %r\n redis:  %r" % (args, got, want)

    def close(self, tol, *args):
        got, want = self.s.call(*args), self.o.call(*args)
        g, w = maybe_int(got), maybe_int(want)
        assert g is not None and w is not None and abs(g - w) <= tol, (args, got, want)

    # -------------------------------------------------------------- writes
    @rule(key=KEYS, value=VALUES, opts=st.sampled_from(
        [(), ("NX",), ("XX",), ("EX", "100"), ("PX", "200000"), ("KEEPTTL",), ("GET",)]))
    def set(self, key, value, opts):
        self.check("SET", key, value, *opts)

    @rule(cmd=st.sampled_from(["DEL", "UNLINK"]), keys=st.lists(KEYS, min_size=1, max_size=3))
    def delete(self, cmd, keys):
        self.check(cmd, *keys)

    @rule(cmd=st.sampled_from(["RENAME", "RENAMENX"]), src=KEYS, dst=KEYS)
    def rename(self, cmd, src, dst):
        self.check(cmd, src, dst)

    @rule(src=KEYS, dst=KEYS, opts=st.sampled_from(
        [(), ("REPLACE",), ("DB", "1"), ("DB", "2", "REPLACE"), ("DB", "0")]))
    def copy(self, src, dst, opts):
        self.check("COPY", src, dst, *opts)

    @rule(key=KEYS, db=DBS)
    def move(self, key, db):
        self.check("MOVE", key, db)

    @rule(a=DBS, b=DBS)
    def swapdb(self, a, b):
        self.check("SWAPDB", a, b)

    @rule(db=DBS)
    def select(self, db):
        self.check("SELECT", db)
        self.db = db

    @rule(key=KEYS, cmd=st.sampled_from(["EXPIRE", "PEXPIRE"]),
          amount=st.sampled_from(["1000", "5000", "0", "-1"]),
          opts=st.sampled_from([(), ("NX",), ("XX",)]))
    def expire_relative(self, key, cmd, amount, opts):
        if cmd == "PEXPIRE" and amount != "0" and amount != "-1":
            amount += "000"
        self.check(cmd, key, amount, *opts)

    @rule(key=KEYS, ms=st.booleans(), delta=st.sampled_from([0, 100, 200, -10 ** 9]),
          opts=st.sampled_from([(), ("NX",), ("XX",), ("GT",), ("LT",), ("XX", "GT"),
                                ("XX", "LT"), ("NX", "GT")]))
    def expire_absolute(self, key, ms, delta, opts):
        when = self.base + delta
        if ms:
            self.check("PEXPIREAT", key, str(when * 1000 + 1), *opts)
        else:
            self.check("EXPIREAT", key, str(when), *opts)

    @rule(key=KEYS)
    def persist(self, key):
        self.check("PERSIST", key)

    @rule()
    def flushdb(self):
        self.check("FLUSHDB")

    # -------------------------------------------------------------- reads
    @rule(keys=st.lists(KEYS, min_size=1, max_size=3))
    def inspect(self, keys):
        self.check("EXISTS", *keys)
        self.check("TYPE", keys[0])
        self.check("OBJECT", "ENCODING", keys[0])
        self.close(1000, "PTTL", keys[0])
        self.close(1, "EXPIRETIME", keys[0])
        self.close(1000, "PEXPIRETIME", keys[0])

    @invariant()
    def same_keyspace(self):
        """Every database holds the same keys, values and TTLs."""
        for db in ("0", "1", "2"):
            self.check("SELECT", db)
            self.check("DBSIZE")
            self.check("KEYS", "*", normalize=_sorted)
            for key in _sorted(self.o.call("KEYS", "*")):
                self.check("GET", key)
                self.close(1, "TTL", key)
        self.check("SELECT", self.db)


def test_keyspace_state_machine(strata_server, oracle_server):
    run_state_machine_as_test(
        lambda: KeyspaceMachine(strata_server, oracle_server),
        settings=settings(max_examples=30, stateful_step_count=40, deadline=None))
