"""Pub/Sub against redis-server 7.0: subscription confirmations, messages and PUBSUB
introspection compared byte for byte (RESP2 arrays, RESP3 pushes), subscribed-mode rules,
shard channels, cleanup on disconnect and RESET; then redis-py's PubSub (sync, threaded,
asyncio) on Strata.

Redis iterates hash tables for UNSUBSCRIBE without arguments, PUBSUB CHANNELS and the
pattern fan-out, so where several entries are involved their order is compared sorted.
"""

import asyncio
import threading
import time

import hiredis
import pytest

from tests.support.diff import Differential
from tests.support.raw import encode_command


@pytest.fixture(params=[2, 3], ids=["resp2", "resp3"])
def d(request, strata_server, oracle_server):
    """The differential pair in each protocol version."""
    pair = Differential(strata_server, oracle_server, resp=request.param)
    yield pair
    pair.close()


def send(pair, *commands):
    data = b"".join(encode_command(c) for c in commands)
    for client in pair:
        client.send(data)


def same(pair, n):
    """Read ``n`` replies from each side; they must be byte-identical."""
    got = [pair[0].read_reply() for _ in range(n)]
    want = [pair[1].read_reply() for _ in range(n)]
    assert got == want, f"\n strata: {got!r}\n redis:  {want!r}"
    return want


def quiet(pair):
    """Nothing more arrives on either side."""
    assert pair[0].read_available(0.1) == b""
    assert pair[1].read_available(0.1) == b""


def decode(raw):
    reader = hiredis.Reader()
    reader.feed(raw)
    out = []
    while True:
        v = reader.gets()
        if v is False:
            return out
        out.append(v)


def unordered(pair, n):
    """``n`` replies whose order follows a hash table: same kinds and counts in sequence,
    same entries as a set."""
    got = [decode(pair[0].read_reply())[0] for _ in range(n)]
    want = [decode(pair[1].read_reply())[0] for _ in range(n)]
    assert [(r[0], r[2]) for r in got] == [(r[0], r[2]) for r in want]
    assert sorted(r[1] for r in got) == sorted(r[1] for r in want)


def until(fn, timeout=2.0):
    deadline = time.time() + timeout
    while not fn():
        assert time.time() < deadline, "condition not reached"
        time.sleep(0.01)


# ------------------------------------------------------------------ confirmations
def test_subscribe_unsubscribe_sequence(d):
    p = (d.s, d.o)
    send(p, ["SUBSCRIBE", "a", "b", "a"])
    same(p, 3)
    send(p, ["PSUBSCRIBE", "p*", "p*", "q?"])
    same(p, 3)
    send(p, ["UNSUBSCRIBE", "a", "nosuch", "a"])
    same(p, 3)
    send(p, ["PUNSUBSCRIBE", "q?"])
    same(p, 1)
    send(p, ["SUBSCRIBE", "c"], ["PUNSUBSCRIBE"], ["UNSUBSCRIBE", "b"])
    same(p, 3)
    send(p, ["PING"], ["PING", "hi"], ["UNSUBSCRIBE"], ["PING"])
    same(p, 4)
    quiet(p)


def test_unsubscribe_with_nothing_subscribed(d):
    p = (d.s, d.o)
    send(p, ["UNSUBSCRIBE"], ["PUNSUBSCRIBE"], ["SUNSUBSCRIBE"], ["UNSUBSCRIBE", "x", "y"],
         ["PUNSUBSCRIBE", "x*"], ["SUNSUBSCRIBE", "x"], ["GET", "k"])
    same(p, 8)
    quiet(p)


def test_unsubscribe_all_order_is_unspecified(d):
    p = (d.s, d.o)
    send(p, ["SUBSCRIBE", "a", "b", "c", "d"])
    same(p, 4)
    send(p, ["UNSUBSCRIBE"])
    unordered(p, 4)
    send(p, ["SSUBSCRIBE", "a", "b", "c"])
    same(p, 3)
    send(p, ["SUNSUBSCRIBE"])
    unordered(p, 3)
    # patterns are kept in subscription order
    send(p, ["PSUBSCRIBE", "z*", "a*", "m*"], ["PUNSUBSCRIBE"], ["PING"])
    same(p, 7)
    quiet(p)


def test_arity_and_binary_names(d):
    d.check("SUBSCRIBE")
    d.check("PSUBSCRIBE")
    d.check("SSUBSCRIBE")
    d.check("PUBLISH", "a")
    d.check("SPUBLISH", "a", "b", "c")
    p = (d.s, d.o)
    send(p, ["SUBSCRIBE", b"\x00\xff\r\n", ""], ["PSUBSCRIBE", b"*\x00"])
    same(p, 3)


