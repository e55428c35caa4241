"""Geo as random sequences against Strata and redis-server 7.0, replies compared byte for
byte in RESP2 and RESP3: GEOADD (NX XX CH) / GEOPOS / GEODIST / GEOHASH / GEOSEARCH /
GEOSEARCHSTORE / GEORADIUS(BYMEMBER) / ZREM / ZRANGE over a few keys, members on a small
grid of real coordinates (so ties, edges and near-pole cells occur), plus wrong-type keys."""

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, rule, run_state_machine_as_test

from tests.support.diff import Differential

SETTINGS = settings(max_examples=20, stateful_step_count=30, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])

keys = st.sampled_from(["g1", "g2", "str"])
members = st.sampled_from(["a", "b", "c", "d", "e", "f"])
lons = st.sampled_from(["0", "13.361389", "15.087269", "-73.9454966", "179.9999", "-180"])
lats = st.sampled_from(["0", "38.115556", "37.502669", "40.7127763", "85.05112878", "-85"])
points = st.tuples(lons, lats, members)
radius = st.sampled_from(["0", "1", "200", "5000", "20000"])
units = st.sampled_from(["m", "km", "mi", "ft"])
order = st.sampled_from([[], ["ASC"], ["DESC"]])
extras = st.lists(st.sampled_from(["WITHCOORD", "WITHDIST", "WITHHASH"]), unique=True)
count = st.sampled_from([[], ["COUNT", "2"], ["COUNT", "1", "ANY"]])


@pytest.fixture(params=[2, 3], ids=["resp2", "resp3"])
def d(request, strata_server, oracle_server):
    pair = Differential(strata_server, oracle_server, resp=request.param)
    yield pair
    pair.close()


def test_geo_state_machine(d):
    class Machine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            d.check("FLUSHALL")
            d.check("SET", "str", "x")

        @rule(key=keys, flags=st.sampled_from([[], ["NX"], ["XX"], ["CH"], ["XX", "CH"]]),
              pts=st.lists(points, min_size=1, max_size=4))
        def geoadd(self, key, flags, pts):
            d.check("GEOADD", key, *flags, *[x for p in pts for x in p])

        @rule(key=keys, ms=st.lists(members, min_size=1, max_size=3))
        def geopos_hash(self, key, ms):
            d.check("GEOPOS", key, *ms)
            d.check("GEOHASH", key, *ms)

        @rule(key=keys, a=members, b=members, unit=st.one_of(st.just([]), units.map(lambda u: [u])))
        def geodist(self, key, a, b, unit):
            d.check("GEODIST", key, a, b, *unit)

        @rule(key=keys, m=members, r=radius, u=units, o=order, x=extras, c=count)
        def search_member(self, key, m, r, u, o, x, c):
            d.check("GEOSEARCH", key, "FROMMEMBER", m, "BYRADIUS", r, u, *o, *c, *x)
            d.check("GEORADIUSBYMEMBER", key, m, r, u, *x, *c, *o)

        @rule(key=keys, lon=lons, lat=lats, w=radius, h=radius, u=units, o=order, x=extras,
              c=count)
        def search_box(self, key, lon, lat, w, h, u, o, x, c):
            d.check("GEOSEARCH", key, "FROMLONLAT", lon, lat, "BYBOX", w, h, u, *o, *c, *x)
            d.check("GEORADIUS", key, lon, lat, w, u, *x, *c, *o)

        @rule(dest=keys, src=keys, m=members, r=radius, u=units, dist=st.booleans())
        def store(self, dest, src, m, r, u, dist):
            opt = ["STOREDIST"] if dist else []
            d.check("GEOSEARCHSTORE", dest, src, "FROMMEMBER", m, "BYRADIUS", r, u, "ASC",
                    *opt)
            d.check("ZRANGE", dest, "0", "-1", "WITHSCORES")

        @rule(key=keys, m=members)
        def zrem(self, key, m):
            d.check("ZREM", key, m)

    run_state_machine_as_test(Machine, settings=SETTINGS)
