"""Eviction side effects checked in-process: evictions reach replicas as DEL, invalidate
WATCH, count in evicted_keys and memcached's evictions; replicas leave eviction to their
primary; the eviction pool keeps the 16 best candidates."""

from engine import Engine
from engine.eviction import EVPOOL_SIZE


class Recorder:
    """Stands in for engine/replication's primary: what would be fed to replicas."""

    def __init__(self):
        self.stream = []

    def propagate(self, dbid, argv):
        self.stream.append((dbid, list(argv)))


def _fill(e, n, prefix="k", db=0):
    # no time budget: one perform_evictions() call does the whole job (as on a loaded
    # machine the default 500us could cut it short and leave the rest to the event loop)
    e.execute("CONFIG", "SET", "maxmemory-eviction-tenacity", 100)
    e.execute("SELECT", db)
    for i in range(n):
        e.execute("SET", "%s%d" % (prefix, i), "v" * 100)


def test_evictions_propagate_as_del():
    e = Engine()
    _fill(e, 50, db=0)
    _fill(e, 30, prefix="o", db=3)
    rec = Recorder()
    e.replication = rec
    e.execute("CONFIG", "SET", "maxmemory-policy", "allkeys-lru")
    e.execute("CONFIG", "SET", "maxmemory", 1)
    assert e.perform_evictions() is False        # everything went, still over the limit
    dels = [(db, argv) for db, argv in rec.stream if argv[0] == b"DEL"]
    assert len(dels) == 80 == int(_stat(e, "evicted_keys"))
    assert {db for db, _ in dels} == {0, 3}
    assert sorted(a[1] for db, a in dels if db == 3) == sorted(b"o%d" % i for i in range(30))
    assert all(len(a) == 2 for _, a in dels)
    assert e.execute("DBSIZE") == 0


def _stat(e, name, section="stats"):
    for line in e.execute("INFO", section).decode().split("\r\n"):
        if line.startswith(name + ":"):
            return line.split(":", 1)[1]
    raise AssertionError(name)


def test_eviction_notifies_evicted():
    e = Engine()
    _fill(e, 10)
    got = []
    e.notify_keyspace_event = (lambda cls, event, key, dbid, _orig=e.notify_keyspace_event:
                               (got.append((event, key, dbid)), _orig(cls, event, key, dbid)))
    e.execute("CONFIG", "SET", "maxmemory-policy", "allkeys-random")
    e.execute("CONFIG", "SET", "maxmemory", 1)
    e.perform_evictions()
    evicted = sorted(k for ev, k, _ in got if ev == b"evicted")
    assert evicted == sorted(b"k%d" % i for i in range(10))


def test_replica_ignores_maxmemory():
    e = Engine()
    _fill(e, 20)
    e.is_replica = True
    e.execute("CONFIG", "SET", "maxmemory-policy", "allkeys-lru")
    e.execute("CONFIG", "SET", "maxmemory", 1)
    e.perform_evictions()
    assert e.execute("DBSIZE") == 20
    e.execute("CONFIG", "SET", "replica-ignore-maxmemory", "no")
    e.perform_evictions()
    assert e.execute("DBSIZE") == 0


def test_pool_holds_best_candidates_in_order():
    e = Engine()
    _fill(e, 200)
    e.execute("CONFIG", "SET", "maxmemory-policy", "volatile-ttl")
    for i in range(40):
        e.execute("EXPIRE", "k%d" % i, 1000 + (i * 37) % 40)
    e.execute("CONFIG", "SET", "maxmemory-samples", 64)
    ev = e.evictor
    ev._populate(e.dbs[0], False, "ttl", None)
    assert len(ev.pool) == EVPOOL_SIZE
    idle = [p[0] for p in ev.pool]
    assert idle == sorted(idle)                  # best (soonest expiry) last
    # the 16 soonest-expiring of the 40 volatile keys (some may be missed by sampling)
    assert all(-x <= e.now_ms + 1000 * 1000 + 40 * 1000 for x in idle)


def test_under_limit_nothing_evicted():
    e = Engine()
    _fill(e, 100)
    e.execute("CONFIG", "SET", "maxmemory-policy", "allkeys-lru")
    e.execute("CONFIG", "SET", "maxmemory", "100mb")
    e.execute("SET", "x", "y")
    assert e.execute("DBSIZE") == 101 and _stat(e, "evicted_keys") == "0"


def test_eviction_frees_to_the_limit():
    """A limit between empty and full: eviction stops as soon as used_memory fits."""
    e = Engine()
    _fill(e, 2000)
    used = e.used_memory()
    e.execute("CONFIG", "SET", "maxmemory-policy", "allkeys-lru")
    e.execute("CONFIG", "SET", "maxmemory", used - 50_000)
    e.execute("SET", "x", "y")
    assert e.used_memory() <= used - 50_000 + 200   # the SET itself came after
    n = e.execute("DBSIZE")
    per_key = (used - 1024 * 1024) / 2000
    assert 2000 - n <= 50_000 / per_key + 3
