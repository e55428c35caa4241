"""The one command table and the ``@command`` decorator that fills it.

Each command is declared once, beside its handler: name, arity (Redis convention: negative
means "at least"), flags, key positions, ACL categories and its documentation line. Its key
specs (and getkeys procedure) come from ``keyspecs.py`` by full name, and must agree with
the declared key positions.
COMMAND, ACL, cluster routing, replication and eviction all read this table. Subcommands
(``CONFIG GET``) are entries of their parent, declared as ``"config|get"``.
"""

from typing import Callable, Dict, Iterable, List, Optional, Tuple

from native.dispatch import CommandCore

from .getkeys import (KeyRefs, KeySpec, has_keys, is_movable, keys_from_specs, keys_legacy,
                      legacy_range, proc_for, specs_first, specs_for)

__all__ = ["Command", "command", "container", "TABLE", "DISPATCH", "instantiate", "lookup",
           "FLAG_ORDER",
           "CATEGORY_ORDER"]

# Order in which Redis 7.0 lists flags in COMMAND INFO (addReplyCommandFlags).
FLAG_ORDER = ("write", "readonly", "denyoom", "module", "admin", "pubsub", "noscript",
              "blocking", "loading", "stale", "skip_monitor", "skip_slowlog", "asking", "fast",
              "no_auth", "no_mandatory_keys", "no_async_loading", "no_multi", "movablekeys",
              "allow_busy")
# Flags Redis keeps but does not show.
HIDDEN_FLAGS = ("may_replicate", "sentinel", "only_sentinel", "protected")
# ACL categories in Redis's order (ACLCommandCategories).
CATEGORY_ORDER = ("keyspace", "read", "write", "set", "sortedset", "list", "hash", "string",
                  "bitmap", "hyperloglog", "geo", "stream", "pubsub", "admin", "fast", "slow",
                  "blocking", "dangerous", "connection", "transaction", "scripting")
# The category a command group implies (Redis's JSON files name it explicitly).
_GROUP_CATEGORY = {
    "generic": "keyspace", "string": "string", "bitmap": "bitmap", "list": "list",
    "hash": "hash", "set": "set", "sorted_set": "sortedset", "stream": "stream",
    "hyperloglog": "hyperloglog", "geo": "geo",
    "connection": "connection", "transactions": "transaction", "scripting": "scripting",
}

Handler = Callable[..., object]


class Command(CommandCore):
    """One entry of the table. The dispatcher reads the ``is_*`` booleans; the fields the
    native hot path needs (handler, arity, subcommands, is_denyoom, the counters) live in
    ``CommandCore``."""

    __slots__ = (
        "name", "fullname", "flags", "first_key", "last_key", "key_step",
        "key_specs", "getkeys", "has_keys", "specs_first", "movablekeys",
        "categories", "group", "summary", "since", "complexity", "tips",
        "parent", "doc_flags",
        "is_write", "is_noscript", "is_loading", "is_stale", "is_no_auth",
        "is_admin", "is_pubsub", "is_fast", "is_blocking", "is_no_multi", "is_may_replicate",
        "is_skip_monitor", "is_skip_slowlog", "is_allow_busy",
    )

    def __init__(self, name: str, handler: Optional[Handler], arity: int, flags: Iterable[str],
                 keys: Tuple[int, int, int], acl: Iterable[str],
                 group: str, summary: str, since: str, complexity: str,
                 tips: Iterable[str] = ()) -> None:
        CommandCore.__init__(self)
        parent, _, sub = name.partition("|")
        self.fullname = name
        self.name = sub or parent
        self.parent: Optional["Command"] = None
        self.handler = handler
        self.arity = arity
        self.flags = frozenset(flags)
        unknown = self.flags.difference(FLAG_ORDER, HIDDEN_FLAGS)
        if unknown:
            raise ValueError("%s: unknown flags %s" % (name, sorted(unknown)))
        self.first_key, self.last_key, self.key_step = keys
        self.key_specs: Tuple[KeySpec, ...] = specs_for(name)
        self.getkeys = proc_for(name)
        self.has_keys = has_keys(self.key_specs, self.getkeys)
        self.specs_first = specs_first(self.key_specs)
        self.movablekeys = is_movable(self.key_specs)
        if legacy_range(self.key_specs) != tuple(keys):
            raise ValueError("%s: keys=%r but its key specs say %r"
                             % (name, keys, legacy_range(self.key_specs)))
        self.group = group
        self.summary = summary
        self.since = since
        self.complexity = complexity
        self.tips = tuple(tips)
        self.doc_flags: Tuple[str, ...] = ()
        self.subcommands: Optional[Dict[bytes, "Command"]] = None
        cats = set(acl)
        if group in _GROUP_CATEGORY:
            cats.add(_GROUP_CATEGORY[group])
        # setImplicitACLCategories()
        f = self.flags
        if "write" in f:
            cats.add("write")
        if "readonly" in f and "scripting" not in cats:
            cats.add("read")
        if "admin" in f:
            cats.update(("admin", "dangerous"))
        if "pubsub" in f:
            cats.add("pubsub")
        if "fast" in f:
            cats.add("fast")
        if "blocking" in f:
            cats.add("blocking")
        if "fast" not in cats:
            cats.add("slow")
        bad = cats.difference(CATEGORY_ORDER)
        if bad:
            raise ValueError("%s: unknown ACL categories %s" % (name, sorted(bad)))
        self.categories = tuple(c for c in CATEGORY_ORDER if c in cats)
        for flag in ("write", "denyoom", "noscript", "loading", "stale", "admin", "pubsub",
                     "fast", "blocking", "no_multi", "may_replicate", "skip_monitor",
                     "skip_slowlog", "allow_busy"):
            setattr(self, "is_" + flag, flag in f)
        self.is_no_auth = "no_auth" in f
        self.calls = self.usec = self.rejected_calls = self.failed_calls = 0

    def __repr__(self) -> str:
        return "<Command %s>" % self.fullname

    def shown_flags(self) -> List[str]:
        f = set(self.flags)
        if self.movablekeys:
            f.add("movablekeys")
        return [x for x in FLAG_ORDER if x in f]

    def key_positions(self, argv: List[bytes]) -> List[int]:
        """getKeysFromCommand(): indexes of the key arguments in argv, from the getkeys
        procedure or the legacy first/last/step range (client tracking, cluster)."""
        if self.getkeys is not None:
            return [pos for pos, _flags in self.getkeys(argv)]
        return keys_legacy(self.first_key, self.last_key, self.key_step, argv)

    def key_refs(self, argv: List[bytes]) -> KeyRefs:
        """getKeysFromCommandWithSpecs(): (index, key-spec flags) of each key argument
        (COMMAND GETKEYS / GETKEYSANDFLAGS, ACL key permissions): the specs, unless they
        fail on these arguments, are incomplete or have variable flags; then the getkeys
        procedure."""
        if self.specs_first:
            found = keys_from_specs(self.key_specs, argv)
            if found is not None:
                return found
        return self.getkeys(argv) if self.getkeys is not None else []

    def reset_stats(self) -> None:
        self.calls = self.usec = self.rejected_calls = self.failed_calls = 0
        self.reset_latency()

    def clone(self) -> "Command":
        """A copy with fresh counters (and cloned subcommands): each Engine dispatches
        through its own copies, so two engines in a process keep separate statistics."""
        new = Command.__new__(Command)
        CommandCore.__init__(new)
        for name in Command.__slots__:
            if hasattr(self, name):
                setattr(new, name, getattr(self, name))
        new.handler = self.handler
        new.arity = self.arity
        new.is_denyoom = self.is_denyoom
        if self.subcommands is not None:
            new.subcommands = {}
            for key, sub in self.subcommands.items():
                copy = sub.clone()
                copy.parent = new
                new.subcommands[key] = copy
        return new


