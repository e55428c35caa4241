# Declarations of dispatch_c.pyx that other Cython kernels read as C fields: the engine's
# state carrier (native/mcserve_c.pyx reads the plain-state flags and the clock from it).
# A field added to EngineCore or StatsCore is declared here, not in the .pyx.

cdef class StatsCore:
    # the INFO stats counters the native request paths bump (engine.Stats has the rest)
    cdef public long long keyspace_hits, keyspace_misses
    cdef public long long total_net_input_bytes, total_net_output_bytes
    cdef public long long total_reads_processed, total_writes_processed


cdef class EngineCore:
    cdef public long long dirty
    cdef public long long now_ms
    cdef public dict commands
    cdef public long long maxmemory
    cdef public long long _slowlog_threshold
    cdef public long long _latency_threshold
    cdef public list monitors
    cdef public double pause_until
    cdef public object replication
    cdef public dict ready_keys
    # read by the native handlers (see _plain)
    cdef public object stats
    cdef public object access_clock
    cdef public object lfu
    cdef public object notify_flags
    cdef public object snapshot
    cdef public bint latency_tracking
