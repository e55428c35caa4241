"""The Sentinel monitor: watches masters and their replicas, agrees with the other
monitors that a master is down, elects a leader and fails over (Redis's sentinel.c).

Per master, every 100 ms (sentinelTimer): links are (re)connected; each instance is sent
PING every second (or every down-after-milliseconds if shorter) and INFO every 10 s (every
200 ms while its master is down or failing over, so that a failover is seen quickly); a
hello message ``ip,port,runid,current_epoch,master,master_ip,master_port,config_epoch`` is
published every 2 s on ``__sentinel__:hello`` of the master and its replicas, where every
monitor subscribes: that is how monitors (and replicas, through INFO) are discovered.
Monitors may also be configured as known peers (``sentinel known-sentinel``).

A master that answered no PING for down-after-milliseconds is subjectively down (+sdown);
once ``quorum`` monitors say so (SENTINEL is-master-down-by-addr) it is objectively down
(+odown) and a failover starts in a new epoch (+try-failover) after a random delay of up
to SENTINEL_MAX_DESYNC; the monitor asks the others for their vote in that epoch (each
votes for the first asker of an epoch, and after voting for another waits twice the
failover timeout before trying itself) and becomes leader with a majority of the monitors
(and at least ``quorum`` votes). The leader promotes the best replica (lowest
replica-priority, then highest replication offset, then lowest run id; none that is down,
stale, or priority 0) with SLAVEOF NO ONE, points the other replicas at it, then switches
the master's address (+switch-master, with a higher config epoch that hello messages
spread to the other monitors). The old master is kept as a replica of the new one and is
told to follow it when it comes back.
"""

import asyncio
import collections
import os
import random
import time
from typing import TYPE_CHECKING, Any, Callable, Deque, Dict, List, Optional, Tuple

import hiredis

from ..log import NOTICE, WARNING

if TYPE_CHECKING:  # pragma: no cover
    from ..engine import Engine

__all__ = ["Sentinel", "Instance", "MasterInstance"]

HELLO_CHANNEL = b"__sentinel__:hello"
INFO_PERIOD = 10.0
FAST_INFO_PERIOD = 0.2
PING_PERIOD = 1.0
HELLO_PERIOD = 2.0
ASK_PERIOD = 0.25
MAX_DESYNC = 1.0
ELECTION_TIMEOUT = 10.0
DEFAULT_DOWN_AFTER = 30000
DEFAULT_FAILOVER_TIMEOUT = 180000
MIN_LINK_RECONNECT = 0.1
CONVERT_WAIT = 2.0    # a returning old master reports role:master this long before SLAVEOF
FRESH_INFO_WAIT = 1.0  # how long the leader waits for replica offsets read after +sdown

# failover states (INFO and SENTINEL MASTER show them by these names)
NO_FAILOVER = "none"
WAIT_START = "wait_start"
SELECT_SLAVE = "select_slave"
SEND_SLAVEOF_NOONE = "send_slaveof_noone"
WAIT_PROMOTION = "wait_promotion"
RECONF_SLAVES = "reconf_slaves"
UPDATE_CONFIG = "update_config"


def _cmd(*args: Any) -> bytes:
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        b = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(b), b))
    return b"".join(out)


class Link:
    """A RESP connection to an instance: pipelined requests answered in order, or (for a
    pub/sub link) every message handed to ``on_message``."""

    def __init__(self, host: str, port: int, on_message: Optional[Callable[[Any], None]] = None
                 ) -> None:
        self.host, self.port = host, port
        self.on_message = on_message
        self.writer: Any = None
        self.pending: Deque[asyncio.Future] = collections.deque()
        self.connected = False
        self.connecting = False
        self.closed = False
        self.task: Any = None
        self.local_ip = ""

    async def connect(self, timeout: float, setup: List[List[Any]]) -> bool:
        self.connecting = True
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(self.host, self.port), timeout)
        except (OSError, asyncio.TimeoutError):
            self.connecting = False
            self.closed = True
            return False
        self.connecting = False
        if self.closed:
            writer.close()
            return False
        self.writer = writer
        sock = writer.get_extra_info("sockname")
        if isinstance(sock, tuple):
            self.local_ip = sock[0]
        self.connected = True
        self.task = asyncio.ensure_future(self._read(reader))
        for args in setup:
            fut = self.send(*args)
            if fut is not None:
                fut.add_done_callback(_ignore)
        return True

    def send(self, *args: Any) -> Optional[asyncio.Future]:
        if not self.connected or self.writer is None:
            return None
        fut = asyncio.get_running_loop().create_future() if self.on_message is None else None
        try:
            self.writer.write(_cmd(*args))
        except Exception:  # noqa: BLE001 - a closing transport
            self.close()
            return None
        if fut is not None:
            self.pending.append(fut)
        return fut

    async def _read(self, reader: asyncio.StreamReader) -> None:
        parser = hiredis.Reader()
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    break
                parser.feed(data)
                while True:
                    reply = parser.gets()
                    if reply is False:
                        break
                    if self.on_message is not None:
                        self.on_message(reply)
                    elif self.pending:
                        fut = self.pending.popleft()
                        if not fut.done():
                            fut.set_result(reply)
        except (OSError, asyncio.CancelledError, hiredis.ProtocolError):
            pass
        finally:
            self.close()

    def close(self) -> None:
        self.closed = True
        self.connected = False
        if self.writer is not None:
            try:
                self.writer.close()
            except Exception:  # noqa: BLE001
                pass
        while self.pending:
            fut = self.pending.popleft()
            if not fut.done():
                fut.set_result(ConnectionError("link closed"))


