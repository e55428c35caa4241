"""One registry of configuration options: defaults, types, validation, redis.conf parsing,
command-line flags, CONFIG GET/SET/REWRITE.

Only options the engine honours are registered; anything else is refused with Redis's
wording (at start-up "Bad directive or wrong number of arguments", at run time "Unknown
option"), so an accepted option always does what it says. Features add options by calling
``register`` from their own module; an option's ``on_change`` hook applies a new value to
a running engine.
"""

import os
import re
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple

from native.resp_py import split_inline, string2ll

__all__ = ["Option", "Config", "ConfigError", "FatalConfigError", "register", "OPTIONS",
           "parse_memory", "parse_config_text", "REDIS_VERSION"]

REDIS_VERSION = "7.0.15"  # the Redis release whose behaviour we match


class ConfigError(Exception):
    """An invalid option or value; the text is Redis's reason (without the framing)."""


ULLONG_MAX = 2 ** 64 - 1
_MEM_UNITS = {"": 1, "b": 1, "k": 1000, "kb": 1024, "m": 1000 ** 2, "mb": 1024 ** 2,
              "g": 1000 ** 3, "gb": 1024 ** 3}


def parse_memory(text: str) -> int:
    """memtoull(): "100mb" -> bytes; ConfigError with Redis's text when malformed. As in
    Redis, no sign is allowed, "" is 0 and a number too big for 64 bits saturates."""
    m = re.fullmatch(r"(\d*)([a-zA-Z]*)", text)
    if not m or m.group(2).lower() not in _MEM_UNITS or len(m.group(1)) >= 128:
        raise ConfigError("argument must be a memory value")
    value = min(int(m.group(1) or "0"), ULLONG_MAX)
    mul = _MEM_UNITS[m.group(2).lower()]
    if value > ULLONG_MAX // mul:
        raise ConfigError("argument must be a memory value")
    return value * mul


def _parse_int_strict(text: str) -> int:
    """string2ll(): no leading zeros, spaces or '+', within 64 bits."""
    v = string2ll(text.encode("utf-8", "surrogateescape"))
    if v is None:
        raise ConfigError("argument couldn't be parsed into an integer")
    return v


class Option:
    """A config option. ``kind`` is bool, int, memory, enum, string or special (``parse`` and
    ``format`` given). ``mutable`` options may change at run time through CONFIG SET."""

    def __init__(self, name: str, kind: str, default: Any, *, minimum: Optional[int] = None,
                 maximum: Optional[int] = None, choices: Iterable[str] = (),
                 mutable: bool = True, aliases: Iterable[str] = (),
                 parse: Optional[Callable[[List[str]], Any]] = None,
                 format: Optional[Callable[[Any], str]] = None,
                 on_change: Optional[Callable[[Any, Any], None]] = None,
                 multi_arg: bool = False, percent: bool = False,
                 protected: bool = False, hidden: bool = False,
                 merge: Optional[Callable[[Any, Any], Any]] = None) -> None:
        self.name = name
        self.kind = kind
        self.default = default
        self.minimum = minimum
        self.maximum = maximum
        self.choices = tuple(choices)
        self.mutable = mutable
        self.aliases = tuple(aliases)
        self._parse = parse
        self._format = format
        self.on_change = on_change
        self.multi_arg = multi_arg   # takes several words on a config line (save, bind ...)
        self.percent = percent       # memory option that also accepts "N%" (maxmemory-clients)
        self.protected = protected   # CONFIG SET needs enable-protected-configs (dir ...)
        self.hidden = hidden         # HIDDEN_CONFIG: only by exact name, never by a glob
        # merge(current, parsed): a value that updates part of the current one
        # (client-output-buffer-limit: only the classes given), in files and CONFIG SET
        self.merge = merge

    def parse(self, words: List[str]) -> Any:
        if self._parse is not None:
            return self._parse(words)
        if len(words) != 1:
            raise ConfigError("wrong number of arguments")
        text = words[0]
        k = self.kind
        if k == "bool":
            low = text.lower()
            if low not in ("yes", "no"):
                raise ConfigError("argument must be 'yes' or 'no'")
            return low == "yes"
        if k == "int":
            v = _parse_int_strict(text)
            self._check_range(v)
            return v
        if k == "memory":
            if self.percent and text.endswith("%"):
                v = _parse_int_strict(text[:-1])
                if v < 0:
                    raise ConfigError("argument must be a memory or percent value")
                return -v
            v = parse_memory(text)
            self._check_range(v)
            return v
        if k == "enum":
            low = text.lower()
            if low not in self.choices:
                raise ConfigError("argument(s) must be one of the following: %s"
                                  % ", ".join(self.choices))
            return low
        return text

    def _check_range(self, v: int) -> None:
        lo, hi = self.minimum, self.maximum
        if (lo is not None and v < lo) or (hi is not None and v > hi):
            raise ConfigError("argument must be between %d and %d inclusive"
                              % (lo if lo is not None else -(2 ** 63),
                                 hi if hi is not None else 2 ** 63 - 1))

    def format(self, value: Any) -> str:
        if self._format is not None:
            return self._format(value)
        if self.kind == "bool":
            return "yes" if value else "no"
        if self.kind == "memory" and self.percent and value < 0:
            return "%d%%" % -value
        return str(value)


