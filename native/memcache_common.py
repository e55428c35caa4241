"""Constants shared by both memcached framing twins (memcache_c, memcache_py).

Both parsers import their request kinds, markers and error texts from here, so a request
tuple means the same thing whichever twin built it. The texts are memcached 1.6's own
(proto_text.c); native code may not import engine code, so the ones the framing layer
produces live here (engine/errors.py holds the ones the engine produces).
"""

__all__ = [
    "T_LINE", "T_STORE", "T_META_SET", "T_ERROR", "T_CLOSE",
    "B_REQ", "B_ERR", "B_CLOSE",
    "TOO_LARGE", "BAD_CHUNK",
    "ERROR", "CLIENT_ERROR_FORMAT", "CLIENT_ERROR_OPTIONS_TOO_LONG",
    "KEY_MAX_LENGTH", "ITEM_HEADER_SIZE", "CAS_SIZE", "TEXT_MAX_TOKENS", "META_MAX_TOKENS",
    "LINE_PROBE_LIMIT", "INT_MAX", "DEFAULT_MAX_LINE",
    "STORE_SET", "STORE_ADD", "STORE_REPLACE", "STORE_APPEND", "STORE_PREPEND", "STORE_CAS",
    "STORAGE_COMMANDS",
    "OP", "QUIET", "STATUS", "MAX_SASL_MECH_LEN", "HEADER_SIZE", "REQ_MAGIC", "RES_MAGIC",
    "item_size_ok",
]

# ---------------------------------------------------------------- text request kinds
# (T_LINE, tokens)                                   any command line, split on spaces
# (T_STORE, mode, key, flags, exptime, cas, noreply, data)   set/add/replace/append/...
#       data: the value (bytes), BAD_CHUNK (no "\r\n" after it) or TOO_LARGE (swallowed)
# (T_META_SET, tokens, data)                         ms with its data block (same markers)
# (T_ERROR, reply line without CRLF, noreply)        a line the framing layer rejects
# (T_CLOSE,)                                         memcached closes the connection here
T_LINE, T_STORE, T_META_SET, T_ERROR, T_CLOSE = 0, 1, 2, 3, 4

# ---------------------------------------------------------------- binary request kinds
# (B_REQ, opcode, key, extras, value, opaque, cas)   a well-formed request
# (B_ERR, opcode, key, opaque, status, close, after_auth, swallowed)   a rejected request
# (B_CLOSE,)                                         bad magic: memcached closes silently
B_REQ, B_ERR, B_CLOSE = 10, 11, 12


class _Marker:
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


# The data block was longer than the item size limit and has been swallowed unread.
TOO_LARGE = _Marker("TOO_LARGE")
# The data block did not end in "\r\n" ("CLIENT_ERROR bad data chunk").
BAD_CHUNK = _Marker("BAD_CHUNK")

# Storage modes (memcached's NREAD_*), shared by text, meta and binary.
STORE_SET, STORE_ADD, STORE_REPLACE, STORE_APPEND, STORE_PREPEND, STORE_CAS = range(1, 7)
STORAGE_COMMANDS = {b"set": STORE_SET, b"add": STORE_ADD, b"replace": STORE_REPLACE,
                    b"append": STORE_APPEND, b"prepend": STORE_PREPEND, b"cas": STORE_CAS}

# ---------------------------------------------------------------- texts (proto_text.c)
ERROR = b"ERROR"
CLIENT_ERROR_FORMAT = b"CLIENT_ERROR bad command line format"
CLIENT_ERROR_OPTIONS_TOO_LONG = b"CLIENT_ERROR options flags too long"

# ---------------------------------------------------------------- limits
KEY_MAX_LENGTH = 250
TEXT_MAX_TOKENS = 24        # MAX_TOKENS of tokenize_command(), the terminal token included
META_MAX_TOKENS = 20        # MFLAG_MAX_OPT_LENGTH
LINE_PROBE_LIMIT = 2048     # bytes without "\n" after which only a multiget may go on
DEFAULT_MAX_LINE = 16 * 1024 * 1024   # our cap on such a multiget line
INT_MAX = 2 ** 31 - 1
ITEM_HEADER_SIZE = 48       # sizeof(item) on 64-bit builds
CAS_SIZE = 8


def item_size_ok(nkey: int, flags: int, nbytes: int, max_item_size: int) -> bool:
    """memcached's item_size_ok(): header + key + NUL + flags suffix + data + CAS must fit
    in one item (``nbytes`` counts the data's trailing CRLF)."""
    total = ITEM_HEADER_SIZE + nkey + 1 + (4 if flags else 0) + nbytes + CAS_SIZE
    return total <= max_item_size


# ---------------------------------------------------------------- binary protocol
HEADER_SIZE = 24
REQ_MAGIC = 0x80
RES_MAGIC = 0x81
MAX_SASL_MECH_LEN = 32


class _Ops:
    GET = 0x00
    SET = 0x01
    ADD = 0x02
    REPLACE = 0x03
    DELETE = 0x04
    INCREMENT = 0x05
    DECREMENT = 0x06
    QUIT = 0x07
    FLUSH = 0x08
    GETQ = 0x09
    NOOP = 0x0A
    VERSION = 0x0B
    GETK = 0x0C
    GETKQ = 0x0D
    APPEND = 0x0E
    PREPEND = 0x0F
    STAT = 0x10
    SETQ = 0x11
    ADDQ = 0x12
    REPLACEQ = 0x13
    DELETEQ = 0x14
    INCREMENTQ = 0x15
    DECREMENTQ = 0x16
    QUITQ = 0x17
    FLUSHQ = 0x18
    APPENDQ = 0x19
    PREPENDQ = 0x1A
    TOUCH = 0x1C
    GAT = 0x1D
    GATQ = 0x1E
    SASL_LIST_MECHS = 0x20
    SASL_AUTH = 0x21
    SASL_STEP = 0x22
    GATK = 0x23
    GATKQ = 0x24


OP = _Ops

# quiet opcode -> the command it is a quiet variant of (dispatch_bin_command's first switch)
QUIET = {
    OP.SETQ: OP.SET, OP.ADDQ: OP.ADD, OP.REPLACEQ: OP.REPLACE, OP.DELETEQ: OP.DELETE,
    OP.INCREMENTQ: OP.INCREMENT, OP.DECREMENTQ: OP.DECREMENT, OP.QUITQ: OP.QUIT,
    OP.FLUSHQ: OP.FLUSH, OP.APPENDQ: OP.APPEND, OP.PREPENDQ: OP.PREPEND, OP.GETQ: OP.GET,
    OP.GETKQ: OP.GETK, OP.GATQ: OP.GAT, OP.GATKQ: OP.GATK,
}


class _Status:
    SUCCESS = 0x00
    KEY_ENOENT = 0x01
    KEY_EEXISTS = 0x02
    E2BIG = 0x03
    EINVAL = 0x04
    NOT_STORED = 0x05
    DELTA_BADVAL = 0x06
    AUTH_ERROR = 0x20
    AUTH_CONTINUE = 0x21
    UNKNOWN_COMMAND = 0x81
    ENOMEM = 0x82


STATUS = _Status
