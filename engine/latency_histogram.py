"""Per-command latency histograms (Redis 7.0's latency tracking): LATENCY HISTOGRAM, the INFO
``latencystats`` section and the ``latency-tracking`` / ``latency-tracking-info-percentiles``
options.

Redis records each call's duration, in nanoseconds (its microseconds times 1000, clamped to
1 ns .. 1 s), into an hdr_histogram of 2 significant digits. The dispatcher twins
(native/dispatch_*) keep, per command, the counts per hdr_histogram *index* (``hdr_index``
below: a few integer operations per call); the replies are derived here from those counts
with hdr_histogram's own arithmetic, so that bucket labels and percentiles are Redis's.
"""

from typing import Any, Iterable

from .config import ConfigError, Option, register

__all__ = ["COUNTS_LEN", "cdf", "hdr_index", "info_fields", "percentile_value"]

# hdr_init(1, 1000000000, 2): sub_bucket_count 256 (half 128, mask 255), unit magnitude 0,
# 23 buckets, counts_len (23 + 1) * 128.
_HALF_MAG = 7
_HALF = 1 << _HALF_MAG
_MASK = 255
MIN_NS = 1
MAX_NS = 1_000_000_000
COUNTS_LEN = 24 * _HALF


def hdr_index(ns: int) -> int:
    """counts_index_for(): the counts slot of a value in nanoseconds (within 1 .. 1e9)."""
    bucket = (ns | _MASK).bit_length() - (_HALF_MAG + 1)
    return ((bucket + 1) << _HALF_MAG) + (ns >> bucket) - _HALF


def usec_index(usec: int) -> int:
    """The slot of a call of ``usec`` microseconds, as updateCommandLatencyHistogram()."""
    ns = usec * 1000
    return hdr_index(MIN_NS if ns < MIN_NS else MAX_NS if ns > MAX_NS else ns)


def _value_at(index: int) -> tuple[int, int]:
    """hdr_value_at_index() and the size of its equivalent value range."""
    bucket = (index >> _HALF_MAG) - 1
    sub = (index & (_HALF - 1)) + _HALF
    if bucket < 0:
        sub -= _HALF
        bucket = 0
    return sub << bucket, 1 << bucket


def _highest_equivalent(index: int) -> int:
    value, size = _value_at(index)
    return value + size - 1


def cdf(counts: dict[int, int]) -> list[tuple[int, int]]:
    """fillCommandCDF(): hdr_iter_log_init(1024, 2) steps, as (bucket upper bound in
    microseconds, cumulative count), only where the count grew. A step at reporting level
    L (1024 ns, 2048 ns ...) covers the slots up to L's own; the label is the highest value
    equivalent to L's slot. Past the last slot (2^30 ns) the iterator stops on the last one."""
    out: list[tuple[int, int]] = []
    items = sorted(counts.items())
    total = sum(counts.values())
    cumulative = previous = 0
    i = 0
    level = 1024
    while cumulative < total:
        slot = hdr_index(level)
        if slot >= COUNTS_LEN:
            slot = COUNTS_LEN - 1
        while i < len(items) and items[i][0] <= slot:
            cumulative += items[i][1]
            i += 1
        if cumulative > previous:
            out.append((_highest_equivalent(slot) // 1000, cumulative))
        previous = cumulative
        level *= 2
    return out


def percentile_value(counts: dict[int, int], percentile: float) -> int:
    """hdr_value_at_percentile(), in nanoseconds."""
    total = sum(counts.values())
    wanted = int(((min(percentile, 100.0) / 100) * total) + 0.5)
    wanted = max(wanted, 1)
    seen = 0
    index = 0
    for index, n in sorted(counts.items()):
        seen += n
        if seen >= wanted:
            break
    if percentile == 0.0:
        return _value_at(index)[0]
    return _highest_equivalent(index)


def format_percentile(p: float) -> str:
    """sprintf("%f") then trimDoubleString(): 50.0 -> "50", 99.9 -> "99.9"."""
    text = "%f" % p
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def info_fields(commands: Iterable[Any], percentiles: list[float]) -> list[tuple[str, str]]:
    """genRedisInfoStringLatencyStats(): one latency_percentiles_usec_<command> line per
    command (and subcommand) with a histogram."""
    out: list[tuple[str, str]] = []
    for cmd in commands:
        counts = cmd.latency_counts()
        if counts:
            out.append(("latency_percentiles_usec_" + cmd.fullname, ",".join(
                "p%s=%.3f" % (format_percentile(p), percentile_value(counts, p) / 1000.0)
                for p in percentiles)))
        if cmd.subcommands:
            out.extend(info_fields(cmd.subcommands.values(), percentiles))
    return out


def command_reply(cmd: Any) -> dict[bytes, Any]:
    """One command's entry of LATENCY HISTOGRAM: {calls, histogram_usec: {bound: count}}."""
    counts = cmd.latency_counts()
    return {b"calls": sum(counts.values()),
            b"histogram_usec": {bound: n for bound, n in cdf(counts)}}


# ------------------------------------------------------------------------------ options
def _parse_percentiles(words: list[str]) -> list[float]:
    """setConfigLatencyTrackingInfoPercentilesOutputOption(): a lone "" means none."""
    from .commands.args import parse_float
    from .errors import CommandError
    if len(words) == 1 and words[0] == "":
        return []
    out = []
    for w in words:
        try:
            p = parse_float(w.encode("utf-8", "surrogateescape"))
        except CommandError:
            raise ConfigError("Invalid latency-tracking-info-percentiles parameters") from None
        if p > 100.0 or p < 0.0:
            raise ConfigError("latency-tracking-info-percentiles parameters should sit "
                              "between [0.0,100.0]")
        out.append(p)
    return out


register(Option("latency-tracking", "bool", True))
register(Option("latency-tracking-info-percentiles", "special", [50.0, 99.0, 99.9],
                multi_arg=True, parse=_parse_percentiles,
                format=lambda v: " ".join(format_percentile(p) for p in v)))
