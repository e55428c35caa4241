"""Sentinel mode's commands: SENTINEL (the client API redis-py's ``Sentinel`` and
redis-cli use), INFO and ROLE in their sentinel form, and the few server commands a
sentinel keeps (PING, AUTH, HELLO, CLIENT, COMMAND, pub/sub, SHUTDOWN, STRATA.EVENTS).

``SentinelEngine`` is an Engine whose dispatcher admits only those: as in Redis, the data
commands do not exist in sentinel mode.
"""

import fnmatch
import time
from typing import Any, Dict, List, Optional

from ..config import Config
from ..engine import Engine
from ..errors import CommandError
from ..replies import OK, Status
from .config import SentinelConfigError, apply_directive
from .monitor import (FAST_INFO_PERIOD, Instance, MasterInstance, NO_FAILOVER, Sentinel,
                      current_address)

__all__ = ["SentinelEngine"]

ALLOWED = frozenset((b"ping", b"auth", b"hello", b"client", b"command", b"subscribe",
                     b"unsubscribe", b"psubscribe", b"punsubscribe", b"publish", b"quit",
                     b"reset", b"shutdown", b"acl", b"strata.events", b"echo"))

E_NO_MASTER = "ERR No such master with that name"


class SentinelEngine(Engine):
    """An engine in sentinel mode (``strata-server --sentinel``, ``strata-sentinel``)."""

    def __init__(self, config: Optional[Config] = None, **options: Any) -> None:
        super().__init__(config, **options)
        self.sentinel = Sentinel(self)
        self.restrict_fast_path("sentinel", lambda cmd: False)

    def call(self, c: Any, argv: List[bytes]) -> Any:
        name = argv[0].lower()
        handler = _SPECIAL.get(name)
        if handler is not None:
            if not c.authenticated and self.auth_required:
                return super().call(c, argv)  # NOAUTH
            try:
                return handler(self, c, argv)
            except CommandError as e:
                self.stats.count_error(e.text)
                return e
        if name not in ALLOWED:
            args = " ".join("'%s'" % a.decode("utf-8", "replace") for a in argv[1:])[:128]
            e = CommandError("ERR unknown command '%s', with args beginning with: %s"
                             % (argv[0].decode("utf-8", "replace"), args))
            self.stats.count_error(e.text)
            return e
        return super().call(c, argv)


# ====================================================================== SENTINEL
def _ms_ago(t: float) -> int:
    return int((time.time() - t) * 1000) if t else 0


def _common(ri: Instance, name: str) -> Dict[bytes, bytes]:
    link = ri.link
    out: Dict[bytes, Any] = {
        b"name": name, b"ip": ri.ip, b"port": ri.port, b"runid": ri.runid or "",
        b"flags": ri.flags_text(),
        b"link-pending-commands": len(link.pending) if link is not None else 0,
        b"link-refcount": 1,
        b"last-ping-sent": _ms_ago(ri.act_ping_time),
        b"last-ok-ping-reply": _ms_ago(ri.last_avail_time),
        b"last-ping-reply": _ms_ago(ri.last_pong_time),
    }
    if "s_down" in ri.flags:
        out[b"s-down-time"] = _ms_ago(ri.s_down_since)
    if "o_down" in ri.flags:
        out[b"o-down-time"] = _ms_ago(ri.o_down_since)
    return out


def _enc(d: Dict[bytes, Any]) -> Dict[bytes, bytes]:
    return {k: (v if isinstance(v, bytes) else str(v).encode()) for k, v in d.items()}


def master_state(s: Sentinel, m: MasterInstance) -> Dict[bytes, bytes]:
    out = _common(m, m.name)
    out.update({
        b"down-after-milliseconds": m.down_after,
        b"info-refresh": _ms_ago(m.info_refresh),
        b"role-reported": m.role_reported,
        b"role-reported-time": _ms_ago(m.role_reported_time),
        b"config-epoch": m.config_epoch,
        b"num-slaves": len(m.replicas),
        b"num-other-sentinels": len(m.sentinels),
        b"quorum": m.quorum,
        b"failover-timeout": m.failover_timeout,
        b"parallel-syncs": m.parallel_syncs,
    })
    if m.failover_state != NO_FAILOVER:
        out[b"failover-state"] = "failover_state_" + m.failover_state
    return _enc(out)


def replica_state(ri: Instance) -> Dict[bytes, bytes]:
    out = _common(ri, ri.name)
    m = ri.master
    out.update({
        b"down-after-milliseconds": m.down_after if m is not None else 0,
        b"info-refresh": _ms_ago(ri.info_refresh),
        b"role-reported": ri.role_reported,
        b"role-reported-time": _ms_ago(ri.role_reported_time),
        b"master-link-down-time": ri.master_link_down_time,
        b"master-link-status": "ok" if ri.slave_master_link_up else "err",
        b"master-host": ri.slave_master_host or "?",
        b"master-port": ri.slave_master_port,
        b"slave-priority": ri.slave_priority,
        b"slave-repl-offset": ri.slave_repl_offset,
        b"replica-announced": 1 if ri.replica_announced else 0,
    })
    return _enc(out)


