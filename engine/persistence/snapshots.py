"""Backups as ElastiCache describes them: named snapshots in a directory, a daily automatic
snapshot in a time window with a retention limit, export, restore, a final snapshot on
shutdown.

A snapshot is ``<snapshot-dir>/<name>.rdb`` (an RDB file, sealed when an encryption key
is configured) beside ``<name>.json``, its metadata: source (manual, automatic, final),
status, creation and completion times, keys, size, encryption. Manual snapshots stay until
deleted; automatic ones (``automatic.YYYY-MM-DD-HH-MM``) are taken once per occurrence of
``snapshot-window`` (UTC, "hh:mm-hh:mm", may wrap midnight) when
``snapshot-retention-limit`` is above 0, and only the newest ``snapshot-retention-limit``
of them are kept. Snapshots are written by the same forkless writer as BGSAVE.

Everything here works on a directory alone too (``SnapshotDir``): the ``strata-snapshot``
tool lists, exports, deletes and restores snapshots of a stopped server with it.
"""

import datetime
import json
import os
import re
import shutil
import time
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple

from ..config import ConfigError, Option, register

if TYPE_CHECKING:  # pragma: no cover
    from .manager import Persistence

__all__ = ["SnapshotStore", "SnapshotDir", "SnapshotFailure", "parse_window",
           "valid_name", "window_occurrence"]

AUTOMATIC_PREFIX = "automatic."
MAX_RETENTION = 35
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,254}\Z")
_WINDOW = re.compile(r"(\d\d):(\d\d)-(\d\d):(\d\d)\Z")
_TEMP = re.compile(r"temp-\d+-\d+\.rdb\Z")


class SnapshotFailure(Exception):
    """A snapshot operation that cannot be done; the text is the reason."""


def parse_window(text: str) -> Optional[Tuple[int, int]]:
    """"05:00-06:00" -> (300, 360) minutes after midnight UTC; "" -> None."""
    text = text.strip()
    if not text:
        return None
    m = _WINDOW.match(text)
    if not m:
        raise ConfigError("snapshot-window must be hh24:mi-hh24:mi (UTC)")
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
        raise ConfigError("snapshot-window must be hh24:mi-hh24:mi (UTC)")
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if start == end:
        raise ConfigError("snapshot-window must not be empty")
    return start, end


def window_occurrence(window: Tuple[int, int], now: float) -> Optional[float]:
    """The start (unix time) of the window occurrence containing ``now``, or None."""
    start, end = window
    day = datetime.datetime.fromtimestamp(now, datetime.timezone.utc).replace(
        hour=0, minute=0, second=0, microsecond=0)
    length = (end - start) % 1440
    for back in (0, 1):  # today's occurrence, or yesterday's wrapping past midnight
        begin = day.timestamp() - back * 86400 + start * 60
        if begin <= now < begin + length * 60:
            return begin
    return None


def valid_name(name: str) -> bool:
    return bool(_NAME.match(name)) and ".." not in name


def _parse_window_option(words: List[str]) -> str:
    if len(words) != 1:
        raise ConfigError("wrong number of arguments")
    parse_window(words[0])
    return words[0].strip()


def _register() -> None:
    R = register
    R(Option("snapshot-dir", "string", "", protected=True))
    R(Option("snapshot-window", "special", "05:00-06:00", parse=_parse_window_option,
             format=lambda v: v))
    R(Option("snapshot-retention-limit", "int", 0, minimum=0, maximum=MAX_RETENTION))
    R(Option("snapshot-on-shutdown", "bool", False))
    R(Option("final-snapshot-name", "string", ""))


_register()