# ------------------------------------------------------------------ messages
def test_publish_counts_and_messages(d):
    a, b, c = d.pair(), d.pair(), d.pair()
    send(a, ["SUBSCRIBE", "news", "other"])
    same(a, 2)
    send(b, ["PSUBSCRIBE", "n*"])
    same(b, 1)
    send(c, ["SUBSCRIBE", "news"], ["PSUBSCRIBE", "*"])
    same(c, 2)
    d.check("PUBLISH", "news", "hello")          # 4 deliveries
    d.check("PUBLISH", "other", "")
    d.check("PUBLISH", "nothing", b"\x00bin\xff")
    d.check("PUBLISH", "zzz", "x")
    same(a, 2)
    same(b, 2)
    same(c, 5)   # its channel message first, then its pattern's
    for pair in (a, b, c):
        quiet(pair)


def test_pattern_matching(d):
    patterns = ["h?llo", "h*llo", "h[ae]llo", "h[^e]llo", "h[a-b]llo", "h\\*llo", "*",
                "[", "x[", "\\", "a*b*c"]
    subs = []
    for pat in patterns:
        pair = d.pair()
        send(pair, ["PSUBSCRIBE", pat])
        same(pair, 1)
        subs.append(pair)
    channels = ["hello", "hallo", "hxllo", "hllo", "heeeello", "h*llo", "[", "x[", "\\",
                "abc", "aXbYc", "ab", "HELLO", ""]
    for ch in channels:
        d.check("PUBLISH", ch, "m")
    for pair in subs:
        got, want = pair[0].read_available(0.1), pair[1].read_available(0.1)
        assert got == want


def test_several_patterns_of_one_client(d):
    sub = d.pair()
    send(sub, ["PSUBSCRIBE", "a*", "*b", "ab"], ["SUBSCRIBE", "ab"])
    same(sub, 4)
    d.check("PUBLISH", "ab", "m")
    # the channel message comes first; the pattern ones follow in hash-table order
    same(sub, 1)
    unordered_messages = [decode(sub[i].read_available(0.2)) for i in (0, 1)]
    assert sorted(unordered_messages[0]) == sorted(unordered_messages[1])
    assert len(unordered_messages[1]) == 3


def test_resp3_client_gets_its_own_messages_in_order(diff3):
    p = (diff3.s, diff3.o)
    send(p, ["SUBSCRIBE", "a"], ["PSUBSCRIBE", "a*"], ["PUBLISH", "a", "1"], ["SET", "k", "v"],
         ["PUBLISH", "b", "2"], ["GET", "k"], ["PING"], ["PUBLISH", "a", "3"], ["ECHO", "e"])
    same(p, 13)
    quiet(p)


def test_resp3_subscribed_client_runs_anything(diff3):
    p = (diff3.s, diff3.o)
    send(p, ["SSUBSCRIBE", "s"], ["GET", "x"], ["CONFIG", "GET", "maxmemory"],
         ["PUBSUB", "NUMSUB", "s"], ["PUBSUB", "SHARDNUMSUB", "s"], ["SPUBLISH", "s", "m"],
         ["SUNSUBSCRIBE", "s"], ["PING"])
    same(p, 9)
    quiet(p)


# ------------------------------------------------------------------ RESP2 subscribed mode
def test_resp2_subscribed_mode_restrictions(diff):
    p = (diff.s, diff.o)
    send(p, ["SUBSCRIBE", "a"], ["GET", "x"], ["CONFIG", "GET", "maxmemory"],
         ["PUBSUB", "NUMPAT"], ["PUBLISH", "a", "m"], ["HELLO", "3"], ["MULTI"],
         ["PING"], ["PING", "x"], ["PSUBSCRIBE", "q"], ["SSUBSCRIBE", "s"], ["NOSUCH"],
         ["PING", "a", "b"], ["GET"])
    same(p, 14)
    # a shard subscription alone keeps the client in Pub/Sub mode
    send(p, ["UNSUBSCRIBE"], ["PUNSUBSCRIBE"], ["GET", "x"], ["PING"], ["SUNSUBSCRIBE"],
         ["GET", "x"], ["PING"])
    same(p, 7)
    quiet(p)


def test_reset_leaves_pubsub_mode(d):
    p = (d.s, d.o)
    send(p, ["SUBSCRIBE", "a", "b"], ["PSUBSCRIBE", "x*"], ["SSUBSCRIBE", "s"], ["RESET"],
         ["PING"], ["GET", "k"], ["UNSUBSCRIBE"], ["PUBSUB", "NUMSUB", "a", "b"],
         ["PUBSUB", "SHARDNUMSUB", "s"], ["PUBLISH", "xx", "m"])
    same(p, 11)
    quiet(p)


