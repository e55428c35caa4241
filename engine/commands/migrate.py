"""MIGRATE: move keys to another Redis-protocol server (Redis's cluster.c migrateCommand).

Like Redis, the transfer is synchronous: the engine connects (with the command's timeout),
sends AUTH / SELECT and a RESTORE per key with its DUMP payload and remaining TTL, reads the
replies, and deletes the keys the target accepted unless COPY (propagated as DEL)."""

import socket
import time
from typing import Any, List, Optional

import hiredis

from .. import errors, notify
from ..connection import Client
from ..errors import CommandError
from ..persistence import rdb
from ..replies import Status
from .args import parse_int
from .table import command

NOKEY = Status("NOKEY")
REDACTED = b"(redacted)"


def _resp(*args: bytes) -> bytes:
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def _read_reply(sock: socket.socket, reader: Any) -> Any:
    while True:
        reply = reader.gets()
        if reply is not False:
            return reply
        data = sock.recv(65536)
        if not data:
            raise OSError("connection closed")
        reader.feed(data)


@command("migrate", -6, "write", keys=(3, 3, 1), acl="dangerous",
         since="2.6.0", tips="nondeterministic_output",
         complexity="This command actually executes a DUMP+DEL in the source instance, and a "
                    "RESTORE in the target instance. See the pages of these commands for time "
                    "complexity. Also an O(N) data transfer between the two instances is "
                    "performed.",
         summary="Atomically transfer a key from a Redis instance to another one.")
def migrate(c: Client, argv: List[bytes]) -> Any:
    copy = replace = False
    auth: Optional[List[bytes]] = None
    first_key, num_keys = 3, 1
    j = 6
    while j < len(argv):
        opt = argv[j].lower()
        more = len(argv) - j - 1
        if opt == b"copy":
            copy = True
        elif opt == b"replace":
            replace = True
        elif opt == b"auth":
            if not more:
                raise CommandError(errors.SYNTAX)
            j += 1
            auth = [argv[j]]
            argv[j] = REDACTED   # redactClientCommandArgument(): not in slowlog/MONITOR
        elif opt == b"auth2":
            if more < 2:
                raise CommandError(errors.SYNTAX)
            auth = [argv[j + 1], argv[j + 2]]
            argv[j + 1] = argv[j + 2] = REDACTED
            j += 2
        elif opt == b"keys":
            if argv[3]:
                raise CommandError(errors.MIGRATE_KEYS_NEEDS_EMPTY_KEY)
            first_key, num_keys = j + 1, len(argv) - j - 1
            break
        else:
            raise CommandError(errors.SYNTAX)
        j += 1
    timeout = parse_int(argv[5])
    dbid = parse_int(argv[4])
    if timeout <= 0:
        timeout = 1000
    db = c.db
    keys = [k for k in argv[first_key:first_key + num_keys] if db.lookup_read(k) is not None]
    if not keys:
        return NOKEY
    try:
        sock = socket.create_connection((argv[1].decode("utf-8", "replace"),
                                         int(argv[2])), timeout / 1000)
    except ConnectionRefusedError:
        # Redis connects without blocking: a refusal surfaces at the first write
        raise CommandError(errors.MIGRATE_IOERR % "writing") from None
    except (OSError, ValueError, OverflowError):
        raise CommandError(errors.MIGRATE_IOERR_CONNECT) from None
    eng = c.engine
    enc = rdb.Encoder(eng.config.values)
    now = int(time.time() * 1000)
    out = []
    if auth is not None:
        out.append(_resp(b"AUTH", *auth))
    out.append(_resp(b"SELECT", b"%d" % dbid))
    sent = []
    for key in keys:
        ttl = 0
        when = db.get_expire(key)
        if when != -1:
            ttl = when - now
            if ttl < 0:
                continue
            ttl = max(ttl, 1)
        value = db.lookup_read(key, touch=False)
        if value is None:
            continue
        payload = rdb.dump_payload(value, enc)
        extra = [b"REPLACE"] if replace else []
        out.append(_resp(b"RESTORE", key, b"%d" % ttl, payload, *extra))
        sent.append(key)
    reader = hiredis.Reader()
    error = None
    moved: List[bytes] = []
    try:
        with sock:
            try:
                sock.sendall(b"".join(out))
            except OSError:
                raise CommandError(errors.MIGRATE_IOERR % "writing") from None
            try:
                for setup in ([b"AUTH"] if auth is not None else []) + [b"SELECT"]:
                    reply = _read_reply(sock, reader)
                    if isinstance(reply, hiredis.ReplyError):
                        raise CommandError(errors.MIGRATE_TARGET_ERROR % reply)
                for key in sent:
                    reply = _read_reply(sock, reader)
                    if isinstance(reply, hiredis.ReplyError):
                        error = str(reply)
                    elif not copy:
                        moved.append(key)
            except OSError:
                raise CommandError(errors.MIGRATE_IOERR % "reading") from None
    finally:
        for key in moved:  # what the target took is gone here, as after a DEL
            if db.delete(key):
                db.signal_modified(key)
                eng.notify_keyspace_event(notify.GENERIC, b"del", key, db.id)
                eng.dirty += 1
        c.propagate_argv = [b"DEL", *moved] if moved else None
    if error is not None:
        raise CommandError(errors.MIGRATE_TARGET_ERROR % error)
    return Status("OK")
