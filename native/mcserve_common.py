"""What both twins of the memcached serving kernel (mcserve_c, mcserve_py) share."""

__all__ = ["COUNTER_FIELDS", "REQS_PER_EVENT"]

# memcached's statistics counters (``stats``; ``stats reset`` zeroes them), kept as C
# fields by the Cython twin so the serving path counts without attribute lookups.
COUNTER_FIELDS = (
    "cmd_get", "cmd_set", "cmd_flush", "cmd_touch", "cmd_meta", "get_hits", "get_misses",
    "get_expired", "get_flushed", "delete_misses", "delete_hits", "incr_misses", "incr_hits",
    "decr_misses", "decr_hits", "cas_misses", "cas_hits", "cas_badval", "touch_hits",
    "touch_misses", "store_too_large", "store_no_memory", "auth_cmds", "auth_errors",
    "bytes_read", "bytes_written", "total_items", "total_connections",
    "rejected_connections", "reclaimed", "evictions")

# memcached's -R: a connection's replies are flushed at least every this many requests
REQS_PER_EVENT = 20