def test_multi_exec(d):
    p = (d.s, d.o)
    send(p, ["MULTI"], ["SUBSCRIBE", "q"], ["PSUBSCRIBE", "r"], ["SSUBSCRIBE", "s"],
         ["UNSUBSCRIBE"], ["EXEC"], ["PING"])
    same(p, 7)
    quiet(p)


def test_client_reply_off_still_sends_pushes(d):
    p = (d.s, d.o)
    send(p, ["CLIENT", "REPLY", "OFF"], ["SUBSCRIBE", "a", "b"])
    same(p, 2)
    for client in d.pair():
        client.call("PUBLISH", "a", "x")
    same(p, 1)
    send(p, ["CLIENT", "REPLY", "ON"], ["PING"])
    if d.resp == 3:
        same(p, 2)
    quiet(p)  # RESP2: CLIENT is refused in Pub/Sub mode, and that error is not sent either


# ------------------------------------------------------------------ shard channels
def test_shard_channels_are_their_own_namespace(d):
    sub, psub = d.pair(), d.pair()
    send(sub, ["SSUBSCRIBE", "s1", "s2", "s1"], ["SUBSCRIBE", "s1"])
    same(sub, 4)
    send(psub, ["PSUBSCRIBE", "*"])
    same(psub, 1)
    d.check("SPUBLISH", "s1", "shard")
    d.check("SPUBLISH", "nobody", "x")
    d.check("PUBLISH", "s2", "plain")
    d.check("PUBLISH", "s1", "plain")
    same(sub, 2)
    same(psub, 2)
    send(sub, ["SUNSUBSCRIBE", "s1", "zz"], ["UNSUBSCRIBE", "s1"], ["SUNSUBSCRIBE"])
    same(sub, 4)
    d.check("SPUBLISH", "s2", "gone")
    quiet(sub)


# ------------------------------------------------------------------ PUBSUB
def _settled(d):
    """Wait for both servers to have dropped the subscriptions of earlier tests."""
    def idle(client):
        return (client.call("PUBSUB", "NUMPAT") == b":0\r\n"
                and client.call("PUBSUB", "CHANNELS") == b"*0\r\n"
                and client.call("PUBSUB", "SHARDCHANNELS") == b"*0\r\n")

    until(lambda: idle(d.s) and idle(d.o))


def test_pubsub_introspection(d):
    _settled(d)
    a, b = d.pair(), d.pair()
    send(a, ["SUBSCRIBE", "news.tech", "news.art", "weather"], ["PSUBSCRIBE", "n*", "w*"],
         ["SSUBSCRIBE", "sh1", "sh2"])
    same(a, 7)
    send(b, ["SUBSCRIBE", "news.tech"], ["PSUBSCRIBE", "n*", "x*"], ["SSUBSCRIBE", "sh1"])
    same(b, 4)
    for args in (["CHANNELS"], ["CHANNELS", "news.*"], ["CHANNELS", "*[th]*"],
                 ["SHARDCHANNELS"], ["SHARDCHANNELS", "*2"]):
        got, want = d.both("PUBSUB", *args)
        assert sorted(decode(got)[0]) == sorted(decode(want)[0]), args
    d.check("PUBSUB", "CHANNELS", "nomatch*")
    d.check("PUBSUB", "NUMSUB")
    d.check("PUBSUB", "NUMSUB", "news.tech", "news.art", "nosuch", "sh1", "news.tech")
    d.check("PUBSUB", "SHARDNUMSUB", "sh1", "sh2", "news.tech")
    d.check("PUBSUB", "SHARDNUMSUB")
    d.check("PUBSUB", "NUMPAT")
    send(b, ["PUNSUBSCRIBE", "n*"])
    same(b, 1)
    d.check("PUBSUB", "NUMPAT")
    send(b, ["PUNSUBSCRIBE", "x*"])
    same(b, 1)
    d.check("PUBSUB", "NUMPAT")


def test_pubsub_help_and_errors(d):
    for args in (["HELP"], ["help"], ["HELP", "x"], ["CHANNELS", "a", "b"],
                 ["shardchannels", "a", "b"], ["NUMPAT", "x"], ["Foo"], []):
        d.check("PUBSUB", *args)
    d.check("pubsub", "channels", "a", "b")


