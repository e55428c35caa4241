"""The text and meta protocols' commands, as memcached 1.6.18's proto_text.c runs them.

``TextCommands`` is mixed into the connection: each handler gets the command's tokens and
appends its reply to ``self._out``. Argument checks happen in memcached's order because
that order decides which error a malformed line gets; ``noreply`` swallows whatever reply
(error included) the command would have sent, while meta commands always report errors.
"""

from typing import Any, List

from protocols.memcached import meta as mcmeta
from protocols.memcached import text as mctext
from protocols.memcached.text import (
    BAD_CHUNK, STORE_ADD, STORE_APPEND, STORE_CAS, STORE_PREPEND, STORE_REPLACE, STORE_SET,
    TOO_LARGE, safe_strtol, safe_strtoul, safe_strtoull,
)

from native.memcache import CLIENT_ERROR_OPTIONS_TOO_LONG, item_size_ok

from .. import errors
from . import stats as mcstats
from .store import (
    DELTA_OK, EXISTS, FETCHED, KEY_BINARY, M_ATIME, M_BITS, M_CAS, M_FLAGS, NON_NUMERIC,
    NOT_FOUND, NOT_STORED, STALE, STORED, TOKEN_SENT, item_total, remaining_seconds,
    slab_class,
)

__all__ = ["TextCommands"]


def _line(text: str) -> bytes:
    return text.encode() + b"\r\n"


ERROR = _line(errors.MC_ERROR)
BAD_DATA_CHUNK = _line(errors.MC_BAD_DATA_CHUNK)
TOO_LARGE_LINE = _line(errors.MC_TOO_LARGE)
OOM_STORING = _line(errors.MC_OUT_OF_MEMORY_STORING)
NON_NUMERIC_LINE = _line(errors.MC_NON_NUMERIC)
INVALID_DELTA = _line(errors.MC_INVALID_DELTA)
INVALID_EXPTIME = _line(errors.MC_INVALID_EXPTIME)
BAD_FORMAT = _line(errors.MC_BAD_FORMAT)
DELETE_USAGE = _line(errors.MC_DELETE_USAGE)
STATS_DETAIL_USAGE = _line(errors.MC_STATS_DETAIL_USAGE)
BAD_COMMAND_LINE = _line(errors.MC_BAD_COMMAND_LINE)
ILLEGAL_SLAB_ID = _line(errors.MC_ILLEGAL_SLAB_ID)
SHUTDOWN_DISABLED = _line(errors.MC_SHUTDOWN_DISABLED)
META_FLAGS_TOO_LONG = _line(errors.MC_META_FLAGS_TOO_LONG)
META_INVALID_FLAG = _line(errors.MC_META_INVALID_FLAG)
MS_INVALID_MODE = _line(errors.MC_MS_INVALID_MODE)
MA_INVALID_MODE = _line(errors.MC_MA_INVALID_MODE)
OOM_NEW_ITEM = _line(errors.MC_OUT_OF_MEMORY_NEW_ITEM)
MEMLIMIT_TOO_SMALL = _line(errors.MC_MEMLIMIT_TOO_SMALL)
MEMLIMIT_MEGABYTES = _line(errors.MC_MEMLIMIT_MEGABYTES)
CRLF = b"\r\n"
OPTIONS_TOO_LONG = CLIENT_ERROR_OPTIONS_TOO_LONG + CRLF   # md and ma (mg says "are too long")
STORE_REPLIES = {STORED: mctext.STORED, NOT_STORED: mctext.NOT_STORED,
                 EXISTS: mctext.EXISTS, NOT_FOUND: mctext.NOT_FOUND}
META_CODES = {STORED: b"HD", NOT_STORED: b"NS", EXISTS: b"EX", NOT_FOUND: b"NF"}
KEY_MAX = 250
# The letters whose commands memcached routes by first character (process_command_ascii);
# an unknown command outside them whose last token starts with "HTTP/" closes.
_ROUTED_FIRST = frozenset(b"gsacidt")


