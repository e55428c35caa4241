"""Key specifications against redis-server 7.0.15: COMMAND INFO of every command and
subcommand (its 9th element is the key specs) byte for byte in RESP2 and RESP3, and
COMMAND GETKEYS / GETKEYSANDFLAGS -- the key specs, the getkeys procedures of the movable
keys commands, and the error texts -- for representative argument lists."""

import pytest

from engine.commands import TABLE
from engine.commands.keyspecs import KEY_SPECS
from tests.support.diff import Differential

COMMANDS = [cmd for top in TABLE.values()
            for cmd in [top] + list((top.subcommands or {}).values())]
# Strata's own commands have no Redis counterpart; a container lists its subcommands in
# its dict's order (random in Redis): each subcommand is compared on its own instead.
COMPARED = [c.fullname for c in COMMANDS
            if not c.fullname.startswith("strata.") and not c.subcommands]


@pytest.mark.parametrize("resp", [2, 3])
def test_command_info_of_every_command(strata_server, oracle_server, resp):
    d = Differential(strata_server, oracle_server, resp)
    try:
        differ = []
        for name in COMPARED:
            got, want = d.both("COMMAND", "INFO", name)
            if got != want:
                differ.append("%s\n strata: %r\n redis:  %r" % (name, got, want))
    finally:
        d.close()
    assert not differ, "\n".join(differ)


def test_every_spec_belongs_to_a_command():
    """A misspelt name in keyspecs.py would leave its command without specs (the table
    checks the declared first/last/step against them at import); RESTORE-ASKING is the one
    Redis command with keys Strata does not have."""
    names = {c.fullname for c in COMMANDS}
    assert set(KEY_SPECS) - names == {"restore-asking"}


