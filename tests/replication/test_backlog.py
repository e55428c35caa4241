"""ReplicationBacklog: a ring of the last bytes of the stream, with Redis's offsets."""

import random

from engine.replication.backlog import ReplicationBacklog


def test_offsets_and_since():
    b = ReplicationBacklog(16 * 1024, 100)
    assert b.first_byte_offset == 101 and b.histlen == 0
    assert b.since(101) == b""
    b.append(b"hello")
    assert b.offset == 105 and b.first_byte_offset == 101
    assert b.since(101) == b"hello" and b.since(103) == b"llo" and b.since(106) == b""
    assert b.since(100) is None and b.since(107) is None


def test_wraps_and_forgets_the_oldest_bytes():
    rng = random.Random(7)
    b = ReplicationBacklog(16 * 1024, 0)
    stream = bytearray()
    for _ in range(500):
        chunk = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300)))
        stream += chunk
        b.append(chunk)
        assert b.offset == len(stream)
        assert b.histlen == min(len(stream), b.size)
        start = b.first_byte_offset
        assert b.since(start) == bytes(stream[start - 1:])
        mid = rng.randrange(start, b.offset + 2)
        assert b.since(mid) == bytes(stream[mid - 1:])
    assert not b.covers(b.first_byte_offset - 1)


def test_huge_append_and_resize():
    b = ReplicationBacklog(16 * 1024, 0)
    data = bytes(range(256)) * 100  # 25600 bytes > size
    b.append(data)
    assert b.histlen == b.size and b.since(b.first_byte_offset) == data[-b.size:]
    b.resize(64 * 1024)
    assert b.since(b.first_byte_offset) == data[-16 * 1024:]
    b.append(b"tail")
    assert b.since(b.offset - 3) == b"tail"
    b.resize(16 * 1024)
    assert b.since(b.first_byte_offset)[-4:] == b"tail"
