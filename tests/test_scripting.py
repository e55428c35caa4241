"""EVAL and friends against redis-server 7.0: replies compared byte for byte (RESP2 and
RESP3), error texts with their positions, the sandbox, the libraries scripts see (cjson,
bit, cmsgpack, struct, math.random); busy scripts and SCRIPT KILL on Strata; redis-py's script
helpers."""

import hashlib
import threading
import time

import pytest
import redis

from engine import Engine
from tests.support.diff import Differential
from tests.support.raw import RawClient, encode_command
from tests.support.servers import start_strata


@pytest.fixture(params=[2, 3], ids=["resp2", "resp3"])
def d(request, strata_server, oracle_server):
    dd = Differential(strata_server, oracle_server, resp=request.param)
    for c in (dd.s, dd.o):
        c.call("SCRIPT", "FLUSH")
    yield dd
    dd.close()


def evals(d, scripts, *args):
    for script in scripts:
        d.check("EVAL", script, 0, *args)


# ------------------------------------------------------------------ Lua -> Redis


def test_return_conversions(d):
    evals(d, [
        "return 1", "return 3.99", "return -3.99", "return 'x'", "return true", "return false",
        "return nil", "return {1,2,3,'ciao',{1,2}}", "return {1,2,nil,4}", "return {true,false,1}",
        "return 1e30", "return -1e30", "return 0/0", "return 2^53", "return {}",
        "return {ok='x'}", "return {err='x'}", "return {err='x', ok='y'}", "return {ok=1}",
        "return {err=1}", "return {err='MY code'}", "return {1, {err='e'}, {ok='o'}}",
        "return redis.status_reply('x\\r\\ny')", "return {'a', nil, 'c'}",
        "return print", "return function() end", "return coroutine.create(function() end)",
        "return 1, 2",
    ])


def test_resp3_return_types(d):
    """Typed replies a script can build: sent as such to RESP3 callers, downgraded to
    RESP2 ones (booleans follow redis.setresp)."""
    evals(d, [
        "return {double=1.5}", "return {double=3.14}", "return {double='3.14'}",
        "return {double=1/0}", "return {double=-1/0}", "return {double=0/0}",
        "return {map={a=1,b={1,2}}}", "return {map={}}", "return {set={a=true,b=false}}",
        "return {verbatim_string={format='txt',string='hi'}}",
        "redis.setresp(3) return true", "redis.setresp(3) return false",
        "redis.setresp(3) return {1, {double=1/3}}", "redis.setresp(3) return {err='x'}",
        "redis.setresp(2) return true",
    ])


def test_big_number(d):
    evals(d, ["return {big_number='123456789012345678901234567890'}",
              "return {big_number='1\\r\\n2'}"])


def test_keys_and_argv(d):
    d.check("EVAL", "return {KEYS[1], ARGV[1], #KEYS, #ARGV}", 1, "k", "a")
    d.check("EVAL", "return {KEYS, ARGV}", 2, "k1", "k2", "a1", "a2", "a3")
    d.check("EVAL", "KEYS[1] = 'x' return KEYS[1]", 1, "k")
    d.check("EVAL", "return #KEYS", 0)


def test_numkeys_errors(diff):
    diff.check("EVAL", "return 1", -1)
    diff.check("EVAL", "return 1", 2, "a")
    diff.check("EVAL", "return 1", "x")
    diff.check("EVAL", "return 1")
    diff.check("EVALSHA", "fff", "x")
    diff.check("EVALSHA", "f" * 40, "x")


# ------------------------------------------------------------------ Redis -> Lua


def test_reply_conversions(d):
    d.check("HSET", "h", *[x for i in range(10) for x in ("f%d" % i, str(i))])
    d.check("SADD", "ist", "1", "2", "3")
    d.check("SADD", "st", "x")
    d.check("ZADD", "z", "1.5", "a", "2", "b")
    d.check("RPUSH", "l", "a", "b")
    evals(d, [
        "return redis.call('hgetall','h')", "redis.setresp(3) return redis.call('hgetall','h')",
        "redis.setresp(3) return redis.call('hgetall','h').map.f3",
        "redis.setresp(3) local t = {} for k in pairs(redis.call('hgetall','h').map) do "
        "t[#t+1] = k end return t",
        "redis.setresp(3) return redis.call('smembers','ist')", "return redis.call('smembers','st')",
        "redis.setresp(3) return redis.call('get','nokey')",
        "redis.setresp(3) return {redis.call('get','nokey')}",
        "redis.setresp(3) return type(redis.call('get','nokey'))",
        "return type(redis.call('get','nokey'))", "return redis.call('lrange','nokey',0,-1)",
        "redis.setresp(3) return redis.call('zscore','z','a')",
        "redis.setresp(3) return type(redis.call('zscore','z','a'))",
        "redis.setresp(3) return redis.call('zscore','z','a').double",
        "redis.setresp(3) return redis.call('zrange','z',0,-1,'withscores')",
        "return redis.call('zrange','z',0,-1,'withscores')", "return redis.call('zscore','z','a')",
        "redis.setresp(3) return redis.call('lpop','nokey')", "return redis.call('lpop','l',5)",
        "return redis.call('ping')", "return redis.call('type','h')",
        "return redis.call('exists','h')", "return redis.call('echo','x')",
        "return redis.pcall('incr','h')", "return redis.pcall('lpush','h','x')",
    ])


