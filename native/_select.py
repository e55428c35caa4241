"""Picks the Cython twin of a kernel unless STRATA_NO_EXTENSIONS=1 (or it is not built)."""

import importlib
import os

__all__ = ["extensions_disabled", "load"]


def extensions_disabled() -> bool:
    return os.environ.get("STRATA_NO_EXTENSIONS", "") not in ("", "0")


def load(kernel: str):
    """(chosen module, C module or None, Python module) for native/<kernel>_{c,py}."""
    py = importlib.import_module("native.%s_py" % kernel)
    c = None
    try:
        c = importlib.import_module("native.%s_c" % kernel)
    except ImportError:
        c = None
    chosen = py if (c is None or extensions_disabled()) else c
    return chosen, c, py
