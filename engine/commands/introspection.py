"""COMMAND and its subcommands: the command table as clients see it (Redis's
commandCommand family). Everything is generated from the one table in ``table.py``."""

from collections.abc import Iterable
from typing import Any

from native.resp_common import SetReply

from .. import errors
from ..connection import Client
from ..errors import CommandError
from ..glob import stringmatch
from ..replies import Status
from .getkeys import flag_names
from .keys import help_reply
from .table import CATEGORY_ORDER, TABLE, Command, command, container, lookup

__all__ = ["command_docs", "command_info"]

def _spec_flags(flags: int) -> SetReply:
    """addReplyFlagsForKeyArgs()."""
    return SetReply(Status(f) for f in flag_names(flags))


def _key_specs(cmd: Command) -> SetReply:
    """addReplyCommandKeySpecs(): Redis 7.0's key specs of the command."""
    specs = SetReply()
    for spec in cmd.key_specs:
        out: dict[bytes, Any] = {}
        if spec.notes:
            out[b"notes"] = spec.notes.encode()
        out[b"flags"] = _spec_flags(spec.flags)
        if spec.bs == "index":
            bs: dict[bytes, Any] = {b"index": spec.bs_args[0]}
        elif spec.bs == "keyword":
            bs = {b"keyword": spec.bs_args[0].encode(), b"startfrom": spec.bs_args[1]}
        else:
            bs = {}
        out[b"begin_search"] = {b"type": spec.bs.encode(), b"spec": bs}
        if spec.fk == "range":
            fk: dict[bytes, Any] = dict(zip((b"lastkey", b"keystep", b"limit"), spec.fk_args))
        elif spec.fk == "keynum":
            fk = dict(zip((b"keynumidx", b"firstkey", b"keystep"), spec.fk_args))
        else:
            fk = {}
        out[b"find_keys"] = {b"type": spec.fk.encode(), b"spec": fk}
        specs.append(out)
    return specs


def command_info(cmd: Command) -> list[Any]:
    """addReplyCommandInfo(): name, arity, flags, first, last, step, categories, tips, key
    specs, subcommands (the collections are RESP3 sets, in the table's order)."""
    subs = cmd.subcommands.values() if cmd.subcommands else ()
    return [
        cmd.fullname.encode(),
        cmd.arity,
        SetReply(Status(f) for f in cmd.shown_flags()),
        cmd.first_key,
        cmd.last_key,
        cmd.key_step,
        SetReply(Status("@" + cat) for cat in cmd.categories),
        SetReply(t.encode() for t in cmd.tips),
        _key_specs(cmd),
        SetReply(command_info(sub) for sub in subs),
    ]


def command_docs(cmd: Command) -> dict[bytes, Any]:
    """addReplyCommandDocs(), without argument descriptions."""
    out: dict[bytes, Any] = {}
    if cmd.summary:
        out[b"summary"] = cmd.summary.encode()
    if cmd.since:
        out[b"since"] = cmd.since.encode()
    out[b"group"] = cmd.group.encode()
    if cmd.complexity:
        out[b"complexity"] = cmd.complexity.encode()
    if cmd.doc_flags:
        out[b"doc_flags"] = SetReply(Status(f) for f in cmd.doc_flags)
    if cmd.subcommands:
        out[b"subcommands"] = {sub.fullname.encode(): command_docs(sub)
                               for sub in cmd.subcommands.values()}
    return out


def lookup_fullname(name: bytes) -> Command | None:
    """lookupCommandBySds(): "get", or "config|get" for a subcommand (any case)."""
    base, _, sub = name.lower().partition(b"|")
    cmd = TABLE.get(base)
    if cmd is None or not sub:
        return cmd
    return cmd.subcommands.get(sub) if cmd.subcommands else None


def _all_commands() -> Iterable[Command]:
    for cmd in TABLE.values():
        yield cmd
        if cmd.subcommands:
            yield from cmd.subcommands.values()


# ------------------------------------------------------------------- COMMAND
_COMMAND_HELP = [
    "(no subcommand)",
    "    Return details about all Redis commands.",
    "COUNT",
    "    Return the total number of commands in this Redis server.",
    "LIST",
    "    Return a list of all commands in this Redis server.",
    "INFO [<command-name> ...]",
    "    Return details about multiple Redis commands.",
    "    If no command names are given, documentation details for all",
    "    commands are returned.",
    "DOCS [<command-name> ...]",
    "    Return documentation details about multiple Redis commands.",
    "    If no command names are given, documentation details for all",
    "    commands are returned.",
    "GETKEYS <full-command>",
    "    Return the keys from a full Redis command.",
    "GETKEYSANDFLAGS <full-command>",
    "    Return the keys and the access flags from a full Redis command.",
]


def command_all(c: Client, argv: list[bytes]) -> Any:
    return [command_info(cmd) for cmd in TABLE.values()]