def test_call_arguments(d):
    evals(d, [
        "redis.call('set','k',0.1) return redis.call('get','k')",
        "redis.call('set','k',1e20) return redis.call('get','k')",
        "redis.call('set','k',3) return redis.call('get','k')",
        "return redis.call('get', nil)", "return redis.call('get', {})",
        "return redis.call('get', true)", "return redis.call('get', 1.5)",
        "return redis.call()", "return redis.call(1)", "return redis.pcall()",
        "return redis.pcall({})",
    ])


def test_select_inside_script_leaves_caller_db(diff):
    diff.check("EVAL", "redis.call('select', 5) redis.call('set','x','in5') "
                       "return redis.call('get','x')", 0)
    diff.check("GET", "x")
    diff.check("SELECT", "5")
    diff.check("GET", "x")
    diff.check("EVAL", "return redis.call('get','x')", 0)  # scripts start in the caller's db
    diff.check("DEL", "x")
    diff.check("SELECT", "0")


# ------------------------------------------------------------------ errors


def test_error_formats(diff):
    evals(diff, [
        "return redis.call('nosuch')", "return redis.call('config','nosuch')",
        "return redis.call('config')", "return redis.call('get')",
        "return redis.call('subscribe','x')", "return redis.call('eval','return 1',0)",
        "return redis.call('multi')", "return redis.call('blpop','nokey',0)",
        "redis.call('set','s','x') return redis.call('incr','s')",
        "local x = redis.call('nosuch')", "local function f() redis.call('nosuch') end\n\nf()",
        "error(nil)", "error(123)", "error('boom')", "error({err=1})", "error({err='MY x'})",
        "error({err='x', source='s', line=5})", "error('a\\nb')", "error('x', 0)", "error('x', 2)",
        "local function f() error('deep') end\nf()", "local x = nil; x()", "return 1 +",
        "return {err='x\\r\\ny'}", "return redis.error_reply('x')",
        "return redis.error_reply('-x')", "return redis.error_reply('ERR x')",
        "return redis.error_reply('MY x')", "return redis.error_reply()",
        "return redis.status_reply(1)", "return __redis__err__handler('x')",
        "#!lua\nreturn error('x')", "#!lua\n\nreturn error('x')",
    ])


def test_pcall(diff):
    evals(diff, [
        "return pcall(function() redis.call('nosuch') end)",
        "local ok, e = pcall(function() redis.call('nosuch') end) return e",
        "local ok, e = pcall(redis.call, 'nosuch') return {type(e), e}",
        "local ok, e = pcall(function() error('x') end) return e",
        "local ok, e = pcall(function() error({err='x'}) end) return type(e)",
        "local ok, e = pcall(error, {err='y'}) return {type(e), e}",
        "local ok, e = pcall(error) return {type(e), tostring(e)}",
        "return {pcall(function() error('x', 0) end)}",
        "local ok, e = xpcall(function() redis.call('nosuch') end, function(x) return x end) "
        "return {type(e), e}",
        "local ok, e = coroutine.resume(coroutine.create(function() redis.call('nosuch') end)) "
        "return {type(e), e}",
        "return redis.pcall('nosuch')", "return redis.pcall('get')",
        "return redis.pcall('subscribe', 'x')", "return redis.pcall('get', {})",
        "local r = redis.pcall('nosuch') return r.err",
    ])


