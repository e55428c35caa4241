"""Redis Cluster's commands as a server with ``cluster-enabled no`` answers them.

Strata has no cluster mode, so it is always such a server: the CLUSTER subcommands,
ASKING, READONLY and READWRITE exist (COMMAND lists them, ACL rules can name them, arity is
checked first) and each replies that cluster support is disabled, as clusterCommand() and
friends do when server.cluster_enabled is 0. Metadata is Redis 7.0's (COMMAND INFO/DOCS).
"""

from typing import Any

from .. import errors
from ..connection import Client
from ..errors import CommandError
from .table import TABLE, command, container

__all__: list[str] = []


def _disabled(c: Client, argv: list[bytes]) -> Any:
    raise CommandError(errors.CLUSTER_DISABLED)


container("cluster", group="cluster", since="3.0.0",
          summary="A container for cluster commands")

_ADMIN = "admin stale no_async_loading"
_N = "O(N) where N is the total number of Cluster nodes"
# name, arity, flags, tips, since, complexity, summary
_SUBCOMMANDS = (
    ("addslots", -3, _ADMIN, "", "3.0.0",
     "O(N) where N is the total number of hash slot arguments",
     "Assign new hash slots to receiving node"),
    ("addslotsrange", -4, _ADMIN, "", "7.0.0",
     "O(N) where N is the total number of the slots between the start slot and end slot "
     "arguments.", "Assign new hash slots to receiving node"),
    ("bumpepoch", 2, _ADMIN, "nondeterministic_output", "3.0.0", "O(1)",
     "Advance the cluster config epoch"),
    ("count-failure-reports", 3, "admin stale", "nondeterministic_output", "3.0.0",
     "O(N) where N is the number of failure reports",
     "Return the number of failure reports active for a given node"),
    ("countkeysinslot", 3, "stale", "", "3.0.0", "O(1)",
     "Return the number of local keys in the specified hash slot"),
    ("delslots", -3, _ADMIN, "", "3.0.0",
     "O(N) where N is the total number of hash slot arguments",
     "Set hash slots as unbound in receiving node"),
    ("delslotsrange", -4, _ADMIN, "", "7.0.0",
     "O(N) where N is the total number of the slots between the start slot and end slot "
     "arguments.", "Set hash slots as unbound in receiving node"),
    ("failover", -2, _ADMIN, "", "3.0.0", "O(1)",
     "Forces a replica to perform a manual failover of its master."),
    ("flushslots", 2, _ADMIN, "", "3.0.0", "O(1)", "Delete a node's own slots information"),
    ("forget", 3, _ADMIN, "", "3.0.0", "O(1)", "Remove a node from the nodes table"),
    ("getkeysinslot", 4, "stale", "nondeterministic_output", "3.0.0",
     "O(log(N)) where N is the number of requested keys",
     "Return local key names in the specified hash slot"),
    ("help", 2, "loading stale", "", "5.0.0", "O(1)",
     "Show helpful text about the different subcommands"),
    ("info", 2, "stale", "nondeterministic_output", "3.0.0", "O(1)",
     "Provides info about Redis Cluster node state"),
    ("keyslot", 3, "stale", "", "3.0.0", "O(N) where N is the number of bytes in the key",
     "Returns the hash slot of the specified key"),
    ("links", 2, "stale", "nondeterministic_output", "7.0.0",
     "O(N) where N is the total number of Cluster nodes",
     "Returns a list of all TCP links to and from peer nodes in cluster"),
    ("meet", -4, _ADMIN, "", "3.0.0", "O(1)",
     "Force a node cluster to handshake with another node"),
    ("myid", 2, "stale", "", "3.0.0", "O(1)", "Return the node id"),
    ("nodes", 2, "stale", "nondeterministic_output", "3.0.0", _N,
     "Get Cluster config for the node"),
    ("replicas", 3, "admin stale", "nondeterministic_output", "5.0.0", "O(1)",
     "List replica nodes of the specified master node"),
    ("replicate", 3, _ADMIN, "", "3.0.0", "O(1)",
     "Reconfigure a node as a replica of the specified master node"),
    ("reset", -2, "admin noscript stale", "", "3.0.0",
     "O(N) where N is the number of known nodes. The command may execute a FLUSHALL as a "
     "side effect.", "Reset a Redis Cluster node"),
    ("saveconfig", 2, _ADMIN, "", "3.0.0", "O(1)",
     "Forces the node to save cluster state on disk"),
    ("set-config-epoch", 3, _ADMIN, "", "3.0.0", "O(1)",
     "Set the configuration epoch in a new node"),
    ("setslot", -4, _ADMIN, "", "3.0.0", "O(1)", "Bind a hash slot to a specific node"),
    ("shards", 2, "stale", "nondeterministic_output", "7.0.0",
     "O(N) where N is the total number of cluster nodes",
     "Get array of cluster slots to node mappings"),
    ("slaves", 3, "admin stale", "nondeterministic_output", "3.0.0", "O(1)",
     "List replica nodes of the specified master node"),
    ("slots", 2, "stale", "nondeterministic_output", "3.0.0", _N,
     "Get array of Cluster slot to node mappings"),
)
for _name, _arity, _flags, _tips, _since, _complexity, _summary in _SUBCOMMANDS:
    command("cluster|" + _name, _arity, _flags, group="cluster", tips=_tips, since=_since,
            complexity=_complexity, summary=_summary)(_disabled)
for _name in ("slaves", "slots"):
    TABLE[b"cluster"].subcommands[_name.encode()].doc_flags = ("deprecated",)

# ASKING, READONLY, READWRITE: connection state for cluster clients
for _name, _flags, _summary in (
        ("asking", "fast", "Sent by cluster clients after an -ASK redirect"),
        ("readonly", "loading stale fast",
         "Enables read queries for a connection to a cluster replica node"),
        ("readwrite", "loading stale fast",
         "Disables read queries for a connection to a cluster replica node")):
    command(_name, 1, _flags, acl="connection", group="cluster", since="3.0.0",
            summary=_summary)(_disabled)
