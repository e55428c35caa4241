# Declarations of dispatch_c.pyx that other Cython kernels read as C fields: the engine's
# state carrier (native/mcserve_c.pyx reads the plain-state flags and the clock from it).
# A field added to EngineCore is declared here, not in the .pyx.

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
