"""Lua scripting (EVAL and FUNCTION) run as Redis 7.0 runs it.

Redis scripts are Lua 5.1 and lupa embeds the real Lua 5.1 runtime (``lupa.lua51``), so the
language, its libraries, its error messages and its table iteration order are Redis's own.
Each engine has two interpreters, as Redis has: one for EVAL scripts (cached by SHA1) and
one for function libraries. ``BOOT`` turns a fresh interpreter into Redis's sandbox: globals
and library tables are read-only (Redis patches its Lua for that; here a protected table is
a proxy), a missing global raises, only Redis's whitelist of builtins is reachable, and the
``redis`` API calls back into Python, where commands run through
``Engine.execute_command`` on a client of kind "lua" after scriptCall()'s checks.

A script is atomic: ``engine.in_script`` is set while it runs. A Lua count hook calls back
every 100000 instructions; past ``busy-reply-threshold`` the engine is busy: the hook
serves the other connections itself (the event loop is not running) and the dispatcher
answers BUSY to every command not flagged ``allow_busy``; SCRIPT KILL / FUNCTION KILL /
SHUTDOWN NOSAVE make the hook raise on every line until the script has unwound.
"""

import hashlib
import math
import os
import re
import select
import socket
import struct
import time
import weakref
from typing import TYPE_CHECKING, Any

from lupa import lua51

from native.resp_common import Attribute, BigNumber, DoubleText, SetReply
from native.resp_py import split_inline

from . import errors, scripting_libs
from .commands.table import Command
from .config import REDIS_VERSION
from .connection import Client
from .errors import CommandError, arg
from .glob import stringmatch
from .log import WARNING
from .replies import NO_REPLY, NullArray, Push, ReplyError, Status, Verbatim

if TYPE_CHECKING:  # pragma: no cover
    from .engine import Engine

__all__ = [
    "ALLOW_CROSS_SLOT",
    "ALLOW_OOM",
    "ALLOW_STALE",
    "EVAL_COMPAT",
    "FLAG_NAMES",
    "NO_CLUSTER",
    "NO_WRITES",
    "Scripting",
    "get",
]

# Script flags (shebang "flags=" / redis.register_function flags), Redis's bit values.
NO_WRITES, ALLOW_OOM, ALLOW_STALE, NO_CLUSTER, ALLOW_CROSS_SLOT = 1, 2, 4, 8, 16
EVAL_COMPAT = 32  # an EVAL script without shebang: Redis 6 semantics
FLAG_NAMES = ((b"no-writes", NO_WRITES), (b"allow-oom", ALLOW_OOM),
              (b"allow-stale", ALLOW_STALE), (b"no-cluster", NO_CLUSTER),
              (b"allow-cross-slot-keys", ALLOW_CROSS_SLOT))
_FLAG_BITS = dict(FLAG_NAMES)

LLONG_MIN, LLONG_MAX = -(1 << 63), (1 << 63) - 1
HOOK_INSTRUCTIONS = 100000      # LUA_MASKCOUNT period of Redis's luaMaskCountHook
LOAD_TIMEOUT = 0.5              # FUNCTION LOAD's 500 ms limit
_VERSION_NUM = sum(int(p) << s for p, s in zip(REDIS_VERSION.split("."), (16, 8, 0),
                                                 strict=True))
_NAME_RE = re.compile(rb"[A-Za-z0-9_]+\Z")

