"""RESP request parser and reply encoder: the Cython twin when built, else pure Python.

Callers import from here only. ``impl_c``/``impl_py`` expose both twins by name for tests
and benchmarks; ``IMPLEMENTATION`` says which one is in use.
"""

from ._select import load
from .resp_common import *  # noqa: F401,F403  (reply types are part of this module's API)
from .resp_common import __all__ as _common_all

impl, impl_c, impl_py = load("resp")
IMPLEMENTATION = "c" if impl is impl_c else "py"

RequestParser = impl.RequestParser
encode = impl.encode
encode_into = impl.encode_into

__all__ = list(_common_all) + ["RequestParser", "encode", "encode_into", "impl_c", "impl_py",
                               "IMPLEMENTATION"]