OPTIONS: Dict[str, Option] = {}
_ALIASES: Dict[str, str] = {}
# Directives that are not options (``user``): name -> handler(config, words), registered by
# the module that owns them. The handler keeps what it accepts in ``Config.directives``;
# a ConfigError it raises is a fatal error at that line.
DIRECTIVES: Dict[str, Callable[["Config", List[str]], None]] = {}


def register(option: Option) -> Option:
    if option.name in OPTIONS:
        raise ValueError("option %s registered twice" % option.name)
    OPTIONS[option.name] = option
    for a in option.aliases:
        _ALIASES[a] = option.name
    return option


def canonical(name: str) -> Optional[str]:
    name = name.lower()
    if name in OPTIONS:
        return name
    return _ALIASES.get(name)


def parse_config_text(text: str) -> List[Tuple[int, str, str, List[str]]]:
    """Split redis.conf text into (line number, raw trimmed line, directive, args), with
    Redis's quoting and line numbering (every "\n" counts, blank lines too)."""
    out = []
    for lineno, raw in enumerate(text.split("\n"), 1):
        line = raw.strip(" \t\r\n")
        if not line or line.startswith("#"):
            continue
        words = split_inline(line.encode("utf-8", "surrogateescape"))
        if words is None:
            raise FatalConfigError(lineno, line, "Unbalanced quotes in configuration line")
        if not words:
            continue
        words = [w.decode("utf-8", "surrogateescape") for w in words]
        out.append((lineno, line, words[0].lower(), words[1:]))
    return out


class FatalConfigError(Exception):
    """A configuration error at start-up, reported as redis-server reports it."""

    def __init__(self, lineno: int, line: str, reason: str) -> None:
        super().__init__(reason)
        self.lineno, self.line, self.reason = lineno, line, reason

    def report(self) -> str:
        if not self.lineno:
            return self.reason + "\n"
        return ("\n*** FATAL CONFIG FILE ERROR (Redis %s) ***\n"
                "Reading the configuration file, at line %d\n>>> '%s'\n%s\n"
                % (REDIS_VERSION, self.lineno, self.line, self.reason))


def argv_to_config_text(args: List[str]) -> str:
    """redis-server's command line -> config text, as its main() builds it: each
    ``--name`` starts a line, each value is appended quoted (sdscatrepr)."""
    options = ""
    handled_last = True
    for j, a in enumerate(args):
        if handled_last and a.startswith("--"):
            if options:
                options += "\n"
            options += a[2:] + " "
            if len(split_inline(a.encode("utf-8", "surrogateescape")) or []) == 1:
                handled_last = False
                last = j == len(args) - 1
                if a.lower() == "--save" and (last or args[j + 1].startswith("--")):
                    options += '""'  # `--save` with no value means `save ""`
                    handled_last = True
            else:
                handled_last = True  # "--port 6380" given as one argument
        else:
            options += sdscatrepr(a) + " "
            handled_last = True
    return options


def sdscatrepr(word: str) -> str:
    """Redis's quoted representation of a string."""
    out = ['"']
    for ch in word.encode("utf-8", "surrogateescape"):
        if ch in (0x5C, 0x22):
            out.append("\\" + chr(ch))
        elif ch == 10:
            out.append("\\n")
        elif ch == 13:
            out.append("\\r")
        elif ch == 9:
            out.append("\\t")
        elif ch == 7:
            out.append("\\a")
        elif ch == 8:
            out.append("\\b")
        elif 32 <= ch < 127:
            out.append(chr(ch))
        else:
            out.append("\\x%02x" % ch)
    out.append('"')
    return "".join(out)


