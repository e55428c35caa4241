"""engine/glob.py against redis-server's KEYS, and against a line-by-line port of Redis 7.0's
stringmatchlen() (which also covers the nocase flag KEYS cannot reach)."""

import sys
import time

import hiredis
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.glob import compile_glob, stringmatch
from tests.support.raw import RawClient

# ------------------------------------------------------------------ the C code, ported


def reference_match(pattern: bytes, string: bytes, nocase: bool = False) -> bool:
    """util.c stringmatchlen_impl(), statement for statement (chars are signed)."""
    skip_longer = [False]
    n = len(pattern)

    def P(i):
        return pattern[i] if i < n else 0  # the NUL terminator

    def signed(c):
        return c - 256 if c >= 128 else c

    def lower(c):
        return c + 32 if 65 <= c <= 90 else c

    def impl(pi, si, nesting):
        if nesting > 1000:
            return False
        plen, slen = n - pi, len(string) - si
        while plen and slen:
            ch = P(pi)
            if ch == 42:  # '*'
                while plen and P(pi + 1) == 42:
                    pi += 1
                    plen -= 1
                if plen == 1:
                    return True
                while slen:
                    if impl(pi + 1, si, nesting + 1):
                        return True
                    if skip_longer[0]:
                        return False
                    si += 1
                    slen -= 1
                skip_longer[0] = True
                return False
            elif ch == 63:  # '?'
                si += 1
                slen -= 1
            elif ch == 91:  # '['
                pi += 1
                plen -= 1
                negate = P(pi) == 94
                if negate:
                    pi += 1
                    plen -= 1
                match = False
                while True:
                    if P(pi) == 92 and plen >= 2:
                        pi += 1
                        plen -= 1
                        if P(pi) == string[si]:
                            match = True
                    elif P(pi) == 93:
                        break
                    elif plen == 0:
                        pi -= 1
                        plen += 1
                        break
                    elif plen >= 3 and P(pi + 1) == 45:
                        start, end, c = signed(P(pi)), signed(P(pi + 2)), signed(string[si])
                        if start > end:
                            start, end = end, start
                        if nocase:
                            start, end, c = lower(start), lower(end), lower(c)
                        pi += 2
                        plen -= 2
                        if start <= c <= end:
                            match = True
                    elif nocase:
                        if lower(P(pi)) == lower(string[si]):
                            match = True
                    elif P(pi) == string[si]:
                        match = True
                    pi += 1
                    plen -= 1
                if negate:
                    match = not match
                if not match:
                    return False
                si += 1
                slen -= 1
            else:
                if ch == 92 and plen >= 2:
                    pi += 1
                    plen -= 1
                a, b = P(pi), string[si]
                if (lower(a) != lower(b)) if nocase else (a != b):
                    return False
                si += 1
                slen -= 1
            pi += 1
            plen -= 1
            if slen == 0:
                while P(pi) == 42:
                    pi += 1
                    plen -= 1
                break
        return plen == 0 and slen == 0

    return impl(0, 0, 0)


# ------------------------------------------------------------------ fixtures

KEYS = [b"", b"a", b"b", b"A", b"ab", b"ba", b"aa", b"abc", b"aXc", b"a-c", b"a^c", b"a]c",
        b"a[c", b"a\\c", b"a*c", b"a?c", b"-", b"^", b"]", b"[", b"\\", b"*", b"?", b"\x00",
        b"a\x00b", b"\xff", b"\x80", b"\x7f", b"a\xffc", b"hello", b"hallo", b"hllo",
        b"heeello", b"Hello", b"zzz", b"Z", b"z"]
LONG_KEY = b"a" * 1100
KEYS.append(LONG_KEY)

ALPHABET = [b"*", b"?", b"[", b"]", b"^", b"-", b"\\", b"a", b"b", b"c", b"A", b"z", b"Z",
            b"\x00", b"\xff", b"\x80", b"X"]
patterns = st.lists(st.sampled_from(ALPHABET), max_size=9).map(b"".join)
strings = st.lists(st.sampled_from([b"a", b"b", b"c", b"A", b"Z", b"z", b"-", b"^", b"]",
                                    b"[", b"\\", b"*", b"\x00", b"\xff", b"\x80", b"X"]),
                   max_size=8).map(b"".join)