def test_disconnect_drops_subscriptions(d):
    _settled(d)
    sub = d.pair()
    send(sub, ["SUBSCRIBE", "gone"], ["PSUBSCRIBE", "g*"], ["SSUBSCRIBE", "sg"])
    same(sub, 3)
    d.check("PUBSUB", "NUMSUB", "gone")
    for client in sub:
        client.close()
    until(lambda: d.both("PUBSUB", "NUMPAT") == (b":0\r\n", b":0\r\n"))
    d.check("PUBSUB", "NUMSUB", "gone")
    d.check("PUBSUB", "SHARDNUMSUB", "sg")
    d.check("PUBLISH", "gone", "x")
    d.check("SPUBLISH", "sg", "x")


def test_command_info(diff):
    diff.check("COMMAND", "INFO", "subscribe", "psubscribe", "unsubscribe", "punsubscribe",
               "publish", "pubsub|numpat", "pubsub|help")


# ------------------------------------------------------------------ in-process
def test_engine_pubsub_embedded(engine):
    sub = engine.client(3)
    engine.call(sub, [b"SUBSCRIBE", b"a"])
    assert engine.execute("PUBLISH", "a", "m") == 1
    assert sub.pending_out == [[b"subscribe", b"a", 1], [b"message", b"a", b"m"]]
    sub.close()
    assert engine.execute("PUBSUB", "NUMSUB", "a") == [b"a", 0]
    assert engine.pubsub.channels == {}


# ------------------------------------------------------------------ redis-py
def test_redis_py_pubsub(r):
    p = r.pubsub()
    p.subscribe("ch1", "ch2")
    p.psubscribe("p.*")
    for _ in range(3):
        assert p.get_message(timeout=1)["type"] in ("subscribe", "psubscribe")
    assert r.publish("ch1", "hello") == 1
    assert r.publish("p.x", "world") == 1
    msg = p.get_message(timeout=1)
    assert (msg["type"], msg["channel"], msg["data"]) == ("message", b"ch1", b"hello")
    msg = p.get_message(timeout=1)
    assert (msg["type"], msg["pattern"], msg["channel"], msg["data"]) == \
        ("pmessage", b"p.*", b"p.x", b"world")
    assert r.pubsub_numsub("ch1", "nope") == [(b"ch1", 1), (b"nope", 0)]
    assert r.pubsub_numpat() == 1
    assert sorted(r.pubsub_channels()) == [b"ch1", b"ch2"]
    p.unsubscribe()
    p.punsubscribe()
    p.close()
    until(lambda: r.pubsub_numpat() == 0)


def test_redis_py_listen(r):
    p = r.pubsub(ignore_subscribe_messages=True)
    p.subscribe("l")

    def publisher():
        time.sleep(0.05)
        for i in range(3):
            r.publish("l", str(i))
        r.publish("l", "stop")

    t = threading.Thread(target=publisher)
    t.start()
    got = []
    for msg in p.listen():
        if msg["type"] != "message":
            continue
        if msg["data"] == b"stop":
            break
        got.append(msg["data"])
    t.join()
    p.close()
    assert got == [b"0", b"1", b"2"]


def test_redis_py_run_in_thread(r):
    got = []
    done = threading.Event()

    def handler(msg):
        got.append(msg["data"])
        if len(got) == 2:
            done.set()

    p = r.pubsub()
    p.psubscribe(**{"t.*": handler})
    worker = p.run_in_thread(sleep_time=0.01, daemon=True)
    until(lambda: r.pubsub_numpat() == 1)
    r.publish("t.a", "1")
    r.publish("t.b", "2")
    assert done.wait(2)
    worker.stop()
    worker.join(2)
    p.close()
    assert got == [b"1", b"2"]


def test_redis_py_resp3_pubsub(strata_server):
    import redis
    client = redis.Redis(host="127.0.0.1", port=strata_server.port, protocol=3)
    try:
        p = client.pubsub()
        p.subscribe("r3")
        assert p.get_message(timeout=1)["type"] == "subscribe"
        assert client.publish("r3", "x") == 1
        msg = p.get_message(timeout=1)
        assert (msg["type"], msg["data"]) == ("message", b"x")
        p.close()
    finally:
        client.close()


def test_redis_py_asyncio_pubsub(strata_server):
    import redis.asyncio as aioredis

    async def main():
        client = aioredis.Redis(host="127.0.0.1", port=strata_server.port)
        p = client.pubsub()
        await p.subscribe("aio")
        await p.psubscribe("ai*")
        kinds = [(await p.get_message(timeout=1))["type"] for _ in range(2)]
        assert kinds == ["subscribe", "psubscribe"]
        assert await client.publish("aio", "hi") == 2
        msgs = [await p.get_message(timeout=1) for _ in range(2)]
        assert [(m["type"], m["data"]) for m in msgs] == [("message", b"hi"),
                                                          ("pmessage", b"hi")]
        await p.unsubscribe()
        await p.punsubscribe()
        await p.aclose()
        await client.aclose()

    asyncio.run(main())
