"""``strata-server [configfile] [--option value ...]``: redis-server's command line."""

import gc
import os
import sys
from typing import List, Optional

from .config import REDIS_VERSION, Config, FatalConfigError

__all__ = ["main"]

USAGE = """Usage: strata-server [/path/to/redis.conf] [options] [-]
       strata-server - (read config from stdin)
       strata-server -v or --version
       strata-server -h or --help

Examples:
       strata-server (run the server with default config)
       strata-server /etc/redis/6379.conf
       strata-server --port 7777
       strata-server --port 7777 --replicaof 127.0.0.1 8888
       strata-server /etc/myredis.conf --loglevel verbose -
       strata-server /etc/myredis.conf --loglevel verbose
"""


def main(argv: Optional[List[str]] = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    from . import __version__
    if args and args[0] in ("-v", "--version"):
        print("Strata server v=%s (Redis %s compatible) python=%s"
              % (__version__, REDIS_VERSION, sys.version.split()[0]))
        return 0
    if args and args[0] in ("-h", "--help"):
        sys.stderr.write(USAGE)
        return 1
    if "--sentinel" in args:  # sentinel mode, as redis-server --sentinel
        from .sentinel_cli import main as sentinel_main
        return sentinel_main(args)
    config_file = None
    if args and not args[0].startswith("--"):
        config_file = args.pop(0)
    if args and args[-1] == "-" and config_file is None:
        config_file = "-"
        args.pop()
    cfg = Config()
    try:
        cfg.load_startup(config_file, args)
    except FatalConfigError as e:
        sys.stderr.write(e.report())
        return 1
    from .engine import Engine
    from .log import Log, NOTICE
    from .server import serve
    values = cfg.values
    if values["daemonize"]:
        _daemonize()
    log = Log(values["logfile"], values["loglevel"])
    if values["pidfile"]:
        with open(values["pidfile"], "w") as f:
            f.write("%d\n" % os.getpid())
    from native import resp, keytable
    log(NOTICE, "Strata %s (Redis %s compatible) starting, pid=%d, port=%d, native=%s"
        % (__version__, REDIS_VERSION, os.getpid(), values["port"],
           "yes" if resp.IMPLEMENTATION == "c" and keytable.IMPLEMENTATION == "c" else "no"))
    from .acl import ACLStartupError
    try:
        engine = Engine(cfg)
    except ACLStartupError as e:  # users or the ACL file did not load: log and exit(1)
        from .log import WARNING
        for line in e.lines:
            log(WARNING, line)
        return 1
    # A cache's heap is mostly long-lived values and few reference cycles: keep start-up's
    # objects out of the collector's scans and run the young generation less often (a few
    # percent of CPU per request; embedding leaves the host process's GC alone).
    gc.freeze()
    gc.set_threshold(50000, 20, 20)
    try:
        return serve(engine, log)
    finally:
        if values["pidfile"]:
            try:
                os.unlink(values["pidfile"])
            except OSError:
                pass


def _daemonize() -> None:
    if os.fork() > 0:
        os._exit(0)
    os.setsid()
    if os.fork() > 0:
        os._exit(0)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
