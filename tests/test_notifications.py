"""Keyspace notifications against redis-server 7.0: the notify-keyspace-events option
(parsing, its canonical form in CONFIG GET, errors) and the __keyspace@/__keyevent@
messages that string and generic commands raise, compared byte for byte per flag set."""

import random
import time

import pytest

from engine import Engine
from engine.config import ConfigError
from engine.notifications import ALL, NEW, flags_from_string, flags_to_string
from tests.support.diff import Differential
from tests.support.raw import encode_command

OPTION = "notify-keyspace-events"


@pytest.fixture(params=[2, 3], ids=["resp2", "resp3"])
def d(request, strata_server, oracle_server):
    """A differential pair that leaves notifications off on both servers afterwards."""
    pair = Differential(strata_server, oracle_server, resp=request.param)
    yield pair
    pair.both("CONFIG", "SET", OPTION, "")
    pair.close()


# ------------------------------------------------------------------ the option
@pytest.mark.parametrize("value", ["", "KEA", "A", "g", "KEAm", "AKEmn", "Ag", "xK", "EK",
                                   "$lshzxetd", "$lshzxetdn", "d", "m", "n", "ng", "nmKE",
                                   "gA", "KA$", "KKgg", "Ke", "KEt"])
def test_config_round_trip(d, value):
    d.check("CONFIG", "SET", OPTION, value)
    d.check("CONFIG", "GET", OPTION)


@pytest.mark.parametrize("value", ["Q", "KEAQ", "k", "a", " ", "KE "])
def test_config_invalid(d, value):
    d.check("CONFIG", "SET", OPTION, "KE")
    d.check("CONFIG", "SET", OPTION, value)
    d.check("CONFIG", "GET", OPTION)   # unchanged


def test_config_random_sets(d):
    rng = random.Random(7)
    letters = "Ag$lshzxeKEtmdn"
    for _ in range(40):
        value = "".join(rng.choice(letters) for _ in range(rng.randint(0, 8)))
        d.check("CONFIG", "SET", OPTION, value)
        d.check("CONFIG", "GET", OPTION)
    d.check("CONFIG", "SET", OPTION, "K", "E")
    d.check("CONFIG", "GET", "notify-*")


def test_flags_to_string_round_trips():
    for text in ("", "AKE", "gn", "nKEm", "$lshzxetdn"):
        assert flags_to_string(flags_from_string(text)) == text
    assert flags_from_string("A") == ALL
    assert flags_to_string(ALL | NEW) == "A"  # 'n' beside 'A' is set but not shown
    with pytest.raises(ConfigError):
        flags_from_string("KEX")


def test_startup_option():
    eng = Engine(notify_keyspace_events="KEA")
    assert eng.execute("CONFIG", "GET", OPTION) == {b"notify-keyspace-events": b"AKE"}
    sub = eng.client(3)
    eng.call(sub, [b"PSUBSCRIBE", b"*"])
    eng.execute("SET", "k", "v")
    assert sub.pending_out[1:] == [[b"pmessage", b"*", b"__keyspace@0__:k", b"set"],
                                   [b"pmessage", b"*", b"__keyevent@0__:set", b"k"]]
    with pytest.raises(ConfigError):
        Engine(notify_keyspace_events="KEZ")


# ------------------------------------------------------------------ the events
SCRIPT = [
    ("SET", "k", "v"), ("SET", "k", "v2"), ("APPEND", "k", "x"), ("APPEND", "ap", "x"),
    ("INCR", "n"), ("INCRBY", "n", "5"), ("DECR", "n"), ("DECRBY", "n", "2"),
    ("INCRBYFLOAT", "f", "1.5"), ("SETRANGE", "k", "1", "zz"), ("SETNX", "k", "no"),
    ("SETNX", "nx", "yes"), ("MSET", "m1", "1", "m2", "2"), ("GETSET", "m1", "3"),
    ("GET", "k"), ("GET", "missing"), ("MGET", "k", "nope1", "nope2"), ("STRLEN", "nope"),
    ("EXISTS", "nope"), ("TYPE", "nope"), ("TTL", "nope"),
    ("GETDEL", "m2"), ("GETDEL", "m2"), ("GETEX", "m1", "EX", "100"),
    ("EXPIRE", "k", "100"), ("PEXPIRE", "k", "200000"), ("PERSIST", "k"),
    ("RENAME", "k", "k2"), ("RENAMENX", "k2", "ap"), ("RENAMENX", "k2", "k3"),
    ("EXPIRE", "k3", "-1"), ("DEL", "n", "nope", "f"), ("UNLINK", "nx"),
    ("SET", "px", "1", "PX", "1"), ("SLEEP",), ("GET", "px"),
    ("SET", b"bin\x00\xff", "v"), ("DEL", b"bin\x00\xff"),
    ("SELECT", "3"), ("SET", "k", "v"), ("INCR", "k"), ("SELECT", "0"),
    ("COPY", "m1", "c1"), ("MOVE", "c1", "5"), ("SET", "k", "v", "GET"),
    ("SET", "k", "v", "XX", "KEEPTTL"), ("SET", "new", "v", "NX", "EX", "10"),
]


@pytest.mark.parametrize("flags", ["KEA", "AKEmn", "K$", "Eg", "Ex", "KEm", "KEn", "E", "K",
                                   "A", "gK", "Eg$n"])
def test_events_match_redis(d, flags):
    sub = d.pair()
    for client in sub:
        client.call("PSUBSCRIBE", "*")
    d.check("CONFIG", "SET", OPTION, flags)
    for cmd in SCRIPT:
        if cmd[0] == "SLEEP":
            time.sleep(0.05)
        else:
            d.check(*cmd)
    got, want = sub[0].read_available(0.2), sub[1].read_available(0.2)
    assert got == want


def test_keyevent_channel_subscription(d):
    sub = d.pair()
    for client in sub:
        client.call("SUBSCRIBE", "__keyevent@0__:del", "__keyspace@0__:a")
        client.read_reply()
    d.check("CONFIG", "SET", OPTION, "KEg$")
    d.check_all([("SET", "a", "1"), ("SET", "b", "1"), ("DEL", "a", "b"), ("EXPIRE", "a", "5")])
    got, want = sub[0].read_available(0.2), sub[1].read_available(0.2)
    assert got == want


def test_resp3_own_notification_precedes_the_reply(diff3):
    p = (diff3.s, diff3.o)
    diff3.check("CONFIG", "SET", OPTION, "KEA")
    try:
        data = b"".join(encode_command(c) for c in (
            ["SUBSCRIBE", "__keyevent@0__:set", "__keyspace@0__:k"], ["SET", "k", "v"],
            ["DEL", "k"], ["INCR", "k"], ["GET", "k"]))
        for client in p:
            client.send(data)
        got = [p[0].read_reply() for _ in range(10)]
        want = [p[1].read_reply() for _ in range(10)]
        assert got == want
        assert p[0].read_available(0.1) == p[1].read_available(0.1) == b""
    finally:
        diff3.both("CONFIG", "SET", OPTION, "")


def test_active_expiry_notifies(d):
    sub = d.pair()
    for client in sub:
        client.call("SUBSCRIBE", "__keyevent@0__:expired")
    d.check("CONFIG", "SET", OPTION, "Ex")
    d.check("SET", "gone", "1", "PX", "20")
    time.sleep(0.5)   # nobody reads it: the active expire cycle deletes it
    got, want = sub[0].read_available(0.3), sub[1].read_available(0.3)
    assert got == want
    assert b"gone" in want
