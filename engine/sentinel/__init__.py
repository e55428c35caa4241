"""Sentinel: automatic failover by a group of monitors that speak Redis Sentinel's client
API (monitor.py: the state machine; commands.py: SENTINEL and the sentinel-mode engine;
config.py: sentinel.conf directives). Started by ``strata-sentinel`` or
``strata-server --sentinel`` (engine/sentinel_cli.py)."""

from .commands import SentinelEngine
from .monitor import Sentinel

__all__ = ["Sentinel", "SentinelEngine"]
