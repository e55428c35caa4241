"""Persistence in a running server (both builds): a forkless BGSAVE that keeps serving and
saves the dataset as it was when it started, kill -9 in the middle of a save, save points,
MISCONF, SHUTDOWN and SIGTERM saves, loading at start-up, DEBUG RELOAD, and the replies
and INFO fields as redis-server 7.0 gives them."""

import glob
import os
import signal
import time

import pytest
import redis

from engine import Engine
from tests.persistence.helpers import check_rdb
from tests.support.raw import RawClient
from tests.support.servers import start_redis, start_strata

pytestmark = pytest.mark.oracle


def _client(srv) -> redis.Redis:
    return redis.Redis(host="127.0.0.1", port=srv.port, socket_timeout=30)


def _wait(pred, timeout: float = 30.0, what: str = "condition") -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


def _load(path: str) -> Engine:
    from engine.persistence.manager import load_into, open_rdb
    e = Engine()
    with open_rdb(path, None) as f:
        load_into(e, f)
    return e


def _bgsave_done(r) -> bool:
    return r.info("persistence")["rdb_bgsave_in_progress"] == 0


def test_bgsave_serves_and_saves_the_dataset_as_it_was(strata_impl, tmp_path):
    srv = start_strata(strata_impl, extra=["--dir", str(tmp_path)])
    try:
        r = _client(srv)
        n = 3000
        with r.pipeline(transaction=False) as p:
            for i in range(n):
                p.set("k%d" % i, "old")
            p.rpush("list", *range(100))
            p.hset("hash", mapping={"f%d" % i: i for i in range(50)})
            p.execute()
        r.config_set("rdb-key-save-delay", 300)  # about a second for the walk
        assert r.bgsave()
        info = r.info("persistence")
        assert info["rdb_bgsave_in_progress"] == 1
        assert info["current_save_keys_total"] == n + 2
        with pytest.raises(redis.ResponseError, match="Background save already in progress"):
            r.bgsave()
        with pytest.raises(redis.ResponseError, match="Background save already in progress"):
            r.save()
        # the server keeps serving, and what it changes now is not in the snapshot
        t0 = time.time()
        with r.pipeline(transaction=False) as p:
            for i in range(0, n, 3):
                p.set("k%d" % i, "new")
            p.delete(*["k%d" % i for i in range(1, n, 3)])
            p.set("born-later", "x")
            p.rpush("list", "later")
            p.hset("hash", "f0", "changed")
            p.execute()
        assert time.time() - t0 < 2.0
        assert r.info("persistence")["rdb_bgsave_in_progress"] == 1
        _wait(lambda: _bgsave_done(r), what="the BGSAVE")
        info = r.info("persistence")
        assert info["rdb_last_bgsave_status"] == "ok"
        assert info["rdb_last_cow_size"] > 0
        path = os.path.join(str(tmp_path), "dump.rdb")
        check_rdb(path)
        e = _load(path)
        assert e.execute("DBSIZE") == n + 2
        assert all(e.execute("GET", "k%d" % i) == b"old" for i in range(n))
        assert e.execute("EXISTS", "born-later") == 0
        assert e.execute("LLEN", "list") == 100
        assert e.execute("HGET", "hash", "f0") == b"0"
        assert "Background saving terminated with success" in srv.log()
        assert not glob.glob(os.path.join(str(tmp_path), "temp-*.rdb"))
    finally:
        srv.stop()


