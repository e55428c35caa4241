"""CLUSTER, ASKING, READONLY, READWRITE as redis-server 7.0 with cluster-enabled no answers
them (Strata has no cluster mode): arity and subcommand errors first, then "cluster support
disabled"; from scripts and MULTI too; ACL rules may name them."""

import pytest


@pytest.mark.parametrize("args", [
    ("CLUSTER", "INFO"), ("CLUSTER", "HELP"), ("CLUSTER", "KEYSLOT", "a"), ("CLUSTER",),
    ("CLUSTER", "KEYSLOT"), ("CLUSTER", "nosuch"), ("CLUSTER", "SETSLOT", "1", "NODE", "x"),
    ("CLUSTER", "RESET", "HARD"), ("cluster", "slots"), ("ASKING",), ("ASKING", "x"),
    ("READONLY",), ("READWRITE",), ("readwrite", "x"),
])
def test_cluster_disabled(diff, args):
    diff.check(*args)


def test_cluster_in_scripts_multi_and_acl(diff):
    diff.check("EVAL", "return redis.pcall('cluster', 'info')", 0)
    diff.check("EVAL", "return redis.pcall('readonly')", 0)
    diff.check("MULTI")
    diff.check("CLUSTER", "INFO")
    diff.check("ASKING")
    diff.check("EXEC")
    diff.check("ACL", "SETUSER", "compat-u", "on", "nopass", "+cluster", "+asking", "-readonly",
               "+@all", "-cluster|info")
    diff.check("ACL", "GETUSER", "compat-u")
    diff.check("ACL", "DELUSER", "compat-u")
