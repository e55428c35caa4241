"""Constants and the error shared by both LZF twins (lzf_c, lzf_py).

LZF is the compressor Redis uses for long strings in RDB files and DUMP payloads (liblzf
3.6 as vendored in Redis: lzf_c.c, lzf_d.c, lzfP.h with HLOG 16 and VERY_FAST).
"""

__all__ = ["LZFError", "HLOG", "HSIZE", "MAX_LIT", "MAX_OFF", "MAX_REF"]

HLOG = 16
HSIZE = 1 << HLOG
MAX_LIT = 1 << 5
MAX_OFF = 1 << 13
MAX_REF = (1 << 8) + (1 << 3)


class LZFError(ValueError):
    """Compressed data that does not decompress to the announced length."""
