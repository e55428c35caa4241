"""redis-py as applications use it, sync and asyncio, RESP2 and RESP3: pipelines with and
without MULTI, optimistic locking with WATCH (``transaction()``), Lock (its Lua scripts),
``register_script`` surviving SCRIPT FLUSH, and pub/sub listeners in a thread. Complements
test_pubsub.py and test_scripting.py, which cover the protocol details differentially."""

import asyncio
import threading
import time

import pytest
import redis
import redis.asyncio as aioredis
from redis.exceptions import LockError, LockNotOwnedError, ResponseError, WatchError


@pytest.fixture(params=[2, 3], ids=["resp2", "resp3"])
def client(strata_server, request):
    c = redis.Redis(host="127.0.0.1", port=strata_server.port, protocol=request.param)
    c.flushall()
    yield c
    c.close()


def test_pipeline_transaction_and_errors(client):
    with client.pipeline() as p:
        p.set("a", 1).incr("a").lpush("l", "x", "y").lrange("l", 0, -1).hset("h", "f", "v")
        p.hgetall("h").zadd("z", {"m": 1.5}).zscore("z", "m")
        assert p.execute() == [True, 2, 2, [b"y", b"x"], 1, {b"f": b"v"}, 1, 1.5]
    with client.pipeline(transaction=False) as p:
        p.set("s", "v").lpush("s", "x").get("s")
        res = p.execute(raise_on_error=False)
        assert res[0] is True and res[2] == b"v"
        assert isinstance(res[1], ResponseError) and "WRONGTYPE" in str(res[1])
    with client.pipeline() as p:   # a queue-time error aborts the whole transaction
        p.set("q", 1)
        p.execute_command("INCRBY", "q")
        with pytest.raises(ResponseError, match="EXECABORT|wrong number"):
            p.execute()
    assert client.get("q") is None


def test_watch_retry_with_transaction_helper(client, strata_server):
    client.set("counter", 0)
    other = redis.Redis(host="127.0.0.1", port=strata_server.port)
    attempts = []

    def incr(pipe):
        value = int(pipe.get("counter"))
        if not attempts:   # someone else writes between WATCH and EXEC, once
            other.incr("counter")
        attempts.append(value)
        pipe.multi()
        pipe.set("counter", value + 10)

    client.transaction(incr, "counter")
    assert attempts == [0, 1] and client.get("counter") == b"11"
    with client.pipeline() as p:
        p.watch("counter")
        other.delete("counter")   # a delete invalidates the WATCH too
        p.multi()
        p.set("counter", 5)
        with pytest.raises(WatchError):
            p.execute()
    other.close()


def test_lock_contention_expiry_and_ownership(client, strata_server):
    lock = client.lock("res", timeout=5, blocking_timeout=0.2)
    assert lock.acquire()
    assert 0 < client.pttl("res") <= 5000
    rival = redis.Redis(host="127.0.0.1", port=strata_server.port).lock(
        "res", blocking_timeout=0.1)
    assert not rival.acquire()            # held: the rival gives up after blocking_timeout
    assert lock.extend(10) and client.pttl("res") > 5000
    assert lock.reacquire() and client.pttl("res") <= 5000
    assert lock.locked() and lock.owned() and not rival.owned()
    with pytest.raises(LockNotOwnedError):
        rival.do_release(b"someone-else")  # the release script checks the token
    lock.release()
    assert not client.exists("res")
    with pytest.raises(LockError):
        lock.release()
    short = client.lock("short", timeout=0.2)
    assert short.acquire(blocking=False)
    time.sleep(0.35)                       # expired: a new owner may take it
    assert client.lock("short").acquire(blocking=False)
    with pytest.raises(LockNotOwnedError):
        short.release()


