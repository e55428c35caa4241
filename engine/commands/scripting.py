"""Scripting: EVAL EVALSHA EVAL_RO EVALSHA_RO SCRIPT, FCALL FCALL_RO FUNCTION.

The Lua side (sandbox, redis.* API, conversions, busy scripts) lives in engine/scripting.py;
these handlers parse arguments and shape replies.
"""

from typing import Any

from .. import errors, scripting
from ..connection import Client
from ..errors import CommandError, arg
from ..replies import OK
from .keys import help_reply
from .table import command, container


def _feed_monitors(c: Client, argv: list[bytes]) -> None:
    # scripts feed MONITOR themselves so their commands show after them (skip_monitor flag)
    if c.engine.monitors:
        c.engine.feed_monitors(c, argv)


_EVAL = {"group": "scripting",
         "complexity": "Depends on the script that is executed."}
_FCALL = {"group": "scripting", "since": "7.0.0",
          "complexity": "Depends on the function that is executed."}


# ------------------------------------------------------------------ EVAL


@command("eval", -3, "noscript stale skip_monitor no_mandatory_keys", since="2.6.0",
         summary="Execute a Lua script server side", **_EVAL)
def eval_(c: Client, argv: list[bytes]) -> Any:
    _feed_monitors(c, argv)
    return scripting.get(c.engine).eval(c, argv, False, False)


@command("evalsha", -3, "noscript stale skip_monitor no_mandatory_keys", since="2.6.0",
         summary="Execute a Lua script server side", **_EVAL)
def evalsha(c: Client, argv: list[bytes]) -> Any:
    _feed_monitors(c, argv)
    return scripting.get(c.engine).eval(c, argv, True, False)


@command("eval_ro", -3, "readonly noscript stale skip_monitor no_mandatory_keys",
         since="7.0.0", summary="Execute a read-only Lua script server side", **_EVAL)
def eval_ro(c: Client, argv: list[bytes]) -> Any:
    _feed_monitors(c, argv)
    return scripting.get(c.engine).eval(c, argv, False, True)


@command("evalsha_ro", -3, "readonly noscript stale skip_monitor no_mandatory_keys",
         since="7.0.0", summary="Execute a read-only Lua script server side", **_EVAL)
def evalsha_ro(c: Client, argv: list[bytes]) -> Any:
    _feed_monitors(c, argv)
    return scripting.get(c.engine).eval(c, argv, True, True)


# ------------------------------------------------------------------ SCRIPT

_script = container("script", group="scripting", since="2.6.0",
                    summary="A container for Lua scripts management commands")
_script.categories = ("slow",)

_SCRIPT_HELP = [
    "DEBUG (YES|SYNC|NO)",
    "    Set the debug mode for subsequent scripts executed.",
    "EXISTS <sha1> [<sha1> ...]",
    "    Return information about the existence of the scripts in the script cache.",
    "FLUSH [ASYNC|SYNC]",
    "    Flush the Lua scripts cache. Very dangerous on replicas.",
    "    When called without the optional mode argument, the behavior is determined by the",
    "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
    "    * ASYNC: Asynchronously flush the scripts cache.",
    "    * SYNC: Synchronously flush the scripts cache.",
    "KILL",
    "    Kill the currently executing Lua script.",
    "LOAD <script>",
    "    Load a script into the scripts cache without executing it.",
]


@command("script|load", 3, "noscript stale", group="scripting", since="2.6.0",
         tips="request_policy:all_nodes response_policy:all_succeeded",
         complexity="O(N) with N being the length in bytes of the script body.",
         summary="Load the specified Lua script into the script cache.")
def script_load(c: Client, argv: list[bytes]) -> Any:
    return scripting.get(c.engine).create_script(argv[2])


@command("script|exists", -3, "noscript", group="scripting", since="2.6.0",
         tips="request_policy:all_shards response_policy:agg_logical_and",
         complexity="O(N) with N being the number of scripts to check (so checking a single "
                    "script is an O(1) operation).",
         summary="Check existence of scripts in the script cache.")
def script_exists(c: Client, argv: list[bytes]) -> Any:
    scripts = scripting.get(c.engine).scripts
    return [1 if sha.lower() in scripts else 0 for sha in argv[2:]]


@command("script|flush", -2, "noscript", group="scripting", since="2.6.0",
         tips="request_policy:all_nodes response_policy:all_succeeded",
         complexity="O(N) with N being the number of scripts in cache",
         summary="Remove all the scripts from the script cache.")
