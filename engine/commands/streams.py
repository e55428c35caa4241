"""Stream commands (t_stream.c, Redis 7.0): XADD XLEN XRANGE XREVRANGE XDEL XTRIM XREAD
XREADGROUP XGROUP XACK XPENDING XCLAIM XAUTOCLAIM XINFO XSETID.

What replicas receive replays to the same state, as Redis 7.0 rewrites it: XADD carries the
ID it generated, a "~" trim its outcome ("=" with the length or first ID left). Consumer
group changes replicate as ``XCLAIM <key> <group> <consumer> 0 <id> TIME <ms> RETRYCOUNT <n>
FORCE JUSTID LASTID <id>`` for each entry a read or claim moves into (or out of) a PEL,
``XGROUP SETID ... ENTRIESREAD <n>`` when only the group's position moved, and ``XGROUP
CREATECONSUMER`` for a consumer a NOACK read created. One departure: where Redis counts a
change but sends nothing (a read of a consumer's history, or one that only created the
consumer), the dispatcher needs a command to send, and it is ``XGROUP CREATECONSUMER`` for
that consumer: a no-op, or the creation Redis's replicas miss.
"""

import re
from typing import Any

from .. import errors, notify
from ..blocking import block
from ..connection import Client
from ..errors import CommandError, arg
from ..keyspace import Database
from ..replies import NULL_ARRAY, OK
from ..types.stream import (
    INVALID_ENTRIES_READ,
    MAX_ID,
    U64,
    Consumer,
    ConsumerGroup,
    Nack,
    StreamValue,
    format_id,
)
from .args import LLONG_MAX, parse_int
from .keys import help_reply
from .table import command, container

_STRTOULL = re.compile(rb"[ \t\n\v\f\r]*([+-]?)([0-9]+)")
XREAD_BLOCKED_DEFAULT_COUNT = 1000

# ------------------------------------------------------------------ IDs


def _string2ull(b: bytes) -> int | None:
    """string2ull(): string2ll, else strtoull (which takes spaces, "+" and wraps "-")."""
    m = _STRTOULL.fullmatch(b)
    if m is None:
        return None
    sign, digits = m.groups()
    v = int(digits)
    if v > U64:
        return None
    if sign == b"-":
        if v and v <= 1 << 63 and b == b"-%d" % v:
            return None  # string2ll read a negative number
        return -v & U64
    return v


def parse_id(b: bytes, missing_seq: int = 0, strict: bool = False) -> int:
    """streamGenericParseIDOrReply(): "<ms>[-<seq>]", or "-"/"+" unless strict. The text
    is read as a C string (up to a NUL) of at most 127 bytes."""
    if len(b) > 127:
        raise CommandError(errors.STREAM_ID_INVALID)
    b = b.split(b"\0", 1)[0]
    if b == b"-" or b == b"+":
        if strict:
            raise CommandError(errors.STREAM_ID_INVALID)
        return 0 if b == b"-" else MAX_ID
    ms_text, dash, seq_text = b.partition(b"-")
    ms = _string2ull(ms_text)
    seq = _string2ull(seq_text) if dash else missing_seq
    if ms is None or seq is None:
        raise CommandError(errors.STREAM_ID_INVALID)
    return ms << 64 | seq


def _parse_interval(b: bytes, missing_seq: int) -> tuple[int, bool]:
    """streamParseIntervalIDOrReply(): "(" makes the bound exclusive (and the ID strict)."""
    if len(b) > 1 and b[0] == 40:
        return parse_id(b[1:], missing_seq, strict=True), True
    return parse_id(b, missing_seq), False


def _range_bounds(start_arg: bytes, end_arg: bytes | None) -> tuple[int, int]:
    start, ex = _parse_interval(start_arg, 0)
    if ex:
        if start == MAX_ID:
            raise CommandError(errors.STREAM_INVALID_START)
        start += 1
    if end_arg is None:
        return start, MAX_ID
    end, ex = _parse_interval(end_arg, U64)
    if ex:
        if end == 0:
            raise CommandError(errors.STREAM_INVALID_END)
        end -= 1
    return start, end


# ------------------------------------------------------------------ helpers


def _lookup(db: Database, key: bytes, write: bool = False) -> StreamValue | None:
    v = db.lookup_write(key) if write else db.lookup_read(key)
    if v is None or type(v) is StreamValue:
        return v
    raise CommandError(errors.WRONGTYPE)


def _changed(c: Client, key: bytes, s: StreamValue, event: bytes, dirty: int = 1) -> None:
    """An in-place change of the stream's entries: memory, WATCH, dirty, event."""
    db = c.db
    db.resized(s)
    db.signal_modified(key)
    c.engine.dirty += dirty
    c.engine.notify_keyspace_event(notify.STREAM, event, key, db.id)


def _group_event(c: Client, key: bytes, event: bytes) -> None:
    c.engine.dirty += 1
    c.engine.notify_keyspace_event(notify.STREAM, event, key, c.db.id)


def _propagate(c: Client, commands: list[list[bytes]]) -> None:
    """alsoPropagate() of several commands instead of the one that ran: the last goes
    through ``propagate_argv`` (the dispatcher sends it, as engine.dirty moved), the
    others straight to the replication stream before it."""
    if not commands:
        return
    replication = c.engine.replication
    if replication is not None:
        for argv in commands[:-1]:
            replication.propagate(c.db.id, argv)
    c.propagate_argv = commands[-1]


def _xclaim_argv(key: bytes, group_name: bytes, group: ConsumerGroup, sid_arg: bytes,
                 nack: Nack) -> list[bytes]:
    """streamPropagateXCLAIM()."""
    return [b"XCLAIM", key, group_name, nack.consumer.name, b"0", sid_arg, b"TIME",
            b"%d" % nack.delivery_time, b"RETRYCOUNT", b"%d" % nack.delivery_count, b"FORCE",
            b"JUSTID", b"LASTID", format_id(group.last_id)]