def test_kill_9_during_a_save_leaves_the_previous_snapshot(strata_impl, tmp_path):
    srv = start_strata(strata_impl, extra=["--dir", str(tmp_path)])
    path = os.path.join(str(tmp_path), "dump.rdb")
    try:
        r = _client(srv)
        with r.pipeline(transaction=False) as p:
            for i in range(2000):
                p.set("k%d" % i, "v1")
            p.execute()
        assert r.save()
        with open(path, "rb") as f:
            before = f.read()
        with r.pipeline(transaction=False) as p:
            for i in range(2000):
                p.set("k%d" % i, "v2")
            p.execute()
        r.config_set("rdb-key-save-delay", 5000)  # ten seconds: plenty of time to kill it
        assert r.bgsave()
        _wait(lambda: any(os.path.getsize(t) > 0
                          for t in glob.glob(os.path.join(str(tmp_path), "temp-*.rdb"))),
              what="the temp file")
        os.kill(srv.pid, signal.SIGKILL)
        srv.proc.wait(10)
    finally:
        srv.stop()
    with open(path, "rb") as f:
        assert f.read() == before
    check_rdb(path)
    srv = start_strata(strata_impl, extra=["--dir", str(tmp_path)])
    try:
        r = _client(srv)
        assert r.dbsize() == 2000 and r.get("k7") == b"v1"
        assert "DB loaded from disk:" in srv.log()
        assert "Done loading RDB, keys loaded: 2000, keys expired: 0." in srv.log()
    finally:
        srv.stop()


def test_save_points_start_a_bgsave(strata_impl, tmp_path):
    srv = start_strata(strata_impl, extra=["--dir", str(tmp_path), "--save", "1 1"])
    try:
        r = _client(srv)
        first = r.lastsave()
        r.set("a", "1")
        assert r.info("persistence")["rdb_changes_since_last_save"] == 1
        _wait(lambda: os.path.exists(os.path.join(str(tmp_path), "dump.rdb"))
              and r.lastsave() != first and _bgsave_done(r), timeout=15, what="the save point")
        assert "1 changes in 1 seconds. Saving..." in srv.log()
        assert r.info("persistence")["rdb_changes_since_last_save"] == 0
        assert r.config_get("save") == {"save": "1 1"}
        r.config_set("save", "3600 1 300 100 60 10000")
        assert r.config_get("save") == {"save": "3600 1 300 100 60 10000"}
    finally:
        srv.stop()


def test_sigterm_and_shutdown_save_and_startup_loads(strata_impl, tmp_path):
    d = str(tmp_path)
    srv = start_strata(strata_impl, extra=["--dir", d, "--save", "3600 1"])
    try:
        _client(srv).set("from-sigterm", "1")
        srv.proc.send_signal(signal.SIGTERM)
        assert srv.proc.wait(20) == 0
        log = srv.log()
        assert "Saving the final RDB snapshot before exiting." in log
        assert "DB saved on disk" in log
    finally:
        srv.stop()
    srv = start_strata(strata_impl, extra=["--dir", d, "--save", "3600 1"])
    try:
        r = _client(srv)
        assert r.get("from-sigterm") == b"1"
        assert "DB loaded from disk:" in srv.log()
        r.set("from-shutdown", "1")
        c = RawClient("127.0.0.1", srv.port)
        c.send(b"SHUTDOWN\r\n")
        assert srv.proc.wait(20) == 0
    finally:
        srv.stop()
    srv = start_strata(strata_impl, extra=["--dir", d, "--save", "3600 1"])
    try:
        r = _client(srv)
        assert r.get("from-shutdown") == b"1"
        r.set("lost", "1")
        c = RawClient("127.0.0.1", srv.port)
        c.send(b"SHUTDOWN NOSAVE\r\n")  # save points, but NOSAVE
        assert srv.proc.wait(20) == 0
    finally:
        srv.stop()
    e = _load(os.path.join(d, "dump.rdb"))
    assert e.execute("EXISTS", "lost") == 0 and e.execute("EXISTS", "from-shutdown") == 1
    srv = start_strata(strata_impl, extra=["--dir", d])
    try:
        _client(srv).set("saved-anyway", "1")
        c = RawClient("127.0.0.1", srv.port)
        c.send(b"SHUTDOWN SAVE\r\n")  # no save points, but SAVE
        assert srv.proc.wait(20) == 0
    finally:
        srv.stop()
    assert _load(os.path.join(d, "dump.rdb")).execute("EXISTS", "saved-anyway") == 1


