"""Every error reply text, spelled as Redis 7.0 spells it (memcached texts live beside them).

Commands raise ``CommandError(TEXT)`` or ``CommandError(TEXT_FMT % args)`` with a name from
here; a test fails when an error text is written anywhere else. User bytes that go into a
text are decoded with ``arg()`` so the encoder restores them exactly.
"""

from native.resp_common import ReplyError

__all__ = ["CommandError", "arg"]


class CommandError(ReplyError):
    """An error reply raised by a command handler or the dispatcher."""


def arg(b: bytes, limit: int = 0) -> str:
    """User bytes as text for an error message (lossless; optionally truncated like %.Ns)."""
    if limit:
        b = b[:limit]
    return b.decode("utf-8", "surrogateescape")


# ------------------------------------------------------------------- dispatcher
UNKNOWN_COMMAND = "ERR unknown command '%s', with args beginning with: %s"
UNKNOWN_SUBCOMMAND = "ERR unknown subcommand '%s'. Try %s HELP."
WRONG_ARITY = "ERR wrong number of arguments for '%s' command"
NOAUTH = "NOAUTH Authentication required."
OOM = "OOM command not allowed when used memory > 'maxmemory'."
LOADING = "LOADING Redis is loading the dataset in memory"
MULTI_NESTED = "ERR MULTI calls can not be nested"
EXEC_WITHOUT_MULTI = "ERR EXEC without MULTI"
DISCARD_WITHOUT_MULTI = "ERR DISCARD without MULTI"
WATCH_IN_MULTI = "ERR WATCH inside MULTI is not allowed"
EXECABORT = "EXECABORT Transaction discarded because of previous errors."
EXECABORT_BECAUSE = "EXECABORT Transaction discarded because of: %s"
NOT_ALLOWED_IN_MULTI = "ERR Command not allowed inside a transaction"
SUBSCRIBE_CONTEXT = ("ERR Can't execute '%s': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / "
                     "QUIT / RESET are allowed in this context")
MAX_CLIENTS = "ERR max number of clients reached"
READONLY_REPLICA = "READONLY You can't write against a read only replica."

# ------------------------------------------------------------------- generic values
SYNTAX = "ERR syntax error"
WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
NOT_INTEGER = "ERR value is not an integer or out of range"
NOT_FLOAT = "ERR value is not a valid float"
NOT_POSITIVE = "ERR value is out of range, must be positive"
OUT_OF_RANGE = "ERR value is out of range"
OVERFLOW = "ERR increment or decrement would overflow"
DECREMENT_OVERFLOW = "ERR decrement would overflow"
INCR_NAN = "ERR increment would produce NaN or Infinity"
NO_SUCH_KEY = "ERR no such key"
INVALID_EXPIRE = "ERR invalid expire time in '%s' command"
EXPIRE_OPTIONS_NX_XX_GT_LT = "ERR NX and XX, GT or LT options at the same time are not compatible"
EXPIRE_OPTIONS_GT_LT = "ERR GT and LT options at the same time are not compatible"
UNSUPPORTED_OPTION = "ERR Unsupported option %s"
STRING_TOO_LONG = "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
INVALID_CURSOR = "ERR invalid cursor"
DB_INDEX = "ERR DB index is out of range"
SAME_OBJECT = "ERR source and destination objects are the same"
TIMEOUT_NEGATIVE = "ERR timeout is negative"
TIMEOUT_NOT_FLOAT = "ERR timeout is not a float or out of range"
INVALID_DB_INDEX = "ERR invalid DB index"
COUNT_NOT_POSITIVE = "ERR COUNT must be > 0"
LIMIT_NEGATIVE = "ERR LIMIT can't be negative"
SELECT_NOT_ALLOWED_CLUSTER = "ERR SELECT is not allowed in cluster mode"
CLUSTER_DISABLED = "ERR This instance has cluster support disabled"

# ------------------------------------------------------------------- keyspace (generic)
VALUE_OUT_OF_RANGE_BETWEEN = "ERR value is out of range, value must between %d and %d"
SWAPDB_FIRST_INDEX = "ERR invalid first DB index"
SWAPDB_SECOND_INDEX = "ERR invalid second DB index"

# ------------------------------------------------------------------- strings and bits
BIT_OFFSET = "ERR bit offset is not an integer or out of range"
BIT_VALUE = "ERR bit is not an integer or out of range"
BITOP_NOT_SINGLE = "ERR BITOP NOT must be called with a single source key."
BITFIELD_TYPE = ("ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not "
                 "supported but i64 is.")