def test_redis_api(diff):
    evals(diff, [
        "return redis.sha1hex('')", "return redis.sha1hex()", "return redis.sha1hex(1)",
        "return redis.log(redis.LOG_WARNING, 'from a test')", "return redis.log(99, 'hi')",
        "return redis.log(redis.LOG_WARNING)", "return redis.log('x', 'y')",
        "return {redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING}",
        "return {redis.REPL_NONE, redis.REPL_AOF, redis.REPL_SLAVE, redis.REPL_REPLICA, "
        "redis.REPL_ALL}",
        "return redis.set_repl(redis.REPL_ALL)", "return redis.set_repl(99)",
        "return redis.set_repl()", "return redis.replicate_commands()",
        "return redis.REDIS_VERSION", "return redis.REDIS_VERSION_NUM",
        "return redis.breakpoint()", "return redis.debug('x')",
        "return redis.acl_check_cmd('get','x')", "return redis.acl_check_cmd('nosuch','x')",
        "return redis.acl_check_cmd()", "return redis.setresp(4)", "return redis.setresp()",
        "return redis.setresp('2')",
        "return {type(pcall), type(redis.call), type(cjson.encode), type(redis.error_reply)}",
        "local t = {} for k in pairs(redis) do t[#t+1] = k end table.sort(t) return t",
    ])


def test_eval_ro_and_shebang_flags(diff):
    for cmd, script in [
        ("EVAL_RO", "return redis.call('set','a','b')"),
        ("EVAL_RO", "return redis.pcall('set','x','y')"),
        ("EVAL_RO", "return redis.pcall('publish','x','y')"),
        ("EVAL_RO", "return redis.call('get','a')"),
        ("EVAL", "#!lua flags=no-writes\nreturn redis.call('set','x','y')"),
        ("EVAL", "#!lua\nreturn redis.call('set','x','y')"),
        ("EVAL_RO", "#!lua\nreturn redis.call('get','x')"),
        ("EVAL_RO", "#!lua flags=no-writes\nreturn redis.call('get','x')"),
    ]:
        diff.check(cmd, script, 0)
    sha = diff.check("SCRIPT", "LOAD", "return redis.call('set','a','b')")[5:-2]
    diff.check("EVALSHA_RO", sha, 0)
    diff.check("EVALSHA", sha, 0)


def test_oom(diff):
    diff.check("CONFIG", "SET", "maxmemory", "1")
    try:
        evals(diff, [
            "#!lua\nreturn 1", "#!lua flags=allow-oom\nreturn redis.call('set','a','b')",
            "return redis.call('set','a','b')", "return redis.call('get','a')",
            "#!lua flags=no-writes\nreturn redis.call('get','a')",
        ])
    finally:
        diff.check("CONFIG", "SET", "maxmemory", "0")


# ------------------------------------------------------------------ SCRIPT


def test_script_cache(diff):
    for body in ["return 1 +", "return 1", "#!lua flags=no-writes\nreturn 1",
                 "#!lua flags=bad\nreturn 1", "#!lua foo=bar\nreturn 1", "#!luax\nreturn 1",
                 "#!lua", "#! \nreturn 1", "#!lua flags=\nreturn 1", '#!lua "x\nreturn 1',
                 "#!lua flags=no-writes,allow-oom,allow-stale,no-cluster,allow-cross-slot-keys"
                 "\nreturn 2", "\x1bLua"]:
        diff.check("SCRIPT", "LOAD", body)
    sha = "e0e1f9fabfc9d4800c877a703b823ac0578ff8db"  # return 1
    diff.check("SCRIPT", "EXISTS", sha, "x", sha.upper())
    diff.check("EVALSHA", sha.upper(), 0)
    diff.check("EVALSHA_RO", sha, 0)
    diff.check("EVAL", "return 2", 0)
    diff.check("EVALSHA", "7f923f79fe76194c868d7e1d0820de36700eb649", 0)  # cached by EVAL
    diff.check("SCRIPT", "FLUSH")
    diff.check("SCRIPT", "EXISTS", sha)
    diff.check("EVALSHA", sha, 0)
    diff.check("EVALSHA", "fff", 0)
    for args in [("FLUSH", "x"), ("FLUSH", "ASYNC"), ("FLUSH", "sync"), ("FLUSH", "sync", "x"),
                 ("HELP",), ("HELP", "x"), ("LOAD",), ("EXISTS",), ("KILL",), ("KILL", "x"),
                 ("DEBUG", "NO"), ("DEBUG", "x"), ("NOSUCH",)]:
        diff.check("SCRIPT", *args)


# ------------------------------------------------------------------ the sandbox