def test_register_script_survives_script_flush(client):
    script = client.register_script(
        "local v = redis.call('incrby', KEYS[1], ARGV[1]) "
        "if v > tonumber(ARGV[2]) then return redis.error_reply('LIMIT ' .. v) end "
        "return {v, redis.call('type', KEYS[1]).ok}")
    assert script(keys=["n"], args=[5, 100]) == [5, b"string"]
    client.script_flush()                  # EVALSHA gets NOSCRIPT, the helper reloads
    assert script(keys=["n"], args=[5, 100]) == [10, b"string"]
    with pytest.raises(ResponseError, match="^LIMIT 110"):
        script(keys=["n"], args=[100, 100])
    with client.pipeline() as p:           # in a pipeline the helper loads it first
        client.script_flush()
        script(keys=["n"], args=[1, 1000], client=p)
        p.get("n")
        assert p.execute() == [[111, b"string"], b"111"]


def test_pubsub_listener_thread(client):
    p = client.pubsub(ignore_subscribe_messages=True)
    got = []
    done = threading.Event()

    def on_message(msg):
        got.append((msg["channel"], msg["data"]))
        if len(got) == 3:
            done.set()

    p.subscribe(**{"jobs": on_message})
    p.psubscribe(**{"ev.*": on_message})
    worker = p.run_in_thread(sleep_time=0.01)
    try:
        deadline = time.time() + 5
        while client.pubsub_numsub("jobs") != [(b"jobs", 1)] and time.time() < deadline:
            time.sleep(0.01)
        assert client.publish("jobs", "1") == 1
        assert client.publish("ev.a", "2") == 1
        assert client.publish("jobs", "3") == 1
        assert done.wait(5)
    finally:
        worker.stop()
        worker.join(5)
        p.close()
    assert got == [(b"jobs", b"1"), (b"ev.a", b"2"), (b"jobs", b"3")]


@pytest.mark.parametrize("protocol", [2, 3])
def test_asyncio_pipelines_lock_and_scripts(strata_server, protocol):
    async def main():
        r = aioredis.Redis(host="127.0.0.1", port=strata_server.port, protocol=protocol)
        await r.flushall()
        async with r.pipeline() as p:
            p.set("a", 1).incr("a").rpush("l", "x").lrange("l", 0, -1)
            assert await p.execute() == [True, 2, 1, [b"x"]]
        async with r.pipeline(transaction=False) as p:
            for i in range(50):
                p.incr("n")
            assert (await p.execute())[-1] == 50

        async def add(pipe):
            value = int(await pipe.get("n"))
            pipe.multi()
            pipe.set("n", value + 1)
        await r.transaction(add, "n")
        assert await r.get("n") == b"51"

        lock = r.lock("alock", timeout=5, blocking_timeout=0.2)
        assert await lock.acquire()
        assert not await r.lock("alock", blocking_timeout=0.1).acquire()
        assert await lock.extend(5) and await lock.owned()
        await lock.release()
        assert await r.exists("alock") == 0
        async with r.lock("ctx", timeout=5):
            assert await r.exists("ctx") == 1
        assert await r.exists("ctx") == 0

        script = r.register_script("return redis.call('incrby', KEYS[1], ARGV[1])")
        assert await script(keys=["s"], args=[3]) == 3
        await r.script_flush()
        assert await script(keys=["s"], args=[4]) == 7
        async with r.pipeline() as p:
            await script(keys=["s"], args=[1], client=p)
            p.get("s")
            assert await p.execute() == [8, b"8"]
        await r.aclose()

    asyncio.run(main())


def test_asyncio_concurrent_clients_and_blocking_pop(strata_server):
    """Many coroutines on one pool while one of them blocks in BLPOP."""
    async def main():
        r = aioredis.Redis(host="127.0.0.1", port=strata_server.port)
        await r.delete("q", "ctr")
        waiter = asyncio.create_task(r.blpop(["q"], timeout=5))
        await asyncio.sleep(0.05)
        for _ in range(20):   # a few at a time: redis-py's pool caps its connections
            await asyncio.gather(*(r.incr("ctr") for _ in range(5)))
        await r.rpush("q", "job")
        assert list(await waiter) == [b"q", b"job"]
        assert await r.get("ctr") == b"100"
        await r.aclose()

    asyncio.run(main())