BITFIELD_OVERFLOW_TYPE = "ERR Invalid OVERFLOW type specified"
BITFIELD_RO_WRITE = "ERR BITFIELD_RO only supports the GET subcommand"
OFFSET_OUT_OF_RANGE = "ERR offset is out of range"
LCS_IDX_AND_LEN = ("ERR If you want both the length and indexes, please just use IDX.")
LCS_WRONGTYPE = "ERR The specified keys must contain string values"
LCS_MEMORY = "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len"
BITPOS_BIT = "ERR The bit argument must be 1 or 0."

# ------------------------------------------------------------------- connection & server
AUTH_NO_PASSWORD = ("ERR AUTH <password> called without any password configured for the "
                    "default user. Are you sure your configuration is correct?")
WRONGPASS = "WRONGPASS invalid username-password pair or user is disabled."
NOPROTO = "NOPROTO unsupported protocol version"
PROTOCOL_VERSION_NOT_INT = "ERR Protocol version is not an integer or out of range"
CLIENT_NAME_SPACES = "ERR Client names cannot contain spaces, newlines or special characters."
NO_SUCH_CLIENT = "ERR No such client"
CLIENT_UNBLOCK_MODE = "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR"
CLIENT_KILL_TYPE = "ERR Unknown client type '%s'"
CLIENT_PAUSE_MODE = "ERR CLIENT PAUSE mode must be WRITE or ALL"
CLIENT_TIMEOUT_INVALID = "ERR timeout is not an integer or out of range"
NO_CONFIG_FILE = "ERR The server is running without a config file"
CONFIG_SET_UNKNOWN = "ERR Unknown option or number of arguments for CONFIG SET - '%s'"
CONFIG_SET_FAILED = "ERR CONFIG SET failed (possibly related to argument '%s') - %s"
CONFIG_REWRITE_FAILED = "ERR Rewriting config file: %s"
SHUTDOWN_ERRORS = "ERR Errors trying to SHUTDOWN. Check logs."
DEBUG_UNKNOWN = "ERR unknown subcommand or wrong number of arguments for '%s'. Try DEBUG HELP."
DEBUG_PROTOCOL_TYPE = ("ERR Wrong protocol type name. Please use one of the following: "
                       "string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|"
                       "true|false")
RESP2_NOT_SUPPORTED = "ERR RESP2 is not supported by this command"
LOLWUT_VERSION = "ERR value is not an integer or out of range"
MONITOR_IN_MULTI = "ERR MONITOR isn't allowed for DENY BLOCKING client"
COMMAND_GETKEYS_INVALID = "ERR Invalid command specified"
COMMAND_GETKEYS_NO_KEYS = "ERR The command has no key arguments"
COMMAND_GETKEYS_ARITY = "ERR Invalid number of arguments specified for command"
LATENCY_NO_SAMPLES = "ERR No samples available for event '%s'"
OBJECT_FREQ_NOT_LFU = ("ERR An LFU maxmemory policy is not selected, access frequency not "
                       "tracked. Please note that when switching between policies at runtime "
                       "LRU and LFU data will take some time to adjust.")
OBJECT_IDLETIME_LFU = ("ERR An LFU maxmemory policy is selected, idle time not tracked. Please "
                       "note that when switching between policies at runtime LRU and LFU data "
                       "will take some time to adjust.")
MEMORY_USAGE_SAMPLES = "ERR syntax error"
SUBCOMMAND_SYNTAX = "ERR unknown subcommand or wrong number of arguments for '%s'. Try %s HELP."
TIMEOUT_OUT_OF_RANGE = "ERR timeout is out of range"
CLIENT_INVALID_ID = "ERR Invalid client ID"
# client-side caching (engine/commands/tracking.py)
TRACKING_ONE_REDIRECT = "ERR A client can only redirect to a single other client"
TRACKING_NO_REDIRECT_CLIENT = "ERR The client ID you want redirect to does not exist"
TRACKING_PREFIX_NEEDS_BCAST = "ERR PREFIX option requires BCAST mode to be enabled"
TRACKING_BCAST_SWITCH = ("ERR You can't switch BCAST mode on/off before disabling tracking for "
                         "this client, and then re-enabling it with a different mode.")
TRACKING_OPTIN_BCAST = "ERR OPTIN and OPTOUT are not compatible with BCAST"
TRACKING_OPTIN_AND_OPTOUT = "ERR You can't specify both OPTIN mode and OPTOUT mode"
TRACKING_OPTIN_SWITCH = ("ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for "
                         "this client, and then re-enabling it with a different mode.")
TRACKING_PREFIX_EXISTING = ("ERR Prefix '%s' overlaps with an existing prefix '%s'. Prefixes for "
                            "a single client must not overlap.")
TRACKING_PREFIX_GIVEN = ("ERR Prefix '%s' overlaps with another provided prefix '%s'. Prefixes "
                         "for a single client must not overlap.")
CACHING_NOT_TRACKING = ("ERR CLIENT CACHING can be called only when the client is in tracking "
                        "mode with OPTIN or OPTOUT mode enabled")