def _ignore(fut: asyncio.Future) -> None:
    if not fut.cancelled():
        fut.result()


def _now() -> float:
    return time.time()


def current_address(m: "MasterInstance") -> Tuple[str, int]:
    """sentinelGetCurrentMasterAddress(): once the promoted replica acknowledged its new
    role (reconf_slaves), the master's address is already the promoted one."""
    p = m.promoted_slave
    if p is not None and m.failover_state == RECONF_SLAVES:
        return p.ip, p.port
    return m.ip, m.port


class Instance:
    """A monitored master, replica, or another monitor (sentinelRedisInstance)."""

    def __init__(self, kind: str, ip: str, port: int, master: Optional["MasterInstance"]
                 ) -> None:
        self.kind = kind                  # "master", "slave", "sentinel"
        self.ip, self.port = ip, port
        self.master = master
        self.name = "%s:%d" % (ip, port)
        self.runid: Optional[str] = None
        self.link: Optional[Link] = None
        self.pubsub: Optional[Link] = None
        self.link_since = 0.0             # when the command link was last (re)tried
        now = _now()
        self.act_ping_time = 0.0          # a PING is pending since (0: none)
        self.last_ping_time = 0.0
        self.last_pong_time = now
        self.last_avail_time = now
        self.last_hello_time = 0.0        # for monitors: last hello heard
        self.last_hello_sent = 0.0
        self.info_refresh = 0.0
        self.info_asked = 0.0             # when the INFO behind info_refresh was sent
        self.info_pending = False
        self.role_reported = kind if kind != "sentinel" else "sentinel"
        self.role_reported_time = now
        self.s_down_since = 0.0
        self.o_down_since = 0.0
        self.flags: set = set()
        # replica fields (from its INFO)
        self.slave_master_host: Optional[str] = None
        self.slave_master_port = 0
        self.slave_master_link_up = False
        self.master_link_down_time = 0
        self.slave_priority = 100
        self.slave_repl_offset = 0
        self.replica_announced = True
        self.slave_conf_change_time = now
        self.slave_reconf_sent_time = 0.0
        # monitor fields
        self.leader: Optional[str] = None
        self.leader_epoch = 0
        self.last_master_down_reply = 0.0
        self.promoted = False

    @property
    def addr(self) -> Tuple[str, int]:
        return self.ip, self.port

    def flags_text(self) -> str:
        out = [self.kind]
        for f in ("s_down", "o_down", "master_down", "failover_in_progress", "promoted",
                  "reconf_sent", "reconf_inprog", "reconf_done"):
            if f in self.flags:
                out.append(f)
        if self.link is None or not self.link.connected:
            out.append("disconnected")
        return ",".join(out)

    def close_links(self) -> None:
        for link in (self.link, self.pubsub):
            if link is not None:
                link.close()
        self.link = self.pubsub = None


class MasterInstance(Instance):
    """A monitored master with its replicas and the other monitors that watch it."""

    def __init__(self, name: str, ip: str, port: int, quorum: int) -> None:
        super().__init__("master", ip, port, None)
        self.master = None
        self.name = name
        self.quorum = quorum
        self.down_after = DEFAULT_DOWN_AFTER
        self.failover_timeout = DEFAULT_FAILOVER_TIMEOUT
        self.parallel_syncs = 1
        self.auth_pass = ""
        self.auth_user = ""
        self.config_epoch = 0
        self.replicas: Dict[str, Instance] = {}
        self.sentinels: Dict[str, Instance] = {}     # by run id
        self.failover_state = NO_FAILOVER
        self.failover_epoch = 0
        self.failover_start_time = 0.0
        self.failover_state_change_time = 0.0
        self.failover_delay_logged = 0.0
        self.promoted_slave: Optional[Instance] = None
        self.leader: Optional[str] = None
        self.leader_epoch = 0
        self.last_ask = 0.0
        self.ask_forced = False

    def down_after_s(self) -> float:
        return self.down_after / 1000.0


