"""Text protocol, byte for byte against a real memcached 1.6.18 (errors included)."""

import pytest

K250 = b"k" * 250
K251 = b"k" * 251

CASES = [
    # storage
    b"set a 0 0 1\r\nx\r\nget a\r\n",
    b"set a 5 0 3\r\nabc\r\ngets a\r\n",
    b"set a 0 0 1 noreply\r\nx\r\nget a\r\n",
    b"set a 0 0 1\r\nab\r\n",                      # bad data chunk, then "\n" is a command
    b"set a 0 0 abc\r\nvalue\r\n",                 # bad line: the data is a command
    b"set a -1 0 1\r\nx\r\n",
    b"set a 4294967296 0 1\r\nx\r\ngets a\r\n",    # flags wrap to 32 bits
    b"set a +5 0 1\r\nx\r\nget a\r\n",
    b"set a -0 0 1\r\nx\r\nget a\r\n",
    b"set a 0x1 0 1\r\nx\r\n",
    b"set a 1\t 0 1\r\nx\r\nget a\r\n",
    b"set a 0 0 4294967297\r\nx\r\nget a\r\n",     # length wraps to 1
    b"set a 0 0 2147483646\r\n",
    b"set a 0 0 -1\r\n",
    b"set a 0 0\r\n",
    b"set a 0 0 1 2 3\r\nx\r\n",
    b"set a 0 0 1 zz\r\nx\r\n",
    b"set a 0 0 1 noreply\r\nxy\r\nget a\r\n",
    b"set a 0 0 z noreply\r\nx\r\n",
    b"set " + K250 + b" 0 0 1\r\nx\r\nget " + K250 + b"\r\n",
    b"set " + K251 + b" 0 0 1\r\nx\r\n",
    b"set a 0 -1 1\r\nx\r\nget a\r\n",              # negative exptime: already expired
    b"set a 0 -9999999999 1\r\nx\r\nget a\r\n",
    b"set a 0 4294967297 1\r\nx\r\nget a\r\n",
    b"set a 0 100 1\r\nx\r\nget a\r\n",
    b"set a 0 1000000000 1\r\nx\r\nget a\r\n",      # absolute time in the past
    b"set a 0 4000000000 1\r\nx\r\nget a\r\n",      # absolute time in the future
    b"add a 0 0 1\r\nx\r\nadd a 0 0 1\r\ny\r\nget a\r\n",
    b"add a 0 0 1 noreply\r\nx\r\nadd a 0 0 1 noreply\r\ny\r\nget a\r\n",
    b"replace a 0 0 1\r\nx\r\nset a 0 0 1\r\nx\r\nreplace a 7 0 1\r\ny\r\ngets a\r\n",
    b"append a 0 0 1\r\nx\r\nprepend a 0 0 1\r\nx\r\n",
    b"set a 3 0 1\r\nx\r\nappend a 5 0 2\r\nyz\r\nprepend a 9 0 1\r\nw\r\ngets a\r\n",
    b"set a 0 0 1\r\nx\r\ngets a\r\ncas a 0 0 1 {cas}\r\ny\r\ncas a 0 0 1 {cas}\r\nz\r\n",
    b"cas a 0 0 1 1\r\nx\r\n",
    b"set a 0 0 1\r\nx\r\ncas a 0 0 1 0\r\ny\r\n",
    b"cas a 0 0 1\r\nx\r\n",
    b"cas a 0 0 1 x\r\nx\r\n",
    b"cas a 0 0 1 1 noreply\r\nx\r\n",
    b"set a 0 0 0\r\n\r\nget a\r\n",
    b"set a 0 0 3\r\na\r\n\r\nget a\r\n",
    b"set a 0 0 1\nx\r\nget a\r\n",
    # retrieval
    b"get\r\n", b"gets\r\n", b"get a b c\r\n",
    b"set a 0 0 1\r\n1\r\nget a zz a\r\n",
    b"set a 0 0 1\r\n1\r\nget a " + K251 + b" a\r\n",
    b"get a\x00b\r\n",
    b"set a 0 0 1\r\n1\r\nget  a   a \r\n",
    b"set a 0 0 1\r\n1\r\n get a\r\n",
    b"GET a\r\n",
    b"get a\tb\r\n",
    b"set a 0 0 1\r\n1\r\nbget a\r\n",
    b"set k3 0 0 1\r\n3\r\nset k30 0 0 2\r\n30\r\nget " + b" ".join(b"k%d" % i for i in range(40))
    + b"\r\n",
    b"get " + b" ".join(b"k%d" % i for i in range(40)) + b" " + K251 + b"\r\n",
    b"set a 0 0 1\r\nx\r\ngat 100 a zz\r\ngats 0 a\r\n",
    b"gat\r\n", b"gat 10\r\n", b"gat x a\r\n",
    b"set a 0 0 1\r\nx\r\ngat -1 a\r\nget a\r\n",
    # arithmetic
    b"set n 0 0 2\r\n10\r\ndecr n 1\r\nget n\r\nincr n 95\r\nget n\r\n",
    b"incr n 1\r\n", b"incr\r\n", b"incr n\r\n", b"incr n 1 2 3\r\n", b"decr n\r\n",
    b"set n 0 0 1\r\n5\r\nincr n -1\r\n",
    b"set n 0 0 1\r\n5\r\nincr n x noreply\r\nincr n 1 noreply\r\nget n\r\n",
    b"set n 0 0 20\r\n18446744073709551615\r\nincr n 1\r\nget n\r\n",
    b"set n 0 0 1\r\n5\r\nincr n 18446744073709551615\r\n",
    b"set n 0 0 2\r\n-1\r\nincr n 1\r\n",
    b"set n 0 0 3\r\n 12\r\nincr n 1\r\nget n\r\n",
    b"set n 0 0 0\r\n\r\nincr n 1\r\n",
    b"set n 0 0 21\r\n123456789012345678901\r\nincr n 1\r\n",
    b"set n 0 0 1\r\n1\r\nincr n 18446744073709551616\r\n",
    b"set n 0 0 1\r\n1\r\nincr n -18446744073709551615\r\n",
    b"set n 0 0 1\r\n9\r\nincr n 1\r\nget n\r\n",
    b"set n 0 0 3\r\n1 2\r\nincr n 1\r\nget n\r\n",
    b"set n 0 0 1\r\n5\r\ndecr n 10\r\nget n\r\n",
    b"set n 0 0 2\r\nab\r\nincr n 1\r\ndecr n 1\r\n",
    b"set n 0 0 1\r\n5\r\ngets n\r\nincr n 1\r\ngets n\r\n",
    # delete / touch
    b"delete a\r\nset a 0 0 1\r\nx\r\ndelete a\r\ndelete a\r\n",
    b"delete a 0\r\n", b"delete a 1\r\n", b"delete a noreply\r\n", b"delete a 0 noreply\r\n",
    b"delete a b c\r\n", b"delete\r\n", b"delete " + K251 + b"\r\n",
    b"touch a\r\n", b"touch a x\r\n", b"touch a 10\r\n",
    b"set a 0 0 1\r\nx\r\ntouch a 10 noreply\r\ntouch a 10\r\ntouch a -1\r\nget a\r\n",
    # misc
    b"version\r\n", b"version x\r\n", b"verbosity\r\n", b"verbosity 1\r\n",
    b"verbosity x\r\n", b"verbosity 1 noreply\r\n", b"verbosity noreply\r\n",
    b"flush_all x\r\n", b"flush_all 0 noreply\r\n", b"flush_all noreply\r\n",
    b"flush_all 1 2 3\r\n", b"set a 0 0 1\r\nx\r\nflush_all\r\nget a\r\n",
    b"x\r\n", b"\r\n", b"\n", b"mx\r\n", b"ms\r\n", b"md\r\n", b"ma\r\n", b"mg\r\n",
    b"sets a\r\n", b"ge a\r\n", b"lru\r\n", b"stats nosuch\r\n", b"stats detail\r\n",
    b"stats reset\r\n", b"shutdown\r\n", b"config get cluster x\r\n",
    b"stats cachedump 1\r\n", b"stats cachedump x 1\r\n", b"stats cachedump 99 1\r\n",
    b"stats detail on\r\nstats detail off\r\n",
    b"slabs\r\n", b"slabs automove 1\r\n", b"slabs automove 9\r\n",
    b"cache_memlimit\r\n", b"cache_memlimit x\r\n", b"cache_memlimit 1\r\n",
    b"cache_memlimit 4000000000\r\n",
]


