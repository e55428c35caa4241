"""Client-side caching (CLIENT TRACKING, CACHING, GETREDIR, TRACKINGINFO and invalidation
messages) against redis-server 7.0: each scenario runs on a Strata connection and a Redis
connection, and everything each connection receives -- replies and the push or Pub/Sub
messages around them -- must be the same bytes in the same order. The order is
deterministic: a message already due is written before the reply to a later command."""

import time

import pytest

from tests.support.raw import RawClient, encode_command


_PONGS = (b"+PONG\r\n", b"*2\r\n$4\r\npong\r\n$0\r\n\r\n",
          b">2\r\n$4\r\npong\r\n$0\r\n\r\n")


def _before_pong(c: RawClient) -> bytes:
    c.send(encode_command(["PING"]))
    out = b""
    while True:
        reply = c.read_reply()
        if reply in _PONGS:
            return out
        out += reply


class Pair:
    """Connections opened as twins (a Strata and a Redis connection); ``check`` sends a
    command to both sides of a twin and compares the replies, ``pending`` compares what
    the twins received out of band."""

    def __init__(self, diff):
        self.diff = diff

    def conn(self, resp: int = 2):
        s, o = self.diff.pair()
        if resp == 3 and self.diff.resp != 3:
            s.call("HELLO", "3")
            o.call("HELLO", "3")
        return s, o

    @staticmethod
    def check(twin, *args):
        s, o = twin
        got, want = s.call(*args), o.call(*args)
        assert got == want, "%r\n strata: %r\n redis:  %r" % (args, got, want)
        return want

    @staticmethod
    def pending(*twins, ids=None):
        """Compare what the twins received out of band: everything that arrives before
        the reply to a PING sent now (a message already due is written before it).
        ``ids``: a client id on each server, written ID in both."""
        for s, o in twins:
            got, want = _before_pong(s), _before_pong(o)
            if ids is not None:
                got = got.replace(b":%d\r" % ids[0], b":ID\r")
                want = want.replace(b":%d\r" % ids[1], b":ID\r")
            assert got == want, "out of band\n strata: %r\n redis:  %r" % (got, want)

    @staticmethod
    def ids(twin):
        s, o = twin
        return int(s.call("CLIENT", "ID")[1:-2]), int(o.call("CLIENT", "ID")[1:-2])

    def check_each(self, twin, argv_s, argv_o):
        """A command whose arguments differ per server (client ids)."""
        s, o = twin
        got, want = s.call(*argv_s), o.call(*argv_o)
        assert got == want, "%r\n strata: %r\n redis:  %r" % (argv_s, got, want)
        return want


@pytest.fixture
def pair(diff):
    return Pair(diff)


