"""Constants shared by both dispatch twins (dispatch_c, dispatch_py)."""

__all__ = ["NOT_RUN", "REPLY_ON", "FAST_PATHS"]


class _NotRun:
    __slots__ = ()

    def __repr__(self) -> str:
        return "NOT_RUN"


# run()'s reply when the command at the returned index was not executed.
NOT_RUN = _NotRun()
# A client's normal reply mode (CLIENT REPLY ON).
REPLY_ON = 0

# Commands whose handlers the Cython twin can run natively (``fast_path(name)`` marks the
# Python handler that is their specification; see dispatch_c's native handlers).
FAST_PATHS = ("ping", "get", "set", "incr", "decr", "mset", "lpush", "rpush", "lpop", "rpop",
              "lrange")