def script_flush(c: Client, argv: list[bytes]) -> Any:
    if len(argv) > 3 or (len(argv) == 3 and argv[2].lower() not in (b"sync", b"async")):
        raise CommandError(errors.SCRIPT_FLUSH_MODE)
    scripting.get(c.engine).flush_scripts()
    return OK


@command("script|kill", 2, "noscript allow_busy", group="scripting", since="2.6.0",
         tips="request_policy:all_shards response_policy:one_succeeded",
         summary="Kill the script currently in execution.")
def script_kill(c: Client, argv: list[bytes]) -> Any:
    scripting.get(c.engine).kill(is_eval=True)
    return OK


@command("script|debug", 3, "noscript", group="scripting", since="3.2.0",
         summary="Set the debug mode for executed scripts.")
def script_debug(c: Client, argv: list[bytes]) -> Any:
    mode = argv[2].lower()
    if mode == b"no":
        return OK
    if mode in (b"yes", b"sync"):
        raise CommandError(errors.SCRIPT_DEBUG_UNSUPPORTED)
    raise CommandError(errors.SCRIPT_DEBUG_MODE)


@command("script|help", 2, "loading stale", group="scripting", since="5.0.0",
         summary="Show helpful text about the different subcommands")
def script_help(c: Client, argv: list[bytes]) -> Any:
    return help_reply(argv[0], _SCRIPT_HELP)


# ------------------------------------------------------------------ FCALL


@command("fcall", -3, "noscript stale skip_monitor no_mandatory_keys",
         summary="Invoke a function", **_FCALL)
def fcall(c: Client, argv: list[bytes]) -> Any:
    _feed_monitors(c, argv)
    return scripting.get(c.engine).fcall(c, argv, False)


@command("fcall_ro", -3, "readonly noscript stale skip_monitor no_mandatory_keys",
         summary="Invoke a read-only function", **_FCALL)
def fcall_ro(c: Client, argv: list[bytes]) -> Any:
    _feed_monitors(c, argv)
    return scripting.get(c.engine).fcall(c, argv, True)


# ------------------------------------------------------------------ FUNCTION

_function = container("function", group="scripting", since="7.0.0",
                      summary="A container for function commands")
_function.categories = ("slow",)

_FUNCTION_HELP = [
    "LOAD [REPLACE] <FUNCTION CODE>",
    "    Create a new library with the given library name and code.",
    "DELETE <LIBRARY NAME>",
    "    Delete the given library.",
    "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
    "    Return general information on all the libraries:",
    "    * Library name",
    "    * The engine used to run the Library",
    "    * Library description",
    "    * Functions list",
    "    * Library code (if WITHCODE is given)",
    ("    It also possible to get only function that matches a pattern using LIBRARYNAME "
     "argument."),
    "STATS",
    "    Return information about the current function running:",
    "    * Function name",
    "    * Command used to run the function",
    "    * Duration in MS that the function is running",
    "    If no function is running, return nil",
    "    In addition, returns a list of available engines.",
    "KILL",
    "    Kill the current running function.",
    "FLUSH [ASYNC|SYNC]",
    "    Delete all the libraries.",
    "    When called without the optional mode argument, the behavior is determined by the",
    "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
    "    * ASYNC: Asynchronously flush the libraries.",
    "    * SYNC: Synchronously flush the libraries.",
    "DUMP",
    ("    Return a serialized payload representing the current libraries, can be restored "
     "using FUNCTION RESTORE command"),
    "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
    ("    Restore the libraries represented by the given payload, it is possible to give a "
     "restore policy to"),
    "    control how to handle existing libraries (default APPEND):",
    "    * FLUSH: delete all existing libraries.",
    ("    * APPEND: appends the restored libraries to the existing libraries. On collision, "
     "abort."),
    ("    * REPLACE: appends the restored libraries to the existing libraries, On collision, "
     "replace the old"),
    ("      libraries with the new libraries (notice that even on this option there is a "
     "chance of failure"),
    "      in case of functions name collision with another library).",
]


def _subcommand_syntax(argv: list[bytes]) -> CommandError:
    return CommandError(errors.SUBCOMMAND_SYNTAX % (arg(argv[1], 128), arg(argv[0].upper())))


@command("function|load", -3, "write denyoom noscript", group="scripting", since="7.0.0",
         tips="request_policy:all_shards response_policy:all_succeeded",
         complexity="O(1) (considering compilation time is redundant)",
         summary="Create a function with the given arguments (name, code, description)")
