"""Starting servers for tests: Strata (as a subprocess, native or pure Python) and the
oracles (a real redis-server / memcached) on free ports."""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from typing import List, Optional

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def require_binary(name: str) -> str:
    """Path of an oracle binary; skip the test when absent, fail under CI."""
    path = shutil.which(name)
    if path is None:
        msg = ("%s is not installed: the differential tests compare Strata with it "
               "(Debian: apt install redis-server redis-tools memcached)" % name)
        if IN_CI:
            pytest.fail(msg + " -- required under CI", pytrace=False)
        pytest.skip(msg)
    return path


def wait_port(port: int, proc: subprocess.Popen, timeout: float = 15.0) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("server exited with code %s" % proc.returncode)
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("server did not listen on port %d" % port)


class ServerProcess:
    def __init__(self, name: str, argv: List[str], port: int, env: Optional[dict] = None,
                 cwd: Optional[str] = None) -> None:
        self.name = name
        self.port = port
        self.host = "127.0.0.1"
        self.argv = argv
        self.cwd = cwd or tempfile.mkdtemp(prefix="strata-%s-" % name)
        self.log_path = os.path.join(self.cwd, "server.log")
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(argv, stdout=self._log, stderr=subprocess.STDOUT,
                                     env=env, cwd=self.cwd)
        try:
            wait_port(port, self.proc)
        except RuntimeError:
            self.stop()
            raise RuntimeError("%s failed to start: %s" % (name, self.log()))

    @property
    def pid(self) -> int:
        return self.proc.pid

    def log(self) -> str:
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode(errors="replace")[-4000:]
        except OSError:
            return ""

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._log.close()


def start_strata(impl: str = "c", extra: Optional[List[str]] = None,
                 port: Optional[int] = None) -> ServerProcess:
    port = port or free_port()
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    if impl == "py":
        env["STRATA_NO_EXTENSIONS"] = "1"
    else:
        env.pop("STRATA_NO_EXTENSIONS", None)
    argv = [sys.executable, "-m", "engine", "--port", str(port), "--save", "",
            "--enable-debug-command", "yes"] + (extra or [])
    return ServerProcess("strata-" + impl, argv, port, env)


def start_redis(extra: Optional[List[str]] = None, port: Optional[int] = None) -> ServerProcess:
    binary = require_binary("redis-server")
    port = port or free_port()
    argv = [binary, "--port", str(port), "--save", "", "--appendonly", "no",
            "--enable-debug-command", "yes", "--daemonize", "no", "--bind", "127.0.0.1"] \
        + (extra or [])
    return ServerProcess("redis", argv, port)


def native_built() -> bool:
    """True when the Cython twins import (the build ran)."""
    try:
        import native.resp_c  # noqa: F401
        import native.keytable_c  # noqa: F401
    except ImportError:
        return False
    return True
