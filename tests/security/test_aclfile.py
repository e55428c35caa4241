"""The ACL file (aclfile, ACL LOAD / SAVE) and ``user`` directives against redis-server 7.0:
what loads, what is refused and with which text, what SAVE writes, whose connections go."""

import os
import subprocess
import sys

import pytest

from tests.support.servers import ROOT, ServerProcess, free_port, require_binary, start_redis, \
    start_strata

from .conftest import Conn, decode, norm_reply_rules, norm_rules

GOOD = ("user alice on >apw ~a* +@read\n"
        "user default on nopass ~* &* +@all\n"
        "user carol on nopass resetchannels &news -@all +ping +subscribe (~c* +get)\n")


class FilePair:
    """Strata and redis-server, each with an ACL file of its own with the same text."""

    def __init__(self, impl, tmp_path, text=GOOD):
        self.files = [str(tmp_path / "strata.acl"), str(tmp_path / "redis.acl")]
        for f in self.files:
            with open(f, "w") as fh:
                fh.write(text)
        self.strata = start_strata(impl, extra=["--aclfile", self.files[0]])
        self.oracle = start_redis(extra=["--aclfile", self.files[1]])
        self.conns = []

    def conn(self, user=None, password=None):
        c = Conn(self.strata, self.oracle, 2, user, password)
        self.conns.append(c)
        return c

    def write(self, text):
        for f in self.files:
            with open(f, "w") as fh:
                fh.write(text)

    def read(self):
        out = []
        for f in self.files:
            with open(f, "rb") as fh:
                out.append(fh.read())
        return out

    def stop(self):
        for c in self.conns:
            c.close()
        self.strata.stop()
        self.oracle.stop()


@pytest.fixture(scope="module")
def file_pair(strata_impl, tmp_path_factory):
    p = FilePair(strata_impl, tmp_path_factory.mktemp("acl"))
    yield p
    p.stop()


@pytest.fixture
def files(file_pair):
    """The module's pair, back to the users of GOOD before each test."""
    file_pair.write(GOOD)
    admin = Conn(file_pair.strata, file_pair.oracle)
    try:
        assert admin.both("ACL", "LOAD") == [b"+OK\r\n"] * 2
        admin.both("ACL", "LOG", "RESET")
    finally:
        admin.close()
    yield file_pair
    for c in file_pair.conns:
        c.close()
    file_pair.conns = []


def _list(reply):
    return [norm_rules(u) for u in decode(reply)]


def _paths(pair):
    """ACL LOAD errors name the file: the same placeholder for both."""
    def norm(reply):
        for f in pair.files:
            reply = reply.replace(f.encode(), b"FILE")
        return reply
    return norm


def test_loaded_at_startup(files):
    c = files.conn()
    c.check("ACL", "LIST", normalize=_list)
    c.check("ACL", "GETUSER", "carol", normalize=norm_reply_rules)
    c.check("CONFIG", "GET", "aclfile", normalize=lambda r: r.count(b"acl"))
    c.check("CONFIG", "SET", "aclfile", "/tmp/x")
    a = files.conn(user="alice", password="apw")
    a.check("GET", "a1")
    a.check("SET", "a1", "v")


def test_save(files):
    c = files.conn()
    c.check("ACL", "SETUSER", "bob", "on", "#" + "b" * 64, "~b*", "&*", "+@all", "-flushall")
    c.check("ACL", "DELUSER", "alice")
    c.check("ACL", "SAVE")
    got, want = files.read()
    assert [norm_rules(line) for line in got.split(b"\n")] == \
        [norm_rules(line) for line in want.split(b"\n")]
    c.check("ACL", "LOAD")
    c.check("ACL", "LIST", normalize=lambda r: [norm_rules(u) for u in decode(r)])


BAD_FILES = [
    "user x on badrule\n# comment\nuser alice on\nfoo bar\nuser alice off\nuser \"a b\" on\n"
    "user q ( +get\n",
    "user x on +get\n\n   \nuser   y   on   ~a*   \t\n",
    "user\n",
    "user a on +nosuch\n",
    "user a on ~* ~b\nuser b on &* &c\n",
    "user a on #abc\nuser b <nope\n",
    "user a on (+get ~k (+set)\n",
    "User a on\n",
    "user a on -@nosuch +get|x -get|x\n",
]


@pytest.mark.parametrize("text", BAD_FILES, ids=range(len(BAD_FILES)))
def test_load_errors_change_nothing(files, text):
    c = files.conn()
    files.write(text)
    c.check("ACL", "LOAD", normalize=_paths(files))
    c.check("ACL", "LIST", normalize=_list)


def test_load_replaces_users_and_kills_their_clients(files):
    c = files.conn()
    alice = files.conn(user="alice", password="apw")
    default = files.conn()
    files.write("user alice on >apw ~a* +@all\nuser dave on nopass +@all\n")
    c.check("ACL", "LOAD")
    c.check("ACL", "LIST", normalize=_list)   # no default user in the file: a fresh one
    assert alice.closed() == [True, True]   # even though alice is in the new file
    default.check("PING")
    files.write("")
    c.check("ACL", "LOAD")
    c.check("ACL", "LIST", normalize=_list)
    os.unlink(files.files[0])
    os.unlink(files.files[1])
    c.check("ACL", "LOAD", normalize=_paths(files))
    c.check("ACL", "SAVE")
    c.check("ACL", "LIST", normalize=_list)