def _setid_argv(key: bytes, group_name: bytes, group: ConsumerGroup) -> list[bytes]:
    """streamPropagateGroupID()."""
    return [b"XGROUP", b"SETID", key, group_name, format_id(group.last_id), b"ENTRIESREAD",
            b"%d" % group.entries_read]


def _consumer(c: Client, key: bytes, group: ConsumerGroup, name: bytes) -> tuple[Consumer, bool]:
    """streamLookupConsumer(SLC_DEFAULT), creating it (streamCreateConsumer) if needed."""
    now = c.engine.now_ms
    consumer = group.consumers.get(name)
    if consumer is not None:
        consumer.seen_time = now
        return consumer, False
    consumer = group.create_consumer(name, now)
    _group_event(c, key, b"xgroup-createconsumer")
    return consumer, True


def _streams_reply(c: Client, replies: list[tuple[bytes, Any]]) -> Any:
    """XREAD's reply: [[key, entries], ...], a map in RESP3."""
    if c.resp == 2:
        return [[key, entries] for key, entries in replies]
    out: dict = {}
    for key, entries in replies:
        if key in out:  # the same stream named twice: a second, equal-looking map key
            key = key.decode("utf-8", "surrogateescape")
        out[key] = entries
    return out


# ------------------------------------------------------------------ XADD XTRIM


class _TrimArgs:
    """streamAddTrimArgs, as streamParseAddOrTrimArgsOrReply() fills it."""

    __slots__ = ("approx", "arg_idx", "id", "id_given", "idpos", "limit", "maxlen", "minid",
                 "no_mkstream", "seq_given", "strategy")

    def __init__(self, c: Client, argv: list[bytes], xadd: bool) -> None:
        self.strategy = b""   # b"maxlen", b"minid" or none
        self.maxlen = 0
        self.minid = 0
        self.approx = False
        self.limit = 0
        self.arg_idx = 0
        self.id = 0
        self.id_given = False
        self.seq_given = True
        self.no_mkstream = False
        limit_given = False
        n = len(argv)
        i = 2
        while i < n:
            more = n - 1 - i
            opt = argv[i]
            low = opt.lower()
            if xadd and opt.split(b"\0", 1)[0] == b"*":  # read as a C string
                break
            if (low == b"maxlen" or low == b"minid") and more:
                if self.strategy:
                    raise CommandError(errors.STREAM_MAXLEN_AND_MINID)
                self.approx = False
                nxt = argv[i + 1]
                if more >= 2 and nxt == b"~":
                    self.approx = True
                    i += 1
                elif more >= 2 and nxt == b"=":
                    i += 1
                if low == b"maxlen":
                    self.maxlen = parse_int(argv[i + 1])
                    if self.maxlen < 0:
                        raise CommandError(errors.STREAM_MAXLEN_NEGATIVE)
                else:
                    self.minid = parse_id(argv[i + 1], strict=True)
                i += 1
                self.strategy = low
                self.arg_idx = i
            elif low == b"limit" and more:
                self.limit = parse_int(argv[i + 1])
                if self.limit < 0:
                    raise CommandError(errors.STREAM_LIMIT_NEGATIVE)
                limit_given = True
                i += 1
            elif xadd and low == b"nomkstream":
                self.no_mkstream = True
            elif xadd:
                self._parse_xadd_id(opt)
                break
            else:
                raise CommandError(errors.SYNTAX)
            i += 1
        self.idpos = i
        if self.limit and not self.strategy:
            raise CommandError(errors.STREAM_LIMIT_NO_STRATEGY)
        if not xadd and not self.strategy:
            raise CommandError(errors.XTRIM_NO_STRATEGY)
        if c.is_master:  # the primary rewrote the trim to its exact outcome: no limit
            self.limit = 0
        elif limit_given:
            if not self.approx:
                raise CommandError(errors.STREAM_LIMIT_NO_APPROX)
        elif self.approx:
            limit = 100 * c.engine.config.values["stream-node-max-entries"]
            self.limit = 10000 if limit <= 0 or limit > 10000 else limit
        else:
            self.limit = 0

    def _parse_xadd_id(self, b: bytes) -> None:
        # "<ms>-*": the sequence is generated (the only place the form is accepted)
        text = b.split(b"\0", 1)[0]
        if len(b) <= 127 and text.endswith(b"-*") and text.count(b"-") == 1:
            self.id = parse_id(text[:-2], strict=True)
            self.seq_given = False
        else:
            self.id = parse_id(b, strict=True)
        self.id_given = True

    def trim(self, s: StreamValue) -> int:
        if self.strategy == b"maxlen":
            return s.trim(self.maxlen, 0, self.approx, self.limit)
        return s.trim(None, self.minid, self.approx, self.limit)

    def rewrite(self, argv: list[bytes], s: StreamValue) -> None:
        """streamRewriteApproxSpecifier() + streamRewriteTrimArgument()."""
        argv[self.arg_idx - 1] = b"="
        argv[self.arg_idx] = b"%d" % len(s) if self.strategy == b"maxlen" \
            else format_id(s.first_with_tombstones())


def _node_limits(c: Client) -> tuple[int, int]:
    values = c.engine.config.values
    return values["stream-node-max-bytes"], values["stream-node-max-entries"]


@command("xadd", -5, "write denyoom fast", keys=(1, 1, 1), group="stream", since="5.0.0",
         tips="nondeterministic_output", summary="Appends a new entry to a stream",
         complexity="O(1) when adding a new entry, O(N) when trimming where N being the number "
                    "of entries evicted.")