def test_global_protection(diff):
    evals(diff, [
        "return os", "return x", "x = 1", "return print", "return loadfile", "return dofile",
        "return io", "return require", "return debug", "return getfenv", "return newproxy",
        "setmetatable(_G, {})", "rawset(_G, 'x', 1)", "local g = getmetatable(_G) g.__index = {}",
        "return type(getmetatable(_G).__index)", "return type(getmetatable(redis))",
        "getmetatable('').__index.upper = 1", "getmetatable('').__index = {}",
        "return rawequal(getmetatable('').__index, string)", "redis = function() return 1 end",
        "redis.call = function() return 1 end", "cjson.encode = 1", "bit.band = 1",
        "string.x = 1", "_G.x = 1", "_G = 1", "KEYS = 1", "table.insert(redis, 1)",
        "return rawget(_G, 'nosuch')", "return rawget(_G, 'redis') == redis",
        "return tostring(_G._G == _G)", "return ('x'):upper()",
        "local f = loadstring('return 1 + 1') return f()",
        "local f = loadstring('x = 1') return f()", "local f = loadstring('return os') return f()",
        "return loadstring(string.dump(function() return 1 end))",
        "local f, e = loadstring(string.dump(function() return 1 end)) return {tostring(f), e}",
        "return coroutine.wrap(function() coroutine.yield(5) end)()",
        "return coroutine.wrap(function() return os end)()",
        "local t = {} for k in pairs(string) do t[#t+1] = k end table.sort(t) return t",
        "local t = {} for k in pairs(math) do t[#t+1] = k end table.sort(t) return t",
        "local t = {} for k in pairs(table) do t[#t+1] = k end table.sort(t) return t",
        "local t = {} for k in pairs(coroutine) do t[#t+1] = k end table.sort(t) return t",
        "return tostring(1e15) .. ' ' .. tostring(0.1) .. ' ' .. 2^53",
    ])


def test_scripts_cannot_reach_python():
    e = Engine()
    for script in ["return type(redis.call.__class__)", "return python",
                   "return tostring(redis.call):find('lambda') ~= nil and 0 or 1"]:
        try:
            e.execute("EVAL", script, 0)
        except Exception as ex:  # an error is as good as nothing leaking
            assert "Python" not in str(ex) or "not allowed" in str(ex)


# ------------------------------------------------------------------ libraries


def test_cjson(diff):
    evals(diff, [
        "return cjson.encode({1,2,{a=1}})",
        "return cjson.encode({a='x/y', b=1.5, c=true, d=cjson.null, e=1e100, f=0.1})",
        "return cjson.encode({'a\\1\\127\\200\"/\\\\', 1/3, -0, 100000000000000, 1e15})",
        "return cjson.encode({[1]=1,[3]=3})", "return cjson.encode({[1]=1,[30]=3})",
        "return cjson.encode({})", "return cjson.encode(function() end)",
        "return cjson.encode({[true]=1})", "return cjson.encode(1/0)", "return cjson.encode()",
        "return cjson.encode({a={b={}}, c={1,2}})", "return cjson.encode('\\0x')",
        "return cjson.encode({[1.5]='x'})",
        "return cjson.decode('[1,2,{\"a\":1.5}]')[3].a", "return cjson.decode('{')",
        "return cjson.decode('[1,')", "return cjson.decode('x')", "return cjson.decode('')",
        "return cjson.decode('[1] x')", "return cjson.decode('{\"a\" 1}')",
        "return cjson.decode('\"\\\\u00e9\\\\n\\\\ud83d\\\\ude00\"')",
        "return cjson.decode('\"\\\\x\"')", "return cjson.decode('\"abc')",
        "return {cjson.decode('[0x10, 01, -0, 1e2, \"x\", true, null]')}",
        "return cjson.decode('[null]')[1] == cjson.null",
        "return cjson.decode()", "return cjson.decode(1)", "return cjson.decode({})",
        "return cjson.decode('{\"a\":[1,{\"b\":null}],\"c\":\"d\"}').a[1]",
        "return cjson.encode(cjson.decode('{\"k\":[1,2,3],\"s\":\"v\"}'))",
    ])


def test_bit(diff):
    evals(diff, [
        "return bit.band(0xff, 0x0f)", "return bit.tohex(65535)", "return bit.band()",
        "return bit.tobit(2^32+5)", "return bit.bor('3', 4)", "return bit.bxor(1, {})",
        "return {bit.lshift(1, 31), bit.rshift(-1, 28), bit.arshift(-256, 4), "
        "bit.rol(0x12345678, 8), bit.ror(0x12345678, 8), bit.bswap(0x12345678), bit.bnot(0), "
        "bit.bxor(5, 3, 1), bit.tohex(-1, -4), bit.tohex(255, 2), bit.tobit(-1.5)}",
        "local t = {} for k in pairs(bit) do t[#t+1] = k end table.sort(t) return t",
    ])


