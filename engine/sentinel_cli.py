"""``strata-sentinel [sentinel.conf] [--option value ...]`` (also ``strata-server
--sentinel``): run a Sentinel-compatible monitor.

The configuration is a sentinel.conf: ``sentinel ...`` directives (see
engine/sentinel/config.py) and server options (port, bind, logfile, ...). On the command
line, ``--sentinel monitor mymaster 127.0.0.1 6379 2`` adds a directive and a bare
``--sentinel`` only selects the mode. The default port is 26379. With a config file the
monitor rewrites it as it learns (replicas, other monitors, epochs), as Redis does.
"""

import os
import sys
from typing import List, Optional

from .config import REDIS_VERSION, Config, FatalConfigError, argv_to_config_text

__all__ = ["main"]


def main(argv: Optional[List[str]] = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in ("-v", "--version"):
        from . import __version__
        print("Strata sentinel v=%s (Redis %s compatible)" % (__version__, REDIS_VERSION))
        return 0
    config_file = None
    if args and not args[0].startswith("--"):
        config_file = args.pop(0)
    # a bare --sentinel only selects the mode; "--sentinel monitor ..." is a directive
    cleaned: List[str] = []
    for i, a in enumerate(args):
        if a == "--sentinel" and (i + 1 >= len(args) or args[i + 1].startswith("--")):
            continue
        cleaned.append(a)
    text = ""
    if config_file is not None:
        try:
            with open(config_file, encoding="utf-8", errors="surrogateescape") as f:
                text = f.read()
        except OSError as e:
            sys.stderr.write("Fatal error, can't open config file '%s': %s\n"
                             % (config_file, e.strerror))
            return 1
    options = argv_to_config_text(cleaned)
    if options:
        text += "\n" + options
    from .sentinel.config import SentinelConfigError, apply_directive, split_config
    try:
        server_text, directives = split_config(text)
    except FatalConfigError as e:
        sys.stderr.write(e.report())
        return 1
    cfg = Config()
    cfg.values["port"] = 26379
    cfg.values["save"] = []
    try:
        cfg.load_text(server_text)
    except FatalConfigError as e:
        sys.stderr.write(e.report())
        return 1
    from .log import NOTICE, Log
    from .sentinel import SentinelEngine
    from .server import serve
    engine = SentinelEngine(cfg)
    s = engine.sentinel
    # monitors first: the other directives name a master
    ordered = sorted(directives, key=lambda d: 0 if d[2] and d[2][0].lower() == "monitor"
                     else 1)
    for lineno, line, words in ordered:
        try:
            apply_directive(s, words)
        except SentinelConfigError as e:
            sys.stderr.write(FatalConfigError(lineno, line, str(e)).report())
            return 1
    if config_file is not None:
        s.config_file = os.path.abspath(config_file)
    values = cfg.values
    log = Log(values["logfile"], values["loglevel"])
    log(NOTICE, "Strata sentinel (Redis %s compatible) starting, pid=%d, port=%d, id=%s"
        % (REDIS_VERSION, os.getpid(), values["port"], s.myid))
    s.flush_config()
    return serve(engine, log)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
