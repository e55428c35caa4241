"""Backups (STRATA.SNAPSHOT, the daily window, retention, the final snapshot, restoring a
new server), encryption at rest (AES-256-GCM sealed files) and the strata-snapshot tool."""

import datetime
import json
import os


import pytest
import redis
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import Engine
from engine.errors import CommandError
from engine.persistence import crypto
from engine.persistence.snapshots import parse_window, window_occurrence
from engine.snapshot_cli import main as cli
from tests.persistence.helpers import check_rdb
from tests.support.servers import start_strata


def _engine(tmp_path, **options) -> Engine:
    e = Engine(**options)
    e.config.values["dir"] = str(tmp_path)
    return e


def _fill(e: Engine, n: int = 50) -> None:
    for i in range(n):
        e.execute("SET", "k%d" % i, "v%d" % i)
    e.execute("HSET", "h", "f", "v")


# ------------------------------------------------------------------ named snapshots
def test_named_snapshot_lifecycle(tmp_path):
    e = _engine(tmp_path)
    _fill(e)
    assert e.execute("STRATA.SNAPSHOT", "CREATE", "before-upgrade") == \
        "Snapshot creation started"
    [meta] = e.execute("STRATA.SNAPSHOT", "LIST")
    assert meta[b"name"] == b"before-upgrade" and meta[b"status"] == b"available"
    assert meta[b"source"] == b"manual" and meta[b"bytes"] > 0 and meta[b"keys"] == 51
    info = e.execute("STRATA.SNAPSHOT", "INFO", "before-upgrade")
    path = info[b"path"].decode()
    assert path == os.path.join(str(tmp_path), "snapshots", "before-upgrade.rdb")
    check_rdb(path)
    for bad, msg in ((("CREATE", "before-upgrade"), "already exists"),
                     (("CREATE", "bad/name"), "invalid snapshot name"),
                     (("CREATE", "automatic.x"), "reserved"),
                     (("INFO", "nope"), "no such snapshot 'nope'"),
                     (("DELETE", "nope"), "no such snapshot 'nope'"),
                     (("EXPORT", "nope", str(tmp_path)), "no such snapshot")):
        with pytest.raises(CommandError, match=msg):
            e.execute("STRATA.SNAPSHOT", *bad)
    out = e.execute("STRATA.SNAPSHOT", "EXPORT", "before-upgrade", str(tmp_path / "exported"))
    assert out == str(tmp_path / "exported" / "before-upgrade.rdb").encode()
    with open(out, "rb") as a, open(path, "rb") as b:
        assert a.read() == b.read()
    with pytest.raises(CommandError, match="already exists"):
        e.execute("STRATA.SNAPSHOT", "EXPORT", "before-upgrade", str(tmp_path / "exported"))
    assert e.execute("STRATA.SNAPSHOT", "DELETE", "before-upgrade") == "OK"
    assert e.execute("STRATA.SNAPSHOT", "LIST") == []
    help_lines = e.execute("STRATA.SNAPSHOT", "HELP")
    assert any("EXPORT" in line for line in help_lines)


def test_window_parsing():
    assert parse_window("05:00-06:00") == (300, 360)
    assert parse_window("") is None
    for bad in ("5-6", "25:00-26:00", "05:00-05:00", "05:00"):
        with pytest.raises(Exception):
            parse_window(bad)
    day = datetime.datetime(2030, 1, 2, tzinfo=datetime.timezone.utc).timestamp()
    assert window_occurrence((300, 360), day + 330 * 60) == day + 300 * 60
    assert window_occurrence((300, 360), day + 361 * 60) is None
    # wrapping midnight: 23:30-00:30
    assert window_occurrence((1410, 30), day + 10 * 60) == day - 30 * 60
    assert window_occurrence((1410, 30), day + 1420 * 60) == day + 1410 * 60


