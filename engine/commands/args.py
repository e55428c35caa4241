"""Small argument parsers shared by command handlers; each raises Redis's exact error."""

import math
import re
from fractions import Fraction

from .. import errors
from ..errors import CommandError

__all__ = ["parse_int", "parse_float", "parse_long_double", "add_long_double", "parse_nonneg",
           "keyword", "format_double", "format_long_double", "LLONG_MAX", "LLONG_MIN",
           "parse_timeout"]

LLONG_MAX = 2 ** 63 - 1
LLONG_MIN = -(2 ** 63)
# strtod()-acceptable text without leading space (Redis refuses "  1" and "1 ")
_FLOAT_RE = re.compile(
    rb"[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|"
    rb"\.[0-9a-fA-F]+)(?:[pP][+-]?\d+)?|inf(?:inity)?)", re.IGNORECASE)
_NONZERO_DIGIT = re.compile(rb"[1-9a-fA-F]")


def parse_int(b: bytes, error: str = errors.NOT_INTEGER) -> int:
    """string2ll() or the given error (default: value is not an integer or out of range).

    int() is lenient ("+1", " 1", "01", "1_0"); requiring the text to be the canonical
    spelling of the value it parsed to gives exactly string2ll's strictness, fast."""
    if len(b) > 20:
        raise CommandError(error)
    try:
        v = int(b)
    except ValueError:
        raise CommandError(error) from None
    if b"%d" % v != b or not LLONG_MIN <= v <= LLONG_MAX:
        raise CommandError(error)
    return v


def parse_nonneg(b: bytes, error: str = errors.NOT_INTEGER) -> int:
    v = parse_int(b, error)
    if v < 0:
        raise CommandError(error)
    return v


def parse_float(b: bytes, error: str = errors.NOT_FLOAT) -> float:
    """getDoubleFromObject(): strtod over the whole text, no spaces, no NaN."""
    if b.isdigit() and len(b) < 16:   # the common case, a plain integer: exact, no regex
        return float(b)
    if not b or not _FLOAT_RE.fullmatch(b):
        raise CommandError(error)
    hexa = b"x" in b or b"X" in b
    try:
        v = float.fromhex(b.decode()) if hexa else float(b)
    except (ValueError, OverflowError):
        raise CommandError(error) from None
    if math.isnan(v):
        raise CommandError(error)
    # string2d() refuses ERANGE: an overflow to infinity or an underflow to zero
    digits = b.lstrip(b"+-")
    if math.isinf(v) and digits[:1] not in (b"i", b"I"):
        raise CommandError(error)
    if v == 0:
        mantissa = re.split(rb"[pP]" if hexa else rb"[eE]", digits)[0]
        if _NONZERO_DIGIT.search(mantissa[2:] if hexa else mantissa):
            raise CommandError(error)
    return v


def parse_timeout(b: bytes) -> float:
    """Blocking-command timeout in seconds (float), Redis's errors."""
    try:
        v = parse_float(b, errors.TIMEOUT_NOT_FLOAT)
    except CommandError:
        raise
    if v < 0:
        raise CommandError(errors.TIMEOUT_NEGATIVE)
    if math.isinf(v):
        raise CommandError(errors.TIMEOUT_NOT_FLOAT)
    return v


def keyword(b: bytes) -> bytes:
    """An option word normalised for comparison (Redis matches options case-insensitively)."""
    return b.lower()


def format_double(d: float) -> bytes:
    """"%.17g" as Redis 7.0 formats doubles in bulk replies (inf as "inf")."""
    if math.isinf(d):
        return b"inf" if d > 0 else b"-inf"
    return b"%.17g" % d


# ------------------------------------------------------------------ long doubles
# INCRBYFLOAT and HINCRBYFLOAT compute in x87 80-bit long doubles; Python floats would
# answer differently (0.1 + 0.2), so values are kept exact as Fractions and rounded the
# way the FPU rounds.


