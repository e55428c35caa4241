"""CLIENT TRACKING, CACHING, GETREDIR, TRACKINGINFO (networking.c clientCommand); the state
machine is engine/tracking.py. The CLIENT container is declared by engine/commands/server.py,
loaded before this module."""

from typing import Any, List

from .. import errors
from ..connection import Client
from ..errors import CommandError, arg
from ..replies import OK
from ..tracking import BCAST, CACHING, NOLOOP, OPTIN, OPTOUT
from .args import parse_int
from .table import command

_OPTIONS = {b"bcast": BCAST, b"optin": OPTIN, b"optout": OPTOUT, b"noloop": NOLOOP}


def _overlap(a: bytes, b: bytes) -> bool:
    """stringCheckPrefix(): one is a prefix of the other."""
    n = min(len(a), len(b))
    return a[:n] == b[:n]


def _cstr(b: bytes) -> str:
    """A prefix printed with %s: C stops at the first NUL."""
    return arg(b.split(b"\0", 1)[0])


def _check_prefixes(c: Client, prefixes: List[bytes]) -> None:
    """checkPrefixCollisionsOrReply(). Redis 7.0 answers an overlap between two given
    prefixes after the first with an error *and* goes on (it returns the index, which reads
    as success), so the client gets the error, then +OK: the error is sent out of band."""
    mine = sorted(c.tracking_prefixes or ())
    for i, p in enumerate(prefixes):
        for old in mine:
            if _overlap(old, p):
                raise CommandError(errors.TRACKING_PREFIX_EXISTING % (_cstr(p), _cstr(old)))
        for q in prefixes[i + 1:]:
            if _overlap(p, q):
                text = errors.TRACKING_PREFIX_GIVEN % (_cstr(p), _cstr(q))
                if i == 0:
                    raise CommandError(text)
                c.engine.stats.count_error(text)
                c.engine.table[b"client"].subcommands[b"tracking"].failed_calls += 1
                c.deliver(CommandError(text))
                return


@command("client|tracking", -3, "noscript loading stale", group="connection", since="6.0.0",
         complexity="O(1). Some options may introduce additional complexity.",
         summary="Enable or disable server assisted client side caching support")
def client_tracking(c: Client, argv: List[bytes]) -> Any:
    eng = c.engine
    redirect = 0
    options = 0
    prefixes: List[bytes] = []
    j, n = 3, len(argv)
    while j < n:
        opt = argv[j].lower()
        more = j < n - 1
        if opt == b"redirect" and more:
            j += 1
            if redirect:
                raise CommandError(errors.TRACKING_ONE_REDIRECT)
            redirect = parse_int(argv[j])
            if redirect not in eng.clients:  # it may go away later: a sanity check only
                raise CommandError(errors.TRACKING_NO_REDIRECT_CLIENT)
        elif opt in _OPTIONS:
            options |= _OPTIONS[opt]
        elif opt == b"prefix" and more:
            j += 1
            prefixes.append(argv[j])
        else:
            raise CommandError(errors.SYNTAX)
        j += 1
    mode = argv[2].lower()
    if mode == b"on":
        if prefixes and not options & BCAST:
            raise CommandError(errors.TRACKING_PREFIX_NEEDS_BCAST)
        if c.tracking and bool(c.tracking_flags & BCAST) != bool(options & BCAST):
            raise CommandError(errors.TRACKING_BCAST_SWITCH)
        if options & BCAST and options & (OPTIN | OPTOUT):
            raise CommandError(errors.TRACKING_OPTIN_BCAST)
        if options & OPTIN and options & OPTOUT:
            raise CommandError(errors.TRACKING_OPTIN_AND_OPTOUT)
        if (options & OPTIN and c.tracking_flags & OPTOUT) or \
                (options & OPTOUT and c.tracking_flags & OPTIN):
            raise CommandError(errors.TRACKING_OPTIN_SWITCH)
        if options & BCAST:
            _check_prefixes(c, prefixes)
        eng.tracking.enable(c, redirect, options, prefixes)
    elif mode == b"off":
        eng.tracking.disable(c)
    else:
        raise CommandError(errors.SYNTAX)
    return OK


@command("client|caching", 3, "noscript loading stale", group="connection", since="6.0.0",
         complexity="O(1)",
         summary="Instruct the server about tracking or not keys in the next request")
def client_caching(c: Client, argv: List[bytes]) -> Any:
    if not c.tracking:
        raise CommandError(errors.CACHING_NOT_TRACKING)
    opt = argv[2].lower()
    if opt == b"yes":
        if not c.tracking_flags & OPTIN:
            raise CommandError(errors.CACHING_YES_NEEDS_OPTIN)
    elif opt == b"no":
        if not c.tracking_flags & OPTOUT:
            raise CommandError(errors.CACHING_NO_NEEDS_OPTOUT)
    else:
        raise CommandError(errors.SYNTAX)
    c.tracking_flags |= CACHING  # for the next command or transaction (Tracking.call)
    return OK


@command("client|getredir", 2, "noscript loading stale", group="connection", since="6.0.0",
         complexity="O(1)", summary="Get tracking notifications redirection client ID if any")
def client_getredir(c: Client, argv: List[bytes]) -> Any:
    return c.tracking_redirect if c.tracking else -1


@command("client|trackinginfo", 2, "noscript loading stale", group="connection",
         since="6.2.0", complexity="O(1)",
         summary="Return information about server assisted client side caching for the "
                 "current connection")
def client_trackinginfo(c: Client, argv: List[bytes]) -> Any:
    return c.engine.tracking.info(c)