# The sandbox, run once in each fresh interpreter with (py, texts, functions_mode).
# Frames of this chunk ("=strata") are skipped by the error handler, so positions point
# at the user's script exactly as Redis's C implementation of the same API does.
BOOT = r"""
local py, T, functions_mode = ...
local type, error, tostring, tonumber, select, next, pairs, ipairs =
  type, error, tostring, tonumber, select, next, pairs, ipairs
local rawget, rawset, setmetatable, getmetatable = rawget, rawset, setmetatable, getmetatable
local loadstring, load, xpcall, pcall, unpack = loadstring, load, xpcall, pcall, unpack
local getinfo, sethook, setfenv, newproxy = debug.getinfo, debug.sethook, setfenv, newproxy
local strsub, strfind, strlower, strformat, strgsub, strchar =
  string.sub, string.find, string.lower, string.format, string.gsub, string.char
local concat, floor, huge = table.concat, math.floor, math.huge
local INTERNAL = '=strata'

-- Read-only tables: an empty proxy whose metatable forwards reads and refuses writes.
local RO = setmetatable({}, {__mode = 'k'})      -- proxy -> the protected table
local SHOWN = setmetatable({}, {__mode = 'k'})   -- proxy -> what getmetatable() shows

local function readonly_error() error(T.readonly, 2) end

local function protect(t, shown, meta)
  meta = meta or {}
  meta.__index, meta.__newindex, meta.__metatable = t, readonly_error, false
  local p = setmetatable({}, meta)
  RO[p], SHOWN[p] = t, shown
  return p
end

local function missing_global(_, name)
  error(strformat(T.no_global, tostring(name)), 2)
end

local function raise(msg) error({err = msg}) end
local function fail(msg) error({err = 'ERR ' .. msg}) end

-- luaPushErrorBuff(): "-CODE msg" keeps its code, anything else gets ERR
local function error_table(s)
  local code, msg = 'ERR', s
  if strsub(s, 1, 1) == '-' then
    local sp = strfind(s, ' ', 1, true)
    if sp then code, msg = strsub(s, 2, sp - 1), strsub(s, sp + 1) else msg = strsub(s, 2) end
  end
  msg = strgsub(msg, '^[\r\n]+', '')
  msg = strgsub(msg, '[\r\n]+$', '')
  return {err = code .. ' ' .. msg}
end

local function stringish(v) local t = type(v) return t == 'string' or t == 'number' end

-- luaO_chunkid() (LUA_IDSIZE 60), for the message of a refused binary chunk
local function chunkid(source)
  local z = strfind(source, '\0', 1, true)
  if z then source = strsub(source, 1, z - 1) end
  local first = strsub(source, 1, 1)
  if first == '=' then return strsub(source, 2, 60) end
  if first == '@' then
    source = strsub(source, 2)
    if #source > 52 then return '...' .. strsub(source, -52) end
    return source
  end
  local len = (strfind(source, '[\r\n]') or #source + 1) - 1
  if len > 44 then len = 44 end
  if len < #source then return '[string "' .. strsub(source, 1, len) .. '..."]' end
  return '[string "' .. source .. '"]'
end

local function bytecode_error(name)
  return nil, chunkid(name) .. ":1: unexpected symbol near 'char(27)'"
end

-- Builtins that must see through the proxies (or refuse to write through them).
local GP   -- the sandbox's globals (a protected proxy): the environment of all user code
local B = {}
function B.rawset(t, k, v)
  if RO[t] then error(T.readonly, 0) end
  return rawset(t, k, v)
end
function B.setmetatable(t, m)
  if RO[t] then error(T.readonly, 0) end
  return setmetatable(t, m)
end
local STRING_META
function B.getmetatable(v)
  if RO[v] then return SHOWN[v] end
  if type(v) == 'string' then return STRING_META end
  return getmetatable(v)
end
function B.rawget(t, k) return rawget(RO[t] or t, k) end
function B.next(t, k) return next(RO[t] or t, k) end
function B.pairs(t)
  local real = RO[t]
  if real then return next, real, nil end
  return pairs(t)
end
-- Redis's Lua refuses binary chunks (it parses them as text)
function B.loadstring(s, name)
  if type(s) == 'string' and strsub(s, 1, 1) == '\27' then return bytecode_error(name or s) end
  local fn, err = loadstring(s, name)
  if fn then setfenv(fn, GP) end
  return fn, err
end
function B.load(f, name)
  if type(f) ~= 'function' then return load(f, name) end
  local first, binary = true, false
  local function reader()
    local piece = f()
    if first then
      first = false
      if type(piece) == 'string' and strsub(piece, 1, 1) == '\27' then binary = true return nil end
    end
    return piece
  end
  local fn, err = load(reader, name)
  if binary then return bytecode_error(name or '=(load)') end
  if fn then setfenv(fn, GP) end
  return fn, err
end

-- redis.call raises from Python: the error value is the Python exception, to unwrap
local py_unwrap = py.unwrap
local function unwrap(e)
  if type(e) == 'userdata' then
    local v = py_unwrap(e)
    if v ~= nil then return v end
  end
  return e
end
local function unwrap_results(ok, ...)
  if ok then return ok, ... end
  return ok, unwrap((...))
end
-- luaRedisPcall(): an error table becomes its err field
local function pcall_results(ok, ...)
  if ok then return ok, ... end
  local e = unwrap((...))
  if type(e) == 'table' then
    local msg = e.err
    if stringish(msg) then e = msg end
  end
  return false, e
end
function B.pcall(...) return pcall_results(pcall(...)) end
function B.xpcall(f, h) return xpcall(f, function(e) return h(unwrap(e)) end) end
local API = setmetatable({}, {__mode = 'k'})   -- Python callables that are functions to Lua
function B.type(...)
  if select('#', ...) == 0 then error("bad argument #1 to 'type' (value expected)", 2) end
  local v = ...
  local t = type(v)
  if t == 'userdata' and API[v] then return 'function' end
  return t
end

-- __redis__err__handler: the error as a table with the position of the user's code
local function err_handler(err)
  err = unwrap(err)
  local level = 2
  local i = getinfo(level, 'nSl')
  if i and i.what == 'C' then level = level + 1 i = getinfo(level, 'nSl') end
  while i and i.source == INTERNAL do level = level + 1 i = getinfo(level, 'nSl') end
  if type(err) ~= 'table' then err = {err = 'ERR ' .. tostring(err)} end
  if i then err.source = i.source err.line = i.currentline end
  return err
end

-- The count hook: Python decides (timeout, busy mode, kill, load timeout).
local check = py.check
local kill_msg
local function kill_hook()
  local i = getinfo(2, 'S')   -- not in this chunk: it has to unwind, then reset the hook
  if i and i.source ~= INTERNAL then raise(kill_msg) end
end
local function count_hook()
  local msg = check()
  if msg then
    kill_msg = msg
    sethook(kill_hook, 'l')   -- every line from now on: pcall cannot swallow the kill
    raise(msg)
  end
end
local function reset_hook() sethook(count_hook, '', HOOK) end
reset_hook()

-- The redis API --------------------------------------------------------------------------
-- Functions that can raise are Python callables, C functions to Lua as Redis's are: a tail
-- call keeps the caller's frame, so errors point at the script's line.
local function api_table(names)
  local t = {}
  for _, name in ipairs(names) do
    local f = py[name]
    API[f] = true
    t[strgsub(name, '^[%w]+_', '')] = f
  end
  return t
end
local redis = api_table({'redis_call', 'redis_pcall', 'redis_sha1hex', 'redis_log',
                         'redis_setresp', 'redis_set_repl', 'redis_acl_check_cmd'})
function redis.error_reply(...)
  local s = ...
  if select('#', ...) ~= 1 or type(s) ~= 'string' then return error_table(T.wrong_args_type) end
  if strsub(s, 1, 1) ~= '-' then s = '-' .. s end
  return error_table(s)
end
function redis.status_reply(...)
  local s = ...
  if select('#', ...) ~= 1 or type(s) ~= 'string' then return error_table(T.wrong_args_type) end
  return {ok = s}
end
redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING = 0, 1, 2, 3
redis.REPL_NONE, redis.REPL_AOF, redis.REPL_SLAVE, redis.REPL_REPLICA, redis.REPL_ALL =
  0, 1, 2, 2, 3
redis.REDIS_VERSION, redis.REDIS_VERSION_NUM = T.version, T.version_num
if not functions_mode then
  function redis.replicate_commands() return true end
  function redis.breakpoint() return false end
  function redis.debug() end
end

-- Libraries ------------------------------------------------------------------------------
local math_ = {}
for k, v in pairs(math) do math_[k] = v end
local m = api_table({'math_random', 'math_randomseed'})
math_.random, math_.randomseed = m.random, m.randomseed
local function c_library(fns, info)
  local t = {}
  for name, f in pairs(fns) do API[f] = true t[name] = f end
  for k, v in pairs(info or {}) do t[k] = v end
  return t
end
local bit = c_library(py.bit)
local cmsgpack = c_library(py.cmsgpack, py.cmsgpack_info)
local struct = c_library(py.struct)

local NULL = newproxy(false)
local json_escape = {}
for i = 0, 31 do json_escape[strchar(i)] = strformat('\\u%04x', i) end
json_escape['\b'], json_escape['\t'], json_escape['\n'] = '\\b', '\\t', '\\n'
json_escape['\f'], json_escape['\r'] = '\\f', '\\r'
json_escape['"'], json_escape['\\'], json_escape['/'] = '\\"', '\\\\', '\\/'
json_escape['\127'] = '\\u007f'
local function json_string(s) return '"' .. strgsub(s, '[%z\1-\31"/\\\127]', json_escape) .. '"' end
local function json_fail(v, reason) error('Cannot serialise ' .. type(v) .. ': ' .. reason, 0) end
-- cjson.encode_max_depth / encode_invalid_numbers (0 off, 1 on, 2 null), set per call
local json_max_depth, json_invalid = 1000, 0
local function json_number(v)
  if v ~= v or v == huge or v == -huge then
    if json_invalid == 0 then json_fail(v, 'must not be NaN or Inf') end
    if json_invalid == 2 then return 'null' end
    if v ~= v then return 'nan' end
  end
  return strformat('%.14g', v)
end
local function json_value(v, depth, out)
  local t = type(v)
  if t == 'string' then out[#out + 1] = json_string(v)
  elseif t == 'number' then out[#out + 1] = json_number(v)
  elseif t == 'boolean' then out[#out + 1] = v and 'true' or 'false'
  elseif t == 'nil' or v == NULL then out[#out + 1] = 'null'
  elseif t == 'table' then
    depth = depth + 1
    if depth > json_max_depth then
      error(strformat('Cannot serialise, excessive nesting (%d)', depth), 0)
    end
    local max, items = 0, 0
    for k in next, v do
      if type(k) == 'number' and k >= 1 and floor(k) == k then
        if k > max then max = k end
        items = items + 1
      else
        max = -1
        break
      end
    end
    if max > items * 2 and max > 10 then json_fail(v, 'excessively sparse array') end
    if max > 0 then
      out[#out + 1] = '['
      for i = 1, max do
        if i > 1 then out[#out + 1] = ',' end
        json_value(rawget(v, i), depth, out)
      end
      out[#out + 1] = ']'
    else
      out[#out + 1] = '{'
      local first = true
      for k, x in next, v do
        if not first then out[#out + 1] = ',' end
        first = false
        local kt = type(k)
        if kt == 'string' then out[#out + 1] = json_string(k) .. ':'
        elseif kt == 'number' then out[#out + 1] = '"' .. json_number(k) .. '":'
        else json_fail(k, 'table key must be a number or string') end
        json_value(x, depth, out)
      end
      out[#out + 1] = '}'
    end
  else
    json_fail(v, 'type not supported')
  end
end
local function json_encode(v, max_depth, invalid)
  json_max_depth, json_invalid = max_depth, invalid
  local out = {}
  local ok, err = pcall(json_value, v, 0, out)
  if not ok then return false, err end
  return true, concat(out)
end
local cjson = api_table({'cjson_encode', 'cjson_decode', 'cjson_encode_max_depth',
                         'cjson_decode_max_depth', 'cjson_encode_invalid_numbers',
                         'cjson_encode_keep_buffer'})
cjson._NAME, cjson._VERSION, cjson.null = 'cjson', '2.1.0', NULL

-- The sandbox ----------------------------------------------------------------------------
local lib = {}
for _, name in ipairs({'assert', 'collectgarbage', 'error', 'gcinfo', 'ipairs', 'rawequal',
                       'select', 'tonumber', 'tostring', 'unpack'}) do
  lib[name] = _G[name]
end
for name, f in pairs(B) do lib[name] = f end
lib._VERSION = _VERSION
local string_proxy = protect(string)
local table_ = {}
for k, v in pairs(table) do table_[k] = v end
for _, name in ipairs({'insert', 'remove', 'sort', 'setn'}) do
  local f = table[name]
  table_[name] = function(t, ...)
    if RO[t] then error(T.readonly, 0) end
    return f(t, ...)
  end
end
local coroutine_ = {}
for k, v in pairs(coroutine) do coroutine_[k] = v end
local resume = coroutine.resume
function coroutine_.resume(...) return unwrap_results(resume(...)) end
lib.string, lib.table, lib.coroutine = string_proxy, protect(table_), protect(coroutine_)
lib.math, lib.bit, lib.cjson = protect(math_), protect(bit), protect(cjson)
lib.cmsgpack, lib.struct = protect(cmsgpack), protect(struct)
lib.redis = protect(redis)
getmetatable('').__index = string_proxy
STRING_META = protect(getmetatable(''))
setmetatable(lib, {__index = missing_global})
if not functions_mode then lib.__redis__err__handler = err_handler end

local shown_meta = protect({__index = missing_global})
local gp_meta = {}
GP = protect(lib, shown_meta, gp_meta)
lib._G = GP

-- FUNCTION LOAD runs the library code with only redis.register_function & co. visible
local register_flags = {['no-writes'] = 1, ['allow-oom'] = 2, ['allow-stale'] = 4,
                        ['no-cluster'] = 8, ['allow-cross-slot-keys'] = 16}
local function read_flags(t)
  local seen, j = {}, 1
  while true do
    local v = t[j]
    if v == nil then break end
    if not stringish(v) then return nil end
    v = register_flags[strlower(tostring(v))]
    if not v then return nil end
    seen[v] = true
    j = j + 1
  end
  local mask = 0
  for bit in next, seen do mask = mask + bit end
  return mask
end
local function register_function(...)
  local n = select('#', ...)
  if n < 1 or n > 2 then fail(T.reg_argc) end
  local name, callback, desc, flags
  if n == 1 then
    local args = ...
    if type(args) ~= 'table' then fail(T.reg_table) end
    for k, v in next, args do
      if not stringish(k) then fail(T.reg_key) end
      local key = strlower(tostring(k))
      if key == 'function_name' then
        if not stringish(v) then fail(T.reg_name_type) end
        name = tostring(v)
      elseif key == 'description' then
        if not stringish(v) then fail(T.reg_desc_type) end
        desc = tostring(v)
      elseif key == 'callback' then
        if type(v) ~= 'function' then fail(T.reg_callback_type) end
        callback = v
      elseif key == 'flags' then
        if type(v) ~= 'table' then fail(T.reg_flags_type) end
        flags = read_flags(v)
        if not flags then fail(T.reg_flag_unknown) end
      else
        fail(T.reg_arg_unknown)
      end
    end
    if not name then fail(T.reg_no_name) end
    if not callback then fail(T.reg_no_callback) end
  else
    name, callback = ...
    if not stringish(name) then fail(T.reg_pos_name) end
    if type(callback) ~= 'function' then fail(T.reg_pos_callback) end
    name = tostring(name)
  end
  local err = py.register(name, callback, desc, flags or 0)
  if err then fail(err) end
end
local load_redis = {register_function = register_function, log = redis.log,
                    REDIS_VERSION = T.version, REDIS_VERSION_NUM = T.version_num}
for _, name in ipairs({'LOG_DEBUG', 'LOG_VERBOSE', 'LOG_NOTICE', 'LOG_WARNING'}) do
  load_redis[name] = redis[name]
end
local LOAD_G = setmetatable({redis = protect(setmetatable(load_redis, {__index = missing_global}))},
                            {__index = missing_global})

-- Entry points for Python ------------------------------------------------------------------
local api = {null = NULL}
function api.compile(body, chunkname) return B.loadstring(body, chunkname) end
function api.run_eval(f, keys, argv)
  rawset(lib, 'KEYS', keys)
  rawset(lib, 'ARGV', argv)
  local ok, r = xpcall(f, err_handler)
  reset_hook()
  return ok, r
end
function api.run_function(f, keys, args)
  local ok, r = xpcall(function() local r = f(keys, args) return r end, err_handler)
  reset_hook()
  return ok, r
end
function api.load_library(code)
  local f, err = B.loadstring(code, '@user_function')
  if not f then return 'compile', err end
  gp_meta.__index = LOAD_G
  local ok, e = pcall(f)
  gp_meta.__index = lib
  reset_hook()
  if not ok then return 'run', e end
end
-- luaReplyToRedisReply()'s reading of a table, in its order
function api.inspect(t)
  local v = rawget(t, 'err')
  if type(v) == 'string' then return 'err', v, rawget(t, 'ignore_err_stats_update') == true end
  v = rawget(t, 'ok')
  if type(v) == 'string' then return 'ok', v end
  v = rawget(t, 'double')
  if type(v) == 'number' then return 'double', v end
  v = rawget(t, 'big_number')
  if type(v) == 'string' then return 'big_number', v end
  v = rawget(t, 'verbatim_string')
  if type(v) == 'table' then
    local f, s = rawget(v, 'format'), rawget(v, 'string')
    if type(f) == 'string' and type(s) == 'string' then return 'verbatim', s, f end
  end
  v = rawget(t, 'map')
  if type(v) == 'table' then
    local out, n = {}, 0
    for k, x in next, v do out[n + 1], out[n + 2], n = k, x, n + 2 end
    return 'map', out, n
  end
  v = rawget(t, 'set')
  if type(v) == 'table' then
    local out, n = {}, 0
    for k in next, v do n = n + 1 out[n] = k end
    return 'set', out, n
  end
  local n = 0
  while rawget(t, n + 1) ~= nil do n = n + 1 end
  return 'array', t, n
end
api.json_encode = json_encode
function api.where(level)   -- luaL_where(): the position of a Python function's caller
  local i = getinfo(level, 'Sl')
  if i and i.currentline > 0 then return i.short_src .. ':' .. i.currentline .. ': ' end
  return ''
end
function api.error_fields(e)
  return e.err, e.source, e.line, e.ignore_err_stats_update == true
end

return api
""".replace("HOOK", str(HOOK_INSTRUCTIONS))

