"""The memcached listener's options, registered in engine.config's one registry.

``memcached-max-item-size`` takes memcached's ``-I`` units (``1m`` is 1 MiB, ``512k`` is
512 KiB), unlike redis.conf memory options where ``1m`` is 10^6 bytes.
"""

import re
from typing import List

from ..config import ConfigError, Option, OPTIONS, register

__all__ = ["parse_item_size"]

_ITEM_UNITS = {"": 1, "b": 1, "k": 1024, "kb": 1024, "m": 1024 ** 2, "mb": 1024 ** 2,
               "g": 1024 ** 3, "gb": 1024 ** 3}
MIN_ITEM_SIZE = 1024
MAX_ITEM_SIZE = 1024 ** 3


def parse_item_size(words: List[str]) -> int:
    """memcached's -I: a size with an optional k/m/g (binary) suffix, 1k to 1024m."""
    if len(words) != 1:
        raise ConfigError("wrong number of arguments")
    m = re.fullmatch(r"(\d+)([a-zA-Z]*)", words[0])
    if not m or m.group(2).lower() not in _ITEM_UNITS:
        raise ConfigError("argument must be a memory value")
    v = int(m.group(1)) * _ITEM_UNITS[m.group(2).lower()]
    if v < MIN_ITEM_SIZE:
        raise ConfigError("Item max size cannot be less than 1024 bytes.")
    if v > MAX_ITEM_SIZE:
        raise ConfigError("Cannot set item size limit higher than 1/2 of memory max.")
    return v


def _parse_bind(words: List[str]) -> List[str]:
    if len(words) > 16:
        raise ConfigError("Too many bind addresses specified.")
    return [w for w in words if w]


def _register() -> None:
    if "memcached-port" in OPTIONS:   # imported twice under different names: once is enough
        return
    R = register
    R(Option("memcached-port", "int", 0, minimum=0, maximum=65535, mutable=False))
    # empty: listen where the RESP listener does (the ``bind`` option)
    R(Option("memcached-bind", "special", [], mutable=False, multi_arg=True,
             parse=_parse_bind, format=lambda v: " ".join(v)))
    R(Option("memcached-db", "int", 0, minimum=0, maximum=2 ** 31 - 1, mutable=False))
    R(Option("memcached-max-item-size", "special", 1024 * 1024, parse=parse_item_size,
             format=str))
    R(Option("memcached-sasl", "bool", False, mutable=False))
    R(Option("memcached-sasl-pwdb", "string", ""))
    R(Option("memcached-max-connections", "int", 1024, minimum=1, maximum=2 ** 31 - 1))


_register()
