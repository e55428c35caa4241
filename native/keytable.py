"""The keyspace hash table: the Cython twin when built, else pure Python (see keytable_py)."""

from ._select import load
from .keytable_common import ENTRY_HEADER_BYTES, EXPIRED, INLINE_VALUE_MAX, LFU_INIT_VAL

impl, impl_c, impl_py = load("keytable")
IMPLEMENTATION = "c" if impl is impl_c else "py"
KeyTable = impl.KeyTable
register_ref_type = impl.register_ref_type

__all__ = ["KeyTable", "EXPIRED", "LFU_INIT_VAL", "ENTRY_HEADER_BYTES", "INLINE_VALUE_MAX",
           "impl_c", "impl_py", "IMPLEMENTATION", "register_ref_type"]
