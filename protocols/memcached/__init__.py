"""memcached protocol codecs: text (text.py), meta (meta.py) and binary (binary.py).

Pure codecs: bytes in, framed requests out (the framing itself is native/memcache.py);
results in, reply bytes out. They know nothing of the keyspace (engine/memcached acts).
"""

VERSION = b"1.6.18"   # the memcached release whose protocol behaviour we match