_TEXTS = {
    b"readonly": errors.LUA_READONLY, b"no_global": errors.LUA_NO_GLOBAL,
    b"wrong_args": errors.LUA_WRONG_ARGS, b"wrong_args_type": errors.LUA_WRONG_ARGS_TYPE,
    b"log_argc": errors.LUA_LOG_ARGC, b"log_level_type": errors.LUA_LOG_LEVEL_TYPE,
    b"log_level": errors.LUA_LOG_LEVEL, b"setresp_argc": errors.LUA_SETRESP_ARGC,
    b"setresp_version": errors.LUA_SETRESP_VERSION, b"set_repl_argc": errors.LUA_SET_REPL_ARGC,
    b"set_repl_flags": errors.LUA_SET_REPL_FLAGS, b"reg_argc": errors.REG_ARGC,
    b"reg_table": errors.REG_TABLE, b"reg_key": errors.REG_KEY,
    b"reg_name_type": errors.REG_NAME_TYPE, b"reg_desc_type": errors.REG_DESC_TYPE,
    b"reg_callback_type": errors.REG_CALLBACK_TYPE, b"reg_flags_type": errors.REG_FLAGS_TYPE,
    b"reg_flag_unknown": errors.REG_FLAG_UNKNOWN, b"reg_arg_unknown": errors.REG_ARG_UNKNOWN,
    b"reg_no_name": errors.REG_NO_NAME, b"reg_no_callback": errors.REG_NO_CALLBACK,
    b"reg_pos_name": errors.REG_POS_NAME, b"reg_pos_callback": errors.REG_POS_CALLBACK,
}


# ============================================================================ values


def _text(b: Any) -> str | None:
    """lua_tostring() of a value Python got from Lua (strings and numbers only)."""
    if isinstance(b, bytes):
        return arg(b)
    if isinstance(b, (int, float)) and not isinstance(b, bool):
        return f"{b:.14g}"
    return None


def _llong(n: float) -> int:
    """(long long) of a Lua number: truncation; x86 gives LLONG_MIN when out of range."""
    if math.isnan(n) or not -9.2233720368547758e18 <= n < 9.2233720368547758e18:
        return LLONG_MIN
    return int(n)


def _double_text(d: float) -> bytes:
    """addReplyDouble()'s %.17g, keeping the sign of a NaN as glibc prints it."""
    if math.isnan(d):
        return b"-nan" if math.copysign(1.0, d) < 0 else b"nan"
    if d in (math.inf, -math.inf):
        return b"inf" if d > 0 else b"-inf"
    return b"%.17g" % d


_NUM_RE = re.compile(rb"\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
                     rb"|[-+]?(?:inf(?:inity)?|nan))\s*\Z",
                     re.IGNORECASE)
_HEX_RE = re.compile(rb"\s*0[xX]([0-9a-fA-F]+)\s*\Z")


def _lua_tonumber(v: Any) -> float | None:
    """lua_tonumber(): numbers, and strings that luaO_str2d accepts."""
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, bytes):
        m = _NUM_RE.match(v)
        if m:
            return float(m.group(1))
        m = _HEX_RE.match(v)
        if m:
            return float(int(m.group(1), 16) & 0xFFFFFFFFFFFFFFFF)
    return None


def _c_int(n: float) -> int:
    """A C (int) cast of a double: truncation."""
    return int(n) if abs(n) < 2 ** 63 else LLONG_MIN  # NaN fails the test too


def _checkint(args: tuple, i: int, fname: bytes) -> int:
    """luaL_checkint(): lua_number2integer rounds to nearest (even)."""
    n = _lua_tonumber(args[i]) if i < len(args) else None
    if n is None:
        raise _LibError(errors.LUA_ARG_TYPE % (i + 1, fname.decode(), "number",
                                               _lua_typename(args, i)))
    return round(n) if abs(n) < 2 ** 63 else LLONG_MIN


def _json_arg_init(args: tuple, most: int, name: bytes) -> None:
    """json_arg_init(): a cjson config function takes at most ``most`` arguments."""
    if len(args) > most:
        raise _LibError(errors.LUA_ARG_CHECK % (most + 1, name.decode(),
                                                "found too many arguments"))


def _lua_typename(args: tuple, i: int) -> str:
    if i >= len(args):
        return "no value"
    v = args[i]
    if v is None:
        return "nil"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, bytes):
        return "string"
    if isinstance(v, (int, float)):
        return "number"
    return lua51.lua_type(v) or "userdata"


# ============================================================================ libraries


_LibError = scripting_libs.LibError   # luaL_error() from a library function
LuaRaise = scripting_libs.LuaRaise     # any other error value Lua should see


def _barg(args: tuple, i: int, fname: bytes) -> int:
    """LuaBitOp's barg(): any number to its low 32 bits (the 2^52+2^51 trick)."""
    n = _lua_tonumber(args[i]) if i < len(args) else None
    if n is None:
        raise _LibError(errors.LUA_ARG_TYPE % (i + 1, fname.decode(), "number",
                                               _lua_typename(args, i)))
    return struct.unpack("<Q", struct.pack("<d", n + 6755399441055744.0))[0] & 0xFFFFFFFF


def _signed(b: int) -> int:
    b &= 0xFFFFFFFF
    return b - (1 << 32) if b & 0x80000000 else b


def _bit_functions() -> dict[bytes, Any]:
    """LuaBitOp, as Python functions(args, name) raising _LibError like luaL_error."""
    def fold(op: Any) -> Any:
        def f(args: tuple, name: bytes) -> int:
            b = _barg(args, 0, name)
            for i in range(len(args) - 1, 0, -1):
                b = op(b, _barg(args, i, name))
            return _signed(b)
        return f

    def shift(op: Any) -> Any:
        def f(args: tuple, name: bytes) -> int:
            b = _barg(args, 0, name)
            n = _barg(args, 1, name) & 31
            return _signed(op(b, n))
        return f

    def tohex(args: tuple, name: bytes) -> bytes:
        b = _barg(args, 0, name)
        n = 8 if len(args) < 2 else _signed(_barg(args, 1, name))
        digits = "0123456789abcdef"
        if n < 0:
            n, digits = -n, digits.upper()
        n = min(n, 8)
        return "".join(digits[(b >> (4 * i)) & 15] for i in range(n - 1, -1, -1)).encode()

    def bswap(args: tuple, name: bytes) -> int:
        b = _barg(args, 0, name)
        return _signed((b >> 24) | ((b >> 8) & 0xFF00) | ((b & 0xFF00) << 8) | (b << 24))

    fns = {
        b"tobit": lambda a, n: _signed(_barg(a, 0, n)),
        b"bnot": lambda a, n: _signed(~_barg(a, 0, n)),
        b"band": fold(lambda x, y: x & y), b"bor": fold(lambda x, y: x | y),
        b"bxor": fold(lambda x, y: x ^ y),
        b"lshift": shift(lambda b, n: b << n), b"rshift": shift(lambda b, n: b >> n),
        b"arshift": shift(lambda b, n: _signed(b) >> n),
        b"rol": shift(lambda b, n: (b << n) | (b >> (32 - n))),
        b"ror": shift(lambda b, n: (b << (32 - n)) | (b >> n)),
        b"bswap": bswap, b"tohex": tohex,
    }
    return fns


_JSON_TOKENS = ("T_OBJ_BEGIN", "T_OBJ_END", "T_ARR_BEGIN", "T_ARR_END", "T_STRING", "T_NUMBER",
                "T_BOOLEAN", "T_NULL", "T_COLON", "T_COMMA", "T_END")
_JSON_SINGLE = {ord("{"): 0, ord("}"): 1, ord("["): 2, ord("]"): 3, ord(":"): 8, ord(","): 9}
_JSON_ESCAPES = {ord('"'): b'"', ord("\\"): b"\\", ord("/"): b"/", ord("b"): b"\b",
                 ord("f"): b"\f", ord("n"): b"\n", ord("r"): b"\r", ord("t"): b"\t"}
_STRTOD_RE = re.compile(rb"[-+]?(?:0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)"
                        rb"(?:[pP][-+]?\d+)?|(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
                        rb"|inf(?:inity)?|nan(?:\([0-9A-Za-z_]*\))?)", re.IGNORECASE)


