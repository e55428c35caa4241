"""FUNCTION and FCALL against redis-server 7.0: library loading and its errors, listing,
flags, FCALL_RO, DUMP/RESTORE payloads (byte for byte, LZF and CRC64 included), busy
functions and FUNCTION KILL on Strata, redis-py's function helpers."""

import time

import pytest

from tests.support.diff import Differential
from tests.support.raw import RawClient, encode_command

LIB = "#!lua name=mylib\nredis.register_function('f1', function(keys, args) " \
      "return {keys[1], args[1]} end)"


@pytest.fixture(params=[2, 3], ids=["resp2", "resp3"])
def d(request, strata_server, oracle_server):
    dd = Differential(strata_server, oracle_server, resp=request.param)
    for c in (dd.s, dd.o):
        c.call("FUNCTION", "FLUSH")
    yield dd
    for c in (dd.s, dd.o):
        c.call("FUNCTION", "FLUSH")
    dd.close()


@pytest.fixture
def fdiff(strata_server, oracle_server):
    dd = Differential(strata_server, oracle_server)
    for c in (dd.s, dd.o):
        c.call("FUNCTION", "FLUSH")
    yield dd
    for c in (dd.s, dd.o):
        c.call("FUNCTION", "FLUSH")
    dd.close()


def test_load_list_call_delete(d):
    d.check("FUNCTION", "LOAD", LIB)
    d.check("FUNCTION", "LOAD", LIB)
    d.check("FUNCTION", "LOAD", "REPLACE", LIB)
    d.check("FUNCTION", "LOAD", "replace", LIB)
    for args in [(), ("WITHCODE",), ("LIBRARYNAME", "my*"), ("LIBRARYNAME", "x*"),
                 ("libraryname", "MY*", "withcode"), ("LIBRARYNAME",), ("bad",),
                 ("WITHCODE", "WITHCODE"), ("LIBRARYNAME", "a", "LIBRARYNAME", "b")]:
        d.check("FUNCTION", "LIST", *args)
    d.check("FCALL", "f1", 1, "k", "a")
    d.check("FCALL", "F1", 1, "k", "a")  # function names are case-insensitive
    d.check("FCALL_RO", "f1", 1, "k", "a")
    d.check("FUNCTION", "STATS")
    d.check("FUNCTION", "DELETE", "nosuch")
    d.check("FUNCTION", "DELETE", "MYLIB")  # library names are not
    d.check("FUNCTION", "DELETE", "mylib")
    d.check("FCALL", "f1", 0)
    d.check("FUNCTION", "LIST")


def test_fcall_errors(fdiff):
    fdiff.check("FUNCTION", "LOAD", LIB)
    for args in [("nosuch", 0), ("f1", -1), ("f1", 5), ("f1", "x"), ("nosuch", "x"),
                 ("nosuch", 3), ("f1",)]:
        fdiff.check("FCALL", *args)
        fdiff.check("FCALL_RO", *args)


def test_flags_and_read_only_calls(d):
    d.check("FUNCTION", "LOAD", "#!lua name=ro\nredis.register_function{function_name='w', "
            "callback=function(k, a) return redis.call('set', 'x', 'y') end, "
            "flags={'no-writes'}, description='desc'}")
    d.check("FUNCTION", "LOAD", "#!lua name=wr\nredis.register_function('wf', "
            "function(k, a) return redis.call('set', 'x', 'y') end)")
    d.check("FUNCTION", "LOAD", "#!lua name=all\nredis.register_function{function_name='dd', "
            "callback=function() return 1 end, flags={'no-writes','allow-oom','ALLOW-STALE',"
            "'no-cluster','allow-cross-slot-keys','no-writes'}}")
    for name in ("w", "wf", "dd"):
        d.check("FCALL", name, 0)
        d.check("FCALL_RO", name, 0)
        d.check("FUNCTION", "LIST", "LIBRARYNAME", {"w": "ro", "wf": "wr", "dd": "all"}[name])
    d.check("CONFIG", "SET", "maxmemory", "1")
    try:
        for name in ("w", "wf", "dd"):
            d.check("FCALL", name, 0)
    finally:
        d.check("CONFIG", "SET", "maxmemory", "0")