def test_cmsgpack(diff):
    """lua_cmsgpack 0.4.0: integer/float widths, str8-32, array vs map detection, the
    nesting limit, unpack_one/unpack_limit offsets and every error, stack limits."""
    evals(diff, [
        "return cmsgpack.pack(1, -1, -32, -33, 127, 128, 255, 256, 65535, 65536, 4294967295, "
        "4294967296, -128, -129, -32768, -32769, -2147483648, -2147483649, 2^53 + 1, -2^63, "
        "1e300, 2^63, 1.5, 0.1, 1/0, -1/0, 0/0, -0.0)",
        "return cmsgpack.pack(nil, true, false, 'abc', string.rep('x', 31), "
        "string.rep('y', 32), string.rep('z', 256), string.rep('w', 65536))",
        "return cmsgpack.pack({}, {1,2,3}, {a=1}, {1,nil,3}, {[1.5]=2}, {[0]=1}, {[-1]=1}, "
        "{1,2,a=3}, {[2]=1}, redis.call, print)",
        "local t, m = {}, {} for i=1,20 do t[i] = i m['k'..i] = i end "
        "return cmsgpack.pack(t, m)",
        "local t = {} local c = t for i=1,20 do c[1] = {} c = c[1] end return cmsgpack.pack(t)",
        "local t = {} t[1] = t return cmsgpack.pack(t)", "return cmsgpack.pack()",
        "return {cmsgpack.unpack()}", "return {cmsgpack.unpack(12)}",
        "return {cmsgpack.unpack({})}",
        "return {type(cmsgpack.pack), cmsgpack._NAME, cmsgpack._VERSION, cmsgpack._COPYRIGHT,"
        " cmsgpack._DESCRIPTION}",
        "cmsgpack.x = 1 return 1",
        "local t = {} for k in pairs(cmsgpack) do t[#t+1] = k end table.sort(t) return t",
    ])
    unpack = [
        b"\x01\x02\xa3abc\xc0\xc3\xc2\x93\x01\x02\x03\x82\xa1a\x01\xa1b\x02",
        b"\xd9\x03abc\xda\x00\x02xy\xdb\x00\x00\x00\x01z\xdc\x00\x01\x05"
        b"\xdd\x00\x00\x00\x01\x06\xde\x00\x01\x01\x02\xdf\x00\x00\x00\x00",
        b"\xc1", b"\xc4\x01a", b"\x93\x01", b"\xcd\x01", b"\x81\xc0\x01", b"",
        b"\x81\xcb\x7f\xf8\x00\x00\x00\x00\x00\x00\x01", b"\x82\x01",
        b"\x93\x91\x81\xa1k", b"\xdd\xff\xff\xff\xff\x01",
    ]
    for data in unpack:
        diff.check("EVAL", "return {cmsgpack.unpack(ARGV[1])}", 0, data)
    numbers = (b"\xcb\x3f\xf8\x00\x00\x00\x00\x00\x00\xca\x3f\xc0\x00\x00"
               b"\xcf\xff\xff\xff\xff\xff\xff\xff\xff\xd3\x80\x00\x00\x00\x00\x00\x00\x00"
               b"\xd0\x80\xd1\x80\x00\xd2\x80\x00\x00\x00\xcc\xff\xcd\xff\xff\xce\xff\xff\xff\xff")
    diff.check("EVAL", "return cjson.encode({cmsgpack.unpack(ARGV[1])})", 0, numbers)
    diff.check("EVAL", "return cmsgpack.pack(cmsgpack.unpack(ARGV[1]))", 0,
               b"\x93\x91\x81\xa1k\x92\xc3\xc0\x80\x90\x82\x01\x02\x03\x04")
    for call in ["unpack_one(ARGV[1])", "unpack_one(ARGV[1], 2)", "unpack_one(ARGV[1], 3)",
                 "unpack_one(ARGV[1], 4)", "unpack_one(ARGV[1], -1)", "unpack_one(ARGV[1], 'x')",
                 "unpack_one(ARGV[1], '1')", "unpack_one(ARGV[1], 1.7)",
                 "unpack_limit(ARGV[1], 2)", "unpack_limit(ARGV[1], 0, 0)",
                 "unpack_limit(ARGV[1], 0, 1)", "unpack_limit(ARGV[1], -1)",
                 "unpack_limit(ARGV[1])", "unpack_limit(ARGV[1], 5, 1)"]:
        diff.check("EVAL", "return {cmsgpack.%s}" % call, 0, b"\x01\x02\x03")
    # Lua's C stack limit (8000 slots): deep nesting and many results fail as in Redis
    count = "local t = cmsgpack.unpack(ARGV[1]) return 1"
    for data in (b"\x91" * 3999 + b"\x01", b"\x91" * 4000 + b"\x01",
                 b"\x81\x01" * 3999 + b"\x01", b"\x81\x01" * 4000 + b"\x01"):
        diff.check("EVAL", count, 0, data)
    for script, n in (("cmsgpack.unpack(ARGV[1])", 7999), ("cmsgpack.unpack(ARGV[1])", 8000),
                      ("cmsgpack.unpack(ARGV[1], 1)", 7999),
                      ("cmsgpack.unpack_limit(ARGV[1], 7999)", 7999),
                      ("cmsgpack.unpack_limit(ARGV[1], 9000, 3)", 9000)):
        diff.check("EVAL", "return select('#', %s)" % script, 0, b"\x01" * n)