CACHING_YES_NEEDS_OPTIN = ("ERR CLIENT CACHING YES is only valid when tracking is enabled in "
                           "OPTIN mode.")
CACHING_NO_NEEDS_OPTOUT = ("ERR CLIENT CACHING NO is only valid when tracking is enabled in "
                           "OPTOUT mode.")
CLIENT_KILL_ID = "ERR client-id should be greater than 0"
NO_SUCH_USER = "ERR No such user '%s'"
SLOWLOG_COUNT = "ERR count should be greater than or equal to -1"
COMMAND_GETKEYS_BAD_ARGS = "ERR Invalid arguments specified for command"
DEBUG_NOT_ALLOWED = ("ERR DEBUG command not allowed. If the enable-debug-command option is set to "
                     "\"local\", you can run it from a local connection, otherwise you need to set "
                     "this option in the configuration file, and then restart the server.")
MODULE_NOT_ALLOWED = ("ERR MODULE command not allowed. If the enable-module-command option is set "
                      "to \"local\", you can run it from a local connection, otherwise you need to "
                      "set this option in the configuration file, and then restart the server.")
MODULE_LOAD_FAILED = "ERR Error loading the extension. Please check the server logs."
MODULE_NO_SUCH = "ERR Error unloading module: no such module with that name"
SHUTDOWN_NOT_IN_PROGRESS = "ERR No shutdown in progress."
SHUTDOWN_DENY_BLOCKING = "ERR SHUTDOWN without NOW or ABORT isn't allowed for DENY BLOCKING client"
REPLICA_KEYSPACE = "ERR Replica can't interact with the keyspace"

# ------------------------------------------------------------------- persistence (RDB, DUMP)
ERR = "ERR"  # shared.err: what SAVE answers when the save failed
MISCONF = ("MISCONF Redis is configured to save RDB snapshots, but it's currently unable to "
           "persist to disk. Commands that may modify the data set are disabled, because this "
           "instance is configured to report errors during writes if RDB snapshotting fails "
           "(stop-writes-on-bgsave-error option). Please check the Redis logs for details "
           "about the RDB error.")
BGSAVE_IN_PROGRESS = "ERR Background save already in progress"
BGSAVE_OTHER_CHILD = ("ERR Another child process is active (AOF?): can't BGSAVE right now. "
                      "Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.")
DUMP_PAYLOAD = "ERR DUMP payload version or checksum are wrong"
BAD_DATA_FORMAT = "ERR Bad data format"
BUSYKEY = "BUSYKEY Target key name already exists."
RESTORE_TTL = "ERR Invalid TTL value, must be >= 0"
RESTORE_IDLETIME = "ERR Invalid IDLETIME value, must be >= 0"
RESTORE_FREQ = "ERR Invalid FREQ value, must be >= 0 and <= 255"
DEBUG_PACKED_THRESHOLD = "ERR argument must be a memory value bigger than 1 and smaller than 4gb"
DEBUG_RELOAD_OPTIONS = "ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options."
DEBUG_RELOAD_LOAD = "ERR Error trying to load the RDB dump, check server logs."
SNAPSHOT_FAILED = "ERR %s"  # STRATA.SNAPSHOT: the reason, e.g. "no such snapshot 'x'"

# ------------------------------------------------------------------- pub/sub
SSUBSCRIBE_DENY_BLOCKING = "ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client"

# ------------------------------------------------------------------- security (ACL, AUTH)
NOAUTH_HELLO = ("NOAUTH HELLO must be called with the client already authenticated, otherwise "
                "the HELLO AUTH <user> <pass> option can be used to authenticate the client "
                "and select the RESP protocol version at the same time")
NOPERM_COMMAND = "NOPERM this user has no permissions to run the '%s' command"
NOPERM_KEY = "NOPERM this user has no permissions to access one of the keys used as arguments"
NOPERM_CHANNEL = ("NOPERM this user has no permissions to access one of the channels used as "
                  "arguments")
NOPERM_EXEC = ("NOPERM ACLs rules changed between the moment the transaction was accumulated "
               "and the EXEC call. This command is no longer allowed for the following "
               "reason: %s")
NOPERM_REASON_COMMAND = "no permission to execute the command or subcommand"
NOPERM_REASON_KEY = "no permission to touch the specified keys"
NOPERM_REASON_CHANNEL = "no permission to access one of the channels used as arguments"
ACL_SETUSER_MODIFIER = "ERR Error in ACL SETUSER modifier '%s': %s"
ACL_UNMATCHED_PARENTHESIS = "ERR Unmatched parenthesis in acl selector starting at '%s'."
ACL_USERNAME_SPACES = "ERR Usernames can't contain spaces or null characters"
ACL_DELETE_DEFAULT = "ERR The 'default' user cannot be removed"
ACL_NO_ACLFILE = ("ERR This Redis instance is not configured to use an ACL file. You may want to "
                  "specify users via the ACL SETUSER command and then issue a CONFIG REWRITE "
                  "(assuming you have a Redis configuration file set) in order to store users "
                  "in the Redis configuration.")
