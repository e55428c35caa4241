"""SASL PLAIN for the binary protocol against a password file (``memcached-sasl-pwdb``).

The file has memcached's MEMCACHED_SASL_PWDB format: one ``user:password`` per line (more
``:``-separated fields may follow and are ignored). It is read at each authentication, so
edits apply without a restart, as memcached does. With no password file, the credentials
are those of the engine's ACL users (an enabled user with a password; ``nopass`` users do
not count, so SASL never lets anyone in without a password).
"""

from typing import Optional

__all__ = ["MECHANISMS", "check_plain", "check_plain_acl", "plain_credentials"]

MECHANISMS = b"PLAIN"


def plain_credentials(data: bytes) -> Optional[tuple]:
    """RFC 4616 ``[authzid] NUL authcid NUL passwd`` -> (user, password), or None."""
    parts = data.split(b"\x00")
    if len(parts) != 3:
        return None
    authzid, user, password = parts
    if not user or (authzid and authzid != user):
        return None
    return user, password


def check_plain(pwdb: str, data: bytes) -> bool:
    """True when the PLAIN message names a user of the password file with its password."""
    creds = plain_credentials(data)
    if creds is None or not pwdb:
        return False
    user, password = creds
    try:
        with open(pwdb, "rb") as f:
            lines = f.read().splitlines()
    except OSError:
        return False
    for line in lines:
        name, sep, rest = line.partition(b":")
        if sep and name == user:
            return rest.split(b":", 1)[0] == password
    return False


def check_plain_acl(acl, data: bytes) -> bool:
    """True when the PLAIN message names an enabled ACL user with one of its passwords."""
    creds = plain_credentials(data)
    if creds is None:
        return False
    user, password = creds
    u = acl.users.get(user)
    return u is not None and not u.nopass and u.check_password(password)