def _quote(word: str) -> str:
    """A config-file word: bare when safe, else quoted."""
    if word and not re.search(r"[\s\"'\\]", word):
        return word
    return sdscatrepr(word)


class Config:
    """The option values of one engine. ``values`` maps canonical names to parsed values."""

    def __init__(self) -> None:
        self.values: Dict[str, Any] = {n: o.default for n, o in OPTIONS.items()}
        self.file: Optional[str] = None
        self._listeners: Dict[str, List[Callable[[Any, Any], None]]] = {}
        self.directives: Dict[str, List[Any]] = {}   # what DIRECTIVES handlers kept
        # CONFIG REWRITE of a directive: name -> the lines it is now (replacing its old ones)
        self.rewriters: Dict[str, Callable[[], List[str]]] = {}

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    def get(self, name: str, default: Any = None) -> Any:
        return self.values.get(name, default)

    def on_change(self, name: str, fn: Callable[[Any, Any], None]) -> None:
        """Call ``fn(old, new)`` whenever option ``name`` changes at run time."""
        self._listeners.setdefault(name, []).append(fn)

    # ---------------------------------------------------------------- loading
    def load_startup(self, config_file: Optional[str], args: List[str]) -> None:
        """Apply a redis.conf file then command-line options; raises FatalConfigError."""
        text = ""
        if config_file is not None:
            self.file = os.path.abspath(config_file) if config_file != "-" else None
            try:
                if config_file == "-":
                    import sys
                    text = sys.stdin.read()
                else:
                    with open(config_file, encoding="utf-8", errors="surrogateescape") as f:
                        text = f.read()
            except OSError as e:
                raise FatalConfigError(0, config_file,
                                       "Fatal error, can't open config file '%s': %s"
                                       % (os.path.abspath(config_file), e.strerror)) from None
        options = argv_to_config_text(args)
        if options:
            text += "\n" + options
        self.load_text(text)

    def load_text(self, text: str, _depth: int = 0) -> None:
        for lineno, line, name, words in parse_config_text(text):
            if name == "include" and len(words) == 1:
                if _depth > 10:
                    raise FatalConfigError(lineno, line, "include nesting too deep")
                try:
                    with open(words[0], encoding="utf-8", errors="surrogateescape") as f:
                        self.load_text(f.read(), _depth + 1)
                except OSError as e:
                    raise FatalConfigError(lineno, line, e.strerror or str(e)) from None
                continue
            if name in DIRECTIVES:
                try:
                    DIRECTIVES[name](self, words)
                except ConfigError as e:
                    raise FatalConfigError(lineno, line, str(e)) from None
                continue
            cname = canonical(name)
            if cname is None:
                raise FatalConfigError(lineno, line, "Bad directive or wrong number of arguments")
            opt = OPTIONS[cname]
            if not opt.multi_arg and len(words) != 1:
                raise FatalConfigError(lineno, line, "wrong number of arguments")
            try:
                if opt.multi_arg and len(words) == 1 and words[0]:
                    # Redis splits a lone argument ("--save '900 1'" on the command line)
                    words = _split_words(words[0])
                value = opt.parse(words)
                self.values[cname] = value if opt.merge is None \
                    else opt.merge(self.values[cname], value)
            except ConfigError as e:
                raise FatalConfigError(lineno, line, str(e)) from None

    # ---------------------------------------------------------------- CONFIG GET/SET
    def set_many(self, pairs: List[Tuple[str, str]], allow_protected: bool = True) -> None:
        """CONFIG SET name value [name value ...]: all or nothing; raises ConfigError whose
        first arg is the offending option name and second the reason (None: unknown name).
        ``allow_protected`` False refuses protected options, as enable-protected-configs."""
        # configSetCommand(): the first unknown, immutable or duplicate name fails the
        # whole command; then values are parsed in order.
        unknown = refused = None
        chosen: List[Tuple[str, str, str]] = []
        for raw_name, text in pairs:
            cname = canonical(raw_name)
            if cname is None:
                if refused is None:
                    unknown = unknown or raw_name
            elif unknown is None and refused is None:
                if not OPTIONS[cname].mutable:
                    refused = ConfigError(raw_name, "can't set immutable config")
                elif OPTIONS[cname].protected and not allow_protected:
                    refused = ConfigError(raw_name, "can't set protected config")
                elif any(cname == c for _, c, _ in chosen):
                    refused = ConfigError(raw_name, "duplicate parameter")
                chosen.append((raw_name, cname, text))
        if unknown is not None:
            raise ConfigError(unknown, None)
        if refused is not None:
            raise refused
        parsed: List[Tuple[str, Any]] = []
        for raw_name, cname, text in chosen:
            opt = OPTIONS[cname]
            try:
                # configSetCommand() splits a multi-word value at single spaces
                words = [text] if not opt.multi_arg else (text.split(" ") if text else [])
                value = opt.parse(words)
                if opt.merge is not None:
                    value = opt.merge(self.values[cname], value)
                parsed.append((cname, value))
            except ConfigError as e:
                raise ConfigError(raw_name.lower(), str(e)) from None
        old = {n: self.values[n] for n, _ in parsed}
        for name, value in parsed:  # every value first, then their effects (Redis's apply)
            self.values[name] = value
        applied: List[Tuple[str, Any]] = []
        try:
            for name, value in parsed:
                applied.append((name, value))
                for fn in self._listeners.get(name, ()):
                    fn(old[name], value)
        except ConfigError as e:
            for name, _value in parsed:  # roll back, as Redis restores the previous values
                self.values[name] = old[name]
            for name, value in applied:
                for fn in self._listeners.get(name, ()):
                    try:
                        fn(value, old[name])
                    except ConfigError:
                        pass
            raise ConfigError(applied[-1][0], str(e)) from None

    # ---------------------------------------------------------------- CONFIG REWRITE
    def rewrite(self) -> None:
        """Rewrite the config file: keep comments and unknown lines' order, update the
        options we changed from their defaults, append the rest (Redis's rewriteConfig)."""
        if not self.file:
            raise ConfigError("The server is running without a config file")
        try:
            with open(self.file, encoding="utf-8", errors="surrogateescape") as f:
                lines = f.read().splitlines()
        except FileNotFoundError:
            lines = []
        done = set()
        fresh: Dict[str, List[str]] = {}   # rewritten directives' lines not placed yet
        out: List[str] = []
        signed = False
        for raw in lines:
            stripped = raw.strip()
            words = split_inline(stripped.encode("utf-8", "surrogateescape")) \
                if stripped and not stripped.startswith("#") else None
            if not words:
                signed = signed or stripped == REWRITE_SIGNATURE
                if stripped or (out and out[-1]):  # runs of empty lines become one
                    out.append(raw)
                continue
            directive = words[0].decode("utf-8", "surrogateescape").lower()
            if directive in self.rewriters:  # e.g. ``user``: each old line takes a new one
                if directive not in fresh:
                    fresh[directive] = list(self.rewriters[directive]())
                if fresh[directive]:
                    out.append(fresh[directive].pop(0))
                continue
            cname = canonical(words[0].decode("utf-8", "surrogateescape"))
            if cname is None:
                out.append(raw)
                continue
            if cname in done:  # a repeated directive collapses into the first
                continue
            done.add(cname)
            out.append(self._line(cname))
        extra = [self._line(n) for n, o in OPTIONS.items()
                 if n not in done and self.values[n] != o.default]
        for directive, lines_of in self.rewriters.items():
            extra.extend(fresh[directive] if directive in fresh else lines_of())
        if extra and not signed:
            if out and out[-1]:
                out.append("")
            out.append(REWRITE_SIGNATURE)
        out.extend(extra)
        tmp = self.file + ".tmp-rewrite"
        try:
            with open(tmp, "w", encoding="utf-8", errors="surrogateescape") as f:
                f.write("\n".join(out) + "\n")
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.file)
        except OSError as e:
            raise ConfigError(e.strerror or str(e)) from None

    def _line(self, name: str) -> str:
        """The option as rewriteConfig writes it: memory in units, strings quoted."""
        opt = OPTIONS[name]
        raw = self.values[name]
        value = opt.format(raw)
        if opt.multi_arg:
            return "%s %s" % (name, value if value else '""')
        if opt.kind == "memory" and raw > 0:
            for unit, size in (("gb", 1 << 30), ("mb", 1 << 20), ("kb", 1 << 10)):
                if raw % size == 0:
                    return "%s %d%s" % (name, raw // size, unit)
        if opt.kind == "string" or name == "dir":
            return "%s %s" % (name, _repr(value))
        return "%s %s" % (name, _quote(value))


REWRITE_SIGNATURE = "# Generated by CONFIG REWRITE"
_REPR_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t",
                 "\a": "\\a", "\b": "\\b"}


