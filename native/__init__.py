"""Hot paths with two implementations each: ``K_c.pyx`` (Cython) and ``K_py.py`` (pure
Python, the specification). Import ``native.K``; it picks one. Imports nothing of Strata's."""
