"""Server commands (Redis's server.c, config.c, networking.c, debug.c, slowlog.c, latency.c,
object.c MEMORY, lolwut.c): INFO CONFIG CLIENT TIME DEBUG SLOWLOG LATENCY MEMORY MONITOR
SHUTDOWN LOLWUT."""

import gc
import hashlib
import math
import random
import re
import time
from collections.abc import Iterable
from typing import Any

from native.resp_common import BigNumber
from native.resp_py import string2ll

from .. import errors
from ..config import OPTIONS, REDIS_VERSION, ConfigError, canonical, parse_memory
from ..persistence import rdb
from ..connection import REPLY_OFF, REPLY_ON, REPLY_SKIP_NEXT, Client
from ..errors import CommandError, arg
from ..glob import stringmatch
from ..info import info_text, memory_overview
from ..keyspace import key_cost, type_name, value_cost
from ..latency import graph, report, series_for
from ..latency_histogram import command_reply
from ..log import NOTICE, WARNING
from ..replies import NO_REPLY, OK, Attribute, Push, SetReply, Status, Verbatim
from .args import LLONG_MAX, parse_int
from .connection import valid_client_name
from .keys import help_reply, object_encoding, object_refcount
from .table import TABLE, command, container

REDACTED = b"(redacted)"
SENSITIVE_CONFIGS = frozenset(("requirepass", "masterauth"))


def _log(c: Client, level: int, msg: str) -> None:
    for server in c.engine.servers:
        server.log(level, msg)


def _allowed(c: Client, option: str) -> bool:
    """allowProtectedAction(): "yes", or "local" for a unix socket or loopback client."""
    setting = c.engine.config.values[option]
    if setting != "local":
        return setting == "yes"
    if getattr(c, "unix", False) or c.kind == "embedded":
        return True
    host = c.addr.rsplit(":", 1)[0].strip("[]")
    return host.startswith("127.") or host == "::1"


def _subcommand_syntax(argv: list[bytes]) -> CommandError:
    """addReplySubcommandSyntaxError()."""
    return CommandError(errors.SUBCOMMAND_SYNTAX % (arg(argv[1], 128), arg(argv[0].upper())))


def _int_between(b: bytes, lo: int, hi: int, error: str) -> int:
    """getRangeLongFromObjectOrReply() with a custom message for both failures."""
    v = string2ll(b)
    if v is None or v < lo or v > hi:
        raise CommandError(error)
    return v


# =================================================================== INFO
@command("info", -1, "loading stale", acl="dangerous", group="server",
         tips="nondeterministic_output request_policy:all_shards response_policy:special",
         summary="Get information and statistics about the server")
def info(c: Client, argv: list[bytes]) -> Any:
    return Verbatim(info_text(c.engine, argv[1:]))


# =================================================================== CONFIG
container("config", group="server", since="2.0.0",
          summary="A container for server configuration commands")

_CONFIG_HELP = [
    "GET <pattern>",
    "    Return parameters matching the glob-like <pattern> and their values.",
    "SET <directive> <value>",
    "    Set the configuration <directive> to <value>.",
    "RESETSTAT",
    "    Reset statistics reported by the INFO command.",
    "REWRITE",
    "    Rewrite the configuration file.",
]


@command("config|help", 2, "loading stale", group="server", since="5.0.0",
         summary="Show helpful text about the different subcommands")
def config_help(c: Client, argv: list[bytes]) -> Any:
    return help_reply(argv[0], _CONFIG_HELP)


@command("config|get", -3, "admin noscript loading stale", group="server", since="2.0.0",
         complexity="O(N) when N is the number of configuration parameters provided",
         summary="Get the values of configuration parameters")
def config_get(c: Client, argv: list[bytes]) -> Any:
    cfg = c.engine.config
    found: dict[str, tuple[bytes, bytes]] = {}   # lowercase name -> (name shown, value)

    def add(key: str, shown: bytes, name: str) -> None:
        if key not in found:
            found[key] = (shown, OPTIONS[name].format(cfg.values[name]).encode(
                "utf-8", "surrogateescape"))

    for pattern in argv[2:]:
        if not any(ch in pattern for ch in b"[*?"):
            # an exact name answers under the spelling it was asked with
            name = canonical(pattern.decode("utf-8", "surrogateescape"))
            if name is not None:
                add(pattern.lower().decode("utf-8", "surrogateescape"), pattern, name)
            continue
        for name, opt in OPTIONS.items():
            if opt.hidden:   # HIDDEN_CONFIG: answered by exact name only
                continue
            for alias in (name,) + opt.aliases:
                if stringmatch(pattern, alias.encode(), nocase=True):
                    add(alias, alias.encode(), name)
    return dict(found.values())


@command("config|set", -4, "admin noscript loading stale", group="server", since="2.0.0",
         tips="request_policy:all_nodes response_policy:all_succeeded",
         complexity="O(N) when N is the number of configuration parameters provided",
         summary="Set configuration parameters to the given values")
def config_set(c: Client, argv: list[bytes]) -> Any:
    if len(argv) % 2:
        raise CommandError(errors.SYNTAX)
    text = [a.decode("utf-8", "surrogateescape") for a in argv]
    pairs = [(text[i], text[i + 1]) for i in range(2, len(argv), 2)]
    for i in range(2, len(argv), 2):
        # the slowlog and MONITOR must never show a password (redactClientCommandArgument)
        if canonical(text[i]) in SENSITIVE_CONFIGS:
            argv[i + 1] = REDACTED
    try:
        c.engine.config.set_many(pairs, _allowed(c, "enable-protected-configs"))
    except ConfigError as e:
        name, reason = e.args
        if reason is None:
            raise CommandError(errors.CONFIG_SET_UNKNOWN % name) from None
        raise CommandError(errors.CONFIG_SET_FAILED % (name, reason)) from None
    return OK


def reset_command_stats(cmds: Iterable[Any]) -> None:
    for cmd in cmds:
        cmd.reset_stats()
        if cmd.subcommands:
            reset_command_stats(cmd.subcommands.values())