def xadd(c: Client, argv: list[bytes]) -> Any:
    a = _TrimArgs(c, argv, xadd=True)
    field_pos = a.idpos + 1
    nfields = len(argv) - field_pos
    if nfields < 2 or nfields % 2:
        raise CommandError(errors.WRONG_ARITY % "xadd")
    if a.id_given and a.seq_given and a.id == 0:
        raise CommandError(errors.XADD_ID_ZERO)
    db = c.db
    key = argv[1]
    s = _lookup(db, key, write=True)
    created = s is None
    if created:
        if a.no_mkstream:
            return None
        s = StreamValue()
    if s.last_id == MAX_ID:
        raise CommandError(errors.STREAM_EXHAUSTED)
    last = s.last_id
    if not a.id_given:
        ms = c.engine.now_ms
        sid = ms << 64 if ms > last >> 64 else last + 1
    elif a.seq_given:
        sid = a.id
    elif a.id >> 64 == last >> 64:
        if last & U64 == U64:  # the sequence would overflow: Redis reports it so
            raise CommandError(errors.XADD_TOO_LARGE)
        sid = last + 1
    else:
        sid = a.id
    if sid <= last:
        raise CommandError(errors.XADD_ID_TOO_SMALL)
    s.append(sid, argv[field_pos:], *_node_limits(c))
    if created:
        db.add(key, s)
    reply = format_id(sid)
    _changed(c, key, s, b"xadd")
    prop = None
    if a.strategy:
        if a.trim(s):
            db.resized(s)
            c.engine.notify_keyspace_event(notify.STREAM, b"xtrim", key, db.id)
        if a.approx:
            prop = list(argv)
            a.rewrite(prop, s)
    if not a.id_given or not a.seq_given:
        prop = prop or list(argv)
        prop[a.idpos] = reply
    c.propagate_argv = prop
    if not created:
        c.engine.signal_key_ready(db, key)
    return reply


@command("xtrim", -4, "write", keys=(1, 1, 1), group="stream", since="5.0.0",
         tips="nondeterministic_output",
         summary="Trims the stream to (approximately if '~' is passed) a certain size",
         complexity="O(N), with N being the number of evicted entries. Constant times are very "
                    "small however, since entries are organized in macro nodes containing "
                    "multiple entries that can be released with a single deallocation.")
def xtrim(c: Client, argv: list[bytes]) -> Any:
    a = _TrimArgs(c, argv, xadd=False)
    key = argv[1]
    s = _lookup(c.db, key, write=True)
    if s is None:
        return 0
    deleted = a.trim(s)
    if deleted:
        if a.approx:
            c.propagate_argv = list(argv)
            a.rewrite(c.propagate_argv, s)
        _changed(c, key, s, b"xtrim", deleted)
    return deleted


@command("xlen", 2, "readonly fast", keys=(1, 1, 1), group="stream", since="5.0.0",
         summary="Return the number of entries in a stream")
def xlen(c: Client, argv: list[bytes]) -> Any:
    s = _lookup(c.db, argv[1])
    return 0 if s is None else len(s)


@command("xdel", -3, "write fast", keys=(1, 1, 1), group="stream", since="5.0.0",
         summary="Removes the specified entries from the stream. Returns the number of items "
                 "actually deleted, that may be different from the number of IDs passed in "
                 "case certain IDs do not exist.",
         complexity="O(1) for each single item to delete in the stream, regardless of the "
                    "stream size.")
def xdel(c: Client, argv: list[bytes]) -> Any:
    key = argv[1]
    s = _lookup(c.db, key, write=True)
    if s is None:
        return 0
    sids = [parse_id(b, strict=True) for b in argv[2:]]
    deleted = 0
    first_gone = False
    for sid in sids:
        if s.delete(sid):
            first_gone = first_gone or sid == s.first_id
            s.max_deleted_id = max(s.max_deleted_id, sid)
            deleted += 1
    if deleted:
        if not s.ids:
            s.first_id = 0
        elif first_gone:
            s.first_id = s.ids[0]
        _changed(c, key, s, b"xdel", deleted)
    return deleted


# ------------------------------------------------------------------ XRANGE


def _xrange(c: Client, argv: list[bytes], rev: bool) -> Any:
    start, end = _range_bounds(argv[3] if rev else argv[2], argv[2] if rev else argv[3])
    count = -1
    j = 4
    n = len(argv)
    while j < n:
        if argv[j].lower() == b"count" and j + 1 < n:
            count = max(parse_int(argv[j + 1]), 0)
            j += 2
        else:
            raise CommandError(errors.SYNTAX)
    s = _lookup(c.db, argv[1])
    if s is None:
        return []
    if count == 0:
        return NULL_ARRAY
    return s.range(start, end, max(count, 0), rev)


_RANGE_COMPLEXITY = ("O(N) with N being the number of %s. If N is constant (e.g. always asking "
                     "for the first 10 elements with COUNT), you can consider it O(1).")


@command("xrange", -4, "readonly", keys=(1, 1, 1), group="stream", since="5.0.0",
         summary="Return a range of elements in a stream, with IDs matching the specified IDs "
                 "interval",
         complexity=_RANGE_COMPLEXITY % "elements being returned")
def xrange(c: Client, argv: list[bytes]) -> Any:
    return _xrange(c, argv, False)


@command("xrevrange", -4, "readonly", keys=(1, 1, 1), group="stream", since="5.0.0",
         summary="Return a range of elements in a stream, with IDs matching the specified IDs "
                 "interval, in reverse order (from greater to smaller IDs) compared to XRANGE",
         complexity=_RANGE_COMPLEXITY % "elements returned")
def xrevrange(c: Client, argv: list[bytes]) -> Any:
    return _xrange(c, argv, True)


# ------------------------------------------------------------------ XREAD XREADGROUP


