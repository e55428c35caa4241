"""The binary protocol's commands, as memcached 1.6.18's proto_bin.c runs them.

``BinaryCommands`` is mixed into the connection. Each request's response echoes its opcode
(quiet variant included) and opaque; quiet variants send nothing on success (GETQ/GETKQ
and GATQ/GATKQ: nothing on a miss), errors are always sent. With ``memcached-sasl`` on,
only SASL and VERSION work before a successful PLAIN authentication.
"""

import struct
from typing import Any

from native.memcache import (
    STORE_ADD, STORE_APPEND, STORE_CAS, STORE_PREPEND, STORE_REPLACE, STORE_SET,
)
from protocols.memcached.binary import ERROR_TEXTS, OP, QUIET, STATUS, error, response

from .. import errors
from . import sasl
from . import stats as mcstats
from .store import DELTA_OK, EXISTS, M_CAS, M_FLAGS, NON_NUMERIC, NOT_FOUND, STORED

__all__ = ["BinaryCommands"]

_U32 = struct.Struct(">I")
_U64 = struct.Struct(">Q")
_SET_EXTRAS = struct.Struct(">II")
_INCR_EXTRAS = struct.Struct(">QQI")
_STORE_MODES = {OP.SET: STORE_SET, OP.ADD: STORE_ADD, OP.REPLACE: STORE_REPLACE,
                OP.APPEND: STORE_APPEND, OP.PREPEND: STORE_PREPEND}
_NO_AUTH = frozenset((OP.SASL_LIST_MECHS, OP.SASL_AUTH, OP.SASL_STEP, OP.VERSION))
_VERSION = b"1.6.18"
_OOM_ITEM = errors.MC_BIN_OOM_ITEM.encode()
_OOM_NEW = errors.MC_OUT_OF_MEMORY_NEW_ITEM.split(" ", 1)[1].encode()
_AUTHENTICATED = errors.MC_BIN_AUTHENTICATED.encode()


