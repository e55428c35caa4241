"""Persistence: one engine's RDB saves and loads (Redis's rdb.c server side and the
persistence parts of serverCron).

``Persistence`` owns SAVE and the forkless BGSAVE (engine/persistence/bgsave.py), save
points, LASTSAVE and the bgsave status behind MISCONF, loading at start-up and for
DEBUG RELOAD, the shutdown save, the INFO persistence section, and the named backups of
engine/persistence/snapshots.py. Every engine gets one (``engine.persistence``).

A save in the background runs as a job: the snapshot walk advances on the event loop,
taking at most ``bgsave-cpu-percent`` of the engine thread while clients are active (all
of it when they are idle); a writer thread puts the bytes on disk. An engine without an
event loop (embedded) completes a BGSAVE inside the command.
"""

import importlib
import os
import time
from time import perf_counter
from typing import TYPE_CHECKING, Any, Callable, List, Optional, Tuple

from .. import errors
from ..config import REDIS_VERSION, Option, register
from ..info import register_section
from ..log import NOTICE, WARNING
from . import crypto, rdb
from .bgsave import FileSink, Snapshot, SnapshotError

if TYPE_CHECKING:  # pragma: no cover
    from ..engine import Engine

__all__ = ["Persistence", "open_rdb", "load_into"]

BGSAVE_RETRY_DELAY = 5  # CONFIG_BGSAVE_RETRY_DELAY: seconds before retrying a failed save
LOAD_PROGRESS_INTERVAL = 2.0  # seconds between "Loading RDB: ..." lines of a long load
# forkless BGSAVE slices (engine-thread seconds): a client waits at most about BUSY_SLICE
MIN_SLICE, BUSY_SLICE, IDLE_SLICE, IDLE_AFTER = 0.0003, 0.001, 0.01, 0.05
_LRU_CLOCK_MAX = (1 << 24) - 1


def _register() -> None:
    R = register
    R(Option("rdbcompression", "bool", True))
    R(Option("rdbchecksum", "bool", True, mutable=False))
    R(Option("stop-writes-on-bgsave-error", "bool", True))
    R(Option("rdb-key-save-delay", "int", 0, minimum=-(2 ** 31), maximum=2 ** 31 - 1,
             hidden=True))
    # Strata: the share of the engine thread a forkless BGSAVE may take while serving
    R(Option("bgsave-cpu-percent", "int", 15, minimum=1, maximum=100))
    R(Option("encryption-key-file", "string", "", protected=True))


_register()


class _Job:
    """A snapshot being written: a BGSAVE of the dump file or a named backup."""

    __slots__ = ("kind", "name", "path", "snapshot", "start", "dirty_before", "on_done",
                 "handle", "last_reads", "last_read_at", "credit", "cpu_mark", "sync")

    def __init__(self, kind: str, name: str, path: str,
                 on_done: Optional[Callable[[bool, Optional[str]], None]]) -> None:
        self.kind = kind
        self.name = name
        self.path = path
        self.snapshot: Optional[Snapshot] = None
        self.start = time.time()
        self.dirty_before = 0
        self.on_done = on_done
        self.handle: Any = None
        self.last_reads = -1
        self.last_read_at = 0.0      # perf_counter() of the last client input seen
        self.credit = 0.0            # engine-thread CPU seconds the save may still use
        self.cpu_mark = time.thread_time()
        self.sync = False


def open_rdb(path: str, key: Optional[bytes]) -> Any:
    """A readable file of RDB bytes: the file itself, or its plaintext when sealed."""
    f = open(path, "rb")
    try:
        head = f.read(8)
        f.seek(0)
        if crypto.is_sealed(head):
            return crypto.SealedReader(f, key)
    except BaseException:
        f.close()
        raise
    return f


