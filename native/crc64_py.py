"""CRC-64/Jones in pure Python: the specification of crc64_c.pyx (see crc64_common).

A byte-at-a-time table walk: ``crc = T[(crc ^ byte) & 0xff] ^ (crc >> 8)``. ``crc64`` takes
the running value so a file can be checksummed in chunks: crc64(crc64(0, a), b) equals
crc64(0, a + b).
"""

from .crc64_common import CHECK_INPUT, CHECK_VALUE, MASK64, POLY_REFLECTED

__all__ = ["crc64", "TABLE"]


def _make_table() -> list:
    table = []
    for i in range(256):
        crc = i
        for _ in range(8):
            crc = (crc >> 1) ^ POLY_REFLECTED if crc & 1 else crc >> 1
        table.append(crc)
    return table


TABLE = _make_table()


def crc64(crc: int, data) -> int:
    """The CRC-64 of ``data`` (bytes-like) continuing from ``crc`` (0 to start)."""
    crc &= MASK64
    t = TABLE
    for b in memoryview(data).cast("B"):
        crc = t[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc


assert crc64(0, CHECK_INPUT) == CHECK_VALUE