def _repr(text: str) -> str:
    """sdscatrepr(): double-quoted, with C escapes and \\xNN for other unprintable bytes."""
    out = []
    for ch in text.encode("utf-8", "surrogateescape"):
        c = chr(ch)
        if c in _REPR_ESCAPES:
            out.append(_REPR_ESCAPES[c])
        elif 32 <= ch < 127:
            out.append(c)
        else:
            out.append("\\x%02x" % ch)
    return '"' + "".join(out) + '"'


def _split_words(text: str) -> List[str]:
    words = split_inline(text.encode("utf-8", "surrogateescape"))
    if words is None:
        raise ConfigError("Unbalanced quotes")
    return [w.decode("utf-8", "surrogateescape") for w in words]


# ===================================================================== core options
def _parse_save(words: List[str]) -> List[Tuple[int, int]]:
    if len(words) == 1 and words[0].strip() == "":
        return []
    words = [w for w in words if w]
    if len(words) % 2:
        raise ConfigError("Invalid save parameters")
    out = []
    for i in range(0, len(words), 2):
        try:
            secs, changes = int(words[i]), int(words[i + 1])
        except ValueError:
            raise ConfigError("Invalid save parameters") from None
        if secs < 1 or changes < 0:
            raise ConfigError("Invalid save parameters")
        out.append((secs, changes))
    return out


