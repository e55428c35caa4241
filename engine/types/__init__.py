"""Value types Python lacks, stored in the keyspace (see docs/CONTRIBUTING.md)."""