@pytest.mark.parametrize("req", CASES, ids=lambda r: repr(r[:40]))
def test_text_matches_memcached(mcdiff, req):
    mcdiff.text(req)


CLOSE_CASES = [
    b"quit\r\n",
    b"quit extra\r\n",
    b"version\r\nquit\r\nversion\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
    b"version\r\nGET / HTTP/1.1\r\n",
    b"set a 0 0 1\r\nx\r\nget a\r\nxx HTTP/1.0\r\n",
    b"x" * 3000,
    b"set a 0 0 1\r\nx\r\nget a\r\n" + b"x" * 3000,
    b"mn\r\nversion\r\n" + b"x" * 3000,
    b" " * 101 + b"get " + b"a" * 3000,
    b"set a 0 0 1 " + b"a" * 3000,
]


@pytest.mark.parametrize("req", CLOSE_CASES, ids=lambda r: repr(r[:40]))
def test_text_close_matches_memcached(mcdiff, req):
    mcdiff.text(req, sentinel=False)


def test_long_multiget_line_is_read(mcdiff):
    keys = b" ".join(b"key%d" % i for i in range(600))
    mcdiff.text(b"set key7 0 0 1\r\n7\r\nget " + keys + b"\r\n")


def test_too_large_value_is_swallowed(mcdiff):
    big = b"y" * 1100000
    mcdiff.text(b"set big 0 0 1\r\nx\r\nset big 0 0 %d\r\n%s\r\nget big\r\n" % (len(big), big))
    mcdiff.text(b"set big 0 0 1\r\nx\r\nadd big 0 0 %d\r\n%s\r\nget big\r\n" % (len(big), big))
    mcdiff.text(b"set big 0 0 1\r\nx\r\nappend big 0 0 %d noreply\r\n%s\r\nget big\r\n"
                % (len(big), big))