def test_struct(diff):
    """lua_struct 0.2: sizes, endianness, alignment, strings, and its error texts."""
    evals(diff, [
        "return struct.pack('>bBhHlLTiI', -1, 255, -2, 65535, -3, 4, 5, -6, 7)",
        "return struct.pack('<bBhHlLTi3I5', -1, 255, -2, 65535, -3, 4, 5, -6, 7)",
        "return struct.pack('!4 b i4 d f', 1, 2, 3.5, 1e300)",
        "return struct.pack('>d<f', 1.1, 2.2)",
        "return struct.pack('c3 c0 s', 'abcdef', 'xy', 'zz')",
        "return struct.pack('c3', 'ab')", "return struct.pack('i', 'x')",
        "return struct.pack('z', 1)", "return struct.pack('i33', 1)",
        "return struct.pack('i99999999999', 1)", "return struct.pack('!3 i', 1)",
        "return struct.pack('i16', -1)", "return struct.pack('>i16', -1)",
        "return struct.pack('xxi', 1.9)", "return struct.pack('L', -1.5)", "return struct.pack()",
        "return {struct.unpack('>bBhHlLTiI', "
        "struct.pack('>bBhHlLTiI', -1, 255, -2, 65535, -3, 4, 5, -6, 7))}",
        "return {struct.unpack('<i3I5', struct.pack('<i3I5', -6, 7))}",
        "return cjson.encode({struct.unpack('!4 b i4 d f', "
        "struct.pack('!4 b i4 d f', 1, 2, 3.5, 1.25))})",
        "return {struct.size('bhi!8d c3 x')}", "return {struct.size('s')}",
        "return {struct.size('c0')}", "return {struct.size('q')}", "return {struct.size()}",
        "return {struct.size(12)}",
        "local t = {} for k in pairs(struct) do t[#t+1] = k end table.sort(t) return t",
    ])
    for fmt, data, init in (("b c0", b"\x03abcd", ""), ("c0", b"\x03abcd", ""),
                            ("s s", b"ab\x00cd\x00e", ""), ("s s s", b"ab\x00cd\x00e", ""),
                            ("i", b"ab", ""), ("b", b"ab", ", 2"), ("b", b"ab", ", 3"),
                            ("b", b"ab", ", 4"), ("b", b"ab", ", 0"), ("b", b"ab", ", -5"),
                            ("x", b"ab", ""), ("i16", b"\xff" * 16, ""), ("I9", b"\xff" * 9, ""),
                            ("l", b"\xff" * 8, ""), ("L", b"\xff" * 8, "")):
        diff.check("EVAL", "return {struct.unpack('%s', ARGV[1]%s)}" % (fmt, init), 0, data)


def test_math_random_is_redis_prng(diff):
    evals(diff, [
        "math.randomseed(42) return {math.random(100), math.random(1,10), "
        "tostring(math.random())}",
        "math.randomseed(7) local t = {} for i = 1, 20 do t[i] = math.random(1000) end return t",
        "return math.random(0)", "return math.random(1,2,3)", "return math.random('x')",
        "return math.randomseed()",
    ])


# ------------------------------------------------------------------ atomicity, engine view


def test_transactions_and_scripts(diff):
    diff.check("MULTI")
    diff.check("EVAL", "return redis.call('set','m','1')", 0)
    diff.check("EVAL", "return redis.call('incr','m')", 0)
    diff.check("EXEC")
    diff.check("SET", "counter", "10")
    diff.check("EVAL", "local v = redis.call('incrby', KEYS[1], ARGV[1]) "
                       "redis.call('expire', KEYS[1], 100) return {v, redis.call('ttl', KEYS[1])}",
               1, "counter", "5")


def test_blocked_client_is_served_after_the_script(strata_server):
    waiter = RawClient(strata_server.host, strata_server.port)
    c = RawClient(strata_server.host, strata_server.port)
    try:
        c.call("DEL", "q")
        waiter.send(encode_command(["BLPOP", "q", "5"]))
        time.sleep(0.1)
        # the push and the pop inside one script: the waiter sees neither element
        assert c.call("EVAL", "redis.call('rpush','q','a','b') redis.call('lpop','q') "
                              "return redis.call('llen','q')", 0) == b":1\r\n"
        assert waiter.read_reply() == b"*2\r\n$1\r\nq\r\n$1\r\nb\r\n"
    finally:
        waiter.close()
        c.close()


