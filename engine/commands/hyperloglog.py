"""HyperLogLog commands (hyperloglog.c): an HLL is a string value in Redis's exact format
(engine/types/hll.py), so GET, SET, DUMP and persistence see the bytes Redis would."""

import random
from typing import Any

from .. import errors, notify
from ..config import Option, register
from ..connection import Client
from ..errors import CommandError
from ..keyspace import Database
from ..replies import OK, Status
from ..types import hll
from .strings import is_string, unshare_string
from .table import TABLE, command

register(Option("hll-sparse-max-bytes", "memory", 3000, minimum=0, maximum=2 ** 63 - 1))

_GROUP = {"group": "hyperloglog", "since": "2.8.9"}


def _check(v: Any) -> Any:
    """isHLLObjectOrReply()."""
    if not is_string(v):
        raise CommandError(errors.WRONGTYPE)
    if not hll.is_hll(v):
        raise CommandError(errors.HLL_WRONGTYPE)
    return v


def _for_write(c: Client, key: bytes) -> bytearray | None:
    """An existing HLL as a bytearray that may change in place (dbUnshareStringValue)."""
    v = c.db.lookup_write(key)
    return None if v is None else unshare_string(c.db, key, _check(v))


def _resized(db: Database, v: bytearray, before: int) -> None:
    if len(v) != before:
        db.adjust_memory(len(v) - before)


def _invalidate(v: bytearray) -> None:
    v[15] |= 0x80  # HLL_INVALIDATE_CACHE


@command("pfadd", -2, "write denyoom fast", keys=(1, 1, 1), **_GROUP,
         summary="Adds the specified elements to the specified HyperLogLog.",
         complexity="O(1) to add every element.")
def pfadd(c: Client, argv: list[bytes]) -> Any:
    key = argv[1]
    db = c.db
    v = _for_write(c, key)
    updated = 0
    if v is None:
        v = bytearray(hll.EMPTY)
        db.add(key, v)
        updated = 1
    before = len(v)
    changed, corrupt = hll.add(v, argv[2:], c.engine.config.values["hll-sparse-max-bytes"])
    _resized(db, v, before)
    if corrupt:
        raise CommandError(errors.HLL_INVALID)
    updated += changed
    if updated:
        db.signal_modified(key)
        c.engine.notify_keyspace_event(notify.STRING, b"pfadd", key, db.id)
        c.engine.dirty += updated
        _invalidate(v)
    return 1 if updated else 0


@command("pfcount", -2, "readonly may_replicate", keys=(1, -1, 1), **_GROUP,
         summary="Return the approximated cardinality of the set(s) observed by the "
         "HyperLogLog at key(s).",
         complexity="O(1) with a very small average constant time when called with a single "
         "key. O(N) with N being the number of keys, and much bigger constant times, when "
         "called with multiple keys.")
def pfcount(c: Client, argv: list[bytes]) -> Any:
    db = c.db
    if len(argv) > 2:  # the union's cardinality, nothing written
        regs = None
        for key in argv[1:]:
            v = db.lookup_read(key)
            if v is None:
                continue
            try:
                regs = hll.merge_into(regs, _check(v))
            except ValueError:
                raise CommandError(errors.HLL_INVALID) from None
        return 0 if regs is None else hll.count_registers(regs)
    key = argv[1]
    v = db.lookup_read(key)
    if v is None:
        return 0
    v = unshare_string(db, key, _check(v))
    if not v[15] & 0x80:
        return int.from_bytes(v[8:16], "little")
    card = hll.count(v)
    if card is None:
        raise CommandError(errors.HLL_INVALID)
    # the cache lives in the string: a write, propagated, though PFCOUNT is read-only
    v[8:16] = card.to_bytes(8, "little")
    db.signal_modified(key)
    c.engine.dirty += 1
    return card


@command("pfmerge", -2, "write denyoom", keys=(1, -1, 1), **_GROUP,
         summary="Merge N different HyperLogLogs into a single one.",
         complexity="O(N) to merge N HyperLogLogs, but with high constant times.")
def pfmerge(c: Client, argv: list[bytes]) -> Any:
    db = c.db
    regs = bytes(hll.HLL_REGISTERS)
    use_dense = False
    for key in argv[1:]:  # the destination is a source too
        v = db.lookup_read(key)
        if v is None:
            continue
        _check(v)
        use_dense = use_dense or v[4] == hll.DENSE
        try:
            regs = hll.merge_into(regs, v)
        except ValueError:
            raise CommandError(errors.HLL_INVALID) from None
    dst = argv[1]
    v = _for_write(c, dst)
    if v is None:
        v = bytearray(hll.EMPTY)
        db.add(dst, v)
    before = len(v)
    ok = hll.store_registers(v, regs, use_dense, c.engine.config.values["hll-sparse-max-bytes"])
    _resized(db, v, before)
    if not ok:
        raise CommandError(errors.HLL_INVALID)
    _invalidate(v)
    db.signal_modified(dst)
    c.engine.notify_keyspace_event(notify.STRING, b"pfadd", dst, db.id)
    c.engine.dirty += 1
    return OK


@command("pfdebug", 3, "write denyoom admin", keys=(2, 2, 1), **_GROUP,
         summary="Internal commands for debugging HyperLogLog values", complexity="N/A")
def pfdebug(c: Client, argv: list[bytes]) -> Any:
    sub = argv[1].lower()
    key = argv[2]
    db = c.db
    v = db.lookup_write(key)
    if v is None:
        raise CommandError(errors.PFDEBUG_NO_KEY)
    v = unshare_string(db, key, _check(v))
    if sub in (b"getreg", b"todense"):
        converted = v[4] == hll.SPARSE
        if converted:
            before = len(v)
            if not hll.to_dense(v):
                raise CommandError(errors.HLL_INVALID)
            _resized(db, v, before)
            c.engine.dirty += 1  # forces propagation of the encoding change
        if sub == b"todense":
            return 1 if converted else 0
        return list(hll.registers_of(v))
    if sub == b"decode":
        if v[4] != hll.SPARSE:
            raise CommandError(errors.PFDEBUG_NOT_SPARSE)
        return hll.decode(v)
    if sub == b"encoding":
        return Status("sparse" if v[4] == hll.SPARSE else "dense")
    raise CommandError(errors.PFDEBUG_UNKNOWN % errors.arg(argv[1]))


@command("pfselftest", 1, "admin", **_GROUP,
         summary="An internal command for testing HyperLogLog values", complexity="N/A")
def pfselftest(c: Client, argv: list[bytes]) -> Any:
    """A light form of Redis's self test: register packing round trips, and sparse and
    dense HLLs fed the same elements agree (Redis's error-bound test is statistical)."""
    rnd = random.Random()
    regs = bytes(rnd.randrange(64) for _ in range(hll.HLL_REGISTERS))
    if hll.unpack_dense(hll.pack_dense(regs)) != regs:
        raise CommandError(errors.HLL_SELFTEST % "register packing")
    sparse = bytearray(hll.EMPTY)
    elements = [rnd.randbytes(8) for _ in range(1000)]
    hll.add(sparse, elements, 3000)
    dense = bytearray(hll.EMPTY)
    hll.to_dense(dense)
    hll.add(dense, elements, 3000)
    if hll.count(sparse) != hll.count(dense):
        raise CommandError(errors.HLL_SELFTEST % "dense/sparse disagree")
    return OK


for _name in (b"pfdebug", b"pfselftest"):
    TABLE[_name].doc_flags = ("syscmd",)