class TextCommands:
    """Text and meta command handlers (mixed into MemcachedConnection)."""

    _out: bytearray
    store: Any
    st: Any

    def _text_handlers(self) -> dict:
        return {
            b"get": self.cmd_get, b"bget": self.cmd_get, b"gets": self.cmd_gets,
            b"gat": self.cmd_gat, b"gats": self.cmd_gats, b"incr": self.cmd_incr,
            b"decr": self.cmd_decr, b"delete": self.cmd_delete, b"touch": self.cmd_touch,
            b"flush_all": self.cmd_flush_all, b"version": self.cmd_version,
            b"quit": self.cmd_quit, b"verbosity": self.cmd_verbosity, b"stats": self.cmd_stats,
            b"mg": self.cmd_mg, b"md": self.cmd_md, b"ma": self.cmd_ma, b"mn": self.cmd_mn,
            b"me": self.cmd_me, b"config": self.cmd_config, b"shutdown": self.cmd_shutdown,
            b"cache_memlimit": self.cmd_cache_memlimit, b"slabs": self.cmd_slabs,
        }

    # ------------------------------------------------------------------ dispatch
    def run_line(self, tokens: List[bytes]) -> None:
        if not tokens or len(tokens[0]) < 2:
            self._out += ERROR
            return
        handler = self._handlers.get(tokens[0])
        if handler is not None:
            handler(tokens)
            return
        cmd = tokens[0]
        if cmd[0] in _ROUTED_FIRST or (cmd[0] == 109 and len(cmd) == 2):
            self._out += ERROR
        elif tokens[-1].startswith(b"HTTP/"):
            self.close_now()
        else:
            self._out += ERROR

    def run_store(self, req: tuple) -> None:
        """A storage command whose data block the framing read (or swallowed)."""
        _, mode, key, flags, exptime, cas, noreply, data = req
        store = self.store
        if data is TOO_LARGE:
            self.stats.store_too_large += 1
            if not noreply:
                self._out += TOO_LARGE_LINE
            if mode == STORE_SET:
                store.unlink(key)
            return
        if store.out_of_memory():
            self.stats.store_no_memory += 1
            if not noreply:
                self._out += OOM_STORING
            if mode == STORE_SET:
                store.unlink(key)
            return
        self.stats.cmd_set += 1
        if data is BAD_CHUNK:
            if not noreply:
                self._out += BAD_DATA_CHUNK
            return
        status, _cas = store.store(mode, key, data, flags, store.expiry(exptime), cas,
                                   max_item_size=self.max_item_size)
        if not noreply:
            self._out += STORE_REPLIES[status]

    def run_error(self, req: tuple) -> None:
        if not req[2]:
            self._out += req[1] + CRLF

    # ------------------------------------------------------------------ retrieval
    def cmd_get(self, tokens: List[bytes]) -> None:
        if len(tokens) == 2 and len(tokens[1]) <= KEY_MAX:
            # the hot path: one key (same replies and counters as _get)
            key = tokens[1]
            stats = self.stats
            stats.cmd_get += 1
            v, meta = self.store.lookup(key)
            out = self._out
            if v is None:
                stats.get_misses += 1
                out += mctext.END
            else:
                stats.get_hits += 1
                out += b"VALUE %s %d %d\r\n%s\r\nEND\r\n" % (key, meta[M_FLAGS], len(v), v)
            self._flushed = len(out)
            return
        self._get(tokens, False, False)

    def cmd_gets(self, tokens: List[bytes]) -> None:
        self._get(tokens, True, False)

    def cmd_gat(self, tokens: List[bytes]) -> None:
        self._get(tokens, False, True)

    def cmd_gats(self, tokens: List[bytes]) -> None:
        self._get(tokens, True, True)

    def _get(self, tokens: List[bytes], return_cas: bool, touch: bool) -> None:
        """process_get_command()."""
        out = self._out
        if len(tokens) < 2:
            out += ERROR
            return
        store = self.store
        stats = self.stats
        first = 1
        when = 0
        if touch:
            exptime = safe_strtol(tokens[1])
            if exptime is None:
                out += INVALID_EXPTIME
                return
            when = store.expiry(exptime)
            first = 2
        for i in range(first, len(tokens)):
            key = tokens[i]
            if len(key) > KEY_MAX:
                del out[self._flushed:]   # conn_release_items(): unsent replies go
                out += BAD_FORMAT
                return
            if touch:
                v, meta = store.touch(key, when)
                stats.cmd_touch += 1
                if v is None:
                    stats.touch_misses += 1
                else:
                    stats.touch_hits += 1
            else:
                v, meta = store.lookup(key)
                stats.cmd_get += 1
                if v is None:
                    stats.get_misses += 1
                else:
                    stats.get_hits += 1
            if v is not None:
                if return_cas:
                    out += b"VALUE %s %d %d %d\r\n" % (key, meta[M_FLAGS], len(v), meta[M_CAS])
                else:
                    out += b"VALUE %s %d %d\r\n" % (key, meta[M_FLAGS], len(v))
                out += v
                out += CRLF
        out += mctext.END
        self.flush_point()

    # ------------------------------------------------------------------ other verbs
    def _noreply(self, tokens: List[bytes]) -> bool:
        """set_noreply_maybe(): the last token is ``noreply``."""
        return tokens[-1] == b"noreply"

    def _reply(self, noreply: bool, data: bytes) -> None:
        if not noreply:
            self._out += data

    def cmd_incr(self, tokens: List[bytes]) -> None:
        self._arith(tokens, True)

    def cmd_decr(self, tokens: List[bytes]) -> None:
        self._arith(tokens, False)

    def _arith(self, tokens: List[bytes], incr: bool) -> None:
        n = len(tokens) + 1
        if n != 4 and n != 5:
            self._out += ERROR
            return
        noreply = self._noreply(tokens)
        key = tokens[1]
        if len(key) > KEY_MAX:
            return self._reply(noreply, BAD_FORMAT)
        delta = safe_strtoull(tokens[2])
        if delta is None:
            return self._reply(noreply, INVALID_DELTA)
        status, text, _meta = self.store.delta(key, incr, delta)
        if status == DELTA_OK:
            self._reply(noreply, text + CRLF)
        elif status == NON_NUMERIC:
            self._reply(noreply, NON_NUMERIC_LINE)
        else:
            if incr:
                self.stats.incr_misses += 1
            else:
                self.stats.decr_misses += 1
            self._reply(noreply, mctext.NOT_FOUND)

    def cmd_delete(self, tokens: List[bytes]) -> None:
        n = len(tokens) + 1
        if n < 3 or n > 5:
            self._out += ERROR
            return
        noreply = False
        if n > 3:
            hold_is_zero = tokens[2] == b"0"
            noreply = self._noreply(tokens)
            valid = (n == 4 and (hold_is_zero or noreply)) or \
                (n == 5 and hold_is_zero and noreply)
            if not valid:
                return self._reply(noreply, DELETE_USAGE)
        key = tokens[1]
        if len(key) > KEY_MAX:
            return self._reply(noreply, BAD_FORMAT)
        status = self.store.delete(key)
        self._reply(noreply, mctext.DELETED if status == STORED else mctext.NOT_FOUND)

    def cmd_touch(self, tokens: List[bytes]) -> None:
        n = len(tokens) + 1
        if n != 4 and n != 5:
            self._out += ERROR
            return
        noreply = self._noreply(tokens)
        key = tokens[1]
        if len(key) > KEY_MAX:
            return self._reply(noreply, BAD_FORMAT)
        exptime = safe_strtol(tokens[2])
        if exptime is None:
            return self._reply(noreply, INVALID_EXPTIME)
        store = self.store
        v, _meta = store.touch(key, store.expiry(exptime))
        self.stats.cmd_touch += 1
        if v is None:
            self.stats.touch_misses += 1
            self._reply(noreply, mctext.NOT_FOUND)
        else:
            self.stats.touch_hits += 1
            self._reply(noreply, mctext.TOUCHED)

    def cmd_flush_all(self, tokens: List[bytes]) -> None:
        n = len(tokens) + 1
        if n < 2 or n > 4:
            self._out += ERROR
            return
        noreply = self._noreply(tokens)
        self.stats.cmd_flush += 1
        delay = 0
        if n != (3 if noreply else 2):
            delay = safe_strtol(tokens[1])
            if delay is None:
                return self._reply(noreply, INVALID_EXPTIME)
        self.store.flush(delay)
        self._reply(noreply, mctext.OK)

    def cmd_version(self, tokens: List[bytes]) -> None:
        self._out += mctext.VERSION_LINE

    def cmd_quit(self, tokens: List[bytes]) -> None:
        self.close_after_write()

    def cmd_verbosity(self, tokens: List[bytes]) -> None:
        n = len(tokens) + 1
        if n != 3 and n != 4:
            self._out += ERROR
            return
        noreply = self._noreply(tokens)
        level = safe_strtoul(tokens[1])
        if level is None:
            return self._reply(noreply, BAD_FORMAT)
        self.st.verbosity = min(level, 2)
        self._reply(noreply, mctext.OK)

    def cmd_shutdown(self, tokens: List[bytes]) -> None:
        self._out += SHUTDOWN_DISABLED

    def cmd_slabs(self, tokens: List[bytes]) -> None:
        # no slab allocator to rebalance: automove settings are accepted, reassign is not
        n = len(tokens) + 1
        if n >= 4 and tokens[1] == b"automove":
            level = safe_strtoul(tokens[2])
            if level is None:
                self._reply(self._noreply(tokens), BAD_FORMAT)
            elif level > 2:
                self._out += ERROR
            else:
                self._reply(self._noreply(tokens), mctext.OK)
            return
        self._out += ERROR

    def cmd_cache_memlimit(self, tokens: List[bytes]) -> None:
        """cache_memlimit <megabytes>: the shared memory budget (maxmemory)."""
        n = len(tokens) + 1
        if n != 3 and n != 4:
            self._out += ERROR
            return
        noreply = self._noreply(tokens)
        mb = safe_strtoul(tokens[1])
        if mb is None:
            return self._reply(noreply, ERROR)
        if mb < 8:
            return self._reply(noreply, MEMLIMIT_TOO_SMALL)
        if mb > 1000000000:
            return self._reply(noreply, MEMLIMIT_MEGABYTES)
        self.st.engine.config.set_many([("maxmemory", str(mb * 1024 * 1024))])
        self._reply(noreply, mctext.OK)

    def cmd_config(self, tokens: List[bytes]) -> None:
        """ElastiCache Auto Discovery: ``config get cluster``."""
        if len(tokens) == 3 and tokens[1] == b"get" and tokens[2] == b"cluster":
            self._out += mctext.config_cluster(self.st.membership.version, self.cluster_nodes())
            return
        self._out += ERROR

    # ------------------------------------------------------------------ stats
    def cmd_stats(self, tokens: List[bytes]) -> None:
        st = self.st
        out = self._out
        if len(tokens) == 1:
            rows = mcstats.general(st)
        else:
            sub = tokens[1]
            if sub == b"reset":
                st.stats.reset()
                out += mctext.RESET
                return
            if sub == b"detail":
                arg = tokens[2] if len(tokens) >= 3 else b""
                if arg == b"on" or arg == b"off":
                    st.detail_enabled = arg == b"on"
                    out += mctext.OK
                elif arg == b"dump":
                    out += mctext.END
                else:
                    out += STATS_DETAIL_USAGE
                return
            if sub == b"settings":
                rows = mcstats.settings(st, self.port)
            elif sub == b"cachedump":
                if len(tokens) + 1 < 5:
                    out += BAD_COMMAND_LINE
                    return
                cid = safe_strtoul(tokens[2])
                limit = safe_strtoul(tokens[3])
                if cid is None or limit is None:
                    out += BAD_FORMAT
                elif cid >= 64:
                    out += ILLEGAL_SLAB_ID
                else:
                    out += mctext.END
                return
            elif sub == b"conns":
                rows = mcstats.conns(st)
            else:
                rows = mcstats.group(st, sub)
                if rows is None:
                    out += ERROR
                    return
        for name, value in rows:
            out += mctext.stat_line(name, value)
        out += mctext.END

    # ------------------------------------------------------------------ meta
    def cmd_mn(self, tokens: List[bytes]) -> None:
        self._out += b"MN\r\n"
        self.flush_point()

    def _meta_check(self, tokens: List[bytes], too_long: bytes) -> bool:
        """The checks every meta command starts with; False when a reply was written."""
        n = len(tokens) + 1
        if n < 3:
            self._out += ERROR
            return False
        if len(tokens[1]) > KEY_MAX:
            self._out += BAD_FORMAT
            return False
        if n > 20:
            self._out += too_long
            return False
        return True

    def cmd_mg(self, tokens: List[bytes]) -> None:
        """process_mget_command()."""
        out = self._out
        if not self._meta_check(tokens, META_FLAGS_TOO_LONG):
            return
        of, err = mcmeta.preparse(tokens, 2)
        if err is not None:
            out += err + CRLF
            return
        store = self.store
        stats = self.stats
        key = of.key
        v, meta = store.lookup(key, update=not of.locked and not of.no_update)
        created = False
        if v is None and of.vivify and not store.out_of_memory():
            v, meta = store.vivify(key)
            created = True
        if v is None:
            stats.get_misses += 1
            stats.cmd_get += 1
            parts = [b"EN"]
            for t in tokens[2:]:
                c = t[0]
                if c == 79:        # O
                    if len(t) > mcmeta.MAX_OPAQUE_LENGTH:
                        out += mcmeta.ERR_OPAQUE_TOO_LONG + CRLF
                        return
                    parts.append(b" " + t)
                elif c == 107:     # k
                    parts.append(mcmeta.key_token(key, of.key_binary))
            if not of.no_reply:
                out += b"".join(parts) + CRLF
            return
        now = self.st.engine.now_ms
        won = False
        ttl_set = False
        parts = [b"VA %d" % len(v)] if of.value else [b"HD"]
        for t in tokens[2:]:
            c = t[0]
            if c == 84:            # T
                ttl_set = True
                if not store.set_expiry(key, store.expiry(of.exptime), meta):
                    pass   # the item expired; memcached still answers from it
            elif c == 78:          # N
                if created:
                    store.set_expiry(key, store.expiry(of.autoviv_exptime), meta)
                    won = True
            elif c == 82:          # R
                when = store.get_expire(key)
                if (not meta[M_BITS] & TOKEN_SENT and not created and when >= 0
                        and when < store.expiry(of.recache_time)):
                    won = True
            elif c == 115:         # s
                parts.append(b" s%d" % len(v))
            elif c == 116:         # t
                parts.append(b" t%d" % remaining_seconds(store.get_expire(key), now))
            elif c == 99:          # c
                parts.append(b" c%d" % meta[M_CAS])
            elif c == 102:         # f
                parts.append(b" f%d" % meta[M_FLAGS])
            elif c == 108:         # l
                parts.append(b" l%d" % max(0, now // 1000 - meta[M_ATIME]))
            elif c == 104:         # h
                parts.append(b" h1" if meta[M_BITS] & FETCHED else b" h0")
            elif c == 79:          # O
                if len(t) > mcmeta.MAX_OPAQUE_LENGTH:
                    out += mcmeta.ERR_OPAQUE_TOO_LONG + CRLF
                    return
                parts.append(b" " + t)
            elif c == 107:         # k
                parts.append(mcmeta.key_token(key, bool(meta[M_BITS] & KEY_BINARY)))
        bits = meta[M_BITS]
        if bits & TOKEN_SENT:
            parts.append(b" Z")
        if bits & STALE:
            parts.append(b" X")
            if not bits & TOKEN_SENT:
                won = True
        if won:
            parts.append(b" W")
            meta[M_BITS] |= TOKEN_SENT
        parts.append(CRLF)
        out += b"".join(parts)
        if of.value:
            out += v
            out += CRLF
        if of.locked and not of.no_update:
            store.bump(meta)
        if ttl_set:
            stats.cmd_touch += 1
            stats.touch_hits += 1
        else:
            stats.get_hits += 1
            stats.cmd_get += 1

    def run_meta_set(self, req: tuple) -> None:
        """process_mset_command() + complete_nread_ascii() for ms."""
        _, tokens, data = req
        out = self._out
        of, err = mcmeta.preparse(tokens, 3)
        if err is not None:
            out += err + CRLF
            return
        key = of.key
        stash = []
        for t in tokens[2:]:
            c = t[0]
            if c == 79:            # O
                if len(t) > mcmeta.MAX_OPAQUE_LENGTH:
                    err = mcmeta.ERR_OPAQUE_TOO_LONG
                    break
                stash.append(t)
            elif c == 107 or c == 99:   # k c
                stash.append(t[:1])
        mode = of.mode
        if mode == 0 or mode == 83:       # S
            comm = STORE_SET
        elif mode == 69:                  # E
            comm = STORE_ADD
        elif mode == 65:                  # A
            comm = STORE_APPEND
        elif mode == 80:                  # P
            comm = STORE_PREPEND
        elif mode == 82:                  # R
            comm = STORE_REPLACE
        else:
            out += MS_INVALID_MODE
            return
        if of.has_cas and (comm == STORE_SET or comm == STORE_REPLACE):
            comm = STORE_CAS
        if err is not None:
            out += err + CRLF
            return
        store = self.store
        vlen = safe_strtol(tokens[2]) + 2
        if data is TOO_LARGE or not item_size_ok(len(key), of.client_flags, vlen,
                                                 self.max_item_size):
            self.stats.store_too_large += 1
            out += TOO_LARGE_LINE
            store.unlink(key)
            return
        if store.out_of_memory():
            self.stats.store_no_memory += 1
            out += OOM_STORING
            store.unlink(key)
            return
        self.stats.cmd_set += 1
        if data is BAD_CHUNK:
            out += BAD_DATA_CHUNK
            return
        status, cas = store.store(comm, key, data, of.client_flags, store.expiry(of.exptime),
                                  of.req_cas_id, of.set_stale and comm == STORE_CAS,
                                  of.key_binary, self.max_item_size)
        if status == STORED and of.no_reply:
            return
        parts = [META_CODES[status]]
        for t in stash:
            c = t[0]
            if c == 79:
                parts.append(b" " + t)
            elif c == 107:
                parts.append(mcmeta.key_token(key, of.key_binary))
            else:
                parts.append(b" c%d" % cas)
        parts.append(CRLF)
        out += b"".join(parts)

    def cmd_md(self, tokens: List[bytes]) -> None:
        """process_mdelete_command()."""
        out = self._out
        if not self._meta_check(tokens, OPTIONS_TOO_LONG):
            return
        of, err = mcmeta.preparse(tokens, 2)
        if err is not None:
            out += META_INVALID_FLAG
            return
        key = of.key
        tail = []
        for t in tokens[2:]:
            c = t[0]
            if c == 79:
                if len(t) > mcmeta.MAX_OPAQUE_LENGTH:
                    out += mcmeta.ERR_OPAQUE_TOO_LONG + CRLF
                    return
                tail.append(b" " + t)
            elif c == 107:
                tail.append(mcmeta.key_token(key, of.key_binary))
        store = self.store
        v, meta = store.lookup(key, update=False)
        if v is None:
            self.stats.delete_misses += 1
            code = b"NF"
        elif of.has_cas and meta[M_CAS] != of.req_cas_id:
            self.stats.delete_misses += 1
            code = b"EX"
        else:
            if of.set_stale:
                store.invalidate(key, meta, store.expiry(of.exptime) if of.new_ttl else None)
            else:
                self.stats.delete_hits += 1
                store.unlink(key)
            if of.no_reply:
                return
            code = b"HD"
        out += code + b"".join(tail) + CRLF

    def cmd_ma(self, tokens: List[bytes]) -> None:
        """process_marithmetic_command()."""
        out = self._out
        if not self._meta_check(tokens, OPTIONS_TOO_LONG):
            return
        of, err = mcmeta.preparse(tokens, 2)
        if err is not None:
            out += META_INVALID_FLAG
            return
        mode = of.mode
        if mode == 0 or mode == 73 or mode == 43:     # I +
            incr = True
        elif mode == 68 or mode == 45:                # D -
            incr = False
        else:
            out += MA_INVALID_MODE
            return
        key = of.key
        store = self.store
        status, text, meta = store.delta(key, incr, of.delta, of.req_cas_id)
        created = False
        code = b""
        if status == DELTA_OK:
            if of.no_reply:
                return
        elif status == NON_NUMERIC:
            out += NON_NUMERIC_LINE
            return
        elif status == NOT_FOUND:
            if of.vivify:
                if store.out_of_memory():
                    out += OOM_NEW_ITEM
                    return
                text, meta = store.create_number(key, of.initial, -1)
                created = True
            else:
                if incr:
                    self.stats.incr_misses += 1
                else:
                    self.stats.decr_misses += 1
                code = b"NF"
        else:
            code = b"EX"
        parts = []
        if meta is not None:
            parts.append(b"VA %d" % len(text) if of.value else b"HD")
            now = self.st.engine.now_ms
            for t in tokens[2:]:
                c = t[0]
                if c == 99:        # c
                    parts.append(b" c%d" % meta[M_CAS])
                elif c == 116:     # t
                    parts.append(b" t%d" % remaining_seconds(store.get_expire(key), now))
                elif c == 84:      # T
                    store.set_expiry(key, store.expiry(of.exptime), meta)
                elif c == 78:      # N
                    if created:
                        store.set_expiry(key, store.expiry(of.autoviv_exptime), meta)
                elif c == 79:
                    if len(t) > mcmeta.MAX_OPAQUE_LENGTH:
                        out += mcmeta.ERR_OPAQUE_TOO_LONG + CRLF
                        return
                    parts.append(b" " + t)
                elif c == 107:
                    parts.append(mcmeta.key_token(key, of.key_binary))
            if of.value:
                parts.append(CRLF + text)
        else:
            parts.append(code)
            for t in tokens[2:]:
                c = t[0]
                if c == 79:
                    if len(t) > mcmeta.MAX_OPAQUE_LENGTH:
                        out += mcmeta.ERR_OPAQUE_TOO_LONG + CRLF
                        return
                    parts.append(b" " + t)
                elif c == 107:
                    parts.append(mcmeta.key_token(key, of.key_binary))
        parts.append(CRLF)
        out += b"".join(parts)

    def cmd_me(self, tokens: List[bytes]) -> None:
        """process_meta_command(): a human-readable dump of an item's metadata."""
        out = self._out
        n = len(tokens) + 1
        if n < 3 or len(tokens[1]) > KEY_MAX:
            out += BAD_FORMAT
            return
        key = tokens[1]
        if n >= 4 and tokens[2] == b"b":
            key = mcmeta.b64decode(key)
            if not key:
                out += BAD_FORMAT
                return
        store = self.store
        v, meta = store.lookup(key, update=False)
        self.stats.cmd_meta += 1
        if v is None:
            out += b"EN\r\n"
            return
        now = self.st.engine.now_ms
        when = store.get_expire(key)
        exp = -1 if when < 0 else -remaining_seconds(when, now)
        shown = mcmeta.b64encode(key) if meta[M_BITS] & KEY_BINARY else key
        total = item_total(len(key), meta[M_FLAGS], len(v))
        out += b"ME %s exp=%d la=%d cas=%d fetch=%s cls=%d size=%d\r\n" % (
            shown, exp, max(0, now // 1000 - meta[M_ATIME]), meta[M_CAS],
            b"yes" if meta[M_BITS] & FETCHED else b"no", slab_class(total), total)

