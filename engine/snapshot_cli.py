"""``strata-snapshot``: manage Strata backups, on a running server or on a directory.

    strata-snapshot [-h HOST] [-p PORT] [-a PASSWORD] COMMAND ...     (a running server)
    strata-snapshot --dir SNAPSHOT_DIR COMMAND ...                     (files only)

Commands:
    list                              the snapshots, oldest first
    info NAME                         one snapshot's metadata
    create NAME                       a new snapshot (server: written in the background;
                                      --dir: needs --from FILE, an existing RDB file)
    delete NAME
    export NAME DEST_DIR              copy a snapshot, as stored, to DEST_DIR
    restore NAME TARGET_DIR           seed a new server: TARGET_DIR/dump.rdb (see
                                      --dbfilename, --decrypt), then start
                                      ``strata-server --dir TARGET_DIR``
    decrypt FILE OUT                  a sealed (encrypted) snapshot as a plain RDB file
    verify FILE                       check an RDB file (sealed or not) end to end

A server is reached over RESP (STRATA.SNAPSHOT); ``restore`` asks it where its snapshot
directory is, so run it on the same host. Encrypted files need ``--key-file``.
"""

import argparse
import json
import os
import socket
import sys
import time
from typing import Any, List, Optional

__all__ = ["main"]


class _Resp:
    """A minimal RESP client (hiredis reads the replies)."""

    def __init__(self, host: str, port: int, password: Optional[str]) -> None:
        import hiredis
        self.sock = socket.create_connection((host, port), timeout=60)
        self.reader = hiredis.Reader()
        if password:
            self.call("AUTH", password)

    def call(self, *args: Any) -> Any:
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            b = a if isinstance(a, bytes) else str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(b), b))
        self.sock.sendall(b"".join(out))
        while True:
            reply = self.reader.gets()
            if reply is not False:
                break
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("connection closed by the server")
            self.reader.feed(data)
        if isinstance(reply, Exception):
            raise _Failure(str(reply))
        return reply


class _Failure(Exception):
    pass


def _decode(v: Any) -> Any:
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if isinstance(v, list):
        return [_decode(x) for x in v]
    if isinstance(v, dict):
        return {_decode(k): _decode(x) for k, x in v.items()}
    return v


def _meta_from_reply(reply: Any) -> dict:
    if isinstance(reply, dict):
        return _decode(reply)
    flat = _decode(reply)
    return dict(zip(flat[0::2], flat[1::2]))


def _print_list(metas: List[dict]) -> None:
    if not metas:
        print("(no snapshots)")
        return
    print("%-40s %-10s %-10s %-20s %12s %s" % ("NAME", "SOURCE", "STATUS", "CREATED (UTC)",
                                              "BYTES", "ENCRYPTED"))
    for m in metas:
        created = m.get("created")
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(float(created))) \
            if created else "-"
        print("%-40s %-10s %-10s %-20s %12s %s" % (
            m.get("name"), m.get("source", "-"), m.get("status", "-"), when,
            m.get("bytes", "-"), "yes" if m.get("encrypted") in (1, True, "1") else "no"))


def _key(args: argparse.Namespace) -> Optional[bytes]:
    if not args.key_file:
        return None
    from .persistence.crypto import load_key
    return load_key(args.key_file)


def _verify(path: str, key: Optional[bytes]) -> str:
    from .persistence import rdb
    from .persistence.manager import open_rdb
    counts = {"keys": 0}

    def on_key(db: int, k: bytes, v: Any, e: int, i: int, f: int) -> None:
        counts["keys"] += 1

    with open_rdb(path, key) as f:
        res = rdb.load(rdb.Reader(f), on_key, skip_expired=False)
    return "RDB version %d, %d keys, %d functions, checksum %s" % (
        res.version, counts["keys"], len(res.functions),
        "verified" if res.checksum_verified else "not stored")