def test_engine_state_during_and_after(engine):
    engine.execute("SET", "k", "v")
    assert engine.execute("EVAL", "redis.call('select', 1) redis.call('set', 'k', 'one') "
                                  "return redis.call('get', 'k')", 0) == b"one"
    assert engine.execute("GET", "k") == b"v"
    assert not engine.in_script and engine.busy_reply is None
    seen = []
    engine.execute("EVAL", "return 1", 0)
    s = engine.scripting
    original = s.lua_check

    def check():
        seen.append((engine.in_script, s.run.name))
        return original()
    s.lua_check = check
    engine.execute("EVAL", "for i = 1, 300000 do end return 1", 0)
    assert seen and all(flag for flag, _ in seen)
    assert not engine.in_script


def test_effects_replication(engine):
    """Scripts replicate as their effects in one transaction, never as EVAL."""
    log = []

    class Replication:
        def propagate(self, db, argv):
            log.append((db, list(argv)))

        def begin_transaction(self, db):
            log.append("MULTI")

        def end_transaction(self):
            log.append("EXEC")
    engine.replication = Replication()
    engine.execute("EVAL", "redis.call('set', KEYS[1], 'v', 'EX', 100) "
                           "redis.call('select', 2) redis.call('incr', 'n')", 1, "k")
    assert log[0] == "MULTI" and log[-1] == "EXEC"
    assert [e for e in log[1:-1]] == [(0, log[1][1]), (2, [b"incr", b"n"])]
    assert log[1][1][:3] == [b"SET", b"k", b"v"] or log[1][1][:3] == [b"set", b"k", b"v"]
    assert not any(isinstance(e, tuple) and e[1][0].lower() == b"eval" for e in log)
    log.clear()
    engine.execute("EVAL", "return redis.call('get', KEYS[1])", 1, "k")
    assert all(not isinstance(e, tuple) for e in log)  # nothing written, nothing propagated


def test_monitor_shows_script_commands(strata_server):
    m = RawClient(strata_server.host, strata_server.port)
    c = RawClient(strata_server.host, strata_server.port)
    try:
        assert m.call("MONITOR") == b"+OK\r\n"
        c.call("EVAL", "return redis.call('set', KEYS[1], 'v')", 1, "mk")
        out = b""
        deadline = time.time() + 2
        while out.count(b"\r\n") < 2 and time.time() < deadline:
            out += m.read_available(0.2)
        lines = out.split(b"\r\n")
        assert b'"EVAL"' in lines[0] and b"lua]" not in lines[0]
        assert b'[0 lua] "set" "mk" "v"' in lines[1]
    finally:
        m.close()
        c.close()


# ------------------------------------------------------------------ busy scripts


@pytest.fixture
def busy_threshold(strata_server):
    c = RawClient(strata_server.host, strata_server.port)
    c.call("CONFIG", "SET", "busy-reply-threshold", "50")
    yield
    c.call("CONFIG", "SET", "busy-reply-threshold", "5000")
    c.close()


def test_busy_script_and_script_kill(strata_server, busy_threshold):
    runner = RawClient(strata_server.host, strata_server.port)
    other = RawClient(strata_server.host, strata_server.port)
    late = None
    try:
        assert other.call("SCRIPT", "KILL") == b"-NOTBUSY No scripts in execution right now.\r\n"
        script = "while true do end"
        runner.send(encode_command(["EVAL", script, 0]))
        time.sleep(0.2)
        busy = (b"-BUSY Redis is busy running a script. You can only call SCRIPT KILL or "
                b"SHUTDOWN NOSAVE.\r\n")
        assert other.call("PING") == busy
        assert other.call("GET", "x") == busy
        assert other.call("FUNCTION", "STATS") == busy
        assert other.call("FUNCTION", "KILL") == busy
        late = RawClient(strata_server.host, strata_server.port)  # accepted while busy
        assert late.call("PING") == busy
        assert late.call("SCRIPT", "KILL") == b"+OK\r\n"
        assert runner.read_reply() == (
            b"-ERR Script killed by user with SCRIPT KILL... script: %s, on @user_script:1.\r\n"
            % hashlib.sha1(script.encode()).hexdigest().encode())
        assert late.call("PING") == b"+PONG\r\n"  # the event loop adopted it
        assert runner.call("PING") == other.call("PING") == b"+PONG\r\n"
    finally:
        for c in (runner, other, late):
            if c is not None:
                c.close()


