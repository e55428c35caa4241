"""MODULE: Redis's loadable C modules. Strata cannot load them (they are shared objects
written against redis-server's module API), so no module is ever loaded: LIST is empty,
LOAD / LOADEX fail as a failed dlopen() makes redis-server fail (the reason goes to the
log), UNLOAD finds no such module. LOAD, LOADEX and UNLOAD are gated by
``enable-module-command`` (default "no") as in Redis, so clients probing for modules get
Redis's exact replies.
"""

from typing import Any

from .. import errors
from ..connection import Client
from ..errors import CommandError, arg
from ..log import WARNING
from .keys import help_reply
from .server import _allowed, _log
from .table import command, container

__all__: list[str] = []

container("module", group="server", since="4.0.0", summary="A container for module commands")


def _check(c: Client) -> None:
    """Redis rejects LOAD, LOADEX and UNLOAD in processCommand (so MULTI would refuse to
    queue them: here the refusal comes when EXEC runs them, as Strata's DEBUG gate does)."""
    if not _allowed(c, "enable-module-command"):
        raise CommandError(errors.MODULE_NOT_ALLOWED)


@command("module|help", 2, "loading stale", group="server", since="5.0.0",
         summary="Show helpful text about the different subcommands")
def module_help(c: Client, argv: list[bytes]) -> Any:
    return help_reply(argv[0], [
        "LIST",
        "    Return a list of loaded modules.",
        "LOAD <path> [<arg> ...]",
        "    Load a module library from <path>, passing to it any optional arguments.",
        "LOADEX <path> [[CONFIG NAME VALUE] [CONFIG NAME VALUE]] [ARGS ...]",
        "    Load a module library from <path>, while passing it module configurations and "
        "optional arguments.",
        "UNLOAD <name>",
        "    Unload a module.",
    ])


@command("module|list", 2, "admin noscript", group="server", since="4.0.0",
         tips="nondeterministic_output_order",
         complexity="O(N) where N is the number of loaded modules.",
         summary="List all modules loaded by the server")
def module_list(c: Client, argv: list[bytes]) -> Any:
    return []


def _load(c: Client, argv: list[bytes]) -> Any:
    _check(c)
    _log(c, WARNING, "Module %s failed to load: Strata cannot load Redis modules "
         "(they need redis-server's C module API)" % arg(argv[2]))
    raise CommandError(errors.MODULE_LOAD_FAILED)


command("module|load", -3, "admin noscript no_async_loading", group="server", since="4.0.0",
        summary="Load a module")(_load)
command("module|loadex", -3, "admin noscript no_async_loading", group="server", since="7.0.0",
        summary="Load a module with extended parameters")(_load)


@command("module|unload", 3, "admin noscript no_async_loading", group="server", since="4.0.0",
         summary="Unload a module")
def module_unload(c: Client, argv: list[bytes]) -> Any:
    _check(c)
    raise CommandError(errors.MODULE_NO_SUCH)
