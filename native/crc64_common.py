"""Constants shared by both CRC-64 twins (crc64_c, crc64_py).

Redis checksums RDB files and DUMP payloads with CRC-64/Jones (crc64.c): polynomial
0xad93d23594c935a9, reflected input and output, initial value 0, no final xor. Its check
value, crc64(0, b"123456789"), is 0xe9c6d914c4b8d9ca.
"""

__all__ = ["POLY", "POLY_REFLECTED", "CHECK_INPUT", "CHECK_VALUE", "MASK64"]

POLY = 0xAD93D23594C935A9
POLY_REFLECTED = 0x95AC9329AC4BC9B5   # POLY with its 64 bits in reverse order
CHECK_INPUT = b"123456789"
CHECK_VALUE = 0xE9C6D914C4B8D9CA
MASK64 = (1 << 64) - 1