def _serve_group(c: Client, key: bytes, s: StreamValue, group: ConsumerGroup,
                 group_name: bytes, consumer: Consumer, start: int, count: int, noack: bool,
                 props: list) -> list:
    """streamReplyWithRange() for a group: new entries move the group's last ID and, unless
    NOACK, enter the consumer's PEL; each replicates as an XCLAIM (or the group's new
    position as one XGROUP SETID)."""
    sids = s.range_ids(start, MAX_ID, count)
    entries = s.replies(sids)
    now = c.engine.now_ms
    moved = False
    for sid, entry in zip(sids, entries):
        if sid > group.last_id:
            s.delivered(group, sid)
            moved = True
        if noack:
            continue
        nack = group.pel.get(sid)
        if nack is None:
            nack = group.pel[sid] = consumer.pel[sid] = Nack(consumer, now)
        else:  # delivered again after an XGROUP SETID: it changes hands
            del nack.consumer.pel[sid]
            nack.consumer = consumer
            nack.delivery_time = now
            nack.delivery_count = 1
            consumer.pel[sid] = nack
        props.append(_xclaim_argv(key, group_name, group, entry[0], nack))
    if noack and moved:
        props.append(_setid_argv(key, group_name, group))
    return entries


def _serve_history(c: Client, s: StreamValue, consumer: Consumer, start: int,
                   count: int) -> list:
    """streamReplyWithRangeFromConsumerPEL(): the consumer's pending entries from start;
    one deleted since comes as [id, nil]."""
    out = []
    now = c.engine.now_ms
    for sid in consumer.pel.irange(start):
        if count and len(out) >= count:
            break
        fields = s.entries.get(sid)
        if fields is None:
            out.append([format_id(sid), NULL_ARRAY])
        else:
            out.append([format_id(sid), fields])
            nack = consumer.pel[sid]
            nack.delivery_time = now
            nack.delivery_count += 1
    return out


def _xread(c: Client, argv: list[bytes], xreadgroup: bool) -> Any:
    timeout = -1
    count = 0
    streams_arg = 0
    noack = False
    group_name = consumer_name = None
    n = len(argv)
    i = 1
    while i < n:
        more = n - i - 1
        opt = argv[i].lower()
        if opt == b"block" and more:
            if c.engine.in_script:
                raise CommandError(errors.XREAD_BLOCK_IN_SCRIPT % arg(argv[0]))
            i += 1
            timeout = parse_int(argv[i], errors.CLIENT_TIMEOUT_INVALID)
            if timeout < 0:
                raise CommandError(errors.TIMEOUT_NEGATIVE)
        elif opt == b"count" and more:
            i += 1
            count = max(parse_int(argv[i]), 0)
        elif opt == b"streams" and more:
            streams_arg = i + 1
            if (n - streams_arg) % 2:
                raise CommandError(errors.XREAD_UNBALANCED)
            break
        elif opt == b"group" and more >= 2:
            if not xreadgroup:
                raise CommandError(errors.XREAD_GROUP_OPTION)
            group_name, consumer_name = argv[i + 1], argv[i + 2]
            i += 2
        elif opt == b"noack":
            if not xreadgroup:
                raise CommandError(errors.XREAD_NOACK_OPTION)
            noack = True
        else:
            raise CommandError(errors.SYNTAX)
        i += 1
    if not streams_arg:
        raise CommandError(errors.SYNTAX)
    if xreadgroup and group_name is None:
        raise CommandError(errors.XREADGROUP_NO_GROUP)
    nstreams = (n - streams_arg) // 2
    keys = argv[streams_arg:streams_arg + nstreams]
    db = c.db
    ids: list[int] = []
    groups: list[ConsumerGroup] = []
    for key, id_arg in zip(keys, argv[streams_arg + nstreams:]):
        s = _lookup(db, key)
        if group_name is not None:
            group = s.groups.get(group_name) if s is not None else None
            if group is None:
                raise CommandError(errors.XREADGROUP_NOGROUP % (arg(key), arg(group_name)))
            groups.append(group)
        if id_arg == b"$":
            if xreadgroup:
                raise CommandError(errors.XREADGROUP_DOLLAR)
            ids.append(s.last_id if s is not None else 0)
        elif id_arg == b">":
            if not xreadgroup:
                raise CommandError(errors.XREAD_GREATER)
            ids.append(MAX_ID)  # ">", resolved to the group's last ID when served
        else:
            ids.append(parse_id(id_arg, strict=True))

    replies = []
    props: list = []
    for idx, key in enumerate(keys):
        s = db.lookup_read(key)
        if s is None:
            continue
        gt = ids[idx]
        serve = history = False
        if groups:
            if gt != MAX_ID:
                serve = history = True
            elif s.ids and s.ids[-1] > groups[idx].last_id:
                serve = True
                gt = groups[idx].last_id
        elif s.ids and s.ids[-1] > gt:
            serve = True
        if not serve:
            continue
        start = (gt + 1) & MAX_ID
        if groups:
            group = groups[idx]
            consumer, created = _consumer(c, key, group, consumer_name)
            if created and noack:
                props.append([b"XGROUP", b"CREATECONSUMER", key, group_name, consumer_name])
            if history:
                entries = _serve_history(c, s, consumer, start, count)
            else:
                entries = _serve_group(c, key, s, group, group_name, consumer, start, count,
                                       noack, props)
            c.engine.dirty += 1
        else:
            entries = s.range(start, MAX_ID, count)
        replies.append((key, entries))
    if groups:
        if not props and replies:
            props.append([b"XGROUP", b"CREATECONSUMER", replies[0][0], group_name,
                          consumer_name])
        _propagate(c, props)
    if replies:
        return _streams_reply(c, replies)
    if timeout == -1:
        return NULL_ARRAY
    return _block(c, keys, ids, timeout, count or XREAD_BLOCKED_DEFAULT_COUNT,
                  group_name, consumer_name, noack)