@pytest.mark.parametrize("code", [
    "return 1", "#!lua\nreturn 1", "#!lua name=x\nreturn 1", "#!lua name=x\nredis.call('ping')",
    "#!lua name=x\nredis.register_function('a', function() end) "
    "redis.register_function('a', function() end)",
    "#!lua name=x\nredis.register_function('a b', function() end)",
    "#!lua name=x\nredis.register_function('a')",
    "#!lua name=x\nredis.register_function{function_name='a', callback=function() end, "
    "flags={'bad'}}",
    "#!lua name=x\nredis.register_function{function_name='a', callback=function() end, foo=1}",
    "#!lua name=x\nx=1", "#!lua name=x\nreturn y", "#!lua name=x\nerror('boom')",
    "#!lua name=x\nerror({err='MY boom'})",
    "#!lua name=x\nlocal t = {} for k in pairs(_G) do t[#t+1] = k end",
    "#!lua name=x foo=bar\nredis.register_function('f', function() end)",
    "#!luax name=x\nredis.register_function('f', function() end)",
    "#!LUA name=x\nredis.register_function('f', function() end)",
    "#!lua name=x\nredis.register_function('f', function() end",
    "#!lua name=a-b\nredis.register_function('f', function() end)",
    "#!lua name=\nredis.register_function('f', function() end)",
    "#!lua name=l3 name=l4\nredis.register_function('g', function() end)",
    "#!lua NAME=l5 \nredis.register_function('g', function() end)",
    "#!lua name=l6", '#!lua name="l 7"\nredis.register_function(\'h\', function() end)',
    "#!lua name=b\nredis.register_function{function_name='s2', callback=function() end, "
    "flags='no-writes'}",
    "#!lua name=b\nredis.register_function{function_name='s2'}",
    "#!lua name=b\nredis.register_function{callback=function() end}",
    "#!lua name=b\nredis.register_function{function_name='s2', callback=function() end, "
    "description={}}",
    "#!lua name=b\nredis.register_function{function_name=function() end, callback=1}",
    "#!lua name=b\nredis.register_function('x', 1)",
    "#!lua name=b\nredis.register_function(1, function() end)",
    "#!lua name=b\nredis.register_function()",
    "#!lua name=b\nredis.register_function('a', function() end, 3)",
    "#!lua name=b\nredis.log(redis.LOG_WARNING, 'loading b') "
    "redis.register_function('b1', function() end)",
    "#!lua name=b\nredis.register_function('b2', function() end) return redis.REDIS_VERSION",
    "#!lua name=b\nredis.setresp(3)",
    "#!lua name=b\n\x1bLua",
])
def test_load_errors(fdiff, code):
    fdiff.check("FUNCTION", "LOAD", code)
    fdiff.check("FUNCTION", "LIST")


def test_function_collisions(fdiff):
    fdiff.check("FUNCTION", "LOAD", LIB)
    fdiff.check("FUNCTION", "LOAD", "#!lua name=other\nredis.register_function('F1', "
                "function() end)")
    fdiff.check("FUNCTION", "LOAD", "REPLACE", "#!lua name=mylib\n"
                "redis.register_function('f2', function() return 2 end)")
    fdiff.check("FCALL", "f1", 0)
    fdiff.check("FCALL", "f2", 0)
    fdiff.check("FUNCTION", "LOAD", "REPLACE", "#!lua name=mylib\nreturn 1")
    fdiff.check("FCALL", "f2", 0)  # a failed REPLACE keeps the old library


def test_runtime_environment_and_errors(d):
    code = "\n".join([
        "#!lua name=rt",
        "redis.register_function('env', function() local t = {} "
        "for k in pairs(_G) do t[#t+1] = k end table.sort(t) return t end)",
        "redis.register_function('api', function() local t = {} "
        "for k in pairs(redis) do t[#t+1] = k end table.sort(t) return t end)",
        "redis.register_function('gy', function() return y end)",
        "redis.register_function('nc', function() return redis.call('nosuch') end)",
        "redis.register_function('boom', function() return error('boom') end)",
        "redis.register_function('kv', function(keys, args) return {#keys, #args, keys, args} end)",
        "redis.register_function('resp3', function() redis.setresp(3) "
        "return redis.call('hgetall', 'h') end)",
        "redis.register_function('reg', function() redis.register_function('x', "
        "function() end) end)",
        "redis.register_function('glob', function() KEYS = 1 end)",
    ])
    d.check("FUNCTION", "LOAD", code)
    d.check("HSET", "h", "a", "1")
    for name in ("api", "gy", "nc", "boom", "resp3", "reg", "glob"):
        d.check("FCALL", name, 0)
    d.check("FCALL", "kv", 2, "a", "b", "c")


