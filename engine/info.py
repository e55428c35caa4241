"""INFO: the server report, section by section, with Redis 7.0's section and field names.

Each section is a function ``engine -> [(field, value), ...]`` in ``SECTIONS``; a feature
that owns a section's numbers (replication, persistence) replaces it with
``register_section``. ``info_text`` assembles the sections INFO's arguments select.
"""

import os
import resource
import select
import struct
import sys
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from .commands.table import TABLE, Command
from .config import REDIS_VERSION

if TYPE_CHECKING:  # pragma: no cover
    from .engine import Engine

__all__ = [
    "SECTIONS",
    "bytes_to_human",
    "info_text",
    "memory_overview",
    "register_section",
    "rss_bytes",
]

Fields = list[tuple[str, Any]]
Section = Callable[["Engine"], Fields]
SECTIONS: dict[str, Section] = {}
ORDER = ("server", "clients", "memory", "persistence", "stats", "replication", "cpu",
         "modules", "commandstats", "errorstats", "latencystats", "cluster", "keyspace",
         "tiering")
DEFAULT = frozenset(("server", "clients", "memory", "persistence", "stats", "replication",
                     "cpu", "modules", "errorstats", "cluster", "keyspace"))
# Strata's own sections: only INFO <name> shows them (Redis's "all" has none of them).
BY_NAME_ONLY = frozenset(("tiering",))
_TITLES = {"cpu": "CPU"}
LRU_CLOCK_MAX = (1 << 24) - 1
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def register_section(name: str, fn: Section) -> None:
    """Provide (or replace) the fields of INFO section ``name``."""
    if name not in ORDER:
        raise ValueError(f"unknown INFO section {name!r}")
    SECTIONS[name] = fn


def _section(name: str) -> Callable[[Section], Section]:
    def deco(fn: Section) -> Section:
        register_section(name, fn)
        return fn
    return deco


def selected(args: Iterable[bytes]) -> set[str]:
    """genInfoSectionDict(): which sections INFO's arguments ask for."""
    names: set[str] = set()
    given = False
    for a in args:
        given = True
        word = a.decode("utf-8", "surrogateescape").lower()
        if word == "default":
            names |= DEFAULT
        elif word in ("all", "everything"):
            names |= set(ORDER) - BY_NAME_ONLY
        elif word == "module_list":
            names.add("modules")
        else:
            names.add(word)
    return names if given else set(DEFAULT)


def info_text(engine: "Engine", args: Iterable[bytes] = ()) -> bytes:
    """The INFO reply body: selected sections in Redis's order, separated by a blank line."""
    names = selected(args)
    parts = []
    for name in ORDER:
        if name in names:
            body = "".join(f"{k}:{v}\r\n" for k, v in SECTIONS[name](engine))
            parts.append(f"# {_TITLES.get(name, name.capitalize())}\r\n{body}")
    return "\r\n".join(parts).encode("utf-8", "surrogateescape")


def bytes_to_human(n: int) -> str:
    """bytesToHuman(): 1.20M, 32.00K, 0B."""
    if n >= 1024:
        for i, unit in enumerate("KMGTP", 1):
            if n < 1024 ** (i + 1):
                return f"{n / 1024 ** i:.2f}{unit}"
    return f"{n}B"


