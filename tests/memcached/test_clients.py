"""memcached clients used as their users would, against Strata; the same data seen from
RESP (redis-py) and the other way round."""

import shutil
import subprocess
import time

import pytest

from tests.support.servers import IN_CI


def test_pymemcache_text(mc_port, redis_client):
    from pymemcache.client.base import Client
    c = Client(("127.0.0.1", mc_port), default_noreply=False)
    assert c.set("k", b"v", expire=100)
    assert c.get("k") == b"v"
    assert c.add("k", b"w") is False
    assert c.replace("k", b"w") is True
    assert c.append("k", b"x") and c.prepend("k", b"<")
    assert c.get("k") == b"<wx"
    value, cas = c.gets("k")
    assert c.cas("k", b"new", cas) is True
    assert c.cas("k", b"newer", cas) is False
    assert c.get_many(["k", "nope"]) == {"k": b"new"}
    assert c.set("n", b"10") and c.incr("n", 5) == 15 and c.decr("n", 20) == 0
    assert c.touch("k", 10) is True and c.touch("nope", 10) is False
    assert c.delete("k") is True and c.get("k") is None
    assert c.set("flagged", b"1", noreply=True) and c.get("flagged") == b"1"
    assert c.version().startswith(b"1.6")
    assert b"curr_items" in c.stats()
    # the same keyspace from RESP
    c.set("shared", b"from-memcached")
    assert redis_client.get("shared") == b"from-memcached"
    redis_client.set("resp", "from-resp")
    assert c.get("resp") == b"from-resp"
    assert c.flush_all() is True
    c.close()


def test_flags_survive_memcached_and_reset_on_resp_write(mc_port, redis_client):
    from pymemcache.client.base import Client
    from pymemcache import serde
    c = Client(("127.0.0.1", mc_port), serde=serde.pickle_serde)
    c.set("obj", {"a": [1, 2]})
    assert c.get("obj") == {"a": [1, 2]}       # flags say "pickled"
    _, cas1 = c.gets("obj")
    redis_client.set("obj", "plain")
    assert c.get("obj") == b"plain"            # RESP write: flags 0 (plain bytes)
    _, cas2 = c.gets("obj")
    assert cas2 != cas1
    redis_client.append("obj", "!")
    _, cas3 = c.gets("obj")
    assert cas3 not in (cas1, cas2)
    c.close()


def test_pylibmc_binary(mc_port, redis_client):
    pylibmc = pytest.importorskip("pylibmc")
    mc = pylibmc.Client(["127.0.0.1:%d" % mc_port], binary=True,
                        behaviors={"cas": True, "tcp_nodelay": True})
    mc["k"] = "v"
    assert mc["k"] == "v"
    mc.set("num", 5)
    assert mc.get("num") == 5
    assert mc.incr("ctr", 1) if mc.add("ctr", "1") else True
    assert mc.get("ctr") in ("2", b"2", 2)
    assert mc.add("k", "x") is False
    assert mc.replace("k", "y") is True and mc.get("k") == "y"
    mc.append("k", "z")
    assert mc.get("k") == "yz"
    value, cas = mc.gets("k")
    assert value == "yz"
    assert mc.cas("k", "after", cas) is True
    assert mc.cas("k", "again", cas) is False
    mc.set_multi({"m1": "1", "m2": "2"})
    assert mc.get_multi(["m1", "m2", "m3"]) == {"m1": "1", "m2": "2"}
    mc.delete_multi(["m1", "m2"])
    assert mc.get("m1") is None
    # (no touch: libmemcached's binary touch waits 5 s for more data, from memcached too)
    assert redis_client.get("k") == b"after"
    mc.flush_all()
    assert mc.get("k") is None
    mc.disconnect_all()


def test_bmemcached_binary(mc_port, redis_client):
    bmemcached = pytest.importorskip("bmemcached")
    c = bmemcached.Client(("127.0.0.1:%d" % mc_port,))
    assert c.set("k", "v")
    assert c.get("k") == "v"
    assert c.add("k", "x") is False
    assert c.replace("k", "w")
    assert c.get("k") == "w"
    assert c.set("n", 10) and c.incr("n", 5) == 15 and c.decr("n", 100) == 0
    value, cas = c.gets("k")
    assert c.cas("k", "new", cas)
    assert not c.cas("k", "newer", cas)
    c.set_multi({"a": 1, "b": "two"})
    assert c.get_multi(["a", "b", "c"]) == {"a": 1, "b": "two"}
    assert c.delete("a") and c.get("a") is None
    assert redis_client.get("k") == b"new"
    stats = c.stats()
    assert any(b"curr_items" in s or "curr_items" in s for s in stats.values())
    assert c.flush_all()
    c.disconnect_all()


def test_memccapable_passes_every_test(mc_port):
    tool = shutil.which("memccapable")
    if tool is None:
        if IN_CI:
            pytest.fail("memccapable (libmemcached-tools) is required under CI")
        pytest.skip("memccapable is not installed (apt install libmemcached-tools)")
    t0 = time.time()
    res = subprocess.run([tool, "-h", "127.0.0.1", "-p", str(mc_port)], capture_output=True,
                         timeout=120)
    out = res.stdout.decode() + res.stderr.decode()
    passed = out.count("[pass]")
    assert "All tests passed" in out and passed >= 54, out
    assert res.returncode == 0
    assert time.time() - t0 < 60
