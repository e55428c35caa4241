"""Encryption at rest: files sealed with AES-256-GCM (the ``cryptography`` package's AEAD).

A sealed file is a header and a sequence of segments, each one AES-256-GCM-sealed with its
own nonce (a random per-file prefix, the segment number and a "last segment" flag) and the
header as associated data. Segments let a multi-gigabyte snapshot be written and read in
constant memory while every byte is authenticated before use; the flag makes truncation
and reordering fail like any other tampering (the construction of Tink's streaming AEAD).

    header  = MAGIC(8) version(1) algorithm(1) segment-shift(1) reserved(1)
              key-id(8) nonce-prefix(7) reserved(1)                       -- 28 bytes
    segment = ciphertext || tag(16), the plaintext 2**shift bytes except the last one

The key comes from a file (``encryption-key-file``): 32 raw bytes, or 64 hex digits, or
base64 of 32 bytes. The header names the key by an 8-byte fingerprint so that a wrong key
is reported as such, and a file without the key is refused with a clear error, never
parsed as an RDB.

The API is small so the tiering store can seal its files too: ``seal``/``unseal`` for
whole blobs, ``SealedWriter``/``SealedReader`` for streams, ``is_sealed`` to sniff a file.
"""

import base64
import binascii
import hashlib
import os
import struct
from typing import BinaryIO, Optional

__all__ = ["CryptoError", "MAGIC", "HEADER_SIZE", "load_key", "key_id", "is_sealed", "seal",
           "unseal", "open_sealed", "SealedWriter", "SealedReader", "generate_key"]

MAGIC = b"STRATAE\x01"
VERSION = 1
ALG_AES256_GCM = 1
HEADER_SIZE = 28
TAG_SIZE = 16
DEFAULT_SHIFT = 20  # 1 MiB segments
_HEADER = struct.Struct("<8sBBBB8s7sB")


class CryptoError(Exception):
    """A sealed file that cannot be opened: no key, wrong key, tampered or truncated."""


def _aesgcm(key: bytes):
    try:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    except ImportError:  # pragma: no cover - a declared dependency
        raise CryptoError("encryption needs the 'cryptography' package") from None
    if len(key) != 32:
        raise CryptoError("an AES-256 key is 32 bytes, got %d" % len(key))
    return AESGCM(key)


def generate_key() -> bytes:
    return os.urandom(32)


def load_key(path: str) -> bytes:
    """The 32-byte key in ``path`` (raw, hex or base64)."""
    try:
        with open(path, "rb") as f:
            data = f.read(4096)
    except OSError as e:
        raise CryptoError("can't read encryption key file '%s': %s"
                          % (path, e.strerror or e)) from None
    if len(data) == 32:
        return data
    text = data.strip()
    if len(text) == 64:
        try:
            return binascii.unhexlify(text)
        except (binascii.Error, ValueError):
            pass
    try:
        key = base64.b64decode(text, validate=True)
        if len(key) == 32:
            return key
    except (binascii.Error, ValueError):
        pass
    raise CryptoError("encryption key file '%s' must hold 32 bytes (raw, 64 hex digits or "
                      "base64)" % path)


def key_id(key: bytes) -> bytes:
    """The 8-byte fingerprint a sealed file's header carries."""
    return hashlib.sha256(b"strata-key-id\0" + key).digest()[:8]


def is_sealed(head: bytes) -> bool:
    """Does a file starting with ``head`` (at least 8 bytes) hold sealed data?"""
    return head[:8] == MAGIC


def _nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    if counter >= 1 << 32:
        raise CryptoError("sealed stream too long")
    return prefix + counter.to_bytes(4, "big") + (b"\x01" if last else b"\x00")