class Sentinel:
    """The monitor of one sentinel server (engine.sentinel)."""

    def __init__(self, engine: "Engine") -> None:
        self.engine = engine
        self.myid = os.urandom(20).hex()
        self.current_epoch = 0
        self.masters: Dict[str, MasterInstance] = {}
        self.announce_ip = ""
        self.announce_port = 0
        self.events: Deque[Tuple[int, str, str]] = collections.deque(maxlen=1000)
        self.config_file: Optional[str] = None
        self.peers: List[Tuple[str, str, int, str]] = []   # (master, ip, port, runid)
        self._timer: Any = None
        self.tilt = False
        self.simulate_failure = 0
        self.desync = MAX_DESYNC

    # ---------------------------------------------------------------- lifecycle
    def start(self) -> None:
        loop = self.engine.loop
        if loop is not None and self._timer is None:
            self._timer = loop.call_later(0.05, self._tick)
        for m in self.masters.values():
            self.event("+monitor", m, "quorum %d" % m.quorum)

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        for m in self.masters.values():
            m.close_links()
            for ri in list(m.replicas.values()) + list(m.sentinels.values()):
                ri.close_links()

    @property
    def port(self) -> int:
        return self.announce_port or self.engine.config.values["port"]

    def log(self, level: int, msg: str) -> None:
        for srv in self.engine.servers:
            srv.log(level, msg)
            break

    def event(self, kind: str, ri: Instance, extra: str = "", level: int = NOTICE) -> None:
        """sentinelEvent(): log, publish on channel ``kind``, keep in the events log."""
        if ri.kind == "master":
            text = "master %s %s %d" % (ri.name, ri.ip, ri.port)
        else:
            m = ri.master
            text = "%s %s %s %d @ %s %s %d" % (ri.kind, ri.name, ri.ip, ri.port, m.name,
                                              m.ip, m.port) if m is not None else \
                "%s %s %s %d" % (ri.kind, ri.name, ri.ip, ri.port)
        if extra:
            text += " " + extra
        self._emit(kind, text, level)

    def _emit(self, kind: str, text: str, level: int = NOTICE) -> None:
        self.log(level, "%s %s" % (kind, text))
        self.events.append((int(time.time() * 1000), kind, text))
        try:
            self.engine.pubsub.publish(kind.encode(), text.encode())
        except Exception:  # noqa: BLE001 - events must never break the monitor
            pass

    # ---------------------------------------------------------------- config
    def monitor(self, name: str, ip: str, port: int, quorum: int) -> MasterInstance:
        m = MasterInstance(name, ip, port, quorum)
        self.masters[name] = m
        return m

    def remove(self, name: str) -> None:
        m = self.masters.pop(name)
        m.close_links()
        for ri in list(m.replicas.values()) + list(m.sentinels.values()):
            ri.close_links()
        self.event("-monitor", m)

    def reset_master(self, m: MasterInstance, keep_sentinels: bool = False) -> None:
        """sentinelResetMaster(): forget replicas, monitors and failover state."""
        for ri in list(m.replicas.values()):
            ri.close_links()
        m.replicas = {}
        if not keep_sentinels:
            for ri in m.sentinels.values():
                ri.close_links()
            m.sentinels = {}
        m.close_links()
        m.flags = set()
        m.failover_state = NO_FAILOVER
        m.promoted_slave = None
        m.runid = None
        m.s_down_since = m.o_down_since = 0.0
        now = _now()
        m.last_avail_time = m.last_pong_time = now
        m.act_ping_time = 0.0
        m.info_refresh = 0.0
        m.role_reported = "master"
        m.role_reported_time = now

    # ---------------------------------------------------------------- the timer
    def _tick(self) -> None:
        self._timer = None
        try:
            now = _now()
            for m in list(self.masters.values()):
                self._handle_master(m, now)
        except Exception as e:  # noqa: BLE001 - keep monitoring whatever happens
            import traceback
            self.log(WARNING, "sentinel timer error: %r\n%s" % (e, traceback.format_exc()))
        loop = self.engine.loop
        if loop is not None and not loop.is_closed():
            # 10..19 ticks a second, varying, as sentinelTimer changes server.hz: monitors
            # that saw the same failure at the same instant drift apart before voting
            self._timer = loop.call_later(1.0 / (10 + random.randrange(10)), self._tick)

    def _handle_master(self, m: MasterInstance, now: float) -> None:
        self._handle_instance(m, now)
        for ri in list(m.replicas.values()):
            self._handle_instance(ri, now)
        for ri in list(m.sentinels.values()):
            self._handle_instance(ri, now)
        self._check_objectively_down(m, now)
        if self._start_failover_if_needed(m, now):
            self._ask_master_state(m, now, forced=True)
        self._failover_state_machine(m, now)
        self._ask_master_state(m, now, forced=False)

    def _handle_instance(self, ri: Instance, now: float) -> None:
        self._reconnect(ri, now)
        self._send_periodic(ri, now)
        self._check_subjectively_down(ri, now)
        if ri.kind in ("master", "slave"):
            self._maybe_convert_returning_master(ri, now)

    # ---------------------------------------------------------------- links
    def _auth_setup(self, ri: Instance) -> List[List[Any]]:
        m = ri if isinstance(ri, MasterInstance) else ri.master
        setup: List[List[Any]] = []
        if ri.kind != "sentinel" and m is not None and m.auth_pass:
            if m.auth_user:
                setup.append(["AUTH", m.auth_user, m.auth_pass])
            else:
                setup.append(["AUTH", m.auth_pass])
        return setup

    def _reconnect(self, ri: Instance, now: float) -> None:
        link = ri.link
        if (link is None or link.closed) and now - ri.link_since >= MIN_LINK_RECONNECT:
            ri.link_since = now
            link = ri.link = Link(ri.ip, ri.port)
            setup = self._auth_setup(ri)
            setup.append(["CLIENT", "SETNAME", "sentinel-%s-cmd" % self.myid[:8]])
            asyncio.ensure_future(self._connect(ri, link, setup))
        if ri.kind != "sentinel":
            ps = ri.pubsub
            if (ps is None or ps.closed) and (link is not None and link.connected):
                ps = ri.pubsub = Link(ri.ip, ri.port,
                                      on_message=lambda msg, ri=ri: self._on_hello(ri, msg))
                setup = self._auth_setup(ri)
                setup.append(["SUBSCRIBE", HELLO_CHANNEL])
                asyncio.ensure_future(ps.connect(1.0, setup))

    async def _connect(self, ri: Instance, link: Link, setup: List[List[Any]]) -> None:
        ok = await link.connect(max(0.5, self._down_after(ri) / 2), setup)
        if ok:
            ri.act_ping_time = 0.0
            self._send_ping(ri)
            if ri.kind != "sentinel":
                self._send_info(ri)

    def _down_after(self, ri: Instance) -> float:
        m = ri if isinstance(ri, MasterInstance) else ri.master
        return m.down_after_s() if m is not None else DEFAULT_DOWN_AFTER / 1000

    # ---------------------------------------------------------------- periodic
    def _send_periodic(self, ri: Instance, now: float) -> None:
        link = ri.link
        if link is None or not link.connected:
            return
        m = ri if isinstance(ri, MasterInstance) else ri.master
        if ri.kind != "sentinel":
            period = INFO_PERIOD
            if ri.kind == "slave" and m is not None and (
                    "s_down" in m.flags or "o_down" in m.flags
                    or m.failover_state != NO_FAILOVER):
                period = FAST_INFO_PERIOD
            if ri.kind == "master" and (m.failover_state != NO_FAILOVER
                                        or "s_down" in m.flags):
                period = FAST_INFO_PERIOD
            if "promoted" in ri.flags or ri.flags & {"reconf_sent", "reconf_inprog"}:
                period = FAST_INFO_PERIOD
            if not ri.info_pending and now - ri.info_refresh >= period:
                self._send_info(ri)
        down_after = self._down_after(ri)
        ping_period = min(PING_PERIOD, down_after)
        if ri.act_ping_time and now - ri.act_ping_time > down_after / 2 \
                and now - ri.last_pong_time > down_after / 2:
            link.close()  # a link that stopped answering: reconnect (the master may be fine)
            return
        if not ri.act_ping_time and now - ri.last_ping_time >= ping_period:
            self._send_ping(ri)
        if ri.kind != "sentinel" and now - ri.last_hello_sent >= HELLO_PERIOD:
            self._send_hello(ri)

    def _send_ping(self, ri: Instance) -> None:
        link = ri.link
        if link is None:
            return
        fut = link.send("PING")
        if fut is None:
            return
        now = _now()
        ri.last_ping_time = now
        if not ri.act_ping_time:
            ri.act_ping_time = now

        def done(f: asyncio.Future, ri: Instance = ri) -> None:
            r = f.result()
            t = _now()
            ri.last_pong_time = t
            if isinstance(r, ConnectionError):
                return
            if not isinstance(r, Exception) or str(r).startswith(("LOADING", "MASTERDOWN")):
                ri.last_avail_time = t
                ri.act_ping_time = 0.0
        fut.add_done_callback(done)

    def _send_info(self, ri: Instance) -> None:
        link = ri.link
        if link is None:
            return
        fut = link.send("INFO")
        if fut is None:
            return
        ri.info_pending = True
        asked = _now()

        def done(f: asyncio.Future, ri: Instance = ri) -> None:
            ri.info_pending = False
            ri.info_asked = asked
            r = f.result()
            if isinstance(r, bytes):
                try:
                    self._refresh_from_info(ri, r.decode("utf-8", "replace"))
                except Exception as e:  # noqa: BLE001
                    self.log(WARNING, "bad INFO from %s: %r" % (ri.name, e))
        fut.add_done_callback(done)

    def _my_ip(self, ri: Instance) -> str:
        if self.announce_ip:
            return self.announce_ip
        link = ri.link
        return link.local_ip if link is not None and link.local_ip else "127.0.0.1"

    def _send_hello(self, ri: Instance) -> None:
        m = ri if isinstance(ri, MasterInstance) else ri.master
        link = ri.link
        if m is None or link is None:
            return
        ri.last_hello_sent = _now()
        ip, port = current_address(m)
        payload = "%s,%d,%s,%d,%s,%s,%d,%d" % (
            self._my_ip(ri), self.port, self.myid, self.current_epoch, m.name, ip, port,
            m.config_epoch)
        fut = link.send("PUBLISH", HELLO_CHANNEL, payload)
        if fut is not None:
            fut.add_done_callback(_ignore)

    # ---------------------------------------------------------------- INFO
    def _refresh_from_info(self, ri: Instance, text: str) -> None:
        """sentinelRefreshInstanceInfo()."""
        now = _now()
        ri.info_refresh = now
        fields: Dict[str, str] = {}
        replicas: List[Dict[str, str]] = []
        for line in text.split("\r\n"):
            if not line or line.startswith("#") or ":" not in line:
                continue
            k, v = line.split(":", 1)
            if k.startswith("slave") and k[5:].isdigit():
                d = dict(p.split("=", 1) for p in v.split(",") if "=" in p)
                replicas.append(d)
            else:
                fields[k] = v
        runid = fields.get("run_id")
        if runid:
            if ri.runid and ri.runid != runid:
                self.event("+reboot", ri)
            ri.runid = runid
        role = fields.get("role")
        if role is None:
            return
        role = "master" if role == "master" else "slave"
        if role != ri.role_reported:
            ri.role_reported = role
            ri.role_reported_time = now
            if ri.kind == "slave":
                ri.slave_conf_change_time = now
        m = ri if isinstance(ri, MasterInstance) else ri.master
        if role == "master" and ri.kind == "master":
            for d in replicas:
                try:
                    ip, port = d["ip"], int(d["port"])
                except (KeyError, ValueError):
                    continue
                key = "%s:%d" % (ip, port)
                if key not in ri.replicas:  # type: ignore[union-attr]
                    rep = Instance("slave", ip, port, ri)  # type: ignore[arg-type]
                    ri.replicas[key] = rep  # type: ignore[union-attr]
                    self.event("+slave", rep)
                    self.flush_config()
        if role == "slave":
            host = fields.get("master_host")
            try:
                port = int(fields.get("master_port", "0"))
            except ValueError:
                port = 0
            if host != ri.slave_master_host or port != ri.slave_master_port:
                ri.slave_master_host, ri.slave_master_port = host, port
                ri.slave_conf_change_time = now
            ri.slave_master_link_up = fields.get("master_link_status") == "up"
            try:
                ri.master_link_down_time = int(fields.get("master_link_down_since_seconds",
                                                          "0")) * 1000
            except ValueError:
                ri.master_link_down_time = 0
            try:
                ri.slave_priority = int(fields.get("slave_priority", "100"))
            except ValueError:
                pass
            try:
                ri.slave_repl_offset = int(fields.get("slave_repl_offset", "0"))
            except ValueError:
                pass
            ri.replica_announced = fields.get("replica_announced", "1") != "0"
        if m is None:
            return
        # the replica we promoted reports it is a master now
        if ri.kind == "slave" and role == "master" and "promoted" in ri.flags \
                and m.failover_state == WAIT_PROMOTION:
            m.config_epoch = m.failover_epoch
            m.failover_state = RECONF_SLAVES
            m.failover_state_change_time = now
            self.event("+promoted-slave", ri)
            self.event("+failover-state-reconf-slaves", m)
            self.flush_config()
            # sentinelForceHelloUpdateForMaster(): tell the other monitors now
            for x in [m] + list(m.replicas.values()):
                x.last_hello_sent = 0.0
            return
        # a replica following the promoted one during reconfiguration
        if ri.kind == "slave" and role == "slave" and m.promoted_slave is not None \
                and ri.flags & {"reconf_sent", "reconf_inprog"}:
            p = m.promoted_slave
            if "reconf_sent" in ri.flags and ri.slave_master_host == p.ip \
                    and ri.slave_master_port == p.port:
                ri.flags.discard("reconf_sent")
                ri.flags.add("reconf_inprog")
                self.event("+slave-reconf-inprog", ri)
            if "reconf_inprog" in ri.flags and ri.slave_master_link_up:
                ri.flags.discard("reconf_inprog")
                ri.flags.add("reconf_done")
                self.event("+slave-reconf-done", ri)
        # a replica that follows the wrong master (not during a failover): fix it
        if ri.kind == "slave" and role == "slave" and m.failover_state == NO_FAILOVER \
                and "s_down" not in m.flags and "o_down" not in m.flags \
                and (ri.slave_master_host != m.ip or ri.slave_master_port != m.port) \
                and now - ri.slave_conf_change_time > CONVERT_WAIT \
                and now - ri.slave_reconf_sent_time > CONVERT_WAIT:
            ri.slave_reconf_sent_time = now
            self._send_slaveof(ri, m.ip, m.port)
            self.event("+fix-slave-config", ri)

    def _maybe_convert_returning_master(self, ri: Instance, now: float) -> None:
        """An instance we list as a replica reports role:master (an old master back after
        a failover): once it did so for a while, make it follow the current master."""
        m = ri.master
        if ri.kind != "slave" or m is None or ri.role_reported != "master":
            return
        if "promoted" in ri.flags or m.failover_state != NO_FAILOVER:
            return
        if "s_down" in m.flags or "o_down" in m.flags:
            return
        if now - ri.role_reported_time < CONVERT_WAIT or now - ri.info_refresh > 5:
            return
        if now - ri.slave_reconf_sent_time < CONVERT_WAIT:
            return
        ri.slave_reconf_sent_time = now
        self.event("+convert-to-slave", ri)
        self._send_slaveof(ri, m.ip, m.port)

    # ---------------------------------------------------------------- hello
    def _on_hello(self, ri: Instance, msg: Any) -> None:
        if not isinstance(msg, list) or len(msg) < 3 or msg[0] != b"message":
            return
        try:
            parts = msg[2].decode().split(",")
            if len(parts) != 8:
                return
            ip, port, runid, epoch, mname, mip, mport, mepoch = parts
            port_i, epoch_i, mport_i, mepoch_i = int(port), int(epoch), int(mport), int(mepoch)
        except (ValueError, UnicodeDecodeError):
            return
        if runid == self.myid:
            return
        m = self.masters.get(mname)
        if m is None:
            return
        self._learn_sentinel(m, ip, port_i, runid)
        if epoch_i > self.current_epoch:
            self.current_epoch = epoch_i
            self._emit("+new-epoch", str(epoch_i))
            self.flush_config()
        if mepoch_i > m.config_epoch and (mip != m.ip or mport_i != m.port):
            # another monitor failed over: follow its configuration
            old = (m.ip, m.port)
            m.config_epoch = mepoch_i
            s = m.sentinels.get(runid)
            if s is not None:
                self.event("+config-update-from", s)
            self._switch_master(m, mip, mport_i, old)
        elif mepoch_i > m.config_epoch:
            m.config_epoch = mepoch_i

    def _learn_sentinel(self, m: MasterInstance, ip: str, port: int, runid: str) -> None:
        s = m.sentinels.get(runid)
        if s is None:
            for rid, other in list(m.sentinels.items()):  # same address, new run id
                if other.ip == ip and other.port == port:
                    other.close_links()
                    del m.sentinels[rid]
                    self.event("-dup-sentinel", other, "#duplicate of %s:%d or %s"
                               % (ip, port, runid))
            s = Instance("sentinel", ip, port, m)
            s.runid = runid
            m.sentinels[runid] = s
            self.event("+sentinel", s)
            self.flush_config()
        s.last_hello_time = _now()

    # ---------------------------------------------------------------- down states
    def _check_subjectively_down(self, ri: Instance, now: float) -> None:
        link = ri.link
        down_after = self._down_after(ri)
        if ri.act_ping_time:
            elapsed = now - ri.act_ping_time
        elif link is None or not link.connected:
            elapsed = now - ri.last_avail_time
        else:
            elapsed = 0.0
        down = elapsed > down_after
        # a master that says it is a replica for too long is down for us too
        if ri.kind == "master" and ri.role_reported == "slave" \
                and now - ri.role_reported_time > down_after + 2 * INFO_PERIOD:
            down = True
        if down:
            if "s_down" not in ri.flags:
                ri.flags.add("s_down")
                ri.s_down_since = now
                self.event("+sdown", ri)
        elif "s_down" in ri.flags:
            ri.flags.discard("s_down")
            ri.flags.discard("scripts_killed")
            self.event("-sdown", ri)

    def _check_objectively_down(self, m: MasterInstance, now: float) -> None:
        odown = False
        if "s_down" in m.flags:
            votes = 1
            for s in m.sentinels.values():
                if "master_down" in s.flags:
                    votes += 1
            odown = votes >= m.quorum
        if odown:
            if "o_down" not in m.flags:
                votes = 1 + sum(1 for s in m.sentinels.values() if "master_down" in s.flags)
                m.flags.add("o_down")
                m.o_down_since = now
                self.event("+odown", m, "#quorum %d/%d" % (votes, m.quorum), WARNING)
        elif "o_down" in m.flags:
            m.flags.discard("o_down")
            self.event("-odown", m)

    def _ask_master_state(self, m: MasterInstance, now: float, forced: bool) -> None:
        """sentinelAskMasterStateToOtherSentinels(): is it down for you (and, during a
        failover, vote for me in this epoch)?"""
        if "s_down" not in m.flags:
            for s in m.sentinels.values():
                s.flags.discard("master_down")
            return
        if not forced and now - m.last_ask < ASK_PERIOD:
            return
        m.last_ask = now
        for s in m.sentinels.values():
            if now - s.last_master_down_reply > 5 * PING_PERIOD:
                s.flags.discard("master_down")
                if s.leader is not None and now - s.last_master_down_reply > 5:
                    s.leader = None
            link = s.link
            if link is None or not link.connected:
                continue
            runid = self.myid if m.failover_state != NO_FAILOVER else "*"
            fut = link.send("SENTINEL", "is-master-down-by-addr", m.ip, m.port,
                            self.current_epoch, runid)
            if fut is None:
                continue

            def done(f: asyncio.Future, s: Instance = s) -> None:
                r = f.result()
                if not isinstance(r, list) or len(r) != 3:
                    return
                s.last_master_down_reply = _now()
                if r[0] == 1:
                    s.flags.add("master_down")
                else:
                    s.flags.discard("master_down")
                leader = r[1].decode() if isinstance(r[1], bytes) else None
                if leader and leader != "*":
                    s.leader = leader
                    s.leader_epoch = int(r[2])
            fut.add_done_callback(done)

    # ---------------------------------------------------------------- votes
    def vote_leader(self, m: MasterInstance, req_epoch: int, req_runid: str) -> Tuple[str, int]:
        """sentinelVoteLeader(): one vote per epoch, to the first that asks."""
        if req_epoch > self.current_epoch:
            self.current_epoch = req_epoch
            self._emit("+new-epoch", str(req_epoch))
            self.flush_config()
        if m.leader_epoch < req_epoch and self.current_epoch <= req_epoch:
            m.leader = req_runid
            m.leader_epoch = self.current_epoch
            self.flush_config()
            self.event("+vote-for-leader", m, "%s %d" % (req_runid, m.leader_epoch))
            if req_runid != self.myid:
                # we voted for another: do not start our own failover for a while
                m.failover_start_time = _now() + random.random() * self.desync
        return (m.leader or "*"), m.leader_epoch

    def _get_leader(self, m: MasterInstance, epoch: int) -> Optional[str]:
        """sentinelGetLeader(): the run id with a majority of votes in ``epoch``."""
        counters: Dict[str, int] = {}
        voters = len(m.sentinels) + 1
        for s in m.sentinels.values():
            if s.leader is not None and s.leader_epoch == epoch:
                counters[s.leader] = counters.get(s.leader, 0) + 1
        winner = None
        best = 0
        for rid, votes in counters.items():
            if votes > best or (votes == best and winner is not None and rid > winner):
                winner, best = rid, votes
        # our own vote: for the winner if any, else for ourselves
        mine, mine_epoch = self.vote_leader(m, epoch, winner or self.myid)
        if mine and mine != "*" and mine_epoch == epoch:
            counters[mine] = counters.get(mine, 0) + 1
            if counters[mine] > best or (counters[mine] == best and winner is not None
                                         and mine > winner):
                winner, best = mine, counters[mine]
        needed = voters // 2 + 1
        if winner is not None and (best < needed or best < m.quorum):
            winner = None
        return winner

    # ---------------------------------------------------------------- failover
    def _start_failover_if_needed(self, m: MasterInstance, now: float) -> bool:
        if "o_down" not in m.flags or m.failover_state != NO_FAILOVER:
            return False
        if now - m.failover_start_time < m.failover_timeout * 2 / 1000:
            if m.failover_start_time and now - m.failover_delay_logged > 10:
                m.failover_delay_logged = now
            return False
        self.start_failover(m, now)
        return True

    def start_failover(self, m: MasterInstance, now: float, forced: bool = False) -> None:
        m.failover_state = WAIT_START
        m.failover_state_change_time = now
        m.flags.add("failover_in_progress")
        if forced:
            m.flags.add("force_failover")
        self.current_epoch += 1
        m.failover_epoch = self.current_epoch
        self._emit("+new-epoch", str(self.current_epoch))
        self.event("+try-failover", m, level=WARNING)
        # the random delay makes the monitors rarely ask for votes at the same time
        m.failover_start_time = now + (0 if forced else random.random() * self.desync)
        self.flush_config()

    def _failover_state_machine(self, m: MasterInstance, now: float) -> None:
        st = m.failover_state
        if st == NO_FAILOVER:
            return
        if st == WAIT_START:
            # counted at once, as sentinelFailoverWaitStart (the votes asked for when the
            # failover started arrive on later ticks; failover_start_time's random part
            # only spaces out retries)
            leader = self._get_leader(m, m.failover_epoch)
            if leader != self.myid and "force_failover" not in m.flags:
                timeout = min(ELECTION_TIMEOUT, m.failover_timeout / 1000)
                if now - m.failover_start_time > timeout:
                    self.event("-failover-abort-not-elected", m)
                    self._abort_failover(m)
                else:
                    # ask again (our vote request may have lost to another's)
                    self._ask_master_state(m, now, forced=False)
                return
            self.event("+elected-leader", m, "#epoch %d" % m.failover_epoch)
            m.failover_state = SELECT_SLAVE
            m.failover_state_change_time = now
            self.event("+failover-state-select-slave", m)
            st = SELECT_SLAVE
        if st == SELECT_SLAVE:
            if not self._offsets_fresh(m) \
                    and now - m.failover_state_change_time < FRESH_INFO_WAIT:
                return  # INFO every FAST_INFO_PERIOD brings the final offsets
            best = self._select_replica(m, now)
            if best is None:
                self.event("-failover-abort-no-good-slave", m)
                self._abort_failover(m)
                return
            self.event("+selected-slave", best)
            best.flags.add("promoted")
            best.promoted = True
            m.promoted_slave = best
            m.failover_state = SEND_SLAVEOF_NOONE
            m.failover_state_change_time = now
            self.event("+failover-state-send-slaveof-noone", best)
            st = SEND_SLAVEOF_NOONE
        if st == SEND_SLAVEOF_NOONE:
            p = m.promoted_slave
            if p is None or p.link is None or not p.link.connected:
                if now - m.failover_state_change_time > m.failover_timeout / 1000:
                    self.event("-failover-abort-slave-timeout", m)
                    self._abort_failover(m)
                return
            if self._send_slaveof(p, None, 0):
                m.failover_state = WAIT_PROMOTION
                m.failover_state_change_time = now
                self.event("+failover-state-wait-promotion", p)
                self._send_info(p)
            return
        if st == WAIT_PROMOTION:
            if now - m.failover_state_change_time > m.failover_timeout / 1000:
                self.event("-failover-abort-slave-timeout", m)
                self._abort_failover(m)
            return
        if st == RECONF_SLAVES:
            self._reconf_replicas(m, now)

    def _offsets_fresh(self, m: MasterInstance) -> bool:
        """Does every reachable replica's known offset come from an INFO asked after the
        master went down (so no byte it received from it is missing from the count)? Redis
        takes the last INFO, up to 5 s old; waiting up to FRESH_INFO_WAIT for one more
        makes "the highest offset" exact, so the replica promoted holds every write any
        replica acknowledged (WAIT) before the failure."""
        for ri in m.replicas.values():
            if ri.link is None or not ri.link.connected or ri.flags & {"s_down", "o_down"}:
                continue
            if ri.info_asked < m.s_down_since:
                return False
        return True

    def _select_replica(self, m: MasterInstance, now: float) -> Optional[Instance]:
        """sentinelSelectSlave(): the replica with the best priority, then offset."""
        max_down = (now - m.s_down_since) * 1000 + m.down_after * 10 if m.s_down_since \
            else m.down_after * 10
        info_validity = 5 * PING_PERIOD if "s_down" in m.flags else 3 * INFO_PERIOD
        good = []
        for ri in m.replicas.values():
            if ri.flags & {"s_down", "o_down"}:
                continue
            if ri.link is None or not ri.link.connected:
                continue
            if now - ri.last_avail_time > 5 * PING_PERIOD:
                continue
            if ri.slave_priority == 0:
                continue
            if now - ri.info_refresh > info_validity:
                continue
            if ri.role_reported != "slave":
                continue
            if ri.master_link_down_time > max_down:
                continue
            good.append(ri)
        if not good:
            return None
        good.sort(key=lambda r: (r.slave_priority, -r.slave_repl_offset, r.runid or "~"))
        return good[0]

    def _send_slaveof(self, ri: Instance, host: Optional[str], port: int) -> bool:
        """sentinelSendSlaveOf(): in a transaction with CONFIG REWRITE and CLIENT KILL TYPE
        normal (so clients reconnect and learn the new roles), as Redis Sentinel sends."""
        link = ri.link
        if link is None or not link.connected:
            return False
        args: List[Any] = ["SLAVEOF", "NO", "ONE"] if host is None else \
            ["SLAVEOF", host, port]
        futs = [link.send("MULTI"), link.send(*args), link.send("CONFIG", "REWRITE"),
                link.send("CLIENT", "KILL", "TYPE", "normal"), link.send("EXEC")]
        for f in futs:
            if f is not None:
                f.add_done_callback(_ignore)
        return all(f is not None for f in futs)

    def _reconf_replicas(self, m: MasterInstance, now: float) -> None:
        """sentinelFailoverReconfNextSlave(): SLAVEOF the promoted replica, parallel-syncs
        at a time; the failover ends when all are done or failover-timeout passed."""
        p = m.promoted_slave
        assert p is not None
        in_progress = sum(1 for ri in m.replicas.values()
                          if ri.flags & {"reconf_sent", "reconf_inprog"})
        timed_out = now - m.failover_state_change_time > m.failover_timeout / 1000
        for ri in m.replicas.values():
            if ri is p or "reconf_done" in ri.flags:
                continue
            if "reconf_sent" in ri.flags and now - ri.slave_reconf_sent_time > 10:
                self.event("-slave-reconf-sent-timeout", ri)
                ri.flags.discard("reconf_sent")
                ri.flags.add("reconf_done")
                continue
            if ri.flags & {"reconf_sent", "reconf_inprog"} or in_progress >= m.parallel_syncs:
                continue
            if ri.flags & {"s_down"} or ri.link is None or not ri.link.connected:
                continue
            if self._send_slaveof(ri, p.ip, p.port):
                ri.flags.add("reconf_sent")
                ri.slave_reconf_sent_time = now
                self.event("+slave-reconf-sent", ri)
                in_progress += 1
                self._send_info(ri)
        pending = [ri for ri in m.replicas.values()
                   if ri is not p and "reconf_done" not in ri.flags
                   and "s_down" not in ri.flags]
        if not pending or timed_out:
            if timed_out and pending:
                self.event("+failover-end-for-timeout", m)
            self.event("+failover-end", m)
            old = (m.ip, m.port)
            self._switch_master(m, p.ip, p.port, old)

    def _abort_failover(self, m: MasterInstance) -> None:
        m.failover_state = NO_FAILOVER
        m.failover_state_change_time = _now()
        m.flags.discard("failover_in_progress")
        m.flags.discard("force_failover")
        for ri in m.replicas.values():
            ri.flags -= {"reconf_sent", "reconf_inprog", "reconf_done", "promoted"}
        if m.promoted_slave is not None:
            m.promoted_slave.flags.discard("promoted")
            m.promoted_slave = None

    def _switch_master(self, m: MasterInstance, ip: str, port: int,
                       old: Tuple[str, int]) -> None:
        """sentinelResetMasterAndChangeAddress(): the master is ip:port now; every other
        known instance (the old master included) becomes its replica."""
        others = [(ri.ip, ri.port) for ri in m.replicas.values()
                  if (ri.ip, ri.port) != (ip, port)]
        if (old[0], old[1]) != (ip, port) and old not in others:
            others.append(old)
        self.reset_master(m, keep_sentinels=True)
        m.ip, m.port = ip, port
        m.name = m.name
        for rip, rport in others:
            r = Instance("slave", rip, rport, m)
            m.replicas["%s:%d" % (rip, rport)] = r
        self._emit("+switch-master", "%s %s %d %s %d" % (m.name, old[0], old[1], ip, port),
                   WARNING)
        for r in m.replicas.values():
            self.event("+slave", r)
        self.flush_config()

    # ---------------------------------------------------------------- config file
    def flush_config(self) -> None:
        """sentinelFlushConfig(): rewrite the config file with the state we learned."""
        if not self.config_file:
            return
        from .config import write_config
        try:
            write_config(self, self.config_file)
        except OSError as e:
            self.log(WARNING, "could not rewrite the sentinel config: %s" % e)

    def state_summary(self) -> str:
        return " ".join("%s=%s:%d" % (n, m.ip, m.port) for n, m in self.masters.items())