@command("config|resetstat", 2, "admin noscript loading stale", group="server",
         since="2.0.0", summary="Reset the stats returned by INFO")
def config_resetstat(c: Client, argv: list[bytes]) -> Any:
    c.engine.stats.reset()
    c.engine.evictor.reset_stats()
    reset_command_stats(c.engine.table.values())
    return OK


@command("config|rewrite", 2, "admin noscript loading stale", group="server", since="2.8.0",
         summary="Rewrite the configuration file with the in memory configuration")
def config_rewrite(c: Client, argv: list[bytes]) -> Any:
    cfg = c.engine.config
    if not cfg.file:
        raise CommandError(errors.NO_CONFIG_FILE)
    try:
        cfg.rewrite()
    except ConfigError as e:
        _log(c, WARNING, f"CONFIG REWRITE failed: {e}")
        raise CommandError(errors.CONFIG_REWRITE_FAILED % e) from None
    _log(c, NOTICE, "CONFIG REWRITE executed with success.")
    return OK


# =================================================================== CLIENT
_client = container("client", group="connection", since="2.4.0",
                    summary="A container for client connection commands")
_client.categories = ("slow",)  # Redis gives containers no category of their own group

_CLIENT_HELP = [
    "CACHING (YES|NO)",
    "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
    "GETREDIR",
    "    Return the client ID we are redirecting to when tracking is enabled.",
    "GETNAME",
    "    Return the name of the current connection.",
    "ID",
    "    Return the ID of the current connection.",
    "INFO",
    "    Return information about the current client connection.",
    "KILL <ip:port>",
    "    Kill connection made from <ip:port>.",
    "KILL <option> <value> [<option> <value> [...]]",
    "    Kill connections. Options are:",
    "    * ADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made from the specified address",
    "    * LADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made to specified local address",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Kill connections by type.",
    "    * USER <username>",
    "      Kill connections authenticated by <username>.",
    "    * SKIPME (YES|NO)",
    "      Skip killing current connection (default: yes).",
    "LIST [options ...]",
    "    Return information about client connections. Options:",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Return clients of specified type.",
    "UNPAUSE",
    "    Stop the current client pause, resuming traffic.",
    "PAUSE <timeout> [WRITE|ALL]",
    "    Suspend all, or just write, clients for <timeout> milliseconds.",
    "REPLY (ON|OFF|SKIP)",
    "    Control the replies sent to the current connection.",
    "SETNAME <name>",
    "    Assign the name <name> to the current connection.",
    "UNBLOCK <clientid> [TIMEOUT|ERROR]",
    "    Unblock the specified blocked client.",
    "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
    "         [OPTIN] [OPTOUT] [NOLOOP]",
    "    Control server assisted client side caching.",
    "TRACKINGINFO",
    "    Report tracking status for the current connection.",
    "NO-EVICT (ON|OFF)",
    "    Protect current client connection from eviction.",
]

CLIENT_TYPES = {b"normal": "normal", b"slave": "replica", b"replica": "replica",
                b"pubsub": "pubsub", b"master": "master"}


def client_type(c: Client) -> str:
    """getClientType(): MONITOR clients count as normal ones."""
    if c.is_master:
        return "master"
    if c.is_replica and not c.in_monitor:
        return "replica"
    if c.subscribed:
        return "pubsub"
    return "normal"


def _parse_client_type(b: bytes) -> str:
    kind = CLIENT_TYPES.get(b.lower())
    if kind is None:
        raise CommandError(errors.CLIENT_KILL_TYPE % arg(b))
    return kind


@command("client|help", 2, "loading stale", group="connection", since="5.0.0",
         summary="Show helpful text about the different subcommands")
def client_help(c: Client, argv: list[bytes]) -> Any:
    return help_reply(argv[0], _CLIENT_HELP)


@command("client|id", 2, "noscript loading stale", group="connection", since="5.0.0",
         summary="Returns the client ID for the current connection")
def client_id(c: Client, argv: list[bytes]) -> Any:
    return c.id


@command("client|info", 2, "noscript loading stale", group="connection", since="6.2.0",
         tips="nondeterministic_output",
         summary="Returns information about the current client connection.")
def client_info(c: Client, argv: list[bytes]) -> Any:
    return Verbatim((c.info_line() + "\n").encode("utf-8", "surrogateescape"))


@command("client|list", -2, "admin noscript loading stale", group="connection",
         since="2.4.0", tips="nondeterministic_output",
         complexity="O(N) where N is the number of client connections",
         summary="Get the list of client connections")
def client_list(c: Client, argv: list[bytes]) -> Any:
    clients = c.engine.clients
    if len(argv) == 4 and argv[2].lower() == b"type":
        kind = _parse_client_type(argv[3])
        chosen = [cl for cl in clients.values() if client_type(cl) == kind]
    elif len(argv) > 3 and argv[2].lower() == b"id":
        chosen = []
        for a in argv[3:]:
            cid = parse_int(a, errors.CLIENT_INVALID_ID)
            if cid in clients:
                chosen.append(clients[cid])
    elif len(argv) != 2:
        raise CommandError(errors.SYNTAX)
    else:
        chosen = list(clients.values())
    return Verbatim("".join(cl.info_line() + "\n" for cl in chosen).encode(
        "utf-8", "surrogateescape"))


@command("client|kill", -3, "admin noscript loading stale", group="connection",
         since="2.4.0", complexity="O(N) where N is the number of client connections",
         summary="Kill the connection of a client")
