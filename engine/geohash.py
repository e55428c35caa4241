"""Geohash arithmetic as Redis 7.0 does it (geohash.c, geohash_helper.c): the 52-bit
interleaved scores, decoding back to coordinates, the nine boxes a search visits and the
haversine distance. Every operation is the same double arithmetic in the same order, so
scores, distances and coordinates come out bit for bit as Redis's."""

import math

__all__ = ["LAT_MAX", "LAT_MIN", "LONG_MAX", "LONG_MIN", "STANDARD_RANGES", "STEP_MAX",
           "WGS84_RANGES", "decode_score", "distance", "encode", "in_radius", "in_rectangle",
           "score_of", "search_boxes", "to_uint64"]

STEP_MAX = 26
LONG_MIN, LONG_MAX = -180.0, 180.0
LAT_MIN, LAT_MAX = -85.05112878, 85.05112878
WGS84_RANGES = ((LONG_MIN, LONG_MAX), (LAT_MIN, LAT_MAX))
STANDARD_RANGES = ((-180.0, 180.0), (-90.0, 90.0))
EARTH_RADIUS = 6372797.560856
MERCATOR_MAX = 20037726.37
D_R = math.pi / 180.0
_MASK64 = (1 << 64) - 1
_EVEN = 0x5555555555555555
_ODD = 0xaaaaaaaaaaaaaaaa
_TWO63 = 9223372036854775808.0


def _interleave(x: int, y: int) -> int:
    """interleave64(): x's bits at even positions, y's at odd ones."""
    for s, b in ((16, 0x0000FFFF0000FFFF), (8, 0x00FF00FF00FF00FF), (4, 0x0F0F0F0F0F0F0F0F),
                 (2, 0x3333333333333333), (1, _EVEN)):
        x = (x | x << s) & b
        y = (y | y << s) & b
    return x | y << 1


def _deinterleave(v: int) -> int:
    """deinterleave64(): even bits in the low 32 bits, odd bits in the high 32."""
    x = v
    y = v >> 1
    for s, b in ((0, _EVEN), (1, 0x3333333333333333), (2, 0x0F0F0F0F0F0F0F0F),
                 (4, 0x00FF00FF00FF00FF), (8, 0x0000FFFF0000FFFF), (16, 0x00000000FFFFFFFF)):
        x = (x | x >> s) & b
        y = (y | y >> s) & b
    return x | y << 32


def encode(lon: float, lat: float, step: int, ranges=WGS84_RANGES) -> int | None:
    """geohashEncode(): the step*2-bit hash of a position, None outside the ranges."""
    (lon_min, lon_max), (lat_min, lat_max) = ranges
    if lon > LONG_MAX or lon < LONG_MIN or lat > LAT_MAX or lat < LAT_MIN:
        return None
    if lat < lat_min or lat > lat_max or lon < lon_min or lon > lon_max:
        return None
    lat_offset = (lat - lat_min) / (lat_max - lat_min) * (1 << step)
    long_offset = (lon - lon_min) / (lon_max - lon_min) * (1 << step)
    return _interleave(int(lat_offset), int(long_offset))


def score_of(lon: float, lat: float) -> int:
    """The sorted-set score GEOADD gives a (valid) position."""
    return encode(lon, lat, STEP_MAX)


def decode_area(bits: int, step: int, ranges=WGS84_RANGES) -> tuple[float, float, float, float]:
    """geohashDecode(): (lon min, lon max, lat min, lat max) of a hash's box."""
    (lon_min, lon_max), (lat_min, lat_max) = ranges
    sep = _deinterleave(bits)
    ilato = sep & 0xffffffff
    ilono = sep >> 32
    div = 1 << step
    lat_scale = lat_max - lat_min
    long_scale = lon_max - lon_min
    return (lon_min + (ilono * 1.0 / div) * long_scale,
            lon_min + (((ilono + 1) & 0xffffffff) * 1.0 / div) * long_scale,
            lat_min + (ilato * 1.0 / div) * lat_scale,
            lat_min + (((ilato + 1) & 0xffffffff) * 1.0 / div) * lat_scale)


def to_uint64(d: float) -> int:
    """(uint64_t)d as gcc compiles it on x86-64 (cvttsd2si; out of range gives the
    "indefinite" value), which is what decodes an arbitrary zset score."""
    if d < _TWO63:
        return int(d) & _MASK64 if d >= -_TWO63 else 1 << 63
    d -= _TWO63
    return int(d) ^ (1 << 63) if d < _TWO63 else 0


def decode_score(score: float) -> tuple[float, float]:
    """decodeGeohash(): the (longitude, latitude) a score stands for, clamped as Redis
    clamps it."""
    lon_lo, lon_hi, lat_lo, lat_hi = decode_area(to_uint64(score), STEP_MAX)
    lon = (lon_lo + lon_hi) / 2
    lon = min(max(lon, LONG_MIN), LONG_MAX)
    lat = (lat_lo + lat_hi) / 2
    lat = min(max(lat, LAT_MIN), LAT_MAX)
    return lon, lat