def test_killed_script_reply_and_pcall(strata_server, busy_threshold):
    runner = RawClient(strata_server.host, strata_server.port)
    other = RawClient(strata_server.host, strata_server.port)
    try:
        # pcall cannot swallow the kill: the hook raises on every line from then on
        # (a connection the event loop has not started serving when the script begins
        # waits for the script: make sure this one is served)
        assert other.call("PING") == b"+PONG\r\n"
        script = "while true do pcall(function() while true do end end) end"
        runner.send(encode_command(["EVAL", script, 0]))
        time.sleep(0.2)
        assert other.call("SCRIPT", "KILL") == b"+OK\r\n"
        reply = runner.read_reply()
        assert reply.startswith(b"-ERR Script killed by user with SCRIPT KILL... script: ")
        assert reply.endswith(b", on @user_script:1.\r\n")
        assert runner.call("PING") == other.call("PING") == b"+PONG\r\n"
    finally:
        runner.close()
        other.close()


def test_slow_script_finishes_by_itself(strata_server, busy_threshold):
    runner = RawClient(strata_server.host, strata_server.port)
    other = RawClient(strata_server.host, strata_server.port)
    try:
        assert other.call("PING") == b"+PONG\r\n"
        runner.send(encode_command([
            "EVAL", "local t = redis.call('time') local n = 0 while true do n = n + 1 "
            "local now = redis.call('time') if (now[1] - t[1]) * 1e6 + now[2] - t[2] > 1000000 "
            "then return 7 end end", 0]))
        time.sleep(0.3)
        assert other.call("PING").startswith(b"-BUSY")
        assert runner.read_reply() == b":7\r\n"
        assert other.call("PING") == b"+PONG\r\n"
    finally:
        runner.close()
        other.close()


def test_unkillable_script_and_shutdown_nosave(strata_impl):
    srv = start_strata(strata_impl, ["--busy-reply-threshold", "50"])
    try:
        runner = RawClient(srv.host, srv.port)
        runner.send(encode_command(["EVAL", "redis.call('set','x','y') while true do end", 0]))
        time.sleep(0.2)
        other = RawClient(srv.host, srv.port)  # accepted by the busy loop itself
        assert other.call("SCRIPT", "KILL").startswith(b"-UNKILLABLE Sorry the script already")
        other.send(encode_command(["SHUTDOWN", "NOSAVE"]))
        srv.proc.wait(10)
        runner.close()
        other.close()
    finally:
        srv.stop()


# ------------------------------------------------------------------ redis-py


def test_redis_py_eval_and_register_script(r):
    assert r.eval("return {KEYS[1], ARGV[1]}", 1, "k", "v") == [b"k", b"v"]
    incr = r.register_script("return redis.call('incrby', KEYS[1], ARGV[1])")
    assert incr(keys=["n"], args=[5]) == 5
    r.script_flush()  # EVALSHA gets NOSCRIPT: redis-py loads the script and retries
    assert incr(keys=["n"], args=[2]) == 7
    assert r.script_exists(incr.sha) == [True]
    with pytest.raises(redis.exceptions.NoScriptError):
        r.evalsha("0" * 40, 0)
    with pytest.raises(Exception, match="Unknown Redis command"):
        r.eval("return redis.call('nosuch')", 0)


def test_redis_py_pipeline_with_scripts(r):
    incr = r.register_script("return redis.call('incr', KEYS[1])")
    r.script_flush()
    pipe = r.pipeline()
    incr(keys=["p"], client=pipe)
    incr(keys=["p"], client=pipe)
    pipe.eval("return redis.call('get', KEYS[1])", 1, "p")
    assert pipe.execute() == [1, 2, b"2"]


def test_redis_py_lock(r):
    lock = r.lock("resource", timeout=10)
    assert lock.acquire(blocking=False)
    assert not r.lock("resource", timeout=10).acquire(blocking=False)
    assert lock.extend(5)
    assert 10 < r.ttl("resource") <= 15
    assert lock.reacquire()
    lock.release()
    assert r.get("resource") is None
    other = r.lock("resource", timeout=1)
    assert other.acquire(blocking=False)
    with pytest.raises(Exception):
        lock.release()  # not the owner any more: redis-py's Lua script says so
    other.release()


def test_redis_py_lock_across_threads(r):
    counter = []

    def worker():
        with r.lock("shared", timeout=5, blocking_timeout=5):
            v = int(r.get("c") or 0)
            counter.append(v)
            r.set("c", v + 1)
    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert int(r.get("c")) == 4 and sorted(counter) == [0, 1, 2, 3]
