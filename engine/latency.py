"""The latency monitor (Redis's latency.c): for each event ("command", "fast-command", ...)
the worst latency of each second at or above ``latency-monitor-threshold`` milliseconds, in a
ring of 160 samples, plus the all-time maximum. LATENCY reads it."""

import time

__all__ = ["LatencySeries", "add_sample", "analyze", "graph", "report"]

TS_LEN = 160        # LATENCY_TS_LEN
GRAPH_COLS = 80     # LATENCY_GRAPH_COLS


class LatencySeries:
    """One event's samples: (unix seconds, milliseconds); time 0 marks an unused slot."""

    __slots__ = ("idx", "max", "samples")

    def __init__(self) -> None:
        self.samples: list[tuple[int, int]] = [(0, 0)] * TS_LEN
        self.idx = 0
        self.max = 0

    def history(self) -> list[tuple[int, int]]:
        """The used samples, oldest first."""
        ring = self.samples[self.idx:] + self.samples[:self.idx]
        return [s for s in ring if s[0]]

    def latest(self) -> tuple[int, int]:
        return self.samples[(self.idx + TS_LEN - 1) % TS_LEN]


def add_sample(events: dict[str, LatencySeries], event: str, ms: int) -> None:
    """latencyAddSample(): one sample per second per event, keeping the second's worst."""
    ts = events.get(event)
    if ts is None:
        ts = events[event] = LatencySeries()
    now = int(time.time())
    ts.max = max(ts.max, ms)
    prev = (ts.idx + TS_LEN - 1) % TS_LEN
    if ts.samples[prev][0] == now:
        if ms > ts.samples[prev][1]:
            ts.samples[prev] = (now, ms)
        return
    ts.samples[ts.idx] = (now, ms)
    ts.idx = (ts.idx + 1) % TS_LEN


def analyze(ts: LatencySeries) -> tuple[int, int, int, int]:
    """analyzeLatencyForEvent(): (samples, average, mean absolute deviation, period)."""
    used = ts.history()
    if not used:
        return 0, 0, 0, 0
    avg = sum(ms for _, ms in used) // len(used)
    period = int(time.time()) - min(t for t, _ in used) or 1
    mad = sum(abs(avg - ms) for _, ms in used) // len(used)
    return len(used), avg, mad, period


# ------------------------------------------------------------------- LATENCY GRAPH
def graph(event: str, ts: LatencySeries) -> str:
    """latencyCommandGenSparkeline(): a header and an 80-column, 4-row ASCII sparkline whose
    labels say how long ago each sample was taken."""
    now = int(time.time())
    values: list[int] = []
    labels: list[str] = []
    for t, ms in ts.history():
        values.append(ms)
        elapsed = now - t
        if elapsed < 60:
            labels.append(f"{elapsed}s")
        elif elapsed < 3600:
            labels.append(f"{elapsed // 60}m")
        elif elapsed < 86400:
            labels.append(f"{elapsed // 3600}h")
        else:
            labels.append(f"{elapsed // 86400}d")
    out = (f"{event} - high {max(values, default=0)} ms, low {min(values, default=0)} ms "
           f"(all time high {ts.max} ms)\n")
    out += "-" * GRAPH_COLS + "\n"
    for start in range(0, len(values), GRAPH_COLS):
        if start:
            out += "\n"
        out += _sparkline(values, labels, start, min(GRAPH_COLS, len(values) - start), 4)
    return out


def _sparkline(values: list[int], labels: list[str], offset: int, length: int,
               rows: int) -> str:
    """sparklineRenderRange() with SPARKLINE_FILL: bars drawn with "_o#" and '|', then a
    blank line and the labels written vertically."""
    charset = "_o#"
    lo, hi = min(values), max(values)
    relmax = (hi - lo) or 1
    steps = len(charset) * rows
    out = []
    row = 0
    while True:
        chars = [" "] * length
        more = False
        for j in range(length):
            step = int((values[offset + j] - lo) * steps / relmax)
            step = min(max(step, 0), steps - 1)
            if row < rows:
                more = True
                idx = step - (rows - row - 1) * len(charset)
                if 0 <= idx < len(charset):
                    chars[j] = charset[idx]
                elif idx >= len(charset):
                    chars[j] = "|"
            else:
                if row - rows < 1:  # the margin between the bars and the labels
                    more = True
                    break
                label = labels[offset + j]
                pos = row - rows - 1
                if len(label) > pos:
                    more = True
                    chars[j] = label[pos]
        if not more:
            return "".join(out)
        out.append("".join(chars) + "\n")
        row += 1


# ------------------------------------------------------------------- LATENCY DOCTOR
def report(events: dict[str, LatencySeries], threshold: int) -> str:
    """createLatencyReport(), without the advice engine."""
    if not events and not threshold:
        return ("I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this "
                "Redis instance. You may use \"CONFIG SET latency-monitor-threshold "
                "<milliseconds>.\" in order to enable it. If we weren't in a deep space "
                "mission I'd suggest to take a look at "
                "https://redis.io/topics/latency-monitor.\n")
    lines: list[str] = []
    for n, (event, ts) in enumerate(events.items(), 1):
        samples, avg, mad, period = analyze(ts)
        if not samples:
            continue
        lines.append(f"{n}. {event}: {samples} latency spikes (average {avg}ms, mean "
                     f"deviation {mad}ms, period {period / samples:.2f} sec). Worst all time "
                     f"event {ts.max}ms.")
    if not lines:
        return ("Dave, no latency spike was observed during the lifetime of this Redis "
                "instance, not in the slightest bit. I honestly think you ought to sit down "
                "calmly, take a stress pill, and think things over.\n")
    return ("Dave, I have observed latency spikes in this Redis instance. You don't mind "
            "talking about it, do you Dave?\n\n" + "\n".join(lines) + "\n\n"
            "While there are latency events logged, I'm not able to suggest any easy fix. "
            "Please use the Redis community to get some help, providing this report in your "
            "request.\n")


def series_for(events: dict[str, LatencySeries], name: bytes) -> LatencySeries | None:
    return events.get(name.decode("utf-8", "surrogateescape"))