def _format_save(v: List[Tuple[int, int]]) -> str:
    return " ".join("%d %d" % p for p in v)


def _parse_bind(words: List[str]) -> List[str]:
    if len(words) > 16:
        raise ConfigError("Too many bind addresses specified.")
    return [w for w in words if w]  # empty: no TCP listener


def _register_core() -> None:
    R = register
    R(Option("port", "int", 6379, minimum=0, maximum=65535, mutable=False))
    R(Option("bind", "special", ["127.0.0.1", "-::1"], mutable=False, multi_arg=True,
             parse=_parse_bind, format=lambda v: " ".join(v)))
    R(Option("unixsocket", "string", "", mutable=False))
    R(Option("unixsocketperm", "special", 0, mutable=False,
             parse=lambda w: _octal(w), format=lambda v: "%o" % v if v else "0"))
    R(Option("tcp-backlog", "int", 511, minimum=0, maximum=2 ** 31 - 1, mutable=False))
    R(Option("tcp-keepalive", "int", 300, minimum=0, maximum=2 ** 31 - 1))
    R(Option("timeout", "int", 0, minimum=0, maximum=2 ** 31 - 1))
    R(Option("maxclients", "int", 10000, minimum=1, maximum=2 ** 32 - 1))
    R(Option("databases", "int", 16, minimum=1, maximum=2 ** 31 - 1, mutable=False))
    R(Option("hz", "special", 10, parse=_parse_hz))
    R(Option("dynamic-hz", "bool", True))
    R(Option("daemonize", "bool", False, mutable=False))
    R(Option("pidfile", "string", "", mutable=False))
    R(Option("logfile", "string", "", mutable=False))
    R(Option("loglevel", "enum", "notice", choices=("debug", "verbose", "notice", "warning")))
    R(Option("proto-max-bulk-len", "memory", 512 * 1024 * 1024, minimum=1024 * 1024,
             maximum=2 ** 63 - 1))
    R(Option("client-query-buffer-limit", "memory", 1024 * 1024 * 1024, minimum=1024 * 1024,
             maximum=2 ** 63 - 1))
    R(Option("requirepass", "string", "", format=lambda v: v))
    R(Option("maxmemory", "memory", 0, minimum=0, maximum=ULLONG_MAX))
    R(Option("maxmemory-policy", "enum", "noeviction",
             choices=("volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl",
                      "allkeys-lru", "allkeys-lfu", "allkeys-random", "noeviction")))
    R(Option("maxmemory-samples", "int", 5, minimum=1, maximum=2 ** 31 - 1))
    R(Option("lfu-log-factor", "int", 10, minimum=0, maximum=2 ** 31 - 1))
    R(Option("lfu-decay-time", "int", 1, minimum=0, maximum=2 ** 31 - 1))
    R(Option("save", "special", [], multi_arg=True, parse=_parse_save, format=_format_save))
    R(Option("dir", "special", ".", parse=_parse_dir, format=lambda v: os.getcwd(),
             protected=True))
    R(Option("dbfilename", "string", "dump.rdb", protected=True))
    R(Option("appendonly", "special", False, parse=_parse_appendonly,
             format=lambda v: "no"))
    R(Option("slowlog-log-slower-than", "int", 10000, minimum=-1, maximum=2 ** 63 - 1))
    R(Option("slowlog-max-len", "int", 128, minimum=0, maximum=2 ** 63 - 1))
    R(Option("latency-monitor-threshold", "int", 0, minimum=0, maximum=2 ** 63 - 1))
    R(Option("active-expire-enabled", "bool", True))  # DEBUG SET-ACTIVE-EXPIRE mirrors this
    R(Option("busy-reply-threshold", "int", 5000, minimum=0, maximum=2 ** 63 - 1,
             aliases=("lua-time-limit",)))
    R(Option("set-max-intset-entries", "int", 512, minimum=0, maximum=2 ** 63 - 1))
    R(Option("hash-max-listpack-entries", "int", 512, minimum=0, maximum=2 ** 63 - 1,
             aliases=("hash-max-ziplist-entries",)))
    R(Option("hash-max-listpack-value", "memory", 64, minimum=0, maximum=2 ** 63 - 1,
             aliases=("hash-max-ziplist-value",)))
    R(Option("zset-max-listpack-entries", "int", 128, minimum=0, maximum=2 ** 63 - 1,
             aliases=("zset-max-ziplist-entries",)))
    R(Option("zset-max-listpack-value", "memory", 64, minimum=0, maximum=2 ** 63 - 1,
             aliases=("zset-max-ziplist-value",)))
    R(Option("list-max-listpack-size", "int", -2, minimum=-5, maximum=2 ** 31 - 1,
             aliases=("list-max-ziplist-size",)))
    R(Option("list-compress-depth", "int", 0, minimum=0, maximum=2 ** 31 - 1))
    R(Option("stream-node-max-entries", "int", 100, minimum=0, maximum=2 ** 63 - 1))
    R(Option("stream-node-max-bytes", "memory", 4096, minimum=0, maximum=2 ** 63 - 1))
    R(Option("protected-mode", "bool", True))
    R(Option("enable-protected-configs", "enum", "no", choices=("no", "yes", "local"),
             mutable=False))
    R(Option("enable-debug-command", "enum", "no", choices=("no", "yes", "local"),
             mutable=False))
    R(Option("enable-module-command", "enum", "no", choices=("no", "yes", "local"),
             mutable=False))