# ------------------------------------------------------------------ errors and replies
def test_option_errors(diff):
    for args in [
        ("CLIENT", "TRACKING", "maybe"),
        ("CLIENT", "TRACKING", "on", "nosuch"),
        ("CLIENT", "TRACKING", "on", "REDIRECT"),
        ("CLIENT", "TRACKING", "on", "REDIRECT", "x"),
        ("CLIENT", "TRACKING", "on", "REDIRECT", "0"),
        ("CLIENT", "TRACKING", "on", "REDIRECT", "999999"),
        ("CLIENT", "TRACKING", "on", "PREFIX", "a"),
        ("CLIENT", "TRACKING", "on", "PREFIX"),
        ("CLIENT", "TRACKING", "on", "BCAST", "OPTIN"),
        ("CLIENT", "TRACKING", "on", "BCAST", "OPTOUT"),
        ("CLIENT", "TRACKING", "on", "OPTIN", "OPTOUT"),
        ("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "ab", "PREFIX", "a"),
        ("CLIENT", "TRACKING", "off", "OPTIN", "OPTOUT"),
        ("CLIENT", "TRACKING"),
        ("CLIENT", "CACHING", "yes"),
        ("CLIENT", "CACHING", "no"),
        ("CLIENT", "CACHING"),
        ("CLIENT", "GETREDIR"),
        ("CLIENT", "GETREDIR", "x"),
        ("CLIENT", "TRACKINGINFO"),
        ("CLIENT", "TRACKINGINFO", "x"),
    ]:
        diff.check(*args)


def test_mode_switch_errors(diff):
    diff.check("CLIENT", "TRACKING", "on", "OPTIN")
    diff.check("CLIENT", "TRACKING", "on", "OPTOUT")
    diff.check("CLIENT", "TRACKING", "on", "BCAST")
    diff.check("CLIENT", "CACHING", "no")
    diff.check("CLIENT", "CACHING", "maybe")
    diff.check("CLIENT", "CACHING", "yes")
    diff.check("CLIENT", "TRACKINGINFO")
    diff.check("CLIENT", "TRACKING", "off")
    diff.check("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "a")
    diff.check("CLIENT", "TRACKING", "on")
    diff.check("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "a")
    diff.check("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "abc")
    diff.check("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "b", "PREFIX", "c")
    diff.check("CLIENT", "TRACKINGINFO")
    diff.check("CLIENT", "GETREDIR")


def test_prefix_overlap_after_the_first_answers_twice(diff):
    """Redis 7.0 answers an overlap between two given prefixes past the first with the
    error and then +OK, and tracks all of them."""
    diff.check("CONFIG", "RESETSTAT")
    diff.check_raw(encode_command(["CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "a",
                                   "PREFIX", "b", "PREFIX", "bc"]), replies=2)
    diff.check("CLIENT", "TRACKINGINFO")
    diff.check("INFO", "errorstats")
    stats = []
    for text in diff.both("INFO", "commandstats"):
        line = [x for x in text.decode().split("\r\n") if x.startswith("cmdstat_client|tracking:")]
        stats.append([f for f in line[0].split(",") if not f.startswith(("usec", "cmdstat"))])
    assert stats == [["rejected_calls=0", "failed_calls=1"]] * 2


@pytest.mark.parametrize("resp", [2, 3])
def test_trackinginfo_flags(pair, resp):
    a = pair.conn(resp)
    b = pair.conn(resp)
    sid, oid = pair.ids(b)
    for args in [("CLIENT", "TRACKINGINFO"),
                 ("CLIENT", "TRACKING", "on", "OPTIN", "NOLOOP"),
                 ("CLIENT", "TRACKINGINFO"),
                 ("CLIENT", "CACHING", "yes"),
                 ("CLIENT", "TRACKINGINFO"),
                 ("CLIENT", "TRACKINGINFO"),  # CLIENT commands keep the CACHING flag
                 ("PING",),
                 ("CLIENT", "TRACKINGINFO"),
                 ("CLIENT", "TRACKING", "off"),
                 ("CLIENT", "TRACKING", "on", "OPTOUT"),
                 ("CLIENT", "CACHING", "no"),
                 ("CLIENT", "TRACKINGINFO"),
                 ("CLIENT", "TRACKING", "off"),
                 ("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "x", "PREFIX", "a:"),
                 ("CLIENT", "TRACKINGINFO"),
                 ("CLIENT", "GETREDIR"),
                 ("CLIENT", "TRACKING", "off"),
                 ("CLIENT", "TRACKINGINFO"),
                 ("CLIENT", "GETREDIR")]:
        pair.check(a, *args)
    pair.check_each(a, ("CLIENT", "TRACKING", "on", "REDIRECT", sid),
                    ("CLIENT", "TRACKING", "on", "REDIRECT", oid))
    s_info, o_info = a[0].call("CLIENT", "TRACKINGINFO"), a[1].call("CLIENT", "TRACKINGINFO")
    assert s_info.replace(b":%d" % sid, b":ID") == o_info.replace(b":%d" % oid, b":ID")
    s_redir, o_redir = a[0].call("CLIENT", "GETREDIR"), a[1].call("CLIENT", "GETREDIR")
    assert (s_redir, o_redir) == (b":%d\r\n" % sid, b":%d\r\n" % oid)


def test_client_list_flags_and_redir(pair):
    a = pair.conn(3)
    b = pair.conn()
    sid, oid = pair.ids(b)

    def fields(twin):
        out = []
        for c in twin:
            line = c.call("CLIENT", "INFO").decode()
            kv = dict(f.split("=", 1) for f in line.split("\r\n")[1].split()[0:] if "=" in f)
            out.append((kv["flags"], kv["redir"]))
        return out

    assert fields(a)[0] == fields(a)[1] == ("N", "-1")
    pair.check(a, "CLIENT", "TRACKING", "on", "BCAST")
    assert fields(a)[0] == fields(a)[1] == ("tB", "0")
    pair.check(a, "CLIENT", "TRACKING", "off")
    pair.check_each(a, ("CLIENT", "TRACKING", "on", "REDIRECT", sid),
                    ("CLIENT", "TRACKING", "on", "REDIRECT", oid))
    s, o = fields(a)
    assert (s[0], o[0]) == ("t", "t") and (s[1], o[1]) == (str(sid), str(oid))
    b[0].close()
    b[1].close()
    time.sleep(0.1)
    pair.check(a, "GET", "k")
    pair.check(pair.conn(), "SET", "k", "v")
    pair.pending(a, ids=(sid, oid))
    assert fields(a)[0][0] == fields(a)[1][0] == "tR"


# ------------------------------------------------------------------ invalidation
@pytest.mark.parametrize("resp", [2, 3])
def test_default_mode_invalidation(pair, resp):
    a = pair.conn(3)
    w = pair.conn(resp)
    pair.check(a, "CLIENT", "TRACKING", "on")
    pair.check(w, "MSET", "k1", "1", "k2", "2", "k3", "3")
    pair.check(a, "GET", "k1")
    pair.check(a, "MGET", "k2", "k3", "missing")
    pair.check(a, "GET", "k1")  # twice: one entry
    pair.check(w, "SET", "k1", "x")
    pair.pending(a)
    pair.check(w, "SET", "k1", "y")  # no longer tracked: no message
    pair.pending(a)
    pair.check(w, "DEL", "k2", "k3")
    pair.pending(a)
    pair.check(w, "SET", "missing", "now")
    pair.pending(a)
    pair.check(a, "PING")


def test_every_kind_of_write_invalidates(pair):
    a = pair.conn(3)
    w = pair.conn()
    pair.check(a, "CLIENT", "TRACKING", "on")
    setup = [("RPUSH", "l", "a", "b"), ("HSET", "h", "f", "v"), ("SADD", "s", "m"),
             ("ZADD", "z", "1", "m"), ("SET", "str", "v"), ("SET", "n", "1"),
             ("XADD", "x", "1-1", "f", "v"), ("PFADD", "hll", "a"), ("SET", "bits", "")]
    reads = [("LRANGE", "l", "0", "-1"), ("HGET", "h", "f"), ("SMEMBERS", "s"),
             ("ZRANGE", "z", "0", "-1"), ("STRLEN", "str"), ("GET", "n"),
             ("XLEN", "x"), ("PFCOUNT", "hll"), ("GETBIT", "bits", "3"), ("EXISTS", "str"),
             ("TYPE", "h"), ("TTL", "l")]
    writes = [("LPUSH", "l", "c"), ("HDEL", "h", "f"), ("SREM", "s", "m"), ("ZINCRBY", "z", "2",
              "m"), ("APPEND", "str", "x"), ("INCR", "n"), ("XTRIM", "x", "MAXLEN", "0"),
              ("PFADD", "hll", "b"), ("SETBIT", "bits", "3", "1"), ("EXPIRE", "str", "100"),
              ("RENAME", "l", "l2"), ("COPY", "h", "l", "REPLACE")]
    for cmd in setup:
        pair.check(w, *cmd)
    for cmd in reads:
        pair.check(a, *cmd)
    for cmd in writes:
        pair.check(w, *cmd)
        pair.pending(a)
    pair.check(a, "PING")


def test_noloop_and_self_invalidation_after_reply(pair):
    a = pair.conn(3)
    pair.check(a, "CLIENT", "TRACKING", "on")
    pair.check(a, "GET", "k")
    pair.check(a, "SET", "k", "v")   # the push follows +OK on the same connection
    pair.pending(a)
    pair.check(a, "GET", "k")
    # pipelined: each command's invalidation right after its reply
    for c in a:
        c.send(encode_command(["SET", "k", "1"]) + encode_command(["GET", "k"])
               + encode_command(["INCR", "k"]) + encode_command(["GET", "k"]))
    pair.pending(a)
    pair.check(a, "MULTI")
    pair.check(a, "SET", "k", "m")
    pair.check(a, "GET", "k")
    pair.check(a, "DEL", "k")
    pair.check(a, "EXEC")             # the transaction's invalidations follow its reply
    pair.pending(a)
    pair.check(a, "CLIENT", "TRACKING", "on", "NOLOOP")
    pair.check(a, "GET", "k")
    pair.check(a, "SET", "k", "2")
    pair.pending(a)
    w = pair.conn()
    pair.check(a, "GET", "k")
    pair.check(w, "SET", "k", "3")
    pair.pending(a)


def test_optin_optout(pair):
    a = pair.conn(3)
    w = pair.conn()
    pair.check(a, "CLIENT", "TRACKING", "on", "OPTIN")
    pair.check(a, "GET", "a")              # not cached
    pair.check(a, "CLIENT", "CACHING", "yes")
    pair.check(a, "GET", "b")              # cached
    pair.check(a, "GET", "c")              # the flag was for one command
    pair.check(a, "CLIENT", "CACHING", "yes")
    pair.check(a, "MULTI")
    pair.check(a, "GET", "d")
    pair.check(a, "GET", "e")
    pair.check(a, "EXEC")                  # a transaction counts as one
    pair.check(w, "MSET", "a", "1", "b", "1", "c", "1", "d", "1", "e", "1")
    pair.pending(a)
    pair.check(a, "CLIENT", "TRACKING", "off")
    pair.check(a, "CLIENT", "TRACKING", "on", "OPTOUT")
    pair.check(a, "GET", "a")
    pair.check(a, "CLIENT", "CACHING", "no")
    pair.check(a, "GET", "b")
    pair.check(a, "GET", "c")
    pair.check(w, "MSET", "a", "2", "b", "2", "c", "2")
    pair.pending(a)


def test_flush_sends_null(pair):
    a = pair.conn(3)
    a2 = pair.conn()
    sub = pair.conn()
    sid, oid = pair.ids(sub)
    pair.check(sub, "SUBSCRIBE", "__redis__:invalidate")
    pair.check(a, "CLIENT", "TRACKING", "on")
    pair.check_each(a2, ("CLIENT", "TRACKING", "on", "REDIRECT", sid),
                    ("CLIENT", "TRACKING", "on", "REDIRECT", oid))
    pair.check(a, "GET", "k")
    pair.check(a2, "GET", "k")
    pair.check(a, "FLUSHDB")   # to itself: after the reply
    pair.pending(a, sub)
    pair.check(a, "SET", "k", "v")  # the table was emptied: nothing more
    pair.pending(a, sub)
    pair.check(a2, "FLUSHALL")
    pair.pending(a, sub, a2)
    pair.check(a, "GET", "k")
    pair.check(a2, "DEBUG", "RELOAD")   # emptyData(): the same null
    pair.pending(a, sub, a2)


def test_resp2_redirect_to_subscriber(pair):
    a = pair.conn()
    sub = pair.conn()
    sid, oid = pair.ids(sub)
    pair.check(sub, "SUBSCRIBE", "__redis__:invalidate")
    pair.check_each(a, ("CLIENT", "TRACKING", "on", "REDIRECT", sid),
                    ("CLIENT", "TRACKING", "on", "REDIRECT", oid))
    pair.check(a, "GET", "k1")
    pair.check(a, "GET", "k2")
    pair.check(a, "SET", "k1", "v")
    pair.pending(a, sub)
    # a RESP2 client that is not subscribed gets nothing
    plain = pair.conn()
    pid_s, pid_o = pair.ids(plain)
    pair.check_each(a, ("CLIENT", "TRACKING", "on", "REDIRECT", pid_s),
                    ("CLIENT", "TRACKING", "on", "REDIRECT", pid_o))
    pair.check(a, "GET", "k2")
    pair.check(a, "DEL", "k2")
    pair.pending(a, sub, plain)


def test_resp2_without_redirect_gets_nothing(pair):
    a = pair.conn()
    pair.check(a, "CLIENT", "TRACKING", "on")
    pair.check(a, "GET", "k")
    pair.check(a, "SET", "k", "v")
    pair.pending(a)


def test_redirect_broken(pair):
    a = pair.conn(3)
    target = pair.conn(3)
    sid, oid = pair.ids(target)
    pair.check_each(a, ("CLIENT", "TRACKING", "on", "REDIRECT", sid),
                    ("CLIENT", "TRACKING", "on", "REDIRECT", oid))
    pair.check(a, "GET", "k")
    w = pair.conn()
    pair.check(w, "SET", "k", "1")
    pair.pending(target)
    for c in target:
        c.close()
    time.sleep(0.1)
    pair.check(a, "GET", "k")
    pair.check(a, "GET", "k2")
    pair.check(w, "MSET", "k", "2", "k2", "2")
    pair.pending(a, ids=(sid, oid))
    s_info, o_info = a[0].call("CLIENT", "TRACKINGINFO"), a[1].call("CLIENT", "TRACKINGINFO")
    assert s_info.replace(b":%d" % sid, b":ID") == o_info.replace(b":%d" % oid, b":ID")


def test_bcast(pair):
    a = pair.conn(3)
    b = pair.conn(3)
    w = pair.conn()
    pair.check(a, "CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "user:", "PREFIX", "obj:")
    pair.check(b, "CLIENT", "TRACKING", "on", "BCAST", "NOLOOP")
    pair.check(w, "SET", "user:1", "x")
    pair.pending(a, b)
    # one message per prefix with every key changed, in order
    for c in w:
        c.send(encode_command(["MSET", "user:9", "1", "user:2", "1", "other", "1"])
               + encode_command(["SET", "obj:1", "x"]) + encode_command(["DEL", "user:2"]))
    pair.pending(w, a, b)
    pair.check(b, "SET", "user:3", "1")   # NOLOOP: not to b itself, to a
    pair.pending(a, b)
    pair.check(b, "MSET", "user:4", "1", "other", "2")
    pair.check(w, "SET", "user:5", "1")
    pair.pending(a, b)
    pair.check(a, "SET", "obj:2", "1")    # a, without NOLOOP, hears its own change
    pair.pending(a, b)
    pair.check(a, "FLUSHALL")
    pair.pending(a, b)


def test_info_fields(pair):
    a = pair.conn(3)
    b = pair.conn(3)
    w = pair.conn()

    def counts(twin):
        out = []
        for c in twin:
            text = c.call("INFO").decode()
            out.append([line for line in text.split("\r\n") if line.startswith("tracking_")])
        return out

    got, want = counts(w)
    assert got == want
    pair.check(a, "CLIENT", "TRACKING", "on")
    pair.check(b, "CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "p", "PREFIX", "q")
    pair.check(a, "MGET", "k1", "k2", "k3")
    pair.check(w, "CLIENT", "TRACKING", "on")
    pair.check(w, "GET", "k1")
    got, want = counts(w)
    assert got == want and "tracking_total_items:4" in want, want
    pair.check(w, "SET", "k1", "v")
    pair.pending(a)
    got, want = counts(w)
    assert got == want
    pair.check(a, "CLIENT", "TRACKING", "off")
    pair.check(b, "CLIENT", "TRACKING", "off")
    got, want = counts(w)
    assert got == want


def test_expiry_invalidates(pair):
    a = pair.conn(3)
    w = pair.conn()
    pair.check(w, "DEBUG", "SET-ACTIVE-EXPIRE", "0")
    try:
        pair.check(w, "SET", "k", "v", "PX", "30")
        pair.check(a, "CLIENT", "TRACKING", "on")
        pair.check(a, "GET", "k")
        pair.check(a, "GET", "k2")
        time.sleep(0.1)
        pair.check(a, "GET", "k")   # expired by the tracking client's own read: after reply
        pair.pending(a)
        pair.check(w, "SET", "k2", "v", "PX", "30")
        pair.pending(a)
        pair.check(a, "GET", "k2")
        time.sleep(0.1)
        pair.check(w, "GET", "k2")  # expired by another client's read
        pair.pending(a)
    finally:
        pair.check(w, "DEBUG", "SET-ACTIVE-EXPIRE", "1")
    pair.check(w, "SET", "k3", "v", "PX", "20")
    pair.check(a, "GET", "k3")
    deadline = time.time() + 3
    got = [b"", b""]
    while time.time() < deadline and not (got[0] and got[1]):  # the active cycle's turn
        for i, c in enumerate(a):
            got[i] += c.read_available(0.05)
    assert got[0] == got[1] == b">2\r\n$10\r\ninvalidate\r\n*1\r\n$2\r\nk3\r\n"


def test_scripts_and_transactions(pair):
    a = pair.conn(3)
    w = pair.conn()
    pair.check(a, "CLIENT", "TRACKING", "on")
    pair.check(a, "EVAL", "return redis.call('get', KEYS[1])", "1", "sk")
    pair.check(a, "EVAL", "return 1", "1", "nk")          # no read: not remembered
    pair.check(a, "EVAL_RO", "return redis.call('get', KEYS[1])", "1", "rk")
    pair.check(a, "MULTI")
    pair.check(a, "GET", "mk")
    pair.check(a, "SET", "mk2", "1")
    pair.check(a, "EXEC")
    pair.check(w, "MSET", "sk", "1", "nk", "1", "rk", "1", "mk", "1")
    pair.pending(a)
    pair.check(a, "GET", "x")
    pair.check(w, "EVAL", "redis.call('set', KEYS[1], 'v')", "1", "x")
    pair.pending(a)
    pair.check(a, "GET", "y")
    pair.check(w, "MULTI")
    pair.check(w, "SET", "y", "1")
    pair.check(w, "EXEC")
    pair.pending(a)


def test_reset_and_hello_end_tracking(pair):
    a = pair.conn(3)
    pair.check(a, "CLIENT", "TRACKING", "on")
    pair.check(a, "GET", "k")
    pair.check(a, "RESET")
    pair.check(a, "CLIENT", "TRACKINGINFO")
    w = pair.conn()
    pair.check(w, "SET", "k", "1")
    pair.pending(a)


def test_redirect_to_resp3_client_and_kill(pair):
    a = pair.conn()
    target = pair.conn(3)
    sid, oid = pair.ids(target)
    pair.check_each(a, ("CLIENT", "TRACKING", "on", "REDIRECT", sid),
                    ("CLIENT", "TRACKING", "on", "REDIRECT", oid))
    pair.check(a, "MGET", "k1", "k2")
    pair.check(a, "MSET", "k1", "1", "k2", "2")  # to the redirect target, not to a
    pair.pending(a, target)
    aid = pair.ids(a)
    w = pair.conn()
    before = [c.call("INFO", "clients") for c in w]
    pair.check_each(w, ("CLIENT", "KILL", "ID", aid[0]), ("CLIENT", "KILL", "ID", aid[1]))
    after = [c.call("INFO", "clients") for c in w]
    assert [b"tracking_clients:1" in x for x in before] == [True, True]
    assert [b"tracking_clients:0" in x for x in after] == [True, True]


def test_table_limit(pair):
    a = pair.conn(3)
    w = pair.conn()
    pair.check(w, "CONFIG", "SET", "tracking-table-max-keys", "2")
    try:
        pair.check(w, "CONFIG", "GET", "tracking-table-max-keys")
        pair.check(a, "CLIENT", "TRACKING", "on")
        pair.check(a, "MGET", "k1", "k2", "k3", "k4", "k5")
        # the next command trims the table (Redis picks the keys at random): as many
        # invalidations, each for one of the keys, on both
        counts = []
        for c in a:
            out = _before_pong(c)
            counts.append(out.count(b">2\r\n$10\r\ninvalidate\r\n*1\r\n$2\r\nk"))
            assert len(out) == counts[-1] * len(b">2\r\n$10\r\ninvalidate\r\n*1\r\n$2\r\nk1\r\n")
        assert counts == [3, 3]
        infos = [c.call("INFO", "stats") for c in w]
        assert [b"tracking_total_keys:2\r\n" in x for x in infos] == [True, True]
    finally:
        pair.check(w, "CONFIG", "SET", "tracking-table-max-keys", "1000000")


def test_redis_py_commands(r, strata_server):
    """redis-py's tracking helpers, and a RESP2 Pub/Sub redirect seen through its PubSub
    (a RESP3 subscriber would get a push, which redis-py keeps for its own cache)."""
    import redis
    sub = redis.Redis(host="127.0.0.1", port=strata_server.port, protocol=2)
    p = sub.pubsub()
    p.subscribe("__redis__:invalidate")
    assert p.get_message(timeout=1)["type"] == "subscribe"
    target = int(r.client_list(_type="pubsub")[0]["id"])
    tracked = redis.Redis(host="127.0.0.1", port=strata_server.port, protocol=2,
                          single_connection_client=True)
    try:
        assert tracked.client_tracking_on(clientid=target)
        assert tracked.client_getredir() == target
        info = tracked.client_trackinginfo()
        assert info[1] == [b"on"] and info[3] == target
        tracked.get("cached")
        r.set("cached", "new")
        msg = p.get_message(timeout=2)
        assert msg == {"type": "message", "pattern": None,
                       "channel": b"__redis__:invalidate", "data": [b"cached"]}
        assert tracked.client_tracking_off()
        assert tracked.client_getredir() == -1
    finally:
        tracked.close()
        p.close()
        sub.close()


def test_fast_path_restriction_follows_tracking():
    """While anything is tracked the native handlers are not used (they would write
    without telling this module); the restriction goes when nothing is tracked."""
    from engine import Engine
    eng = Engine()
    full = eng.commands
    c = eng.client(resp=3)
    assert not c.attention
    eng.call(c, [b"CLIENT", b"TRACKING", b"on"])
    assert c.attention and c.tracking                  # its commands go through call()
    assert b"set" not in eng.commands and b"get" in eng.commands and b"hset" in eng.commands
    eng.call(c, [b"GET", b"k"])
    eng.call(c, [b"CLIENT", b"TRACKING", b"off"])
    assert not c.attention
    assert eng.commands is not full                    # "k" is still in the table
    w = eng.client(resp=2)
    eng.call(w, [b"SET", b"k", b"v"])
    assert eng.commands is full and not eng.tracking.active
    assert c.pending_out == []                         # tracking was off: no message


def test_eviction_invalidates():
    from engine import Engine
    eng = Engine(maxmemory_policy="allkeys-random")
    c = eng.client(resp=3)
    w = eng.client(resp=2)
    eng.call(c, [b"CLIENT", b"TRACKING", b"on"])
    keys = [b"key:%d" % i for i in range(50)]
    for k in keys:
        eng.call(w, [b"SET", k, b"x" * 100])
    eng.call(c, [b"MGET"] + keys)
    eng.call(w, [b"CONFIG", b"SET", b"maxmemory", b"%d" % (eng.used_memory() - 2000)])
    eng.call(w, [b"SET", b"other", b"y"])                # evicts before running
    evicted = [k for k in keys if eng.call(w, [b"EXISTS", k]) == 0]
    assert evicted
    told = [m[1][0] for m in c.pending_out]
    assert sorted(told) == sorted(evicted)


def test_bcast_noloop_hears_expiry_and_own_scripts(pair):
    """NOLOOP leaves out the client's own changes, but Redis signals expired keys with no
    client, and a script's writes with the script's client."""
    a = pair.conn(3)
    w = pair.conn()
    pair.check(w, "DEBUG", "SET-ACTIVE-EXPIRE", "0")
    try:
        pair.check(a, "CLIENT", "TRACKING", "on", "BCAST", "NOLOOP")
        pair.check(a, "SET", "mine", "1")
        pair.pending(a)
        pair.check(w, "SET", "k", "v", "PX", "20")
        pair.pending(a)
        time.sleep(0.05)
        pair.check(a, "GET", "k")         # expired by a's own read: still told
        pair.pending(a)
        pair.check(a, "EVAL", "redis.call('set', KEYS[1], 'v')", "1", "viascript")
        pair.pending(a)
        pair.check(a, "MULTI")
        pair.check(a, "SET", "viamulti", "1")
        pair.check(a, "EXEC")             # a transaction is the client's own
        pair.pending(a)
    finally:
        pair.check(w, "DEBUG", "SET-ACTIVE-EXPIRE", "1")


def test_tracking_asks_for_attention_in_both_twins(impl):
    """A tracking client's commands must leave the native kernel (ClientCore.attention)."""
    from native import dispatch
    core = (dispatch.impl_c if impl == "c" else dispatch.impl_py).ClientCore()
    assert not core.attention
    core.tracking = True
    assert core.attention and core.tracking
    core.resp = 3
    assert core.attention
    core.tracking = False
    assert not core.attention