def function_load(c: Client, argv: list[bytes]) -> Any:
    replace = False
    for option in argv[2:-1]:
        if option.lower() != b"replace":
            raise CommandError(errors.FUNCTION_LOAD_OPTION % arg(option))
        replace = True
    s = scripting.get(c.engine)
    name = s.create_library(argv[-1], replace, s.libs)
    c.engine.dirty += 1
    return name


@command("function|delete", 3, "write noscript", group="scripting", since="7.0.0",
         tips="request_policy:all_shards response_policy:all_succeeded",
         summary="Delete a function by name")
def function_delete(c: Client, argv: list[bytes]) -> Any:
    scripting.get(c.engine).delete_library(argv[2])
    c.engine.dirty += 1
    return OK


@command("function|flush", -2, "write noscript", group="scripting", since="7.0.0",
         tips="request_policy:all_shards response_policy:all_succeeded",
         complexity="O(N) where N is the number of functions deleted",
         summary="Deleting all functions")
def function_flush(c: Client, argv: list[bytes]) -> Any:
    if len(argv) > 3:
        raise _subcommand_syntax(argv)
    if len(argv) == 3 and argv[2].lower() not in (b"sync", b"async"):
        raise CommandError(errors.FUNCTION_FLUSH_MODE)
    scripting.get(c.engine).flush_functions()
    c.engine.dirty += 1
    return OK


@command("function|list", -2, "noscript", group="scripting", since="7.0.0",
         tips="nondeterministic_output_order",
         complexity="O(N) where N is the number of functions",
         summary="List information about all the functions")
def function_list(c: Client, argv: list[bytes]) -> Any:
    withcode = False
    pattern = None
    i = 2
    while i < len(argv):
        a = argv[i]
        i += 1
        if not withcode and a.lower() == b"withcode":
            withcode = True
        elif pattern is None and a.lower() == b"libraryname":
            if i >= len(argv):
                raise CommandError(errors.FUNCTION_LIST_NO_NAME)
            pattern = argv[i]
            i += 1
        else:
            raise CommandError(errors.FUNCTION_LIST_ARG % arg(a))
    return scripting.get(c.engine).list_libraries(pattern, withcode)


@command("function|dump", 2, "noscript", group="scripting", since="7.0.0",
         complexity="O(N) where N is the number of functions",
         summary="Dump all functions into a serialized binary payload")
def function_dump(c: Client, argv: list[bytes]) -> Any:
    return scripting.get(c.engine).dump_functions()


@command("function|restore", -3, "write denyoom noscript", group="scripting",
         since="7.0.0", tips="request_policy:all_shards response_policy:all_succeeded",
         complexity="O(N) where N is the number of functions on the payload",
         summary="Restore all the functions on the given payload")
def function_restore(c: Client, argv: list[bytes]) -> Any:
    if len(argv) > 4:
        raise _subcommand_syntax(argv)
    policy = argv[3].lower() if len(argv) == 4 else b"append"
    if policy not in (b"append", b"replace", b"flush"):
        raise CommandError(errors.FUNCTION_RESTORE_POLICY)
    scripting.get(c.engine).restore_functions(argv[2], policy)
    c.engine.dirty += 1
    return OK


@command("function|kill", 2, "noscript allow_busy", group="scripting", since="7.0.0",
         tips="request_policy:all_shards response_policy:one_succeeded",
         summary="Kill the function currently in execution.")
def function_kill(c: Client, argv: list[bytes]) -> Any:
    scripting.get(c.engine).kill(is_eval=False)
    return OK


@command("function|stats", 2, "noscript allow_busy", group="scripting", since="7.0.0",
         tips="nondeterministic_output request_policy:all_shards response_policy:special",
         summary="Return information about the function currently running (name, "
                 "description, duration)")
def function_stats(c: Client, argv: list[bytes]) -> Any:
    s = scripting.get(c.engine)
    if s.run is not None and s.run.is_eval:
        raise CommandError(errors.BUSY_SCRIPT)
    return {
        b"running_script": s.running_info(),
        b"engines": {b"LUA": {b"libraries_count": len(s.libs.libraries),
                              b"functions_count": len(s.libs.functions)}},
    }


@command("function|help", 2, "loading stale", group="scripting", since="7.0.0",
         summary="Show helpful text about the different subcommands")
def function_help(c: Client, argv: list[bytes]) -> Any:
    return help_reply(argv[0], _FUNCTION_HELP)