ACL_LOAD_FAILED = "ERR %s"
ACL_SAVE_FAILED = ("ERR There was an error trying to save the ACLs. Please check the server "
                   "logs for more information")
ACL_UNKNOWN_CATEGORY = "ERR Unknown category '%s'"
ACL_GENPASS_BITS = ("ERR ACL GENPASS argument must be the number of bits for the output "
                    "password, a positive number up to 4096")
ACL_DRYRUN_NO_USER = "ERR User '%s' not found"
ACL_DRYRUN_NO_COMMAND = "ERR Command '%s' not found"
PROTECTED_NOT_ALLOWED = ("ERR %s command not allowed. If the %s option is set to \"local\", you "
                         "can run it from a local connection, otherwise you need to set this "
                         "option in the configuration file, and then restart the server.")
SORT_BY_DENIED = "ERR BY option of SORT denied due to insufficient ACL permissions."
SORT_GET_DENIED = "ERR GET option of SORT denied due to insufficient ACL permissions."

# The parser's protocol-error texts live in native/resp_py.py and resp_c.pyx: native code
# may not import engine code.

# ------------------------------------------------------------------- lists and blocking
INDEX_OUT_OF_RANGE = "ERR index out of range"
LPOS_RANK_ZERO = ("ERR RANK can't be zero: use 1 to start from the first match, 2 from the "
                  "second ... or use negative to start from the end of the list")
LPOS_COUNT_NEGATIVE = "ERR COUNT can't be negative"
LPOS_MAXLEN_NEGATIVE = "ERR MAXLEN can't be negative"
NUMKEYS_NOT_POSITIVE = "ERR numkeys should be greater than 0"
MPOP_COUNT_NOT_POSITIVE = "ERR count should be greater than 0"
UNBLOCKED = "UNBLOCKED client unblocked via CLIENT UNBLOCK"

# ------------------------------------------------------------------- sorted sets
ZADD_XX_NX = "ERR XX and NX options at the same time are not compatible"
ZADD_GT_LT_NX = "ERR GT, LT, and/or NX options at the same time are not compatible"
ZADD_INCR_PAIR = "ERR INCR option supports a single increment-element pair"
ZSCORE_NAN = "ERR resulting score is not a number (NaN)"
MIN_MAX_NOT_FLOAT = "ERR min or max is not a float"
MIN_MAX_NOT_LEX = "ERR min or max not valid string range item"
ZRANGE_WITHSCORES_BYLEX = "ERR syntax error, WITHSCORES not supported in combination with BYLEX"
ZRANGE_LIMIT = ("ERR syntax error, LIMIT is only supported in combination with either BYSCORE "
                "or BYLEX")
ZSET_NO_INPUT_KEYS = "ERR at least 1 input key is needed for '%s' command"
WEIGHT_NOT_FLOAT = "ERR weight value is not a float"

# ------------------------------------------------------------------- hashes and sets
HASH_NOT_INTEGER = "ERR hash value is not an integer"
HASH_NOT_FLOAT = "ERR hash value is not a float"
NAN_OR_INFINITY = "ERR value is NaN or Infinity"
NUMKEYS_TOO_MANY = "ERR Number of keys can't be greater than number of args"

# ------------------------------------------------------------------- streams
STREAM_ID_INVALID = "ERR Invalid stream ID specified as stream command argument"
XADD_ID_ZERO = "ERR The ID specified in XADD must be greater than 0-0"
XADD_ID_TOO_SMALL = ("ERR The ID specified in XADD is equal or smaller than the target stream "
                     "top item")
XADD_TOO_LARGE = "ERR Elements are too large to be stored"
STREAM_EXHAUSTED = ("ERR The stream has exhausted the last possible ID, unable to add more "
                    "items")
STREAM_MAXLEN_NEGATIVE = "ERR The MAXLEN argument must be >= 0."
STREAM_LIMIT_NEGATIVE = "ERR The LIMIT argument must be >= 0."
STREAM_MAXLEN_AND_MINID = ("ERR syntax error, MAXLEN and MINID options at the same time are not "
                           "compatible")
STREAM_LIMIT_NO_STRATEGY = ("ERR syntax error, LIMIT cannot be used without specifying a "
                            "trimming strategy")
STREAM_LIMIT_NO_APPROX = "ERR syntax error, LIMIT cannot be used without the special ~ option"
XTRIM_NO_STRATEGY = "ERR syntax error, XTRIM must be called with a trimming strategy"
STREAM_INVALID_START = "ERR invalid start ID for the interval"
STREAM_INVALID_END = "ERR invalid end ID for the interval"
XREAD_UNBALANCED = ("ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' "
                    "must be specified.")