def load_into(engine: "Engine", f: Any, allow_dup: bool = False,
              log: Optional[Callable[[str], None]] = None,
              progress: Optional[Callable[[int, int], None]] = None) -> rdb.LoadResult:
    """Load an RDB stream into an engine's databases (which the caller emptied)."""
    dbs = engine.dbs
    lfu = engine.lfu
    pers = getattr(engine, "persistence", None)

    def on_key(dbid: int, key: bytes, value: Any, expire: int, idle: int, freq: int) -> None:
        if dbid >= len(dbs):
            raise rdb.RDBError("FATAL: Data file was created with a Redis server configured "
                               "to handle more than %d databases. Exiting" % len(dbs))
        db = dbs[dbid]
        if key in db.table:
            if not allow_dup:
                raise rdb.RDBError("RDB has duplicated key '%s' in DB %d"
                                   % (key.decode("utf-8", "replace"), dbid))
            db.delete(key)
        db.add(key, value)
        if expire != -1:
            db.set_expire(key, expire)
        if lfu and freq >= 0:
            db.set_access(key, (engine.access_clock << 8) | freq)
        elif not lfu and idle >= 0:
            db.set_access(key, (engine.access_clock - idle) & _LRU_CLOCK_MAX)

    def on_function(code: bytes) -> None:
        if pers is not None:
            pers.load_function(code, log)

    engine.update_clock()
    return rdb.load(rdb.Reader(f), on_key, engine.config.values, engine.now_ms,
                    on_function=on_function,
                    checksum=bool(engine.config.values.get("rdbchecksum", True)), log=log,
                    progress=progress)


