"""LZF compression (Redis's RDB string compression): the Cython twin when built, else pure
Python (see lzf_py, the specification).

Callers import from here only. ``impl_c``/``impl_py`` expose both twins by name for tests
and benchmarks; ``IMPLEMENTATION`` says which one is in use.
"""

from ._select import load
from .lzf_common import LZFError

impl, impl_c, impl_py = load("lzf")
IMPLEMENTATION = "c" if impl is impl_c else "py"

compress = impl.compress
decompress = impl.decompress

__all__ = ["compress", "decompress", "LZFError", "impl_c", "impl_py", "IMPLEMENTATION"]