XREAD_GROUP_OPTION = ("ERR The GROUP option is only supported by XREADGROUP. You called XREAD "
                      "instead.")
XREAD_NOACK_OPTION = ("ERR The NOACK option is only supported by XREADGROUP. You called XREAD "
                      "instead.")
XREADGROUP_NO_GROUP = "ERR Missing GROUP option for XREADGROUP"
XREADGROUP_DOLLAR = ("ERR The $ ID is meaningless in the context of XREADGROUP: you want to read "
                     "the history of this consumer by specifying a proper ID, or use the > ID "
                     "to get new messages. The $ ID would just return an empty result set.")
XREAD_GREATER = ("ERR The > ID can be specified only when calling XREADGROUP using the GROUP "
                 "<group> <consumer> option.")
XREAD_BLOCK_IN_SCRIPT = "ERR %s command is not allowed with BLOCK option from scripts"
XREADGROUP_NOGROUP = ("NOGROUP No such key '%s' or consumer group '%s' in XREADGROUP with GROUP "
                      "option")
XREADGROUP_GROUP_GONE = "NOGROUP the consumer group this client was blocked on no longer exists"
XREADGROUP_KEY_GONE = "UNBLOCKED the stream key no longer exists"
STREAM_NOGROUP = "NOGROUP No such key '%s' or consumer group '%s'"
STREAM_NOGROUP_FOR_KEY = "NOGROUP No such consumer group '%s' for key name '%s'"
BUSYGROUP = "BUSYGROUP Consumer Group name already exists"
XGROUP_NO_KEY = ("ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you "
                 "may want to use the MKSTREAM option to create an empty stream automatically.")
ENTRIESREAD_INVALID = "ERR value for ENTRIESREAD must be positive or -1"
XCLAIM_MIN_IDLE = "ERR Invalid min-idle-time argument for XCLAIM"
XCLAIM_IDLE = "ERR Invalid IDLE option argument for XCLAIM"
XCLAIM_TIME = "ERR Invalid TIME option argument for XCLAIM"
XCLAIM_RETRYCOUNT = "ERR Invalid RETRYCOUNT option argument for XCLAIM"
XCLAIM_UNKNOWN_OPTION = "ERR Unrecognized XCLAIM option '%s'"
XAUTOCLAIM_MIN_IDLE = "ERR Invalid min-idle-time argument for XAUTOCLAIM"
XSETID_TOO_SMALL = "ERR The ID specified in XSETID is smaller than the target stream top item"
XSETID_BELOW_GIVEN_MAX_DELETED = ("ERR The ID specified in XSETID is smaller than the provided "
                                  "max_deleted_entry_id")
XSETID_ENTRIES_ADDED_NEGATIVE = "ERR entries_added must be positive"
XSETID_ENTRIES_ADDED_TOO_SMALL = ("ERR The entries_added specified in XSETID is smaller than the "
                                  "target stream length")

# ------------------------------------------------------------------- hyperloglog, geo, sort
HLL_WRONGTYPE = "WRONGTYPE Key is not a valid HyperLogLog string value."
HLL_INVALID = "INVALIDOBJ Corrupted HLL object detected"
PFDEBUG_NO_KEY = "ERR The specified key does not exist"
PFDEBUG_NOT_SPARSE = "ERR HLL encoding is not sparse"
PFDEBUG_UNKNOWN = "ERR Unknown PFDEBUG subcommand '%s'"
HLL_SELFTEST = "TESTFAILED %s"
GEO_INVALID_PAIR = "ERR invalid longitude,latitude pair %f,%f"
GEO_NO_MEMBER = "ERR could not decode requested zset member"
GEO_UNIT = "ERR unsupported unit provided. please use M, KM, FT, MI"
GEO_RADIUS_NOT_FLOAT = "ERR need numeric radius"
GEO_WIDTH_NOT_FLOAT = "ERR need numeric width"
GEO_HEIGHT_NOT_FLOAT = "ERR need numeric height"
GEO_RADIUS_NEGATIVE = "ERR radius cannot be negative"
GEO_BOX_NEGATIVE = "ERR height or width cannot be negative"
GEO_STORE_WITH = "ERR %s is not compatible with WITHDIST, WITHHASH and WITHCOORD options"
GEO_FROM = "ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for %s"
GEO_BY = "ERR exactly one of BYRADIUS and BYBOX can be specified for %s"
GEO_ANY_WITHOUT_COUNT = "ERR the ANY argument requires COUNT argument"
SORT_NOT_DOUBLE = "ERR One or more scores can't be converted into double"