class _JsonDecoder:
    """lua-cjson 2.1's decoder (Redis's defaults: invalid numbers allowed, depth 1000), its
    error texts included; values come out as Lua values of ``state``."""

    def __init__(self, state: "LuaState", data: bytes, max_depth: int = 1000) -> None:
        self.utf16 = len(data) >= 2 and (not data[0] or not data[1])
        self.max_depth = max_depth
        nul = data.find(b"\0")
        self.data = data if nul < 0 else data[:nul]  # the C parser stops at a NUL
        self.pos = 0
        self.depth = 0
        self.state = state

    def fail(self, expected: str, token: tuple) -> None:
        raise _LibError(errors.JSON_EXPECTED
                        % (expected, token[2] if token[0] < 0 else _JSON_TOKENS[token[0]],
                           token[1] + 1))

    def token(self) -> tuple:
        """(type, index, value); type -1 is T_ERROR with its message as value."""
        d, n = self.data, len(self.data)
        while self.pos < n and d[self.pos] in b" \t\n\r":
            self.pos += 1
        i = self.pos
        if i >= n:
            return (10, i, None)
        ch = d[i]
        if ch in _JSON_SINGLE:
            self.pos += 1
            return (_JSON_SINGLE[ch], i, None)
        if ch == 34:  # '"'
            return self.string(i)
        if d.startswith(b"true", i):
            self.pos += 4
            return (6, i, True)
        if d.startswith(b"false", i):
            self.pos += 5
            return (6, i, False)
        if d.startswith(b"null", i):
            self.pos += 4
            return (7, i, self.state.null)
        if ch in b"-+0123456789iInN":
            m = _STRTOD_RE.match(d, i)
            if m is None or (ch in b"iInN" and m.group(0)[:3].lower() not in (b"inf", b"nan")):
                return (-1, i, "invalid number" if ch in b"-+0123456789" else "invalid token")
            text = m.group(0)
            self.pos = m.end()
            body = text.lstrip(b"+-")
            if body[:2].lower() == b"0x":
                value = float.fromhex(text.decode())
            elif body[:3].lower() == b"nan":
                value = -math.nan if text.startswith(b"-") else math.nan
            else:
                value = float(text)
            return (5, i, value)
        return (-1, i, "invalid token")

    def string(self, start: int) -> tuple:
        d, n = self.data, len(self.data)
        i = start + 1
        out = bytearray()
        while True:
            if i >= n:
                self.pos = i
                return (-1, i, "unexpected end of string")
            ch = d[i]
            if ch == 34:
                break
            if ch == 92:
                esc = d[i + 1] if i + 1 < n else 0
                if esc == 117:  # \u
                    cp, i2 = self.unicode(i)
                    if cp is None:
                        self.pos = i
                        return (-1, i, "invalid unicode escape code")
                    out += chr(cp).encode("utf-8", "surrogatepass")
                    i = i2
                    continue
                sub = _JSON_ESCAPES.get(esc)
                if sub is None:
                    self.pos = i
                    return (-1, i, "invalid escape code")
                out += sub
                i += 2
                continue
            out.append(ch)
            i += 1
        self.pos = i + 1
        return (4, start, bytes(out))

    def unicode(self, i: int) -> tuple[int | None, int]:
        def hex4(j: int) -> int | None:
            h = self.data[j:j + 4]
            if len(h) != 4 or not all(c in b"0123456789abcdefABCDEF" for c in h):
                return None
            return int(h, 16)
        cp = hex4(i + 2)
        if cp is None:
            return None, i
        if 0xDC00 <= cp <= 0xDFFF:
            return None, i
        if 0xD800 <= cp <= 0xDBFF:
            if self.data[i + 6:i + 8] != b"\\u":
                return None, i
            low = hex4(i + 8)
            if low is None or not 0xDC00 <= low <= 0xDFFF:
                return None, i
            return (((cp & 0x3FF) << 10) | (low & 0x3FF)) + 0x10000, i + 12
        return cp, i + 6

    def descend(self) -> None:
        self.depth += 1
        if self.depth > self.max_depth:
            raise _LibError(errors.JSON_TOO_DEEP % (self.depth, self.pos))

    def key(self, tok: tuple) -> bytes:
        """An object key and its colon; the value's first token comes next."""
        if tok[0] != 4:
            self.fail("object key string", tok)
        colon = self.token()
        if colon[0] != 8:
            self.fail("colon", colon)
        return tok[2]

    def decode(self) -> Any:
        """json_process_value() and its contexts, with an explicit stack (nesting may reach
        1000 levels, deeper than Python's recursion goes)."""
        if self.utf16:
            raise _LibError(errors.JSON_UTF16)
        stack: list[list] = []  # [container, key of the value being parsed (objects)]
        tok = self.token()
        while True:
            kind = tok[0]
            if kind in (0, 2):  # { or [
                self.descend()
                nxt = self.token()
                if nxt[0] == kind + 1:  # empty
                    self.depth -= 1
                    value = self.state.table_from({} if kind == 0 else [])
                else:
                    if kind == 0:
                        stack.append([{}, self.key(nxt)])
                        tok = self.token()
                    else:
                        stack.append([[], None])
                        tok = nxt
                    continue
            elif kind in (4, 5, 6, 7):
                value = tok[2]
            else:
                self.fail("value", tok)
            while True:  # hand the value to its container, closing the finished ones
                if not stack:
                    tok = self.token()
                    if tok[0] != 10:
                        self.fail("the end", tok)
                    return value
                frame = stack[-1]
                container = frame[0]
                is_obj = type(container) is dict
                if is_obj:
                    container[frame[1]] = value
                else:
                    container.append(value)
                tok = self.token()
                if tok[0] == (1 if is_obj else 3):
                    stack.pop()
                    self.depth -= 1
                    value = self.state.table_from(container)
                    continue
                if tok[0] != 9:
                    self.fail("comma or object end" if is_obj else "comma or array end", tok)
                tok = self.token()
                if is_obj:
                    frame[1] = self.key(tok)
                    tok = self.token()
                break


class _Rand48:
    """Redis's redisLrand48() (rand.c): the PRNG behind math.random in scripts."""

    def __init__(self) -> None:
        self.x = 0x1234ABCD330E

    def seed(self, s: int) -> None:
        self.x = ((s & 0xFFFFFFFF) << 16) | 0x330E

    def next(self) -> int:
        self.x = (0x5DEECE66D * self.x + 0xB) & 0xFFFFFFFFFFFF
        return self.x >> 17


# ============================================================================ interpreter


def _no_attributes(obj: Any, name: Any, setting: bool) -> Any:
    raise AttributeError("access to Python attributes is not allowed from scripts")


