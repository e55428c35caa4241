"""Blocking list commands against redis-server 7.0: each test blocks clients on both servers
(raw connections from ``diff.pair()``), acts from the main connection, and compares the
woken clients' replies byte for byte."""

import threading
import time

import pytest

from tests.support.raw import encode_command


def send(pair, *args):
    data = encode_command(args)
    for c in pair:
        c.send(data)


def reply(pair):
    """The next reply of a woken (strata, oracle) pair; they must be equal."""
    got, want = pair[0].read_reply(), pair[1].read_reply()
    assert got == want, f"\n strata: {got!r}\n redis:  {want!r}"
    return want


def silent(pair, wait=0.05):
    got = [c.read_available(wait) for c in pair]
    assert got == [b"", b""], got


def blocked_clients(client):
    info = client.call("INFO", "clients")
    return int(info.split(b"blocked_clients:")[1].split(b"\r\n")[0])


def wait_blocked(diff, n):
    """Until both servers count n blocked clients (the block reached them)."""
    deadline = time.time() + 5
    while [blocked_clients(diff.s), blocked_clients(diff.o)] != [n, n]:
        assert time.time() < deadline, "clients did not block"
        time.sleep(0.005)


def block(diff, *args, n=None):
    """A new pair blocked on ``args``; n = blocked clients expected after it."""
    pair = diff.pair()
    before = blocked_clients(diff.s)
    send(pair, *args)
    wait_blocked(diff, before + 1 if n is None else n)
    return pair


BLOCKING = [
    ("BLPOP", "k", "0"), ("BRPOP", "j", "k", "0"), ("BLMOVE", "k", "d", "RIGHT", "LEFT", "0"),
    ("BLMOVE", "k", "k", "LEFT", "RIGHT", "0"), ("BRPOPLPUSH", "k", "d", "0"),
    ("BLMPOP", "0", "2", "j", "k", "RIGHT", "COUNT", "2"), ("BLMPOP", "0", "1", "k", "LEFT"),
]


@pytest.fixture(params=[2, 3], ids=["resp2", "resp3"])
def d(request, diff, diff3):
    return diff if request.param == 2 else diff3


@pytest.mark.parametrize("cmd", BLOCKING, ids=lambda c: " ".join(c))
def test_push_wakes_waiter(d, cmd):
    w = block(d, *cmd)
    silent(w)
    d.check("RPUSH", "k", "a", "b", "c")
    reply(w)
    d.check("LRANGE", "k", "0", "-1")
    d.check("LRANGE", "d", "0", "-1")
    assert blocked_clients(d.s) == 0


@pytest.mark.parametrize("cmd", BLOCKING, ids=lambda c: " ".join(c))
def test_timeout(d, cmd):
    cmd = list(cmd)
    cmd[1 if cmd[0] == "BLMPOP" else -1] = "0.1"
    pair = d.pair()
    t0 = time.monotonic()
    send(pair, *cmd)
    reply(pair)
    assert time.monotonic() - t0 >= 0.09
    d.check("EXISTS", "k", "d")


@pytest.mark.parametrize("timeout", ["0.001", ".5e-3", "0.05", "-0.0001"])
def test_short_timeouts(diff, timeout):
    """Timeouts are ceil'd to whole milliseconds: "-0.0001" means 0, forever."""
    pair = diff.pair()
    send(pair, "BLPOP", "k", timeout)
    if timeout.startswith("-"):
        wait_blocked(diff, 1)
        diff.check("RPUSH", "k", "v")
    reply(pair)


def test_fifo_three_waiters(d):
    a = block(d, "BLPOP", "k", "0")
    b = block(d, "BRPOP", "other", "k", "0")
    c = block(d, "BLMOVE", "k", "d", "LEFT", "LEFT", "0")
    d.check("RPUSH", "k", "1", "2")
    reply(a)
    reply(b)
    silent(c)
    d.check("LLEN", "k")
    d.check("RPUSH", "k", "3", "4")
    reply(c)
    d.check("LRANGE", "k", "0", "-1")
    d.check("LRANGE", "d", "0", "-1")


def test_one_push_serves_several_waiters(d):
    waiters = [block(d, "BLMPOP", "0", "1", "k", "LEFT", "COUNT", "2") for _ in range(3)]
    d.check("RPUSH", "k", "1", "2", "3")
    reply(waiters[0])
    reply(waiters[1])
    silent(waiters[2])
    d.check("EXISTS", "k")
    d.check("LPUSH", "k", "x")
    reply(waiters[2])


def test_multi_exec_serves_after_exec(d):
    w = block(d, "BLPOP", "k", "0")
    d.check("MULTI")
    d.check("RPUSH", "k", "a")
    silent(w)
    d.check("RPUSH", "k", "b")
    d.check("LPOP", "k")
    d.check("LLEN", "k")
    d.check("EXEC")
    reply(w)
    d.check("LRANGE", "k", "0", "-1")


