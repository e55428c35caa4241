"""CRC-64/Jones (Redis's RDB and DUMP checksum): the Cython twin when built, else pure
Python (see crc64_py, the specification).

Callers import from here only. ``impl_c``/``impl_py`` expose both twins by name for tests
and benchmarks; ``IMPLEMENTATION`` says which one is in use.
"""

from ._select import load
from .crc64_common import CHECK_INPUT, CHECK_VALUE, POLY

impl, impl_c, impl_py = load("crc64")
IMPLEMENTATION = "c" if impl is impl_c else "py"

crc64 = impl.crc64

__all__ = ["crc64", "POLY", "CHECK_INPUT", "CHECK_VALUE", "impl_c", "impl_py",
           "IMPLEMENTATION"]
