"""Redis 7.0.15's key specifications (src/commands/*.json), generated as docs/keyspecs.md
says. Per command: (flags, begin_search, find_keys[, notes]) with begin_search ("index",
pos) | ("keyword", keyword, startfrom) | ("unknown",) and find_keys ("range", lastkey,
step, limit) | ("keynum", keynumidx, firstkey, step) | ("unknown",)."""

KEY_SPECS = {
    'append': (
        ('RW INSERT', ('index', 1), ('range', 0, 1, 0)),
    ),
    'bitcount': (
        ('RO ACCESS', ('index', 1), ('range', 0, 1, 0)),
    ),
    'bitfield': (
        ('RW UPDATE ACCESS VARIABLE_FLAGS', ('index', 1), ('range', 0, 1, 0),
         'This command allows both access and modification of the key'),
    ),
    'bitfield_ro': (
        ('RO ACCESS', ('index', 1), ('range', 0, 1, 0)),
    ),
    'bitop': (
        ('OW UPDATE', ('index', 2), ('range', 0, 1, 0)),
        ('RO ACCESS', ('index', 3), ('range', -1, 1, 0)),
    ),
    'bitpos': (
        ('RO ACCESS', ('index', 1), ('range', 0, 1, 0)),
    ),
    'blmove': (
        ('RW ACCESS DELETE', ('index', 1), ('range', 0, 1, 0)),
        ('RW INSERT', ('index', 2), ('range', 0, 1, 0)),
    ),
    'blmpop': (
        ('RW ACCESS DELETE', ('index', 2), ('keynum', 0, 1, 1)),
    ),
    'blpop': (
        ('RW ACCESS DELETE', ('index', 1), ('range', -2, 1, 0)),
    ),
    'brpop': (
        ('RW ACCESS DELETE', ('index', 1), ('range', -2, 1, 0)),
    ),
    'brpoplpush': (
        ('RW ACCESS DELETE', ('index', 1), ('range', 0, 1, 0)),
        ('RW INSERT', ('index', 2), ('range', 0, 1, 0)),
    ),
    'bzmpop': (
        ('RW ACCESS DELETE', ('index', 2), ('keynum', 0, 1, 1)),
    ),
    'bzpopmax': (
        ('RW ACCESS DELETE', ('index', 1), ('range', -2, 1, 0)),
    ),
    'bzpopmin': (
        ('RW ACCESS DELETE', ('index', 1), ('range', -2, 1, 0)),
    ),
    'copy': (
        ('RO ACCESS', ('index', 1), ('range', 0, 1, 0)),
        ('OW UPDATE', ('index', 2), ('range', 0, 1, 0)),
    ),
    'decr': (
        ('RW ACCESS UPDATE', ('index', 1), ('range', 0, 1, 0)),
    ),
    'decrby': (
        ('RW ACCESS UPDATE', ('index', 1), ('range', 0, 1, 0)),
    ),
    'del': (
        ('RM DELETE', ('index', 1), ('range', -1, 1, 0)),
    ),
    'dump': (
        ('RO ACCESS', ('index', 1), ('range', 0, 1, 0)),
    ),
    'eval': (
        ('RW ACCESS UPDATE', ('index', 2), ('keynum', 0, 1, 1),
         'We cannot tell how the keys will be used so we assume the worst, RW and UPDATE'),
    ),
    'eval_ro': (
        ('RO ACCESS', ('index', 2), ('keynum', 0, 1, 1),
         'We cannot tell how the keys will be used so we assume the worst, RO and ACCESS'),
    ),
    'evalsha': (
        ('RW ACCESS UPDATE', ('index', 2), ('keynum', 0, 1, 1)),
    ),
    'evalsha_ro': (
        ('RO ACCESS', ('index', 2), ('keynum', 0, 1, 1)),
    ),
    'exists': (
        ('RO', ('index', 1), ('range', -1, 1, 0)),
    ),
    'expire': (
        ('RW UPDATE', ('index', 1), ('range', 0, 1, 0)),
    ),
    'expireat': (
        ('RW UPDATE', ('index', 1), ('range', 0, 1, 0)),
    ),
    'expiretime': (
        ('RO ACCESS', ('index', 1), ('range', 0, 1, 0)),
    ),
    'fcall': (
        ('RW ACCESS UPDATE', ('index', 2), ('keynum', 0, 1, 1),
         'We cannot tell how the keys will be used so we assume the worst, RW and UPDATE'),
    ),
    'fcall_ro': (
        ('RO ACCESS', ('index', 2), ('keynum', 0, 1, 1),
         'We cannot tell how the keys will be used so we assume the worst, RO and ACCESS'),
    ),
    'geoadd': (
        ('RW UPDATE', ('index', 1), ('range', 0, 1, 0)),
    ),
    'geodist': (
        ('RO ACCESS', ('index', 1), ('range', 0, 1, 0)),
    ),
    'geohash': (
        ('RO ACCESS', ('index', 1), ('range', 0, 1, 0)),
    ),
    'geopos': (
        ('RO ACCESS', ('index', 1), ('range', 0, 1, 0)),
    ),
    'georadius': (
        ('RO ACCESS', ('index', 1), ('range', 0, 1, 0)),
        ('OW UPDATE', ('keyword', 'STORE', 6), ('range', 0, 1, 0)),
        ('OW UPDATE', ('keyword', 'STOREDIST', 6), ('range', 0, 1, 0)),
    ),
    'georadius_ro': (
        ('RO ACCESS', ('index', 1), ('range', 0, 1, 0)),
    ),
    'georadiusbymember': (
        ('RO ACCESS', ('index', 1), ('range', 0, 1, 0)),
        ('OW UPDATE', ('keyword', 'STORE', 5), ('range', 0, 1, 0)),
        ('OW UPDATE', ('keyword', 'STOREDIST', 5), ('range', 0, 1, 0)),
    ),
    'georadiusbymember_ro': (
        ('RO ACCESS', ('index', 1), ('range', 0, 1, 0)),
    ),
    'geosearch': (
        ('RO ACCESS', ('index', 1), ('range', 0, 1, 0)),
    ),
    'geosearchstore': (
        ('OW UPDATE', ('index', 1), ('range', 0, 1, 0)),
        ('RO ACCESS', ('index', 2), ('range', 0, 1, 0)),
    ),
    'get': (
        ('RO ACCESS', ('index', 1), ('range', 0, 1, 0)),
    ),
    'getbit': (
        ('RO ACCESS', ('index', 1), ('range', 0, 1, 0)),
    ),
    'getdel': (
        ('RW ACCESS DELETE', ('index', 1), ('range', 0, 1, 0)),
    ),
    'getex': (
        ('RW ACCESS UPDATE', ('index', 1), ('range', 0, 1, 0),
         'RW and UPDATE because it changes the TTL'),
    ),
    'getrange': (
        ('RO ACCESS', ('index', 1), ('range', 0, 1, 0)),
    ),
    'getset': (
        ('RW ACCESS UPDATE', ('index', 1), ('range', 0, 1, 0)),
    ),
    'hdel': (
        ('RW DELETE', ('index', 1), ('range', 0, 1, 0)),
    ),
    'hexists': (
        ('RO', ('index', 1), ('range', 0, 1, 0)),
    ),
    'hget': (
        ('RO ACCESS', ('index', 1), ('range', 0, 1, 0)),
    ),
    'hgetall': (
        ('RO ACCESS', ('index', 1), ('range', 0, 1, 0)),
    ),
    'hincrby': (
        ('RW ACCESS UPDATE', ('index', 1), ('range', 0, 1, 0)),
    ),
    'hincrbyfloat': (
        ('RW ACCESS UPDATE', ('index', 1), ('range', 0, 1, 0)),
    ),
    'hkeys': (
        ('RO ACCESS', ('index', 1), ('range', 0, 1, 0)),
    ),
    'hlen': (
        ('RO', ('index', 1), ('range', 0, 1, 0)),
    ),
    'hmget': (
        ('RO ACCESS', ('index', 1), ('range', 0, 1, 0)),
    ),
    'hmset': (
        ('RW UPDATE', ('index', 1), ('range', 0, 1, 0)),
    ),
    'hrandfield': (
        ('RO ACCESS', ('index', 1), ('range', 0, 1, 0)),
    ),
    'hscan': (
        ('RO ACCESS', ('index', 1), ('range', 0, 1, 0)),
    ),
    'hset': (
        ('RW UPDATE', ('index', 1), ('range', 0, 1, 0)),
    ),
    'hsetnx': (
        ('RW INSERT', ('index', 1), ('range', 0, 1, 0)),
    ),
    'hstrlen': (
        ('RO', ('index', 1), ('range', 0, 1, 0)),
    ),
    'hvals': (
        ('RO ACCESS', ('index', 1), ('range', 0, 1, 0)),
    ),
    'incr': (
        ('RW ACCESS UPDATE', ('index', 1), ('range', 0, 1, 0)),
    ),
    'incrby': (
        ('RW ACCESS UPDATE', ('index', 1), ('range', 0, 1, 0)),
    ),
    'incrbyfloat': (
        ('RW ACCESS UPDATE', ('index', 1), ('range', 0, 1, 0)),
    ),
    'lcs': (
        ('RO ACCESS', ('index', 1), ('range', 1, 1, 0)),
    ),
    'lindex': (
        ('RO ACCESS', ('index', 1), ('range', 0, 1, 0)),
    ),
    'linsert': (
        ('RW INSERT', ('index', 1), ('range', 0, 1, 0)),
    ),
    'llen': (
        ('RO', ('index', 1), ('range', 0, 1, 0)),
    ),
    'lmove': (
        ('RW ACCESS DELETE', ('index', 1), ('range', 0, 1, 0)),
        ('RW INSERT', ('index', 2), ('range', 0, 1, 0)),
    ),
    'lmpop': (
        ('RW ACCESS DELETE', ('index', 1), ('keynum', 0, 1, 1)),
    ),
    'lpop': (
        ('RW ACCESS DELETE', ('index', 1), ('range', 0, 1, 0)),
    ),
    'lpos': (
        ('RO ACCESS', ('index', 1), ('range', 0, 1, 0)),
    ),
    'lpush': (
        ('RW INSERT', ('index', 1), ('range', 0, 1, 0)),
    ),
    'lpushx': (
        ('RW INSERT', ('index', 1), ('range', 0, 1, 0)),
    ),
    'lrange': (
        ('RO ACCESS', ('index', 1), ('range', 0, 1, 0)),
    ),
    'lrem': (
        ('RW DELETE', ('index', 1), ('range', 0, 1, 0)),
    ),
    'lset': (
        ('RW UPDATE', ('index', 1), ('range', 0, 1, 0)),
    ),
    'ltrim': (
        ('RW DELETE', ('index', 1), ('range', 0, 1, 0)),
    ),
    'memory|usage': (
        ('RO', ('index', 2), ('range', 0, 1, 0)),
    ),
    'mget': (
        ('RO ACCESS', ('index', 1), ('range', -1, 1, 0)),
    ),
    'migrate': (
        ('RW ACCESS DELETE', ('index', 3), ('range', 0, 1, 0)),
        ('RW ACCESS DELETE INCOMPLETE', ('keyword', 'KEYS', -2), ('range', -1, 1, 0)),
    ),
    'move': (
        ('RW ACCESS UPDATE', ('index', 1), ('range', 0, 1, 0)),
    ),
    'mset': (
        ('OW UPDATE', ('index', 1), ('range', -1, 2, 0)),
    ),
    'msetnx': (
        ('OW INSERT', ('index', 1), ('range', -1, 2, 0)),
    ),
    'object|encoding': (
        ('RO', ('index', 2), ('range', 0, 1, 0)),
    ),
    'object|freq': (
        ('RO', ('index', 2), ('range', 0, 1, 0)),
    ),
    'object|idletime': (
        ('RO', ('index', 2), ('range', 0, 1, 0)),
    ),
    'object|refcount': (
        ('RO', ('index', 2), ('range', 0, 1, 0)),
    ),
    'persist': (
        ('RW UPDATE', ('index', 1), ('range', 0, 1, 0)),
    ),
    'pexpire': (
        ('RW UPDATE', ('index', 1), ('range', 0, 1, 0)),
    ),
    'pexpireat': (
        ('RW UPDATE', ('index', 1), ('range', 0, 1, 0)),
    ),
    'pexpiretime': (
        ('RO ACCESS', ('index', 1), ('range', 0, 1, 0)),
    ),
    'pfadd': (
        ('RW INSERT', ('index', 1), ('range', 0, 1, 0)),
    ),
    'pfcount': (
        ('RW ACCESS', ('index', 1), ('range', -1, 1, 0),
         'RW because it may change the internal representation of the key, and propagate '
         'to replicas'),
    ),
    'pfdebug': (
        ('RW ACCESS', ('index', 2), ('range', 0, 1, 0)),
    ),
    'pfmerge': (
        ('RW ACCESS INSERT', ('index', 1), ('range', 0, 1, 0)),
        ('RO ACCESS', ('index', 2), ('range', -1, 1, 0)),
    ),
    'psetex': (
        ('OW UPDATE', ('index', 1), ('range', 0, 1, 0)),
    ),
    'pttl': (
        ('RO ACCESS', ('index', 1), ('range', 0, 1, 0)),
    ),
    'rename': (
        ('RW ACCESS DELETE', ('index', 1), ('range', 0, 1, 0)),
        ('OW UPDATE', ('index', 2), ('range', 0, 1, 0)),
    ),
    'renamenx': (
        ('RW ACCESS DELETE', ('index', 1), ('range', 0, 1, 0)),
        ('OW INSERT', ('index', 2), ('range', 0, 1, 0)),
    ),
    'restore': (
        ('OW UPDATE', ('index', 1), ('range', 0, 1, 0)),
    ),
    'restore-asking': (
        ('OW UPDATE', ('index', 1), ('range', 0, 1, 0)),
    ),
    'rpop': (
        ('RW ACCESS DELETE', ('index', 1), ('range', 0, 1, 0)),
    ),
    'rpoplpush': (
        ('RW ACCESS DELETE', ('index', 1), ('range', 0, 1, 0)),
        ('RW INSERT', ('index', 2), ('range', 0, 1, 0)),
    ),
    'rpush': (
        ('RW INSERT', ('index', 1), ('range', 0, 1, 0)),
    ),
    'rpushx': (
        ('RW INSERT', ('index', 1), ('range', 0, 1, 0)),
    ),
    'sadd': (
        ('RW INSERT', ('index', 1), ('range', 0, 1, 0)),
    ),
    'scard': (
        ('RO', ('index', 1), ('range', 0, 1, 0)),
    ),
    'sdiff': (
        ('RO ACCESS', ('index', 1), ('range', -1, 1, 0)),
    ),
    'sdiffstore': (
        ('OW UPDATE', ('index', 1), ('range', 0, 1, 0)),
        ('RO ACCESS', ('index', 2), ('range', -1, 1, 0)),
    ),
    'set': (
        ('RW ACCESS UPDATE VARIABLE_FLAGS', ('index', 1), ('range', 0, 1, 0),
         'RW and ACCESS due to the optional `GET` argument'),
    ),
    'setbit': (
        ('RW ACCESS UPDATE', ('index', 1), ('range', 0, 1, 0)),
    ),
    'setex': (
        ('OW UPDATE', ('index', 1), ('range', 0, 1, 0)),
    ),
    'setnx': (
        ('OW INSERT', ('index', 1), ('range', 0, 1, 0)),
    ),
    'setrange': (
        ('RW UPDATE', ('index', 1), ('range', 0, 1, 0)),
    ),
    'sinter': (
        ('RO ACCESS', ('index', 1), ('range', -1, 1, 0)),
    ),
    'sintercard': (
        ('RO ACCESS', ('index', 1), ('keynum', 0, 1, 1)),
    ),
    'sinterstore': (
        ('RW UPDATE', ('index', 1), ('range', 0, 1, 0)),
        ('RO ACCESS', ('index', 2), ('range', -1, 1, 0)),
    ),
    'sismember': (
        ('RO', ('index', 1), ('range', 0, 1, 0)),
    ),
    'smembers': (
        ('RO ACCESS', ('index', 1), ('range', 0, 1, 0)),
    ),
    'smismember': (
        ('RO ACCESS', ('index', 1), ('range', 0, 1, 0)),
    ),
    'smove': (
        ('RW ACCESS DELETE', ('index', 1), ('range', 0, 1, 0)),
        ('RW INSERT', ('index', 2), ('range', 0, 1, 0)),
    ),
    'sort': (
        ('RO ACCESS', ('index', 1), ('range', 0, 1, 0)),
        ('RO ACCESS', ('unknown',), ('unknown',),
         "For the optional BY/GET keyword. It is marked 'unknown' because the key names "
         'derive from the content of the key we sort'),
        ('OW UPDATE', ('unknown',), ('unknown',),
         "For the optional STORE keyword. It is marked 'unknown' because the keyword can "
         'appear anywhere in the argument array'),
    ),
    'sort_ro': (
        ('RO ACCESS', ('index', 1), ('range', 0, 1, 0)),
        ('RO ACCESS', ('unknown',), ('unknown',),
         "For the optional BY/GET keyword. It is marked 'unknown' because the key names "
         'derive from the content of the key we sort'),
    ),
    'spop': (
        ('RW ACCESS DELETE', ('index', 1), ('range', 0, 1, 0)),
    ),
    'spublish': (
        ('NOT_KEY', ('index', 1), ('range', 0, 1, 0)),
    ),
    'srandmember': (
        ('RO ACCESS', ('index', 1), ('range', 0, 1, 0)),
    ),
    'srem': (
        ('RW DELETE', ('index', 1), ('range', 0, 1, 0)),
    ),
    'sscan': (
        ('RO ACCESS', ('index', 1), ('range', 0, 1, 0)),
    ),
    'ssubscribe': (
        ('NOT_KEY', ('index', 1), ('range', -1, 1, 0)),
    ),
    'strlen': (
        ('RO', ('index', 1), ('range', 0, 1, 0)),
    ),
    'substr': (
        ('RO ACCESS', ('index', 1), ('range', 0, 1, 0)),
    ),
    'sunion': (
        ('RO ACCESS', ('index', 1), ('range', -1, 1, 0)),
    ),
    'sunionstore': (
        ('OW UPDATE', ('index', 1), ('range', 0, 1, 0)),
        ('RO ACCESS', ('index', 2), ('range', -1, 1, 0)),
    ),
    'sunsubscribe': (
        ('NOT_KEY', ('index', 1), ('range', -1, 1, 0)),
    ),
    'touch': (
        ('RO', ('index', 1), ('range', -1, 1, 0)),
    ),
    'ttl': (
        ('RO ACCESS', ('index', 1), ('range', 0, 1, 0)),
    ),
    'type': (
        ('RO', ('index', 1), ('range', 0, 1, 0)),
    ),
    'unlink': (
        ('RM DELETE', ('index', 1), ('range', -1, 1, 0)),
    ),
    'watch': (
        ('RO', ('index', 1), ('range', -1, 1, 0)),
    ),
    'xack': (
        ('RW UPDATE', ('index', 1), ('range', 0, 1, 0)),
    ),
    'xadd': (
        ('RW UPDATE', ('index', 1), ('range', 0, 1, 0),
         'UPDATE instead of INSERT because of the optional trimming feature'),
    ),
    'xautoclaim': (
        ('RW DELETE', ('index', 1), ('range', 0, 1, 0)),
    ),
    'xclaim': (
        ('RW UPDATE', ('index', 1), ('range', 0, 1, 0)),
    ),
    'xdel': (
        ('RW DELETE', ('index', 1), ('range', 0, 1, 0)),
    ),
    'xgroup|create': (
        ('RW INSERT', ('index', 2), ('range', 0, 1, 0)),
    ),
    'xgroup|createconsumer': (
        ('RW INSERT', ('index', 2), ('range', 0, 1, 0)),
    ),
    'xgroup|delconsumer': (
        ('RW DELETE', ('index', 2), ('range', 0, 1, 0)),
    ),
    'xgroup|destroy': (
        ('RW DELETE', ('index', 2), ('range', 0, 1, 0)),
    ),
    'xgroup|setid': (
        ('RW UPDATE', ('index', 2), ('range', 0, 1, 0)),
    ),
    'xinfo|consumers': (
        ('RO ACCESS', ('index', 2), ('range', 0, 1, 0)),
    ),
    'xinfo|groups': (
        ('RO ACCESS', ('index', 2), ('range', 0, 1, 0)),
    ),
    'xinfo|stream': (
        ('RO ACCESS', ('index', 2), ('range', 0, 1, 0)),
    ),
    'xlen': (
        ('RO', ('index', 1), ('range', 0, 1, 0)),
    ),
    'xpending': (
        ('RO ACCESS', ('index', 1), ('range', 0, 1, 0)),
    ),
    'xrange': (
        ('RO ACCESS', ('index', 1), ('range', 0, 1, 0)),
    ),
    'xread': (
        ('RO ACCESS', ('keyword', 'STREAMS', 1), ('range', -1, 1, 2)),
    ),
    'xreadgroup': (
        ('RO ACCESS', ('keyword', 'STREAMS', 4), ('range', -1, 1, 2)),
    ),
    'xrevrange': (
        ('RO ACCESS', ('index', 1), ('range', 0, 1, 0)),
    ),
    'xsetid': (
        ('RW UPDATE', ('index', 1), ('range', 0, 1, 0)),
    ),
    'xtrim': (
        ('RW DELETE', ('index', 1), ('range', 0, 1, 0)),
    ),
    'zadd': (
        ('RW UPDATE', ('index', 1), ('range', 0, 1, 0)),
    ),
    'zcard': (
        ('RO', ('index', 1), ('range', 0, 1, 0)),
    ),
    'zcount': (
        ('RO ACCESS', ('index', 1), ('range', 0, 1, 0)),
    ),
    'zdiff': (
        ('RO ACCESS', ('index', 1), ('keynum', 0, 1, 1)),
    ),
    'zdiffstore': (
        ('OW UPDATE', ('index', 1), ('range', 0, 1, 0)),
        ('RO ACCESS', ('index', 2), ('keynum', 0, 1, 1)),
    ),
    'zincrby': (
        ('RW ACCESS UPDATE', ('index', 1), ('range', 0, 1, 0)),
    ),
    'zinter': (
        ('RO ACCESS', ('index', 1), ('keynum', 0, 1, 1)),
    ),
    'zintercard': (
        ('RO ACCESS', ('index', 1), ('keynum', 0, 1, 1)),
    ),
    'zinterstore': (
        ('OW UPDATE', ('index', 1), ('range', 0, 1, 0)),
        ('RO ACCESS', ('index', 2), ('keynum', 0, 1, 1)),
    ),
    'zlexcount': (
        ('RO ACCESS', ('index', 1), ('range', 0, 1, 0)),
    ),
    'zmpop': (
        ('RW ACCESS DELETE', ('index', 1), ('keynum', 0, 1, 1)),
    ),
    'zmscore': (
        ('RO ACCESS', ('index', 1), ('range', 0, 1, 0)),
    ),
    'zpopmax': (
        ('RW ACCESS DELETE', ('index', 1), ('range', 0, 1, 0)),
    ),
    'zpopmin': (
        ('RW ACCESS DELETE', ('index', 1), ('range', 0, 1, 0)),
    ),
    'zrandmember': (
        ('RO ACCESS', ('index', 1), ('range', 0, 1, 0)),
    ),
    'zrange': (
        ('RO ACCESS', ('index', 1), ('range', 0, 1, 0)),
    ),
    'zrangebylex': (
        ('RO ACCESS', ('index', 1), ('range', 0, 1, 0)),
    ),
    'zrangebyscore': (
        ('RO ACCESS', ('index', 1), ('range', 0, 1, 0)),
    ),
    'zrangestore': (
        ('OW UPDATE', ('index', 1), ('range', 0, 1, 0)),
        ('RO ACCESS', ('index', 2), ('range', 0, 1, 0)),
    ),
    'zrank': (
        ('RO ACCESS', ('index', 1), ('range', 0, 1, 0)),
    ),
    'zrem': (
        ('RW DELETE', ('index', 1), ('range', 0, 1, 0)),
    ),
    'zremrangebylex': (
        ('RW DELETE', ('index', 1), ('range', 0, 1, 0)),
    ),
    'zremrangebyrank': (
        ('RW DELETE', ('index', 1), ('range', 0, 1, 0)),
    ),
    'zremrangebyscore': (
        ('RW DELETE', ('index', 1), ('range', 0, 1, 0)),
    ),
    'zrevrange': (
        ('RO ACCESS', ('index', 1), ('range', 0, 1, 0)),
    ),
    'zrevrangebylex': (
        ('RO ACCESS', ('index', 1), ('range', 0, 1, 0)),
    ),
    'zrevrangebyscore': (
        ('RO ACCESS', ('index', 1), ('range', 0, 1, 0)),
    ),
    'zrevrank': (
        ('RO ACCESS', ('index', 1), ('range', 0, 1, 0)),
    ),
    'zscan': (
        ('RO ACCESS', ('index', 1), ('range', 0, 1, 0)),
    ),
    'zscore': (
        ('RO ACCESS', ('index', 1), ('range', 0, 1, 0)),
    ),
    'zunion': (
        ('RO ACCESS', ('index', 1), ('keynum', 0, 1, 1)),
    ),
    'zunionstore': (
        ('OW UPDATE', ('index', 1), ('range', 0, 1, 0)),
        ('RO ACCESS', ('index', 2), ('keynum', 0, 1, 1)),
    ),
}

