"""The C libraries Redis links into its Lua: ``cmsgpack`` (lua_cmsgpack.c 0.4.0) and
``struct`` (lua_struct.c 0.2), written in Python with the C code's exact byte layouts,
limits and error messages (scripts use them to pass compact values to and from clients).

Each function takes the ``LuaState`` first, then the Lua arguments as lupa hands them over
(bytes, int/float, bool, None, tables); it raises ``LibError`` for a luaL_error (the caller
adds the script position) and ``LuaRaise`` for an error without a position (lua_error of a
runtime message, as ``lua_settable`` raises). Values go back as lupa converts them.
"""

import math
import struct as _st
from typing import Any

from lupa import lua51

from . import errors


class LibError(Exception):
    """luaL_error() from a library function: the message gets the script's position."""


class LuaRaise(Exception):
    """Raised by a Python function called from Lua: Lua sees ``value`` as the error."""

    def __init__(self, value: Any) -> None:
        super().__init__()
        self.value = value


def _typename(args: tuple, i: int) -> str:
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


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _checkstring(args: tuple, i: int, fname: str) -> bytes:
    """luaL_checklstring(): strings, and numbers as lua_tostring (%.14g) prints them."""
    v = args[i] if i < len(args) else None
    if isinstance(v, bytes):
        return v
    if _is_number(v):
        from .scripting import _text
        return _text(v).encode()
    raise LibError(errors.LUA_ARG_TYPE % (i + 1, fname, "string", _typename(args, i)))


def _checknumber(args: tuple, i: int, fname: str) -> float:
    """luaL_checknumber(): numbers and numeric strings."""
    from .scripting import _lua_tonumber
    n = _lua_tonumber(args[i]) if i < len(args) else None
    if n is None:
        raise LibError(errors.LUA_ARG_TYPE % (i + 1, fname, "number", _typename(args, i)))
    return n


def _optinteger(args: tuple, i: int, fname: str, default: int) -> int:
    """luaL_optinteger() kept in a C int: none/nil is the default, else truncation."""
    if i >= len(args) or args[i] is None:
        return default
    n = _checknumber(args, i, fname)
    v = int(n) if math.isfinite(n) and abs(n) < 2 ** 63 else -2 ** 63
    return (v + 2 ** 31) % 2 ** 32 - 2 ** 31


def _push_number(v: int) -> Any:
    """lua_pushnumber((lua_Number)x) of a C integer: big ones round as the cast does."""
    return float(v) if abs(v) >= 2 ** 53 else v


# ============================================================================ cmsgpack

_MAX_NESTING = 16   # LUACMSGPACK_MAX_NESTING: deeper tables are packed as nil


def _mp_int(n: int) -> bytes:
    if n >= 0:
        if n <= 127:
            return bytes((n,))
        if n <= 0xFF:
            return b"\xcc" + bytes((n,))
        if n <= 0xFFFF:
            return b"\xcd" + _st.pack(">H", n)
        if n <= 0xFFFFFFFF:
            return b"\xce" + _st.pack(">I", n)
        return b"\xcf" + _st.pack(">Q", n)
    if n >= -32:
        return _st.pack(">b", n)
    if n >= -128:
        return b"\xd0" + _st.pack(">b", n)
    if n >= -32768:
        return b"\xd1" + _st.pack(">h", n)
    if n >= -2147483648:
        return b"\xd2" + _st.pack(">i", n)
    return b"\xd3" + _st.pack(">q", n)


def _mp_double(d: float) -> bytes:
    """mp_encode_double(): a float32 when (double)(float)d == d, else a float64."""
    try:
        f = _st.pack(">f", d)
        if _st.unpack(">f", f)[0] == d:
            return b"\xca" + f
    except OverflowError:  # beyond FLT_MAX: the float cast is inf, never equal
        pass
    return b"\xcb" + _st.pack(">d", d)


def _mp_number(n: Any) -> bytes:
    # IS_INT64_EQUIVALENT(): finite and (int64_t)n == n
    if isinstance(n, int) and -2 ** 63 <= n < 2 ** 63:
        return _mp_int(n)
    if isinstance(n, float) and math.isfinite(n) and n == int(n) and -2 ** 63 <= n < 2 ** 63:
        return _mp_int(int(n))
    return _mp_double(float(n))


