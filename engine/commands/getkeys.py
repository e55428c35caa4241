"""Finding the keys of a command as Redis 7.0 does (db.c): key specs (getKeysUsingKeySpecs),
the legacy first/last/step range (getKeysUsingLegacyRangeSpec), the commands' own getkeys
procedures, and what COMMAND INFO derives from the specs (legacy range, movablekeys).

The facts are in ``keyspecs.py`` (Redis's command JSON files); the table attaches them to
each command by full name. Key references are ``(argument index, key-spec flags)``."""

import re
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from .keyspecs import GETKEYS_PROCS, KEY_SPECS

__all__ = ["KeyRefs", "KeySpec", "KEY_FLAG_NAMES", "flag_names", "RO", "RW", "OW", "RM",
           "ACCESS", "UPDATE", "INSERT", "DELETE", "NOT_KEY", "INCOMPLETE", "VARIABLE_FLAGS",
           "specs_for", "proc_for", "legacy_range", "is_movable", "has_keys", "specs_first",
           "keys_from_specs", "keys_legacy"]

# CMD_KEY_* bits, in the order addReplyFlagsForKeyArgs() lists them.
KEY_FLAG_NAMES = ("RO", "RW", "OW", "RM", "access", "update", "insert", "delete", "not_key",
                  "incomplete", "variable_flags")
(RO, RW, OW, RM, ACCESS, UPDATE, INSERT, DELETE, NOT_KEY, INCOMPLETE,
 VARIABLE_FLAGS) = (1 << i for i in range(len(KEY_FLAG_NAMES)))
_FLAG_BITS = {name.upper(): 1 << i for i, name in enumerate(KEY_FLAG_NAMES)}

KeyRefs = List[Tuple[int, int]]


class KeySpec:
    """One key spec: flags (CMD_KEY_* bits), begin_search, find_keys, notes."""

    __slots__ = ("flags", "notes", "bs", "bs_args", "fk", "fk_args")

    def __init__(self, flags: str, bs: Sequence, fk: Sequence, notes: str = "") -> None:
        self.flags = 0
        for name in flags.split():
            self.flags |= _FLAG_BITS[name]
        self.notes = notes
        self.bs, self.bs_args = bs[0], tuple(bs[1:])
        self.fk, self.fk_args = fk[0], tuple(fk[1:])


def flag_names(flags: int) -> List[str]:
    return [name for i, name in enumerate(KEY_FLAG_NAMES) if flags >> i & 1]


def specs_for(fullname: str) -> Tuple[KeySpec, ...]:
    return tuple(KeySpec(*s) for s in KEY_SPECS.get(fullname, ()))


# ----------------------------------------------------------------- derived metadata
def _int32(v: int) -> int:
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v >= 1 << 31 else v


def _legacy(specs: Sequence[KeySpec]) -> Tuple[Tuple[int, int, int], bool]:
    """populateCommandLegacyRangeSpec(): COMMAND INFO's (first, last, step) and whether the
    command is movablekeys (a key no plain consecutive range covers, or an incomplete one)."""
    if not specs:
        return (0, 0, 0), False
    if len(specs) == 1 and specs[0].bs == "index" and specs[0].fk == "range":
        pos, (lastkey, step) = specs[0].bs_args[0], specs[0].fk_args[:2]
        return (pos, lastkey + pos if lastkey >= 0 else lastkey, step), \
            bool(specs[0].flags & INCOMPLETE)
    first, last, movable = None, 0, False
    for s in specs:
        if s.bs != "index" or s.fk != "range":
            movable = True
            continue
        pos, (lastkey, step) = s.bs_args[0], s.fk_args[:2]
        if step != 1 or (last and last != pos - 1):
            movable = True
            continue
        movable = movable or bool(s.flags & INCOMPLETE)
        first = pos if first is None else min(first, pos)
        absolute = lastkey + pos if lastkey >= 0 else lastkey
        # an unsigned comparison, as Redis's: a negative (relative to the end) wins
        last = _int32(max(last & 0xFFFFFFFF, absolute & 0xFFFFFFFF))
    if first is None:
        return (0, 0, 0), True
    return (first, last, 1), movable


def legacy_range(specs: Sequence[KeySpec]) -> Tuple[int, int, int]:
    return _legacy(specs)[0]


def is_movable(specs: Sequence[KeySpec]) -> bool:
    return _legacy(specs)[1]


def has_keys(specs: Sequence[KeySpec], proc: Optional[Callable]) -> bool:
    """doesCommandHaveKeys(): a getkeys proc, or a spec that is not NOT_KEY."""
    return proc is not None or any(not s.flags & NOT_KEY for s in specs)