# Commands with their own key finder (Redis's get_keys_function), used when the specs
# cannot tell (INCOMPLETE, VARIABLE_FLAGS, unknown) or fail on the arguments.
GETKEYS_PROCS = {
    'bitfield': 'bitfieldGetKeys',
    'blmpop': 'blmpopGetKeys',
    'bzmpop': 'blmpopGetKeys',
    'eval': 'evalGetKeys',
    'eval_ro': 'evalGetKeys',
    'evalsha': 'evalGetKeys',
    'evalsha_ro': 'evalGetKeys',
    'fcall': 'functionGetKeys',
    'fcall_ro': 'functionGetKeys',
    'georadius': 'georadiusGetKeys',
    'georadiusbymember': 'georadiusGetKeys',
    'lmpop': 'lmpopGetKeys',
    'migrate': 'migrateGetKeys',
    'set': 'setGetKeys',
    'sintercard': 'sintercardGetKeys',
    'sort': 'sortGetKeys',
    'sort_ro': 'sortROGetKeys',
    'xread': 'xreadGetKeys',
    'xreadgroup': 'xreadGetKeys',
    'zdiff': 'zunionInterDiffGetKeys',
    'zdiffstore': 'zunionInterDiffStoreGetKeys',
    'zinter': 'zunionInterDiffGetKeys',
    'zintercard': 'zunionInterDiffGetKeys',
    'zinterstore': 'zunionInterDiffStoreGetKeys',
    'zmpop': 'zmpopGetKeys',
    'zunion': 'zunionInterDiffGetKeys',
    'zunionstore': 'zunionInterDiffStoreGetKeys',
}