class BinaryCommands:
    """Binary command handlers (mixed into MemcachedConnection)."""

    _out: bytearray
    store: Any
    st: Any

    def _auth_denied(self, op: int) -> bool:
        """authenticated(): with SASL on, refuse (and close) before a successful auth."""
        if self.sasl_required and not self.authenticated and QUIET.get(op, op) not in _NO_AUTH:
            self._out += error(op, self._opaque, STATUS.AUTH_ERROR)
            self.flush_point()
            self.close_after_write()
            return True
        return False

    def run_bin_error(self, req: tuple) -> None:
        _, op, key, opaque, status, close, after_auth, swallowed = req
        self._opaque = opaque
        if after_auth and self._auth_denied(op):
            return
        if status == STATUS.E2BIG:
            self.stats.store_too_large += 1
            if QUIET.get(op, op) == OP.SET:
                self.store.unlink(key)
        self._out += error(op, opaque, status)
        if close:
            self.close_after_write()
        if close or not swallowed:
            self.flush_point()

    def run_bin(self, req: tuple) -> None:
        _, op, key, extras, value, opaque, cas = req
        self._opaque = opaque
        if self.sasl_required and not self.authenticated and self._auth_denied(op):
            return
        cmd = QUIET.get(op, op)
        quiet = cmd != op
        out = self._out
        store = self.store
        stats = self.stats
        if cmd == OP.GET or cmd == OP.GETK:
            v, meta = store.lookup(key)
            stats.cmd_get += 1
            if v is not None:
                stats.get_hits += 1
                out += response(op, opaque, 0, meta[M_CAS], _U32.pack(meta[M_FLAGS]),
                                key if cmd == OP.GETK else b"", v)
            else:
                stats.get_misses += 1
                self._miss(op, opaque, key, quiet, cmd == OP.GETK)
        elif cmd in _STORE_MODES:
            self._bin_store(op, cmd, key, extras, value, opaque, cas, quiet)
        elif cmd == OP.DELETE:
            status = store.delete(key, cas)
            if status == STORED:
                if not quiet:
                    out += response(op, opaque)
            else:
                self._error(op, opaque, STATUS.KEY_EEXISTS if status == EXISTS
                            else STATUS.KEY_ENOENT)
        elif cmd == OP.INCREMENT or cmd == OP.DECREMENT:
            self._bin_incr(op, cmd, key, extras, opaque, cas, quiet)
        elif cmd == OP.TOUCH or cmd == OP.GAT or cmd == OP.GATK:
            exptime = _U32.unpack(extras)[0]
            v, meta = store.touch(key, store.expiry(exptime))
            stats.cmd_touch += 1
            if v is not None:
                stats.touch_hits += 1
                flags = _U32.pack(meta[M_FLAGS])
                if cmd == OP.TOUCH:
                    out += response(op, opaque, 0, meta[M_CAS], flags)
                else:
                    out += response(op, opaque, 0, meta[M_CAS], flags,
                                    key if cmd == OP.GATK else b"", v)
            else:
                stats.touch_misses += 1
                self._miss(op, opaque, key, quiet, cmd == OP.GATK)
        elif cmd == OP.NOOP:
            out += response(op, opaque)
            self.flush_point()
        elif cmd == OP.VERSION:
            out += response(op, opaque, value=_VERSION)
        elif cmd == OP.QUIT:
            if not quiet:
                out += response(op, opaque)
            self.flush_point()
            self.close_after_write()
        elif cmd == OP.FLUSH:
            stats.cmd_flush += 1
            delay = _U32.unpack(extras)[0] if len(extras) == 4 else 0
            store.flush(delay)
            if not quiet:
                out += response(op, opaque)
        elif cmd == OP.STAT:
            self._bin_stat(op, opaque, key)
        elif cmd == OP.SASL_LIST_MECHS:
            out += response(op, opaque, value=sasl.MECHANISMS)
        elif cmd == OP.SASL_AUTH or cmd == OP.SASL_STEP:
            self._bin_sasl(op, cmd, key, value, opaque)

    # ------------------------------------------------------------------ pieces
    def _error(self, op: int, opaque: int, status: int, text: bytes = b"") -> None:
        self._out += error(op, opaque, status, text)
        self.flush_point()

    def _miss(self, op: int, opaque: int, key: bytes, quiet: bool, with_key: bool) -> None:
        if quiet:
            return
        if with_key:
            self._out += response(op, opaque, STATUS.KEY_ENOENT, 0, b"", key)
            return
        self._error(op, opaque, STATUS.KEY_ENOENT)

    def _bin_store(self, op: int, cmd: int, key: bytes, extras: bytes, value: bytes,
                   opaque: int, cas: int, quiet: bool) -> None:
        store = self.store
        if cmd == OP.APPEND or cmd == OP.PREPEND:
            flags, when = 0, -1
        else:
            flags, exptime = _SET_EXTRAS.unpack(extras)
            when = store.expiry(exptime) if exptime else -1
        if store.out_of_memory():
            self.stats.store_no_memory += 1
            if cmd == OP.SET:
                store.unlink(key)
            self._error(op, opaque, STATUS.ENOMEM, _OOM_ITEM)
            return
        self.stats.cmd_set += 1
        mode = _STORE_MODES[cmd]
        if cas and mode in (STORE_SET, STORE_ADD, STORE_REPLACE):
            mode = STORE_CAS
        status, new_cas = store.store(mode, key, value, flags, when, cas,
                                      max_item_size=self.max_item_size)
        if status == STORED:
            if not quiet:
                self._out += response(op, opaque, 0, new_cas)
        elif status == EXISTS:
            self._error(op, opaque, STATUS.KEY_EEXISTS)
        elif status == NOT_FOUND:
            self._error(op, opaque, STATUS.KEY_ENOENT)
        elif mode == STORE_ADD:
            self._error(op, opaque, STATUS.KEY_EEXISTS)
        elif mode == STORE_REPLACE:
            self._error(op, opaque, STATUS.KEY_ENOENT)
        else:
            self._error(op, opaque, STATUS.NOT_STORED)

    def _bin_incr(self, op: int, cmd: int, key: bytes, extras: bytes, opaque: int, cas: int,
                  quiet: bool) -> None:
        """complete_incr_bin(): a miss creates the item with ``initial`` unless the
        expiration is 0xffffffff."""
        store = self.store
        delta, initial, exptime = _INCR_EXTRAS.unpack(extras)
        incr = cmd == OP.INCREMENT
        status, text, meta = store.delta(key, incr, delta, cas)
        if status == DELTA_OK:
            if not quiet:
                self._out += response(op, opaque, 0, meta[M_CAS], b"", b"", _U64.pack(int(text)))
        elif status == NON_NUMERIC:
            self._error(op, opaque, STATUS.DELTA_BADVAL)
        elif status == EXISTS:
            self._error(op, opaque, STATUS.KEY_EEXISTS)
        elif exptime != 0xFFFFFFFF:
            if store.out_of_memory():
                self._error(op, opaque, STATUS.ENOMEM, _OOM_NEW)
                return
            when = store.expiry(exptime) if exptime else -1
            _text, meta = store.create_number(key, initial, when)
            if not quiet:
                self._out += response(op, opaque, 0, meta[M_CAS], b"", b"", _U64.pack(initial))
        else:
            if incr:
                self.stats.incr_misses += 1
            else:
                self.stats.decr_misses += 1
            self._error(op, opaque, STATUS.KEY_ENOENT)

    def _bin_stat(self, op: int, opaque: int, key: bytes) -> None:
        """process_bin_stat(): one response per statistic, then an empty one."""
        st = self.st
        out = self._out
        if not key:
            rows = mcstats.general(st)
        elif key.startswith(b"reset"):
            st.stats.reset()
            rows = []
        elif key.startswith(b"settings"):
            rows = mcstats.settings(st, self.port)
        elif key.startswith(b"detail"):
            rest = key[6:]
            if rest.startswith(b" dump"):
                rows = []
            elif rest.startswith(b" on") or rest.startswith(b" off"):
                st.detail_enabled = rest.startswith(b" on")
                rows = []
            else:
                self._error(op, opaque, STATUS.KEY_ENOENT)
                return
        else:
            rows = mcstats.group(st, key)
            if rows is None:
                self._error(op, opaque, STATUS.KEY_ENOENT)
                return
        for name, value in rows:
            v = value if isinstance(value, bytes) else str(value).encode()
            out += response(op, opaque, 0, 0, b"", name.encode(), v)
        out += response(op, opaque)

    def _bin_sasl(self, op: int, cmd: int, mech: bytes, data: bytes, opaque: int) -> None:
        stats = self.stats
        stats.auth_cmds += 1
        if cmd == OP.SASL_AUTH and mech == b"PLAIN" and not data:
            self._out += response(op, opaque, STATUS.AUTH_CONTINUE)   # PLAIN wants the data
            self.flush_point()
            return
        pwdb = self.st.engine.config.values["memcached-sasl-pwdb"]
        if cmd == OP.SASL_AUTH and mech == b"PLAIN" and (
                sasl.check_plain(pwdb, data)
                or (not pwdb and sasl.check_plain_acl(self.st.engine.acl, data))):
            self.authenticated = True
            self._out += response(op, opaque, value=_AUTHENTICATED)
            return
        stats.auth_errors += 1
        self._error(op, opaque, STATUS.AUTH_ERROR)


assert ERROR_TEXTS  # the codec's texts are the ones error() sends
