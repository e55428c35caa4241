"""Command families, one module each; importing them fills the table in ``table.py``."""

import importlib

from .table import TABLE, command, container, lookup

__all__ = ["TABLE", "command", "container", "lookup", "load_all", "FAMILIES"]

FAMILIES = ("connection", "strings", "transactions", "bitmaps", "keys", "server", "introspection",
            "lists", "hashes", "sets", "pubsub", "zsets", "streams", "hyperloglog",
            "geo", "sort", "acl", "scripting", "persistence", "migrate", "replication", "cluster",
            "modules", "tracking")


def load_all() -> None:
    for name in FAMILIES:
        importlib.import_module("engine.commands." + name)