class SnapshotDir:
    """The snapshots of one directory (no engine needed)."""

    def __init__(self, directory: str) -> None:
        self.directory = directory

    def rdb_path(self, name: str) -> str:
        return os.path.join(self.directory, name + ".rdb")

    def meta_path(self, name: str) -> str:
        return os.path.join(self.directory, name + ".json")

    def exists(self, name: str) -> bool:
        return os.path.exists(self.meta_path(name)) or os.path.exists(self.rdb_path(name))

    def read_meta(self, name: str) -> Dict[str, Any]:
        meta: Dict[str, Any] = {}
        try:
            with open(self.meta_path(name), encoding="utf-8") as f:
                meta = json.load(f)
        except (OSError, ValueError):
            meta = {"name": name}
        meta.setdefault("name", name)
        rdb = self.rdb_path(name)
        if os.path.exists(rdb):
            st = os.stat(rdb)
            meta["bytes"] = st.st_size
            meta.setdefault("created", st.st_mtime)
            if meta.get("status") in (None, "creating"):
                meta["status"] = "available"
            with open(rdb, "rb") as f:
                meta["encrypted"] = f.read(8).startswith(b"STRATAE")
        elif meta.get("status") != "creating":
            meta["status"] = "failed"
        meta.setdefault("source", "automatic" if name.startswith(AUTOMATIC_PREFIX)
                        else "manual")
        return meta

    def write_meta(self, name: str, meta: Dict[str, Any]) -> None:
        os.makedirs(self.directory, exist_ok=True)
        tmp = self.meta_path(name) + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(meta, f, sort_keys=True)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.meta_path(name))

    def names(self) -> List[str]:
        try:
            files = os.listdir(self.directory)
        except OSError:
            return []
        names = {f[:-5] for f in files if f.endswith(".json")}
        # an .rdb without metadata is a snapshot (copied in by hand), unless it is the
        # temp file of one being written (FileSink's temp-<pid>-<n>.rdb)
        names |= {f[:-4] for f in files if f.endswith(".rdb") and not _TEMP.match(f)}
        return sorted(n for n in names if valid_name(n))

    def list(self) -> List[Dict[str, Any]]:
        metas = [self.read_meta(n) for n in self.names()]
        metas.sort(key=lambda m: (m.get("created") or 0, m["name"]))
        return metas

    def delete(self, name: str) -> None:
        if not valid_name(name) or not self.exists(name):
            raise SnapshotFailure("no such snapshot '%s'" % name)
        for path in (self.rdb_path(name), self.meta_path(name)):
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass

    def export(self, name: str, dest_dir: str) -> str:
        """Copy a snapshot (its RDB file as stored, and its metadata) to ``dest_dir``."""
        if not valid_name(name) or not os.path.exists(self.rdb_path(name)):
            raise SnapshotFailure("no such snapshot '%s'" % name)
        try:
            os.makedirs(dest_dir, exist_ok=True)
            dest = os.path.join(dest_dir, name + ".rdb")
            if os.path.exists(dest):
                raise SnapshotFailure("'%s' already exists" % dest)
            tmp = dest + ".tmp"
            shutil.copyfile(self.rdb_path(name), tmp)
            with open(tmp, "rb+") as f:
                os.fsync(f.fileno())
            os.replace(tmp, dest)
            with open(os.path.join(dest_dir, name + ".json"), "w", encoding="utf-8") as f:
                json.dump(self.read_meta(name), f, sort_keys=True)
        except OSError as e:
            raise SnapshotFailure(e.strerror or str(e)) from None
        return dest

    def restore_to(self, name: str, target_dir: str, dbfilename: str = "dump.rdb",
                   key: Optional[bytes] = None, decrypt: bool = False) -> str:
        """Seed a new server: the snapshot becomes ``target_dir/dbfilename`` (decrypted
        with ``key`` when asked), which the server loads at start-up."""
        from .crypto import SealedReader, is_sealed
        src = self.rdb_path(name)
        if not valid_name(name) or not os.path.exists(src):
            raise SnapshotFailure("no such snapshot '%s'" % name)
        try:
            os.makedirs(target_dir, exist_ok=True)
            dest = os.path.join(target_dir, dbfilename)
            tmp = dest + ".restore-tmp"
            with open(src, "rb") as fin, open(tmp, "wb") as fout:
                if decrypt and is_sealed(fin.read(8)):
                    fin.seek(0)
                    reader = SealedReader(fin, key)
                    while True:
                        chunk = reader.read(1 << 20)
                        if not chunk:
                            break
                        fout.write(chunk)
                else:
                    fin.seek(0)
                    shutil.copyfileobj(fin, fout, 1 << 20)
                fout.flush()
                os.fsync(fout.fileno())
            os.replace(tmp, dest)
        except OSError as e:
            raise SnapshotFailure(e.strerror or str(e)) from None
        return dest


