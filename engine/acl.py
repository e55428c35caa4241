"""Access control lists as Redis 7.0 has them (acl.c): users with passwords, flags and
selectors (allowed commands, key patterns with read/write permissions, channel patterns),
the permission check the dispatcher runs for restricted clients, the ACL LOG, the ``user``
configuration directive and the ACL file.

Commands are bits of a Python int (one per command and subcommand of the table, plus the
"future commands" bit that only ``+@all`` sets, as Redis's reserved bit), so categories are
masks and the describe algorithm's counts are popcounts.

Key permissions follow Redis 7.0's key specs: the keys and the flags of each come from
``Command.key_refs`` (getKeysFromCommandWithSpecs, so SET and BITFIELD's variable flags
are worked out from their arguments by their getkeys procedures), and a key needs read
permission for ACCESS, write permission for INSERT, DELETE or UPDATE (ACLSelectorCheckKey).
"""

import hashlib
import os
import time
from collections import deque
from typing import TYPE_CHECKING, Any, Callable, Deque, Dict, List, Optional, Tuple

from native.resp_py import split_inline

from . import errors
from .commands.getkeys import ACCESS, DELETE, INSERT, UPDATE
from .commands.table import CATEGORY_ORDER, TABLE, Command
from .config import ConfigError, Option, OPTIONS, register
from .errors import CommandError
from .glob import compile_glob

if TYPE_CHECKING:  # pragma: no cover
    from .connection import Client
    from .engine import Engine

__all__ = ["ACL", "User", "Selector", "ACLError", "ACLStartupError", "OK", "DENIED_CMD",
           "DENIED_KEY", "DENIED_AUTH", "DENIED_CHANNEL", "hash_password", "lookup_command"]

# Results of a permission check, in Redis's order: a later selector's error replaces an
# earlier one when it is greater (ACLCheckAllUserCommandPerm).
OK, DENIED_CMD, DENIED_KEY, DENIED_AUTH, DENIED_CHANNEL = 0, 1, 2, 3, 4
CTX_TOPLEVEL, CTX_MULTI, CTX_LUA, CTX_MODULE = 0, 1, 2, 3
_REASONS = {DENIED_CMD: b"command", DENIED_KEY: b"key", DENIED_CHANNEL: b"channel",
            DENIED_AUTH: b"auth"}
_CONTEXTS = {CTX_TOPLEVEL: b"toplevel", CTX_MULTI: b"multi", CTX_LUA: b"lua",
             CTX_MODULE: b"module"}

# user flags, in the order ACL LIST / GETUSER show them
F_ENABLED, F_DISABLED, F_NOPASS, F_SKIP_SANITIZE, F_SANITIZE = 1, 2, 4, 8, 16
_USER_FLAGS = ((b"on", F_ENABLED), (b"off", F_DISABLED), (b"nopass", F_NOPASS),
               (b"skip-sanitize-payload", F_SKIP_SANITIZE), (b"sanitize-payload", F_SANITIZE))

READ, WRITE = 1, 2
ALL_PERMS = READ | WRITE
HASH_LEN = 64
LOG_GROUPING_MS = 60000
GENPASS_MAX_BITS = 4096

# Commands whose channels are checked (ACLDoesCommandHaveChannels): where the channels
# are and whether the user's channel patterns compare literally (PSUBSCRIBE's patterns).
_CHANNELS = {"publish": (1, False), "spublish": (1, False), "subscribe": (None, False),
             "ssubscribe": (None, False), "psubscribe": (None, True)}


class ACLError(Exception):
    """An ACL rule that does not apply; the text is ACLSetUserStringError()'s."""


class ACLStartupError(Exception):
    """Users from the configuration or the ACL file could not be loaded: the server exits
    after logging ``lines``, as redis-server does."""

    def __init__(self, lines: List[str]) -> None:
        super().__init__("; ".join(lines))
        self.lines = lines


E_SYNTAX = "Syntax error"
E_UNKNOWN = "Unknown command or category name in ACL"
E_KEYS_AFTER_ALL = ("Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid "
                    "and does not have any effect. Try 'resetkeys' to start with an empty list "
                    "of patterns")
E_CHANNELS_AFTER_ALL = ("Adding a pattern after the * pattern (or the 'allchannels' flag) is not "
                        "valid and does not have any effect. Try 'resetchannels' to start with "
                        "an empty list of channels")
E_NO_SUCH_PASSWORD = "The password you are trying to remove from the user does not exist"
E_BAD_HASH = ("The password hash must be exactly 64 characters and contain only lowercase "
              "hexadecimal characters")
E_DUPLICATE_USER = "Duplicate user found. A user can only be defined once in config files"
E_FIRSTARG_OF_SUBCOMMAND = "Allowing first-arg of a subcommand is not supported"


def hash_password(password: bytes) -> bytes:
    """ACLHashPassword(): the SHA-256 of the password, as 64 lowercase hex digits."""
    return hashlib.sha256(password).hexdigest().encode()


def _valid_hash(h: bytes) -> bool:
    return len(h) == HASH_LEN and all(48 <= c <= 57 or 97 <= c <= 102 for c in h)


def has_spaces(s: bytes) -> bool:
    """ACLStringHasSpaces(): isspace() or NUL anywhere."""
    return any(c in b" \t\n\v\f\r\x00" for c in s)


