def test_ping_set_get(diff):
    diff.check("PING")
    diff.check("SET", "k", "v")
    diff.check("GET", "k")
    diff.check("GET", "missing")
    diff.check("INCR", "n")
    diff.check("SET", "k", "v", "EX", "0")
    diff.check("NOSUCH", "a", "b")