def test_multi_that_empties_the_key_again(d):
    w = block(d, "BLPOP", "k", "0")
    d.check("MULTI")
    d.check("RPUSH", "k", "a")
    d.check("DEL", "k")
    d.check("EXEC")
    silent(w)
    d.check("RPUSH", "k", "z")
    reply(w)


def test_served_from_the_key_made_ready_first(d):
    w = block(d, "BLPOP", "k1", "k2", "0")
    d.check("MULTI")
    d.check("RPUSH", "k2", "x")
    d.check("RPUSH", "k1", "y")
    d.check("EXEC")
    reply(w)
    d.check("LRANGE", "k1", "0", "-1")
    d.check("LRANGE", "k2", "0", "-1")


def test_blmove_chain(d):
    a = block(d, "BLMOVE", "a", "b", "LEFT", "RIGHT", "0")
    b = block(d, "BRPOPLPUSH", "b", "c", "0")
    c = block(d, "BLPOP", "c", "0")
    d.check("LPUSH", "a", "v")
    reply(a)
    reply(b)
    reply(c)
    d.check("EXISTS", "a", "b", "c")


def test_blmove_into_a_key_of_another_type(d):
    w = block(d, "BLMOVE", "src", "dst", "LEFT", "LEFT", "0")
    d.check("SET", "dst", "string")
    d.check("RPUSH", "src", "a")
    reply(w)  # WRONGTYPE ends the wait
    d.check("LRANGE", "src", "0", "-1")
    d.check("GET", "dst")


def test_key_of_another_type_keeps_waiting(d):
    w = block(d, "BLPOP", "k", "0")
    d.check("SET", "k", "x")
    silent(w)
    d.check("DEL", "k")
    d.check("RPUSH", "k", "v")
    reply(w)


@pytest.mark.parametrize("how", ["RENAME", "COPY", "MOVE", "SWAPDB"])
def test_keys_made_by_other_commands_wake(diff, how):
    w = block(diff, "BLPOP", "k", "0")
    if how == "MOVE":
        diff.check("SELECT", "1")
        diff.check("RPUSH", "k", "v")
        diff.check("MOVE", "k", "0")
    elif how == "SWAPDB":
        diff.check("SELECT", "1")
        diff.check("RPUSH", "k", "v")
        diff.check("SWAPDB", "0", "1")
    else:
        diff.check("RPUSH", "tmp", "v")
        diff.check(how, "tmp", "k")
    reply(w)


def test_client_unblock(d):
    ids = []
    w = d.pair()
    for c in w:
        got = c.call("CLIENT", "ID")
        ids.append(got[1:-2])
    for mode in ((), ("TIMEOUT",), ("error",)):
        send(w, "BLMOVE", "k", "d", "LEFT", "LEFT", "0")
        wait_blocked(d, 1)
        got = [c.call("CLIENT", "UNBLOCK", i, *mode) for c, i in zip((d.s, d.o), ids)]
        assert got == [b":1\r\n", b":1\r\n"]
        reply(w)
    got = [c.call("CLIENT", "UNBLOCK", i) for c, i in zip((d.s, d.o), ids)]
    assert got == [b":0\r\n", b":0\r\n"]
    assert w[0].call("PING") == w[1].call("PING")


def test_pipelined_commands_wait_for_the_blocked_one(d):
    w = d.pair()
    send(w, "BLPOP", "k", "0")
    for c in w:
        c.send(encode_command(["LLEN", "k"]) + encode_command(["BLPOP", "k", "0"])
               + encode_command(["PING"]))
    wait_blocked(d, 1)
    silent(w)
    d.check("RPUSH", "k", "a", "b", "c")
    for _ in range(4):
        reply(w)
    d.check("LRANGE", "k", "0", "-1")


def test_served_client_runs_its_next_commands_after_the_pusher(d):
    """A served client's queued commands run once the command that served it is done."""
    w = d.pair()
    send(w, "BLPOP", "k", "0")
    for c in w:
        c.send(encode_command(["LRANGE", "k", "0", "-1"]))
    wait_blocked(d, 1)
    for c in (d.s, d.o):
        c.send(encode_command(["RPUSH", "k", "1", "2"]) + encode_command(["RPUSH", "k", "3"]))
    for c in (d.s, d.o):
        c.read_reply()
        c.read_reply()
    reply(w)
    reply(w)


