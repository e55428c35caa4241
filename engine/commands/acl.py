"""ACL: SETUSER GETUSER DELUSER LIST USERS WHOAMI CAT GENPASS LOG LOAD SAVE DRYRUN HELP
(Redis 7.0's aclCommand). The users, rules and checks live in engine/acl.py."""

import os
import time
from typing import Any, List

from native.resp_common import SetReply

from .. import errors
from ..acl import (DENIED_CHANNEL, DENIED_CMD, DENIED_KEY, GENPASS_MAX_BITS, OK as ACL_OK,
                   has_spaces, index, merge_selector_args)
from ..connection import Client
from ..errors import CommandError, arg
from ..replies import OK
from .args import parse_int
from .keys import help_reply
from .table import CATEGORY_ORDER, TABLE, command, container

REDACTED = b"(redacted)"

_acl = container("acl", group="server", since="6.0.0",
                 summary="A container for Access List Control commands ")
_acl.categories = ("slow",)  # Redis gives containers no category of their own group

_HELP = [
    "CAT [<category>]",
    "    List all commands that belong to <category>, or all command categories",
    "    when no category is specified.",
    "DELUSER <username> [<username> ...]",
    "    Delete a list of users.",
    "DRYRUN <username> <command> [<arg> ...]",
    "    Returns whether the user can execute the given command without executing the command.",
    "GETUSER <username>",
    "    Get the user's details.",
    "GENPASS [<bits>]",
    "    Generate a secure 256-bit user password. The optional `bits` argument can",
    "    be used to specify a different size.",
    "LIST",
    "    Show users details in config file format.",
    "LOAD",
    "    Reload users from the ACL file.",
    "LOG [<count> | RESET]",
    "    Show the ACL log entries.",
    "SAVE",
    "    Save the current config to the ACL file.",
    "SETUSER <username> <attribute> [<attribute> ...]",
    "    Create or modify a user with the specified attributes.",
    "USERS",
    "    List all the registered usernames.",
    "WHOAMI",
    "    Return the current connection username.",
]

def _syntax_error(argv: List[bytes]) -> CommandError:
    """addReplySubcommandSyntaxError()."""
    return CommandError(errors.SUBCOMMAND_SYNTAX % (arg(argv[1], 128), arg(argv[0].upper())))


# ACL DRYRUN answers with a bulk string, not an error
DRYRUN_COMMAND = "This user has no permissions to run the '%s' command"
DRYRUN_KEY = "This user has no permissions to access the '%s' key"
DRYRUN_CHANNEL = "This user has no permissions to access the '%s' channel"


@command("acl|help", 2, "loading stale", group="server", since="6.0.0",
         summary="Show helpful text about the different subcommands")
def acl_help(c: Client, argv: List[bytes]) -> Any:
    return help_reply(argv[0], _HELP)


@command("acl|setuser", -3, "admin noscript loading stale", group="server", since="6.0.0",
         complexity="O(N). Where N is the number of rules provided.",
         summary="Modify or create the rules for a specific ACL user")
def acl_setuser(c: Client, argv: List[bytes]) -> Any:
    args = list(argv)
    for j in range(2, len(argv)):  # redactClientCommandArgument(): nothing leaks to logs
        argv[j] = REDACTED
    name = args[2]
    if has_spaces(name):
        raise CommandError(errors.ACL_USERNAME_SPACES)
    rules, bad = merge_selector_args(args[3:])
    if rules is None:
        raise CommandError(errors.ACL_UNMATCHED_PARENTHESIS % arg(args[bad + 3]))
    c.engine.acl.setuser(c, name, rules)
    return OK


@command("acl|deluser", -3, "admin noscript loading stale", group="server", since="6.0.0",
         complexity="O(1) amortized time considering the typical user.",
         summary="Remove the specified ACL users and the associated rules")
def acl_deluser(c: Client, argv: List[bytes]) -> Any:
    if b"default" in argv[2:]:
        raise CommandError(errors.ACL_DELETE_DEFAULT)
    return c.engine.acl.deluser(c, argv[2:])


@command("acl|getuser", 3, "admin noscript loading stale", group="server", since="6.0.0",
         complexity="O(N). Where N is the number of password, command and pattern rules that "
         "the user has.", summary="Get the rules for a specific ACL user")
def acl_getuser(c: Client, argv: List[bytes]) -> Any:
    u = c.engine.acl.users.get(argv[2])
    if u is None:
        return None
    from ..acl import _USER_FLAGS
    out = {b"flags": SetReply(name for name, f in _USER_FLAGS if u.flags & f),
           b"passwords": list(u.passwords)}
    out.update(u.selectors[0].reply())
    out[b"selectors"] = [s.reply() for s in u.selectors[1:]]
    return out


@command("acl|list", 2, "admin noscript loading stale", group="server", since="6.0.0",
         complexity="O(N). Where N is the number of configured users.",
         summary="List the current ACL rules in ACL config file format")
def acl_list(c: Client, argv: List[bytes]) -> Any:
    return [b"user " + u.name + b" " + u.describe() for u in c.engine.acl.sorted_users()]


