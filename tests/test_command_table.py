"""The command table against redis-server 7.0's COMMAND INFO: for every command and
subcommand any family declares, arity, flags, legacy key range and ACL categories must be
Redis's. The table is read when the tests are collected, so new families are covered too.
Also COMMAND COUNT / INFO / DOCS / LIST / GETKEYS as replies."""

import hiredis
import pytest

from engine.commands import TABLE
from tests.support.raw import RawClient

COMMANDS = [cmd for top in TABLE.values()
            for cmd in [top] + list((top.subcommands or {}).values())]


def decode(reply: bytes):
    if reply.startswith(b"-"):
        return reply
    reader = hiredis.Reader(encoding="utf-8", errors="surrogateescape")
    reader.feed(reply)
    return reader.gets()


@pytest.fixture(scope="module")
def oracle_info(oracle_server):
    """COMMAND INFO of every name in our table, by full name, as the oracle answers."""
    client = RawClient(oracle_server.host, oracle_server.port)
    try:
        entries = decode(client.call("COMMAND", "INFO", *[c.fullname for c in COMMANDS]))
    finally:
        client.close()
    return {cmd.fullname: entry for cmd, entry in zip(COMMANDS, entries)}


# Strata's own commands (STRATA.*) have no Redis counterpart to compare with.
REDIS_COMMANDS = [c for c in COMMANDS if not c.fullname.startswith("strata.")]


@pytest.mark.parametrize("cmd", REDIS_COMMANDS, ids=[c.fullname for c in REDIS_COMMANDS])
def test_metadata_matches_redis(cmd, oracle_info):
    entry = oracle_info[cmd.fullname]
    assert entry is not None, f"{cmd.fullname} is not a Redis 7.0 command"
    _name, arity, flags, first, last, step, categories = entry[:7]
    assert arity == cmd.arity, "arity"
    assert flags == cmd.shown_flags(), "flags"
    assert (first, last, step) == (cmd.first_key, cmd.last_key, cmd.key_step), "key range"
    assert categories == ["@" + c for c in cmd.categories], "ACL categories"


def test_command_count_is_table_size(r):
    assert r.command_count() == len(TABLE)


def test_command_lists_every_command(strata_server):
    c = RawClient(strata_server.host, strata_server.port)
    try:
        every = decode(c.call("COMMAND"))
        listed = decode(c.call("COMMAND", "LIST"))
        info_all = decode(c.call("COMMAND", "INFO"))
    finally:
        c.close()
    assert sorted(e[0] for e in every) == sorted(n.decode() for n in TABLE)
    assert every == info_all
    assert sorted(listed) == sorted(c.fullname for c in COMMANDS)


@pytest.mark.parametrize("name", ["get", "config|get", "time", "info", "lolwut", "monitor",
                                  "shutdown", "debug", "client|kill", "memory|purge"])
def test_command_info_reply(diff, name):
    diff.check("COMMAND", "INFO", name)


def test_command_info_lookups(diff):
    diff.check("COMMAND", "INFO", "nosuch")
    diff.check("COMMAND", "INFO", "get", "nosuch", "GET")
    diff.check("COMMAND", "INFO", "CONFIG|GET")
    diff.check("COMMAND", "INFO", "config|nosuch", "get|x")
    diff.check("COMMAND", "COUNT", "x")
    diff.check("COMMAND", "FOO")


def _sorted_subcommands(reply: bytes):
    entries = decode(reply)
    for e in entries:
        if e:
            e[9] = sorted(e[9])
    return entries


@pytest.mark.parametrize("name", ["config", "slowlog", "client", "command", "latency",
                                  "memory", "object"])
def test_container_info(diff, name):
    """Containers list their subcommands in dict order: compare sorted, without the
    subcommands Strata leaves to other work."""
    got, want = (_sorted_subcommands(x) for x in diff.both("COMMAND", "INFO", name))
    ours = {e[0] for e in got[0][9]}
    want[0][9] = [e for e in want[0][9] if e[0] in ours]
    assert got == want