GETKEYS_CASES = [
    # plain ranges, steps, negative last keys
    ("GET", "a"), ("MSET", "a", "1", "b", "2"), ("MSET", "a", "1", "b"), ("DEL", "a", "b", "c"),
    ("BLPOP", "a", "b", "0"), ("LMOVE", "a", "b", "LEFT", "RIGHT"), ("COPY", "a", "b"),
    ("BITOP", "AND", "d", "a", "b"), ("PFMERGE", "d", "a", "b"), ("PFMERGE", "d"),
    ("RENAME", "a", "b"), ("SUNIONSTORE", "d", "a", "b"), ("GETEX", "a", "PERSIST"),
    ("OBJECT", "ENCODING", "a"), ("MEMORY", "USAGE", "a"), ("XINFO", "STREAM", "s"),
    ("XGROUP", "CREATE", "s", "g", "$"), ("LCS", "a", "b"), ("WATCH", "a", "b"),
    ("EXISTS", "a"), ("TOUCH", "a", "b"), ("PFCOUNT", "a", "b"), ("SMOVE", "a", "b", "m"),
    ("GEOSEARCHSTORE", "d", "s", "FROMMEMBER", "m", "BYRADIUS", "1", "km"),
    ("ZRANGESTORE", "d", "s", "0", "-1"), ("RESTORE", "a", "0", "x"),
    # variable flags (setGetKeys, bitfieldGetKeys)
    ("SET", "a", "1"), ("SET", "a", "1", "GET"), ("SET", "a", "1", "get", "EX", "5"),
    ("SET", "a", "1", "GETX"), ("BITFIELD", "a", "GET", "u8", "0"),
    ("BITFIELD", "a", "GET", "u8", "0", "OVERFLOW", "SAT"),
    ("BITFIELD", "a", "SET", "u8", "0", "1"),
    ("BITFIELD", "a", "INCRBY", "u8", "0", "1"), ("BITFIELD", "a", "GET", "u8"),
    ("BITFIELD", "a"), ("BITFIELD", "a", "FOO"), ("BITFIELD_RO", "a", "GET", "u8", "0"),
    # keynum specs and their procedures' fallback
    ("ZUNIONSTORE", "d", "2", "a", "b"), ("ZUNIONSTORE", "d", "2", "a", "b", "WEIGHTS", "1", "2"),
    ("ZUNIONSTORE", "d", "3", "a", "b"), ("ZUNIONSTORE", "d", "0", "a"),
    ("ZUNIONSTORE", "d", "-1", "a"), ("ZUNIONSTORE", "d", "1x", "a"),
    ("ZUNIONSTORE", "d", "01", "a"), ("ZUNIONSTORE", "d", " 1", "a"),
    ("ZUNIONSTORE", "d", "+1", "a"), ("ZUNIONSTORE", "d", "x", "a"),
    ("ZINTERSTORE", "d", "1", "a"), ("ZDIFFSTORE", "d", "2", "a", "b"),
    ("ZUNION", "2", "a", "b"), ("ZINTER", "1", "a", "WITHSCORES"), ("ZDIFF", "3", "a", "b"),
    ("ZDIFF", "2x", "a", "b"), ("ZINTERCARD", "2", "a", "b", "LIMIT", "1"),
    ("ZINTERCARD", "0", "a"), ("SINTERCARD", "2", "a", "b"), ("SINTERCARD", "3", "a", "b"),
    ("SINTERCARD", "1 ", "a"),
    ("EVAL", "return 1", "0"), ("EVAL", "return 1", "2", "a", "b", "c"),
    ("EVAL", "return 1", "3", "a", "b"), ("EVAL", "return 1", "-1"),
    ("EVAL", "return 1", "1abc", "a"), ("EVALSHA", "x" * 40, "1", "a"),
    ("EVAL_RO", "return 1", "1", "a"), ("EVALSHA_RO", "x", "2", "a", "b"),
    ("FCALL", "f", "1", "a", "b"), ("FCALL", "f", "0"), ("FCALL_RO", "f", "2", "a", "b"),
    ("LMPOP", "2", "a", "b", "LEFT"), ("LMPOP", "1", "a", "LEFT", "COUNT", "2"),
    ("LMPOP", "3", "a", "LEFT"), ("BLMPOP", "0", "2", "a", "b", "RIGHT"),
    ("BLMPOP", "0", "0", "a", "RIGHT"), ("ZMPOP", "1", "a", "MIN"),
    ("ZMPOP", "2", "a", "b", "MAX", "COUNT", "3"), ("BZMPOP", "1", "1", "a", "MIN"),
    ("BZMPOP", "1", "5", "a", "MIN"),
    # keyword specs and procedures
    ("SORT", "a"), ("SORT", "a", "STORE", "d"), ("SORT", "a", "BY", "w_*", "GET", "#"),
    ("SORT", "a", "LIMIT", "0", "1", "STORE", "d", "STORE", "e"), ("SORT", "a", "STORE"),
    ("SORT", "a", "GET", "STORE", "d"), ("SORT", "a", "store\x00x", "d"),
    ("SORT_RO", "a", "BY", "b"), ("SORT_RO", "a", "STORE", "d"),
    ("MIGRATE", "h", "1", "a", "0", "5"), ("MIGRATE", "h", "1", "", "0", "5", "KEYS", "a", "b"),
    ("MIGRATE", "h", "1", "x", "0", "5", "KEYS", "a", "b"),
    ("MIGRATE", "h", "1", "", "0", "5", "COPY", "REPLACE", "AUTH", "p", "KEYS", "a"),
    ("MIGRATE", "h", "1", "", "0", "5", "AUTH2", "keys", "p", "KEYS", "a"),
    ("MIGRATE", "h", "1", "", "0", "5", "AUTH", "KEYS", "KEYS", "a"),
    ("MIGRATE", "h", "1", "", "0", "5", "KEYS"),
    ("GEORADIUS", "s", "0", "0", "1", "km"), ("GEORADIUS", "s", "0", "0", "1", "km", "STORE", "d"),
    ("GEORADIUS", "s", "0", "0", "1", "km", "STOREDIST", "d", "STORE", "e"),
    ("GEORADIUS", "s", "0", "0", "1", "km", "STORE"), ("GEORADIUS_RO", "s", "0", "0", "1", "km"),
    ("GEORADIUSBYMEMBER", "s", "m", "1", "km", "STORE", "d"),
    ("GEORADIUSBYMEMBER", "s", "m", "1", "km", "STORE", "d", "STOREDIST", "e"),
    ("XREAD", "STREAMS", "a", "b", "0", "0"), ("XREAD", "COUNT", "1", "BLOCK", "0", "STREAMS",
                                               "a", "0"),
    ("XREAD", "STREAMS", "a", "b", "0"), ("XREAD", "STREAMS", "streams", "0"),
    ("XREAD", "FOO", "STREAMS", "a", "0"), ("XREAD", "COUNT", "STREAMS", "STREAMS", "a", "0"),
    ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "a", "0"),
    ("XREADGROUP", "GROUP", "g", "c", "NOACK", "STREAMS", "a", "b", ">", ">"),
    ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "a"),
    # errors: unknown command, no keys, arity, bad arguments
    ("NOSUCH", "a"), ("PING",), ("CONFIG", "GET", "x"), ("CONFIG",), ("GET",), ("GET", "a", "b"),
    ("SPUBLISH", "c", "m"), ("SSUBSCRIBE", "c"), ("PUBLISH", "c", "m"), ("OBJECT", "NOSUCH", "a"),
]


@pytest.mark.parametrize("sub", ["GETKEYS", "GETKEYSANDFLAGS"])
def test_getkeys(diff, sub):
    for args in GETKEYS_CASES:
        diff.check("COMMAND", sub, *args)


def test_getkeysandflags_resp3(diff3):
    for args in GETKEYS_CASES:
        diff3.check("COMMAND", "GETKEYSANDFLAGS", *args)