# ------------------------------------------------------------------- scripting (EVAL, FUNCTION)
NOSCRIPT = "NOSCRIPT No matching script. Please use EVAL."
NUMKEYS_NEGATIVE = "ERR Number of keys can't be negative"
FCALL_BAD_NUMKEYS = "ERR Bad number of keys provided"
BUSY_SCRIPT = "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."
BUSY_FUNCTION = ("BUSY Redis is busy running a script. You can only call FUNCTION KILL or "
                 "SHUTDOWN NOSAVE.")
NOTBUSY = "NOTBUSY No scripts in execution right now."
UNKILLABLE = ("UNKILLABLE Sorry the script already executed write commands against the dataset. "
              "You can either wait the script termination or kill the server in a hard way "
              "using the SHUTDOWN NOSAVE command.")
SCRIPT_KILLED = "ERR Script killed by user with SCRIPT KILL..."
SCRIPT_COMPILE = "ERR Error compiling script (new function): %s"
SCRIPT_RUN_FAILED = "ERR Error running script %s, %.100s\n"
SCRIPT_ERROR_WHERE = "%s script: %s, on %s:%s."
SCRIPT_STACK_LIMIT = "ERR reached lua stack limit"
SHEBANG_INVALID = "ERR Invalid script shebang"
SHEBANG_NO_ENGINE = "ERR Invalid engine in script shebang"
SHEBANG_ENGINE = "ERR Unexpected engine in script shebang: %s"
SHEBANG_FLAG = "ERR Unexpected flag in script shebang: %s"
SHEBANG_OPTION = "ERR Unknown lua shebang option: %s"
SCRIPT_WRITE_FLAG_RO = "ERR Can not execute a script with write flag using *_ro command."
SCRIPT_ALLOW_OOM = ("OOM allowed memory has reached, can not execute script with 'allow-oom' "
                    "flag.")
SCRIPT_FLUSH_MODE = "ERR SCRIPT FLUSH only support SYNC|ASYNC option"
SCRIPT_DEBUG_MODE = "ERR Use SCRIPT DEBUG YES/SYNC/NO"
SCRIPT_DEBUG_UNSUPPORTED = "ERR SCRIPT DEBUG YES/SYNC is not supported (no Lua debugger)"
# texts a script sees from redis.call / redis.* (luaPushError adds the "ERR " code)
LUA_NO_ARGS = "Please specify at least one argument for this redis lib call"
LUA_BAD_ARG = "Lua redis lib command arguments must be strings or integers"
LUA_UNKNOWN_COMMAND = "Unknown Redis command called from script"
LUA_WRONG_ARITY = "Wrong number of args calling Redis command from script"
LUA_NOSCRIPT = "This Redis command is not allowed from script"
LUA_WRITE_IN_RO = "Write commands are not allowed from read-only scripts."
LUA_ACL_INVALID = "Invalid command passed to redis.acl_check_cmd()"
LUA_ACL_COMMAND = "ACL failure in script: User %s has no permissions to run the '%s' command"
LUA_ACL_KEY = "ACL failure in script: No permissions to access a key"
LUA_ACL_CHANNEL = "ACL failure in script: No permissions to access a channel"
FUNCTION_NOT_FOUND = "ERR Function not found"
LIBRARY_NOT_FOUND = "ERR Library not found"
LIBRARY_EXISTS = "ERR Library '%s' already exists"
LIBRARY_EXISTS_RESTORE = "ERR Library %s already exists"
FUNCTION_EXISTS = "ERR Function %s already exists"
LIBRARY_METADATA_MISSING = "ERR Missing library metadata"
LIBRARY_METADATA_INVALID = "ERR Invalid library metadata"
LIBRARY_NAME_TWICE = "ERR Invalid metadata value, name argument was given multiple times"
LIBRARY_METADATA_VALUE = "ERR Invalid metadata value given: %s"
LIBRARY_NAME_MISSING = "ERR Library name was not given"
LIBRARY_NAME_INVALID = ("ERR Library names can only contain letters, numbers, or underscores(_) "
                        "and must be at least one character long")
LIBRARY_ENGINE = "ERR Engine '%s' not found"
LIBRARY_NO_FUNCTIONS = "ERR No functions registered"
FUNCTION_COMPILE = "ERR Error compiling function: %s"
FUNCTION_REGISTER = "ERR Error registering functions: %s"
FUNCTION_LOAD_TIMEOUT = "ERR FUNCTION LOAD timeout"
FUNCTION_CODE_MISSING = "ERR Function code is missing"
FUNCTION_LOAD_OPTION = "ERR Unknown option given: %s"
FUNCTION_LIST_NO_NAME = "ERR library name argument was not given"
FUNCTION_LIST_ARG = "ERR Unknown argument %s"
FUNCTION_FLUSH_MODE = "ERR FUNCTION FLUSH only supports SYNC|ASYNC option"
FUNCTION_RESTORE_POLICY = ("ERR Wrong restore policy given, value should be either FLUSH, APPEND "
                           "or REPLACE.")
