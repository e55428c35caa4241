"""The Cython twins are really in use when they should be, and only then.

A build that silently fell back to pure Python (an import error in a .so, a missing build
step in CI) passes every functional test, just slower: this module makes it fail loudly.
Expected: under CI (the build ran) unless STRATA_NO_EXTENSIONS is set, and whenever a built
extension file sits in native/. STRATA_NO_EXTENSIONS=1 must force the Python twins.
"""

import glob
import importlib
import os
import subprocess
import sys

import pytest

from native._select import extensions_disabled
from tests.support.servers import IN_CI, ROOT

KERNELS = ["resp", "keytable", "dispatch", "memcache", "mcserve", "crc64", "lzf"]
PROBE = ("import native.resp as r, native.keytable as k, protocols.resp as p; "
         "print(r.IMPLEMENTATION, k.IMPLEMENTATION, p.IMPLEMENTATION, "
         "r.RequestParser.__module__, k.KeyTable.__module__, "
         "r.impl_c is not None, k.impl_c is not None)")


def built_files(kernel: str) -> list:
    pattern = os.path.join(ROOT, "native", "%s_c.*" % kernel)
    return [f for f in glob.glob(pattern) if f.endswith((".so", ".pyd"))]


def import_error(kernel: str) -> str:
    try:
        importlib.import_module("native.%s_c" % kernel)
    except ImportError as e:
        return "%s: %s" % (type(e).__name__, e)
    return "imported fine on a second try"


@pytest.mark.parametrize("kernel", KERNELS)
def test_c_twin_loaded_when_expected(kernel):
    mod = importlib.import_module("native." + kernel)
    files = built_files(kernel)
    if files and mod.impl_c is None:
        pytest.fail("native/%s exists but native.%s_c did not import (%s)"
                    % (os.path.basename(files[0]), kernel, import_error(kernel)))
    if IN_CI and not extensions_disabled() and mod.impl_c is None:
        pytest.fail("CI build without native.%s_c: the Cython build did not run or failed"
                    % kernel)
    if mod.impl_c is None:
        pytest.skip("native.%s_c is not built" % kernel)
    expected = "py" if extensions_disabled() else "c"
    assert mod.IMPLEMENTATION == expected
    assert mod.impl is (mod.impl_c if expected == "c" else mod.impl_py)


def test_selected_names_are_the_chosen_twin():
    import native.keytable
    import native.resp
    for name in ("RequestParser", "encode", "encode_into"):
        assert getattr(native.resp, name) is getattr(native.resp.impl, name)
    assert native.keytable.KeyTable is native.keytable.impl.KeyTable


def _probe(**env_changes) -> list:
    env = dict(os.environ)
    env.pop("STRATA_NO_EXTENSIONS", None)
    env.update(env_changes)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, cwd=ROOT, check=True,
                         capture_output=True, text=True, timeout=60)
    return out.stdout.split()


def test_no_extensions_forces_python():
    got = _probe(STRATA_NO_EXTENSIONS="1")
    assert got[:5] == ["py", "py", "py", "native.resp_py", "native.keytable_py"]
    # the C twins stay importable by name (parity tests and benchmarks use them)
    assert got[5:] == [str(bool(built_files("resp"))), str(bool(built_files("keytable")))]


@pytest.mark.parametrize("value", ["", "0"])
def test_extensions_used_by_default(value):
    if not (built_files("resp") and built_files("keytable")):
        if IN_CI:
            pytest.fail("CI build without the Cython twins")
        pytest.skip("the Cython twins are not built")
    got = _probe(STRATA_NO_EXTENSIONS=value)
    assert got[:5] == ["c", "c", "c", "native.resp_c", "native.keytable_c"]