_command = container("command", -1, "loading stale", group="server", acl="connection",
                     since="2.8.13", complexity="O(N) where N is the total number of Redis "
                                                "commands",
                     summary="Get array of Redis command details")
_command.handler = command_all  # COMMAND alone lists every command
_command.tips = ("nondeterministic_output_order",)


@command("command|help", 2, "loading stale", group="server", acl="connection", since="5.0.0",
         summary="Show helpful text about the different subcommands")
def command_help(c: Client, argv: list[bytes]) -> Any:
    return help_reply(argv[0], _COMMAND_HELP)


@command("command|count", 2, "loading stale", group="server", acl="connection",
         since="2.8.13", summary="Get total number of Redis commands")
def command_count(c: Client, argv: list[bytes]) -> Any:
    return len(TABLE)


@command("command|info", -2, "loading stale", group="server", acl="connection",
         since="2.8.13", tips="nondeterministic_output_order",
         complexity="O(N) where N is the number of commands to look up",
         summary="Get array of specific Redis command details, or all when no argument is "
                 "given.")
def command_info_cmd(c: Client, argv: list[bytes]) -> Any:
    if len(argv) == 2:
        return command_all(c, argv)
    out = []
    for name in argv[2:]:
        cmd = lookup_fullname(name)
        out.append(None if cmd is None else command_info(cmd))
    return out


@command("command|docs", -2, "loading stale", group="server", acl="connection",
         since="7.0.0", tips="nondeterministic_output_order",
         complexity="O(N) where N is the number of commands to look up",
         summary="Get array of specific Redis command documentation")
def command_docs_cmd(c: Client, argv: list[bytes]) -> Any:
    if len(argv) == 2:
        cmds: Iterable[Command | None] = TABLE.values()
    else:
        cmds = (lookup_fullname(name) for name in argv[2:])
    return {cmd.fullname.encode(): command_docs(cmd) for cmd in cmds if cmd is not None}


@command("command|list", -2, "loading stale", group="server", acl="connection",
         since="7.0.0", tips="nondeterministic_output_order",
         complexity="O(N) where N is the total number of Redis commands",
         summary="Get an array of Redis command names")
def command_list(c: Client, argv: list[bytes]) -> Any:
    kind = pattern = None
    i = 2
    while i < len(argv):
        if argv[i].lower() != b"filterby" or len(argv) - i - 1 != 2:
            raise CommandError(errors.SYNTAX)
        kind, pattern = argv[i + 1].lower(), argv[i + 2]
        if kind not in (b"module", b"aclcat", b"pattern"):
            raise CommandError(errors.SYNTAX)
        i += 3
    if kind is None:
        return [cmd.fullname.encode() for cmd in _all_commands()]
    if kind == b"module":
        return []  # no module commands here
    if kind == b"aclcat":
        cat = pattern.lower().decode("utf-8", "surrogateescape")
        if cat not in CATEGORY_ORDER:
            return []
        return [cmd.fullname.encode() for cmd in _all_commands() if cat in cmd.categories]
    return [cmd.fullname.encode() for cmd in _all_commands()
            if stringmatch(pattern, cmd.fullname.encode(), nocase=True)]


def _getkeys(argv: list[bytes]) -> list[tuple[int, int]]:
    """getKeysSubcommandImpl(): the keys of the command in argv[2:], as (index in argv,
    key-spec flags)."""
    sub_argv = argv[2:]
    cmd = lookup(sub_argv[0])
    if cmd is not None and cmd.subcommands is not None and len(sub_argv) > 1:
        cmd = cmd.subcommands.get(sub_argv[1].lower())
    if cmd is None:
        raise CommandError(errors.COMMAND_GETKEYS_INVALID)
    if not cmd.has_keys:
        raise CommandError(errors.COMMAND_GETKEYS_NO_KEYS)
    n = len(sub_argv)
    if (cmd.arity > 0 and cmd.arity != n) or n < -cmd.arity:
        raise CommandError(errors.COMMAND_GETKEYS_ARITY)
    refs = cmd.key_refs(sub_argv)
    if not refs and "no_mandatory_keys" not in cmd.flags:
        raise CommandError(errors.COMMAND_GETKEYS_BAD_ARGS)
    return [(pos + 2, flags) for pos, flags in refs]


@command("command|getkeys", -4, "loading stale", group="server", acl="connection",
         since="2.8.13", complexity="O(N) where N is the number of arguments to the command",
         summary="Extract keys given a full Redis command")
def command_getkeys(c: Client, argv: list[bytes]) -> Any:
    return [argv[pos] for pos, _flags in _getkeys(argv)]


@command("command|getkeysandflags", -4, "loading stale", group="server", acl="connection",
         since="7.0.0", complexity="O(N) where N is the number of arguments to the command",
         summary="Extract keys and access flags given a full Redis command")
def command_getkeysandflags(c: Client, argv: list[bytes]) -> Any:
    return [[argv[pos], _spec_flags(flags)] for pos, flags in _getkeys(argv)]