def _block(c: Client, keys: list[bytes], ids: list[int], timeout_ms: int, count: int,
           group_name: bytes | None, consumer_name: bytes | None, noack: bool) -> Any:
    """Wait for entries after the given IDs (each key's first occurrence counts)."""
    after: dict[bytes, int] = {}
    for key, sid in zip(keys, ids):
        after.setdefault(key, sid)

    def retry(cl: Client) -> Any:
        """serveClientsBlockedOnStreamKey()."""
        key = cl.blocked.ready_key
        s = cl.db.lookup_write(key)
        if type(s) is not StreamValue:
            if group_name is not None:  # a deleted (or replaced) stream ends the wait
                raise CommandError(errors.XREADGROUP_KEY_GONE)
            return None
        group = None
        gt = after[key]
        if group_name is not None:
            group = s.groups.get(group_name)
            if group is None:
                raise CommandError(errors.XREADGROUP_GROUP_GONE)
            gt = group.last_id
        if s.last_id <= gt:
            return None
        start = (gt + 1) & MAX_ID
        if group is None:
            entries = s.range(start, MAX_ID, count)
        else:
            consumer = _consumer(cl, key, group, consumer_name)[0]
            props: list = []
            entries = _serve_group(cl, key, s, group, group_name, consumer, start, count,
                                   noack, props)
            _propagate(cl, props)
        return _streams_reply(cl, [(key, entries)])

    return block(c, list(after), timeout_ms / 1000, retry, NULL_ARRAY)


@command("xread", -4, "readonly blocking", group="stream",
         since="5.0.0",
         summary="Return never seen elements in multiple streams, with IDs greater than the "
                 "ones reported by the caller for each stream. Can block.",
         complexity="For each stream mentioned: O(N) with N being the number of elements being "
                    "returned, it means that XREAD-ing with a fixed COUNT is O(1). Note that "
                    "when the BLOCK option is used, XADD will pay O(M) time in order to serve "
                    "the M clients blocked on the stream getting new data.")
def xread(c: Client, argv: list[bytes]) -> Any:
    return _xread(c, argv, False)


@command("xreadgroup", -7, "write blocking", group="stream",
         since="5.0.0",
         summary="Return new entries from a stream using a consumer group, or access the "
                 "history of the pending entries for a given consumer. Can block.",
         complexity="For each stream mentioned: O(M) with M being the number of elements "
                    "returned. If M is constant (e.g. always asking for the first 10 elements "
                    "with COUNT), you can consider it O(1). On the other side when XREADGROUP "
                    "blocks, XADD will pay the O(N) time in order to serve the N clients "
                    "blocked on the stream getting new data.")
def xreadgroup(c: Client, argv: list[bytes]) -> Any:
    return _xread(c, argv, True)


# ------------------------------------------------------------------ XACK XPENDING


def _group_or_nogroup(c: Client, key: bytes, group_name: bytes) -> tuple:
    s = _lookup(c.db, key)
    group = s.groups.get(group_name) if s is not None else None
    if group is None:
        raise CommandError(errors.STREAM_NOGROUP % (arg(key), arg(group_name)))
    return s, group


@command("xack", -4, "write fast", keys=(1, 1, 1), group="stream", since="5.0.0",
         summary="Marks a pending message as correctly processed, effectively removing it from "
                 "the pending entries list of the consumer group. Return value of the command "
                 "is the number of messages successfully acknowledged, that is, the IDs we were "
                 "actually able to resolve in the PEL.",
         complexity="O(1) for each message ID processed.")
def xack(c: Client, argv: list[bytes]) -> Any:
    s = _lookup(c.db, argv[1])
    group = s.groups.get(argv[2]) if s is not None else None
    if group is None:
        return 0
    sids = [parse_id(b, strict=True) for b in argv[3:]]
    acked = 0
    for sid in sids:
        if group.unpend(sid):
            acked += 1
    c.engine.dirty += acked
    return acked


@command("xpending", -3, "readonly", keys=(1, 1, 1), group="stream", since="5.0.0",
         tips="nondeterministic_output",
         summary="Return information and entries from a stream consumer group pending entries "
                 "list, that are messages fetched but never acknowledged.",
         complexity="O(N) with N being the number of elements returned, so asking for a small "
                    "fixed number of entries per call is O(1). O(M), where M is the total "
                    "number of entries scanned when used with the IDLE filter. When the command "
                    "returns just the summary and the list of consumers is small, it runs in "
                    "O(1) time; otherwise, an additional O(N) time for iterating every "
                    "consumer.")
def xpending(c: Client, argv: list[bytes]) -> Any:
    n = len(argv)
    if n != 3 and not 6 <= n <= 9:
        raise CommandError(errors.SYNTAX)
    consumer_name = None
    min_idle = 0
    if n >= 6:
        at = 3
        if argv[3].lower() == b"idle":
            min_idle = parse_int(argv[4])
            if n < 8:
                raise CommandError(errors.SYNTAX)
            at = 5
        count = max(parse_int(argv[at + 2]), 0)
        start, end = _range_bounds(argv[at], argv[at + 1])
        if at + 3 < n:
            consumer_name = argv[at + 3]
    _s, group = _group_or_nogroup(c, argv[1], argv[2])
    pel = group.pel
    if n == 3:
        if not pel:
            return [0, None, None, NULL_ARRAY]
        owners = [[name, b"%d" % len(group.consumers[name].pel)]
                  for name in sorted(group.consumers) if group.consumers[name].pel]
        return [len(pel), format_id(pel.keys()[0]), format_id(pel.keys()[-1]), owners]
    if consumer_name is not None:
        consumer = group.consumers.get(consumer_name)
        if consumer is None:
            return []
        pel = consumer.pel
    now = c.engine.now_ms
    out = []
    for sid in pel.irange(start, end):
        if not count:
            break
        nack = pel[sid]
        idle = now - nack.delivery_time
        if min_idle and idle < min_idle:
            continue
        out.append([format_id(sid), nack.consumer.name, max(idle, 0), nack.delivery_count])
        count -= 1
    return out


# ------------------------------------------------------------------ XCLAIM XAUTOCLAIM


@command("xclaim", -6, "write fast", keys=(1, 1, 1), group="stream", since="5.0.0",
         tips="nondeterministic_output",
         summary="Changes (or acquires) ownership of a message in a consumer group, as if the "
                 "message was delivered to the specified consumer.",
         complexity="O(log N) with N being the number of messages in the PEL of the consumer "
                    "group.")