# ===================================================================== command index
class _Index:
    """Command ids, category masks and per-command check data, built from the table and
    keyed by full name (each engine dispatches through its own copies of the commands)."""

    def __init__(self) -> None:
        self.table_size = len(TABLE)
        self.ids: Dict[str, int] = {}
        self.commands: List[Command] = []
        for top in TABLE.values():
            self._add(top)
            for sub in (top.subcommands or {}).values():
                self._add(sub)
        self.future = FUTURE_BIT
        self.all_mask = ALL_MASK
        # ACLChangeSelectorPerm(): a container's bit goes with all its subcommands' bits
        self.perm_mask: Dict[int, int] = {}
        for cmd in self.commands:
            m = 1 << self.ids[cmd.fullname]
            for sub in (cmd.subcommands or {}).values():
                m |= 1 << self.ids[sub.fullname]
            self.perm_mask[self.ids[cmd.fullname]] = m
        self.cat_set: Dict[str, int] = {}
        self.cat_count: Dict[str, int] = {}
        for cat in CATEGORY_ORDER:
            s = c = 0
            for cmd in self.commands:
                if cat in cmd.categories:
                    i = self.ids[cmd.fullname]
                    s |= self.perm_mask[i]
                    c |= 1 << i
            self.cat_set[cat] = s
            self.cat_count[cat] = c
        # describe order: top-level commands by name, each followed by its subcommands
        self.describe_order: List[Tuple[Command, List[Command]]] = [
            (top, sorted((top.subcommands or {}).values(), key=lambda s: s.fullname))
            for top in sorted((c for c in self.commands if c.parent is None),
                              key=lambda c: c.fullname)]
        self.channels: Dict[str, Tuple[Optional[int], bool]] = {}
        for cmd in self.commands:
            if cmd.fullname in _CHANNELS:
                self.channels[cmd.fullname] = _CHANNELS[cmd.fullname]

    def _add(self, cmd: Command) -> None:
        self.ids[cmd.fullname] = _command_id(cmd.fullname)
        self.commands.append(cmd)


_INDEX: Optional[_Index] = None
# Command ids never change once given (ACLGetCommandID): a rule set before more commands
# were registered keeps meaning the same commands.
_IDS: Dict[str, int] = {}
USER_COMMAND_BITS = 1024
FUTURE_BIT = USER_COMMAND_BITS - 1   # set only by +@all: "future commands" (Redis's trick)
ALL_MASK = (1 << USER_COMMAND_BITS) - 1


def _command_id(name: str) -> int:
    i = _IDS.get(name)
    if i is None:
        i = _IDS[name] = len(_IDS)
        if i >= FUTURE_BIT:
            raise RuntimeError("too many commands for the ACL bitmap")
    return i


def index() -> _Index:
    """The command index; rebuilt when the table grew (families register at import)."""
    global _INDEX
    if _INDEX is None or _INDEX.table_size != len(TABLE):
        _INDEX = _Index()
    return _INDEX


def lookup_command(name: bytes) -> Optional[Command]:
    """ACLLookupCommand(): "get" or "config|get" (strict: a subcommand only of a container,
    at most one level)."""
    parts = name.split(b"|")
    if len(parts) > 2:
        return None
    base = TABLE.get(parts[0].lower())
    if base is None or len(parts) == 1:
        return base
    if not base.subcommands:
        return None
    return base.subcommands.get(parts[1].lower())


def _key_perms(spec_flags: int) -> int:
    """ACLSelectorCheckKey(): the permissions a key with these key-spec flags needs."""
    need = READ if spec_flags & ACCESS else 0
    if spec_flags & (INSERT | DELETE | UPDATE):
        need |= WRITE
    return need


def _key_refs(cmd: Command, argv: List[bytes]) -> List[Tuple[int, int]]:
    """(argument index, permissions needed) of every key of the command."""
    return [(pos, _key_perms(flags)) for pos, flags in cmd.key_refs(argv)]


# ===================================================================== selectors
class KeyPattern:
    __slots__ = ("pattern", "flags", "match")

    def __init__(self, pattern: bytes, flags: int) -> None:
        self.pattern = pattern
        self.flags = flags
        self.match = compile_glob(pattern)

    def describe(self) -> bytes:
        """sdsCatPatternString()."""
        if self.flags == ALL_PERMS:
            return b"~" + self.pattern
        if self.flags == READ:
            return b"%R~" + self.pattern
        return b"%W~" + self.pattern


