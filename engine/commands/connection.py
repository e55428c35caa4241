"""Connection commands: PING ECHO QUIT RESET SELECT AUTH HELLO."""

from typing import Any, List

from native.dispatch import fast_path

from ..replies import OK, PONG, Status

from .. import errors
from ..config import REDIS_VERSION
from ..connection import REPLY_ON, Client, unwatch_all
from ..errors import CommandError, arg
from .args import parse_int
from .table import command

HELLO_SYNTAX = "ERR Syntax error in HELLO option '%s'"


@command("ping", -1, "fast sentinel", group="connection",
         tips="request_policy:all_shards response_policy:all_succeeded",
         summary="Returns the server's liveliness response.")
@fast_path("ping")
def ping(c: Client, argv: List[bytes]) -> Any:
    if len(argv) > 2:
        raise CommandError(errors.WRONG_ARITY % "ping")
    if c.in_pubsub and c.resp == 2:
        # a subscribed RESP2 client gets PING as a pub/sub-shaped array
        return [b"pong", argv[1] if len(argv) == 2 else b""]
    return argv[1] if len(argv) == 2 else PONG


@command("echo", 2, "loading stale fast", group="connection", summary="Returns the given string.")
def echo(c: Client, argv: List[bytes]) -> Any:
    return argv[1]


@command("quit", -1, "noscript loading stale fast no_auth allow_busy", group="connection",
         summary="Closes the connection.")
def quit_(c: Client, argv: List[bytes]) -> Any:
    c.close_after_reply = True
    return OK


@command("select", 2, "loading stale fast", group="connection", since="1.0.0",
         summary="Changes the selected database.")
def select(c: Client, argv: List[bytes]) -> Any:
    index = parse_int(argv[1])
    if index < -(2 ** 31) or index >= 2 ** 31:
        raise CommandError(errors.NOT_INTEGER)
    dbs = c.engine.dbs
    if index < 0 or index >= len(dbs):
        raise CommandError(errors.DB_INDEX)
    c.db = dbs[index]
    return OK


@command("auth", -2, "noscript loading stale fast no_auth allow_busy sentinel",
         group="connection", summary="Authenticates the connection.")
def auth(c: Client, argv: List[bytes]) -> Any:
    if len(argv) > 3:
        raise CommandError(errors.SYNTAX)
    acl = c.engine.acl
    if len(argv) == 2:
        username, password = b"default", argv[1]
    else:
        username, password = argv[1], argv[2]
    for i in range(1, len(argv)):  # redactClientCommandArgument, before any error as Redis
        argv[i] = b"(redacted)"    # does: MONITOR and the slowlog never see them
    if len(argv) == 2 and acl.default.nopass:  # the one-argument form needs a password
        raise CommandError(errors.AUTH_NO_PASSWORD)
    if not acl.authenticate(c, username, password, argv[0]):
        raise CommandError(errors.WRONGPASS)
    return OK


def valid_client_name(name: bytes) -> bool:
    """clientSetName(): printable ASCII without spaces."""
    return all(33 <= ch <= 126 for ch in name)


@command("hello", -1, "noscript loading stale fast no_auth allow_busy sentinel",
         group="connection", since="6.0.0",
         summary="Handshakes with the Redis server.")
def hello(c: Client, argv: List[bytes]) -> Any:
    ver = 0
    if len(argv) >= 2:
        try:
            ver = parse_int(argv[1], errors.PROTOCOL_VERSION_NOT_INT)
        except CommandError:
            raise
        if ver < 2 or ver > 3:
            raise CommandError(errors.NOPROTO)
    username = password = name = None
    i = 2
    while i < len(argv):
        opt = argv[i].lower()
        more = len(argv) - i - 1
        if opt == b"auth" and more >= 2:
            username, password = argv[i + 1], argv[i + 2]
            argv[i + 1] = argv[i + 2] = b"(redacted)"
            i += 3
        elif opt == b"setname" and more >= 1:
            name = argv[i + 1]
            i += 2
        else:
            raise CommandError(HELLO_SYNTAX % arg(argv[i]))
    if username is not None:
        if not c.engine.acl.authenticate(c, username, password or b"", argv[0]):
            raise CommandError(errors.WRONGPASS)
    if not c.authenticated:
        raise CommandError(errors.NOAUTH_HELLO)
    if name is not None:
        if not valid_client_name(name):
            raise CommandError(errors.CLIENT_NAME_SPACES)
        c.name = name or None
    if ver:
        c.resp = ver
    role = "replica" if c.engine.replication is not None and \
        getattr(c.engine.replication, "is_replica", False) else "master"
    return {"server": b"redis", "version": REDIS_VERSION.encode(), "proto": c.resp,
            "id": c.id, "mode": b"standalone", "role": role.encode(), "modules": []}


@command("reset", 1, "noscript loading stale fast no_auth allow_busy", group="connection",
         since="6.2.0", summary="Resets the connection.")
def reset(c: Client, argv: List[bytes]) -> Any:
    """resetCommand(): back to a fresh connection's state."""
    eng = c.engine
    c.multi = None
    c.multi_error = False
    c.dirty_cas = False
    if c.watched:
        unwatch_all(c)
    hook = getattr(eng, "reset_client_hook", None)
    if hook is not None:
        hook(c)  # pub/sub, tracking, blocking register their cleanup here
    if c.in_monitor:
        c.in_monitor = False
        if c in eng.monitors:
            eng.monitors.remove(c)
    c.db = eng.dbs[0]
    c.resp = 2
    c.name = None
    c.reply_mode = REPLY_ON
    c.no_evict = False
    eng.acl.set_default_auth(c)  # clientSetDefaultAuth()
    return Status("RESET")