def xclaim(c: Client, argv: list[bytes]) -> Any:
    key, group_name, name = argv[1], argv[2], argv[3]
    s, group = _group_or_nogroup(c, key, group_name)
    min_idle = max(parse_int(argv[4], errors.XCLAIM_MIN_IDLE), 0)
    n = len(argv)
    sids = []
    j = 5
    while j < n:
        try:
            sids.append(parse_id(argv[j], strict=True))
        except CommandError:
            break
        j += 1
    id_args = argv[5:j]
    now = c.engine.now_ms
    force = justid = False
    retrycount = delivery = -1
    last_id = 0
    while j < n:
        more = n - 1 - j
        opt = argv[j].lower()
        if opt == b"force":
            force = True
        elif opt == b"justid":
            justid = True
        elif opt == b"idle" and more:
            j += 1
            delivery = now - parse_int(argv[j], errors.XCLAIM_IDLE)
        elif opt == b"time" and more:
            j += 1
            delivery = parse_int(argv[j], errors.XCLAIM_TIME)
        elif opt == b"retrycount" and more:
            j += 1
            retrycount = parse_int(argv[j], errors.XCLAIM_RETRYCOUNT)
        elif opt == b"lastid" and more:
            j += 1
            last_id = parse_id(argv[j], strict=True)
        else:
            raise CommandError(errors.XCLAIM_UNKNOWN_OPTION % arg(argv[j]))
        j += 1
    propagate_last_id = False
    if last_id > group.last_id:
        group.last_id = last_id
        propagate_last_id = True
    if delivery == -1 or delivery < 0 or delivery > now:
        delivery = now  # a bogus IDLE or TIME means "delivered now"
    consumer = None
    out = []
    props = []
    for sid, id_arg in zip(sids, id_args):
        nack = group.pel.get(sid)
        fields = s.entries.get(sid)
        if fields is None:  # gone from the stream: it leaves the PEL
            if nack is not None:
                props.append(_xclaim_argv(key, group_name, group, id_arg, nack))
                propagate_last_id = False
                c.engine.dirty += 1
                group.unpend(sid)
            continue
        if force and nack is None:
            nack = group.pel[sid] = Nack(None, now)
        if nack is None:
            continue
        if nack.consumer is not None and min_idle and now - nack.delivery_time < min_idle:
            continue
        if consumer is None:
            consumer = _consumer(c, key, group, name)[0]
        group.assign(sid, nack, consumer)
        nack.delivery_time = delivery
        if retrycount >= 0:
            nack.delivery_count = retrycount
        elif not justid:
            nack.delivery_count += 1
        out.append(format_id(sid) if justid else [format_id(sid), fields])
        props.append(_xclaim_argv(key, group_name, group, id_arg, nack))
        propagate_last_id = False
        c.engine.dirty += 1
    if propagate_last_id:
        props.append(_setid_argv(key, group_name, group))
        c.engine.dirty += 1
    _propagate(c, props)
    return out


_XAUTOCLAIM_ATTEMPTS = 10
_XAUTOCLAIM_MAX_COUNT = LLONG_MAX // 16  # LONG_MAX / max(sizeof(streamID), attempts)


@command("xautoclaim", -6, "write fast", keys=(1, 1, 1), group="stream", since="6.2.0",
         tips="nondeterministic_output",
         summary="Changes (or acquires) ownership of messages in a consumer group, as if the "
                 "messages were delivered to the specified consumer.",
         complexity="O(1) if COUNT is small.")
def xautoclaim(c: Client, argv: list[bytes]) -> Any:
    key, group_name, name = argv[1], argv[2], argv[3]
    min_idle = max(parse_int(argv[4], errors.XAUTOCLAIM_MIN_IDLE), 0)
    start = _range_bounds(argv[5], None)[0]
    count = 100
    justid = False
    n = len(argv)
    j = 6
    while j < n:
        opt = argv[j].lower()
        if opt == b"count" and j + 1 < n:
            count = parse_int(argv[j + 1], errors.COUNT_NOT_POSITIVE)
            if not 1 <= count <= _XAUTOCLAIM_MAX_COUNT:
                raise CommandError(errors.COUNT_NOT_POSITIVE)
            j += 1
        elif opt == b"justid":
            justid = True
        else:
            raise CommandError(errors.SYNTAX)
        j += 1
    s, group = _group_or_nogroup(c, key, group_name)
    attempts = count * _XAUTOCLAIM_ATTEMPTS
    now = c.engine.now_ms
    consumer = None
    claimed = []
    deleted = []
    props = []
    pel = group.pel
    keys = pel.keys()
    pos = pel.bisect_left(start)
    cursor = 0
    while pos < len(keys):
        sid = keys[pos]
        if not attempts or not count:
            cursor = sid
            break
        attempts -= 1
        nack = pel[sid]
        fields = s.entries.get(sid)
        sid_text = format_id(sid)
        if fields is None:  # gone from the stream: it leaves the PEL
            props.append(_xclaim_argv(key, group_name, group, sid_text, nack))
            c.engine.dirty += 1
            group.unpend(sid)
            deleted.append(sid_text)
            count -= 1
            continue
        pos += 1
        if min_idle and now - nack.delivery_time < min_idle:
            continue
        if consumer is None:
            consumer = _consumer(c, key, group, name)[0]
        group.assign(sid, nack, consumer)
        nack.delivery_time = now
        if not justid:
            nack.delivery_count += 1
        claimed.append(sid_text if justid else [sid_text, fields])
        count -= 1
        props.append(_xclaim_argv(key, group_name, group, sid_text, nack))
        c.engine.dirty += 1
    _propagate(c, props)
    return [format_id(cursor), claimed, deleted]


# ------------------------------------------------------------------ XGROUP

_xgroup = container("xgroup", group="stream", since="5.0.0",
                    summary="A container for consumer groups commands")
_xgroup.categories = ("slow",)  # Redis gives containers no category of their own group