FUNCTION_PAYLOAD = "ERR DUMP payload version or checksum are wrong"
FUNCTION_PAYLOAD_TYPE = "ERR given type is not a function"
FUNCTION_PAYLOAD_PRE_GA = "ERR Pre-GA function format not supported"
FUNCTION_PAYLOAD_BAD = "ERR Failed loading library payload"
LUA_READONLY = "Attempt to modify a readonly table"
LUA_NO_GLOBAL = "Script attempted to access nonexistent global variable '%s'"
LUA_WRONG_ARGS = "wrong number of arguments"
LUA_WRONG_ARGS_TYPE = "wrong number or type of arguments"
LUA_LOG_ARGC = "redis.log() requires two arguments or more."
LUA_LOG_LEVEL_TYPE = "First argument must be a number (log level)."
LUA_LOG_LEVEL = "Invalid debug level."
LUA_SETRESP_ARGC = "redis.setresp() requires one argument."
LUA_SETRESP_VERSION = "RESP version must be 2 or 3."
LUA_SET_REPL_ARGC = "redis.set_repl() requires two arguments."
LUA_SET_REPL_FLAGS = ("Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or "
                      "REPL_NONE.")
# Lua library errors (luaL_error-style: the caller's position is prefixed)
LUA_ARG_TYPE = "bad argument #%d to '%s' (%s expected, got %s)"
LUA_ARG_CHECK = "bad argument #%d to '%s' (%s)"
LUA_ARG_EXPECTED_ONE = "bad argument #1 to '%s' (expected 1 argument)"
LUA_INTERVAL_EMPTY = "bad argument #%d to 'random' (interval is empty)"
LUA_RANDOM_ARGS = "wrong number of arguments"
LUA_ARG_BAD = "bad argument #%d to '%s' (%s)"
# cmsgpack and struct (lua_cmsgpack.c, lua_struct.c)
LUA_MP_NO_INPUT = "bad argument #0 to 'pack' (MessagePack pack needs input.)"
LUA_MP_NEGATIVE = "Invalid request to unpack with offset of %d and limit of %d."
LUA_MP_OFFSET = "Start offset %d greater than input length %d."
LUA_MP_EOF = "Missing bytes in input."
LUA_MP_BADFMT = "Bad data format in input."
LUA_MP_STACK = "stack overflow (%s)"
LUA_STRUCT_OVERFLOW = "integral size overflow"
LUA_STRUCT_INT_SIZE = "integral size %d is larger than limit of %d"
LUA_STRUCT_ALIGN = "alignment %d is not a power of 2"
LUA_STRUCT_C0 = "format 'c0' needs a previous size"
LUA_STRUCT_UNFINISHED = "unfinished string in data"
JSON_EXPECTED = "Expected %s but found %s at character %d"
JSON_TOO_DEEP = "Found too many nested data structures (%d) at character %d"
JSON_UTF16 = "JSON parser does not support UTF-16 or UTF-32"
SLOW_SCRIPT_LOG = ("Slow script detected: still in execution after %d milliseconds. You can try "
                   "killing the script using the %s command. Script name is: %s.")
# library registration (redis.register_function) texts, "ERR " added as luaPushError does
REG_ARGC = "wrong number of arguments to redis.register_function"
REG_TABLE = ("calling redis.register_function with a single argument is only applicable to Lua "
             "table (representing named arguments).")
REG_KEY = "named argument key given to redis.register_function is not a string"
REG_NAME_TYPE = "function_name argument given to redis.register_function must be a string"
REG_DESC_TYPE = "description argument given to redis.register_function must be a string"
REG_CALLBACK_TYPE = "callback argument given to redis.register_function must be a function"
REG_FLAGS_TYPE = ("flags argument to redis.register_function must be a table representing "
                  "function flags")
REG_FLAG_UNKNOWN = "unknown flag given"
REG_ARG_UNKNOWN = "unknown argument given to redis.register_function"
REG_NO_NAME = "redis.register_function must get a function name argument"
REG_NO_CALLBACK = "redis.register_function must get a callback argument"
REG_POS_NAME = "first argument to redis.register_function must be a string"
REG_POS_CALLBACK = "second argument to redis.register_function must be a function"
REG_DUPLICATE = "Function already exists in the library"

# ------------------------------------------------------------------- replication & failover
NOREPLICAS = "NOREPLICAS Not enough good replicas to write."
MASTERDOWN = ("MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to "
              "'no'.")