class LuaState:
    """One sandboxed interpreter: EVAL's (``functions=False``) or the function libraries'."""

    def __init__(self, host: "Scripting", functions: bool) -> None:
        rt = lua51.LuaRuntime(encoding=None, register_eval=False, register_builtins=False,
                              unpack_returned_tuples=True, attribute_filter=_no_attributes)
        self.runtime = rt
        self.table_from = rt.table_from
        # Lua holds these callbacks: weak references, or runtime and state never die
        self.host = weakref.proxy(host)
        me = weakref.proxy(self)
        # lua-cjson's per-interpreter configuration (its defaults as Redis builds it)
        self.json_cfg = {b"encode_max_depth": 1000, b"decode_max_depth": 1000,
                         b"encode_invalid_numbers": 0, b"encode_keep_buffer": 1}

        def c_function(fn: Any, *bound: Any) -> Any:
            """A Python function as Lua sees a C one: luaL_error-style errors (_LibError)
            get the caller's position, as luaL_where(L, 1) gives it."""
            def call(*args: Any) -> Any:
                try:
                    return fn(me, *bound, *args)
                except _LibError as e:
                    raise LuaRaise(me.where(3) + str(e).encode()) from None
            return call

        cls = type(self)
        py = {
            b"redis_call": c_function(cls.redis_call, True),
            b"redis_pcall": c_function(cls.redis_call, False),
            b"redis_sha1hex": c_function(cls.redis_sha1hex),
            b"redis_log": c_function(cls.redis_log),
            b"redis_setresp": c_function(cls.redis_setresp),
            b"redis_set_repl": c_function(cls.redis_set_repl),
            b"redis_acl_check_cmd": c_function(cls.redis_acl_check_cmd),
            b"math_random": c_function(cls.math_random),
            b"math_randomseed": c_function(cls.math_randomseed),
            b"cjson_encode": c_function(cls.cjson_encode),
            b"cjson_decode": c_function(cls.cjson_decode),
            b"cjson_encode_max_depth": c_function(cls.cjson_int_option, b"encode_max_depth"),
            b"cjson_decode_max_depth": c_function(cls.cjson_int_option, b"decode_max_depth"),
            b"cjson_encode_invalid_numbers": c_function(
                cls.cjson_enum_option, b"encode_invalid_numbers", (b"off", b"on", b"null")),
            b"cjson_encode_keep_buffer": c_function(
                cls.cjson_enum_option, b"encode_keep_buffer", (b"off", b"on")),
            b"bit": rt.table_from({name: c_function(cls.bit_op, fn, name)
                                   for name, fn in _bit_functions().items()}),
            b"cmsgpack": rt.table_from({name: c_function(fn) for name, fn
                                        in scripting_libs.CMSGPACK.items()}),
            b"cmsgpack_info": rt.table_from(scripting_libs.CMSGPACK_INFO),
            b"struct": rt.table_from({name: c_function(fn) for name, fn
                                      in scripting_libs.STRUCT.items()}),
            b"unwrap": lambda e: e.value if isinstance(e, LuaRaise) else None,
            b"check": lambda: me.host.lua_check(),
            b"register": lambda *a: me.host.lua_register(*a),
        }
        texts = {k: v.encode() for k, v in _TEXTS.items()}
        texts[b"version"] = REDIS_VERSION.encode()
        texts[b"version_num"] = _VERSION_NUM
        boot = rt.globals().loadstring(BOOT.encode(), b"=strata")
        if isinstance(boot, tuple):  # pragma: no cover - a bug in BOOT
            raise RuntimeError(boot[1])  # noqa: TRY004
        api = boot(rt.table_from(py), rt.table_from(texts), functions)
        self.compile = api.compile
        self.run_eval = api.run_eval
        self.run_function = api.run_function
        self.load_library = api.load_library
        self.inspect = api.inspect
        self.error_fields = api.error_fields
        self.where = api.where
        self.json_encode = api.json_encode
        self.null = api.null

    def error_table(self, text: str, counted: bool = False) -> Any:
        """luaPushError(): {err = text}; ``counted`` when errorstats already has it."""
        t = {b"err": text.encode("utf-8", "surrogateescape")}
        if counted:
            t[b"ignore_err_stats_update"] = True
        return self.table_from(t)

    # ------------------------------------------------------------ the redis.* API
    def redis_call(self, raise_error: bool, *args: Any) -> Any:
        return self.host.lua_call(self, raise_error, args)

    def redis_sha1hex(self, *args: Any) -> bytes:
        if len(args) != 1:
            raise LuaRaise(self.error_table("ERR " + errors.LUA_WRONG_ARGS))
        s = args[0]
        s = s if isinstance(s, bytes) else (_text(s) or "").encode()
        return hashlib.sha1(s).hexdigest().encode()

    def redis_log(self, *args: Any) -> None:
        if len(args) < 2:
            raise LuaRaise(self.error_table("ERR " + errors.LUA_LOG_ARGC))
        level = _lua_tonumber(args[0])
        if level is None:
            raise LuaRaise(self.error_table("ERR " + errors.LUA_LOG_LEVEL_TYPE))
        level = _c_int(level)
        if not 0 <= level <= 3:
            raise LuaRaise(self.error_table("ERR " + errors.LUA_LOG_LEVEL))
        msg = ""
        for j, a in enumerate(args[1:]):
            t = _text(a)
            if t is not None:  # only strings and numbers, a space before all but the first
                msg += (" " if j else "") + t
        self.host.lua_log(level, msg)

    def redis_setresp(self, *args: Any) -> None:
        if len(args) != 1:
            raise LuaRaise(self.error_table("ERR " + errors.LUA_SETRESP_ARGC))
        resp = _c_int(_lua_tonumber(args[0]) or 0.0)
        if resp not in (2, 3):
            raise LuaRaise(self.error_table("ERR " + errors.LUA_SETRESP_VERSION))
        self.host.lua_setresp(resp)

    def redis_set_repl(self, *args: Any) -> None:
        if len(args) != 1:
            raise LuaRaise(self.error_table("ERR " + errors.LUA_SET_REPL_ARGC))
        flags = _c_int(_lua_tonumber(args[0]) or 0.0)
        if flags & ~3:
            raise LuaRaise(self.error_table("ERR " + errors.LUA_SET_REPL_FLAGS))
        self.host.lua_set_repl(flags)

    def redis_acl_check_cmd(self, *args: Any) -> bool:
        return self.host.lua_acl_check(self, args)

    # ------------------------------------------------------------ libraries
    def math_random(self, *args: Any) -> float:
        """redis_math_random(): Redis's PRNG, not libc's."""
        r = (self.host.rand.next() % 2147483647) / 2147483647.0
        if not args:
            return r
        if len(args) > 2:
            raise _LibError(errors.LUA_RANDOM_ARGS)
        bounds = [_checkint(args, i, b"random") for i in range(len(args))]
        lo, hi = (1, bounds[0]) if len(args) == 1 else bounds
        if lo > hi:
            raise _LibError(errors.LUA_INTERVAL_EMPTY % len(args))
        return math.floor(r * (hi - lo + 1)) + lo

    def math_randomseed(self, *args: Any) -> None:
        self.host.rand.seed(_checkint(args, 0, b"randomseed"))

    def bit_op(self, fn: Any, name: bytes, *args: Any) -> Any:
        return fn(args, name)

    def cjson_encode(self, *args: Any) -> bytes:
        if len(args) != 1:
            raise _LibError(errors.LUA_ARG_EXPECTED_ONE % "encode")
        cfg = self.json_cfg
        ok, out = self.json_encode(args[0], cfg[b"encode_max_depth"],
                                   cfg[b"encode_invalid_numbers"])
        if not ok:
            if isinstance(out, bytes):
                raise _LibError(arg(out))
            raise LuaRaise(out)  # not cjson's: a kill from the hook
        return out

    def cjson_decode(self, *args: Any) -> Any:
        if len(args) != 1:
            raise _LibError(errors.LUA_ARG_EXPECTED_ONE % "decode")
        s = args[0]
        if not isinstance(s, bytes):
            if _text(s) is None:
                raise _LibError(errors.LUA_ARG_TYPE % (1, "decode", "string",
                                                       _lua_typename(args, 0)))
            s = _text(s).encode()
        return _JsonDecoder(self, s, self.json_cfg[b"decode_max_depth"]).decode()

    def cjson_int_option(self, name: bytes, *args: Any) -> int:
        """json_integer_option(): cjson.encode_max_depth([n]) and decode_max_depth([n])
        set (1 .. INT_MAX) and return the setting."""
        _json_arg_init(args, 1, name)
        if args and args[0] is not None:
            n = _lua_tonumber(args[0])
            if n is None:
                raise _LibError(errors.LUA_ARG_TYPE % (1, name.decode(), "number",
                                                       _lua_typename(args, 0)))
            value = int(n) if abs(n) < 2 ** 63 else 0  # luaL_checkinteger truncates
            if not 1 <= value <= 2147483647:
                raise _LibError(errors.LUA_ARG_CHECK % (
                    1, name.decode(), "expected integer between 1 and 2147483647"))
            self.json_cfg[name] = value
        return self.json_cfg[name]

    def cjson_enum_option(self, name: bytes, options: tuple, *args: Any) -> Any:
        """json_enum_option(): a boolean (true is option 1) or an option's name; returns
        the setting as a boolean when it is one, else its name."""
        _json_arg_init(args, 1, name)
        if args and args[0] is not None:
            v = args[0]
            if isinstance(v, bool):
                self.json_cfg[name] = int(v)
            else:
                text = _text(v)
                if text is None:
                    raise _LibError(errors.LUA_ARG_TYPE % (1, name.decode(), "string",
                                                           _lua_typename(args, 0)))
                if text.encode() not in options:
                    raise _LibError(errors.LUA_ARG_CHECK % (
                        1, name.decode(), "invalid option '%s'" % text))
                self.json_cfg[name] = options.index(text.encode())
        setting = self.json_cfg[name]
        return bool(setting) if setting <= 1 else options[setting]

    # ------------------------------------------------------------ Redis -> Lua
    def to_lua(self, v: Any, resp3: bool) -> Any:
        """redisProtocolToLuaType() of a reply value, for a script in RESP2 or RESP3 mode."""
        t = type(v)
        if t is bytes or t is int:
            return v
        if t is list or t is tuple or t is Push or (t is SetReply and not resp3):
            return self.table_from([self.to_lua(x, resp3) for x in v])
        if t is Status:
            return self.table_from({b"ok": v.text.encode("utf-8", "surrogateescape")})
        if v is None or t is NullArray or v is NO_REPLY:
            return None if resp3 else False
        if t is bool:
            return v if resp3 else int(v)
        if t is float or t is DoubleText:
            if resp3:
                return self.table_from({b"double": float(v)})
            return bytes(v) if t is DoubleText else _double_text(v)
        if t is dict:
            if resp3:
                return self.table_from({b"map": self.table_from(
                    {self.to_lua(k, True): self.to_lua(x, True) for k, x in v.items()})})
            flat = []
            for k, x in v.items():
                flat.append(self.to_lua(k, False))
                flat.append(self.to_lua(x, False))
            return self.table_from(flat)
        if t is set or t is frozenset or t is SetReply:
            if resp3:
                return self.table_from({b"set": self.table_from(
                    {self.to_lua(x, True): True for x in v})})
            return self.table_from([self.to_lua(x, False) for x in v])
        if t is BigNumber:
            return self.table_from({b"big_number": bytes(v)}) if resp3 else bytes(v)
        if t is Attribute:  # scripts do not see attributes, only the reply they carry
            return self.to_lua(v.reply, resp3)
        if t is Verbatim:
            if resp3:
                return self.table_from({b"verbatim_string": self.table_from(
                    {b"format": b"txt", b"string": bytes(v)})})
            return bytes(v)
        if isinstance(v, ReplyError):
            return self.table_from({b"err": v.text.encode("utf-8", "surrogateescape")})
        if t is bytearray:
            return bytes(v)
        if t is str:
            return v.encode("utf-8", "surrogateescape")
        if isinstance(v, int):
            return int(v)
        return None

    # ------------------------------------------------------------ Lua -> Redis
    def from_lua(self, v: Any, resp3: bool, counted: list[int]) -> Any:
        """luaReplyToRedisReply(): a script's return value as a reply value."""
        t = type(v)
        if t is bytes:
            return v
        if t is int:
            return v if LLONG_MIN <= v <= LLONG_MAX else LLONG_MIN
        if t is float:
            return _llong(v)
        if t is bool:
            if resp3:
                return v
            return 1 if v else None
        if v is None or lua51.lua_type(v) != "table":
            return None
        kind, a, b = (self.inspect(v) + (None,))[:3]
        if kind == b"array":
            return [self.from_lua(a[i], resp3, counted) for i in range(1, b + 1)]
        if kind == b"err":
            text = arg(a)
            if not b:
                counted.append(1)
            return CommandError(text)
        if kind == b"ok":
            return Status(arg(a))
        if kind == b"double":
            return DoubleText(_double_text(float(a)))
        if kind == b"big_number":
            return BigNumber(a.replace(b"\r", b" ").replace(b"\n", b" "))
        if kind == b"verbatim":
            return Verbatim(a)
        if kind == b"map":
            out = {}
            for i in range(1, b + 1, 2):
                key = self.from_lua(a[i], resp3, counted)
                out[_hashable(key)] = self.from_lua(a[i + 1], resp3, counted)
            return out
        if kind == b"set":
            return SetReply(self.from_lua(a[i], resp3, counted) for i in range(1, b + 1))
        return None


def _hashable(v: Any) -> Any:
    if type(v) is list:
        return tuple(_hashable(x) for x in v)
    return v


# ============================================================================ run state


class ScriptClient(Client):
    """The client commands of scripts run as (Redis's lua client); never registered."""

    kind = "lua"

    def __init__(self, engine: "Engine") -> None:
        super().__init__(engine)
        self.can_block = False

    def deliver(self, value: Any) -> None:
        """Nothing reaches a script out of band."""


class Script:
    __slots__ = ("body", "flags", "fn")

    def __init__(self, body: bytes, flags: int, fn: Any) -> None:
        self.body, self.flags, self.fn = body, flags, fn


class Function:
    __slots__ = ("desc", "flags", "fn", "library", "name")

    def __init__(self, name: bytes, fn: Any, desc: bytes | None, flags: int,
                 library: "Library") -> None:
        self.name, self.fn, self.desc, self.flags, self.library = name, fn, desc, flags, library


class Library:
    __slots__ = ("code", "functions", "name")

    def __init__(self, name: bytes, code: bytes) -> None:
        self.name, self.code = name, code
        self.functions: dict[bytes, Function] = {}  # lower-cased name -> function


class Libraries:
    """A functions "library context": libraries by name and functions by lower-cased name
    (function names are case-insensitive, library names are not, as in Redis)."""

    def __init__(self) -> None:
        self.libraries: dict[bytes, Library] = {}
        self.functions: dict[bytes, Function] = {}

    def link(self, lib: Library) -> None:
        self.libraries[lib.name] = lib
        self.functions.update(lib.functions)

    def unlink(self, lib: Library) -> None:
        del self.libraries[lib.name]
        for key in lib.functions:
            del self.functions[key]