def rss_bytes() -> int:
    """Resident set size from /proc/self/statm (ru_maxrss where there is no /proc)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _total_system_memory() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 0


def memory_overview(engine: "Engine") -> dict[str, Any]:
    """getMemoryOverheadData() in our terms: used, peak, startup, clients, per-db overhead."""
    from .engine import BASE_MEMORY
    used = engine.used_memory()
    engine.used_memory_peak = max(engine.used_memory_peak, used)
    clients = sum(c.output_size() + c.query_buffer_size() for c in engine.clients.values())
    dbs = {db.id: db.table.overhead_bytes() for db in engine.dbs if len(db)}
    overhead = min(used, BASE_MEMORY + clients + sum(dbs.values()))
    return {"used": used, "peak": engine.used_memory_peak, "startup": BASE_MEMORY,
            "clients": clients, "overhead": overhead, "dataset": used - overhead,
            "keys": sum(len(db) for db in engine.dbs), "rss": rss_bytes(), "dbs": dbs}


def _multiplexing_api() -> str:
    for name in ("epoll", "kqueue", "devpoll", "poll"):
        if hasattr(select, name):
            return name
    return "select"


def _pct(part: float, whole: float) -> str:
    return f"{part * 100 / whole if whole else 0:.2f}%"


def _ratio(a: float, b: float) -> str:
    return f"{a / b if b else 0:.2f}"


# ------------------------------------------------------------------- sections
@_section("server")
def _server(eng: "Engine") -> Fields:
    from . import __version__
    cfg = eng.config.values
    now = time.time()
    uptime = int(now - eng.start_time)
    u = os.uname()
    return [
        ("redis_version", REDIS_VERSION),
        ("redis_git_sha1", "00000000"),
        ("redis_git_dirty", 0),
        ("redis_build_id", 0),
        ("redis_mode", "standalone"),
        ("os", f"{u.sysname} {u.release} {u.machine}"),
        ("arch_bits", struct.calcsize("P") * 8),
        ("monotonic_clock", "POSIX clock_gettime"),
        ("multiplexing_api", _multiplexing_api()),
        ("atomicvar_api", "c11-builtin"),
        ("gcc_version", "0.0.0"),
        ("process_id", os.getpid()),
        ("process_supervised", "no"),
        ("run_id", eng.run_id),
        ("tcp_port", cfg["port"]),
        ("server_time_usec", time.time_ns() // 1000),
        ("uptime_in_seconds", uptime),
        ("uptime_in_days", uptime // 86400),
        ("hz", cfg["hz"]),
        ("configured_hz", cfg["hz"]),
        ("lru_clock", int(now) & LRU_CLOCK_MAX),
        ("executable", os.path.abspath(sys.argv[0] if sys.argv and sys.argv[0]
                                       else sys.executable)),
        ("config_file", eng.config.file or ""),
        ("io_threads_active", 0),
        ("strata_version", __version__),
        ("python_version", sys.version.split()[0]),
    ]


@_section("clients")
def _clients(eng: "Engine") -> Fields:
    clients = list(eng.clients.values())
    replicas = sum(1 for c in clients if c.is_replica and not c.in_monitor)
    blocked = [c for c in clients if c.blocked is not None]
    return [
        ("connected_clients", len(clients) - replicas),
        ("cluster_connections", 0),
        ("maxclients", eng.config.values["maxclients"]),
        ("client_recent_max_input_buffer",
         max((c.query_buffer_size() for c in clients), default=0)),
        ("client_recent_max_output_buffer", max((c.output_size() for c in clients), default=0)),
        ("blocked_clients", len(blocked)),
        ("tracking_clients", eng.tracking.clients),
        ("clients_in_timeout_table",
         sum(1 for c in blocked if getattr(c.blocked, "timeout", 0))),
    ]


@_section("memory")
def _memory(eng: "Engine") -> Fields:
    cfg = eng.config.values
    m = memory_overview(eng)
    used, peak, rss, startup = m["used"], m["peak"], m["rss"], m["startup"]
    system = _total_system_memory()
    h = bytes_to_human
    return [
        ("used_memory", used),
        ("used_memory_human", h(used)),
        ("used_memory_rss", rss),
        ("used_memory_rss_human", h(rss)),
        ("used_memory_peak", peak),
        ("used_memory_peak_human", h(peak)),
        ("used_memory_peak_perc", _pct(used, peak)),
        ("used_memory_overhead", m["overhead"]),
        ("used_memory_startup", startup),
        ("used_memory_dataset", m["dataset"]),
        ("used_memory_dataset_perc", _pct(m["dataset"], used - startup)),
        ("allocator_allocated", used),
        ("allocator_active", used),
        ("allocator_resident", rss),
        ("total_system_memory", system),
        ("total_system_memory_human", h(system)),
        ("used_memory_lua", 0),
        ("used_memory_vm_eval", 0),
        ("used_memory_lua_human", "0B"),
        ("used_memory_scripts_eval", 0),
        ("number_of_cached_scripts", 0),
        ("number_of_functions", 0),
        ("number_of_libraries", 0),
        ("used_memory_vm_functions", 0),
        ("used_memory_vm_total", 0),
        ("used_memory_vm_total_human", "0B"),
        ("used_memory_functions", 0),
        ("used_memory_scripts", 0),
        ("used_memory_scripts_human", "0B"),
        ("maxmemory", cfg["maxmemory"]),
        ("maxmemory_human", h(cfg["maxmemory"])),
        ("maxmemory_policy", cfg["maxmemory-policy"]),
        ("allocator_frag_ratio", "1.00"),
        ("allocator_frag_bytes", 0),
        ("allocator_rss_ratio", _ratio(rss, used)),
        ("allocator_rss_bytes", rss - used),
        ("rss_overhead_ratio", "1.00"),
        ("rss_overhead_bytes", 0),
        ("mem_fragmentation_ratio", _ratio(rss, used)),
        ("mem_fragmentation_bytes", rss - used),
        ("mem_not_counted_for_evict", 0),
        ("mem_replication_backlog", 0),
        ("mem_total_replication_buffers", 0),
        ("mem_clients_slaves", 0),
        ("mem_clients_normal", m["clients"]),
        ("mem_cluster_links", 0),
        ("mem_aof_buffer", 0),
        ("mem_allocator", "libc"),
        ("active_defrag_running", 0),
        ("lazyfree_pending_objects", 0),
        ("lazyfreed_objects", 0),
    ]


@_section("persistence")
def _persistence(eng: "Engine") -> Fields:
    return [
        ("loading", 0),
        ("async_loading", 0),
        ("current_cow_peak", 0),
        ("current_cow_size", 0),
        ("current_cow_size_age", 0),
        ("current_fork_perc", "0.00"),
        ("current_save_keys_processed", 0),
        ("current_save_keys_total", 0),
        ("rdb_changes_since_last_save", eng.dirty),
        ("rdb_bgsave_in_progress", 0),
        ("rdb_last_save_time", int(eng.start_time)),
        ("rdb_last_bgsave_status", "ok"),
        ("rdb_last_bgsave_time_sec", -1),
        ("rdb_current_bgsave_time_sec", -1),
        ("rdb_saves", 0),
        ("rdb_last_cow_size", 0),
        ("rdb_last_load_keys_expired", 0),
        ("rdb_last_load_keys_loaded", 0),
        ("aof_enabled", 0),
        ("aof_rewrite_in_progress", 0),
        ("aof_rewrite_scheduled", 0),
        ("aof_last_rewrite_time_sec", -1),
        ("aof_current_rewrite_time_sec", -1),
        ("aof_last_bgrewrite_status", "ok"),
        ("aof_rewrites", 0),
        ("aof_rewrites_consecutive_failures", 0),
        ("aof_last_write_status", "ok"),
        ("aof_last_cow_size", 0),
        ("module_fork_in_progress", 0),
        ("module_fork_last_cow_size", 0),
    ]


# Redis's order of the stats section; Stats fields missing here are appended after it.
_STATS_ORDER = (
    "total_connections_received", "total_commands_processed", "instantaneous_ops_per_sec",
    "total_net_input_bytes", "total_net_output_bytes", "total_net_repl_input_bytes",
    "total_net_repl_output_bytes", "instantaneous_input_kbps", "instantaneous_output_kbps",
    "instantaneous_input_repl_kbps", "instantaneous_output_repl_kbps",
    "rejected_connections", "sync_full", "sync_partial_ok", "sync_partial_err",
    "expired_keys", "expired_stale_perc", "expired_time_cap_reached_count",
    "expire_cycle_cpu_milliseconds", "evicted_keys", "evicted_clients",
    "total_eviction_exceeded_time", "current_eviction_exceeded_time", "keyspace_hits",
    "keyspace_misses", "pubsub_channels", "pubsub_patterns", "pubsubshard_channels",
    "latest_fork_usec", "total_forks", "migrate_cached_sockets",
    "slave_expires_tracked_keys", "active_defrag_hits", "active_defrag_misses",
    "active_defrag_key_hits", "active_defrag_key_misses", "total_active_defrag_time",
    "current_active_defrag_time", "tracking_total_keys", "tracking_total_items",
    "tracking_total_prefixes", "unexpected_error_replies", "total_error_replies",
    "dump_payload_sanitizations", "total_reads_processed", "total_writes_processed",
    "io_threaded_reads_processed", "io_threaded_writes_processed", "reply_buffer_shrinks",
    "reply_buffer_expands")


def _distinct(eng: "Engine", attr: str) -> int:
    seen: set[bytes] = set()
    for c in eng.clients.values():
        names = getattr(c, attr)
        if names:
            seen.update(names)
    return len(seen)


@_section("stats")
def _stats(eng: "Engine") -> Fields:
    eng.refresh_stats()
    st = eng.stats
    exceeded_total, exceeded_now = eng.evictor.exceeded_time_ms()
    derived = {
        "total_eviction_exceeded_time": exceeded_total,
        "current_eviction_exceeded_time": exceeded_now,
        "instantaneous_ops_per_sec": st.instantaneous_ops(),
        "instantaneous_input_kbps": f"{sum(st.in_samples) / len(st.in_samples):.2f}",
        "instantaneous_output_kbps": f"{sum(st.out_samples) / len(st.out_samples):.2f}",
        "instantaneous_input_repl_kbps": "0.00",
        "instantaneous_output_repl_kbps": "0.00",
        "expired_stale_perc": f"{st.expired_stale_perc * 100:.2f}",
        "pubsub_channels": _distinct(eng, "channels"),
        "pubsub_patterns": _distinct(eng, "patterns"),
        "pubsubshard_channels": _distinct(eng, "shard_channels"),
        "tracking_total_keys": len(eng.tracking.table),
        "tracking_total_items": eng.tracking.items,
        "tracking_total_prefixes": len(eng.tracking.prefixes),
    }
    fields = set(st.FIELDS)
    out: Fields = []
    for name in _STATS_ORDER:
        if name in derived:
            out.append((name, derived[name]))
        else:
            out.append((name, int(getattr(st, name)) if name in fields else 0))
    out.extend((f, getattr(st, f)) for f in st.FIELDS if f not in _STATS_ORDER)
    return out


@_section("replication")
def _replication(eng: "Engine") -> Fields:
    return [
        ("role", "master"),
        ("connected_slaves", 0),
        ("master_failover_state", "no-failover"),
        ("master_replid", eng.replid),
        ("master_replid2", eng.replid2),
        ("master_repl_offset", 0),
        ("second_repl_offset", -1),
        ("repl_backlog_active", 0),
        ("repl_backlog_size", 1048576),
        ("repl_backlog_first_byte_offset", 0),
        ("repl_backlog_histlen", 0),
    ]


@_section("cpu")
def _cpu(eng: "Engine") -> Fields:
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    thread = resource.getrusage(getattr(resource, "RUSAGE_THREAD", resource.RUSAGE_SELF))
    return [
        ("used_cpu_sys", f"{me.ru_stime:.6f}"),
        ("used_cpu_user", f"{me.ru_utime:.6f}"),
        ("used_cpu_sys_children", f"{kids.ru_stime:.6f}"),
        ("used_cpu_user_children", f"{kids.ru_utime:.6f}"),
        ("used_cpu_sys_main_thread", f"{thread.ru_stime:.6f}"),
        ("used_cpu_user_main_thread", f"{thread.ru_utime:.6f}"),
    ]


@_section("modules")
def _modules(eng: "Engine") -> Fields:
    return []


def _f32(x: float) -> float:
    return struct.unpack("f", struct.pack("f", x))[0]


def _command_stats(cmds: Iterable[Command], out: Fields) -> None:
    for c in cmds:
        if c.calls or c.failed_calls or c.rejected_calls:
            # usec_per_call is a C float division in Redis
            per_call = _f32(_f32(c.usec) / _f32(c.calls)) if c.calls else 0.0
            stats = (f"calls={c.calls},usec={c.usec},usec_per_call={per_call:.2f},"
                     f"rejected_calls={c.rejected_calls},failed_calls={c.failed_calls}")
            out.append((f"cmdstat_{c.fullname}", stats))
        if c.subcommands:
            _command_stats(c.subcommands.values(), out)


@_section("commandstats")
def _commandstats(eng: "Engine") -> Fields:
    out: Fields = []
    _command_stats(eng.table.values(), out)
    return out


@_section("errorstats")
def _errorstats(eng: "Engine") -> Fields:
    errs = eng.stats.errors
    return [(f"errorstat_{code}", f"count={errs[code]}") for code in sorted(errs)]


@_section("latencystats")
def _latencystats(eng: "Engine") -> Fields:
    if not eng.latency_tracking:
        return []
    from .latency_histogram import info_fields
    return info_fields(eng.table.values(),
                       eng.config.values["latency-tracking-info-percentiles"])


@_section("cluster")
def _cluster(eng: "Engine") -> Fields:
    return [("cluster_enabled", 0)]


@_section("keyspace")
def _keyspace(eng: "Engine") -> Fields:
    return [(f"db{db.id}",
             f"keys={len(db)},expires={db.table.volatile_count},avg_ttl={db.avg_ttl}")
            for db in eng.dbs if len(db)]


@_section("tiering")
def _tiering(eng: "Engine") -> Fields:
    """Data tiering (engine/tiering.py): not in INFO's default sections."""
    if eng.tiering is None:
        return [("tiering_enabled", 0)]
    return eng.tiering.info()