_XGROUP_HELP = [
    "CREATE <key> <groupname> <id|$> [option]",
    "    Create a new consumer group. Options are:",
    "    * MKSTREAM",
    "      Create the empty stream if it does not exist.",
    "    * ENTRIESREAD entries_read",
    "      Set the group's entries_read counter (internal use).",
    "CREATECONSUMER <key> <groupname> <consumer>",
    "    Create a new consumer in the specified group.",
    "DELCONSUMER <key> <groupname> <consumer>",
    "    Remove the specified consumer.",
    "DESTROY <key> <groupname>",
    "    Remove the specified group.",
    "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
    "    Set the current group ID and entries_read counter.",
]


@command("xgroup|help", 2, "loading stale", group="stream", since="5.0.0",
         summary="Show helpful text about the different subcommands")
def xgroup_help(c: Client, argv: list[bytes]) -> Any:
    return help_reply(argv[0], _XGROUP_HELP)


def _subcommand_syntax(argv: list[bytes]) -> CommandError:
    return CommandError(errors.SUBCOMMAND_SYNTAX % (arg(argv[1], 128), arg(argv[0].upper())))


def _entries_read(b: bytes) -> int:
    v = parse_int(b)
    if v < 0 and v != INVALID_ENTRIES_READ:
        raise CommandError(errors.ENTRIESREAD_INVALID)
    return v


def _xgroup_target(c: Client, argv: list[bytes], mkstream: bool = False,
                   need_group: bool = True) -> tuple:
    """xgroupCommand()'s common checks: the stream (unless MKSTREAM) and the group."""
    s = _lookup(c.db, argv[2], write=True)
    if s is None and not mkstream:
        raise CommandError(errors.XGROUP_NO_KEY)
    group = s.groups.get(argv[3]) if s is not None else None
    if group is None and need_group:
        raise CommandError(errors.STREAM_NOGROUP_FOR_KEY % (arg(argv[3]), arg(argv[2])))
    return s, group


def _group_start(s: StreamValue | None, b: bytes, strict: bool) -> int:
    if b == b"$":
        return s.last_id if s is not None else 0
    return parse_id(b, strict=strict)


@command("xgroup|create", -5, "write denyoom", keys=(2, 2, 1), group="stream", since="5.0.0",
         summary="Create a consumer group.")
def xgroup_create(c: Client, argv: list[bytes]) -> Any:
    mkstream = False
    entries_read = INVALID_ENTRIES_READ
    n = len(argv)
    i = 5
    while i < n:
        opt = argv[i].lower()
        if opt == b"mkstream":
            mkstream = True
            i += 1
        elif opt == b"entriesread" and i + 1 < n:
            entries_read = _entries_read(argv[i + 1])
            i += 2
        else:
            raise _subcommand_syntax(argv)
    s, group = _xgroup_target(c, argv, mkstream, need_group=False)
    if n > 8:
        raise _subcommand_syntax(argv)
    key = argv[2]
    last_id = _group_start(s, argv[4], True)
    if s is None:
        s = StreamValue()
        c.db.add(key, s)
        c.db.signal_modified(key)
    if group is not None:
        raise CommandError(errors.BUSYGROUP)
    s.groups[argv[3]] = ConsumerGroup(last_id, entries_read)
    c.db.resized(s)
    _group_event(c, key, b"xgroup-create")
    return OK


@command("xgroup|setid", -5, "write", keys=(2, 2, 1), group="stream", since="5.0.0",
         summary="Set a consumer group to an arbitrary last delivered ID value.")
def xgroup_setid(c: Client, argv: list[bytes]) -> Any:
    entries_read = INVALID_ENTRIES_READ
    if len(argv) == 7 and argv[5].lower() == b"entriesread":
        entries_read = _entries_read(argv[6])
    elif len(argv) != 5:
        raise _subcommand_syntax(argv)
    s, group = _xgroup_target(c, argv)
    group.last_id = _group_start(s, argv[4], False)  # "-" and "+" too
    group.entries_read = entries_read
    _group_event(c, argv[2], b"xgroup-setid")
    return OK


@command("xgroup|destroy", 4, "write", keys=(2, 2, 1), group="stream", since="5.0.0",
         summary="Destroy a consumer group.",
         complexity="O(N) where N is the number of entries in the group's pending entries list "
                    "(PEL).")
def xgroup_destroy(c: Client, argv: list[bytes]) -> Any:
    s, group = _xgroup_target(c, argv, need_group=False)
    if group is None:
        return 0
    del s.groups[argv[3]]
    c.db.resized(s)
    _group_event(c, argv[2], b"xgroup-destroy")
    c.engine.signal_key_ready(c.db, argv[2])  # its blocked readers get NOGROUP
    return 1


@command("xgroup|createconsumer", 5, "write denyoom", keys=(2, 2, 1), group="stream",
         since="6.2.0", summary="Create a consumer in a consumer group.")
def xgroup_createconsumer(c: Client, argv: list[bytes]) -> Any:
    _s, group = _xgroup_target(c, argv)
    if group.create_consumer(argv[4], c.engine.now_ms) is None:
        return 0
    _group_event(c, argv[2], b"xgroup-createconsumer")
    return 1


@command("xgroup|delconsumer", 5, "write", keys=(2, 2, 1), group="stream", since="5.0.0",
         summary="Delete a consumer from a consumer group.")
def xgroup_delconsumer(c: Client, argv: list[bytes]) -> Any:
    _s, group = _xgroup_target(c, argv)
    consumer = group.consumers.get(argv[4])
    if consumer is None:
        return 0
    pending = len(consumer.pel)
    group.delete_consumer(consumer)
    _group_event(c, argv[2], b"xgroup-delconsumer")
    return pending


# ------------------------------------------------------------------ XSETID


@command("xsetid", -3, "write denyoom fast", keys=(1, 1, 1), group="stream", since="5.0.0",
         summary="An internal command for replicating stream values")
