"""Active expiry: the cron's sweep that deletes keys whose TTL passed even if nobody reads
them (lazy expiry in the keyspace handles the ones that are read).

As Redis's activeExpireCycle: each cron tick gets a time budget of 25% of the tick; each
database is walked from where the last tick stopped (a reverse-binary bucket cursor, so a
resize does not lose our place), a batch of buckets at a time, and the walk of a database
goes on while more than 10% of the keys with a TTL it met were expired.
"""

import time
from typing import TYPE_CHECKING

from .latency import add_sample

if TYPE_CHECKING:  # pragma: no cover
    from .engine import Engine

__all__ = ["active_expire_cycle"]

BUCKETS_PER_STEP = 64      # buckets visited between clock checks
ACCEPTABLE_STALE = 10      # keep going in a db while more than this % of TTL keys expired
SLOW_TIME_PERC = 25        # share of a cron tick the cycle may use


def active_expire_cycle(engine: "Engine", tick_seconds: float) -> None:
    deadline = time.perf_counter() + tick_seconds * SLOW_TIME_PERC / 100
    t0 = time.perf_counter()
    stale_total = seen_total = 0
    for db in engine.dbs:
        table = db.table
        if not table.volatile_count:
            continue
        while True:
            now = engine.now_ms
            cursor, expired, seen = table.expire_scan(db.expire_cursor, BUCKETS_PER_STEP, now)
            db.expire_cursor = cursor
            for key in expired:
                when = table.get_expire(key)
                if when is not None and 0 <= when < now:  # still expired: delete it
                    db.expire_key(key)
            stale_total += len(expired)
            seen_total += seen
            if time.perf_counter() > deadline:
                engine.stats.expired_time_cap_reached_count += 1
                break
            if cursor == 0 or not table.volatile_count:
                break  # one full pass over this database per tick at most
            if seen >= 20 and len(expired) * 100 <= seen * ACCEPTABLE_STALE:
                break
    if seen_total:
        engine.stats.expired_stale_perc = (stale_total / seen_total) * 0.05 + \
            engine.stats.expired_stale_perc * 0.95
    elapsed_ms = int((time.perf_counter() - t0) * 1000)
    engine.stats.expire_cycle_cpu_milliseconds += elapsed_ms
    threshold = engine.config.values["latency-monitor-threshold"]
    if threshold and elapsed_ms >= threshold:  # latencyAddSampleIfNeeded("expire-cycle")
        add_sample(engine.latency_events, "expire-cycle", elapsed_ms)
