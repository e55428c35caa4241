"""Strata as a library: Engine.execute in-process, Server on an asyncio loop,
ThreadedServer for synchronous code; engines share nothing."""

import asyncio

import pytest

from engine import Engine, Server, ThreadedServer
from native.resp_common import ReplyError
from tests.support.servers import free_port


def test_execute_values():
    e = Engine()
    assert e.execute("SET", "k", "v") == "OK"
    assert e.execute(b"GET", b"k") == b"v"
    assert e.execute("GET", "nokey") is None
    assert e.execute("INCR", "n") == 1
    assert e.execute("INCRBY", "n", 41) == 42
    assert e.execute("MGET", "k", "n", "x") == [b"v", b"42", None]
    hello = e.execute("HELLO", "3")
    assert hello[b"proto"] == 3 and hello[b"server"] == b"redis"


def test_execute_errors_raise():
    e = Engine()
    with pytest.raises(ReplyError) as err:
        e.execute("GET")
    assert err.value.text == "ERR wrong number of arguments for 'get' command"
    e.execute("SET", "k", "abc")
    with pytest.raises(ReplyError, match="not an integer"):
        e.execute("INCR", "k")


def test_two_engines_share_nothing():
    a, b = Engine(), Engine()
    a.execute("SET", "k", "a")
    assert b.execute("GET", "k") is None
    assert a.execute("GET", "k") == b"a"


def test_engine_options():
    e = Engine(databases=2, maxmemory="1mb")
    assert e.config["databases"] == 2 and e.config["maxmemory"] == 1024 * 1024
    with pytest.raises(ReplyError, match="DB index is out of range"):
        e.execute("SELECT", "2")


def test_transactions_embedded():
    e = Engine()
    c = e.client()
    assert e.call(c, [b"MULTI"]).text == "OK"
    assert e.call(c, [b"SET", b"a", b"1"]).text == "QUEUED"
    assert e.call(c, [b"INCR", b"a"]).text == "QUEUED"
    assert e.call(c, [b"EXEC"])[1] == 2


def test_async_server():
    import redis.asyncio as aioredis

    async def main():
        port = free_port()
        async with Server(port=port) as srv:
            client = aioredis.Redis(port=port)
            assert await client.set("k", "v")
            assert await client.get("k") == b"v"
            assert srv.engine.execute("GET", "k") == b"v"
            await client.aclose()

    asyncio.run(main())


def test_threaded_server():
    import redis
    port = free_port()
    with ThreadedServer(port=port) as srv:
        client = redis.Redis(port=port)
        assert client.ping()
        pipe = client.pipeline()
        for i in range(100):
            pipe.set("k%d" % i, i)
        pipe.execute()
        assert client.get("k99") == b"99"
        assert srv.engine.execute("GET", "k42") == b"42"
        client.close()