@pytest.mark.parametrize("name", ["get", "memory|purge", "client|kill", "config|get",
                                  "debug"])
def test_command_info_resp3(diff3, name):
    diff3.check("COMMAND", "INFO", name)


def test_command_docs_resp3(diff3):
    diff3.check("COMMAND", "DOCS", "debug", "time", "nosuch")
    diff3.check("COMMAND", "GETKEYSANDFLAGS", "GET", "k")


def test_command_docs(diff):
    diff.check("COMMAND", "DOCS", "nosuch")
    diff.check("COMMAND", "DOCS", "time", "monitor", "debug")
    diff.check("COMMAND", "DOCS", "client|id", "nosuch")
    got, want = (decode(x) for x in diff.both("COMMAND", "DOCS", "config"))
    for docs in (got, want):
        subs = docs[1][docs[1].index("subcommands") + 1]
        docs[1][docs[1].index("subcommands") + 1] = sorted(
            (subs[i], subs[i + 1][:8]) for i in range(0, len(subs), 2))
    assert got == want


def test_command_list_filters(diff):
    for args in (("FILTERBY", "PATTERN", "con*"), ("filterby", "pattern", "CONFIG|G*"),
                 ("FILTERBY", "ACLCAT", "dangerous"), ("FILTERBY", "ACLCAT", "nosuch"),
                 ("FILTERBY", "MODULE", "x")):
        got, want = (decode(x) for x in diff.both("COMMAND", "LIST", *args))
        known = {c.fullname for c in COMMANDS}
        ours = [n for n in got if not n.startswith("strata.")]   # Strata's own commands
        assert sorted(ours) == sorted(n for n in want if n in known), args
    for args in (("FILTERBY",), ("FOO",), ("FILTERBY", "FOO", "x"), ("FILTERBY", "PATTERN"),
                 ("FILTERBY", "PATTERN", "x", "y")):
        diff.check("COMMAND", "LIST", *args)


def test_getkeys(diff):
    for args in (("GET", "a"), ("get", "a"), ("MSET", "a", "b", "c", "d"), ("MSET", "a", "b", "c"),
                 ("MEMORY", "USAGE", "k"), ("OBJECT", "ENCODING", "k"), ("SET", "k", "v", "EX", "1")):
        diff.check("COMMAND", "GETKEYS", *args)


def test_getkeys_errors(diff):
    diff.check("COMMAND", "GETKEYS")
    diff.check("COMMAND", "GETKEYS", "get")
    diff.check("COMMAND", "GETKEYS", "nosuch", "a")
    diff.check("COMMAND", "GETKEYS", "config", "nosuch", "x")
    diff.check("COMMAND", "GETKEYS", "config", "get", "x")
    diff.check("COMMAND", "GETKEYS", "ping", "x")
    diff.check("COMMAND", "GETKEYS", "get", "a", "b")
    diff.check("COMMAND", "GETKEYS", "set", "a")
    diff.check("COMMAND", "GETKEYSANDFLAGS", "ping", "x")
    diff.check("COMMAND", "GETKEYSANDFLAGS", "get", "a", "b")


def test_getkeysandflags(diff):
    diff.check("COMMAND", "GETKEYSANDFLAGS", "GET", "a")
    diff.check("COMMAND", "GETKEYSANDFLAGS", "GET", "a", "b")


def test_command_help(diff):
    diff.check("COMMAND", "HELP")
    diff.check("COMMAND", "HELP", "x")


def test_redis_py_command_helpers(r):
    info = r.command()
    assert info["get"]["arity"] == 2 and set(info["get"]["flags"]) == {"readonly", "fast"}
    assert [bytes(k, "ascii") if isinstance(k, str) else k
            for k in r.command_getkeys("MSET", "a", "1", "b", "2")] == [b"a", b"b"]
    assert b"get" in r.command_list()
    assert set(r.command_list(category="connection")) >= {b"ping", b"client|id"}
