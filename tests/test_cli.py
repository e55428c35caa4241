"""strata-server's command line: redis-server's flags, its config-file errors word for
word, version and help."""

import os
import subprocess
import sys

import pytest

from tests.support.servers import ROOT, require_binary


def run_strata(args, stdin=None):
    env = dict(os.environ, PYTHONPATH=ROOT)
    return subprocess.run([sys.executable, "-m", "engine"] + args, env=env, input=stdin,
                          capture_output=True, text=True, timeout=20)


def run_redis(args):
    return subprocess.run([require_binary("redis-server")] + args, capture_output=True,
                          text=True, timeout=20)


@pytest.mark.parametrize("args", [
    ["--port", "abc"],
    ["--foo", "bar"],
    ["--maxmemory", "10zz"],
    ["--port", "7777", "--save", "", "--appendonly", "maybe"],
    ["--save", "900"],
    ["--port", "1", "2"],
    ["--port", "70000"],
    ["--maxmemory-policy", "nope"],
    ["--timeout", "-1"],
    ["--hz", "x y"],
])
def test_invalid_options_rejected_like_redis(args):
    ours, theirs = run_strata(args), run_redis(args)
    assert ours.returncode == theirs.returncode == 1
    assert ours.stderr.strip() == theirs.stderr.strip()


def test_bad_config_file_line(tmp_path):
    conf = tmp_path / "bad.conf"
    conf.write_text("port 7778\n\n# comment\nloglevel loud\n")
    ours, theirs = run_strata([str(conf)]), run_redis([str(conf)])
    assert ours.returncode == theirs.returncode == 1
    assert ours.stderr.strip() == theirs.stderr.strip()


def test_nowhere_to_listen():
    out = run_strata(["--bind"])
    assert out.returncode == 1 and "Configured to not listen anywhere, exiting." in out.stdout


def test_version_and_help():
    out = run_strata(["--version"])
    assert out.returncode == 0 and "Strata server v=" in out.stdout
    out = run_strata(["--help"])
    assert out.returncode == 1 and "Usage: strata-server" in out.stderr