def sentinel_state(ri: Instance) -> Dict[bytes, bytes]:
    out = _common(ri, ri.runid or ri.name)
    m = ri.master
    out.update({
        b"down-after-milliseconds": m.down_after if m is not None else 0,
        b"last-hello-message": _ms_ago(ri.last_hello_time),
        b"voted-leader": ri.leader or "?",
        b"voted-leader-epoch": ri.leader_epoch,
    })
    return _enc(out)


def _master(s: Sentinel, name: bytes) -> MasterInstance:
    m = s.masters.get(name.decode("utf-8", "surrogateescape"))
    if m is None:
        raise CommandError(E_NO_MASTER)
    return m


def _arity(argv: List[bytes], n: int, exact: bool = True) -> None:
    if (exact and len(argv) != n) or (not exact and len(argv) < n):
        raise CommandError("ERR wrong number of arguments for 'sentinel|%s' command"
                           % argv[1].decode("utf-8", "replace").lower())


def sentinel_command(eng: SentinelEngine, c: Any, argv: List[bytes]) -> Any:
    s = eng.sentinel
    if len(argv) < 2:
        raise CommandError("ERR wrong number of arguments for 'sentinel' command")
    sub = argv[1].lower()
    if sub in (b"masters",):
        _arity(argv, 2)
        return [master_state(s, m) for m in s.masters.values()]
    if sub == b"master":
        _arity(argv, 3)
        return master_state(s, _master(s, argv[2]))
    if sub in (b"replicas", b"slaves"):
        _arity(argv, 3)
        m = _master(s, argv[2])
        return [replica_state(r) for r in m.replicas.values()]
    if sub == b"sentinels":
        _arity(argv, 3)
        m = _master(s, argv[2])
        return [sentinel_state(r) for r in m.sentinels.values()]
    if sub == b"get-master-addr-by-name":
        _arity(argv, 3)
        m = s.masters.get(argv[2].decode("utf-8", "surrogateescape"))
        if m is None:
            return None
        ip, port = current_address(m)
        return [ip.encode(), str(port).encode()]
    if sub == b"is-master-down-by-addr":
        _arity(argv, 6)
        ip = argv[2].decode()
        try:
            port, epoch = int(argv[3]), int(argv[4])
        except ValueError:
            raise CommandError("ERR value is not an integer or out of range") from None
        runid = argv[5].decode()
        m = next((x for x in s.masters.values() if x.ip == ip and x.port == port), None)
        down = 1 if m is not None and "s_down" in m.flags and not s.tilt else 0
        leader, leader_epoch = "*", 0
        if m is not None and runid != "*":
            leader, leader_epoch = s.vote_leader(m, epoch, runid)
        return [down, leader.encode(), leader_epoch if runid != "*" else 0]
    if sub == b"failover":
        _arity(argv, 3)
        m = _master(s, argv[2])
        if m.failover_state != NO_FAILOVER:
            raise CommandError("INPROG Failover already in progress")
        if s._select_replica(m, time.time()) is None:
            raise CommandError("NOGOODSLAVE No suitable replica to promote")
        s.event("+new-epoch", m)
        s.start_failover(m, time.time(), forced=True)
        return OK
    if sub == b"ckquorum":
        _arity(argv, 3)
        m = _master(s, argv[2])
        usable = 1 + sum(1 for x in m.sentinels.values()
                         if "s_down" not in x.flags and x.link is not None
                         and x.link.connected)
        voters = len(m.sentinels) + 1
        if usable < m.quorum:
            raise CommandError("NOQUORUM %d usable Sentinels. Not enough available Sentinels "
                               "to reach the specified quorum for this master" % usable)
        if usable < voters // 2 + 1:
            raise CommandError("NOQUORUM %d usable Sentinels. Not enough available Sentinels "
                               "to reach the majority and authorize a failover" % usable)
        return Status("OK %d usable Sentinels. Quorum and failover authorization can be "
                      "reached" % usable)
    if sub == b"reset":
        _arity(argv, 3)
        pattern = argv[2].decode("utf-8", "surrogateescape")
        n = 0
        for name, m in list(s.masters.items()):
            if fnmatch.fnmatchcase(name, pattern):
                s.reset_master(m)
                s.event("+reset-master", m)
                n += 1
        s.flush_config()
        return n
    if sub == b"monitor":
        _arity(argv, 6)
        name = argv[2].decode("utf-8", "surrogateescape")
        if name in s.masters:
            raise CommandError("ERR Duplicated master name")
        try:
            port, quorum = int(argv[4]), int(argv[5])
        except ValueError:
            raise CommandError("ERR value is not an integer or out of range") from None
        if quorum <= 0:
            raise CommandError("ERR Quorum must be 1 or greater.")
        if not 0 < port <= 65535:
            raise CommandError("ERR Invalid port number")
        m = s.monitor(name, argv[3].decode(), port, quorum)
        s.event("+monitor", m, "quorum %d" % quorum)
        s.flush_config()
        return OK
    if sub == b"remove":
        _arity(argv, 3)
        m = _master(s, argv[2])
        s.remove(m.name)
        s.flush_config()
        return OK
    if sub == b"set":
        _arity(argv, 5, exact=False)
        m = _master(s, argv[2])
        if (len(argv) - 3) % 2:
            raise CommandError("ERR wrong number of arguments for 'sentinel|set' command")
        for i in range(3, len(argv), 2):
            opt = argv[i].decode("utf-8", "surrogateescape").lower()
            val = argv[i + 1].decode("utf-8", "surrogateescape")
            try:
                apply_directive(s, [opt, m.name, val])
            except SentinelConfigError:
                raise CommandError("ERR Invalid argument '%s' for SENTINEL SET '%s'"
                                   % (val, opt)) from None
            s.event("+set", m, "%s %s" % (opt, val))
        s.flush_config()
        return OK
    if sub == b"myid":
        _arity(argv, 2)
        return s.myid.encode()
    if sub == b"flushconfig":
        _arity(argv, 2)
        s.flush_config()
        return OK
    if sub == b"pending-scripts":
        return []
    if sub == b"debug":
        if len(argv) == 2:
            return {b"fast-info-period": str(int(FAST_INFO_PERIOD * 1000)).encode(),
                    b"max-desync": str(int(s.desync * 1000)).encode()}
        for i in range(2, len(argv) - 1, 2):
            if argv[i].lower() == b"max-desync":
                s.desync = int(argv[i + 1]) / 1000.0
        return OK
    if sub == b"config":
        if len(argv) >= 4 and argv[2].lower() == b"get":
            pat = argv[3].decode().lower()
            vals = {"announce-ip": s.announce_ip, "announce-port": str(s.announce_port),
                    "resolve-hostnames": "no", "announce-hostnames": "no"}
            return {k.encode(): v.encode() for k, v in vals.items()
                    if fnmatch.fnmatchcase(k, pat)}
        if len(argv) == 5 and argv[2].lower() == b"set":
            try:
                apply_directive(s, [argv[3].decode().lower(), argv[4].decode()])
            except SentinelConfigError as e:
                raise CommandError("ERR " + str(e)) from None
            s.flush_config()
            return OK
        raise CommandError("ERR syntax error")
    if sub == b"help":
        return [b"SENTINEL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                b"CKQUORUM <master-name>", b"CONFIG SET|GET <param> ...",
                b"FAILOVER <master-name>", b"FLUSHCONFIG", b"GET-MASTER-ADDR-BY-NAME "
                b"<master-name>", b"IS-MASTER-DOWN-BY-ADDR <ip> <port> <current-epoch> "
                b"<runid>", b"MASTER <master-name>", b"MASTERS", b"MONITOR <name> <ip> "
                b"<port> <quorum>", b"MYID", b"REMOVE <master-name>", b"REPLICAS "
                b"<master-name>", b"RESET <pattern>", b"SENTINELS <master-name>",
                b"SET <master-name> <option> <value> ..."]
    raise CommandError("ERR Unknown sentinel subcommand '%s'"
                       % argv[1].decode("utf-8", "replace"))