class Run:
    """scriptRunCtx: the script or function being run."""

    __slots__ = (
        "allow_oom",
        "argv",
        "caller",
        "client",
        "is_eval",
        "killed",
        "lua",
        "name",
        "oom",
        "read_only",
        "repl_flags",
        "start",
        "timed_out",
        "write_dirty",
    )

    def __init__(self, caller: Client, client: ScriptClient, lua: LuaState, name: str,
                 is_eval: bool, argv: list[bytes]) -> None:
        self.caller, self.client, self.lua, self.name = caller, client, lua, name
        self.is_eval, self.argv = is_eval, argv
        self.read_only = self.allow_oom = self.oom = False
        self.write_dirty = self.killed = self.timed_out = False
        self.start = time.monotonic()
        self.repl_flags = 3


def parse_shebang(body: bytes) -> tuple[int, int]:
    """evalExtractShebangFlags(): (flags, length of the shebang line)."""
    if not body.startswith(b"#!"):
        return EVAL_COMPAT, 0
    end = body.find(b"\n")
    if end < 0:
        raise CommandError(errors.SHEBANG_INVALID)
    parts = split_inline(body[:end])
    if not parts:
        raise CommandError(errors.SHEBANG_NO_ENGINE)
    if parts[0] != b"#!lua":
        raise CommandError(errors.SHEBANG_ENGINE % arg(parts[0]))
    flags = 0
    for part in parts[1:]:
        if not part.startswith(b"flags="):
            raise CommandError(errors.SHEBANG_OPTION % arg(part))
        for name in part[6:].split(b",") if part[6:] else ():  # sdssplitlen("") is empty
            bit = _FLAG_BITS.get(name)
            if bit is None:
                raise CommandError(errors.SHEBANG_FLAG % arg(name))
            flags |= bit
    return flags, end


def flag_names(flags: int) -> list[bytes]:
    return [name for name, bit in FLAG_NAMES if flags & bit]


# ============================================================================ the engine's


class Scripting:
    """Per-engine scripting state: the script cache, the function libraries, the run."""

    def __init__(self, engine: "Engine") -> None:
        self.engine = engine
        self._lua: LuaState | None = None
        self._flua: LuaState | None = None
        self.scripts: dict[bytes, Script] = {}
        self.libs = Libraries()
        self.run: Run | None = None
        self._client: ScriptClient | None = None
        self._loading: tuple[float, Library] | None = None
        self.rand = _Rand48()
        self._busy: _BusyLoop | None = None
        # DEBUG SET-DISABLE-DENY-SCRIPTS: scripts may call "noscript" commands (tests)
        self.disable_deny_script = False

    @property
    def lua(self) -> LuaState:
        if self._lua is None:
            self._lua = LuaState(self, functions=False)
        return self._lua

    @property
    def flua(self) -> LuaState:
        if self._flua is None:
            self._flua = LuaState(self, functions=True)
        return self._flua

    @property
    def client(self) -> ScriptClient:
        if self._client is None:
            self._client = ScriptClient(self.engine)
        return self._client

    # ------------------------------------------------------------ script cache
    def create_script(self, body: bytes) -> bytes:
        """luaCreateFunction(): compile and cache ``body``; its SHA1 (hex, lower case)."""
        sha = hashlib.sha1(body).hexdigest().encode()
        if sha in self.scripts:
            return sha
        flags, shebang = parse_shebang(body)
        # the shebang line is dropped but its newline kept, so line numbers stay the user's
        fn, err = _pad(self.lua.compile(body[shebang:], b"@user_script"))
        if fn is None:
            raise CommandError(errors.SCRIPT_COMPILE % arg(err))
        self.scripts[sha] = Script(body, flags, fn)
        return sha

    def flush_scripts(self) -> None:
        """scriptingReset(): a new interpreter, an empty cache."""
        self.scripts = {}
        self._lua = None

    # ------------------------------------------------------------ EVAL / FCALL
    def eval(self, c: Client, argv: list[bytes], evalsha: bool, ro: bool) -> Any:
        if evalsha and len(argv[1]) != 40:
            raise CommandError(errors.NOSCRIPT)
        numkeys = _numkeys(argv, errors.NOT_INTEGER)
        if evalsha:
            sha = argv[1].lower()
            script = self.scripts.get(sha)
            if script is None:
                raise CommandError(errors.NOSCRIPT)
        else:
            sha = self.create_script(argv[1])
            script = self.scripts[sha]
        return self._run(c, self.lua, script.fn, sha.decode(), script.flags, ro, True,
                         argv, numkeys)

    def fcall(self, c: Client, argv: list[bytes], ro: bool) -> Any:
        f = self.libs.functions.get(argv[1].lower())
        if f is None:
            raise CommandError(errors.FUNCTION_NOT_FOUND)
        numkeys = _numkeys(argv, errors.FCALL_BAD_NUMKEYS)
        return self._run(c, self.flua, f.fn, arg(f.name), f.flags, ro, False, argv, numkeys)

    def _run(self, c: Client, lua: LuaState, fn: Any, name: str, flags: int, ro: bool,
             is_eval: bool, argv: list[bytes], numkeys: int) -> Any:
        """scriptPrepareForRun() + luaCallFunction() + scriptResetRun()."""
        eng = self.engine
        compat = bool(flags & EVAL_COMPAT)
        if not compat:
            # the OOM check processCommand() makes with the flags the script declared
            deny_oom = not flags & (ALLOW_OOM | NO_WRITES)
            oom = deny_oom and bool(eng.maxmemory) and eng.out_of_memory()
            if oom and not eng.in_exec:
                raise CommandError(errors.OOM)
            if ro and not flags & NO_WRITES:
                raise CommandError(errors.SCRIPT_WRITE_FLAG_RO)
            if oom:
                raise CommandError(errors.SCRIPT_ALLOW_OOM)
        client = self.client
        run = Run(c, client, lua, name, is_eval, argv)
        run.read_only = ro or (not compat and bool(flags & NO_WRITES))
        run.allow_oom = not compat and bool(flags & ALLOW_OOM)
        run.oom = bool(eng.maxmemory) and eng.out_of_memory()
        client.db = c.db
        client.resp = 2
        client.user = c.user
        client.restricted = c.restricted
        keys = lua.table_from(argv[3:3 + numkeys])
        args = lua.table_from(argv[3 + numkeys:])
        replication = eng.replication if not eng.in_exec else None
        dirty = eng.dirty
        self.run = run
        eng.in_script = True
        if replication is not None:
            replication.begin_transaction(c.db.id)
        try:
            runner = lua.run_eval if is_eval else lua.run_function
            ok, result = runner(fn, keys, args)
        finally:
            self.run = None
            eng.in_script = False
            if self._busy is not None:
                self._busy.end()
                self._busy = None
            if replication is not None:
                replication.end_transaction()
        if eng.dirty != dirty:
            c.propagate_argv = []  # the effects were propagated, not the script
        counted: list[int] = []
        if not ok:
            text, ignore = self._error_text(lua, result, name)
            err = CommandError(text)
            if ignore:
                return err
            raise err
        try:
            reply = lua.from_lua(result, client.resp == 3, counted)
        except RecursionError:
            raise CommandError(errors.SCRIPT_STACK_LIMIT) from None
        if isinstance(reply, ReplyError):
            if counted:
                raise reply
            return reply
        for _ in counted:  # error replies nested in the reply count in errorstats
            eng.stats.count_error("ERR")
        return reply

    @staticmethod
    def _error_text(lua: LuaState, result: Any, name: str) -> tuple[str, bool]:
        """The reply of a script that raised (luaCallFunction's error path)."""
        if lua51.lua_type(result) != "table":
            return errors.SCRIPT_RUN_FAILED % (name, _text(result) or "execution failure"), False
        err, source, line, ignore = lua.error_fields(result)
        msg = _text(err)
        if msg is None:
            msg = "ERR unknown error"  # Redis 7.0 crashes on error({})
        source, line = _text(source), _text(line)
        if source is not None and line is not None:
            msg = errors.SCRIPT_ERROR_WHERE % (msg, name, source, line)
        return msg, ignore

    # ------------------------------------------------------------ callbacks from Lua
    def lua_call(self, lua: LuaState, raise_error: bool, args: tuple) -> Any:
        """redis.call (raises the error table) and redis.pcall (returns it)."""
        run = self.run
        argv = _lua_argv(args)
        if isinstance(argv, str):
            err = lua.error_table("ERR " + argv)
        else:
            cmd, text = self._script_command(run, argv) if run is not None else (None, None)
            if run is None:
                text = "ERR " + errors.LUA_UNKNOWN_COMMAND
            if text is None:
                reply = self.engine.execute_command(run.client, cmd, argv)
                if not isinstance(reply, ReplyError):
                    return lua.to_lua(reply, run.client.resp == 3)
                text = reply.text
            else:
                self.engine.stats.count_error(text)
                if cmd is not None:
                    cmd.rejected_calls += 1
            # already in errorstats: the script's error reply must not count it again
            err = lua.error_table(text, counted=raise_error)
        if raise_error:
            raise LuaRaise(err)
        return err

    def _script_command(self, run: Run, argv: list[bytes]) -> tuple[Command | None,
                                                                     str | None]:
        """scriptCall()'s checks: (command, None) or (command or None, error text)."""
        cmd = _find_command(self.engine, argv)
        if cmd is None:
            return None, "ERR " + errors.LUA_UNKNOWN_COMMAND
        n = len(argv)
        if (cmd.arity > 0 and n != cmd.arity) or n < -cmd.arity:
            return cmd, "ERR " + errors.LUA_WRONG_ARITY
        if cmd.is_noscript and not self.disable_deny_script:
            return cmd, "ERR " + errors.LUA_NOSCRIPT
        if run.client.restricted:
            denied = _acl_denied(self.engine, run.client, cmd, argv, log=True)
            if denied is not None:
                return cmd, "ERR " + denied
        if run.read_only and (cmd.is_write or cmd.is_may_replicate):
            return cmd, "ERR " + errors.LUA_WRITE_IN_RO
        if (run.oom and not run.allow_oom and not run.write_dirty and cmd.is_denyoom
                and self.engine.maxmemory):
            return cmd, errors.OOM
        if cmd.is_write:
            run.write_dirty = True
        return cmd, None

    def lua_acl_check(self, lua: LuaState, args: tuple) -> bool:
        """redis.acl_check_cmd(): may the caller's user run this command?"""
        argv = _lua_argv(args)
        if isinstance(argv, str):
            raise LuaRaise(lua.error_table("ERR " + argv))
        cmd = _find_command(self.engine, argv)
        if cmd is None:
            raise LuaRaise(lua.error_table("ERR " + errors.LUA_ACL_INVALID))
        run = self.run
        if run is None or not run.client.restricted:
            return True
        return _acl_denied(self.engine, run.client, cmd, argv, log=False) is None

    def lua_check(self) -> bytes | None:
        """The count hook: the text to abort with, or None to carry on."""
        run = self.run
        if run is None:
            if self._loading is not None and time.monotonic() - self._loading[0] > LOAD_TIMEOUT:
                return errors.FUNCTION_LOAD_TIMEOUT.encode()
            return None
        if not run.killed:
            if not run.timed_out:
                threshold = self.engine.config.values["busy-reply-threshold"]
                if (time.monotonic() - run.start) * 1000 < threshold:
                    return None
                run.timed_out = True
                self._busy = _BusyLoop(self, run)
            self._busy.serve()
        return errors.SCRIPT_KILLED.encode() if run.killed else None

    def lua_log(self, level: int, msg: str) -> None:
        for server in self.engine.servers:
            server.log(level, msg)

    def lua_setresp(self, resp: int) -> None:
        if self.run is not None:
            self.run.client.resp = resp

    def lua_set_repl(self, flags: int) -> None:
        if self.run is not None:
            self.run.repl_flags = flags

    def lua_register(self, name: bytes, fn: Any, desc: bytes | None,
                     flags: int) -> bytes | None:
        """redis.register_function() during FUNCTION LOAD (functionLibCreateFunction)."""
        if self._loading is None:
            return None
        lib = self._loading[1]
        if not _NAME_RE.match(name):
            return errors.LIBRARY_NAME_INVALID[4:].encode()
        key = name.lower()
        if key in lib.functions:
            return errors.REG_DUPLICATE.encode()
        lib.functions[key] = Function(name, fn, desc, flags, lib)
        return None

    # ------------------------------------------------------------ SCRIPT/FUNCTION KILL
    def kill(self, is_eval: bool) -> None:
        """scriptKill()"""
        run = self.run
        if run is None:
            raise CommandError(errors.NOTBUSY)
        if run.write_dirty:
            raise CommandError(errors.UNKILLABLE)
        if is_eval and not run.is_eval:
            raise CommandError(errors.BUSY_FUNCTION)
        if not is_eval and run.is_eval:
            raise CommandError(errors.BUSY_SCRIPT)
        run.killed = True

    def running_info(self) -> Any:
        """FUNCTION STATS' running_script entry."""
        run = self.run
        if run is None:
            return None
        return {b"name": run.name.encode("utf-8", "surrogateescape"),
                b"command": list(run.argv),
                b"duration_ms": int((time.monotonic() - run.start) * 1000)}

    # ------------------------------------------------------------ functions
    def create_library(self, code: bytes, replace: bool, ctx: Libraries) -> bytes:
        """functionsCreateWithLibraryCtx(): load ``code`` into ``ctx``; the library name."""
        name, engine_name, body = _library_metadata(code)
        if not _NAME_RE.match(name):
            raise CommandError(errors.LIBRARY_NAME_INVALID)
        if engine_name.lower() != b"lua":
            raise CommandError(errors.LIBRARY_ENGINE % arg(engine_name))
        old = ctx.libraries.get(name)
        if old is not None and not replace:
            raise CommandError(errors.LIBRARY_EXISTS % arg(name))
        if old is not None:
            ctx.unlink(old)
        lib = Library(name, code)
        try:
            self._load_code(lib, body)
            for key, f in lib.functions.items():
                if key in ctx.functions:
                    raise CommandError(errors.FUNCTION_EXISTS % arg(f.name))
        except CommandError:
            if old is not None:
                ctx.link(old)
            raise
        ctx.link(lib)
        return name

    def _load_code(self, lib: Library, body: bytes) -> None:
        """luaEngineCreate(): run the library code; its register_function calls fill lib."""
        lua = self.flua
        self._loading = (time.monotonic(), lib)
        try:
            kind, err = _pad(lua.load_library(body))
        finally:
            self._loading = None
        if kind == b"compile":
            raise CommandError(errors.FUNCTION_COMPILE % arg(err))
        if kind == b"run":
            if lua51.lua_type(err) == "table":
                msg = _text(lua.error_fields(err)[0]) or "ERR unknown error"
            else:
                msg = "ERR " + (_text(err) or "unknown error")
            raise CommandError(errors.FUNCTION_REGISTER % msg)
        if not lib.functions:
            raise CommandError(errors.LIBRARY_NO_FUNCTIONS)

    def delete_library(self, name: bytes) -> None:
        lib = self.libs.libraries.get(name)
        if lib is None:
            raise CommandError(errors.LIBRARY_NOT_FOUND)
        self.libs.unlink(lib)

    def flush_functions(self) -> None:
        self.libs = Libraries()

    def list_libraries(self, pattern: bytes | None, withcode: bool) -> list[Any]:
        out = []
        for lib in self.libs.libraries.values():
            if pattern is not None and not stringmatch(pattern, lib.name, nocase=True):
                continue
            entry: dict[bytes, Any] = {
                b"library_name": lib.name, b"engine": b"LUA",
                b"functions": [{b"name": f.name, b"description": f.desc,
                                b"flags": SetReply(Status(n.decode()) for n in flag_names(f.flags))}
                               for f in lib.functions.values()],
            }
            if withcode:
                entry[b"library_code"] = lib.code
            out.append(entry)
        return out

    def dump_functions(self) -> bytes:
        """FUNCTION DUMP: one RDB_OPCODE_FUNCTION2 per library, RDB version, CRC64."""
        out = bytearray()
        for lib in self.libs.libraries.values():
            out.append(RDB_OPCODE_FUNCTION2)
            out += _rdb_string(lib.code)
        return _dump_footer(out)

    def restore_functions(self, payload: bytes, policy: bytes) -> None:
        """functionRestoreCommand(): FLUSH, APPEND (default) or REPLACE."""
        codes = _parse_function_payload(payload)
        ctx = Libraries()
        for code in codes:
            self.create_library(code, False, ctx)
        if policy == b"flush":
            self.libs = ctx
            return
        replace = policy == b"replace"
        dst = self.libs
        replaced = []
        try:
            for lib in ctx.libraries.values():
                old = dst.libraries.get(lib.name)
                if old is not None:
                    if not replace:
                        raise CommandError(errors.LIBRARY_EXISTS_RESTORE % arg(lib.name))
                    dst.unlink(old)
                    replaced.append(old)
            for key, f in ctx.functions.items():
                if key in dst.functions:
                    raise CommandError(errors.FUNCTION_EXISTS % arg(f.name))
        except CommandError:
            for old in replaced:
                dst.link(old)
            raise
        for lib in ctx.libraries.values():
            dst.link(lib)