# ----------------------------------------------------------------- C number parsing
_STRING2LL = re.compile(rb"(?:0|-?[1-9][0-9]*)\Z")
_ATOI = re.compile(rb"[ \t\n\v\f\r]*([+-]?[0-9]*)")


def _word(arg: bytes) -> bytes:
    """An argument as strcasecmp() sees it: up to a NUL, lower-cased."""
    return arg.split(b"\0", 1)[0].lower()


def _string2ll(s: bytes) -> Optional[int]:
    if not _STRING2LL.match(s):
        return None
    v = int(s)
    return v if -(1 << 63) <= v < 1 << 63 else None


def _atoi(s: bytes) -> int:
    """glibc atoi(): (int)strtol(s, NULL, 10) -- saturates at the long range, then
    truncates to int; stops at the first non-digit (and at a NUL, as C strings do)."""
    digits = _ATOI.match(s.split(b"\0", 1)[0]).group(1)
    if digits in (b"", b"+", b"-"):
        return 0
    v = max(-(1 << 63), min((1 << 63) - 1, int(digits)))
    return _int32(v)


# ----------------------------------------------------------------- key specs
def keys_from_specs(specs: Sequence[KeySpec], argv: Sequence[bytes]) -> Optional[KeyRefs]:
    """getKeysUsingKeySpecs(): the keys, or None when a spec does not work on these
    arguments (a bad numkeys, a range past the end) or is INCOMPLETE."""
    argc = len(argv)
    out: KeyRefs = []
    for spec in specs:
        if spec.flags & NOT_KEY:
            continue
        if spec.bs == "index":
            first = spec.bs_args[0]
        elif spec.bs == "keyword":
            keyword, startfrom = spec.bs_args
            keyword = keyword.lower().encode()
            start = startfrom if startfrom > 0 else argc + startfrom
            end = argc - 1 if startfrom > 0 else 1
            first = 0
            i = start
            while i != end and 1 <= i < argc:  # the end index itself is never looked at
                if _word(argv[i]) == keyword:
                    first = i + 1
                    break
                i = i + 1 if start <= end else i - 1
            if not first:  # keyword not found: no keys from this spec
                continue
        else:
            return None
        if spec.fk == "range":
            lastkey, step, limit = spec.fk_args
            if lastkey >= 0:
                last = first + lastkey
            elif not limit:
                last = argc + lastkey
            else:
                last = first + (int((argc - first) / limit) + lastkey)
        elif spec.fk == "keynum":
            keynumidx, firstkey, step = spec.fk_args
            if first + keynumidx >= argc:
                return None
            numkeys = _string2ll(argv[first + keynumidx])
            if numkeys is None or numkeys < 0:
                return None
            first += firstkey
            last = _int32(first + _int32(numkeys) - 1)
        else:
            return None
        if last >= argc or last < first or first >= argc:
            return None
        out.extend((i, spec.flags) for i in range(first, last + 1, step))
        if spec.flags & INCOMPLETE:
            return None
    return out


def specs_first(specs: Sequence[KeySpec]) -> bool:
    """getKeysFromCommandWithSpecs() tries the specs first when one is a real key spec and
    none has VARIABLE_FLAGS (then only the getkeys proc knows the flags)."""
    return (any(not s.flags & NOT_KEY for s in specs)
            and not any(s.flags & VARIABLE_FLAGS for s in specs))


def keys_legacy(first: int, last: int, step: int, argv: Sequence[bytes]) -> List[int]:
    """getKeysUsingLegacyRangeSpec(): positions from COMMAND INFO's first/last/step."""
    if first <= 0:
        return []
    argc = len(argv)
    if last < 0:
        last = argc + last
    out = []
    for j in range(first, last + 1, step):
        if j >= argc:  # too few arguments: no keys, the command reports the error
            return []
        out.append(j)
    return out


# ----------------------------------------------------------------- getkeys procs
def _generic(store: int, count_at: int, first: int, step: int,
             argv: Sequence[bytes]) -> KeyRefs:
    """genericGetKeys(): [destkey] <numkeys> <key>... (flags are the specs' business)."""
    argc = len(argv)
    num = _atoi(argv[count_at])
    if num < 1 or num > int((argc - first) / step):
        return []
    out = [(first + i * step, 0) for i in range(num)]
    if store:
        out.append((store, 0))
    return out


def _sort_ro(argv: Sequence[bytes]) -> KeyRefs:
    return [(1, RO | ACCESS)]


_SORT_SKIP = ((b"limit", 2), (b"get", 1), (b"by", 1))