class Selector:
    """One set of permissions (aclSelector); a user's first is its root selector."""

    __slots__ = ("root", "allkeys", "allchannels", "allcommands", "allowed", "firstargs",
                 "patterns", "channels", "_channel_matchers")

    def __init__(self, root: bool = False, allchannels: bool = False) -> None:
        self.root = root
        self.allkeys = False
        self.allchannels = allchannels        # acl-pubsub-default
        self.allcommands = False
        self.allowed = 0
        self.firstargs: Optional[Dict[int, List[bytes]]] = None
        self.patterns: List[KeyPattern] = []
        self.channels: List[bytes] = []
        self._channel_matchers: Optional[List[Callable[[bytes], bool]]] = None

    def copy(self) -> "Selector":
        s = Selector(self.root)
        s.allkeys, s.allchannels, s.allcommands = self.allkeys, self.allchannels, \
            self.allcommands
        s.allowed = self.allowed
        if self.firstargs:
            s.firstargs = {k: list(v) for k, v in self.firstargs.items()}
        s.patterns = [KeyPattern(p.pattern, p.flags) for p in self.patterns]
        s.channels = list(self.channels)
        return s

    # ------------------------------------------------------------------ rules
    def _change_perm(self, ix: _Index, cmd: Command, allow: bool) -> None:
        """ACLChangeSelectorPerm()."""
        i = ix.ids[cmd.fullname]
        if allow:
            self.allowed |= ix.perm_mask[i]
        else:
            self.allowed &= ~ix.perm_mask[i]
            self.allcommands = False
        if self.firstargs:
            self.firstargs.pop(i, None)

    def set_category(self, ix: _Index, cat: str, allow: bool) -> None:
        mask = ix.cat_set[cat]
        if not mask:
            return
        if allow:
            self.allowed |= mask
        else:
            self.allowed &= ~mask
            self.allcommands = False
        if self.firstargs:
            count = ix.cat_count[cat]
            for i in list(self.firstargs):
                if (count >> i) & 1:
                    del self.firstargs[i]

    def apply(self, op: bytes) -> None:
        """ACLSetSelector(): raise ACLError with Redis's reason when ``op`` is invalid."""
        ix = index()
        low = op.lower()
        if low in (b"allkeys", b"~*"):
            self.allkeys = True
            self.patterns = []
        elif low == b"resetkeys":
            self.allkeys = False
            self.patterns = []
        elif low in (b"allchannels", b"&*"):
            self.allchannels = True
            self.channels = []
            self._channel_matchers = None
        elif low == b"resetchannels":
            self.allchannels = False
            self.channels = []
            self._channel_matchers = None
        elif low in (b"allcommands", b"+@all"):
            self.allowed = ix.all_mask
            self.allcommands = True
            self.firstargs = None
        elif low in (b"nocommands", b"-@all"):
            self.allowed = 0
            self.allcommands = False
            self.firstargs = None
        elif op[:1] in (b"~", b"%"):
            self._add_key_pattern(op)
        elif op[:1] == b"&":
            if self.allchannels:
                raise ACLError(E_CHANNELS_AFTER_ALL)
            pattern = op[1:]
            if has_spaces(pattern):
                raise ACLError(E_SYNTAX)
            if pattern not in self.channels:
                self.channels.append(pattern)
            self._channel_matchers = None
            self.allchannels = False
        elif op[:1] == b"+" and op[1:2] != b"@":
            self._allow_command(ix, op[1:])
        elif op[:1] == b"-" and op[1:2] != b"@":
            cmd = lookup_command(_cstr(op[1:]))
            if cmd is None:
                raise ACLError(E_UNKNOWN)
            self._change_perm(ix, cmd, False)
        elif op[:1] in (b"+", b"-") and op[1:2] == b"@":
            cat = _cstr(op[2:]).lower().decode("latin-1")
            if cat not in ix.cat_set:
                raise ACLError(E_UNKNOWN)
            self.set_category(ix, cat, op[:1] == b"+")
        else:
            raise ACLError(E_SYNTAX)

    def _add_key_pattern(self, op: bytes) -> None:
        if self.allkeys:
            raise ACLError(E_KEYS_AFTER_ALL)
        flags = 0
        offset = 1
        if op[:1] == b"%":
            n = len(op)
            while offset < n:
                ch = op[offset]
                if ch in (82, 114) and not flags & READ:         # R r
                    flags |= READ
                elif ch in (87, 119) and not flags & WRITE:      # W w
                    flags |= WRITE
                elif ch == 126:                                  # ~
                    offset += 1
                    break
                else:
                    raise ACLError(E_SYNTAX)
                offset += 1
            if not flags:
                raise ACLError(E_SYNTAX)
        else:
            flags = ALL_PERMS
        pattern = op[offset:]
        if has_spaces(pattern):
            raise ACLError(E_SYNTAX)
        for p in self.patterns:  # the same pattern again adds its permissions
            if p.pattern == pattern:
                p.flags |= flags
                break
        else:
            self.patterns.append(KeyPattern(pattern, flags))
        self.allkeys = False

    def _allow_command(self, ix: _Index, name: bytes) -> None:
        name = _cstr(name)
        if b"|" not in name:
            cmd = lookup_command(name)
            if cmd is None:
                raise ACLError(E_UNKNOWN)
            self._change_perm(ix, cmd, True)
            return
        base, _, first = name.rpartition(b"|")
        cmd = lookup_command(base)
        if cmd is None:
            raise ACLError(E_UNKNOWN)
        if cmd.parent is not None:
            raise ACLError(E_FIRSTARG_OF_SUBCOMMAND)
        if not first:
            raise ACLError(E_SYNTAX)
        if cmd.subcommands:
            sub = lookup_command(name)
            if sub is None:
                raise ACLError(E_UNKNOWN)
            self._change_perm(ix, sub, True)
            return
        # "+select|0": a first argument allowed of an otherwise blocked command
        i = ix.ids[cmd.fullname]
        if self.firstargs is None:
            self.firstargs = {}
        allowed = self.firstargs.setdefault(i, [])
        if not any(a.lower() == first.lower() for a in allowed):
            allowed.append(first)

    # ------------------------------------------------------------------ checks
    def check(self, ix: _Index, cmd: Command, argv: List[bytes],
              keys: List[Any]) -> Tuple[int, int]:
        """ACLSelectorCheckCmd(): (result, argument index of the denied key/channel).
        ``keys`` is a one-element cache of the key references shared by the selectors."""
        name = cmd.fullname
        if not self.allcommands and not cmd.is_no_auth:
            i = ix.ids[name]
            if not (self.allowed >> i) & 1:
                allowed = self.firstargs.get(i) if self.firstargs else None
                if len(argv) < 2 or not allowed:
                    return DENIED_CMD, 0
                first = argv[2 if cmd.parent is not None else 1].lower()
                if not any(a.lower() == first for a in allowed):
                    return DENIED_CMD, 0
        if not self.allkeys and cmd.has_keys:
            if not keys:
                keys.append(_key_refs(cmd, argv))
            for pos, need in keys[0]:
                if not self.key_allowed(argv[pos], need):
                    return DENIED_KEY, pos
        if not self.allchannels and name in ix.channels:
            first, literal = ix.channels[name]
            positions = [first] if first is not None else range(1, len(argv))
            for pos in positions:
                if not self.channel_allowed(argv[pos], literal):
                    return DENIED_CHANNEL, pos
        return OK, 0

    def key_allowed(self, key: bytes, need: int) -> bool:
        """ACLSelectorCheckKey()."""
        if self.allkeys:
            return True
        for p in self.patterns:
            if (p.flags & need) == need and p.match(key):
                return True
        return False

    def channel_allowed(self, channel: bytes, literal: bool) -> bool:
        if self.allchannels:
            return True
        return channel_in_list(self.channels, channel, literal)

    # ------------------------------------------------------------------ describe
    def describe_commands(self) -> bytes:
        """ACLDescribeSelectorCommandRules(): the categories that fit best, then the single
        commands that make the bitmap exact. Redis emits the single commands in its
        command dict's order (random per process); this emits them by name."""
        ix = index()
        additive = not (self.allowed >> ix.future) & 1
        rules: List[bytes] = [b"-@all" if additive else b"+@all"]
        fake = 0 if additive else ix.all_mask
        temp = self.allowed
        applied = set()
        while True:
            best = None
            mindiff, maxsame = 1 << 62, 0
            for cat in CATEGORY_ORDER:
                if cat in applied:
                    continue
                count = ix.cat_count[cat]
                on = (temp & count).bit_count()
                off = count.bit_count() - on
                diff, same = (off, on) if additive else (on, off)
                if same > diff and (diff < mindiff or (diff == mindiff and same > maxsame)):
                    best, mindiff, maxsame = cat, diff, same
            if best is None:
                break
            mask = ix.cat_set[best]
            if additive:
                fake |= mask
                temp &= ~mask
            else:
                fake &= ~mask
                temp |= mask
            rules.append((b"+@" if additive else b"-@") + best.encode())
            applied.add(best)
        for top, subs in ix.describe_order:
            for cmd in [top] + subs:
                i = ix.ids[cmd.fullname]
                userbit = (self.allowed >> i) & 1
                if userbit != (fake >> i) & 1:
                    rules.append((b"+" if userbit else b"-") + cmd.fullname.encode())
                    if userbit:
                        fake |= ix.perm_mask[i]
                    else:
                        fake &= ~ix.perm_mask[i]
                if not userbit and self.firstargs and i in self.firstargs:
                    for a in self.firstargs[i]:
                        rules.append(b"+" + cmd.fullname.encode() + b"|" + a)
        if fake != self.allowed:  # aborting beats a security hole (Redis panics too)
            raise AssertionError("ACL rules do not reproduce the command bitmap")
        return b" ".join(rules)

    def describe_keys(self) -> bytes:
        if self.allkeys:
            return b"~*"
        return b" ".join(p.describe() for p in self.patterns)

    def describe_channels(self) -> bytes:
        if self.allchannels:
            return b"&*"
        return b" ".join(b"&" + c for c in self.channels)

    def describe(self) -> bytes:
        """ACLDescribeSelector()."""
        out = []
        if self.allkeys:
            out.append(b"~*")
        else:
            out += [p.describe() for p in self.patterns]
        if self.allchannels:
            out.append(b"&*")
        else:
            out.append(b"resetchannels")
            out += [b"&" + c for c in self.channels]
        out.append(self.describe_commands())
        return b" ".join(out)

    def reply(self) -> Dict[bytes, bytes]:
        """aclAddReplySelectorDescription()."""
        return {b"commands": self.describe_commands(), b"keys": self.describe_keys(),
                b"channels": self.describe_channels()}