TABLE: Dict[bytes, Command] = {}
# The dispatcher's index: TABLE plus upper-case names, so that the usual spellings
# ("GET", "get") are found without lower-casing every request.
DISPATCH: Dict[bytes, Command] = {}


def _index(name: str, cmd: Command) -> None:
    TABLE[name.encode()] = cmd
    DISPATCH[name.encode()] = cmd
    DISPATCH[name.upper().encode()] = cmd


def instantiate() -> Tuple[Dict[bytes, Command], Dict[bytes, Command]]:
    """An engine's own copy of the table: (by lower-case name, dispatch index)."""
    table = {name: cmd.clone() for name, cmd in TABLE.items()}
    dispatch = {}
    for name, cmd in table.items():
        dispatch[name] = cmd
        dispatch[name.upper()] = cmd
    return table, dispatch


def lookup(name: bytes) -> Optional[Command]:
    """The command named ``name`` (any case), or None."""
    cmd = DISPATCH.get(name)
    if cmd is None:
        cmd = TABLE.get(name.lower())
    return cmd


def command(name: str, arity: int, flags: str = "", keys: Tuple[int, int, int] = (0, 0, 0),
            acl: str = "", group: str = "generic",
            summary: str = "", since: str = "1.0.0", complexity: str = "O(1)",
            tips: str = "") -> Callable[[Handler], Handler]:
    """Declare the decorated function as the handler of command ``name``.

    ``handler(client, argv)`` returns a reply value (see protocols/resp.py) or raises
    CommandError. ``keys=(first, last, step)`` as in COMMAND INFO (last -1 = last argument),
    checked against the key specs (``keyspecs.py``), which say where every key is.
    """

    def register(fn: Handler) -> Handler:
        cmd = Command(name, fn, arity, flags.split(), keys, acl.split(), group,
                      summary, since, complexity, tips.split())
        parent_name, _, sub = name.partition("|")
        if sub:
            parent = TABLE.get(parent_name.encode())
            if parent is None or parent.subcommands is None:
                raise ValueError("declare container %r before %r" % (parent_name, name))
            cmd.parent = parent
            if sub.encode() in parent.subcommands:
                raise ValueError("duplicate command %r" % name)
            parent.subcommands[sub.encode()] = cmd
        else:
            if name.encode() in TABLE:
                raise ValueError("duplicate command %r" % name)
            _index(name, cmd)
        return fn

    return register


def container(name: str, arity: int = -2, flags: str = "", group: str = "generic",
              summary: str = "", since: str = "1.0.0", complexity: str = "Depends on subcommand.",
              acl: str = "") -> Command:
    """Declare a command that only dispatches to subcommands (CONFIG, CLIENT, OBJECT...)."""
    cmd = Command(name, None, arity, flags.split(), (0, 0, 0), acl.split(), group,
                  summary, since, complexity)
    if not acl:
        cmd.categories = ("slow",)  # Redis gives a container no category of its group
    cmd.subcommands = {}
    if name.encode() in TABLE:
        raise ValueError("duplicate command %r" % name)
    _index(name, cmd)
    return cmd