@pytest.fixture(scope="module")
def oracle_keys(oracle_server):
    """A connection to the oracle holding KEYS; ``query(pattern)`` -> the set KEYS gives."""
    o = RawClient(oracle_server.host, oracle_server.port)
    o.call("FLUSHALL")
    for k in KEYS:
        o.call("SET", k, b"1")

    def query(pattern: bytes):
        reader = hiredis.Reader()
        reader.feed(o.call("KEYS", pattern))
        return set(reader.gets())

    yield query
    o.call("FLUSHALL")
    o.close()


def ours(pattern: bytes):
    return {k for k in KEYS if pattern == b"*" or stringmatch(pattern, k)}  # KEYS' fast path


# ------------------------------------------------------------------ tests

TRICKY = [b"*", b"**", b"?", b"??", b"a*", b"*c", b"a?c", b"a[b-Z]c", b"a[Z-b]c", b"[a-c]",
          b"[c-a]", b"[^a]", b"[^a-z]", b"[]]", b"[]", b"[^]", b"[", b"[^", b"[a", b"[a-",
          b"[-a]", b"[a-]", b"a[\\]]c", b"a[\\-]c", b"[\\", b"\\", b"a\\", b"a\\*c", b"a\\?c",
          b"a\\[c", b"a\\\\c", b"*\\", b"[*]", b"[?]", b"a[^]]c", b"[\x80-\xff]", b"[a-\xff]",
          b"[\x00-\x80]", b"[\x7f-\x80]", b"a\x00b", b"a\x00*", b"*\x00*", b"[\x00]", b"h*llo",
          b"h?llo", b"h[ae]llo", b"h[^e]llo", b"h[a-b]llo", b"*l*o", b"***", b"*?*", b"?*",
          b"[[]", b"[\\[]", b"a[bc", b"a[^bc", b"[^\\]]", b"[a-c-e]", b"[--a]", b"[a--]"]


@pytest.mark.parametrize("pattern", TRICKY)
def test_tricky_patterns(oracle_keys, pattern):
    assert ours(pattern) == oracle_keys(pattern)
    assert {k for k in KEYS if reference_match(pattern, k)} == (
        oracle_keys(pattern) if pattern != b"*" else set(KEYS) - {b""})


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pattern=patterns)
def test_random_patterns_against_redis(oracle_keys, pattern):
    assert ours(pattern) == oracle_keys(pattern)


@settings(max_examples=2000, deadline=None)
@given(pattern=patterns, string=strings, nocase=st.booleans())
def test_random_patterns_against_the_c_code(pattern, string, nocase):
    assert stringmatch(pattern, string, nocase) == reference_match(pattern, string, nocase)


@pytest.mark.parametrize("pattern,string", [
    (b"HELLO", b"hello"), (b"h[A-Z]llo", b"hello"), (b"h[a-z]llo", b"hELlo"),
    (b"[Z-a]", b"z"), (b"[Z-a]", b"_"), (b"[Z-a]", b"Z"), (b"[^A]", b"a"), (b"\\A", b"a"),
    (b"[\\A]", b"a"), (b"[\\a]", b"A"), (b"*B*", b"abc"), (b"\xff", b"\xff"),
])
def test_nocase(pattern, string):
    assert stringmatch(pattern, string, True) == reference_match(pattern, string, True)


def test_nesting_limit(oracle_keys):
    """A pattern's 1001st group of stars fails unless it ends the pattern (Redis's recursion
    limit)."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(5000)  # the port recurses once per star, as the C code does
    try:
        for pattern in (b"*a" * 1000, b"*a" * 1001, b"*a" * 1000 + b"*", b"*a" * 1001 + b"*",
                        b"*a" * 999 + b"**a"):
            want = LONG_KEY in oracle_keys(pattern)
            assert stringmatch(pattern, LONG_KEY) == want == reference_match(pattern, LONG_KEY)
    finally:
        sys.setrecursionlimit(limit)
    assert not stringmatch(b"*a" * 1001, LONG_KEY)
    assert stringmatch(b"*a" * 1000 + b"*", LONG_KEY)


def test_no_exponential_backtracking():
    t0 = time.perf_counter()
    assert not stringmatch(b"*a*a*a*a*a*a*a*a*a*a*b", b"a" * 20000)
    assert stringmatch(b"*a*a*a*a*a*a*a*a*a*a*", b"a" * 20000)
    assert time.perf_counter() - t0 < 1.0


def test_compiled_matchers_are_cached():
    assert compile_glob(b"a*") is compile_glob(b"a*")
    assert compile_glob(b"a*", True) is not compile_glob(b"a*")