def xsetid(c: Client, argv: list[bytes]) -> Any:
    sid = parse_id(argv[2], strict=True)
    entries_added = -1
    max_deleted = 0
    n = len(argv)
    i = 3
    while i < n:
        opt = argv[i].lower()
        if opt == b"entriesadded" and i + 1 < n:
            entries_added = parse_int(argv[i + 1])
            if entries_added < 0:
                raise CommandError(errors.XSETID_ENTRIES_ADDED_NEGATIVE)
        elif opt == b"maxdeletedid" and i + 1 < n:
            max_deleted = parse_id(argv[i + 1], strict=True)
            if sid < max_deleted:
                raise CommandError(errors.XSETID_BELOW_GIVEN_MAX_DELETED)
        else:
            raise CommandError(errors.SYNTAX)
        i += 2
    s = _lookup(c.db, argv[1], write=True)
    if s is None:
        raise CommandError(errors.NO_SUCH_KEY)
    if s.ids:
        if sid < s.ids[-1]:
            raise CommandError(errors.XSETID_TOO_SMALL)
        if entries_added != -1 and len(s) > entries_added:
            raise CommandError(errors.XSETID_ENTRIES_ADDED_TOO_SMALL)
    s.last_id = sid
    if entries_added != -1:
        s.entries_added = entries_added
    if max_deleted:
        s.max_deleted_id = max_deleted
    c.engine.dirty += 1
    c.engine.notify_keyspace_event(notify.STREAM, b"xsetid", argv[1], c.db.id)
    return OK


# ------------------------------------------------------------------ XINFO

_xinfo = container("xinfo", group="stream", since="5.0.0",
                   summary="A container for stream introspection commands")
_xinfo.categories = ("slow",)

_XINFO_HELP = [
    "CONSUMERS <key> <groupname>",
    "    Show consumers of <groupname>.",
    "GROUPS <key>",
    "    Show the stream consumer groups.",
    "STREAM <key> [FULL [COUNT <count>]",
    "    Show information about the stream.",
]


@command("xinfo|help", 2, "loading stale", group="stream", since="5.0.0",
         summary="Show helpful text about the different subcommands")
def xinfo_help(c: Client, argv: list[bytes]) -> Any:
    return help_reply(argv[0], _XINFO_HELP)


def _xinfo_stream_value(c: Client, key: bytes) -> StreamValue:
    s = _lookup(c.db, key)
    if s is None:
        raise CommandError(errors.NO_SUCH_KEY)
    return s


@command("xinfo|consumers", 4, "readonly", keys=(2, 2, 1), group="stream", since="5.0.0",
         tips="nondeterministic_output", summary="List the consumers in a consumer group")
def xinfo_consumers(c: Client, argv: list[bytes]) -> Any:
    s = _xinfo_stream_value(c, argv[2])
    group = s.groups.get(argv[3])
    if group is None:
        raise CommandError(errors.STREAM_NOGROUP_FOR_KEY % (arg(argv[3]), arg(argv[2])))
    now = c.engine.now_ms
    return [{b"name": name, b"pending": len(consumer.pel),
             b"idle": max(now - consumer.seen_time, 0)}
            for name, consumer in sorted(group.consumers.items())]


@command("xinfo|groups", 3, "readonly", keys=(2, 2, 1), group="stream", since="5.0.0",
         summary="List the consumer groups of a stream")
def xinfo_groups(c: Client, argv: list[bytes]) -> Any:
    s = _xinfo_stream_value(c, argv[2])
    return [{b"name": name, b"consumers": len(g.consumers), b"pending": len(g.pel),
             b"last-delivered-id": format_id(g.last_id),
             b"entries-read": None if g.entries_read == INVALID_ENTRIES_READ else g.entries_read,
             b"lag": s.lag(g)}
            for name, g in sorted(s.groups.items())]


@command("xinfo|stream", -3, "readonly", keys=(2, 2, 1), group="stream", since="5.0.0",
         summary="Get information about a stream")
def xinfo_stream(c: Client, argv: list[bytes]) -> Any:
    s = _xinfo_stream_value(c, argv[2])
    n = len(argv) - 2
    full = n > 1
    count = 10
    if full:
        if n not in (2, 4) or argv[3].lower() != b"full" or \
                (n == 4 and argv[4].lower() != b"count"):
            raise _subcommand_syntax(argv)
        if n == 4:
            count = parse_int(argv[5])
            if count < 0:
                count = 10
    info: dict = {
        b"length": len(s),
        b"radix-tree-keys": len(s.masters),
        b"radix-tree-nodes": s.rax_nodes(),
        b"last-generated-id": format_id(s.last_id),
        b"max-deleted-entry-id": format_id(s.max_deleted_id),
        b"entries-added": s.entries_added,
        b"recorded-first-entry-id": format_id(s.first_id),
    }
    if not full:
        info[b"groups"] = len(s.groups)
        first = s.range(0, MAX_ID, 1)
        last = s.range(0, MAX_ID, 1, rev=True)
        info[b"first-entry"] = first[0] if first else None
        info[b"last-entry"] = last[0] if last else None
        return info
    info[b"entries"] = s.range(0, MAX_ID, count)
    groups = []
    for name, g in sorted(s.groups.items()):
        pending = [[format_id(sid), nack.consumer.name, nack.delivery_time,
                    nack.delivery_count]
                   for sid, nack in (g.pel.items()[:count] if count else g.pel.items())]
        consumers = []
        for cname, consumer in sorted(g.consumers.items()):
            items = consumer.pel.items()
            consumers.append({
                b"name": cname, b"seen-time": consumer.seen_time,
                b"pel-count": len(consumer.pel),
                b"pending": [[format_id(sid), nack.delivery_time, nack.delivery_count]
                             for sid, nack in (items[:count] if count else items)],
            })
        groups.append({
            b"name": name, b"last-delivered-id": format_id(g.last_id),
            b"entries-read": None if g.entries_read == INVALID_ENTRIES_READ else g.entries_read,
            b"lag": s.lag(g), b"pel-count": len(g.pel), b"pending": pending,
            b"consumers": consumers,
        })
    info[b"groups"] = groups
    return info