def client_kill(c: Client, argv: list[bytes]) -> Any:
    addr = laddr = user = kind = None
    cid = 0
    skipme = True
    if len(argv) == 3:  # the old form, CLIENT KILL addr: one may kill oneself
        addr = argv[2]
        skipme = False
    elif len(argv) % 2 == 0:
        for i in range(2, len(argv), 2):
            opt, val = argv[i].lower(), argv[i + 1]
            if opt == b"id":
                cid = _int_between(val, 1, LLONG_MAX, errors.CLIENT_KILL_ID)
            elif opt == b"type":
                kind = _parse_client_type(val)
            elif opt == b"addr":
                addr = val
            elif opt == b"laddr":
                laddr = val
            elif opt == b"user":
                user = c.engine.acl.users.get(val)
                if user is None:
                    raise CommandError(errors.NO_SUCH_USER % arg(val))
            elif opt == b"skipme":
                low = val.lower()
                if low not in (b"yes", b"no"):
                    raise CommandError(errors.SYNTAX)
                skipme = low == b"yes"
            else:
                raise CommandError(errors.SYNTAX)
    else:
        raise CommandError(errors.SYNTAX)
    killed = 0
    for cl in list(c.engine.clients.values()):
        if ((addr is not None and cl.addr.encode() != addr)
                or (laddr is not None and cl.laddr.encode() != laddr)
                or (kind is not None and client_type(cl) != kind)
                or (cid and cl.id != cid)
                or (user is not None and cl.user is not user)
                or (cl is c and skipme)):
            continue
        if cl is c:
            c.close_after_reply = True
        else:
            cl.close()
        killed += 1
    if len(argv) == 3:
        if not killed:
            raise CommandError(errors.NO_SUCH_CLIENT)
        return OK
    return killed


@command("client|setname", 3, "noscript loading stale", group="connection", since="2.6.9",
         summary="Set the current connection name")
def client_setname(c: Client, argv: list[bytes]) -> Any:
    name = argv[2]
    if not valid_client_name(name):
        raise CommandError(errors.CLIENT_NAME_SPACES)
    c.name = name or None
    return OK


@command("client|getname", 2, "noscript loading stale", group="connection", since="2.6.9",
         summary="Get the current connection name")
def client_getname(c: Client, argv: list[bytes]) -> Any:
    return c.name


@command("client|pause", -3, "admin noscript loading stale", group="connection",
         since="2.9.50", summary="Stop processing commands from clients for some time")
def client_pause(c: Client, argv: list[bytes]) -> Any:
    if len(argv) > 4:
        raise _subcommand_syntax(argv)
    pause_all = True
    if len(argv) == 4:
        mode = argv[3].lower()
        if mode not in (b"write", b"all"):
            raise CommandError(errors.CLIENT_PAUSE_MODE)
        pause_all = mode == b"all"
    ms = parse_int(argv[2], errors.CLIENT_TIMEOUT_INVALID)
    if ms < 0:
        raise CommandError(errors.TIMEOUT_NEGATIVE)
    if ms > LLONG_MAX - int(time.time() * 1000):
        raise CommandError(errors.TIMEOUT_OUT_OF_RANGE)
    eng = c.engine
    now = time.monotonic()
    # pauseClients(): a pause in effect keeps the stricter mode and the later end
    if eng.pause_until and eng.pause_until > now:
        eng.pause_all = eng.pause_all or pause_all
    else:
        eng.pause_all = pause_all
    eng.pause_until = max(eng.pause_until, now + ms / 1000.0)
    return OK


@command("client|unpause", 2, "admin noscript loading stale", group="connection",
         since="6.2.0", complexity="O(N) Where N is the number of paused clients",
         summary="Resume processing of clients that were paused")
def client_unpause(c: Client, argv: list[bytes]) -> Any:
    eng = c.engine
    eng.pause_until = 0.0
    if eng.paused_clients:
        from ..server import unpause  # the network layer owns the parked commands
        if eng.loop is not None:
            eng.loop.call_soon(unpause, eng)  # like Redis, resume after this command
        else:
            unpause(eng)
    return OK


@command("client|reply", 3, "noscript loading stale", group="connection", since="3.2.0",
         summary="Instruct the server whether to reply to commands")
def client_reply(c: Client, argv: list[bytes]) -> Any:
    mode = argv[2].lower()
    if mode == b"on":
        c.reply_mode = REPLY_ON
        return OK
    if mode == b"off":
        c.reply_mode = REPLY_OFF
    elif mode == b"skip":
        if c.reply_mode != REPLY_OFF:
            c.reply_mode = REPLY_SKIP_NEXT
    else:
        raise CommandError(errors.SYNTAX)
    return NO_REPLY


@command("client|no-evict", 3, "admin noscript loading stale", group="connection",
         since="7.0.0", summary="Set client eviction mode for the current connection")
def client_no_evict(c: Client, argv: list[bytes]) -> Any:
    mode = argv[2].lower()
    if mode not in (b"on", b"off"):
        raise CommandError(errors.SYNTAX)
    c.no_evict = mode == b"on"
    return OK


# =================================================================== TIME
@command("time", 1, "loading stale fast", group="server", since="2.6.0",
         tips="nondeterministic_output", summary="Return the current server time")
