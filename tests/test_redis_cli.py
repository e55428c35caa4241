"""redis-cli as a user runs it against Strata: commands on the command line, commands on
stdin (what the interactive prompt sends), and mass insertion with --pipe."""

import subprocess

import pytest

from tests.support.servers import require_binary


def cli(server, *args, stdin=None):
    binary = require_binary("redis-cli")
    return subprocess.run([binary, "-h", server.host, "-p", str(server.port)] + list(args),
                          input=stdin, capture_output=True, timeout=60)


@pytest.fixture
def servers(strata_server, oracle_server):
    for srv in (strata_server, oracle_server):
        cli(srv, "FLUSHALL")
    return strata_server, oracle_server


def test_command_line_and_stdin_same_output(servers):
    script = (b"SET greeting hello\nGET greeting\nINCR n\nINCRBY n 41\nGET nokey\n"
              b"MSET a 1 b 2\nMGET a b c\nDEL a b\nEXISTS a\nTYPE greeting\n"
              b"GET\nINCR greeting\nSET k v EX -1\nHELLO 3\nGET greeting\n")
    outs = [cli(srv, stdin=script) for srv in servers]
    assert outs[0].returncode == outs[1].returncode == 0
    # HELLO's client id differs between servers
    ours, theirs = ([line for line in out.stdout.splitlines() if not line.startswith(b"id ")]
                    for out in outs)
    assert ours == theirs
    for srv in servers:
        assert cli(srv, "GET", "greeting").stdout == b"hello\n"


def test_pipe_mass_insertion(servers):
    n = 20000
    proto = b"".join(b"*3\r\n$3\r\nSET\r\n$%d\r\nkey:%d\r\n$%d\r\nvalue:%d\r\n"
                     % (len(b"key:%d" % i), i, len(b"value:%d" % i), i) for i in range(n))
    for srv in servers:
        out = cli(srv, "--pipe", stdin=proto)
        assert out.returncode == 0, out.stderr
        assert b"errors: 0, replies: %d" % n in out.stdout
        assert cli(srv, "DBSIZE").stdout.strip() == b"%d" % n
        assert cli(srv, "GET", "key:12345").stdout.strip() == b"value:12345"


def test_pipe_reports_errors_like_redis(servers):
    proto = b"SET a 1\r\nINCR a\r\nLPUSH a x\r\nNOSUCH\r\n"
    outs = [cli(srv, "--pipe", stdin=proto) for srv in servers]
    assert outs[0].stdout == outs[1].stdout
    assert b"errors: 2, replies: 4" in outs[0].stdout