def _parse_hz(words: List[str]) -> int:
    if len(words) != 1:
        raise ConfigError("wrong number of arguments")
    v = _parse_int_strict(words[0])
    if v < 0 or v > 2 ** 31 - 1:
        raise ConfigError("argument must be between 0 and 2147483647 inclusive")
    return max(1, min(500, v))  # CONFIG_MIN_HZ .. CONFIG_MAX_HZ, as Redis clamps


def _octal(words: List[str]) -> int:
    if len(words) != 1 or not re.fullmatch(r"[0-7]+", words[0]):
        raise ConfigError("argument couldn't be parsed into an integer")
    return int(words[0], 8)


def _parse_dir(words: List[str]) -> str:
    if len(words) != 1:
        raise ConfigError("wrong number of arguments")
    try:
        os.chdir(words[0])  # Redis chdir()s into dir: relative file names follow it
    except OSError as e:
        raise ConfigError(e.strerror or str(e)) from None
    return os.getcwd()


def _parse_appendonly(words: List[str]) -> bool:
    if len(words) != 1 or words[0].lower() not in ("yes", "no"):
        raise ConfigError("argument must be 'yes' or 'no'")
    if words[0].lower() == "yes":
        raise ConfigError("appendonly is not supported (Strata persists with RDB snapshots)")
    return False


_register_core()
