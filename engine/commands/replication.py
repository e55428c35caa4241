"""Replication commands: SYNC PSYNC REPLCONF REPLICAOF SLAVEOF ROLE WAIT FAILOVER, and
STRATA.EVENTS (the replication and failover events log). The state machines live in
engine/replication/; these handlers parse arguments and answer."""

from typing import Any, List

from .. import errors
from ..connection import Client
from ..errors import CommandError
from ..replies import Status
from .args import parse_int
from .table import TABLE, command


def _repl(c: Client) -> Any:
    return c.engine.repl


@command("sync", 1, "admin noscript no_async_loading no_multi", group="server",
         since="1.0.0", summary="Internal command used for replication")
def sync(c: Client, argv: List[bytes]) -> Any:
    return _repl(c).sync_command(c, argv)


@command("psync", -3, "admin noscript no_async_loading no_multi", group="server",
         since="2.8.0", summary="Internal command used for replication")
def psync(c: Client, argv: List[bytes]) -> Any:
    return _repl(c).sync_command(c, argv)


@command("replconf", -1, "admin noscript loading stale allow_busy", group="server",
         since="3.0.0", summary="An internal command for configuring the replication stream")
def replconf(c: Client, argv: List[bytes]) -> Any:
    return _repl(c).replconf(c, argv)


def _replicaof(c: Client, argv: List[bytes]) -> Any:
    repl = _repl(c)
    if c.is_replica:
        raise CommandError(errors.REPLICAOF_FROM_REPLICA)
    if argv[1].lower() == b"no" and argv[2].lower() == b"one":
        repl.replicaof_no_one()
        return Status("OK")
    port = parse_int(argv[2], errors.INVALID_MASTER_PORT)
    if not 0 <= port <= 65535:
        raise CommandError(errors.INVALID_MASTER_PORT)
    host = argv[1].decode("utf-8", "surrogateescape")
    return Status(repl.replicaof(host, port))


@command("replicaof", 3, "admin noscript stale no_async_loading", group="server",
         since="5.0.0", summary="Make the server a replica of another instance, or promote "
         "it as master.")
def replicaof(c: Client, argv: List[bytes]) -> Any:
    return _replicaof(c, argv)


@command("slaveof", 3, "admin noscript stale no_async_loading", group="server",
         since="1.0.0", summary="Make the server a replica of another instance, or promote "
         "it as master. Deprecated starting with Redis 5. Use REPLICAOF instead.")
def slaveof(c: Client, argv: List[bytes]) -> Any:
    return _replicaof(c, argv)


@command("role", 1, "noscript loading stale fast", acl="admin dangerous", group="server",
         since="2.8.12", summary="Return the role of the instance in the context of "
         "replication")
def role(c: Client, argv: List[bytes]) -> Any:
    return _repl(c).role_reply()


@command("wait", 3, "noscript", group="connection", since="3.0.0",
         tips="request_policy:all_shards response_policy:agg_min",
         complexity="O(1)", summary="Wait for the synchronous replication of all the write "
         "commands sent in the context of the current connection")
def wait(c: Client, argv: List[bytes]) -> Any:
    numreplicas = parse_int(argv[1])
    timeout = parse_int(argv[2], errors.TIMEOUT_NOT_INT)
    if timeout < 0:
        raise CommandError(errors.TIMEOUT_NEGATIVE)
    return _repl(c).wait_command(c, numreplicas, timeout)


TABLE[b"wait"].group = "generic"  # Redis files WAIT under generic, with @connection only


@command("failover", -1, "admin noscript stale", group="server", since="6.2.0",
         summary="Start a coordinated failover between this server and one of its "
         "replicas.")
def failover(c: Client, argv: List[bytes]) -> Any:
    repl = _repl(c)
    if len(argv) == 2 and argv[1].lower() == b"abort":
        if repl.failover is None:
            raise CommandError(errors.FAILOVER_NOT_IN_PROGRESS)
        repl.failover_abort("Failover manually aborted")
        return Status("OK")
    timeout = 0
    force = False
    host = None
    port = 0
    j = 1
    n = len(argv)
    while j < n:
        opt = argv[j].lower()
        if opt == b"timeout" and j + 1 < n and timeout == 0:
            timeout = parse_int(argv[j + 1])
            if timeout <= 0:
                raise CommandError(errors.FAILOVER_TIMEOUT)
            j += 2
        elif opt == b"to" and j + 2 < n and host is None:
            port = parse_int(argv[j + 2])
            host = argv[j + 1].decode("utf-8", "surrogateescape")
            j += 3
        elif opt == b"force" and not force:
            force = True
            j += 1
        else:
            raise CommandError(errors.SYNTAX)
    repl.failover_start(host, port, force, timeout)
    return Status("OK")


@command("strata.events", -1, "admin noscript loading stale", group="server",
         since="7.0.0", summary="The replication and failover events log, newest first")
def strata_events(c: Client, argv: List[bytes]) -> Any:
    """STRATA.EVENTS [count]: [[unix-ms, kind, message], ...] like DescribeEvents."""
    if len(argv) > 2:
        raise CommandError(errors.SYNTAX)
    count = parse_int(argv[1]) if len(argv) == 2 else 100
    if count < 0:
        raise CommandError(errors.NOT_POSITIVE)
    events = list(_repl(c).events)
    sentinel = getattr(c.engine, "sentinel", None)
    if sentinel is not None:
        events += list(sentinel.events)
        events.sort(key=lambda e: e[0])
    out = []
    for when, kind, msg in reversed(events):
        if len(out) >= count:
            break
        out.append([when, kind.encode(), msg.encode("utf-8", "surrogateescape")])
    return out
