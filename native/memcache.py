"""memcached request framing (text, meta and binary protocols): the Cython twin when
built, else pure Python (see memcache_py, the specification).

Callers import from here only. ``impl_c``/``impl_py`` expose both twins by name for tests
and benchmarks; ``IMPLEMENTATION`` says which one is in use.
"""

from ._select import load
from .memcache_common import *  # noqa: F401,F403  (request kinds and markers are API)
from .memcache_common import __all__ as _common_all

impl, impl_c, impl_py = load("memcache")
IMPLEMENTATION = "c" if impl is impl_c else "py"

TextParser = impl.TextParser
BinaryParser = impl.BinaryParser
tokenize = impl.tokenize
safe_strtoul = impl.safe_strtoul
safe_strtol = impl.safe_strtol
safe_strtoull = impl.safe_strtoull
strtoull_data = impl.strtoull_data

__all__ = list(_common_all) + [
    "TextParser", "BinaryParser", "tokenize", "safe_strtoul", "safe_strtol", "safe_strtoull",
    "strtoull_data", "impl_c", "impl_py", "IMPLEMENTATION"]
