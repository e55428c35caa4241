"""Builds the Cython twins in native/ when Cython and a C compiler are available; installs
the pure-Python package otherwise (and says so on stderr)."""

import glob
import os
import sys

from setuptools import setup
from setuptools.command.build_ext import build_ext

BANNER = """
************************************************************************
  Strata: building WITHOUT native extensions ({reason}).
  The pure-Python twins in native/*_py.py will be used. They are correct
  but slower; install Cython and a C compiler for the fast build.
************************************************************************
"""


def _banner(reason):
    sys.stderr.write(BANNER.format(reason=reason))


class OptionalBuildExt(build_ext):
    """A failed compile falls back to pure Python instead of failing the install."""

    def run(self):
        try:
            super().run()
        except Exception as e:  # noqa: BLE001 - any compiler failure means "no extensions"
            _banner("compiler error: %s" % e)

    def build_extension(self, ext):
        try:
            super().build_extension(ext)
        except Exception as e:  # noqa: BLE001
            _banner("could not compile %s: %s" % (ext.name, e))


def extensions():
    if os.environ.get("STRATA_NO_EXTENSIONS", "") not in ("", "0"):
        _banner("STRATA_NO_EXTENSIONS is set")
        return []
    try:
        from Cython.Build import cythonize
    except ImportError:
        _banner("Cython is not installed")
        return []
    sources = sorted(glob.glob(os.path.join("native", "*_c.pyx")))
    return cythonize(
        sources,
        compiler_directives={"language_level": "3", "boundscheck": False,
                             "wraparound": False, "cdivision": True},
        quiet=True,
    )


setup(ext_modules=extensions(), cmdclass={"build_ext": OptionalBuildExt})