def _parse_header(header: bytes, key: Optional[bytes]) -> int:
    if len(header) < HEADER_SIZE or header[:8] != MAGIC:
        raise CryptoError("Bad file format: not a sealed file")
    _magic, version, alg, shift, _r, kid, _prefix, _r2 = _HEADER.unpack(header[:HEADER_SIZE])
    if version != VERSION or alg != ALG_AES256_GCM or not 10 <= shift <= 30:
        raise CryptoError("Bad file format: unknown sealed file version %d" % version)
    if key is None:
        raise CryptoError("Bad file format: the file is encrypted (AES-256-GCM) and no "
                          "encryption key is configured (encryption-key-file)")
    if kid != key_id(key):
        raise CryptoError("Bad file format: the file is encrypted with another key")
    return shift


class SealedWriter:
    """A file-like sink that seals what is written to ``f`` (call ``close`` to finish:
    the final segment is what proves the stream complete)."""

    def __init__(self, f: BinaryIO, key: bytes, shift: int = DEFAULT_SHIFT) -> None:
        self.f = f
        self.aead = _aesgcm(key)
        self.prefix = os.urandom(7)
        self.header = _HEADER.pack(MAGIC, VERSION, ALG_AES256_GCM, shift, 0, key_id(key),
                                   self.prefix, 0)
        self.size = 1 << shift
        self.buf = bytearray()
        self.counter = 0
        self.closed = False
        f.write(self.header)

    def write(self, data: bytes) -> int:
        self.buf += data
        size = self.size
        while len(self.buf) > size:  # keep >0 bytes back: the last segment is flagged
            chunk = bytes(self.buf[:size])
            del self.buf[:size]
            self._segment(chunk, False)
        return len(data)

    def _segment(self, chunk: bytes, last: bool) -> None:
        nonce = _nonce(self.prefix, self.counter, last)
        self.f.write(self.aead.encrypt(nonce, chunk, self.header))
        self.counter += 1

    def close(self) -> None:
        """Seal the last segment (possibly empty); the underlying file stays open."""
        if not self.closed:
            self.closed = True
            self._segment(bytes(self.buf), True)
            self.buf = bytearray()


class SealedReader:
    """A file-like source of the plaintext of a sealed stream; every segment is verified
    before any of its bytes are returned."""

    def __init__(self, f: BinaryIO, key: Optional[bytes]) -> None:
        self.f = f
        header = f.read(HEADER_SIZE)
        shift = _parse_header(header, key)
        assert key is not None
        self.header = header
        self.prefix = header[20:27]
        self.aead = _aesgcm(key)
        self.seg = (1 << shift) + TAG_SIZE
        self.counter = 0
        self.plain = b""
        self.pos = 0
        self.done = False
        self.pending = f.read(self.seg)

    def _next(self) -> None:
        from cryptography.exceptions import InvalidTag
        cur = self.pending
        nxt = self.f.read(self.seg) if len(cur) == self.seg else b""
        last = not nxt
        if len(cur) < TAG_SIZE:
            raise CryptoError("Bad file format: sealed file truncated")
        try:
            self.plain = self.aead.decrypt(_nonce(self.prefix, self.counter, last), cur,
                                           self.header)
        except InvalidTag:
            raise CryptoError("Bad file format: sealed file tampered with or truncated "
                              "(authentication failed)") from None
        self.pos = 0
        self.counter += 1
        self.pending = nxt
        self.done = last

    def close(self) -> None:
        self.f.close()

    def __enter__(self) -> "SealedReader":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def read(self, n: int = -1) -> bytes:
        out = []
        want = n if n >= 0 else 1 << 62
        while want > 0:
            if self.pos >= len(self.plain):
                if self.done:
                    break
                self._next()
                continue
            piece = self.plain[self.pos:self.pos + want]
            self.pos += len(piece)
            want -= len(piece)
            out.append(piece)
        return b"".join(out)


def seal(plaintext: bytes, key: bytes, shift: int = DEFAULT_SHIFT) -> bytes:
    """The sealed form of a whole blob."""
    import io
    out = io.BytesIO()
    w = SealedWriter(out, key, shift)
    w.write(plaintext)
    w.close()
    return out.getvalue()


def unseal(blob: bytes, key: Optional[bytes]) -> bytes:
    """The plaintext of a sealed blob; CryptoError when it cannot be opened."""
    import io
    return SealedReader(io.BytesIO(blob), key).read()


open_sealed = unseal