def _sort(argv: Sequence[bytes]) -> KeyRefs:
    """sortGetKeys(): the sorted key and the last STORE's destination."""
    out = [(1, RO | ACCESS)]
    store = None
    argc = len(argv)
    i = 2
    while i < argc:
        arg = _word(argv[i])
        for name, skip in _SORT_SKIP:
            if arg == name:
                i += skip
                break
            if arg == b"store" and i + 1 < argc:
                store = i + 1
                break
        i += 1
    if store is not None:
        out.append((store, OW | UPDATE))
    return out


_MIGRATE_SKIP = {b"copy": 0, b"replace": 0, b"auth": 1, b"auth2": 2}


def _migrate(argv: Sequence[bytes]) -> KeyRefs:
    """migrateGetKeys(): the key argument, or the keys after KEYS (with an empty key)."""
    argc = len(argv)
    first, num = 3, 1
    if argc > 6:
        i = 6
        while i < argc:
            arg = _word(argv[i])
            if arg == b"keys":
                if argv[3]:
                    num = 0  # a syntax error the command reports
                else:
                    first, num = i + 1, argc - i - 1
                break
            i += _MIGRATE_SKIP.get(arg, 0) + 1
    return [(first + i, RW | ACCESS | DELETE) for i in range(num)]


def _georadius(argv: Sequence[bytes]) -> KeyRefs:
    """georadiusGetKeys(): the key, and the last STORE/STOREDIST destination."""
    stored = None
    argc = len(argv)
    i = 5
    while i < argc:
        if _word(argv[i]) in (b"store", b"storedist") and i + 1 < argc:
            stored = i + 1
            i += 1
        i += 1
    return [(1, 0)] if stored is None else [(1, 0), (stored, 0)]


def _xread(argv: Sequence[bytes]) -> KeyRefs:
    """xreadGetKeys(): the first half of the arguments after STREAMS."""
    argc = len(argv)
    streams = -1
    i = 1
    while i < argc:
        arg = _word(argv[i])
        if arg in (b"block", b"count"):
            i += 1
        elif arg == b"group":
            i += 2
        elif arg == b"noack":
            pass
        elif arg == b"streams":
            streams = i
            break
        else:
            break
        i += 1
    num = argc - streams - 1 if streams != -1 else 0
    if streams == -1 or num == 0 or num % 2:
        return []
    num //= 2
    return [(i, 0) for i in range(streams + 1, argc - num)]


def _set(argv: Sequence[bytes]) -> KeyRefs:
    """setGetKeys(): RW and ACCESS with GET (compared as a C string), else OW."""
    for arg in argv[3:]:
        if _word(arg) == b"get":
            return [(1, RW | ACCESS | UPDATE)]
    return [(1, OW | UPDATE)]


def _bitfield(argv: Sequence[bytes]) -> KeyRefs:
    """bitfieldGetKeys(): read-only when only GET and OVERFLOW appear."""
    readonly = True
    argc = len(argv)
    i = 2
    while i < argc:
        rem = argc - i - 1
        arg = _word(argv[i])
        if arg == b"get" and rem >= 2:
            i += 2
        elif arg in (b"set", b"incrby") and rem >= 3:
            readonly = False
            break
        elif arg == b"overflow" and rem >= 1:
            i += 1
        else:
            readonly = False  # a syntax error: safer to assume a write
            break
        i += 1
    return [(1, RO | ACCESS if readonly else RW | ACCESS | UPDATE)]


_PROCS: Dict[str, Callable[[Sequence[bytes]], KeyRefs]] = {
    "sintercardGetKeys": lambda argv: _generic(0, 1, 2, 1, argv),
    "zunionInterDiffStoreGetKeys": lambda argv: _generic(1, 2, 3, 1, argv),
    "zunionInterDiffGetKeys": lambda argv: _generic(0, 1, 2, 1, argv),
    "evalGetKeys": lambda argv: _generic(0, 2, 3, 1, argv),
    "functionGetKeys": lambda argv: _generic(0, 2, 3, 1, argv),
    "lmpopGetKeys": lambda argv: _generic(0, 1, 2, 1, argv),
    "blmpopGetKeys": lambda argv: _generic(0, 2, 3, 1, argv),
    "zmpopGetKeys": lambda argv: _generic(0, 1, 2, 1, argv),
    "bzmpopGetKeys": lambda argv: _generic(0, 2, 3, 1, argv),
    "sortROGetKeys": _sort_ro,
    "sortGetKeys": _sort,
    "migrateGetKeys": _migrate,
    "georadiusGetKeys": _georadius,
    "xreadGetKeys": _xread,
    "setGetKeys": _set,
    "bitfieldGetKeys": _bitfield,
}


def proc_for(fullname: str) -> Optional[Callable[[Sequence[bytes]], KeyRefs]]:
    name = GETKEYS_PROCS.get(fullname)
    return None if name is None else _PROCS[name]