def channel_in_list(patterns: List[bytes], channel: bytes, literal: bool) -> bool:
    """ACLCheckChannelAgainstList()."""
    for p in patterns:
        if (literal and p == channel) or (not literal and compile_glob(p)(channel)):
            return True
    return False


def _cstr(b: bytes) -> bytes:
    """Redis reads rules as C strings: nothing after a NUL."""
    nul = b.find(b"\x00")
    return b if nul < 0 else b[:nul]


# ===================================================================== users
class User:
    """An ACL user (struct user): flags, password hashes and selectors (the root first)."""

    __slots__ = ("name", "flags", "passwords", "selectors", "restricted")

    def __init__(self, name: bytes, allchannels: bool = False) -> None:
        self.name = name
        self.flags = F_DISABLED
        self.passwords: List[bytes] = []
        self.selectors: List[Selector] = [Selector(True, allchannels)]
        self.restricted = True

    @property
    def root(self) -> Selector:
        return self.selectors[0]

    @property
    def enabled(self) -> bool:
        return not self.flags & F_DISABLED

    @property
    def nopass(self) -> bool:
        return bool(self.flags & F_NOPASS)

    def refresh(self) -> None:
        """Cache whether the dispatcher must check this user's commands at all."""
        r = self.selectors[0]
        self.restricted = not (r.allcommands and r.allkeys and r.allchannels)

    def copy_from(self, src: "User") -> None:
        """ACLCopyUser(): the rules of ``src``, keeping the name."""
        self.flags = src.flags
        self.passwords = list(src.passwords)
        self.selectors = [s.copy() for s in src.selectors]
        self.refresh()

    def clone(self, name: Optional[bytes] = None) -> "User":
        u = User(self.name if name is None else name)
        u.copy_from(self)
        return u

    def apply(self, op: bytes, pubsub_all: bool) -> None:
        """ACLSetUser(): one rule; raises ACLError (nothing applied) when invalid."""
        if not op:
            return
        low = op.lower()
        if low == b"on":
            self.flags = (self.flags | F_ENABLED) & ~F_DISABLED
        elif low == b"off":
            self.flags = (self.flags | F_DISABLED) & ~F_ENABLED
        elif low == b"skip-sanitize-payload":
            self.flags = (self.flags | F_SKIP_SANITIZE) & ~F_SANITIZE
        elif low == b"sanitize-payload":
            self.flags = (self.flags | F_SANITIZE) & ~F_SKIP_SANITIZE
        elif low == b"nopass":
            self.flags |= F_NOPASS
            self.passwords = []
        elif low == b"resetpass":
            self.flags &= ~F_NOPASS
            self.passwords = []
        elif op[:1] in (b">", b"#"):
            if op[:1] == b">":
                h = hash_password(op[1:])
            else:
                h = op[1:]
                if not _valid_hash(h):
                    raise ACLError(E_BAD_HASH)
            if h not in self.passwords:
                self.passwords.append(h)
            self.flags &= ~F_NOPASS
        elif op[:1] in (b"<", b"!"):
            if op[:1] == b"<":
                h = hash_password(op[1:])
            else:
                h = op[1:]
                if not _valid_hash(h):
                    raise ACLError(E_BAD_HASH)
            if h not in self.passwords:
                raise ACLError(E_NO_SUCH_PASSWORD)
            self.passwords.remove(h)
        elif op[:1] == b"(" and op[-1:] == b")":
            self.selectors.append(selector_from_opset(op, pubsub_all))
        elif low == b"clearselectors":
            del self.selectors[1:]
        elif low == b"reset":
            for rule in (b"resetpass", b"resetkeys", b"resetchannels"):
                self.apply(rule, pubsub_all)
            if pubsub_all:
                self.apply(b"allchannels", pubsub_all)
            for rule in (b"off", b"sanitize-payload", b"clearselectors", b"-@all"):
                self.apply(rule, pubsub_all)
        else:
            self.selectors[0].apply(op)
        self.refresh()

    def describe(self) -> bytes:
        """ACLDescribeUser(): flags, password hashes, the root selector, the others in
        parentheses."""
        out = [name for name, f in _USER_FLAGS if self.flags & f]
        out += [b"#" + h for h in self.passwords]
        text = b" ".join(out + [self.selectors[0].describe()])
        for s in self.selectors[1:]:
            text += b" (" + s.describe() + b")"
        return text

    def check_password(self, password: bytes) -> bool:
        """ACLCheckUserCredentials() for an existing user."""
        if self.flags & F_DISABLED:
            return False
        if self.flags & F_NOPASS:
            return True
        h = hash_password(password)
        ok = False
        for p in self.passwords:  # compare them all: no early exit to time
            ok |= _consteq(h, p)
        return ok


