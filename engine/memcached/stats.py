"""memcached's ``stats`` groups (general, settings, items, slabs, sizes, conns) as lists of
(name, value) pairs; the text and binary protocols frame them their own way.

General and settings carry memcached 1.6.18's field names in its order. ``items`` and
``slabs`` walk the memcached database to place each item in the slab class memcached would
have used (an O(n) pass: these are rare administrative calls).
"""

import os
import resource
import time
from typing import TYPE_CHECKING, Any, List, Tuple

from protocols.memcached import VERSION

from .store import M_FLAGS, SLAB_CHUNK_MAX, SLAB_SIZES, item_total, slab_class

if TYPE_CHECKING:  # pragma: no cover
    from .store import MemcachedState

__all__ = ["general", "settings", "items", "slabs", "sizes", "conns", "group"]

Stats = List[Tuple[str, Any]]


def general(st: "MemcachedState") -> Stats:
    eng = st.engine
    cfg = eng.config.values
    c = st.stats
    now = time.time()
    ru = resource.getrusage(resource.RUSAGE_SELF)
    db = st.store.db
    return [
        ("pid", os.getpid()),
        ("uptime", int(now - eng.start_time)),
        ("time", int(now)),
        ("version", VERSION.decode()),
        ("libevent", "strata"),
        ("pointer_size", 64),
        ("rusage_user", "%.6f" % ru.ru_utime),
        ("rusage_system", "%.6f" % ru.ru_stime),
        ("max_connections", cfg["memcached-max-connections"]),
        ("curr_connections", st.curr_connections),
        ("total_connections", c.total_connections),
        ("rejected_connections", c.rejected_connections),
        ("connection_structures", st.curr_connections),
        ("cmd_get", c.cmd_get),
        ("cmd_set", c.cmd_set),
        ("cmd_flush", c.cmd_flush),
        ("cmd_touch", c.cmd_touch),
        ("cmd_meta", c.cmd_meta),
        ("get_hits", c.get_hits),
        ("get_misses", c.get_misses),
        ("get_expired", c.get_expired),
        ("get_flushed", c.get_flushed),
        ("delete_misses", c.delete_misses),
        ("delete_hits", c.delete_hits),
        ("incr_misses", c.incr_misses),
        ("incr_hits", c.incr_hits),
        ("decr_misses", c.decr_misses),
        ("decr_hits", c.decr_hits),
        ("cas_misses", c.cas_misses),
        ("cas_hits", c.cas_hits),
        ("cas_badval", c.cas_badval),
        ("touch_hits", c.touch_hits),
        ("touch_misses", c.touch_misses),
        ("store_too_large", c.store_too_large),
        ("store_no_memory", c.store_no_memory),
        ("auth_cmds", c.auth_cmds),
        ("auth_errors", c.auth_errors),
        ("bytes_read", c.bytes_read),
        ("bytes_written", c.bytes_written),
        ("limit_maxbytes", cfg["maxmemory"]),
        ("accepting_conns", 1),
        ("threads", 1),
        ("bytes", db.used_memory),
        ("curr_items", len(db)),
        ("total_items", c.total_items),
        ("expired_unfetched", 0),
        ("evicted_unfetched", 0),
        ("evictions", c.evictions),
        ("reclaimed", c.reclaimed),
    ]


