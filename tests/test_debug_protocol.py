"""DEBUG PROTOCOL <type> (debug.c): one test value of each reply type, compared byte for byte
with redis-server in RESP2 and RESP3, also through a script (redis.setresp); and the
``Attribute`` reply type it needs, identical in both encoder twins."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import native.resp
from tests.conftest import require_impl
from native.resp_common import (
    NULL_ARRAY, Attribute, BigNumber, DoubleText, Push, SetReply, Status, Verbatim,
)

TYPES = ["string", "integer", "double", "bignum", "null", "array", "set", "map", "attrib",
         "verbatim", "true", "false"]


@pytest.mark.parametrize("name", TYPES + ["STRING", "Attrib", "bogus", "push"])
def test_debug_protocol_resp2(diff, name):
    diff.check("DEBUG", "PROTOCOL", name)


@pytest.mark.parametrize("name", TYPES + ["MAP", "bogus"])
def test_debug_protocol_resp3(diff3, name):
    diff3.check("DEBUG", "PROTOCOL", name)


def test_debug_protocol_push_then_reply(diff3):
    """RESP3 push: the push message, then a real reply; pipelined between other replies."""
    diff3.check_raw(b"PING\r\nDEBUG PROTOCOL push\r\nPING\r\n", replies=4)


def test_debug_protocol_arity(diff):
    diff.check("DEBUG", "PROTOCOL")
    diff.check("DEBUG", "PROTOCOL", "string", "extra")


@pytest.mark.parametrize("name", ["attrib", "map", "set", "double", "bignum", "verbatim",
                                  "true", "null", "array"])
@pytest.mark.parametrize("script_resp", [2, 3])
def test_debug_protocol_from_a_script(diff, diff3, name, script_resp):
    """A script sees the reply in its own protocol (an attribute is dropped), and answers in
    the client's."""
    script = "redis.setresp(%d); return redis.call('debug', 'protocol', '%s')" % (
        script_resp, name)
    for d in (diff, diff3):
        d.check("DEBUG", "SET-DISABLE-DENY-SCRIPTS", "1")
        try:
            d.check("EVAL", script, 0)
        finally:
            d.check("DEBUG", "SET-DISABLE-DENY-SCRIPTS", "0")


# ============================================================================ encoder twins
def test_attribute_encoding_known_bytes(impl):
    mod = native.resp.impl_c if impl == "c" else native.resp.impl_py
    v = Attribute({b"key-popularity": [b"key:123", 90]}, b"real")
    assert mod.encode(v, 3) == (b"|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n"
                                b"$4\r\nreal\r\n")
    assert mod.encode(v, 2) == b"$4\r\nreal\r\n"
    assert mod.encode([Attribute({}, 1), Attribute({1: True}, None)], 3) == \
        b"*2\r\n|0\r\n:1\r\n|1\r\n:1\r\n#t\r\n_\r\n"


LEAF = st.one_of(
    st.binary(max_size=8), st.integers(), st.none(), st.booleans(), st.floats(),
    st.binary(max_size=8).map(Verbatim), st.binary(max_size=8).map(BigNumber),
    st.binary(max_size=8).map(DoubleText), st.just(NULL_ARRAY), st.text(max_size=6).map(Status),
)
HASHABLE = st.one_of(st.binary(max_size=6), st.integers(), st.booleans())
VALUE = st.recursive(LEAF, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.lists(inner, max_size=4).map(Push),
    st.lists(inner, max_size=4).map(SetReply), st.dictionaries(HASHABLE, inner, max_size=3),
    st.builds(Attribute, st.dictionaries(HASHABLE, inner, max_size=3), inner),
), max_leaves=25)


@settings(max_examples=500, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(value=VALUE, resp=st.sampled_from([2, 3]), prefix=st.binary(max_size=10))
def test_attribute_encoder_parity(value, resp, prefix):
    if native.resp.impl_c is None:
        require_impl("c")
    c, py = native.resp.impl_c, native.resp.impl_py
    assert c.encode(value, resp) == py.encode(value, resp)
    a, b = bytearray(prefix), bytearray(prefix)
    c.encode_into(a, value, resp)
    py.encode_into(b, value, resp)
    assert a == b


def test_attribute_deep_nesting_raises_recursion_error(impl):
    mod = native.resp.impl_c if impl == "c" else native.resp.impl_py
    v = b"x"
    for _ in range(100_000):
        v = Attribute({}, v)
    with pytest.raises(RecursionError):
        mod.encode(v, 3)