def test_daily_automatic_snapshots_and_retention(tmp_path):
    e = _engine(tmp_path, snapshot_retention_limit=2, snapshot_window="05:00-06:00")
    _fill(e, 5)
    store = e.persistence.store
    day = datetime.datetime(2030, 3, 1, tzinfo=datetime.timezone.utc).timestamp()
    store.cron(day + 4 * 3600)            # before the window: nothing
    assert e.execute("STRATA.SNAPSHOT", "LIST") == []
    names = []
    for d in range(4):
        t = day + d * 86400 + 5 * 3600 + 60
        store.cron(t)
        store.cron(t + 120)               # once per window occurrence
        names.append("automatic.2030-03-%02d-05-01" % (d + 1))
    listed = [m[b"name"].decode() for m in e.execute("STRATA.SNAPSHOT", "LIST")]
    assert listed == names[-2:]           # the retention limit keeps the newest two
    e.config.set_many([("snapshot-retention-limit", "0")])
    store.cron(day + 9 * 86400 + 5 * 3600 + 60)
    assert len(e.execute("STRATA.SNAPSHOT", "LIST")) == 2  # 0 disables automatic ones


def test_final_snapshot_on_shutdown_and_restore_a_new_server(strata_impl, tmp_path):
    a = tmp_path / "a"
    a.mkdir()
    srv = start_strata(strata_impl, extra=["--dir", str(a), "--snapshot-on-shutdown", "yes",
                                           "--final-snapshot-name", "last-words"])
    try:
        r = redis.Redis(port=srv.port)
        r.set("precious", "data")
        r.rpush("list", 1, 2, 3)
        assert cli(["-p", str(srv.port), "create", "manual-one", "--wait"]) == 0
        r.set("after-manual", "1")
        try:
            r.shutdown(nosave=True)
        except redis.ConnectionError:
            pass
        srv.proc.wait(20)
    finally:
        srv.stop()
    snapdir = str(a / "snapshots")
    assert cli(["--dir", snapdir, "list"]) == 0
    meta = json.load(open(os.path.join(snapdir, "last-words.json")))
    assert meta["source"] == "final" and meta["status"] == "available"
    b = tmp_path / "b"
    assert cli(["--dir", snapdir, "restore", "manual-one", str(b)]) == 0
    srv = start_strata(strata_impl, extra=["--dir", str(b)])
    try:
        r = redis.Redis(port=srv.port)
        assert r.get("precious") == b"data" and r.lrange("list", 0, -1) == [b"1", b"2", b"3"]
        assert r.get("after-manual") is None
    finally:
        srv.stop()