def _pad(v: Any) -> tuple[Any, Any]:
    if v is None:
        return None, None
    if isinstance(v, tuple):
        return (v + (None, None))[:2]
    return v, None


def _find_command(eng: "Engine", argv: list[bytes]) -> Command | None:
    """lookupCommand(): the engine's command (or subcommand) named by argv."""
    cmd = eng.table.get(argv[0].lower())
    if cmd is not None and cmd.subcommands is not None and len(argv) >= 2:
        cmd = cmd.subcommands.get(argv[1].lower())
    return cmd


def _acl_denied(eng: "Engine", c: Client, cmd: Command, argv: list[bytes],
                log: bool) -> str | None:
    """scriptVerifyACL(): None, or the text after "ERR " (getAclErrorMessage, not verbose)."""
    from . import acl
    result, pos = eng.acl.check_user(c.user, cmd, argv)
    if result == acl.OK:
        return None
    if log:
        eng.acl.add_log(c, result, acl.CTX_LUA, obj=acl._denied_object(result, cmd, argv, pos))
    if result == acl.DENIED_CMD:
        return errors.LUA_ACL_COMMAND % (arg(c.user.name), cmd.fullname)
    return errors.LUA_ACL_KEY if result == acl.DENIED_KEY else errors.LUA_ACL_CHANNEL


def _numkeys(argv: list[bytes], bad: str) -> int:
    """EVAL/FCALL's numkeys argument, checked against the argument count."""
    from .commands.args import parse_int
    n = parse_int(argv[2], bad)
    if n > len(argv) - 3:
        raise CommandError(errors.NUMKEYS_TOO_MANY)
    if n < 0:
        raise CommandError(errors.NUMKEYS_NEGATIVE)
    return n


def _lua_argv(args: tuple) -> Any:
    """luaArgsToRedisArgv(): the command's argv, or the error text."""
    if not args:
        return errors.LUA_NO_ARGS
    argv = []
    for a in args:
        t = type(a)
        if t is bytes:
            argv.append(a)
        elif (t is int or t is float) and t is not bool:
            argv.append(b"%.17g" % a)  # not Lua's %.14g: Redis keeps the precision
        else:
            return errors.LUA_BAD_ARG
    return argv


def _library_metadata(code: bytes) -> tuple[bytes, bytes, bytes]:
    """functionExtractLibMetaData(): (name, engine, code after the shebang line)."""
    if not code.startswith(b"#!"):
        raise CommandError(errors.LIBRARY_METADATA_MISSING)
    end = code.find(b"\n")
    if end < 0:
        raise CommandError(errors.LIBRARY_METADATA_INVALID)
    parts = split_inline(code[:end])
    if not parts:
        raise CommandError(errors.LIBRARY_METADATA_INVALID)
    name = None
    for part in parts[1:]:
        if part[:5].lower() == b"name=":
            if name is not None:
                raise CommandError(errors.LIBRARY_NAME_TWICE)
            name = part[5:]
            continue
        raise CommandError(errors.LIBRARY_METADATA_VALUE % arg(part))
    if name is None:
        raise CommandError(errors.LIBRARY_NAME_MISSING)
    return name, parts[0][2:], code[end:]


def get(engine: "Engine") -> Scripting:
    """The engine's scripting state, created on first use."""
    s = engine.scripting
    if s is None:
        s = engine.scripting = Scripting(engine)
    return s


# ============================================================================ busy mode