def test_environment_lists(fdiff):
    fdiff.check("FUNCTION", "LOAD", "#!lua name=e\nredis.register_function('env', function() "
                "local t = {} for k in pairs(_G) do if k ~= 'cmsgpack' and k ~= 'struct' then "
                "t[#t+1] = k end end table.sort(t) return t end)")
    fdiff.check("FCALL", "env", 0)


def test_flush_and_stats(fdiff):
    fdiff.check("FUNCTION", "LOAD", LIB)
    fdiff.check("FUNCTION", "STATS")
    for args in [("x",), ("a", "b"), ("ASYNC",), ("sync",), ()]:
        fdiff.check("FUNCTION", "FLUSH", *args)
    fdiff.check("FUNCTION", "STATS")
    for args in [(), ("x",), ("x", "y"), ("REPLACE",), ("REPLACE", "x", "y")]:
        fdiff.check("FUNCTION", "LOAD", *args)
    fdiff.check("FUNCTION", "HELP")
    fdiff.check("FUNCTION", "HELP", "x")
    fdiff.check("FUNCTION", "KILL")
    fdiff.check("FUNCTION", "NOSUCH")
    fdiff.check("FUNCTION")


# ------------------------------------------------------------------ DUMP / RESTORE


def _payload(bulk: bytes) -> bytes:
    return bulk[bulk.index(b"\r\n") + 2:-2]


def test_dump_is_redis_payload(fdiff):
    fdiff.check("FUNCTION", "DUMP")  # empty: only the RDB version and the CRC64
    fdiff.check("FUNCTION", "LOAD", LIB)
    fdiff.check("FUNCTION", "DUMP")  # short code: stored plain
    fdiff.check("FUNCTION", "FLUSH")
    body = "\n".join("redis.register_function('f%d', function(keys, args) "
                     "return redis.call('get', keys[1]) end)" % i for i in range(8))
    fdiff.check("FUNCTION", "LOAD", "#!lua name=big\n" + body + "\n-- " + "padding " * 40)
    fdiff.check("FUNCTION", "DUMP")  # long code: LZF-compressed exactly as Redis does


def test_restore_policies(fdiff):
    fdiff.check("FUNCTION", "LOAD", "#!lua name=lib1\nredis.register_function('fa', "
                "function() return 1 end)")
    payload = _payload(fdiff.check("FUNCTION", "DUMP"))
    for policy in ((), ("REPLACE",), ("FLUSH",), ("APPEND",), ("append",)):
        fdiff.check("FUNCTION", "RESTORE", payload, *policy)
    fdiff.check("FUNCTION", "FLUSH")
    fdiff.check("FUNCTION", "LOAD", "#!lua name=lib2\nredis.register_function('fa', "
                "function() return 2 end)")
    fdiff.check("FUNCTION", "RESTORE", payload)
    fdiff.check("FUNCTION", "RESTORE", payload, "REPLACE")
    fdiff.check("FUNCTION", "RESTORE", payload, "FLUSH")
    fdiff.check("FCALL", "fa", 0)
    fdiff.check("FUNCTION", "LIST")
    for bad in [(b"x",), (b"x", b"bad"), (b"a", b"b", b"c"), (payload[:-1] + b"x",),
                (b"\xf5",), (payload, b"bad"), (b"\n\x00" + b"\x00" * 8,)]:
        fdiff.check("FUNCTION", "RESTORE", *bad)


def test_restore_payload_errors_on_strata(r):
    from engine.scripting import _dump_footer
    for body, text in [(b"\xf6x", "Pre-GA"), (b"\x01", "not a function"),
                       (b"\xf5\x3f", "Failed loading library payload"),
                       (b"\xf5\x05#!lua", "Invalid library metadata")]:
        with pytest.raises(Exception, match=text):
            r.function_restore(_dump_footer(bytearray(body)))