def _consteq(a: bytes, b: bytes) -> bool:
    import hmac
    return hmac.compare_digest(a, b)


def selector_from_opset(op: bytes, pubsub_all: bool) -> Selector:
    """aclCreateSelectorFromOpSet(): "(rule rule ...)"."""
    s = Selector(False, pubsub_all)
    for rule in split_inline(op[1:-1]) or ():
        s.apply(rule)
    return s


def merge_selector_args(args: List[bytes]) -> Tuple[Optional[List[bytes]], int]:
    """ACLMergeSelectorArguments(): a selector spread over several arguments becomes one.
    Returns (merged, -1), or (None, index of the unmatched opening argument)."""
    out: List[bytes] = []
    selector: Optional[bytes] = None
    start = -1
    for j, op in enumerate(args):
        if op[:1] == b"(" and op[-1:] != b")":
            selector = op
            start = j
            continue
        if start != -1:
            selector = selector + b" " + op  # type: ignore[operator]
            if op[-1:] == b")":
                start = -1
                out.append(selector)
            continue
        out.append(op)
    if start != -1:
        return None, start
    return out, -1


# ===================================================================== the ACL
class LogEntry:
    __slots__ = ("count", "reason", "context", "object", "username", "ctime", "cinfo")

    def __init__(self, reason: int, context: int, obj: bytes, username: bytes,
                 cinfo: bytes) -> None:
        self.count = 1
        self.reason = reason
        self.context = context
        self.object = obj
        self.username = username
        self.ctime = int(time.time() * 1000)
        self.cinfo = cinfo

    def matches(self, other: "LogEntry") -> bool:
        """ACLLogMatchEntry()."""
        return (self.reason == other.reason and self.context == other.context
                and abs(self.ctime - other.ctime) <= LOG_GROUPING_MS
                and self.object == other.object and self.username == other.username)

    def reply(self, now_ms: int) -> Dict[bytes, Any]:
        return {b"count": self.count, b"reason": _REASONS.get(self.reason, b"unknown"),
                b"context": _CONTEXTS.get(self.context, b"unknown"), b"object": self.object,
                b"username": self.username, b"age-seconds": (now_ms - self.ctime) / 1000,
                b"client-info": self.cinfo}