def _mp_bytes(s: bytes) -> bytes:
    n = len(s)
    if n < 32:
        return bytes((0xA0 | n,)) + s
    if n <= 0xFF:
        return b"\xd9" + bytes((n,)) + s
    if n <= 0xFFFF:
        return b"\xda" + _st.pack(">H", n) + s
    return b"\xdb" + _st.pack(">I", n & 0xFFFFFFFF) + s


def _mp_table(t: Any, level: int, out: list) -> None:
    pairs = list(t.items())   # lua_next order, as the C code walks the table
    count, top = 0, 0
    is_array = True           # table_is_an_array(): keys exactly 1..n
    for k, _ in pairs:
        if not _is_number(k) or not math.isfinite(k) or k <= 0 or k != int(k) \
                or k >= 2 ** 31:
            is_array = False
            break
        top = max(top, int(k))
        count += 1
    if is_array and top == count:
        n = count
        out.append(bytes((0x90 | n,)) if n <= 15 else
                   b"\xdc" + _st.pack(">H", n) if n <= 0xFFFF else b"\xdd" + _st.pack(">I", n))
        values = dict((int(k), v) for k, v in pairs)
        for j in range(1, n + 1):
            _mp_value(values.get(j), level + 1, out)
        return
    n = len(pairs)
    out.append(bytes((0x80 | n,)) if n <= 15 else
               b"\xde" + _st.pack(">H", n) if n <= 0xFFFF else b"\xdf" + _st.pack(">I", n))
    for k, v in pairs:
        _mp_value(k, level + 1, out)
        _mp_value(v, level + 1, out)


def _mp_value(v: Any, level: int, out: list) -> None:
    if isinstance(v, bool):
        out.append(b"\xc3" if v else b"\xc2")
    elif isinstance(v, bytes):
        out.append(_mp_bytes(v))
    elif _is_number(v):
        out.append(_mp_number(v))
    elif v is not None and level < _MAX_NESTING and lua51.lua_type(v) == "table":
        _mp_table(v, level, out)
    else:  # nil, functions, userdata, threads, tables past the nesting limit
        out.append(b"\xc0")


def mp_pack(lua: Any, *args: Any) -> bytes:
    if not args:
        raise LibError(errors.LUA_MP_NO_INPUT)
    out: list = []
    for v in args:
        _mp_value(v, 0, out)
    return b"".join(out)


_LUAI_MAXCSTACK = 8000   # lua_checkstack()'s limit: slots a C function may use