def test_dump_restore_round_trip(r):
    r.function_flush()
    libs = ["#!lua name=a\nredis.register_function('fa', function(k) "
            "return redis.call('incr', k[1]) end)",
            "#!lua name=b\nredis.register_function{function_name='fb', "
            "callback=function() return 'b' .. string.rep('x', 100) end, flags={'no-writes'}, "
            "description='the b function'}"]
    for code in libs:
        r.function_load(code)
    listing = r.function_list(withcode=True)
    payload = r.function_dump()
    r.function_flush()
    assert r.function_list() == []
    assert r.function_restore(payload)
    assert r.function_list(withcode=True) == listing
    assert r.fcall("fa", 1, "n") == 1 and r.fcall_ro("fb", 0) == b"b" + b"x" * 100
    with pytest.raises(Exception, match="Library a already exists"):
        r.function_restore(payload)
    assert r.function_restore(payload, "REPLACE")
    r.function_flush()


# ------------------------------------------------------------------ busy functions


def test_function_kill_and_stats(strata_server):
    admin = RawClient(strata_server.host, strata_server.port)
    runner = RawClient(strata_server.host, strata_server.port)
    try:
        admin.call("CONFIG", "SET", "busy-reply-threshold", "50")
        admin.call("FUNCTION", "LOAD", "REPLACE", "#!lua name=loops\n"
                   "redis.register_function('loop', function() while true do end end)\n"
                   "redis.register_function('wloop', function() redis.call('set', 'w', 1) "
                   "while true do end end)")
        runner.send(encode_command(["FCALL", "loop", 1, "k", "arg"]))
        time.sleep(0.2)
        busy = (b"-BUSY Redis is busy running a script. You can only call FUNCTION KILL or "
                b"SHUTDOWN NOSAVE.\r\n")
        assert admin.call("PING") == busy
        assert admin.call("SCRIPT", "KILL") == busy
        stats = admin.call("FUNCTION", "STATS")
        assert stats.startswith(b"*4\r\n$14\r\nrunning_script\r\n*6\r\n$4\r\nname\r\n$4\r\nloop"
                                b"\r\n$7\r\ncommand\r\n*5\r\n$5\r\nFCALL\r\n$4\r\nloop\r\n")
        assert admin.call("FUNCTION", "KILL") == b"+OK\r\n"
        assert runner.read_reply() == (b"-ERR Script killed by user with SCRIPT KILL... script: "
                                       b"loop, on @user_function:2.\r\n")
        assert admin.call("FUNCTION", "KILL") == b"-NOTBUSY No scripts in execution right now.\r\n"
        assert admin.call("FUNCTION", "STATS").startswith(b"*4\r\n$14\r\nrunning_script\r\n$-1")
    finally:
        admin.call("CONFIG", "SET", "busy-reply-threshold", "5000")
        admin.call("FUNCTION", "DELETE", "loops")
        admin.close()
        runner.close()


def test_load_timeout(strata_server):
    c = RawClient(strata_server.host, strata_server.port)
    try:
        t = time.time()
        assert c.call("FUNCTION", "LOAD", "#!lua name=t\nwhile true do end") == \
            b"-ERR Error registering functions: ERR FUNCTION LOAD timeout\r\n"
        assert 0.4 < time.time() - t < 5
        assert c.call("FUNCTION", "LIST") == b"*0\r\n"
    finally:
        c.close()


# ------------------------------------------------------------------ redis-py


def test_redis_py_functions(r):
    r.function_flush()
    assert r.function_load("#!lua name=py\nredis.register_function{function_name='hello', "
                           "callback=function(keys, args) return 'hello ' .. args[1] end, "
                           "flags={'no-writes'}}") == b"py"
    assert r.fcall("hello", 0, "world") == b"hello world"
    assert r.fcall_ro("hello", 0, "ro") == b"hello ro"
    assert r.function_list()[0][1] == b"py"
    pipe = r.pipeline()
    pipe.fcall("hello", 0, "a")
    pipe.fcall("hello", 0, "b")
    assert pipe.execute() == [b"hello a", b"hello b"]
    assert r.function_delete("py")
    with pytest.raises(Exception, match="Function not found"):
        r.fcall("hello", 0, "x")