def distance(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """geohashGetDistance(): haversine great-circle distance in meters."""
    lat1r = lat1 * D_R
    lon1r = lon1 * D_R
    lat2r = lat2 * D_R
    lon2r = lon2 * D_R
    u = math.sin((lat2r - lat1r) / 2)
    v = math.sin((lon2r - lon1r) / 2)
    return 2.0 * EARTH_RADIUS * math.asin(math.sqrt(u * u + math.cos(lat1r) * math.cos(lat2r)
                                                    * v * v))


def in_radius(lon: float, lat: float, plon: float, plat: float, radius: float) -> float | None:
    """geohashGetDistanceIfInRadiusWGS84(): the distance, or None when beyond."""
    d = distance(lon, lat, plon, plat)
    return None if d > radius else d


def in_rectangle(width: float, height: float, lon: float, lat: float, plon: float,
                 plat: float) -> float | None:
    """geohashGetDistanceIfInRectangle(): the distance to the center, or None when the
    point is outside the box (both sides measured along the point's own parallel)."""
    lon_distance = distance(plon, plat, lon, plat)
    lat_distance = distance(plon, plat, plon, lat)
    if lon_distance > width / 2 or lat_distance > height / 2:
        return None
    return distance(lon, lat, plon, plat)


def _estimate_steps(range_meters: float, lat: float) -> int:
    """geohashEstimateStepsByRadius()."""
    if range_meters == 0:
        return 26
    step = 1
    while range_meters < MERCATOR_MAX:
        range_meters *= 2
        step += 1
    step -= 2
    if lat > 66 or lat < -66:
        step -= 1
        if lat > 80 or lat < -80:
            step -= 1
    return min(max(step, 1), 26)


def _move(bits: int, step: int, dx: int, dy: int) -> int:
    """geohash_move_x() then geohash_move_y()."""
    shift = 64 - step * 2
    if dx:
        x = bits & _ODD
        y = bits & _EVEN
        zz = _EVEN >> shift
        x = x + (zz + 1) if dx > 0 else (x | zz) - (zz + 1)
        bits = (x & (_ODD >> shift)) | y
    if dy:
        x = bits & _ODD
        y = bits & _EVEN
        zz = _ODD >> shift
        y = y + (zz + 1) if dy > 0 else (y | zz) - (zz + 1)
        bits = x | (y & (_EVEN >> shift))
    return bits & _MASK64


# Redis's visiting order: the center, N, S, E, W, NE, NW, SE, SW.
_AROUND = ((0, 0), (0, 1), (0, -1), (1, 0), (-1, 0), (1, 1), (-1, 1), (1, -1), (-1, -1))


def search_boxes(lon: float, lat: float, radius_meters: float, half_width: float,
                 half_height: float) -> list[tuple[int, int]]:
    """geohashCalculateAreasByShapeWGS84() then membersOfAllNeighbors()'s walk: the score
    ranges [min, max) to scan, in order. ``half_width``/``half_height`` are in meters (the
    radius for both when searching a circle); ``radius_meters`` sizes the boxes."""
    lat_delta = half_height / EARTH_RADIUS / D_R
    long_delta_top = half_width / EARTH_RADIUS / math.cos((lat + lat_delta) * D_R) / D_R
    long_delta_bottom = half_width / EARTH_RADIUS / math.cos((lat - lat_delta) * D_R) / D_R
    long_delta = long_delta_bottom if lat < 0 else long_delta_top
    min_lon, max_lon = lon - long_delta, lon + long_delta
    min_lat, max_lat = lat - lat_delta, lat + lat_delta

    steps = _estimate_steps(radius_meters, lat)
    bits = encode(lon, lat, steps)
    north = decode_area(_move(bits, steps, 0, 1), steps)
    south = decode_area(_move(bits, steps, 0, -1), steps)
    east = decode_area(_move(bits, steps, 1, 0), steps)
    west = decode_area(_move(bits, steps, -1, 0), steps)
    if steps > 1 and (north[3] < max_lat or south[2] > min_lat or east[1] < max_lon
                      or west[0] > min_lon):
        steps -= 1
        bits = encode(lon, lat, steps)
    boxes: list[tuple[int, int] | None] = [(_move(bits, steps, dx, dy), steps)
                                           for dx, dy in _AROUND]
    if steps >= 2:  # drop the neighbours the search area cannot reach
        area = decode_area(bits, steps)
        if area[2] < min_lat:
            boxes[2] = boxes[7] = boxes[8] = None
        if area[3] > max_lat:
            boxes[1] = boxes[5] = boxes[6] = None
        if area[0] < min_lon:
            boxes[4] = boxes[8] = boxes[6] = None
        if area[1] > max_lon:
            boxes[3] = boxes[7] = boxes[5] = None
    ranges = []
    last = 0
    for i, box in enumerate(boxes):
        if box is None:
            continue
        # adjacent neighbours can be the same box for huge radii: skip repeats (never of
        # the center, which Redis does not compare against)
        if last and box == boxes[last]:
            continue
        shift = 52 - box[1] * 2
        ranges.append((box[0] << shift, (box[0] + 1) << shift))
        last = i
    return ranges
