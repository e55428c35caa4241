"""ACL SETUSER with rule sequences hypothesis writes (every kind of rule, selectors, and
rules that fail), against redis-server 7.0: the reply, the user's flags, passwords, key and
channel rules (GETUSER), and what the user may run (ACL DRYRUN over commands with keys and
channels) must match."""

import hashlib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import decode

SETTINGS = settings(max_examples=120, deadline=None, derandomize=True,
                    suppress_health_check=list(HealthCheck))

_PASSWORDS = [b"p1", b"p2", b""]
_HASHES = [hashlib.sha256(p).hexdigest().encode() for p in _PASSWORDS] + [b"f" * 64, b"F" * 64,
                                                                          b"abc"]
_PATTERNS = [b"*", b"k*", b"k1", b"r[0-9]", b"", b"a?"]
_COMMANDS = [b"get", b"set", b"hset", b"config", b"config|get", b"config|set", b"client|kill",
             b"select", b"publish", b"subscribe", b"psubscribe", b"sort", b"acl|whoami",
             b"nosuch", b"get|x", b"config|get|x"]
_CATEGORIES = [b"all", b"read", b"write", b"hash", b"string", b"dangerous", b"pubsub",
               b"keyspace", b"admin", b"slow", b"fast", b"nosuch"]

_SIMPLE = st.one_of(
    st.sampled_from([b"on", b"off", b"nopass", b"resetpass", b"allkeys", b"resetkeys",
                     b"allchannels", b"resetchannels", b"allcommands", b"nocommands",
                     b"clearselectors", b"+select|0", b"+select|1", b"-select", b"ON", b"bogus"]),
    st.builds(lambda p, op: op + p, st.sampled_from(_PASSWORDS), st.sampled_from([b">", b"<"])),
    st.builds(lambda h, op: op + h, st.sampled_from(_HASHES), st.sampled_from([b"#", b"!"])),
    st.builds(lambda p, op: op + p, st.sampled_from(_PATTERNS),
              st.sampled_from([b"~", b"%R~", b"%W~", b"%RW~", b"%WR~", b"&", b"%X~"])),
    st.builds(lambda c, op: op + c, st.sampled_from(_COMMANDS), st.sampled_from([b"+", b"-"])),
    st.builds(lambda c, op: op + c, st.sampled_from(_CATEGORIES),
              st.sampled_from([b"+@", b"-@"])),
)
_SELECTOR_RULES = _SIMPLE.filter(lambda r: r.lower() not in (
    b"on", b"off", b"nopass", b"resetpass", b"clearselectors") and r[:1] not in b"<>#!")
_SELECTOR = st.lists(_SELECTOR_RULES, max_size=4).map(lambda rs: b"(" + b" ".join(rs) + b")")
_RULES = st.lists(st.one_of(_SIMPLE, _SIMPLE, _SIMPLE, _SELECTOR, st.just(b"reset")),
                  max_size=10)

# (command ...) asked with ACL DRYRUN after each SETUSER
_PROBES = [
    ("get", "k1"), ("get", "r1"), ("set", "k1", "v"), ("set", "r1", "v", "get"),
    ("hset", "a1", "f", "v"), ("config", "get", "x"), ("config", "set", "x", "y"),
    ("client", "kill", "id", "1"), ("select", "0"), ("select", "1"), ("publish", "k1", "m"),
    ("subscribe", "a1", "k9"), ("psubscribe", "k*"), ("sort", "k1"), ("mget", "k1", "r2"),
    ("acl", "whoami"), ("copy", "r1", "k2"),
]


def _view(reply: bytes):
    """GETUSER without the commands rule string (its single-command rules come in a random
    order in Redis, and which categories describe them best depends on the command set)."""
    v = decode(reply)
    if not isinstance(v, list):
        return v
    d = dict(zip(v[::2], v[1::2]))
    d.pop(b"commands")
    d[b"selectors"] = [{k: x for k, x in zip(s[::2], s[1::2]) if k != b"commands"}
                       for s in d[b"selectors"]]
    d[b"flags"] = sorted(d[b"flags"])
    return d


@SETTINGS
@given(first=_RULES, second=_RULES)
def test_setuser_sequences_against_redis(pair, first, second):
    c = pair.conn() if not pair.conns else pair.conns[0]
    c.check("ACL", "DELUSER", "h")
    for rules in (first, second):   # the second call changes an existing user
        c.check("ACL", "SETUSER", "h", *rules)
        got, want = c.both("ACL", "GETUSER", "h")
        assert _view(got) == _view(want), (rules, got, want)
        for probe in _PROBES:
            c.check("ACL", "DRYRUN", "h", *probe)
