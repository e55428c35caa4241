"""Benchmarks compare the twins of each native kernel: the ``impl`` fixture gives "c" or
"py" (the C variant skips when the extensions are not built).

Run: ``python -m pytest bench -q --benchmark-only --benchmark-columns=mean,ops``
"""

import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)


@pytest.fixture(params=["c", "py"])
def impl(request):
    return request.param


def twin(kernel_module, impl: str):
    mod = kernel_module.impl_c if impl == "c" else kernel_module.impl_py
    if mod is None:
        pytest.skip("the Cython twins are not built (python setup.py build_ext --inplace)")
    return mod