class _BusyLoop:
    """processEventsWhileBlocked() for a script past busy-reply-threshold.

    The event loop is not running (the script runs inside one of its callbacks), so the
    hook reads the other RESP connections itself and feeds their protocol objects: their
    commands go through the dispatcher, which answers BUSY unless they are allow_busy.
    Connections arriving meanwhile are accepted here too, served on the bare socket, and
    handed to the event loop when the script ends. The caller is not read (protectClient).
    """

    def __init__(self, scripting: Scripting, run: Run) -> None:
        eng = scripting.engine
        self.engine = eng
        self.run = run
        self.eof: set = set()
        self.listeners: dict[int, tuple[socket.socket, Any, bool]] | None = None
        self.accepted: list[tuple[Any, _BusyTransport]] = []
        eng.set_busy(errors.BUSY_SCRIPT if run.is_eval else errors.BUSY_FUNCTION)
        for server in eng.servers:
            server.log(WARNING, errors.SLOW_SCRIPT_LOG % (
                (time.monotonic() - run.start) * 1000,
                "SCRIPT KILL" if run.is_eval else "FUNCTION KILL", run.name))
        # SHUTDOWN NOSAVE must end even a script that wrote: the loop gets control back
        self.shutdown = eng.shutdown_requested
        if self.shutdown is not None:
            def shutdown_while_busy(*a: Any, _orig: Any = self.shutdown) -> None:
                run.killed = True
                _orig(*a)
            eng.shutdown_requested = shutdown_while_busy

    def _listening(self) -> dict[int, tuple[socket.socket, Any, bool]]:
        if self.listeners is None:
            self.listeners = {}
            cfg = self.engine.config.values
            for server in self.engine.servers:
                for s in getattr(server, "sockets", ()):
                    try:
                        family, name = s.family, s.getsockname()
                        unix = family == socket.AF_UNIX
                        if (name != cfg["unixsocket"]) if unix else (name[1] != server.port):
                            continue  # the memcached listener
                        dup = socket.socket(family, socket.SOCK_STREAM, fileno=os.dup(s.fileno()))
                        dup.setblocking(False)
                    except (OSError, AttributeError, TypeError, IndexError):
                        continue
                    self.listeners[dup.fileno()] = (dup, server, unix)
        return self.listeners

    def serve(self) -> None:
        from .server import RespConnection
        eng = self.engine
        conns: dict[int, Any] = {}
        for c in list(eng.clients.values()):
            if (c is self.run.caller or not isinstance(c, RespConnection) or c.closed
                    or c.fd < 0 or c.fd in self.eof or getattr(c, "_read_paused", False)):
                continue
            conns[c.fd] = c
        listeners = self._listening()
        poller = select.poll()
        for fd in list(conns) + list(listeners):
            poller.register(fd, select.POLLIN)
        try:
            ready = poller.poll(0)
        except OSError:
            return
        now_ms = eng.now_ms  # the script's clock does not move (Redis's snapshot time)
        try:
            for fd, _ev in ready:
                if fd in listeners:
                    self._accept(*listeners[fd])
                    continue
                c = conns[fd]
                try:
                    data = os.read(fd, 65536)
                except BlockingIOError:
                    continue
                except OSError:
                    data = b""
                if not data:
                    self.eof.add(fd)  # the event loop sees the EOF again later
                    continue
                c.data_received(data)
        finally:
            eng.now_ms = now_ms

    def _accept(self, lsock: socket.socket, server: Any, unix: bool) -> None:
        from .server import RespConnection
        try:
            sock, _addr = lsock.accept()
        except OSError:
            return
        sock.setblocking(False)
        conn = RespConnection(self.engine, server, unix=unix)
        transport = _BusyTransport(sock)
        conn.connection_made(transport)
        self.accepted.append((conn, transport))

    def end(self) -> None:
        eng = self.engine
        eng.set_busy(None)
        if self.shutdown is not None:
            eng.shutdown_requested = self.shutdown
        for dup, _server, _unix in (self.listeners or {}).values():
            dup.close()
        loop = eng.loop
        for conn, transport in self.accepted:
            if transport.closing or conn.closed or loop is None:
                transport.sock.close()
                continue
            loop.create_task(loop.connect_accepted_socket(
                lambda conn=conn, transport=transport: _Adopted(conn, transport),
                transport.sock))


class _BusyTransport:
    """Stands in for the transport of a connection accepted while a script was busy."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.pending = bytearray()
        self.closing = False
        self.reading_paused = False

    def write(self, data: bytes) -> None:
        if self.closing:
            return
        if not self.pending:
            try:
                n = self.sock.send(data)
            except BlockingIOError:
                n = 0
            except OSError:
                self.closing = True
                return
            data = data[n:]
        self.pending += data

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        try:
            if name == "socket":
                return self.sock
            if name == "peername":
                return self.sock.getpeername()
            if name == "sockname":
                return self.sock.getsockname()
        except OSError:
            pass
        return default

    def set_write_buffer_limits(self, high: Any = None, low: Any = None) -> None:
        pass

    def get_write_buffer_size(self) -> int:
        return len(self.pending)

    def pause_reading(self) -> None:
        self.reading_paused = True

    def resume_reading(self) -> None:
        self.reading_paused = False

    def is_closing(self) -> bool:
        return self.closing

    def close(self) -> None:
        if not self.closing:
            self.closing = True
            try:
                if self.pending:
                    self.sock.setblocking(True)
                    self.sock.sendall(self.pending)
            except OSError:
                pass
            self.sock.close()


class _Adopted:
    """The event loop's protocol for a connection accepted in busy mode: it gives the
    RespConnection its real transport, then forwards every event to it."""

    def __init__(self, conn: Any, busy: _BusyTransport) -> None:
        self.conn = conn
        self.busy = busy

    def connection_made(self, transport: Any) -> None:
        self.conn.transport = transport
        transport.set_write_buffer_limits(256 * 1024, 64 * 1024)
        if self.busy.pending:
            transport.write(bytes(self.busy.pending))
        if self.busy.reading_paused:
            transport.pause_reading()

    def data_received(self, data: bytes) -> None:
        self.conn.data_received(data)

    def eof_received(self) -> Any:
        return None

    def connection_lost(self, exc: BaseException | None) -> None:
        self.conn.connection_lost(exc)

    def pause_writing(self) -> None:
        self.conn.pause_writing()

    def resume_writing(self) -> None:
        self.conn.resume_writing()


# ============================================================================ DUMP payload

RDB_OPCODE_FUNCTION2 = 245
RDB_OPCODE_FUNCTION_PRE_GA = 246
RDB_VERSION = 10   # Redis 7.0's


def _rdb_len(n: int) -> bytes:
    if n < 64:
        return bytes((n,))
    if n < 16384:
        return bytes((0x40 | (n >> 8), n & 0xFF))
    if n <= 0xFFFFFFFF:
        return b"\x80" + struct.pack(">I", n)
    return b"\x81" + struct.pack(">Q", n)


def _rdb_string(s: bytes) -> bytes:
    """rdbSaveRawString() for a non-integer string: LZF when it saves space."""
    if len(s) > 20:
        from native import lzf_py as lzf
        try:
            from native import lzf  # type: ignore[no-redef]  # the twins' selector, if built
        except ImportError:
            pass
        comp = lzf.compress(s, len(s) - 4)
        if comp:
            return b"\xc3" + _rdb_len(len(comp)) + _rdb_len(len(s)) + comp
    return _rdb_len(len(s)) + s


def _dump_footer(out: bytearray) -> bytes:
    from native.crc64 import crc64
    out += struct.pack("<H", RDB_VERSION)
    out += struct.pack("<Q", crc64(0, bytes(out)))
    return bytes(out)


class _Truncated(Exception):
    pass


def _rdb_read_len(data: bytes, pos: int) -> tuple[int, bool, int]:
    """rdbLoadLenByRef(): (length or encoding, is_encoded, new position)."""
    if pos >= len(data):
        raise _Truncated
    b = data[pos]
    kind = b >> 6
    if kind == 0:
        return b & 0x3F, False, pos + 1
    if kind == 1:
        if pos + 2 > len(data):
            raise _Truncated
        return ((b & 0x3F) << 8) | data[pos + 1], False, pos + 2
    if kind == 3:
        return b & 0x3F, True, pos + 1
    if b == 0x80:
        if pos + 5 > len(data):
            raise _Truncated
        return struct.unpack(">I", data[pos + 1:pos + 5])[0], False, pos + 5
    if b == 0x81:
        if pos + 9 > len(data):
            raise _Truncated
        return struct.unpack(">Q", data[pos + 1:pos + 9])[0], False, pos + 9
    raise _Truncated


def _rdb_read_string(data: bytes, pos: int) -> tuple[bytes, int]:
    """rdbGenericLoadStringObject() for plain, integer and LZF encodings."""
    n, encoded, pos = _rdb_read_len(data, pos)
    if encoded:
        if n in (0, 1, 2):
            size = 1 << n
            if pos + size > len(data):
                raise _Truncated
            v = int.from_bytes(data[pos:pos + size], "little", signed=True)
            return b"%d" % v, pos + size
        if n == 3:
            from native import lzf_py as lzf
            try:
                from native import lzf  # type: ignore[no-redef]
            except ImportError:
                pass
            clen, _e, pos = _rdb_read_len(data, pos)
            length, _e, pos = _rdb_read_len(data, pos)
            if pos + clen > len(data):
                raise _Truncated
            try:
                return lzf.decompress(data[pos:pos + clen], length), pos + clen
            except ValueError:
                raise _Truncated from None
        raise _Truncated
    if pos + n > len(data):
        raise _Truncated
    return data[pos:pos + n], pos + n


def _parse_function_payload(payload: bytes) -> list[bytes]:
    """verifyDumpPayload() and the library codes of a FUNCTION DUMP payload."""
    from native.crc64 import crc64
    if len(payload) < 10:
        raise CommandError(errors.FUNCTION_PAYLOAD)
    version = struct.unpack("<H", payload[-10:-8])[0]
    if version > RDB_VERSION or struct.unpack("<Q", payload[-8:])[0] != crc64(0, payload[:-8]):
        raise CommandError(errors.FUNCTION_PAYLOAD)
    body = payload[:-10]
    codes = []
    pos = 0
    while pos < len(body):
        kind = body[pos]
        pos += 1
        if kind == RDB_OPCODE_FUNCTION_PRE_GA:
            raise CommandError(errors.FUNCTION_PAYLOAD_PRE_GA)
        if kind != RDB_OPCODE_FUNCTION2:
            raise CommandError(errors.FUNCTION_PAYLOAD_TYPE)
        try:
            code, pos = _rdb_read_string(body, pos)
        except _Truncated:
            raise CommandError(errors.FUNCTION_PAYLOAD_BAD) from None
        codes.append(code)
    return codes
