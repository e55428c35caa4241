"""Constants shared by both key-table twins (keytable_c, keytable_py)."""

__all__ = ["EXPIRED", "LFU_INIT_VAL", "ENTRY_HEADER_BYTES", "INLINE_VALUE_MAX"]


class _Expired:
    __slots__ = ()

    def __repr__(self) -> str:
        return "EXPIRED"


# What a lookup returns for a key whose time has passed; the keyspace deletes it.
EXPIRED = _Expired()
# The counter a new key starts with under an LFU policy, so it is not evicted at once.
LFU_INIT_VAL = 5
# Bytes of an entry's fixed part in the C twin (next, expire, access, key length, value):
# what overhead_bytes() counts per key in both twins.
ENTRY_HEADER_BYTES = 32
# An exact bytes value up to this long is stored inside its entry by the C twin (no object).
INLINE_VALUE_MAX = 256