class Persistence:
    """RDB persistence of one engine (see the module docstring)."""

    def __init__(self, engine: "Engine") -> None:
        from .snapshots import SnapshotStore
        self.engine = engine
        self.lastsave = int(time.time())
        self.lastbgsave_ok = True
        self.lastbgsave_try = 0.0
        self.last_bgsave_time = -1
        self.rdb_saves = 0
        self.last_cow_size = 0
        self.last_load_loaded = 0
        self.last_load_expired = 0
        self.job: Optional[_Job] = None
        self.finished_job: Optional[_Job] = None
        self.bgsave_scheduled = False
        self.startup_done = False
        self.loading = False
        self.orphan_functions: List[bytes] = []  # loaded while no scripting engine was there
        self._key_cache: Tuple[str, float, Optional[bytes]] = ("", 0.0, None)
        self.store = SnapshotStore(self)
        self._fast_index: Any = None
        engine.rdb_save = self.shutdown_save  # SHUTDOWN's synchronous save
        engine.disk_error = None
        cfg = engine.config
        cfg.on_change("save", self._update_disk_error)
        cfg.on_change("stop-writes-on-bgsave-error", self._update_disk_error)

    # ------------------------------------------------------------ helpers
    def log(self, level: int, msg: str) -> None:
        for server in self.engine.servers:
            server.log(level, msg)
        if not self.engine.servers and self._startup_log is not None:
            self._startup_log(level, msg)

    _startup_log: Optional[Callable[[int, str], None]] = None

    def rdb_path(self) -> str:
        cfg = self.engine.config.values
        return os.path.join(cfg["dir"], cfg["dbfilename"])

    def encryption_key(self) -> Optional[bytes]:
        """The key of ``encryption-key-file`` (re-read when the file changes), or None."""
        path = self.engine.config.values.get("encryption-key-file", "")
        if not path:
            return None
        try:
            mtime = os.stat(path).st_mtime
        except OSError:
            mtime = -1.0
        cached_path, cached_mtime, key = self._key_cache
        if cached_path == path and cached_mtime == mtime and key is not None:
            return key
        key = crypto.load_key(path)
        self._key_cache = (path, mtime, key)
        return key

    def aux_fields(self) -> List[Tuple[bytes, bytes]]:
        """rdbSaveInfoAuxFields()."""
        eng = self.engine
        return [(b"redis-ver", REDIS_VERSION.encode()), (b"redis-bits", b"64"),
                (b"ctime", b"%d" % int(time.time())), (b"used-mem", b"%d" % eng.used_memory()),
                (b"aof-base", b"0")]

    # ------------------------------------------------------------ functions
    def function_codes(self) -> List[bytes]:
        """The source of every function library (RDB_OPCODE_FUNCTION2), from the
        scripting engine (engine/scripting.py) when it was started."""
        codes: List[bytes] = []
        state = getattr(self.engine, "scripting", None)
        libs = getattr(getattr(state, "libs", None), "libraries", None)
        if libs:
            codes.extend(lib.code for lib in libs.values())
        return codes + [c for c in self.orphan_functions if c not in codes]

    def load_function(self, code: bytes, log: Optional[Callable[[str], None]] = None) -> None:
        """A library from an RDB (rdbFunctionLoad): created through the scripting engine
        (``scripting.get(engine).create_library``); kept to be saved again when there is
        no scripting engine."""
        mod = _scripting()
        getter = getattr(mod, "get", None) if mod is not None else None
        if getter is None:
            if code not in self.orphan_functions:
                self.orphan_functions.append(code)
            if log is not None:
                log("The RDB file contains a function library; kept (no scripting engine)")
            return
        try:
            state = getter(self.engine)
            state.create_library(code, True, state.libs)
        except Exception as e:  # noqa: BLE001 - a library we cannot run: a bad file
            text = getattr(e, "text", None) or str(e)
            raise rdb.RDBError("Failed loading library: %s" % text) from None

    # ------------------------------------------------------------ state
    @property
    def in_progress(self) -> bool:
        return self.job is not None

    def _update_disk_error(self, *_args: Any) -> None:
        """writeCommandsDeniedByDiskError(): MISCONF while the last bgsave failed."""
        eng = self.engine
        cfg = eng.config.values
        deny = cfg["stop-writes-on-bgsave-error"] and bool(cfg["save"]) \
            and not self.lastbgsave_ok
        if deny and eng.disk_error is None:
            eng.disk_error = errors.MISCONF
            # The native dispatch fast path (native/dispatch) runs the commands it finds in
            # engine.commands without Engine.call's checks: while writes are denied, every
            # command goes through Engine.call (which finds them in engine.table).
            self._fast_index = eng.commands
            eng.commands = {}
        elif not deny and eng.disk_error is not None:
            eng.disk_error = None
            if self._fast_index is not None:
                eng.commands = self._fast_index
                self._fast_index = None

    # ------------------------------------------------------------ SAVE
    def save(self) -> bool:
        """rdbSave(): the whole dataset to the dump file, synchronously."""
        return self._save_sync(self.rdb_path(), "DB saved on disk")

    def _save_sync(self, path: str, done_msg: str, dump: bool = True) -> bool:
        eng = self.engine
        if dump:
            self.rdb_saves += 1
        try:
            key = self.encryption_key()
            sink = FileSink(path, key, threaded=False)
        except (OSError, crypto.CryptoError) as e:
            self.log(WARNING, "Failed opening the temp RDB file for saving: %s"
                     % (getattr(e, "strerror", None) or e))
            return False
        dirty = eng.dirty
        snap = Snapshot(eng, sink, self.aux_fields(), self.function_codes())
        result: List[Any] = []
        try:
            snap.step(float("inf"))
            sink.finish(lambda ok, err: result.append((ok, err)))
        except SnapshotError as e:
            sink.abort()
            result.append((False, str(e)))
        ok, err = result[0]
        if not ok:
            self.log(WARNING, "Write error saving DB on disk: %s" % err)
            return False
        if not dump:
            self.log(NOTICE, done_msg)
            return True
        eng.dirty -= dirty
        self.lastsave = int(time.time())
        self.lastbgsave_ok = True
        self._update_disk_error()
        self.log(NOTICE, done_msg)
        return True

    def shutdown_save(self) -> bool:
        """prepareForShutdown()'s save: a running BGSAVE is killed, then SAVE."""
        if self.job is not None:
            self.log(WARNING, "There is a child saving an .rdb. Killing it!")
            self.abort_job()
        self.log(NOTICE, "Saving the final RDB snapshot before exiting.")
        ok = self.save()
        if not ok:
            self.log(WARNING, "Error trying to save the DB, can't exit.")
        return ok

    # ------------------------------------------------------------ BGSAVE
    def bgsave(self) -> Optional[str]:
        """rdbSaveBackground() of the dump file; None when started, else an error."""
        return self.start_job("bgsave", "", self.rdb_path(), None)

    def start_job(self, kind: str, name: str, path: str,
                  on_done: Optional[Callable[[bool, Optional[str]], None]]) -> Optional[str]:
        """Start writing a snapshot in the background; None, or the reason it can't."""
        eng = self.engine
        if self.job is not None:
            return errors.BGSAVE_IN_PROGRESS
        self.lastbgsave_try = time.time()
        self.rdb_saves += 1
        try:
            key = self.encryption_key()
            sink = FileSink(path, key, threaded=eng.loop is not None, loop=eng.loop)
        except (OSError, crypto.CryptoError) as e:
            reason = getattr(e, "strerror", None) or str(e)
            self.log(WARNING, "Failed opening the temp RDB file for saving: %s" % reason)
            if kind != "bgsave":
                return errors.ERR
            # as a forked child that fails at once: "started", then a failed save
            self.log(WARNING, "Background saving error")
            self.lastbgsave_ok = False
            self.last_bgsave_time = 0
            self._update_disk_error()
            return None
        job = _Job(kind, name, path, on_done)
        job.dirty_before = eng.dirty
        delay = eng.config.values.get("rdb-key-save-delay", 0)
        job.snapshot = Snapshot(eng, sink, self.aux_fields(), self.function_codes(),
                                max(delay, 0))
        self.job = job
        eng.snapshot = job.snapshot
        if kind == "bgsave":
            self.log(NOTICE, "Background saving started (forkless)")
        else:
            self.log(NOTICE, "Snapshot '%s' started (forkless)" % name)
        if eng.loop is None:
            job.sync = True
            self._tick_sync(job)
        else:
            job.handle = eng.loop.call_soon(self._tick)
        return None

    def _tick_sync(self, job: _Job) -> None:
        try:
            job.snapshot.step(float("inf"))  # type: ignore[union-attr]
        except SnapshotError as e:
            self._fail(job, str(e))
            return
        self.engine.snapshot = None
        job.snapshot.sink.finish(self._done_callback(job))  # type: ignore[union-attr]

    def _tick(self) -> None:
        """One slice of the walk on the event loop, then yield to clients.

        The share is kept in the engine thread's CPU time (wall time lies when the machine
        is overloaded): serving clients earns the save pct/(100-pct) of what it used, a
        slice spends that credit. With no client input for IDLE_AFTER seconds the save
        takes IDLE_SLICE slices back to back."""
        job = self.job
        if job is None or job.snapshot is None:
            return
        eng = self.engine
        snap = job.snapshot
        cfg = eng.config.values
        loop = eng.loop
        now = perf_counter()
        cpu = time.thread_time()
        reads = eng.stats.total_reads_processed
        if reads != job.last_reads:
            job.last_reads = reads
            job.last_read_at = now
        busy = now - job.last_read_at < IDLE_AFTER
        delay_us = cfg.get("rdb-key-save-delay", 0)
        max_keys = 1 << 62
        if delay_us > 0:  # a test knob: hold the save to about one key per delay
            due = int((time.time() - snap.start) * 1e6 / delay_us) + 1
            max_keys = max(1, due - snap.keys_done)
        if busy:
            pct = cfg.get("bgsave-cpu-percent", 15)
            if pct < 100:
                job.credit = min(job.credit + (cpu - job.cpu_mark) * pct / (100 - pct),
                                 BUSY_SLICE)
            else:
                job.credit = BUSY_SLICE
            job.cpu_mark = cpu
            if job.credit < MIN_SLICE:  # serve more first
                job.handle = loop.call_later(0.001, self._tick)
                return
            budget = job.credit
        else:
            budget = IDLE_SLICE
        try:
            finished = snap.step(now + budget, max_keys)
        except SnapshotError as e:
            self._fail(job, str(e))
            return
        if finished:
            eng.snapshot = None
            job.handle = None
            snap.sink.finish(self._done_callback(job))
            return
        spent = time.thread_time()
        if busy:
            job.credit -= spent - cpu
        job.cpu_mark = spent
        if delay_us > 0:
            job.handle = loop.call_later(delay_us / 1e6, self._tick)
        else:
            job.handle = loop.call_soon(self._tick)

    def _fail(self, job: _Job, reason: str) -> None:
        self.engine.snapshot = None
        if job.snapshot is not None:
            job.snapshot.sink.abort()
        self._job_done(job, False, reason)

    def abort_job(self) -> None:
        """killRDBChild(): stop the running save; its temp file goes, the target stays."""
        job = self.job
        if job is None:
            return
        if job.handle is not None:
            job.handle.cancel()
        self.engine.snapshot = None
        if job.snapshot is not None:
            job.snapshot.sink.abort()
        self.job = None

    def finish_job_now(self) -> None:
        """Complete a running save synchronously (DEBUG RELOAD needs the file settled)."""
        job = self.job
        if job is None:
            return
        if job.handle is not None:
            job.handle.cancel()
            job.handle = None
        snap = job.snapshot
        if snap is not None and not snap.finished:
            try:
                snap.step(float("inf"))
            except SnapshotError as e:
                self._fail(job, str(e))
                return
            self.engine.snapshot = None
            snap.sink.finish(self._done_callback(job))
        if snap is not None:
            snap.sink.join()
            if self.job is job:  # the writer's report is still queued on the loop
                self._job_done(job, bool(snap.sink.ok), snap.sink.error)

    def _done_callback(self, job: _Job) -> Callable[[bool, Optional[str]], None]:
        return lambda ok, error: self._job_done(job, ok, error)

    def _job_done(self, job: _Job, ok: bool, error: Optional[str]) -> None:
        """backgroundSaveDoneHandler() (a late report of an aborted job is ignored)."""
        if self.job is not job:
            return
        self.job = None
        self.finished_job = job  # what on_done callbacks may look at
        eng = self.engine
        snap = job.snapshot
        elapsed = time.time() - job.start
        if snap is not None:
            self.last_cow_size = snap.cow_bytes
        if job.kind == "bgsave":
            self.last_bgsave_time = int(elapsed)
            if ok:
                eng.dirty -= job.dirty_before
                self.lastsave = int(time.time())
                self.lastbgsave_ok = True
                self.log(NOTICE, "Background saving terminated with success")
            else:
                self.lastbgsave_ok = False
                self.log(WARNING, "Background saving error: %s" % error)
            self._update_disk_error()
        elif ok:
            self.log(NOTICE, "Snapshot '%s' completed in %.3f seconds" % (job.name, elapsed))
        else:
            self.log(WARNING, "Snapshot '%s' failed: %s" % (job.name, error))
        if job.on_done is not None:
            try:
                job.on_done(ok, error)
            except Exception as e:  # noqa: BLE001 - bookkeeping must not break the cron
                self.log(WARNING, "snapshot bookkeeping failed: %r" % (e,))

    # ------------------------------------------------------------ cron
    def cron(self) -> None:
        """serverCron()'s persistence duties: a scheduled BGSAVE, save points, the daily
        backup window."""
        if self.job is None:
            if self.bgsave_scheduled:
                self.bgsave_scheduled = False
                self.bgsave()
            else:
                self._check_save_points()
        self.store.cron()

    def _check_save_points(self) -> None:
        eng = self.engine
        now = time.time()
        for seconds, changes in eng.config.values["save"]:
            if eng.dirty >= changes and now - self.lastsave > seconds and (
                    now - self.lastbgsave_try > BGSAVE_RETRY_DELAY or self.lastbgsave_ok):
                self.log(NOTICE, "%d changes in %d seconds. Saving..." % (changes, seconds))
                self.bgsave()
                return

    # ------------------------------------------------------------ loading
    def load_file(self, path: str, flush: bool = True,
                  allow_dup: bool = False) -> rdb.LoadResult:
        """Replace (or merge into) the dataset with an RDB file's; raises on a bad file."""
        eng = self.engine
        f = open_rdb(path, self._key_or_none())
        self.loading = True
        try:
            if flush:
                for db in eng.dbs:
                    db.flush()
                eng.tracking.on_flush()  # emptyData(): client-side caches are told
            res = load_into(eng, f, allow_dup, log=lambda m: self.log(WARNING, m),
                            progress=self._progress_logger(path))
        finally:
            self.loading = False
            f.close()
        self.last_load_loaded = res.keys_loaded
        self.last_load_expired = res.keys_expired
        return res

    def _progress_logger(self, path: str) -> Callable[[int, int], None]:
        """A progress line every LOAD_PROGRESS_INTERVAL seconds of a long load (Redis shows
        this only in INFO's loading_* fields, which nobody can read before we serve)."""
        try:
            total = os.path.getsize(path)
        except OSError:
            total = 0
        last = [time.time()]

        def progress(done: int, keys: int) -> None:
            now = time.time()
            if now - last[0] >= LOAD_PROGRESS_INTERVAL:
                last[0] = now
                self.log(NOTICE, "Loading RDB: %d keys read, %.1f%% of %d bytes"
                         % (keys, 100.0 * min(done, total) / total if total else 0.0,
                            total))
        return progress

    def _key_or_none(self) -> Optional[bytes]:
        try:
            return self.encryption_key()
        except crypto.CryptoError as e:
            self.log(WARNING, str(e))
            return None

    def startup(self, log: Optional[Callable[[int, str], None]] = None) -> bool:
        """loadDataFromDisk(): load the dump file if there is one; False (after logging
        why) when it cannot be loaded, as Redis exits then."""
        if self.startup_done:
            return True
        self.startup_done = True
        self._startup_log = log
        try:
            path = self.rdb_path()
            if not os.path.exists(path):
                return True
            t0 = time.time()
            try:
                res = self.load_file(path)
            except (rdb.RDBError, crypto.CryptoError, OSError) as e:
                self.log(WARNING, "Fatal error loading the DB: %s. Exiting."
                         % (getattr(e, "strerror", None) or e))
                return False
            ver = res.aux.get(b"redis-ver")
            if ver:
                self.log(NOTICE, "Loading RDB produced by version %s" % ver.decode("latin-1"))
            ctime = res.aux.get(b"ctime")
            if ctime and ctime.lstrip(b"-").isdigit():
                age = int(time.time()) - int(ctime)
                self.log(NOTICE, "RDB age %d seconds" % max(age, 0))
            used = res.aux.get(b"used-mem")
            if used and used.isdigit():
                self.log(NOTICE, "RDB memory usage when created %.2f Mb"
                         % (int(used) / 1024 / 1024))
            self.log(NOTICE, "Done loading RDB, keys loaded: %d, keys expired: %d."
                     % (res.keys_loaded, res.keys_expired))
            self.log(NOTICE, "DB loaded from disk: %.3f seconds" % (time.time() - t0))
            self.engine.dirty = 0
            self.lastsave = int(time.time())
            return True
        finally:
            self._startup_log = None

    def debug_reload(self, options: List[bytes]) -> Optional[str]:
        """DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: None on success, else the error."""
        flush = save = True
        allow_dup = False
        for opt in options:
            o = opt.lower()
            if o == b"merge":
                allow_dup = True
            elif o == b"noflush":
                flush = False
            elif o == b"nosave":
                save = False
            else:
                return errors.DEBUG_RELOAD_OPTIONS
        if self.job is not None:
            self.finish_job_now()
        if save and not self.save():
            return errors.ERR
        try:
            self.load_file(self.rdb_path(), flush=flush, allow_dup=allow_dup)
        except (rdb.RDBError, crypto.CryptoError, OSError) as e:
            self.log(WARNING, "Error loading the RDB dump: %s" % e)
            return errors.DEBUG_RELOAD_LOAD
        self.log(WARNING, "DB reloaded by DEBUG RELOAD")
        return None

    # ------------------------------------------------------------ shutdown
    def prepare_shutdown(self) -> bool:
        """A SIGTERM shutdown: save when save points are configured (a failed save keeps
        the server running, as Redis), then the final snapshot if configured."""
        if self.engine.config.values["save"]:
            if not self.shutdown_save():
                return False
        elif self.job is not None:
            self.abort_job()
        self.before_exit()
        return True

    def before_exit(self) -> None:
        """The last thing before the process ends: the final snapshot, if configured."""
        if self.job is not None:
            self.abort_job()
        try:
            self.store.final_snapshot()
        except Exception as e:  # noqa: BLE001 - exiting regardless
            self.log(WARNING, "Final snapshot failed: %s" % e)

    # ------------------------------------------------------------ INFO
    def info(self) -> List[Tuple[str, Any]]:
        eng = self.engine
        job = self.job
        bg = job is not None and job.kind == "bgsave"
        snap = job.snapshot if job is not None else None
        now = time.time()
        return [
            ("loading", 1 if self.loading else 0),
            ("async_loading", 0),
            ("current_cow_peak", snap.cow_bytes if snap is not None else 0),
            ("current_cow_size", snap.cow_bytes if snap is not None else 0),
            ("current_cow_size_age", int(now - job.start) if job is not None else 0),
            ("current_fork_perc", "%.2f" % (snap.progress() if snap is not None else 0.0)),
            ("current_save_keys_processed", snap.keys_done if snap is not None else 0),
            ("current_save_keys_total", snap.keys_total if snap is not None else 0),
            ("rdb_changes_since_last_save", eng.dirty),
            ("rdb_bgsave_in_progress", 1 if bg else 0),
            ("rdb_last_save_time", self.lastsave),
            ("rdb_last_bgsave_status", "ok" if self.lastbgsave_ok else "err"),
            ("rdb_last_bgsave_time_sec", self.last_bgsave_time),
            ("rdb_current_bgsave_time_sec", int(now - job.start) if bg else -1),
            ("rdb_saves", self.rdb_saves),
            ("rdb_last_cow_size", self.last_cow_size),
            ("rdb_last_load_keys_expired", self.last_load_expired),
            ("rdb_last_load_keys_loaded", self.last_load_loaded),
            ("aof_enabled", 0),
            ("aof_rewrite_in_progress", 0),
            ("aof_rewrite_scheduled", 0),
            ("aof_last_rewrite_time_sec", -1),
            ("aof_current_rewrite_time_sec", -1),
            ("aof_last_bgrewrite_status", "ok"),
            ("aof_rewrites", 0),
            ("aof_rewrites_consecutive_failures", 0),
            ("aof_last_write_status", "ok"),
            ("aof_last_cow_size", 0),
            ("module_fork_in_progress", 0),
            ("module_fork_last_cow_size", 0),
        ]


def _scripting() -> Any:
    try:
        return importlib.import_module("engine.scripting")
    except ImportError:
        return None


def _info_section(engine: "Engine") -> List[Tuple[str, Any]]:
    pers = getattr(engine, "persistence", None)
    if pers is None:
        return []
    return pers.info()


register_section("persistence", _info_section)
