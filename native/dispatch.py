"""Command-dispatch hot path: the Cython twin when built, else pure Python (dispatch_py)."""

from ._select import load

impl, impl_c, impl_py = load("dispatch")
IMPLEMENTATION = "c" if impl is impl_c else "py"
CommandCore = impl.CommandCore
ClientCore = impl.ClientCore
EngineCore = impl.EngineCore
StatsCore = impl.StatsCore
NOT_RUN = impl.NOT_RUN
run = impl.run
serve = impl.serve
fast_path = impl.fast_path

__all__ = ["CommandCore", "ClientCore", "EngineCore", "StatsCore", "NOT_RUN", "run", "serve", "fast_path", "impl_c",
           "impl_py", "IMPLEMENTATION"]