def test_a_bad_dump_file_stops_the_start(strata_impl, tmp_path):
    with open(os.path.join(str(tmp_path), "dump.rdb"), "wb") as f:
        f.write(b"REDIS0010\xfe\x00\x00\x03key")  # cut short
    with pytest.raises(RuntimeError, match="Fatal error loading the DB"):
        start_strata(strata_impl, extra=["--dir", str(tmp_path)])


def _pair(strata_impl, tmp_path):
    """A Strata server and a redis-server, each with save points and its own dir."""
    dirs = []
    for name in ("strata", "redis"):
        d = tmp_path / name
        d.mkdir()
        dirs.append(str(d))
    extra = ["--save", "3600 1"]
    s = start_strata(strata_impl, extra=extra + ["--dir", dirs[0]])
    o = start_redis(extra=extra + ["--dir", dirs[1]])
    return (s, o), dirs


def test_misconf_after_a_failed_bgsave_as_redis(strata_impl, tmp_path):
    servers, dirs = _pair(strata_impl, tmp_path)
    try:
        clients = [RawClient("127.0.0.1", s.port) for s in servers]
        for d in dirs:
            os.rmdir(d)  # nowhere to write: the next save fails

        def both(*args):
            got = [c.call(*args) for c in clients]
            assert got[0] == got[1], (args, got)
            return got[0]

        both("SET", "before", "1")
        assert both("BGSAVE") == b"+Background saving started\r\n"
        _wait(lambda: all(b"rdb_bgsave_in_progress:0" in c.call("INFO", "persistence")
                          for c in clients), what="the failed BGSAVE")
        for c in clients:
            assert b"rdb_last_bgsave_status:err" in c.call("INFO", "persistence")
        assert both("SET", "k", "v").startswith(b"-MISCONF ")
        assert both("PING").startswith(b"-MISCONF ")
        both("GET", "before")
        both("MULTI")
        both("SET", "k", "v")
        assert both("EXEC").startswith(b"-EXECABORT")
        assert both("SAVE") == b"-ERR\r\n"
        both("CONFIG", "SET", "stop-writes-on-bgsave-error", "no")
        assert both("SET", "k", "v") == b"+OK\r\n"
        both("CONFIG", "SET", "stop-writes-on-bgsave-error", "yes")
        assert both("SET", "k", "v").startswith(b"-MISCONF ")
        both("CONFIG", "SET", "save", "")
        assert both("SET", "k", "v") == b"+OK\r\n"
        assert both("PING") == b"+PONG\r\n"
        for c in clients:
            c.close()
    finally:
        for s in servers:
            s.stop()


def test_replies_and_info_fields_as_redis(strata_impl, tmp_path):
    servers, dirs = _pair(strata_impl, tmp_path)
    try:
        clients = [RawClient("127.0.0.1", s.port) for s in servers]

        def both(*args):
            got = [c.call(*args) for c in clients]
            assert got[0] == got[1], (args, got)
            return got[0]

        both("SET", "a", "1")
        both("BGSAVE", "foo")
        both("BGSAVE", "SCHEDULE", "x")
        both("SAVE")
        both("SAVE", "x")
        both("LASTSAVE", "x")
        both("DEBUG", "RELOAD", "FOO")
        both("DEBUG", "RELOAD")
        both("GET", "a")
        both("DEBUG", "RELOAD", "NOSAVE", "NOFLUSH", "MERGE")
        both("DUMP", "nosuchkey")
        both("MULTI")
        both("BGSAVE")
        both("EXEC")
        _wait(lambda: all(b"rdb_bgsave_in_progress:0" in c.call("INFO", "persistence")
                          for c in clients), what="the BGSAVE")
        fields = []
        for c in clients:
            text = c.call("INFO", "persistence").decode()
            fields.append([line.split(":")[0] for line in text.split("\r\n")[1:]
                           if ":" in line])
        assert fields[0] == fields[1]
        for c in clients:
            c.close()
    finally:
        for s in servers:
            s.stop()