class SnapshotStore:
    """The named snapshots of one engine (see the module docstring)."""

    def __init__(self, persistence: "Persistence") -> None:
        self.pers = persistence
        self.engine = persistence.engine
        self.creating: Optional[str] = None
        self._last_check = 0.0

    # ------------------------------------------------------------ places
    def directory(self) -> str:
        cfg = self.engine.config.values
        return cfg.get("snapshot-dir") or os.path.join(cfg["dir"], "snapshots")

    def dir(self) -> SnapshotDir:
        return SnapshotDir(self.directory())

    # ------------------------------------------------------------ operations
    def create(self, name: str, source: str = "manual", now: Optional[float] = None) -> None:
        """Start writing snapshot ``name`` in the background (SnapshotFailure if not)."""
        from .. import errors
        if not valid_name(name):
            raise SnapshotFailure("invalid snapshot name '%s'" % name)
        if source == "manual" and name.startswith(AUTOMATIC_PREFIX):
            raise SnapshotFailure("snapshot names starting with '%s' are reserved"
                                  % AUTOMATIC_PREFIX)
        d = self.dir()
        if d.exists(name):
            raise SnapshotFailure("snapshot '%s' already exists" % name)
        try:
            os.makedirs(d.directory, exist_ok=True)
        except OSError as e:
            raise SnapshotFailure(e.strerror or str(e)) from None
        meta = {"name": name, "source": source, "status": "creating",
                "created": time.time() if now is None else now, "rdb_version": 10,
                "encrypted": bool(self.engine.config.values.get("encryption-key-file"))}
        d.write_meta(name, meta)
        self.creating = name

        def done(ok: bool, error: Optional[str]) -> None:
            self.creating = None
            meta["status"] = "available" if ok else "failed"
            meta["completed"] = time.time()
            job = self.pers.finished_job
            if job is not None and job.snapshot is not None:
                meta["keys"] = job.snapshot.keys_done
            if error:
                meta["error"] = error
            d.write_meta(name, meta)
            if ok and source == "automatic":
                self.enforce_retention()

        err = self.pers.start_job("snapshot", name, d.rdb_path(name), done)
        if err is not None:
            self.creating = None
            d.delete(name)
            if err == errors.BGSAVE_IN_PROGRESS:
                raise SnapshotFailure("a snapshot or background save is already in progress")
            raise SnapshotFailure("could not start the snapshot (see the server log)")

    def list(self) -> List[Dict[str, Any]]:
        metas = self.dir().list()
        for m in metas:
            if m["name"] == self.creating:
                m["status"] = "creating"
        return metas

    def info(self, name: str) -> Dict[str, Any]:
        d = self.dir()
        if not valid_name(name) or not d.exists(name):
            raise SnapshotFailure("no such snapshot '%s'" % name)
        meta = d.read_meta(name)
        if name == self.creating:
            meta["status"] = "creating"
        meta["path"] = d.rdb_path(name)
        return meta

    def delete(self, name: str) -> None:
        if name == self.creating:
            raise SnapshotFailure("snapshot '%s' is being created" % name)
        self.dir().delete(name)

    def export(self, name: str, dest_dir: str) -> str:
        if name == self.creating:
            raise SnapshotFailure("snapshot '%s' is being created" % name)
        return self.dir().export(name, dest_dir)

    def enforce_retention(self) -> List[str]:
        """Keep the newest ``snapshot-retention-limit`` automatic snapshots."""
        limit = self.engine.config.values["snapshot-retention-limit"]
        autos = [m for m in self.dir().list() if m.get("source") == "automatic"
                 and m.get("status") == "available"]
        autos.sort(key=lambda m: m.get("created") or 0)
        gone = []
        for m in autos[:max(len(autos) - limit, 0)]:
            try:
                self.dir().delete(m["name"])
                gone.append(m["name"])
            except SnapshotFailure:
                pass
        for name in gone:
            self.pers.log(2, "Automatic snapshot '%s' deleted (retention limit %d)"
                          % (name, limit))
        return gone

    # ------------------------------------------------------------ schedule
    def cron(self, now: Optional[float] = None) -> None:
        """Take the automatic snapshot of the current window occurrence, once."""
        now = time.time() if now is None else now
        if now - self._last_check < 1.0:
            return
        self._last_check = now
        cfg = self.engine.config.values
        if cfg["snapshot-retention-limit"] <= 0 or self.pers.job is not None:
            return
        try:
            window = parse_window(cfg["snapshot-window"])
        except ConfigError:
            return
        if window is None:
            return
        begin = window_occurrence(window, now)
        if begin is None:
            return
        for m in self.dir().list():
            if m.get("source") == "automatic" and (m.get("created") or 0) >= begin:
                return  # this occurrence's snapshot exists (or is being made)
        stamp = datetime.datetime.fromtimestamp(now, datetime.timezone.utc)
        name = AUTOMATIC_PREFIX + stamp.strftime("%Y-%m-%d-%H-%M")
        if self.dir().exists(name):
            return
        try:
            self.create(name, "automatic", now)
            self.pers.log(2, "Automatic snapshot '%s' started" % name)
        except SnapshotFailure as e:
            self.pers.log(3, "Automatic snapshot failed to start: %s" % e)

    def final_snapshot(self) -> Optional[str]:
        """``snapshot-on-shutdown``: a synchronous snapshot before the process exits."""
        cfg = self.engine.config.values
        if not cfg.get("snapshot-on-shutdown"):
            return None
        name = cfg.get("final-snapshot-name") or time.strftime(
            "final-%Y-%m-%d-%H-%M-%S", time.gmtime())
        d = self.dir()
        if d.exists(name):
            name = "%s-%d" % (name, int(time.time()))
        os.makedirs(d.directory, exist_ok=True)
        meta = {"name": name, "source": "final", "status": "creating",
                "created": time.time(), "rdb_version": 10,
                "encrypted": bool(cfg.get("encryption-key-file"))}
        d.write_meta(name, meta)
        ok = self.pers._save_sync(d.rdb_path(name), "Final snapshot '%s' saved" % name,
                                  dump=False)
        meta["status"] = "available" if ok else "failed"
        meta["completed"] = time.time()
        meta["keys"] = sum(len(db) for db in self.engine.dbs)
        d.write_meta(name, meta)
        return name if ok else None