class ACL:
    """The users of one engine, its ACL LOG, and the checks (Redis's acl.c state)."""

    def __init__(self, engine: "Engine") -> None:
        self.engine = engine
        cfg = engine.config
        self.users: Dict[bytes, User] = {}
        self.log: Deque[LogEntry] = deque()
        self.startup_notices: List[str] = []   # logged by the server once it starts
        self.default = self._create_default_user()
        self.users[b"default"] = self.default
        self.update_default_password(cfg.values["requirepass"] or None)
        cfg.on_change("requirepass", lambda _old, new: self.update_default_password(new or None))
        if hasattr(cfg, "rewriters"):
            cfg.rewriters["user"] = self.rewrite_lines
        self._load_at_startup()
        self.changed()

    @property
    def pubsub_all(self) -> bool:
        return self.engine.config.values["acl-pubsub-default"] == "allchannels"

    def _create_default_user(self) -> User:
        """ACLCreateDefaultUser()."""
        u = User(b"default", self.pubsub_all)
        for rule in (b"+@all", b"~*", b"&*", b"on", b"nopass"):
            u.apply(rule, self.pubsub_all)
        return u

    def new_user(self, name: bytes) -> User:
        return User(name, self.pubsub_all)

    # ------------------------------------------------------------------ state
    def changed(self, user: Optional[User] = None) -> None:
        """After rules changed: the dispatcher's flags of the clients of ``user`` (all
        clients when None) and whether connections start unauthenticated."""
        d = self.default
        self.engine.auth_required = not d.nopass or not d.enabled
        for c in list(self.engine.clients.values()) + [getattr(self.engine, "_embedded", None)]:
            if c is not None and (user is None or c.user is user):
                c.restricted = c.user.restricted

    def set_default_auth(self, c: "Client") -> None:
        """clientSetDefaultAuth(): a new (or RESET) connection is the default user,
        authenticated when that user needs no password."""
        d = self.default
        c.user = d
        c.authenticated = d.nopass and d.enabled
        c.restricted = d.restricted

    def update_default_password(self, password: Optional[str]) -> None:
        """ACLUpdateDefaultUserPassword(): ``requirepass x`` is ``resetpass >x``."""
        d = self.default
        d.apply(b"resetpass", self.pubsub_all)
        if password:
            d.apply(b">" + password.encode("utf-8", "surrogateescape"), self.pubsub_all)
        else:
            d.apply(b"nopass", self.pubsub_all)
        if hasattr(self.engine, "clients"):
            self.changed(d)

    # ------------------------------------------------------------------ authentication
    def authenticate(self, c: "Client", username: bytes, password: bytes,
                     argv0: bytes = b"auth") -> bool:
        """ACLAuthenticateUser(): on success the connection becomes that user; a failure
        goes to the ACL LOG (its object is the command name as sent)."""
        u = self.users.get(username)
        if u is not None and u.check_password(password):
            c.user = u
            c.authenticated = True
            c.restricted = u.restricted
            return True
        self.add_log(c, DENIED_AUTH, CTX_MULTI if c.multi is not None else CTX_TOPLEVEL,
                     obj=argv0, username=username)
        return False

    def check_credentials(self, username: bytes, password: bytes) -> bool:
        u = self.users.get(username)
        return u is not None and u.check_password(password)

    # ------------------------------------------------------------------ permission checks
    def check_user(self, user: User, cmd: Command, argv: List[bytes]) -> Tuple[int, int]:
        """ACLCheckAllUserCommandPerm(): OK if one selector allows the command, else the
        most relevant denial and its argument index."""
        ix = index()
        relevant, last = DENIED_CMD, 0
        keys: List[Any] = []
        for s in user.selectors:
            result, pos = s.check(ix, cmd, argv, keys)
            if result == OK:
                return OK, 0
            if result > relevant or (result == relevant and pos > last):
                relevant, last = result, pos
        return relevant, last

    def unrestricted_key_access(self, user: User, cmd: Command, argv: List[bytes]) -> bool:
        """ACLUserCheckCmdWithUnrestrictedKeyAccess(..., CMD_KEY_ACCESS): a selector that
        allows the command reads every key (allkeys, or a readable "*" pattern). SORT's
        BY and GET patterns name keys no key spec shows, so only such a user may use them."""
        if not user.restricted:
            return True
        ix = index()
        keys: List[Any] = []
        for s in user.selectors:
            if s.check(ix, cmd, argv, keys)[0] == OK and (s.allkeys or any(
                    p.pattern == b"*" and p.flags & READ for p in s.patterns)):
                return True
        return False

    def check_call(self, c: "Client", cmd: Command, argv: List[bytes]) -> Optional[str]:
        """The dispatcher's ACL step: None, or the NOPERM text (the denial is logged)."""
        result, pos = self.check_user(c.user, cmd, argv)
        if result == OK:
            return None
        c.last_cmd = cmd  # Redis sets lastcmd at lookup: the log's client-info shows it
        self.add_log(c, result, CTX_MULTI if c.multi is not None else CTX_TOPLEVEL,
                     obj=_denied_object(result, cmd, argv, pos))
        if result == DENIED_CMD:
            return errors.NOPERM_COMMAND % cmd.fullname
        if result == DENIED_KEY:
            return errors.NOPERM_KEY
        return errors.NOPERM_CHANNEL

    def check_exec(self, c: "Client", cmd: Command, argv: List[bytes]) -> Optional[str]:
        """execCommand()'s second look: rules may have changed since the command queued."""
        result, pos = self.check_user(c.user, cmd, argv)
        if result == OK:
            return None
        self.add_log(c, result, CTX_MULTI, obj=_denied_object(result, cmd, argv, pos))
        reason = {DENIED_CMD: errors.NOPERM_REASON_COMMAND, DENIED_KEY: errors.NOPERM_REASON_KEY,
                  DENIED_CHANNEL: errors.NOPERM_REASON_CHANNEL}[result]
        return errors.NOPERM_EXEC % reason

    # ------------------------------------------------------------------ ACL LOG
    def add_log(self, c: "Client", reason: int, context: int, obj: bytes,
                username: Optional[bytes] = None) -> None:
        """addACLLogEntry(): group with a similar recent entry, else add at the head."""
        entry = LogEntry(reason, context, obj, username if username is not None
                         else c.user.name, c.info_line().encode("utf-8", "surrogateescape"))
        for i, old in enumerate(self.log):
            if i >= 10:  # Redis bounds the work spent looking for a match
                break
            if old.matches(entry):
                del self.log[i]
                self.log.appendleft(old)
                old.cinfo = entry.cinfo
                old.ctime = entry.ctime
                old.count += 1
                return
        self.log.appendleft(entry)
        limit = self.engine.config.values["acllog-max-len"]
        while len(self.log) > limit:
            self.log.pop()

    # ------------------------------------------------------------------ changing users
    def setuser(self, c: Optional["Client"], name: bytes, rules: List[bytes]) -> None:
        """ACL SETUSER: all rules or none, staged on a copy; raises CommandError."""
        u = self.users.get(name)
        temp = u.clone() if u is not None else self.new_user(name)
        for rule in rules:
            try:
                temp.apply(rule, self.pubsub_all)
            except ACLError as e:
                raise CommandError(errors.ACL_SETUSER_MODIFIER % (_text(rule), e)) from None
        if u is not None:
            self.kill_pubsub_clients_if_needed(c, temp, u)
        else:
            u = self.users[name] = self.new_user(name)
        u.copy_from(temp)
        self.changed(u)

    def deluser(self, c: "Client", names: List[bytes]) -> int:
        deleted = 0
        for name in names:
            u = self.users.pop(name, None)
            if u is not None:
                self._kill_clients_of(c, u)
                deleted += 1
        return deleted

    def _kill_clients_of(self, current: Optional["Client"], u: User) -> None:
        """ACLFreeUserAndKillClients(): the user's connections go (after the reply for the
        connection running this command), first back to the unauthenticated default."""
        for cl in list(self.engine.clients.values()):
            if cl.user is u:
                cl.user = self.default
                cl.authenticated = False
                cl.restricted = self.default.restricted
                if cl is current:
                    cl.close_after_reply = True
                else:
                    cl.close()

    def kill_pubsub_clients_if_needed(self, current: Optional["Client"], new: User,
                                      original: User) -> None:
        """ACLKillPubsubClientsIfNeeded(): subscribers whose channels the new rules no
        longer allow are disconnected."""
        if any(s.allchannels for s in new.selectors):
            return
        upcoming = [p for s in new.selectors for p in s.channels]
        if all(p in upcoming for s in original.selectors for p in s.channels):
            return
        for cl in list(self.engine.clients.values()):
            if cl.user is not original or not cl.subscribed or cl.is_replica or cl.is_master:
                continue
            kill = any(not channel_in_list(upcoming, p, True) for p in (cl.patterns or ()))
            if not kill:
                kill = any(not channel_in_list(upcoming, ch, False)
                           for ch in list(cl.channels or ()) + list(cl.shard_channels or ()))
            if kill:
                if cl is current:
                    cl.close_after_reply = True
                else:
                    cl.close()

    # ------------------------------------------------------------------ ACL file
    def load_file(self, current: Optional["Client"] = None) -> Optional[str]:
        """ACLLoadFromFile(): all the users of the file, or none of them; returns None or
        the error text (without the ERR prefix)."""
        filename = self.engine.config.values["aclfile"]
        try:
            with open(filename, "rb") as f:
                data = f.read()
        except OSError as e:
            return "Error loading ACLs, opening file '%s': %s" % (filename, e.strerror)
        users: Dict[bytes, User] = {}
        errs = ""
        shown = filename
        for lineno, raw in enumerate(data.split(b"\n"), 1):
            line = raw.strip(b" \t\r\n")
            if not line:
                continue
            argv = line.split(b" ")  # sdssplitlen(" "): runs of spaces give empty words
            if argv[0] != b"user" or len(argv) < 2:
                errs += ("%s:%d should start with user keyword followed by the username. "
                         % (shown, lineno))
                continue
            name = argv[1]
            if has_spaces(name):
                errs += ("'%s:%d: username '%s' contains invalid characters. "
                         % (shown, lineno, _text(name)))
                continue
            if name in users:
                errs += "WARNING: Duplicate user '%s' found on line %d. " % (_text(name), lineno)
                continue
            u = users[name] = self.new_user(name)
            merged, _bad = merge_selector_args(argv[2:])
            if merged is None:
                errs += "%s:%d: Unmatched parenthesis in selector definition." % (shown, lineno)
                continue
            for rule in merged:
                rule = rule.strip(b"\t\r\n")
                try:
                    u.apply(rule, self.pubsub_all)
                except ACLError as e:
                    if str(e) == E_UNKNOWN:  # a command name is no secret: say which
                        errs += ("%s:%d: Error in applying operation '%s': %s. "
                                 % (shown, lineno, _text(rule), e))
                    else:
                        errs += "%s:%d: %s. " % (shown, lineno, e)
        if errs:
            return errs + ("WARNING: ACL errors detected, no change to the previously active "
                           "ACL rules was performed")
        new_default = users.pop(b"default", None)
        if new_default is None:
            new_default = self._create_default_user()
        old = self.users
        self.default.copy_from(new_default)
        self.users = {b"default": self.default}
        self.users.update(users)
        for name, u in old.items():  # the old users and their connections go
            if u is not self.default:
                self._kill_clients_of(current, u)
        self.changed()
        return None

    def save_file(self) -> bool:
        """ACLSaveToFile(): through a temporary file renamed over the ACL file."""
        filename = self.engine.config.values["aclfile"]
        text = b"".join(b"user " + u.name + b" " + u.describe() + b"\n"
                        for u in self.sorted_users())
        tmp = "%s.tmp-%d-%d" % (filename, os.getpid(), int(time.time() * 1000))
        try:
            with open(tmp, "wb") as f:
                f.write(text)
            os.replace(tmp, filename)
        except OSError as e:
            self._log_warning("Writing ACL file for ACL SAVE: %s" % e.strerror)
            try:
                os.unlink(tmp)
            except OSError:
                pass
            return False
        return True

    def sorted_users(self) -> List[User]:
        """Users in the radix tree's order (bytewise)."""
        return [self.users[k] for k in sorted(self.users)]

    def rewrite_lines(self) -> Optional[List[str]]:
        """rewriteConfigUserOption(): with no ACL file, every user as a ``user`` line."""
        if self.engine.config.values["aclfile"]:
            return []
        return [_text(b"user " + u.name + b" " + u.describe()) for u in self.sorted_users()]

    def _load_at_startup(self) -> None:
        """ACLLoadUsersAtStartup(): ``user`` directives, or the ACL file, never both."""
        cfg = self.engine.config
        lines = getattr(cfg, "directives", {}).get("user", [])
        aclfile = cfg.values["aclfile"]
        if aclfile and lines:
            raise ACLStartupError([
                "Configuring Redis with users defined in redis.conf and at the same setting "
                "an ACL file path is invalid. This setup is very likely to lead to "
                "configuration errors and security holes, please define either an ACL file "
                "or declare users directly in your redis.conf, but not both."])
        for words in lines:
            name = words[0]
            if has_spaces(name):
                raise ACLStartupError(["Spaces not allowed in ACL usernames",
                                       "Critical error while loading ACLs. Exiting."])
            u = self.users.get(name)
            if u is None:
                u = self.users[name] = self.new_user(name)
            else:  # only "default" can be there already
                u.apply(b"reset", self.pubsub_all)
            for rule in words[1:]:
                try:
                    u.apply(rule, self.pubsub_all)
                except ACLError as e:
                    raise ACLStartupError([
                        "Error loading ACL rule '%s' for the user named '%s': %s"
                        % (_text(rule), _text(name), e),
                        "Critical error while loading ACLs. Exiting."]) from None
            if not u.enabled:
                self._log_notice("The user '%s' is disabled (there is no 'on' modifier in the "
                                 "user description). Make sure this is not a configuration "
                                 "error." % _text(name))
        if aclfile:
            err = self.load_file()
            if err is not None:
                raise ACLStartupError(["Aborting Redis startup because of ACL errors: %s" % err])

    def _log_warning(self, msg: str) -> None:
        from .log import WARNING
        for srv in getattr(self.engine, "servers", ()):
            srv.log(WARNING, msg)

    def _log_notice(self, msg: str) -> None:
        self.startup_notices.append(msg)


