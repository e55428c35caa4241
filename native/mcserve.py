"""A memcached connection's read: the Cython twin when built, else pure Python
(mcserve_py, the specification)."""

from ._select import load

impl, impl_c, impl_py = load("mcserve")
IMPLEMENTATION = "c" if impl is impl_c else "py"
CountersCore = impl.CountersCore
ConnCore = impl.ConnCore
serve = impl.serve
COUNTER_FIELDS = impl.COUNTER_FIELDS
REQS_PER_EVENT = impl.REQS_PER_EVENT

__all__ = ["CountersCore", "ConnCore", "serve", "COUNTER_FIELDS", "REQS_PER_EVENT",
           "impl_c", "impl_py", "IMPLEMENTATION"]