@pytest.mark.parametrize("n,flags", [(1048515, 0), (1048516, 0), (1048517, 0),
                                     (1048512, 1), (1048513, 1)])
def test_item_size_limit_boundary(mcdiff, n, flags):
    mcdiff.text(b"set a %d 0 %d\r\n%s\r\nget zz\r\n" % (flags, n, b"x" * n))


def test_append_beyond_item_size(mcdiff):
    n = 1048500
    mcdiff.text(b"set a 0 0 %d\r\n%s\r\nappend a 0 0 100\r\n%s\r\nget zz\r\n"
                % (n, b"x" * n, b"y" * 100))


def test_stats_shape(mc_port):
    from .mcdiff import exchange
    out, _ = exchange(mc_port, b"stats\r\n", expect=b"END\r\n")
    names = [line.split(b" ")[1] for line in out.split(b"\r\n") if line]
    for required in (b"pid", b"uptime", b"version", b"curr_connections", b"cmd_get",
                     b"cmd_set", b"get_hits", b"get_misses", b"curr_items", b"bytes",
                     b"total_items", b"evictions", b"limit_maxbytes", b"threads"):
        assert required in names
    for group in (b"settings", b"items", b"slabs", b"sizes", b"conns"):
        out, _ = exchange(mc_port, b"set a 0 0 1\r\nx\r\nstats " + group + b"\r\n",
                          expect=b"END\r\n")
        assert all(line.startswith(b"STAT ") for line in out.split(b"\r\n")[1:] if line)
