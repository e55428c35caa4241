"""Constants shared by both dispatch twins (dispatch_c, dispatch_py)."""

__all__ = ["NOT_RUN", "REPLY_ON"]


class _NotRun:
    __slots__ = ()

    def __repr__(self) -> str:
        return "NOT_RUN"


# run()'s reply when the command at the returned index was not executed.
NOT_RUN = _NotRun()
# A client's normal reply mode (CLIENT REPLY ON).
REPLY_ON = 0
