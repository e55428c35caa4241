"""The CRC-64 and LZF twins (native/crc64_*, native/lzf_*): both twins give the same results
and the same errors, agree with Redis's check value and with the bytes redis-server's own
LZF produces, and the C twins are really loaded when built."""

import glob
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import native.crc64
import native.lzf
from native._select import extensions_disabled
from native.crc64_common import CHECK_INPUT, CHECK_VALUE
from native.lzf_common import LZFError
from tests.support.servers import IN_CI, ROOT


def twin(module, impl: str):
    mod = module.impl_c if impl == "c" else module.impl_py
    if mod is None:
        pytest.skip("%s_c is not built" % module.__name__)
    return mod


@pytest.mark.parametrize("kernel", ["crc64", "lzf"])
def test_c_twin_loaded_when_built(kernel):
    mod = getattr(native, kernel)
    built = glob.glob(os.path.join(ROOT, "native", "%s_c.*.so" % kernel))
    if built and mod.impl_c is None:
        pytest.fail("native/%s exists but did not import" % os.path.basename(built[0]))
    if IN_CI and not extensions_disabled() and mod.impl_c is None:
        pytest.fail("CI build without native.%s_c" % kernel)
    if mod.impl_c is not None:
        assert mod.IMPLEMENTATION == ("py" if extensions_disabled() else "c")


def test_crc64_check_value(impl):
    assert twin(native.crc64, impl).crc64(0, CHECK_INPUT) == CHECK_VALUE
    assert twin(native.crc64, impl).crc64(0, b"") == 0


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=3000), cuts=st.lists(st.integers(0, 3000), max_size=4),
       start=st.integers(0, (1 << 64) - 1))
def test_crc64_twins_agree_and_chain(data, cuts, start):
    py = native.crc64.impl_py.crc64
    whole = py(start, data)
    pieces = sorted({min(c, len(data)) for c in cuts})
    crc = start
    prev = 0
    for c in pieces + [len(data)]:
        crc = py(crc, data[prev:c])
        prev = c
    assert crc == whole
    if native.crc64.impl_c is not None:
        assert native.crc64.impl_c.crc64(start, data) == whole
        assert native.crc64.impl_c.crc64(start, memoryview(bytearray(data))) == whole


def test_crc64_large_buffer_releases_the_gil(impl):
    data = os.urandom(1 << 20)
    assert twin(native.crc64, impl).crc64(0, data) == native.crc64.impl_py.crc64(0, data)


texts = st.one_of(st.binary(min_size=0, max_size=2000),
                  st.builds(lambda s, n: s * n, st.binary(min_size=1, max_size=20),
                            st.integers(1, 300)))


@settings(max_examples=200, deadline=None)
@given(data=texts, slack=st.integers(-8, 16))
def test_lzf_twins_agree_and_round_trip(data, slack):
    py = native.lzf.impl_py
    out_len = max(len(data) + slack, 0)
    c = py.compress(data, out_len)
    if native.lzf.impl_c is not None:
        assert native.lzf.impl_c.compress(data, out_len) == c
    if c is not None:
        assert len(c) <= out_len
        assert py.decompress(c, len(data)) == data
        if native.lzf.impl_c is not None:
            assert native.lzf.impl_c.decompress(c, len(data)) == data


@settings(max_examples=200, deadline=None)
@given(blob=st.binary(max_size=200), out_len=st.integers(0, 400))
def test_lzf_decompress_errors_agree(blob, out_len):
    def run(mod):
        try:
            return ("ok", mod.decompress(blob, out_len))
        except LZFError as e:
            return ("error", str(e))
    expected = run(native.lzf.impl_py)
    if native.lzf.impl_c is not None:
        assert run(native.lzf.impl_c) == expected


@pytest.mark.oracle
def test_lzf_matches_redis_bytes(oracle, impl):
    """redis-server's DUMP of a long string carries its LZF output: ours is the same."""
    import random
    mod = twin(native.lzf, impl)
    r = oracle.client
    rnd = random.Random(7)
    for n in (21, 30, 100, 1000, 20000):
        for s in (b"a" * n, bytes(rnd.choice(b"abc") for _ in range(n)),
                  (b"hello world %d " % n) * (n // 14 + 1)):
            s = s[:n]
            r.set("k", s)
            payload = r.dump("k")
            c = mod.compress(s, len(s) - 4)
            if payload[1] == 0xC3:
                assert c is not None and payload[:-10].endswith(c)
            else:
                assert c is None
    r.delete("k")