NOMASTERLINK = "NOMASTERLINK Can't SYNC while not connected with my master"
NOMASTERLINK_FAILOVER = "NOMASTERLINK Can't SYNC while failing over"
MAX_REPLICAS = "ERR max number of replicas reached (max-replicas %d)"  # Strata's own cap
PSYNC_FAILOVER_TO_MASTER = "ERR PSYNC FAILOVER can't be sent to a master."
PSYNC_FAILOVER_REPLID = "ERR PSYNC FAILOVER replid must match my replid."
SYNC_NOT_NETWORK = "ERR SYNC and PSYNC need a network connection"
REPLCONF_UNKNOWN_OPTION = "ERR Unrecognized REPLCONF option: %s"
WAIT_REPLICA = ("ERR WAIT cannot be used with replica instances. Please also note that since "
                "Redis 4.0 if a replica is configured to be writable (which is not the "
                "default) writes to replicas are just local and are not propagated.")
TIMEOUT_NOT_INT = "ERR timeout is not an integer or out of range"
INVALID_MASTER_PORT = "ERR Invalid master port"
REPLICAOF_FAILOVER = "ERR REPLICAOF not allowed while failing over."
REPLICAOF_FROM_REPLICA = "ERR Command is not valid when client is a replica."
FAILOVER_IN_PROGRESS = "ERR FAILOVER already in progress."
FAILOVER_REPLICA = "ERR FAILOVER is not valid when server is a replica."
FAILOVER_NO_REPLICAS = "ERR FAILOVER requires connected replicas."
FAILOVER_FORCE = ("ERR FAILOVER with force option requires both a timeout and target HOST "
                  "and IP.")
FAILOVER_NOT_REPLICA = "ERR FAILOVER target HOST and PORT is not a replica."
FAILOVER_NOT_ONLINE = "ERR FAILOVER target replica is not online."
FAILOVER_NOT_IN_PROGRESS = "ERR No failover in progress."
FAILOVER_TIMEOUT = "ERR FAILOVER timeout must be greater than 0"

# ------------------------------------------------------------------- memcached (1.6.18)
# Texts of the memcached listener (engine/memcached); the framing and meta-flag texts live
# with their codecs (native/memcache_common.py, protocols/memcached/meta.py).
MC_ERROR = "ERROR"
MC_BAD_DATA_CHUNK = "CLIENT_ERROR bad data chunk"
MC_TOO_LARGE = "SERVER_ERROR object too large for cache"
MC_OUT_OF_MEMORY_STORING = "SERVER_ERROR out of memory storing object"
MC_OUT_OF_MEMORY = "SERVER_ERROR out of memory"
MC_OUT_OF_MEMORY_NEW_ITEM = "SERVER_ERROR Out of memory allocating new item"
MC_NON_NUMERIC = "CLIENT_ERROR cannot increment or decrement non-numeric value"
MC_INVALID_DELTA = "CLIENT_ERROR invalid numeric delta argument"
MC_INVALID_EXPTIME = "CLIENT_ERROR invalid exptime argument"
MC_BAD_FORMAT = "CLIENT_ERROR bad command line format"
MC_DELETE_USAGE = "CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]"
MC_STATS_DETAIL_USAGE = "CLIENT_ERROR usage: stats detail on|off|dump"
MC_BAD_COMMAND_LINE = "CLIENT_ERROR bad command line"
MC_ILLEGAL_SLAB_ID = "CLIENT_ERROR Illegal slab id"
MC_SHUTDOWN_DISABLED = "ERROR: shutdown not enabled"
MC_META_FLAGS_TOO_LONG = "CLIENT_ERROR options flags are too long"
MC_META_INVALID_FLAG = "CLIENT_ERROR invalid or duplicate flag"
MC_MS_INVALID_MODE = "CLIENT_ERROR invalid mode for ms M token"
MC_MA_INVALID_MODE = "CLIENT_ERROR invalid mode for ma M token"
MC_TOO_MANY_CONNECTIONS = "ERROR Too many open connections"
MC_MEMLIMIT_TOO_SMALL = "MEMLIMIT_TOO_SMALL cannot set maxbytes to less than 8m"
MC_MEMLIMIT_MEGABYTES = "MEMLIMIT_ADJUST_FAILED input value is megabytes not bytes"
MC_BIN_OOM_ITEM = "Out of memory allocating item"
MC_BIN_OOM_INCR = "Out of memory incrementing value"
MC_BIN_AUTHENTICATED = "Authenticated"

# ---------------------------------------------------------------- MIGRATE (cluster.c)
MIGRATE_KEYS_NEEDS_EMPTY_KEY = ("ERR When using MIGRATE KEYS option, the key argument must be "
                                "set to the empty string")
MIGRATE_IOERR_CONNECT = "IOERR error or timeout connecting to the client"
MIGRATE_IOERR = "IOERR error or timeout %s to target instance"
MIGRATE_TARGET_ERROR = "ERR Target instance replied with error: %s"