def _denied_object(result: int, cmd: Command, argv: List[bytes], pos: int) -> bytes:
    if result == DENIED_CMD:
        return cmd.fullname.encode()
    return argv[pos]


def _text(b: bytes) -> str:
    return b.decode("utf-8", "surrogateescape")


# ===================================================================== configuration
def _user_directive(cfg: Any, words: List[str]) -> None:
    """``user <name> [rule ...]`` in redis.conf (ACLAppendUserForLoading): syntax checked
    now on a throwaway user, unknown commands only when the users load."""
    if not words:
        raise ConfigError("Bad directive or wrong number of arguments")
    argv = [w.encode("utf-8", "surrogateescape") for w in words]
    full = [b"user"] + argv
    loaded = cfg.directives.setdefault("user", [])
    if any(u[0] == argv[0] for u in loaded):
        raise ConfigError("Error in user declaration '%s': %s" % (words[0], E_DUPLICATE_USER))
    merged, bad = merge_selector_args(argv[1:])
    if merged is None:
        # Redis names the argument at the selector's index, not counting "user <name>"
        raise ConfigError("Error in user declaration '%s': %s"
                          % (_text(full[bad]), E_UNKNOWN))
    fake = User(b"__fakeuser__")
    for j, rule in enumerate(merged):
        try:
            fake.apply(rule, False)
        except ACLError as e:
            if str(e) != E_UNKNOWN:
                raise ConfigError("Error in user declaration '%s': %s"
                                  % (_text(full[j]), e)) from None
    loaded.append([argv[0]] + merged)


def _register() -> None:
    if "aclfile" in OPTIONS:
        return
    register(Option("aclfile", "string", "", mutable=False))
    register(Option("acllog-max-len", "int", 128, minimum=0, maximum=2 ** 63 - 1))
    register(Option("acl-pubsub-default", "enum", "resetchannels",
                    choices=("allchannels", "resetchannels")))
    from . import config as _config
    directives = getattr(_config, "DIRECTIVES", None)
    if directives is not None:
        directives["user"] = _user_directive


_register()