def test_cli_on_a_directory(tmp_path, capsys):
    e = _engine(tmp_path)
    _fill(e, 3)
    assert e.persistence.save()
    snapdir = str(tmp_path / "snaps")
    dump = e.persistence.rdb_path()
    assert cli(["--dir", snapdir, "create", "imported", "--from", dump]) == 0
    assert cli(["--dir", snapdir, "list"]) == 0
    assert "imported" in capsys.readouterr().out
    assert cli(["--dir", snapdir, "info", "imported"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "available"
    assert cli(["--dir", snapdir, "export", "imported", str(tmp_path / "out")]) == 0
    assert cli(["verify", str(tmp_path / "out" / "imported.rdb")]) == 0
    assert "4 keys" in capsys.readouterr().out
    assert cli(["--dir", snapdir, "delete", "imported"]) == 0
    assert cli(["--dir", snapdir, "delete", "imported"]) == 1
    assert "no such snapshot" in capsys.readouterr().err
    assert cli(["--dir", snapdir, "create", "x"]) == 1


# ------------------------------------------------------------------ encryption
@settings(max_examples=40, deadline=None)
@given(data=st.binary(max_size=5000), shift=st.integers(10, 12))
def test_seal_round_trip(data, shift):
    key = crypto.generate_key()
    sealed = crypto.seal(data, key, shift)
    assert crypto.is_sealed(sealed)
    assert len(data) < 16 or data not in sealed
    assert crypto.unseal(sealed, key) == data


def test_sealed_files_refuse_tampering_truncation_and_wrong_keys():
    key = crypto.generate_key()
    data = os.urandom(5000)
    sealed = crypto.seal(data, key, shift=10)  # 1 KiB segments
    seg = 1024 + 16
    cases = {
        "flipped": sealed[:100] + bytes([sealed[100] ^ 1]) + sealed[101:],
        "header": sealed[:20] + bytes([sealed[20] ^ 1]) + sealed[21:],
        "last segment dropped": sealed[:crypto.HEADER_SIZE + 4 * seg],
        "cut": sealed[:-5],
        "swapped": sealed[:crypto.HEADER_SIZE] + sealed[crypto.HEADER_SIZE + seg:
                                                         crypto.HEADER_SIZE + 2 * seg]
        + sealed[crypto.HEADER_SIZE:crypto.HEADER_SIZE + seg]
        + sealed[crypto.HEADER_SIZE + 2 * seg:],
    }
    for name, blob in cases.items():
        with pytest.raises(crypto.CryptoError):
            crypto.unseal(blob, key)
    with pytest.raises(crypto.CryptoError, match="another key"):
        crypto.unseal(sealed, crypto.generate_key())
    with pytest.raises(crypto.CryptoError, match="no encryption key"):
        crypto.unseal(sealed, None)


@pytest.mark.parametrize("form", ["raw", "hex", "base64"])
def test_key_files(tmp_path, form):
    import base64
    key = crypto.generate_key()
    text = {"raw": key, "hex": key.hex().encode() + b"\n",
            "base64": base64.b64encode(key) + b"\n"}[form]
    (tmp_path / "k").write_bytes(text)
    assert crypto.load_key(str(tmp_path / "k")) == key
    (tmp_path / "bad").write_bytes(b"too short")
    with pytest.raises(crypto.CryptoError, match="32 bytes"):
        crypto.load_key(str(tmp_path / "bad"))


def test_encrypted_dump_and_snapshots(tmp_path, capsys):
    keyfile = tmp_path / "key"
    keyfile.write_bytes(crypto.generate_key().hex().encode())
    e = _engine(tmp_path, encryption_key_file=str(keyfile))
    _fill(e)
    assert e.persistence.save()
    path = e.persistence.rdb_path()
    with open(path, "rb") as f:
        head = f.read()
    assert crypto.is_sealed(head) and b"v17" not in head
    e.execute("STRATA.SNAPSHOT", "CREATE", "secret")
    info = e.execute("STRATA.SNAPSHOT", "INFO", "secret")
    assert info[b"encrypted"] == 1
    # with the key it loads; without, it is refused cleanly
    e2 = _engine(tmp_path, encryption_key_file=str(keyfile))
    e2.persistence.load_file(path)
    assert e2.execute("GET", "k17") == b"v17"
    e3 = _engine(tmp_path)
    with pytest.raises(crypto.CryptoError, match="Bad file format.*encrypted"):
        e3.persistence.load_file(path)
    assert cli(["verify", path]) == 1
    assert "encrypted" in capsys.readouterr().err
    # strata-snapshot decrypt gives a plain RDB Redis's checker accepts
    plain = str(tmp_path / "plain.rdb")
    assert cli(["--key-file", str(keyfile), "decrypt", path, plain]) == 0
    check_rdb(plain)
    e4 = _engine(tmp_path)
    e4.persistence.load_file(plain)
    assert e4.execute("DBSIZE") == 51
    # DEBUG RELOAD keeps working on a sealed dump
    e.config.values["enable-debug-command"] = "yes"
    assert e.execute("DEBUG", "RELOAD") == "OK" and e.execute("DBSIZE") == 51


def test_encrypted_dump_without_key_stops_the_start(strata_impl, tmp_path):
    keyfile = tmp_path / "key"
    keyfile.write_bytes(crypto.generate_key())
    e = _engine(tmp_path, encryption_key_file=str(keyfile))
    _fill(e, 3)
    assert e.persistence.save()
    with pytest.raises(RuntimeError, match="Fatal error loading the DB: Bad file format"):
        start_strata(strata_impl, extra=["--dir", str(tmp_path)])
    srv = start_strata(strata_impl, extra=["--dir", str(tmp_path),
                                           "--encryption-key-file", str(keyfile)])
    try:
        assert redis.Redis(port=srv.port).get("k1") == b"v1"
    finally:
        srv.stop()

