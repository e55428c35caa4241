"""Glob patterns as Redis matches them (util.c stringmatchlen): KEYS, SCAN MATCH, PSUBSCRIBE,
CONFIG GET.

``*`` any run, ``?`` one byte, ``[abc]`` ``[^abc]`` ``[a-z]`` classes, ``\\x`` a literal x.
Redis's quirks kept: pattern bytes are C ``char``s (signed) in ranges, so ``[a-\\xff]`` is
``[\\xff-a]``; reversed ranges are swapped; an unclosed ``[`` runs to the end of the pattern;
an escape inside a class always compares case-sensitively; the empty string matches only the
empty pattern (even ``*`` fails); a pattern whose 1001st group of stars is not its end never
matches (the recursion limit). Patterns compile once to a regular expression whose star
segments are atomic, so matching stays linear like Redis's skip-longer-matches pruning.
"""

import re
from functools import lru_cache
from typing import Callable, List, Optional, Union

__all__ = ["compile_glob", "stringmatch"]

_MAX_NESTING = 1000
_STAR = None  # token for a run of '*'
_ALL = frozenset(range(256))


def _lower(c: int) -> int:
    return c + 32 if 65 <= c <= 90 else c


def _signed(c: int) -> int:
    return c - 256 if c >= 128 else c


def _tokens(p: bytes, nocase: bool) -> List[Optional[frozenset]]:
    """The pattern as a list of _STAR and sets of the bytes one position accepts."""
    n = len(p)

    def at(i: int) -> int:
        return p[i] if i < n else 0  # the C string's NUL terminator past the end

    out: List[Optional[frozenset]] = []
    i = 0
    while i < n:
        ch = p[i]
        if ch == 42:  # '*'
            while i + 1 < n and p[i + 1] == 42:
                i += 1
            out.append(_STAR)
        elif ch == 63:  # '?'
            out.append(_ALL)
        elif ch == 91:  # '['
            i += 1
            negate = at(i) == 94
            if negate:
                i += 1
            exact: List[int] = []
            lits: List[int] = []
            ranges: List[tuple] = []
            while True:
                if at(i) == 92 and n - i >= 2:
                    i += 1
                    exact.append(p[i])
                elif at(i) == 93:
                    break
                elif i >= n:
                    i -= 1  # unclosed: the class ends with the pattern
                    break
                elif n - i >= 3 and p[i + 1] == 45:
                    lo, hi = _signed(p[i]), _signed(p[i + 2])
                    ranges.append((lo, hi) if lo <= hi else (hi, lo))
                    i += 2
                else:
                    lits.append(p[i])
                i += 1
            accepted = set()
            for c in range(256):
                match = c in exact
                if not match:
                    if nocase:
                        match = any(_lower(x) == _lower(c) for x in lits)
                    else:
                        match = c in lits
                if not match:
                    sc = _lower(_signed(c)) if nocase else _signed(c)
                    for lo, hi in ranges:
                        if nocase:
                            lo, hi = _lower(lo), _lower(hi)
                        if lo <= sc <= hi:
                            match = True
                            break
                if match != negate:
                    accepted.add(c)
            out.append(frozenset(accepted))
        else:
            if ch == 92 and n - i >= 2:  # '\\'
                i += 1
                ch = p[i]
            low = _lower(ch)
            if nocase and 97 <= low <= 122:
                out.append(frozenset((low, low - 32)))
            else:
                out.append(frozenset((ch,)))
        i += 1
    return out


def _class(accepted: frozenset) -> bytes:
    if accepted == _ALL:
        return b"."
    if not accepted:
        return b"(?!)"
    if len(accepted) == 1:
        return re.escape(bytes(accepted))
    return b"[" + b"".join(re.escape(bytes((c,))) for c in sorted(accepted)) + b"]"


@lru_cache(maxsize=512)
def compile_glob(pattern: bytes, nocase: bool = False) -> Callable[[bytes], bool]:
    """A function telling whether a byte string matches ``pattern``."""
    if not pattern:
        return lambda s: not s
    tokens = _tokens(pattern, nocase)
    segments: List[bytes] = [b""]
    for i, t in enumerate(tokens):
        if t is _STAR:
            if len(segments) > _MAX_NESTING and i < len(tokens) - 1:
                return lambda s: False  # the recursion limit: this star never matches
            segments.append(b"")
        else:
            segments[-1] += _class(t)
    if len(segments) == 1:
        rx = segments[0]
    else:
        # The first place a middle segment fits is always the best one: commit to it.
        middle = b"".join(b"(?>.*?" + s + b")" for s in segments[1:-1])
        rx = segments[0] + middle + b".*" + segments[-1]
    match = re.compile(rx, re.DOTALL).fullmatch
    return lambda s: bool(s) and match(s) is not None


def stringmatch(pattern: Union[bytes, bytearray], string: Union[bytes, bytearray],
                nocase: bool = False) -> bool:
    """stringmatchlen(pattern, string, nocase)."""
    return compile_glob(bytes(pattern), nocase)(string)