def parse_long_double(b: bytes, error: str = errors.NOT_FLOAT) -> Fraction | float:
    """string2ld(): strtold over the whole text, as the exact value of the x87 80-bit long
    double it yields. Refuses what Redis refuses: spaces, NaN, overflow, underflow to zero,
    5120 bytes or more. "inf" is accepted (as a float): adding it gives INCR_NAN."""
    m = _LONG_DOUBLE_RE.fullmatch(b) if 0 < len(b) < 5120 else None
    if m is None:
        raise CommandError(error)
    sign, dec, exp10, hexa, exp2 = m.groups()
    neg = sign == b"-"
    if dec is not None:
        whole, _, frac = dec.partition(b".")
        digits = (whole + frac).lstrip(b"0")
        if not digits:
            return Fraction(0)
        e10 = _exponent(exp10, error) - len(frac)
        magnitude = len(digits) + e10  # the value lies in [10^(magnitude-1), 10^magnitude)
        if magnitude > 4934 or magnitude < -4952:
            raise CommandError(error)  # ERANGE: surely beyond x87's range either way
        num, den = _big_int(digits), 1
        if e10 >= 0:
            num *= 10 ** e10
        else:
            den = 10 ** -e10
    elif hexa is not None:
        whole, _, frac = hexa.partition(b".")
        num = int(whole + frac or b"0", 16)
        if not num:
            return Fraction(0)
        e2 = _exponent(exp2, error) - 4 * len(frac)
        if e2 > 16400 or e2 < -16500 - num.bit_length():
            raise CommandError(error)
        num, den = (num << e2, 1) if e2 >= 0 else (num, 1 << -e2)
    else:
        return -_INF if neg else _INF
    v = _round_long_double(-num if neg else num, den)
    if v is None or v == 0:
        raise CommandError(error)
    return v


def add_long_double(a: Fraction | float, b: Fraction | float) -> Fraction:
    """a + b in long double arithmetic; INCR_NAN when the sum is infinite or NaN."""
    if type(a) is float or type(b) is float:
        raise CommandError(errors.INCR_NAN)
    s = a + b
    v = _round_long_double(s.numerator, s.denominator)
    if v is None:
        raise CommandError(errors.INCR_NAN)
    return v


def format_long_double(v: Fraction) -> bytes:
    """ld2string(LD_STR_HUMAN): "%.17Lf" (the exact binary value rounded half-even to 17
    decimals, as glibc prints it), trailing zeros and point stripped, "-0" as "0"."""
    n = _div_half_even(abs(v.numerator) * 10 ** 17, v.denominator)
    if not n:
        return b"0"
    whole, frac = divmod(n, 10 ** 17)
    text = b"%s.%017d" % (_big_str(whole), frac)
    text = text.rstrip(b"0").rstrip(b".")
    return b"-" + text if v < 0 else text


# x87 extended precision: 64-bit significand, exponents down to 2^-16382 (normal) and
# 2^-16445 (denormal), overflow at 2^16384.
_LD_MANT, _LD_MIN_QUANTUM, _LD_OVERFLOW = 64, -16445, 16384
_INF = float("inf")
_LONG_DOUBLE_RE = re.compile(
    rb"([+-]?)(?:(\d+\.?\d*|\.\d+)(?:[eE]([+-]?\d+))?"
    rb"|0[xX]([0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP]([+-]?\d+))?"
    rb"|inf(?:inity)?)", re.IGNORECASE)
_CHUNK = 4000  # Python refuses int<->str conversions of more than 4300 digits
_CHUNK_POW = 10 ** _CHUNK


def _exponent(text: bytes | None, error: str) -> int:
    """An exponent's value; one of more than 9 digits over- or underflows any mantissa."""
    if not text:
        return 0
    if len(text.lstrip(b"+-0")) > 9:
        raise CommandError(error)
    return int(text)


def _big_int(digits: bytes) -> int:
    if len(digits) <= _CHUNK:
        return int(digits)
    return _big_int(digits[:-_CHUNK]) * _CHUNK_POW + int(digits[-_CHUNK:])


def _big_str(n: int) -> bytes:
    if n < _CHUNK_POW:
        return b"%d" % n
    hi, lo = divmod(n, _CHUNK_POW)
    return _big_str(hi) + b"%0*d" % (_CHUNK, lo)


def _div_half_even(num: int, den: int) -> int:
    q, r = divmod(num, den)
    r *= 2
    return q + 1 if r > den or (r == den and q & 1) else q


def _round_long_double(num: int, den: int) -> Fraction | None:
    """The long double nearest num/den (den > 0), ties to even; None on overflow."""
    if not num:
        return Fraction(0)
    a = abs(num)
    e = a.bit_length() - den.bit_length()  # floor(log2(a/den)) is e or e - 1
    if (a << -e if e < 0 else a) < (den << e if e > 0 else den):
        e -= 1
    q = max(e + 1 - _LD_MANT, _LD_MIN_QUANTUM)  # exponent of the last significand bit
    m = _div_half_even(a << -q, den) if q < 0 else _div_half_even(a, den << q)
    if m.bit_length() + q > _LD_OVERFLOW:
        return None
    if num < 0:
        m = -m
    return Fraction(m << q) if q >= 0 else Fraction(m, 1 << -q)