class _Cursor:
    """mp_cur and mp_decode_to_lua_type(), iterative (nesting goes ~4000 deep before Lua's
    stack check stops it) with the C code's Lua stack use counted to fail where it fails:
    every value checks one free slot, an array its table, a pending index or map key hold
    one each."""
    EOF, BADFMT = 1, 2

    def __init__(self, lua: Any, data: bytes, pos: int, slots: int) -> None:
        self.lua, self.data, self.pos = lua, data, pos
        self.slots = slots   # Lua stack slots in use below the value being decoded

    def need(self, n: int) -> None:
        if len(self.data) - self.pos < n:
            raise _MpError(self.EOF)

    def check(self, used: int, what: str) -> None:
        if used + 1 > _LUAI_MAXCSTACK:   # luaL_checkstack(L, 1, what)
            raise LibError(errors.LUA_MP_STACK % what)

    def length(self, size: int) -> int:
        self.need(1 + size)
        n = int.from_bytes(self.data[self.pos + 1:self.pos + 1 + size], "big")
        self.pos += 1 + size
        return n

    def value(self) -> Any:
        """One complete value: frames are [table, is_array, left, index_or_key, has_key]."""
        frames: list = []
        used = self.slots
        while True:
            self.check(used, _MP_TOO_MANY)
            v, container = self.item()
            if container is not None:
                is_array, n = container
                t = self.lua.runtime.table()
                if is_array:
                    self.check(used + 1, _MP_ARRAY)
                if n:
                    frames.append([t, is_array, n, 1, False])
                    used += 2 if is_array else 1   # table + index, or table (+ key later)
                    continue
                v = t
            while frames:   # attach v to the open containers, closing the full ones
                f = frames[-1]
                if f[1]:
                    if v is not None:
                        f[0][f[3]] = v
                    f[3] += 1
                    f[2] -= 1
                elif not f[4]:
                    f[3], f[4] = v, True
                    used += 1
                    break
                else:
                    key = f[3]
                    if key is None:
                        raise LuaRaise(b"table index is nil")
                    if isinstance(key, float) and math.isnan(key):
                        raise LuaRaise(b"table index is NaN")
                    f[0][key] = v
                    f[3], f[4] = None, False
                    used -= 1
                    f[2] -= 1
                if f[2]:
                    break
                frames.pop()
                used -= 2 if f[1] else 1
                v = f[0]
            else:
                return v

    def item(self) -> tuple[Any, Any]:
        """A scalar, or (None, (is_array, length)) for a container's header."""
        self.need(1)
        c = self.data[self.pos]
        if c <= 0x7F:
            self.pos += 1
            return c, None
        if c >= 0xE0:
            self.pos += 1
            return c - 256, None
        if 0xA0 <= c <= 0xBF:
            n = c & 0x1F
            self.need(1 + n)
            self.pos += 1 + n
            return self.data[self.pos - n:self.pos], None
        if 0x80 <= c <= 0x9F:
            self.pos += 1
            return None, (c >= 0x90, c & 0x0F)
        if c in _MP_FIXED:
            self.pos += 1
            return _MP_FIXED[c], None
        number = _MP_NUMBERS.get(c)
        if number is not None:
            fmt, size = number
            self.need(1 + size)
            v = _st.unpack_from(fmt, self.data, self.pos + 1)[0]
            self.pos += 1 + size
            return (float(v) if fmt[1] in "fd" else _push_number(v)), None
        if c in (0xD9, 0xDA, 0xDB):
            n = self.length({0xD9: 1, 0xDA: 2, 0xDB: 4}[c])
            self.need(n)
            self.pos += n
            return self.data[self.pos - n:self.pos], None
        if c in (0xDC, 0xDD, 0xDE, 0xDF):
            return None, (c in (0xDC, 0xDD), self.length(2 if c in (0xDC, 0xDE) else 4))
        raise _MpError(self.BADFMT)


_MP_TOO_MANY = "too many return values at once; use unpack_one or unpack_limit instead."
_MP_ARRAY = "in function mp_decode_to_lua_array"
_MP_FIXED = {0xC0: None, 0xC2: False, 0xC3: True}
# 0xcf (uint 64) reads as int64: Redis's decoder pushes it through lua_Integer
_MP_NUMBERS = {0xCC: (">B", 1), 0xCD: (">H", 2), 0xCE: (">I", 4), 0xCF: (">q", 8),
               0xD0: (">b", 1), 0xD1: (">h", 2), 0xD2: (">i", 4), 0xD3: (">q", 8),
               0xCA: (">f", 4), 0xCB: (">d", 8)}


class _MpError(Exception):
    def __init__(self, kind: int) -> None:
        super().__init__()
        self.kind = kind


def _mp_unpack_full(lua: Any, args: tuple, fname: str, limit: int, offset: int,
                    slots: int = 1) -> tuple:
    """``slots``: the arguments on the C function's stack (unpack keeps them all)."""
    data = _checkstring(args, 0, fname)
    decode_all = not limit and not offset
    if offset < 0 or limit < 0:
        raise LibError(errors.LUA_MP_NEGATIVE % (offset, len(data)))
    if offset > len(data):
        raise LibError(errors.LUA_MP_OFFSET % (offset, len(data)))
    if decode_all:
        limit = 2 ** 31 - 1
    cur = _Cursor(lua, data, offset, slots)
    out = []
    try:
        while cur.pos < len(data) and len(out) < limit:
            out.append(cur.value())
            cur.slots += 1
    except _MpError as e:
        raise LibError(errors.LUA_MP_EOF if e.kind == _Cursor.EOF
                       else errors.LUA_MP_BADFMT) from None
    if not decode_all:  # the next offset first, -1 once the input is consumed
        cur.check(cur.slots, "in function mp_unpack_full")
        out.insert(0, -1 if cur.pos == len(data) else cur.pos)
    return tuple(out)