# ------------------------------------------------------------------ start-up
def _run_all(runs, timeout=30):
    """Run servers that should refuse to start, all at once: (exit code, output lines
    without the log prefixes) of each."""
    procs = [subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
                              cwd=ROOT) for argv, env in runs]
    out = []
    for proc in procs:
        data, _ = proc.communicate(timeout=timeout)
        lines = []
        for line in data.decode(errors="replace").splitlines():
            if " # " in line or " * " in line:
                line = line.split(" # ", 1)[-1].split(" * ", 1)[-1]
            lines.append(line)
        out.append((proc.returncode, lines))
    return out


def _strata_argv(impl, args):
    return [sys.executable, "-m", "engine", "--save", ""] + args


def _env(impl):
    env = dict(os.environ, PYTHONPATH=ROOT)
    if impl == "py":
        env["STRATA_NO_EXTENSIONS"] = "1"
    return env


STARTUP_ERRORS = [
    ["--user", "alice", "on", "badrule"],
    ["--user", "alice", "on", ">p", "(", "+get"],
    ["--user", "alice", "on", "--user", "alice", "off"],
    ["--user"],
    ["--user", "alice", "on", "#xyz"],
]


def test_user_directive_errors(strata_impl):
    redis = require_binary("redis-server")
    runs = []
    for args in STARTUP_ERRORS:
        port = str(free_port())
        runs.append((_strata_argv(strata_impl, ["--port", port] + args), _env(strata_impl)))
        runs.append(([redis, "--port", port, "--save", ""] + args, None))
    results = _run_all(runs)
    keys = ("Reading", ">>>", "Error", "Bad", "wrong")
    for args, (rc_s, out_s), (rc_o, out_o) in zip(STARTUP_ERRORS, results[::2], results[1::2]):
        assert rc_s == rc_o == 1, args
        want = [x for x in out_o if x.startswith(keys)]
        assert want and [x for x in out_s if x.startswith(keys)] == want, args


def test_acl_startup_failures(strata_impl, tmp_path):
    redis = require_binary("redis-server")
    bad = tmp_path / "bad.acl"
    bad.write_text("user a on +get\nuser a off\n")
    cases = [["--aclfile", str(bad)],
             ["--aclfile", str(tmp_path / "missing.acl")],
             ["--aclfile", str(bad), "--user", "x", "on"],
             ["--user", "x", "on", "+nosuchcommand"]]
    runs = []
    for args in cases:
        runs.append((_strata_argv(strata_impl, ["--port", str(free_port())] + args),
                     _env(strata_impl)))
        runs.append(([redis, "--port", str(free_port()), "--save", ""] + args, None))
    results = _run_all(runs)
    for args, (rc_s, out_s), (rc_o, out_o) in zip(cases, results[::2], results[1::2]):
        assert rc_s == rc_o == 1, (args, out_s, out_o)
        keys = ("Aborting", "Configuring", "Error loading", "Critical")
        want = [x for x in out_o if x.startswith(keys)]
        assert want and [x for x in out_s if x.startswith(keys)] == want, (args, out_s, out_o)


def test_user_directives_and_requirepass(strata_impl):
    args = ["--requirepass", "x", "--user", "default", "on", "nopass", "~*", "+@all",
            "--user", "bob", "on", ">b", "+@read", "~*", "--user", "off-one"]
    s = start_strata(strata_impl, extra=args)
    o = start_redis(extra=args)
    c = Conn(s, o)
    try:
        c.check("ACL", "LIST", normalize=_list)
        c.check("CONFIG", "GET", "requirepass")
        c.check("AUTH", "bob", "b")
        c.check("GET", "k")
    finally:
        c.close()
        s.stop()
        o.stop()
    assert "The user 'off-one' is disabled" in s.log()


def test_config_rewrite_keeps_users(strata_impl, tmp_path):
    conf = tmp_path / "strata.conf"
    port = free_port()
    conf.write_text(f"port {port}\nsave \"\"\nuser bob on >x +get\n# keep\n")
    srv = ServerProcess("strata-conf", [sys.executable, "-m", "engine", str(conf)], port,
                        _env(strata_impl), cwd=str(tmp_path))
    from tests.support.raw import RawClient
    c = RawClient(srv.host, srv.port)
    try:
        assert c.call("ACL", "SETUSER", "carol", "on", "nopass", "+@all") == b"+OK\r\n"
        assert c.call("ACL", "DELUSER", "bob") == b":1\r\n"
        assert c.call("CONFIG", "REWRITE") == b"+OK\r\n"
    finally:
        c.close()
        srv.stop()
    assert conf.read_text() == (
        f"port {port}\nsave \"\"\nuser carol on nopass resetchannels +@all\n# keep\n\n"
        "# Generated by CONFIG REWRITE\nuser default on nopass ~* &* +@all\n")
    assert decode(b"+OK\r\n") == b"OK"