def test_startup_load_logs_progress(tmp_path, monkeypatch):
    from engine.persistence import manager, rdb
    e = Engine()
    e.config.values["dir"] = str(tmp_path)
    for i in range(100):
        e.execute("SET", "k%d" % i, "v")
    assert e.persistence.save()
    monkeypatch.setattr(rdb, "PROGRESS_KEYS", 25)
    monkeypatch.setattr(manager, "LOAD_PROGRESS_INTERVAL", 0.0)
    e2 = Engine()
    e2.config.values["dir"] = str(tmp_path)
    lines = []
    assert e2.persistence.startup(lambda level, msg: lines.append(msg))
    progress = [m for m in lines if m.startswith("Loading RDB: ")]
    size = os.path.getsize(os.path.join(str(tmp_path), "dump.rdb"))
    assert [m.split(" keys")[0] for m in progress] == ["Loading RDB: %d" % n
                                                       for n in (25, 50, 75, 100)]
    assert progress[-1].endswith("of %d bytes" % size)
    assert "Done loading RDB, keys loaded: 100, keys expired: 0." in lines
    assert e2.execute("DBSIZE") == 100


def test_bgsave_scheduled_inside_exec_runs_after_it(strata_impl, tmp_path):
    srv = start_strata(strata_impl, extra=["--dir", str(tmp_path)])
    try:
        c = RawClient("127.0.0.1", srv.port)
        c.call("SET", "k", "v")
        assert c.call("MULTI") == b"+OK\r\n"
        assert c.call("BGSAVE") == b"+QUEUED\r\n"
        assert c.call("EXEC") == b"*1\r\n+Background saving scheduled\r\n"
        r = _client(srv)
        _wait(lambda: r.info("persistence")["rdb_saves"] == 1 and _bgsave_done(r),
              what="the scheduled BGSAVE")
        assert _load(os.path.join(str(tmp_path), "dump.rdb")).execute("GET", "k") == b"v"
        c.close()
    finally:
        srv.stop()


def test_bgsave_schedule_while_a_snapshot_is_written(strata_impl, tmp_path):
    """A named snapshot plays the part of Redis's other child: BGSAVE is refused with
    Redis's text, BGSAVE SCHEDULE runs it once the snapshot is done."""
    srv = start_strata(strata_impl, extra=["--dir", str(tmp_path)])
    try:
        r = _client(srv)
        r.mset({"k%d" % i: i for i in range(200)})
        r.config_set("rdb-key-save-delay", 5000)  # about a second for the snapshot
        assert r.execute_command("STRATA.SNAPSHOT", "CREATE", "s1") == \
            b"Snapshot creation started"
        assert r.info("persistence")["rdb_bgsave_in_progress"] == 0
        raw = RawClient("127.0.0.1", srv.port)
        assert raw.call("BGSAVE") == (b"-ERR Another child process is active (AOF?): can't "
                                      b"BGSAVE right now. Use BGSAVE SCHEDULE in order to "
                                      b"schedule a BGSAVE whenever possible.\r\n")
        # the writer's temp file in the snapshot directory is no snapshot
        assert [m[b"name"] for m in r.execute_command("STRATA.SNAPSHOT", "LIST")] == [b"s1"]
        assert raw.call("BGSAVE", "SCHEDULE") == b"+Background saving scheduled\r\n"
        raw.close()
        r.config_set("rdb-key-save-delay", 0)
        _wait(lambda: r.info("persistence")["rdb_saves"] == 2 and _bgsave_done(r),
              what="the scheduled BGSAVE")
        assert _load(os.path.join(str(tmp_path), "dump.rdb")).execute("DBSIZE") == 200
        meta = r.execute_command("STRATA.SNAPSHOT", "INFO", "s1")
        assert meta[b"status"] == b"available" and meta[b"keys"] == 200
    finally:
        srv.stop()