def test_blocked_clients_and_disconnect(diff):
    a = block(diff, "BLPOP", "k", "0")
    block(diff, "BRPOP", "k", "j", "0")
    assert [blocked_clients(diff.s), blocked_clients(diff.o)] == [2, 2]
    for c in a:
        c.close()
    wait_blocked(diff, 1)
    diff.check("CLIENT", "LIST", normalize=lambda b: b.count(b"flags=b").to_bytes(1, "big"))
    diff.check("RPUSH", "k", "x", "y")
    wait_blocked(diff, 0)
    diff.check("LRANGE", "k", "0", "-1")


def test_same_key_twice(d):
    w = block(d, "BLPOP", "k", "k", "0")
    d.check("RPUSH", "k", "a", "b")
    reply(w)
    d.check("LRANGE", "k", "0", "-1")


def test_dirty_when_serving_matches_redis(diff):
    def dirty(c):
        info = c.call("INFO", "persistence")
        return int(info.split(b"rdb_changes_since_last_save:")[1].split(b"\r\n")[0])

    for cmd in BLOCKING:
        diff.check("FLUSHALL")
        w = block(diff, *cmd)
        before = dirty(diff.s), dirty(diff.o)
        diff.check("RPUSH", "k", "1", "2", "3")
        reply(w)
        assert dirty(diff.s) - before[0] == dirty(diff.o) - before[1], cmd


def test_served_pop_replicates_as_plain_command(engine):
    """Served waiters propagate as the non-blocking command (in-process, with a client that
    may block: its late reply lands in pending_out)."""
    propagated = []

    class Replication:
        def propagate(self, dbid, argv):
            propagated.append(argv)

    engine.replication = Replication()
    waiters = []
    for cmd in [("BLPOP", "k", "0"), ("BLMOVE", "k", "d", "left", "right", "0"),
                ("BRPOPLPUSH", "k", "d", "0"), ("BLMPOP", "0", "1", "k", "LEFT", "COUNT", "3")]:
        c = engine.client(2)
        c.can_block = True
        assert repr(engine.call(c, [a.encode() for a in cmd])) == "BLOCKED"
        waiters.append(c)
    engine.execute("RPUSH", "k", "1", "2", "3", "4", "5")
    assert propagated == [[b"RPUSH", b"k", b"1", b"2", b"3", b"4", b"5"], [b"LPOP", b"k"],
                          [b"LMOVE", b"k", b"d", b"LEFT", b"RIGHT"], [b"RPOPLPUSH", b"k", b"d"],
                          [b"LPOP", b"k", b"2"]]
    assert [c.pending_out for c in waiters] == [[[b"k", b"1"]], [b"2"], [b"5"],
                                                [[b"k", [b"3", b"4"]]]]
    assert engine.blocked_clients == 0


def test_redis_py_blocking(r):
    got = []
    t = threading.Thread(target=lambda: got.append(r.blpop(["q1", "q2"], timeout=5)))
    t.start()
    deadline = time.time() + 5
    while r.info("clients")["blocked_clients"] != 1:
        assert time.time() < deadline
        time.sleep(0.005)
    with r.pipeline(transaction=False) as p:  # served between the two, unlike in MULTI
        p.rpush("q2", "job").llen("q2")
        assert p.execute() == [1, 0]
    t.join(5)
    assert got == [(b"q2", b"job")]
    assert r.brpoplpush("nokey", "d", timeout=0.05) is None
    assert r.blmove("nokey", "d", 0.05, "LEFT", "RIGHT") is None


def test_stats_of_blocked_commands(diff):
    """Calls count when blocking; an error that ends the wait (WRONGTYPE on a served BLMOVE,
    CLIENT UNBLOCK ERROR) is a failed call and an error reply, as updateStatsOnUnblock."""
    def stats(c):
        lines = c.call("INFO", "commandstats").split(b"\r\n")
        calls = sorted(ln.split(b",usec")[0] + ln[ln.index(b",rejected"):] for ln in lines
                       if ln.startswith((b"cmdstat_blpop:", b"cmdstat_blmove:")))
        return calls, c.call("INFO", "errorstats")

    diff.check("CONFIG", "RESETSTAT")
    w = diff.pair()
    ids = [c.call("CLIENT", "ID")[1:-2] for c in w]
    send(w, "BLPOP", "k", "0.05")
    reply(w)
    for c in block(diff, "BLPOP", "k", "0"):  # never served
        c.close()
    send(w, "BLMOVE", "k", "d", "LEFT", "LEFT", "0")
    wait_blocked(diff, 1)
    diff.check("SET", "d", "x")
    diff.check("RPUSH", "k", "1")
    reply(w)
    send(w, "BLMOVE", "j", "d", "LEFT", "LEFT", "0")
    wait_blocked(diff, 1)
    assert [c.call("CLIENT", "UNBLOCK", i, "ERROR") for c, i in zip((diff.s, diff.o), ids)] \
        == [b":1\r\n", b":1\r\n"]
    reply(w)
    assert stats(diff.s) == stats(diff.o)