def settings(st: "MemcachedState", port: int) -> Stats:
    cfg = st.engine.config.values
    binds = cfg["memcached-bind"] or cfg["bind"]
    return [
        ("maxbytes", cfg["maxmemory"]),
        ("maxconns", cfg["memcached-max-connections"]),
        ("tcpport", port),
        ("udpport", 0),
        ("inter", ",".join(binds) if binds else "NULL"),
        ("verbosity", st.verbosity),
        ("oldest", 0),
        ("evictions", "off" if cfg["maxmemory-policy"] == "noeviction" else "on"),
        ("domain_socket", "NULL"),
        ("umask", 700),
        ("shutdown_command", "no"),
        ("growth_factor", "1.25"),
        ("chunk_size", 48),
        ("num_threads", 1),
        ("num_threads_per_udp", 1),
        ("stat_key_prefix", ":"),
        ("detail_enabled", "yes" if st.detail_enabled else "no"),
        ("reqs_per_event", 20),
        ("cas_enabled", "yes"),
        ("tcp_backlog", cfg["tcp-backlog"]),
        ("binding_protocol", "binary" if cfg["memcached-sasl"] else "auto-negotiate"),
        ("auth_enabled_sasl", "yes" if cfg["memcached-sasl"] else "no"),
        ("auth_enabled_ascii", "no"),
        ("item_size_max", cfg["memcached-max-item-size"]),
        ("maxconns_fast", "yes"),
        ("hashpower_init", 0),
        ("slab_reassign", "no"),
        ("slab_automove", 0),
        ("slab_chunk_max", SLAB_CHUNK_MAX),
        ("lru_crawler", "no"),
        ("flush_enabled", "yes"),
        ("dump_enabled", "no"),
        ("lru_maintainer_thread", "no"),
        ("lru_segmented", "no"),
        ("idle_timeout", cfg["timeout"]),
        ("memcached_db", cfg["memcached-db"]),
    ]


def _walk(st: "MemcachedState"):
    """(class id, item bytes) of every string item of the memcached database."""
    db = st.store.db
    meta = db.item_meta
    for key in db.keys():
        v = db.peek(key)
        if type(v) is bytes or type(v) is bytearray:
            m = meta.get(key)
            total = item_total(len(key), m[M_FLAGS] if m else 0, len(v))
            yield slab_class(total), total


def items(st: "MemcachedState") -> Stats:
    per: dict = {}
    for cls, total in _walk(st):
        n, mem = per.get(cls, (0, 0))
        per[cls] = (n + 1, mem + total)
    out: Stats = []
    for cls in sorted(per):
        n, mem = per[cls]
        p = "items:%d:" % cls
        out += [(p + "number", n), (p + "number_hot", 0), (p + "number_warm", 0),
                (p + "number_cold", n), (p + "age_hot", 0), (p + "age_warm", 0),
                (p + "age", 0), (p + "mem_requested", mem), (p + "evicted", 0),
                (p + "evicted_nonzero", 0), (p + "evicted_time", 0),
                (p + "outofmemory", 0), (p + "tailrepairs", 0), (p + "reclaimed", 0),
                (p + "expired_unfetched", 0), (p + "evicted_unfetched", 0),
                (p + "evicted_active", 0), (p + "crawler_reclaimed", 0),
                (p + "crawler_items_checked", 0), (p + "lrutail_reflocked", 0)]
    return out


def slabs(st: "MemcachedState") -> Stats:
    per: dict = {}
    for cls, _total in _walk(st):
        per[cls] = per.get(cls, 0) + 1
    out: Stats = []
    malloced = 0
    for cls in sorted(per):
        size = SLAB_SIZES[cls - 1]
        perslab = max(1, (1024 * 1024) // size)
        used = per[cls]
        pages = (used + perslab - 1) // perslab
        malloced += pages * 1024 * 1024
        p = "%d:" % cls
        out += [(p + "chunk_size", size), (p + "chunks_per_page", perslab),
                (p + "total_pages", pages), (p + "total_chunks", pages * perslab),
                (p + "used_chunks", used), (p + "free_chunks", pages * perslab - used),
                (p + "free_chunks_end", 0)]
    out += [("active_slabs", len(per)), ("total_malloced", malloced)]
    return out


def sizes(st: "MemcachedState") -> Stats:
    return [("sizes_status", "disabled")]


def conns(st: "MemcachedState") -> Stats:
    out: Stats = []
    now = time.time()
    for c in sorted(st.connections, key=lambda c: c.fd):
        p = "%d:" % c.fd
        out += [(p + "addr", "tcp:" + c.addr), (p + "listen_addr", "tcp:" + c.laddr),
                (p + "state", "conn_parse_cmd"),
                (p + "secs_since_last_cmd", int(now - c.last_cmd_time))]
    return out


def group(st: "MemcachedState", name: bytes):
    """The engine-specific groups of get_stats(): items, slabs, sizes (None if unknown)."""
    if name == b"items":
        return items(st)
    if name == b"slabs":
        return slabs(st)
    if name == b"sizes":
        return sizes(st)
    return None