def time_(c: Client, argv: list[bytes]) -> Any:
    now = time.time_ns() // 1000
    return [b"%d" % (now // 1_000_000), b"%d" % (now % 1_000_000)]


# =================================================================== DEBUG
_DEBUG_HELP = [
    "CHANGE-REPL-ID",
    "    Change the replication IDs of the instance.",
    "    Dangerous: should be used only for testing the replication subsystem.",
    "DIGEST",
    "    Output a hex signature representing the current DB content.",
    "DIGEST-VALUE <key> [<key> ...]",
    "    Output a hex signature of the values of all the specified keys.",
    "ERROR <string>",
    "    Return a Redis protocol error with <string> as message. Useful for clients",
    "    unit tests to simulate Redis errors.",
    "LOG <message>",
    "    Write <message> to the server log.",
    "OBJECT <key>",
    "    Show low level info about `key` and associated value.",
    "POPULATE <count> [<prefix>] [<size>]",
    "    Create <count> string keys named key:<num>. If <prefix> is specified then",
    "    it is used instead of the 'key' prefix. These are not propagated to",
    "    replicas. Cluster slots are not respected so keys not belonging to the",
    "    current node can be created in cluster mode.",
    "PROTOCOL <type>",
    "    Reply with a test value of the specified type. <type> can be: string,",
    "    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
    "    true, false.",
    "QUICKLIST-PACKED-THRESHOLD <size>",
    "    Sets the threshold for elements to be inserted as plain vs packed nodes",
    "    Default value is 1GB, allows values up to 4GB. Setting to 0 restores to default.",
    "RELOAD [option ...]",
    "    Save the RDB on disk and reload it back to memory. Valid <option> values:",
    "    * MERGE: conflicting keys will be loaded from RDB.",
    "    * NOFLUSH: the existing database will not be removed before load, but",
    "      conflicting keys will generate an exception and kill the server.",
    "    * NOSAVE: the database will be loaded from an existing RDB file.",
    "    Examples:",
    "    * DEBUG RELOAD: verify that the server is able to persist, flush and reload",
    "      the database.",
    "    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an",
    "      existing RDB file.",
    "    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB",
    "      file to the database.",
    "SET-ACTIVE-EXPIRE <0|1>",
    "    Setting it to 0 disables expiring keys in background when they are not",
    "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
    "    default.",
    "SLEEP <seconds>",
    "    Stop the server for <seconds>. Decimals allowed.",
]

_LEADING_FLOAT = re.compile(rb"\s*[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)")
_LEADING_INT = re.compile(rb"\s*[+-]?\d+")


def _strtod(b: bytes) -> float:
    """C's strtod()/atof(): the longest leading number, 0 when there is none."""
    m = _LEADING_FLOAT.match(b)
    return float(m.group()) if m else 0.0


def _atoi(b: bytes) -> int:
    m = _LEADING_INT.match(b)
    return int(m.group()) if m else 0


def _serialized_length(value: Any) -> int:
    """rdbSavedObjectLen(), roughly: strings exactly as uncompressed RDB stores them."""
    if type(value) in (bytes, bytearray):
        n = string2ll(bytes(value)) if len(value) <= 11 else None
        if n is not None and -(2 ** 31) <= n < 2 ** 31:
            return 2 if -128 <= n < 128 else 3 if -32768 <= n < 32768 else 5
        length = len(value)
        return length + (1 if length < 64 else 2 if length < 16384 else 5)
    return value_cost(value)


@command("debug", -2, "admin noscript loading stale protected", group="server",
         complexity="Depends on subcommand.", summary="A container for debugging commands")
def debug(c: Client, argv: list[bytes]) -> Any:
    eng = c.engine
    if not _allowed(c, "enable-debug-command"):
        raise CommandError(errors.DEBUG_NOT_ALLOWED)
    sub = argv[1].lower()
    n = len(argv)
    if sub == b"help" and n == 2:
        return help_reply(argv[0], _DEBUG_HELP)
    if sub == b"sleep" and n == 3:
        time.sleep(max(0.0, _strtod(argv[2])))  # stops the whole server, as in Redis
        return OK
    if sub == b"object" and n == 3:
        return _debug_object(c, argv[2])
    if sub == b"set-active-expire" and n == 3:
        eng.config.set_many([("active-expire-enabled", "yes" if _atoi(argv[2]) else "no")])
        return OK
    if sub == b"change-repl-id" and n == 2:
        _log(c, WARNING, "Changing replication IDs after receiving DEBUG change-repl-id")
        eng.replid = random.randbytes(20).hex()
        eng.replid2 = "0" * 40
        return OK
    if sub == b"digest" and n == 2:
        digest = bytearray(20)
        for db in eng.dbs:
            if not len(db):
                continue
            _mix(digest, db.id.to_bytes(4, "big"))
            for key, value, expire, _access in db.table.entries():
                kv = bytearray(20)
                _mix(kv, key)
                _value_digest(kv, db.materialize(value), expire)  # a tiered one from disk
                _xor(digest, bytes(kv))
        return Status(digest.hex())
    if sub == b"digest-value":
        out = []
        for key in argv[2:]:
            d = bytearray(20)
            value = c.db.table.peek(key)  # logically expired keys count, as in Redis
            if value is not None:
                _value_digest(d, c.db.materialize(value), c.db.get_expire(key))
            out.append(Status(d.hex()))
        return out
    if sub == b"error" and n == 3:
        raise CommandError(arg(argv[2]))
    if sub == b"log" and n == 3:
        _log(c, WARNING, f"DEBUG LOG: {arg(argv[2])}")
        return OK
    if sub == b"populate" and 3 <= n <= 5:
        return _debug_populate(c, argv)
    if sub == b"protocol" and n == 3:
        return _debug_protocol(c, argv[2].lower())
    if sub == b"set-disable-deny-scripts" and n == 3:
        from .. import scripting
        scripting.get(eng).disable_deny_script = bool(_atoi(argv[2]))
        return OK
    if sub == b"quicklist-packed-threshold" and n == 3:
        try:
            sz = parse_memory(arg(argv[2]))
        except ConfigError:
            sz = None
        sz = None if sz is None else rdb.packed_threshold_value(sz)
        if sz is None:
            raise CommandError(errors.DEBUG_PACKED_THRESHOLD)
        eng.config.values[rdb.PACKED_THRESHOLD_KEY] = sz
        return OK
    if sub == b"reload":  # save, flush, load back (engine/persistence)
        err = eng.persistence.debug_reload(argv[2:])
        if err is not None:
            raise CommandError(err)
        return OK
    raise CommandError(errors.DEBUG_UNKNOWN % arg(argv[1], 128))


def _debug_protocol(c: Client, name: bytes) -> Any:
    """DEBUG PROTOCOL <type>: a test value of each reply type (debug.c)."""
    if name == b"string":
        return b"Hello World"
    if name == b"integer":
        return 12345
    if name == b"double":
        return 3.141
    if name == b"bignum":
        return BigNumber(b"1234567999999999999999999999999999999")
    if name == b"null":
        return None
    if name == b"array":
        return [0, 1, 2]
    if name == b"set":
        return SetReply([0, 1, 2])
    if name == b"map":
        return {j: j == 1 for j in range(3)}
    if name == b"attrib":  # attributes are not replies: a real one follows
        return Attribute({b"key-popularity": [b"key:123", 90]},
                         b"Some real reply following the attribute")
    if name == b"push":
        if c.resp < 3:
            raise CommandError(errors.RESP2_NOT_SUPPORTED)
        c.deliver(Push([b"server-cpu-usage", 42]))  # out of band, then the real reply
        return b"Some real reply following the push reply"
    if name == b"true":
        return True
    if name == b"false":
        return False
    if name == b"verbatim":
        return Verbatim(b"This is a verbatim\nstring")
    raise CommandError(errors.DEBUG_PROTOCOL_TYPE)


def _debug_object(c: Client, key: bytes) -> Any:
    db = c.db
    value = db.table.peek(key)   # dictFind(): a logically expired key is still there
    if value is not None:
        value = db.materialize(value)   # a tiered value read back, left on disk
    if value is None:
        raise CommandError(errors.NO_SUCH_KEY)
    eng = c.engine
    access = db.access(key) or 0
    encoding = object_encoding(value, eng.config).decode()
    return Status(f"Value at:{id(value):#x} refcount:{object_refcount(value, eng.config)} "
                  f"encoding:{encoding} serializedlength:{_serialized_length(value)} "
                  f"lru:{access & 0xFFFFFF} lru_seconds_idle:{eng.idle_seconds(access)}")


def _debug_populate(c: Client, argv: list[bytes]) -> Any:
    count = parse_int(argv[2], errors.NOT_POSITIVE)
    size = parse_int(argv[4], errors.NOT_POSITIVE) if len(argv) == 5 else 0
    if count < 0 or size < 0:
        raise CommandError(errors.NOT_POSITIVE)
    prefix = argv[3] if len(argv) > 3 else b"key"
    db = c.db
    for j in range(count):
        key = (prefix + b":%d" % j)[:127]  # Redis formats the key into a 128-byte buffer
        if db.lookup_write(key) is not None:
            continue
        value = b"value:%d" % j
        if size:
            value = value[:size].ljust(size, b"\0")
        db.add(key, value)
        db.signal_modified(key)
    return OK


# DEBUG DIGEST: SHA1 mixing exactly as debug.c, so digests compare with Redis's.
_TYPE_CODES = {b"string": 0, b"list": 1, b"set": 2, b"zset": 3, b"hash": 4, b"stream": 6}


def _xor(digest: bytearray, data: bytes) -> None:
    """xorDigest(): digest ^= SHA1(data)."""
    h = hashlib.sha1(data).digest()
    for i in range(20):
        digest[i] ^= h[i]


def _mix(digest: bytearray, data: bytes) -> None:
    """mixDigest(): digest = SHA1(digest ^ SHA1(data))."""
    _xor(digest, data)
    digest[:] = hashlib.sha1(bytes(digest)).digest()


def _value_digest(digest: bytearray, value: Any, expire: int) -> None:
    """xorObjectDigest()."""
    kind = type_name(value)
    _mix(digest, _TYPE_CODES.get(kind, 5).to_bytes(4, "big"))
    if kind == b"string":
        _mix(digest, bytes(value))
    elif kind == b"list":
        for item in value:
            _mix(digest, bytes(item))
    elif kind == b"set":
        for item in value:
            _xor(digest, bytes(item))
    elif kind in (b"hash", b"zset"):  # streams and module types: their type alone
        for field, v in _pairs(value):
            ele = bytearray(20)
            _mix(ele, bytes(field))
            _mix(ele, b"%.17g" % v if kind == b"zset" else bytes(v))
            _xor(digest, bytes(ele))
    if expire >= 0:
        _xor(digest, b"!!expire!!")


def _pairs(value: Any) -> Iterable[tuple[Any, Any]]:
    items = getattr(value, "items", None)
    return items() if items is not None else ()


# =================================================================== SLOWLOG
container("slowlog", group="server", since="2.2.12",
          summary="A container for slow log commands")

_SLOWLOG_HELP = [
    "GET [<count>]",
    "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
    "    Entries are made of:",
    "    id, timestamp, time in microseconds, arguments array, client IP and port,",
    "    client name",
    "LEN",
    "    Return the length of the slowlog.",
    "RESET",
    "    Reset the slowlog.",
]


@command("slowlog|help", 2, "loading stale", group="server", since="6.2.0",
         summary="Show helpful text about the different subcommands")
def slowlog_help(c: Client, argv: list[bytes]) -> Any:
    return help_reply(argv[0], _SLOWLOG_HELP)


@command("slowlog|get", -2, "admin loading stale", group="server", since="2.2.12",
         tips="request_policy:all_nodes nondeterministic_output",
         complexity="O(N) where N is the number of entries returned",
         summary="Get the slow log's entries")
def slowlog_get(c: Client, argv: list[bytes]) -> Any:
    if len(argv) > 3:
        raise _subcommand_syntax(argv)
    entries = c.engine.slowlog.entries
    count = 10
    if len(argv) == 3:
        count = _int_between(argv[2], -1, LLONG_MAX, errors.SLOWLOG_COUNT)
        if count == -1:
            count = len(entries)
    return [[e[0], e[1], e[2], list(e[3]), e[4], e[5]]
            for e in list(entries)[:count]]


@command("slowlog|len", 2, "admin loading stale", group="server", since="2.2.12",
         tips="request_policy:all_nodes response_policy:agg_sum nondeterministic_output",
         summary="Get the slow log's length")
def slowlog_len(c: Client, argv: list[bytes]) -> Any:
    return len(c.engine.slowlog.entries)


@command("slowlog|reset", 2, "admin loading stale", group="server", since="2.2.12",
         tips="request_policy:all_nodes response_policy:all_succeeded",
         complexity="O(N) where N is the number of entries in the slowlog",
         summary="Clear all entries from the slow log")
def slowlog_reset(c: Client, argv: list[bytes]) -> Any:
    c.engine.slowlog.reset()
    return OK


# =================================================================== LATENCY
container("latency", group="server", since="2.8.13",
          summary="A container for latency diagnostics commands")

_LATENCY_HELP = [
    "DOCTOR",
    "    Return a human readable latency analysis report.",
    "GRAPH <event>",
    "    Return an ASCII latency graph for the <event> class.",
    "HISTORY <event>",
    "    Return time-latency samples for the <event> class.",
    "LATEST",
    "    Return the latest latency samples for all events.",
    "RESET [<event> ...]",
    "    Reset latency data of one or more <event> classes.",
    "    (default: reset all data for all event classes)",
    "HISTOGRAM [COMMAND ...]",
    "    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
    "    If no commands are specified then all histograms are replied.",
]
_LATENCY_TIPS = "nondeterministic_output request_policy:all_nodes response_policy:special"


@command("latency|help", 2, "loading stale", group="server", since="2.8.13",
         summary="Show helpful text about the different subcommands.")
def latency_help(c: Client, argv: list[bytes]) -> Any:
    return help_reply(argv[0], _LATENCY_HELP)


@command("latency|latest", 2, "admin noscript loading stale", group="server",
         since="2.8.13", tips=_LATENCY_TIPS,
         summary="Return the latest latency samples for all events.")
def latency_latest(c: Client, argv: list[bytes]) -> Any:
    out = []
    for event, ts in c.engine.latency_events.items():
        when, ms = ts.latest()
        out.append([event.encode(), when, ms, ts.max])
    return out


@command("latency|history", 3, "admin noscript loading stale", group="server",
         since="2.8.13", tips=_LATENCY_TIPS,
         summary="Return timestamp-latency samples for the event.")
def latency_history(c: Client, argv: list[bytes]) -> Any:
    ts = series_for(c.engine.latency_events, argv[2])
    return [] if ts is None else [[when, ms] for when, ms in ts.history()]


@command("latency|graph", 3, "admin noscript loading stale", group="server",
         since="2.8.13", tips=_LATENCY_TIPS, summary="Return a latency graph for the event.")
def latency_graph(c: Client, argv: list[bytes]) -> Any:
    ts = series_for(c.engine.latency_events, argv[2])
    if ts is None:
        raise CommandError(errors.LATENCY_NO_SAMPLES % arg(argv[2]))
    return Verbatim(graph(arg(argv[2]), ts).encode("utf-8", "surrogateescape"))


@command("latency|doctor", 2, "admin noscript loading stale", group="server",
         since="2.8.13", tips=_LATENCY_TIPS,
         summary="Return a human readable latency analysis report.")
def latency_doctor(c: Client, argv: list[bytes]) -> Any:
    eng = c.engine
    return Verbatim(report(eng.latency_events,
                           eng.config.values["latency-monitor-threshold"]).encode())


@command("latency|reset", -2, "admin noscript loading stale", group="server",
         since="2.8.13", tips="request_policy:all_nodes response_policy:all_succeeded",
         summary="Reset latency data for one or more events.")
def latency_reset(c: Client, argv: list[bytes]) -> Any:
    events = c.engine.latency_events
    if len(argv) == 2:
        n = len(events)
        events.clear()
        return n
    n = 0
    for name in argv[2:]:
        if events.pop(arg(name), None) is not None:
            n += 1
    return n


@command("latency|histogram", -2, "admin noscript loading stale", group="server",
         since="7.0.0", tips=_LATENCY_TIPS,
         complexity="O(N) where N is the number of commands with latency information "
                    "being retrieved.",
         summary="Return the cumulative distribution of latencies of a subset of commands "
                 "or all.")
def latency_histogram(c: Client, argv: list[bytes]) -> Any:
    """Each command (and subcommand) with a histogram: {calls, histogram_usec}; names
    that are no command are skipped; a container brings its subcommands."""
    table = c.engine.table
    out: dict[bytes, Any] = {}

    def add(cmd: Any, with_subcommands: bool) -> None:
        if cmd.latency_counts():
            out[cmd.fullname.encode()] = command_reply(cmd)
        if with_subcommands and cmd.subcommands:
            for sub in cmd.subcommands.values():
                add(sub, False)

    if len(argv) == 2:
        for cmd in table.values():
            add(cmd, True)
        return out
    for name in argv[2:]:
        parts = name.lower().split(b"|")  # lookupCommandBySds()
        cmd = table.get(parts[0]) if len(parts) <= 2 else None
        if cmd is not None and len(parts) == 2:
            cmd = cmd.subcommands.get(parts[1]) if cmd.subcommands else None
        if cmd is not None:
            add(cmd, True)
    return out


# =================================================================== MEMORY
container("memory", group="server", since="4.0.0",
          summary="A container for memory diagnostics commands")

_MEMORY_HELP = [
    "DOCTOR",
    "    Return memory problems reports.",
    "MALLOC-STATS",
    "    Return internal statistics report from the memory allocator.",
    "PURGE",
    "    Attempt to purge dirty pages for reclamation by the allocator.",
    "STATS",
    "    Return information about the memory usage of the server.",
    "USAGE <key> [SAMPLES <count>]",
    "    Return memory in bytes used by <key> and its value. Nested values are",
    "    sampled up to <count> times (default: 5, 0 means sample all).",
]
_MEMORY_TIPS = "nondeterministic_output request_policy:all_shards response_policy:special"


@command("memory|help", 2, "loading stale", group="server", since="4.0.0",
         summary="Show helpful text about the different subcommands")
def memory_help(c: Client, argv: list[bytes]) -> Any:
    return help_reply(argv[0], _MEMORY_HELP)


@command("memory|usage", -3, "readonly", keys=(2, 2, 1), group="server", since="4.0.0",
         complexity="O(N) where N is the number of samples.",
         summary="Estimate the memory usage of a key")
def memory_usage(c: Client, argv: list[bytes]) -> Any:
    i = 3
    while i < len(argv):
        if argv[i].lower() == b"samples" and i + 1 < len(argv):
            if parse_int(argv[i + 1]) < 0:
                raise CommandError(errors.SYNTAX)
            i += 2  # our estimate is kept exactly: there is nothing to sample
        else:
            raise CommandError(errors.SYNTAX)
    key = argv[2]
    value = c.db.peek_stored(key)  # a tiered value counts what stays in memory
    if value is None:
        return None
    return key_cost(len(key), value)


@command("memory|stats", 2, "", group="server", since="4.0.0", tips=_MEMORY_TIPS,
         summary="Show memory usage details")
def memory_stats(c: Client, argv: list[bytes]) -> Any:
    eng = c.engine
    m = memory_overview(eng)
    used, peak, rss, startup = m["used"], m["peak"], m["rss"], m["startup"]
    out: dict[bytes, Any] = {
        b"peak.allocated": peak,
        b"total.allocated": used,
        b"startup.allocated": startup,
        b"replication.backlog": 0,
        b"clients.slaves": 0,
        b"clients.normal": m["clients"],
        b"cluster.links": 0,
        b"aof.buffer": 0,
        b"lua.caches": 0,
        b"functions.caches": 0,
    }
    for dbid, overhead in m["dbs"].items():
        out[b"db.%d" % dbid] = {b"overhead.hashtable.main": overhead,
                                b"overhead.hashtable.expires": 0,
                                b"overhead.hashtable.slot-to-keys": 0}
    net = used - startup
    out.update({
        b"overhead.total": m["overhead"],
        b"keys.count": m["keys"],
        b"keys.bytes-per-key": net // m["keys"] if m["keys"] else 0,
        b"dataset.bytes": m["dataset"],
        b"dataset.percentage": m["dataset"] * 100.0 / net if net > 0 else 0.0,
        b"peak.percentage": used * 100.0 / peak if peak else 0.0,
        b"allocator.allocated": used,
        b"allocator.active": used,
        b"allocator.resident": rss,
        b"allocator-fragmentation.ratio": 1.0,
        b"allocator-fragmentation.bytes": 0,
        b"allocator-rss.ratio": rss / used if used else 0.0,
        b"allocator-rss.bytes": rss - used,
        b"rss-overhead.ratio": 1.0,
        b"rss-overhead.bytes": 0,
        b"fragmentation": rss / used if used else 0.0,
        b"fragmentation.bytes": rss - used,
    })
    return out


@command("memory|doctor", 2, "", group="server", since="4.0.0", tips=_MEMORY_TIPS,
         summary="Outputs memory problems report")
def memory_doctor(c: Client, argv: list[bytes]) -> Any:
    m = memory_overview(c.engine)
    if m["used"] < 5 * 1024 * 1024:
        text = ("Hi Sam, this instance is empty or is using very little memory, my issues "
                "detector can't be used in these conditions. Please, leave for your mission on "
                "Earth and fill it with some data. The new Sam and I will be back to our "
                "programming as soon as I finished rebooting.\n")
    elif m["peak"] / m["used"] > 1.5:
        text = ("Sam, I detected a few issues in this Redis instance memory implants:\n\n"
                " * Peak memory: In the past this instance used more than 150% the memory that "
                "is currently using. The allocator is normally not able to release memory "
                "after a peak, so you can expect to see a big fragmentation ratio, however "
                "this is actually harmless and is only due to the memory peak, and if the "
                "Redis instance Resident Set Size (RSS) is currently bigger than expected, the "
                "memory will be used as soon as you fill the Redis instance with more data. If "
                "the memory peak was only occasional and you want to try to reclaim memory, "
                "please try the MEMORY PURGE command, otherwise the only other option is to "
                "shutdown and restart the instance.\n\n"
                "I'm here to keep you safe, Sam. I want to help you.\n")
    else:
        text = ("Hi Sam, I can't find any memory issue in your instance. I can only account "
                "for what occurs on this base.\n")
    return Verbatim(text.encode())


@command("memory|malloc-stats", 2, "", group="server", since="4.0.0", tips=_MEMORY_TIPS,
         complexity="Depends on how much memory is allocated, could be slow",
         summary="Show allocator internal stats")
def memory_malloc_stats(c: Client, argv: list[bytes]) -> Any:
    return Verbatim(b"Stats not supported for the current allocator")


@command("memory|purge", 2, "", group="server", since="4.0.0",
         tips="request_policy:all_shards response_policy:all_succeeded",
         complexity="Depends on how much memory is allocated, could be slow",
         summary="Ask the allocator to release memory")
def memory_purge(c: Client, argv: list[bytes]) -> Any:
    gc.collect()
    return OK


# =================================================================== MONITOR
@command("monitor", 1, "admin noscript loading stale", group="server", complexity="",
         summary="Listen for all requests received by the server in real time")
def monitor(c: Client, argv: list[bytes]) -> Any:
    eng = c.engine
    if eng.in_exec:  # CLIENT_DENY_BLOCKING: a transaction expects one reply per command
        raise CommandError(errors.MONITOR_IN_MULTI)
    if c.in_monitor or c.is_replica:
        return NO_REPLY  # Redis ignores it without a reply
    c.in_monitor = True
    eng.monitors.append(c)
    return OK


# =================================================================== SHUTDOWN
@command("shutdown", -1, "admin noscript loading stale no_multi allow_busy sentinel",
         group="server",
         complexity="O(N) when saving, where N is the total number of keys in all databases "
                    "when saving data, otherwise O(1)",
         summary="Synchronously save the dataset to disk and then shut down the server")
def shutdown(c: Client, argv: list[bytes]) -> Any:
    flags = set()
    for a in argv[1:]:
        word = a.lower()
        if word not in (b"nosave", b"save", b"now", b"force", b"abort"):
            raise CommandError(errors.SYNTAX)
        flags.add(word)
    if (b"abort" in flags and len(flags) > 1) or {b"save", b"nosave"} <= flags:
        raise CommandError(errors.SYNTAX)
    if b"abort" in flags:
        raise CommandError(errors.SHUTDOWN_NOT_IN_PROGRESS)  # shutdowns never wait here
    eng = c.engine
    save = b"save" in flags or (b"nosave" not in flags and bool(eng.config.values["save"]))
    if save:
        saver = getattr(eng, "rdb_save", None)  # the persistence layer's synchronous SAVE
        if saver is None or not saver():
            _log(c, WARNING, "Error trying to save the DB, can't exit.")
            if b"force" not in flags:
                _log(c, WARNING, "Errors trying to shut down the server. Check the logs for "
                                 "more information.")
                raise CommandError(errors.SHUTDOWN_ERRORS)
    if eng.shutdown_requested is None:  # an embedded engine has no process to end
        raise CommandError(errors.SHUTDOWN_ERRORS)
    eng.shutdown_requested(save)
    return NO_REPLY


# =================================================================== LOLWUT
@command("lolwut", -1, "readonly fast", group="server", since="5.0.0", complexity="",
         summary="Display some computer art and the Redis version")
def lolwut(c: Client, argv: list[bytes]) -> Any:
    version = int(REDIS_VERSION.split(".")[0])
    args = argv[1:]
    if len(argv) >= 3 and argv[1].lower() == b"version":
        version = parse_int(argv[2]) & 0xFFFFFFFF  # Redis prints it with %u
        args = argv[3:]
    if version == 5:
        cols, per_row, per_col = _lolwut_args(args, (66, 8, 12), (1000, 200, 200))
        art = _schotter(cols, per_row, per_col)
        art += "\nGeorg Nees - schotter, plotter on paper, 1968. Redis ver. "
    elif version == 6:
        cols, rows = _lolwut_args(args, (80, 20), (1000, 1000))
        art = _skyline(cols, rows)
        art += ("Dedicated to the 8 bit game developers of past and present.\n"
                "Original 8 bit image from Plaguemon by hikikomori. Redis ver. ")
    else:
        art = "Redis ver. "
    return Verbatim((art + REDIS_VERSION + "\n").encode())


def _lolwut_args(args: list[bytes], defaults: tuple[int, ...],
                 limits: tuple[int, ...]) -> list[int]:
    """The optional numeric arguments of a LOLWUT version, clamped to 1..limit."""
    out = []
    for i, (default, limit) in enumerate(zip(defaults, limits)):
        v = parse_int(args[i]) if i < len(args) else default
        out.append(min(max(v, 1), limit))
    return out


class _Canvas:
    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.pixels = bytearray(width * height)

    def set(self, x: int, y: int, color: int = 1) -> None:
        if 0 <= x < self.width and 0 <= y < self.height:
            self.pixels[y * self.width + x] = color

    def get(self, x: int, y: int) -> int:
        if 0 <= x < self.width and 0 <= y < self.height:
            return self.pixels[y * self.width + x]
        return 0

    def line(self, x1: int, y1: int, x2: int, y2: int) -> None:
        dx, dy = abs(x2 - x1), abs(y2 - y1)
        sx, sy = (1 if x1 < x2 else -1), (1 if y1 < y2 else -1)
        err = dx - dy
        while True:
            self.set(x1, y1)
            if x1 == x2 and y1 == y2:
                return
            e2 = err * 2
            if e2 > -dy:
                err -= dy
                x1 += sx
            if e2 < dx:
                err += dx
                y1 += sy

    def braille(self) -> str:
        """Each 2x4 block of pixels as one Braille character (lolwut.c renderCanvas)."""
        bits = ((0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2), (0, 3), (1, 3))
        out = []
        for y in range(0, self.height, 4):
            out.append("".join(
                chr(0x2800 + sum(1 << i for i, (dx, dy) in enumerate(bits)
                                 if self.get(x + dx, y + dy)))
                for x in range(0, self.width, 2)))
            if y != self.height - 1:
                out.append("\n")
        return "".join(out)


def _schotter(cols: int, per_row: int, per_col: int) -> str:
    """Georg Nees's Schotter: squares ever more disordered from top to bottom."""
    width = cols * 2
    padding = 2 if width > 4 else 0
    side = (width - padding * 2) / per_row
    canvas = _Canvas(width, int(side * per_col + padding * 2))
    rnd = random.random
    for y in range(per_col):
        for x in range(per_row):
            sx = int(x * side + side / 2 + padding)
            sy = int(y * side + side / 2 + padding)
            angle = 0.0
            if y > 1:  # rotate and shift more and more going down
                r1, r2, r3 = (rnd() / per_col * y * random.choice((-1, 1)) for _ in range(3))
                angle = r1
                sx = int(sx + r2 * side / 3)
                sy = int(sy + r3 * side / 3)
            size = round(side / 1.4142135623)
            k = math.pi / 4 + angle
            pts = []
            for _ in range(4):
                pts.append((round(math.sin(k) * size + sx), round(math.cos(k) * size + sy)))
                k += math.pi / 2
            for j in range(4):
                canvas.line(*pts[j], *pts[(j + 1) % 4])
    return canvas.braille()


_SKY_COLORS = ("0;30;40", "0;90;100", "0;37;47", "0;97;107")


def _skyline(cols: int, rows: int) -> str:
    """A night city in ANSI colours: a starry sky over three layers of lit buildings."""
    canvas = _Canvas(cols, rows)
    for i in range(len(canvas.pixels)):
        if random.random() < 0.02:
            canvas.pixels[i] = 3
    for layer, color in enumerate((1, 2, 3)):
        x = random.randint(-4, 0)
        while x < cols:
            width = random.randint(3, 8)
            height = random.randint(rows // 4, rows * (3 - layer) // 3 or 1)
            for bx in range(x, x + width):
                for by in range(rows - height, rows):
                    window = 0 < bx - x < width - 1 and (by - rows + height) % 2 == 1
                    canvas.set(bx, by, 0 if window and random.random() < 0.6 else color)
            x += width + random.randint(1, 4)
    return "".join(
        "".join(f"\033[{_SKY_COLORS[canvas.get(x, y)]}m \033[0m" for x in range(cols)) + "\n"
        for y in range(rows))

TABLE[b"debug"].doc_flags = ("syscmd",)