def _decrypt(src: str, out: str, key: Optional[bytes]) -> None:
    from .persistence.crypto import SealedReader, is_sealed
    with open(src, "rb") as fin:
        if not is_sealed(fin.read(8)):
            raise _Failure("'%s' is not an encrypted snapshot" % src)
        fin.seek(0)
        reader = SealedReader(fin, key)
        tmp = out + ".tmp"
        with open(tmp, "wb") as fout:
            while True:
                chunk = reader.read(1 << 20)
                if not chunk:
                    break
                fout.write(chunk)
            fout.flush()
            os.fsync(fout.fileno())
    os.replace(tmp, out)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="strata-snapshot", add_help=False,
                                description="Manage Strata snapshots (backups).")
    p.add_argument("--help", action="help", help="show this help and exit")
    p.add_argument("-h", "--host", default="127.0.0.1")
    p.add_argument("-p", "--port", type=int, default=6379)
    p.add_argument("-a", "--password", default=None)
    p.add_argument("--dir", default=None, help="work on this snapshot directory, no server")
    p.add_argument("--key-file", default=None, help="encryption key (32 bytes, hex or base64)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("list")
    for name in ("info", "delete"):
        sub.add_parser(name).add_argument("name")
    c = sub.add_parser("create")
    c.add_argument("name")
    c.add_argument("--from", dest="source", default=None,
                   help="(with --dir) an existing RDB file to store as the snapshot")
    c.add_argument("--wait", action="store_true", help="(server) wait until it is written")
    e = sub.add_parser("export")
    e.add_argument("name")
    e.add_argument("dest")
    r = sub.add_parser("restore")
    r.add_argument("name")
    r.add_argument("target")
    r.add_argument("--dbfilename", default="dump.rdb")
    r.add_argument("--decrypt", action="store_true")
    d = sub.add_parser("decrypt")
    d.add_argument("file")
    d.add_argument("out")
    v = sub.add_parser("verify")
    v.add_argument("file")
    return p


def main(argv: Optional[List[str]] = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except (_Failure, OSError, ConnectionError) as e:
        sys.stderr.write("strata-snapshot: %s\n" % e)
        return 1
    except Exception as e:  # noqa: BLE001 - a clean message for the operator
        from .persistence.crypto import CryptoError
        from .persistence.rdb import RDBError
        from .persistence.snapshots import SnapshotFailure
        if isinstance(e, (CryptoError, RDBError, SnapshotFailure)):
            sys.stderr.write("strata-snapshot: %s\n" % e)
            return 1
        raise


def _run(args: argparse.Namespace) -> int:
    from .persistence.snapshots import SnapshotDir, SnapshotFailure, valid_name
    cmd = args.command
    if cmd == "decrypt":
        _decrypt(args.file, args.out, _key(args))
        print("decrypted to %s" % args.out)
        return 0
    if cmd == "verify":
        print(_verify(args.file, _key(args)))
        return 0
    if args.dir is not None:
        d = SnapshotDir(args.dir)
        if cmd == "list":
            metas = d.list()
            print(json.dumps(metas, indent=1)) if args.json else _print_list(metas)
        elif cmd == "info":
            if not d.exists(args.name):
                raise SnapshotFailure("no such snapshot '%s'" % args.name)
            print(json.dumps(d.read_meta(args.name), indent=1, sort_keys=True))
        elif cmd == "delete":
            d.delete(args.name)
            print("deleted %s" % args.name)
        elif cmd == "export":
            print(d.export(args.name, args.dest))
        elif cmd == "restore":
            print(d.restore_to(args.name, args.target, args.dbfilename, _key(args),
                               args.decrypt))
        elif cmd == "create":
            if not args.source:
                raise SnapshotFailure("create on a directory needs --from FILE (or a server)")
            if not valid_name(args.name) or d.exists(args.name):
                raise SnapshotFailure("invalid or existing snapshot name '%s'" % args.name)
            summary = _verify(args.source, _key(args))
            import shutil
            os.makedirs(d.directory, exist_ok=True)
            shutil.copyfile(args.source, d.rdb_path(args.name))
            with open(args.source, "rb") as f:
                sealed = f.read(8).startswith(b"STRATAE")
            d.write_meta(args.name, {"name": args.name, "source": "manual",
                                     "status": "available", "created": time.time(),
                                     "completed": time.time(), "encrypted": sealed,
                                     "imported_from": os.path.abspath(args.source)})
            print("created %s (%s)" % (args.name, summary))
        return 0
    c = _Resp(args.host, args.port, args.password)
    if cmd == "list":
        metas = [_meta_from_reply(m) for m in c.call("STRATA.SNAPSHOT", "LIST")]
        print(json.dumps(metas, indent=1)) if args.json else _print_list(metas)
    elif cmd == "info":
        print(json.dumps(_meta_from_reply(c.call("STRATA.SNAPSHOT", "INFO", args.name)),
                         indent=1, sort_keys=True))
    elif cmd == "create":
        c.call("STRATA.SNAPSHOT", "CREATE", args.name)
        if args.wait:
            while True:
                meta = _meta_from_reply(c.call("STRATA.SNAPSHOT", "INFO", args.name))
                if meta.get("status") != "creating":
                    break
                time.sleep(0.1)
            if meta.get("status") != "available":
                raise _Failure("snapshot %s failed: %s" % (args.name, meta.get("error")))
        print("created %s" % args.name)
    elif cmd == "delete":
        c.call("STRATA.SNAPSHOT", "DELETE", args.name)
        print("deleted %s" % args.name)
    elif cmd == "export":
        print(_decode(c.call("STRATA.SNAPSHOT", "EXPORT", args.name, args.dest)))
    elif cmd == "restore":
        meta = _meta_from_reply(c.call("STRATA.SNAPSHOT", "INFO", args.name))
        d = SnapshotDir(os.path.dirname(meta["path"]))
        print(d.restore_to(args.name, args.target, args.dbfilename, _key(args), args.decrypt))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