def info_command(eng: SentinelEngine, c: Any, argv: List[bytes]) -> Any:
    from ..info import SECTIONS
    from ..replies import Verbatim
    s = eng.sentinel
    want = {a.decode().lower() for a in argv[1:]} or {"default"}
    every = bool(want & {"all", "everything", "default"})
    parts = []
    if every or "server" in want:
        fields = [(k, "sentinel" if k == "redis_mode" else v)
                  for k, v in SECTIONS["server"](eng)]
        parts.append("# Server\r\n" + "".join("%s:%s\r\n" % kv for kv in fields))
    if every or "clients" in want:
        parts.append("# Clients\r\n" + "".join("%s:%s\r\n" % kv
                                                for kv in SECTIONS["clients"](eng)))
    if every or "sentinel" in want:
        lines = ["sentinel_masters:%d" % len(s.masters), "sentinel_tilt:0",
                 "sentinel_tilt_since_seconds:-1", "sentinel_running_scripts:0",
                 "sentinel_scripts_queue_length:0", "sentinel_simulate_failure_flags:0"]
        for i, m in enumerate(s.masters.values()):
            status = "odown" if "o_down" in m.flags else \
                "sdown" if "s_down" in m.flags else "ok"
            ip, port = current_address(m)
            lines.append("master%d:name=%s,status=%s,address=%s:%d,slaves=%d,sentinels=%d"
                         % (i, m.name, status, ip, port, len(m.replicas),
                            len(m.sentinels) + 1))
        parts.append("# Sentinel\r\n" + "".join(line + "\r\n" for line in lines))
    text = "\r\n".join(parts).encode()
    return Verbatim(text) if c.resp == 3 else text


def role_command(eng: SentinelEngine, c: Any, argv: List[bytes]) -> Any:
    return [b"sentinel", [n.encode() for n in eng.sentinel.masters]]


_SPECIAL = {b"sentinel": sentinel_command, b"info": info_command, b"role": role_command}