@command("acl|users", 2, "admin noscript loading stale", group="server", since="6.0.0",
         complexity="O(N). Where N is the number of configured users.",
         summary="List the username of all the configured ACL rules")
def acl_users(c: Client, argv: List[bytes]) -> Any:
    return [u.name for u in c.engine.acl.sorted_users()]


@command("acl|whoami", 2, "noscript loading stale", group="server", since="6.0.0",
         summary="Return the name of the user associated to the current connection")
def acl_whoami(c: Client, argv: List[bytes]) -> Any:
    return c.user.name


@command("acl|load", 2, "admin noscript loading stale", group="server", since="6.0.0",
         complexity="O(N). Where N is the number of configured users.",
         summary="Reload the ACLs from the configured ACL file")
def acl_load(c: Client, argv: List[bytes]) -> Any:
    acl = c.engine.acl
    if not c.engine.config.values["aclfile"]:
        raise CommandError(errors.ACL_NO_ACLFILE)
    err = acl.load_file(c)
    if err is not None:
        raise CommandError(errors.ACL_LOAD_FAILED % err)
    return OK


@command("acl|save", 2, "admin noscript loading stale", group="server", since="6.0.0",
         complexity="O(N). Where N is the number of configured users.",
         summary="Save the current ACL rules in the configured ACL file")
def acl_save(c: Client, argv: List[bytes]) -> Any:
    if not c.engine.config.values["aclfile"]:
        raise CommandError(errors.ACL_NO_ACLFILE)
    if not c.engine.acl.save_file():
        raise CommandError(errors.ACL_SAVE_FAILED)
    return OK


@command("acl|cat", -2, "noscript loading stale", group="server", since="6.0.0",
         complexity="O(1) since the categories and commands are a fixed set.",
         summary="List the ACL categories or the commands inside a category")
def acl_cat(c: Client, argv: List[bytes]) -> Any:
    if len(argv) == 2:
        return [cat.encode() for cat in CATEGORY_ORDER]
    if len(argv) > 3:
        raise _syntax_error(argv)
    cat = argv[2].lower().decode("latin-1")
    if cat not in CATEGORY_ORDER:
        raise CommandError(errors.ACL_UNKNOWN_CATEGORY % arg(argv[2], 128))
    return [cmd.fullname.encode() for cmd in index().commands if cat in cmd.categories]


@command("acl|genpass", -2, "noscript loading stale", group="server", since="6.0.0",
         summary="Generate a pseudorandom secure password to use for ACL users")
def acl_genpass(c: Client, argv: List[bytes]) -> Any:
    if len(argv) > 3:
        raise _syntax_error(argv)
    bits = parse_int(argv[2]) if len(argv) == 3 else 256
    if bits <= 0 or bits > GENPASS_MAX_BITS:
        raise CommandError(errors.ACL_GENPASS_BITS)
    chars = (bits + 3) // 4
    return os.urandom((chars + 1) // 2).hex()[:chars].encode()


@command("acl|log", -2, "admin noscript loading stale", group="server", since="6.0.0",
         complexity="O(N) with N being the number of entries shown.",
         summary="List latest events denied because of ACLs in place")
def acl_log(c: Client, argv: List[bytes]) -> Any:
    acl = c.engine.acl
    if len(argv) > 3:
        raise _syntax_error(argv)
    count = 10
    if len(argv) == 3:
        if argv[2].lower() == b"reset":
            acl.log.clear()
            return OK
        count = max(parse_int(argv[2]), 0)
    now = int(time.time() * 1000)
    return [entry.reply(now) for _, entry in zip(range(count), acl.log)]


@command("acl|dryrun", -4, "admin noscript loading stale", group="server", since="7.0.0",
         complexity="O(1).",
         summary="Returns whether the user can execute the given command without executing "
         "the command.")
def acl_dryrun(c: Client, argv: List[bytes]) -> Any:
    acl = c.engine.acl
    u = acl.users.get(argv[2])
    if u is None:
        raise CommandError(errors.ACL_DRYRUN_NO_USER % arg(argv[2]))
    cargv = argv[3:]
    cmd = TABLE.get(cargv[0].lower())  # lookupCommand(): not strict about subcommands
    if cmd is not None and cmd.subcommands is not None and len(cargv) > 1:
        cmd = cmd.subcommands.get(cargv[1].lower())
    if cmd is None:
        raise CommandError(errors.ACL_DRYRUN_NO_COMMAND % arg(cargv[0]))
    if (cmd.arity > 0 and cmd.arity != len(cargv)) or len(cargv) < -cmd.arity:
        raise CommandError(errors.WRONG_ARITY % cmd.fullname)
    result, pos = acl.check_user(u, cmd, cargv)
    if result == ACL_OK:
        return OK
    if result == DENIED_CMD:
        text = DRYRUN_COMMAND % cmd.fullname
    elif result == DENIED_KEY:
        text = DRYRUN_KEY % arg(cargv[pos])
    elif result == DENIED_CHANNEL:
        text = DRYRUN_CHANNEL % arg(cargv[pos])
    else:  # pragma: no cover - no other result exists
        raise AssertionError(result)
    return text.encode("utf-8", "surrogateescape")