def mp_unpack(lua: Any, *args: Any) -> tuple:
    return _mp_unpack_full(lua, args, "unpack", 0, 0, max(1, len(args)))


def mp_unpack_one(lua: Any, *args: Any) -> tuple:
    offset = _optinteger(args, 1, "unpack_one", 0)
    return _mp_unpack_full(lua, args[:1], "unpack_one", 1, offset)


def mp_unpack_limit(lua: Any, *args: Any) -> tuple:
    if len(args) < 2 or args[1] is None:
        _checknumber(args, 1, "unpack_limit")
    limit = _optinteger(args, 1, "unpack_limit", 0)
    offset = _optinteger(args, 2, "unpack_limit", 0)
    return _mp_unpack_full(lua, args[:1], "unpack_limit", limit, offset)


CMSGPACK = {b"pack": mp_pack, b"unpack": mp_unpack, b"unpack_one": mp_unpack_one,
            b"unpack_limit": mp_unpack_limit}
CMSGPACK_INFO = {b"_NAME": b"cmsgpack", b"_VERSION": b"lua-cmsgpack 0.4.0",
                 b"_COPYRIGHT": b"Copyright (C) 2012, Salvatore Sanfilippo",
                 b"_DESCRIPTION": b"MessagePack C implementation for Lua"}


# ============================================================================ struct

_MAXINTSIZE = 32
_MAXALIGN = 8
_SIZES = {"b": 1, "B": 1, "h": 2, "H": 2, "l": 8, "L": 8, "T": 8, "f": 4, "d": 8, "x": 1}


class _Format:
    """lua_struct.c's format walker: the Header (endianness, alignment) and getnum()."""

    def __init__(self, fmt: bytes) -> None:
        self.fmt, self.i = fmt, 0
        self.little, self.align = True, 1

    def getnum(self, default: int) -> int:
        if self.i >= len(self.fmt) or not chr(self.fmt[self.i]).isdigit():
            return default
        a = 0
        while self.i < len(self.fmt) and chr(self.fmt[self.i]).isdigit():
            d = self.fmt[self.i] - 48
            if a > (2 ** 31 - 1) // 10 or a * 10 > 2 ** 31 - 1 - d:
                raise LibError(errors.LUA_STRUCT_OVERFLOW)
            a = a * 10 + d
            self.i += 1
        return a

    def next(self) -> tuple[str, int] | None:
        if self.i >= len(self.fmt):
            return None
        opt = chr(self.fmt[self.i])
        self.i += 1
        if opt in _SIZES:
            return opt, _SIZES[opt]
        if opt == "c":
            return opt, self.getnum(1)
        if opt in "iI":
            sz = self.getnum(4)
            if sz > _MAXINTSIZE:
                raise LibError(errors.LUA_STRUCT_INT_SIZE % (sz, _MAXINTSIZE))
            return opt, sz
        return opt, 0

    def toalign(self, length: int, opt: str, size: int) -> int:
        if size == 0 or opt == "c":
            return 0
        size = min(size, self.align)
        return (size - (length & (size - 1))) & (size - 1)

    def control(self, opt: str, fname: str) -> None:
        if opt == " ":
            return
        if opt == ">":
            self.little = False
        elif opt == "<":
            self.little = True
        elif opt == "!":
            a = self.getnum(_MAXALIGN)
            if a == 0 or a & (a - 1):
                raise LibError(errors.LUA_STRUCT_ALIGN % a)
            self.align = a
        else:
            raise LibError(errors.LUA_ARG_BAD % (1, fname, "invalid format option '%s'" % opt))


