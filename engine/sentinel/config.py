"""Sentinel configuration: the ``sentinel ...`` directives of a sentinel.conf (as Redis
Sentinel reads and rewrites them), split from the server options the rest of the file
holds.

Directives: ``sentinel monitor <name> <ip> <port> <quorum>``, ``sentinel
down-after-milliseconds|failover-timeout|parallel-syncs|auth-pass|auth-user <name> <v>``,
``sentinel announce-ip <ip>``, ``sentinel announce-port <port>``, ``sentinel myid <id>``,
``sentinel current-epoch|config-epoch|leader-epoch``, ``sentinel known-replica <name> <ip>
<port>`` and ``sentinel known-sentinel <name> <ip> <port> <runid>`` -- the latter are also
how monitors are given their peers up front instead of finding them through the
``__sentinel__:hello`` channel.
"""

import os
from typing import TYPE_CHECKING, List, Tuple

from ..config import parse_config_text

if TYPE_CHECKING:  # pragma: no cover
    from .monitor import Sentinel

__all__ = ["split_config", "apply_directive", "write_config", "SentinelConfigError"]


class SentinelConfigError(Exception):
    pass


def split_config(text: str) -> Tuple[str, List[Tuple[int, str, List[str]]]]:
    """(server option lines, [(line number, raw line, sentinel words)])."""
    directives: List[Tuple[int, str, List[str]]] = []
    kept: List[str] = []
    for lineno, line, name, words in parse_config_text(text):
        if name == "sentinel":
            directives.append((lineno, line, words))
        else:
            kept.append(line)
    return "\n".join(kept), directives


def apply_directive(s: "Sentinel", words: List[str]) -> None:
    """One ``sentinel`` line (also SENTINEL SET / MONITOR at run time)."""
    if not words:
        raise SentinelConfigError("Unrecognized sentinel configuration statement.")
    op = words[0].lower()
    args = words[1:]
    try:
        if op == "monitor" and len(args) == 4:
            quorum = int(args[3])
            if quorum <= 0:
                raise SentinelConfigError("Quorum must be 1 or greater.")
            s.monitor(args[0], args[1], int(args[2]), quorum)
        elif op == "announce-ip" and len(args) == 1:
            s.announce_ip = args[0]
        elif op == "announce-port" and len(args) == 1:
            s.announce_port = int(args[0])
        elif op == "myid" and len(args) == 1:
            if len(args[0]) != 40:
                raise SentinelConfigError("Malformed Sentinel id in myid option.")
            s.myid = args[0]
        elif op == "current-epoch" and len(args) == 1:
            s.current_epoch = max(s.current_epoch, int(args[0]))
        elif op == "deny-scripts-reconfig" or op == "resolve-hostnames" \
                or op == "announce-hostnames":
            pass
        elif op in ("down-after-milliseconds", "failover-timeout", "parallel-syncs",
                    "auth-pass", "auth-user", "config-epoch", "leader-epoch",
                    "known-replica", "known-slave", "known-sentinel", "quorum",
                    "rename-command", "notification-script", "client-reconfig-script",
                    "master-reboot-down-after-period"):
            if not args:
                raise SentinelConfigError("Unrecognized sentinel configuration statement.")
            m = s.masters.get(args[0])
            if m is None:
                raise SentinelConfigError("No such master with specified name.")
            v = args[1:]
            if op == "down-after-milliseconds" and len(v) == 1:
                m.down_after = _positive(v[0])
            elif op == "failover-timeout" and len(v) == 1:
                m.failover_timeout = _positive(v[0])
            elif op == "parallel-syncs" and len(v) == 1:
                m.parallel_syncs = _positive(v[0])
            elif op == "quorum" and len(v) == 1:
                m.quorum = _positive(v[0])
            elif op == "auth-pass" and len(v) == 1:
                m.auth_pass = v[0]
            elif op == "auth-user" and len(v) == 1:
                m.auth_user = v[0]
            elif op == "config-epoch" and len(v) == 1:
                m.config_epoch = int(v[0])
                s.current_epoch = max(s.current_epoch, m.config_epoch)
            elif op == "leader-epoch" and len(v) == 1:
                m.leader_epoch = int(v[0])
            elif op in ("known-replica", "known-slave") and len(v) == 2:
                from .monitor import Instance
                key = "%s:%d" % (v[0], int(v[1]))
                if key not in m.replicas and (v[0], int(v[1])) != (m.ip, m.port):
                    m.replicas[key] = Instance("slave", v[0], int(v[1]), m)
            elif op == "known-sentinel" and len(v) in (2, 3):
                runid = v[2] if len(v) == 3 else "peer-%s-%s" % (v[0], v[1])
                if runid != s.myid:
                    s._learn_sentinel(m, v[0], int(v[1]), runid)
            elif op in ("rename-command", "notification-script", "client-reconfig-script",
                        "master-reboot-down-after-period"):
                pass  # accepted for compatibility; scripts are not run
            else:
                raise SentinelConfigError("Unrecognized sentinel configuration statement.")
        else:
            raise SentinelConfigError("Unrecognized sentinel configuration statement.")
    except ValueError:
        raise SentinelConfigError("Unrecognized sentinel configuration statement.") from None


def _positive(text: str) -> int:
    v = int(text)
    if v <= 0:
        raise SentinelConfigError("Invalid argument")
    return v


def write_config(s: "Sentinel", path: str) -> None:
    """rewriteConfigSentinelOption(): our state as sentinel lines; other lines kept."""
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as f:
            old = f.read().split("\n")
    except FileNotFoundError:
        old = []
    kept = [line for line in old
            if not line.strip().lower().startswith("sentinel ")
            and line.strip() != "# Generated by CONFIG REWRITE"]
    while kept and not kept[-1].strip():
        kept.pop()
    out = kept + ["sentinel myid %s" % s.myid]
    if s.announce_ip:
        out.append("sentinel announce-ip %s" % s.announce_ip)
    if s.announce_port:
        out.append("sentinel announce-port %d" % s.announce_port)
    for name, m in s.masters.items():
        out.append("sentinel monitor %s %s %d %d" % (name, m.ip, m.port, m.quorum))
        out.append("sentinel down-after-milliseconds %s %d" % (name, m.down_after))
        out.append("sentinel failover-timeout %s %d" % (name, m.failover_timeout))
        out.append("sentinel parallel-syncs %s %d" % (name, m.parallel_syncs))
        if m.auth_pass:
            out.append("sentinel auth-pass %s %s" % (name, m.auth_pass))
        if m.auth_user:
            out.append("sentinel auth-user %s %s" % (name, m.auth_user))
        out.append("sentinel config-epoch %s %d" % (name, m.config_epoch))
        out.append("sentinel leader-epoch %s %d" % (name, m.leader_epoch))
        for r in m.replicas.values():
            out.append("sentinel known-replica %s %s %d" % (name, r.ip, r.port))
        for sn in m.sentinels.values():
            out.append("sentinel known-sentinel %s %s %d %s" % (name, sn.ip, sn.port,
                                                                  sn.runid or ""))
    out.append("sentinel current-epoch %d" % s.current_epoch)
    tmp = path + ".tmp-sentinel"
    with open(tmp, "w", encoding="utf-8", errors="surrogateescape") as f:
        f.write("\n".join(out) + "\n")
    os.replace(tmp, path)