def st_pack(lua: Any, *args: Any) -> bytes:
    f = _Format(_checkstring(args, 0, "pack"))
    out = bytearray()
    i = 1
    while True:
        item = f.next()
        if item is None:
            break
        opt, size = item
        pad = f.toalign(len(out), opt, size)
        out += b"\0" * pad
        if opt in "bBhHlLTiI":
            n = _checknumber(args, i, "pack")
            i += 1
            v = int(n) if math.isfinite(n) and abs(n) < 2 ** 64 else 0
            v &= 0xFFFFFFFFFFFFFFFF   # (unsigned long) of the value, sizes past 8 get zeros
            out += v.to_bytes(max(size, 8), "little")[:size][::1 if f.little else -1]
        elif opt == "x":
            out += b"\0"
        elif opt in "fd":
            n = _checknumber(args, i, "pack")
            i += 1
            if opt == "f":
                try:
                    b = _st.pack("<f", n)
                except OverflowError:   # the C cast of a double past FLT_MAX is inf
                    b = _st.pack("<f", math.copysign(math.inf, n))
            else:
                b = _st.pack("<d", n)
            out += b if f.little else b[::-1]
        elif opt in "cs":
            s = _checkstring(args, i, "pack")
            i += 1
            if size == 0:
                size = len(s)
            if len(s) < size:   # luaL_argcheck after arg++: the next argument's number
                raise LibError(errors.LUA_ARG_BAD % (i + 1, "pack", "string too short"))
            out += s[:size]
            if opt == "s":
                out += b"\0"
        else:
            f.control(opt, "pack")
    return bytes(out)


def st_unpack(lua: Any, *args: Any) -> tuple:
    f = _Format(_checkstring(args, 0, "unpack"))
    data = _checkstring(args, 1, "unpack")
    ld = len(data)
    init = 1 if len(args) < 3 or args[2] is None else _checknumber(args, 2, "unpack")
    init = int(init) if math.isfinite(init) and abs(init) < 2 ** 63 else -2 ** 63
    pos = init % 2 ** 64   # a size_t: a negative offset is huge, "too short" below
    if pos == 0:
        raise LibError(errors.LUA_ARG_BAD % (3, "unpack", "offset must be 1 or greater"))
    pos -= 1
    out: list = []
    while True:
        item = f.next()
        if item is None:
            break
        opt, size = item
        pos += f.toalign(pos, opt, size)
        if not (size <= ld and pos <= ld - size):
            raise LibError(errors.LUA_ARG_BAD % (2, "unpack", "data string too short"))
        chunk = data[pos:pos + size]
        if not f.little:
            chunk = chunk[::-1]
        if opt in "bBhHlLTiI":
            v = int.from_bytes(chunk, "little") & 0xFFFFFFFFFFFFFFFF
            if opt.islower() and size > 0:
                mask = (0xFFFFFFFFFFFFFFFF << (size * 8 - 1)) & 0xFFFFFFFFFFFFFFFF \
                    if size * 8 - 1 < 64 else 0
                if v & mask:
                    v |= mask
                if v >= 2 ** 63:
                    v -= 2 ** 64
            out.append(_push_number(v))
        elif opt in "fd":
            out.append(_st.unpack("<" + opt, chunk)[0])
        elif opt == "c":
            if size == 0:
                from .scripting import _lua_tonumber
                prev = _lua_tonumber(out[-1]) if out else None   # lua_isnumber()
                if prev is None:
                    raise LibError(errors.LUA_STRUCT_C0)
                out.pop()
                size = int(prev) if math.isfinite(prev) and 0 <= prev < 2 ** 63 else 2 ** 64 - 1
                if not (size <= ld and pos <= ld - size):
                    raise LibError(errors.LUA_ARG_BAD % (2, "unpack", "data string too short"))
            out.append(data[pos:pos + size])
        elif opt == "s":
            end = data.find(b"\0", pos)
            if end < 0:
                raise LibError(errors.LUA_STRUCT_UNFINISHED)
            size = end - pos + 1
            out.append(data[pos:end])
        elif opt != "x":
            f.control(opt, "unpack")
        pos += size
    out.append(pos + 1)
    return tuple(out)


def st_size(lua: Any, *args: Any) -> int:
    f = _Format(_checkstring(args, 0, "size"))
    pos = 0
    while True:
        item = f.next()
        if item is None:
            break
        opt, size = item
        pos += f.toalign(pos, opt, size)
        if opt == "s":
            raise LibError(errors.LUA_ARG_BAD % (1, "size", "option 's' has no fixed size"))
        if opt == "c" and size == 0:
            raise LibError(errors.LUA_ARG_BAD % (1, "size", "option 'c0' has no fixed size"))
        if not opt.isalnum():
            f.control(opt, "size")
        pos += size
    return pos


STRUCT = {b"pack": st_pack, b"unpack": st_unpack, b"size": st_size}
