"""Fixtures of the security tests: a Strata / redis-server pair of this module's own (users
and passwords must not leak into other tests), a connection pair that speaks as a given
user, reply normalisers, and certificates made for the TLS tests."""

import os
import re
import shutil
import subprocess
from typing import Any, Callable, List, Optional

import hiredis
import pytest

from tests.support.raw import ConnectionClosed, RawClient
from tests.support.servers import IN_CI, ServerProcess, start_redis, start_strata


def decode(reply: bytes) -> Any:
    """A raw reply as Python values (errors stay raw bytes)."""
    if reply.startswith(b"-"):
        return reply
    reader = hiredis.Reader()
    reader.feed(reply)
    return reader.gets()


class Conn:
    """One connection to each server of a pair, used in lockstep."""

    def __init__(self, strata: ServerProcess, oracle: ServerProcess, resp: int = 2,
                 user: Optional[str] = None, password: Optional[str] = None) -> None:
        self.s = RawClient(strata.host, strata.port)
        self.o = RawClient(oracle.host, oracle.port)
        if user is not None:
            self.check("AUTH", user, password if password is not None else "")
        if resp == 3:
            self.check("HELLO", "3", normalize=lambda r: b"hello")

    def both(self, *args: Any) -> List[bytes]:
        return [self.s.call(*args), self.o.call(*args)]

    def check(self, *args: Any, normalize: Optional[Callable[[bytes], Any]] = None) -> Any:
        got, want = self.both(*args)
        if normalize is not None:
            got, want = normalize(got), normalize(want)
        assert got == want, "%r\n strata: %r\n redis:  %r" % (args, got, want)
        return want

    def send(self, *args: Any) -> None:
        from tests.support.raw import encode_command
        data = encode_command(args)
        self.s.send(data)
        self.o.send(data)

    def send_raw(self, data: bytes) -> None:
        self.s.send(data)
        self.o.send(data)

    def read(self) -> List[bytes]:
        return [self.s.read_reply(), self.o.read_reply()]

    def closed(self, timeout: float = 2.0) -> List[bool]:
        """Whether each server closed the connection (waiting up to ``timeout``)."""
        return [self.s.is_closed(timeout), self.o.is_closed(timeout)]

    def close(self) -> None:
        self.s.close()
        self.o.close()


class Pair:
    """A Strata server and a redis-server started with the same extra options."""

    def __init__(self, impl: str, extra: Optional[List[str]] = None) -> None:
        self.impl = impl
        self.extra = list(extra or [])
        self.strata = start_strata(impl, extra=self.extra)
        try:
            self.oracle = start_redis(extra=self.extra)
        except BaseException:
            self.strata.stop()
            raise
        self.conns: List[Conn] = []
        self.dirty = False

    def conn(self, resp: int = 2, user: Optional[str] = None,
             password: Optional[str] = None) -> Conn:
        c = Conn(self.strata, self.oracle, resp, user, password)
        self.conns.append(c)
        return c

    def close_conns(self) -> None:
        for c in self.conns:
            c.close()
        self.conns = []

    def stop(self) -> None:
        self.close_conns()
        self.strata.stop()
        self.oracle.stop()

    def reset(self, admin: Conn) -> None:
        """Back to a fresh server's security state (through a connection that was
        authenticated as the default user before the test changed anything)."""
        replies = []
        for cmd in (("CONFIG", "SET", "requirepass", ""),
                    ("ACL", "SETUSER", "default", "on", "nopass", "~*", "&*", "+@all",
                     "clearselectors"),
                    ("CONFIG", "SET", "acl-pubsub-default", "resetchannels"),
                    ("CONFIG", "SET", "protected-mode", "yes"),
                    ("ACL", "LOG", "RESET"), ("FLUSHALL",)):
            replies += admin.both(*cmd)
        for side, client in (("s", admin.s), ("o", admin.o)):
            users = decode(client.call("ACL", "USERS"))
            if isinstance(users, list):
                others = [u for u in users if u != b"default"]
                if others:
                    replies.append(client.call("ACL", "DELUSER", *others))
        if any(r.startswith(b"-") for r in replies):
            self.dirty = True


def start_pair(impl: str, extra: Optional[List[str]] = None) -> Pair:
    return Pair(impl, extra)


@pytest.fixture(scope="module")
def servers(strata_impl):
    holder = {"pair": start_pair(strata_impl)}
    yield holder
    holder["pair"].stop()


@pytest.fixture
def pair(servers, strata_impl):
    """The module's pair, with its users, passwords and ACL LOG reset after each test (a
    pair left in a state that cannot be reset is replaced)."""
    p = servers["pair"]
    if p.dirty:
        p.stop()
        p = servers["pair"] = start_pair(strata_impl)
    admin = Conn(p.strata, p.oracle)
    try:
        yield p
    finally:
        p.close_conns()
        try:
            p.reset(admin)
        except (OSError, ConnectionClosed, AssertionError):
            p.dirty = True
        admin.close()


# ------------------------------------------------------------------ normalisers
_CATEGORY = re.compile(rb"^[+-]@")


def _ours(token: bytes) -> bool:
    from engine.acl import lookup_command
    return lookup_command(token[1:].split(b"|")[0]) is not None


def norm_rules(text: bytes) -> bytes:
    """ACL rules with the single-command rules sorted: Redis emits them in its command
    dict's order, which is random per process (categories keep their order). Rules naming
    Redis commands this build does not have (ROLE, EVAL ...) are left out."""
    groups = re.split(rb"( \(|\))", text)
    out = []
    for g in groups:
        tokens = g.split(b" ")
        head = [t for t in tokens if not (t[:1] in (b"+", b"-") and not _CATEGORY.match(t))]
        singles = sorted(t for t in tokens if t[:1] in (b"+", b"-") and not _CATEGORY.match(t)
                         and _ours(t))
        out.append(b" ".join(head + singles))
    return b"".join(out)


def norm_reply_rules(reply: bytes) -> Any:
    """ACL LIST / GETUSER replies with every rules string normalised."""
    def walk(v: Any) -> Any:
        if isinstance(v, list):
            return [walk(x) for x in v]
        if isinstance(v, bytes):
            return norm_rules(v)
        return v
    return walk(decode(reply))


_INFO_KEEP = ("name", "flags", "db", "sub", "psub", "ssub", "multi", "cmd", "user", "resp")


def norm_client_info(info: bytes) -> bytes:
    fields = dict(f.split(b"=", 1) for f in info.split(b" ") if b"=" in f)
    return b" ".join(k.encode() + b"=" + fields.get(k.encode(), b"?") for k in _INFO_KEEP)


def norm_log(reply: bytes) -> Any:
    """ACL LOG with the age and the connection-specific client-info fields blanked."""
    v = decode(reply)
    if not isinstance(v, list):
        return v
    out = []
    for entry in v:
        d = dict(entry) if isinstance(entry, dict) else dict(zip(entry[::2], entry[1::2]))
        d[b"age-seconds"] = b"0"
        d[b"client-info"] = norm_client_info(d[b"client-info"])
        out.append(d)
    return out


# ------------------------------------------------------------------ certificates
def _openssl(*args: str, cwd: str) -> None:
    subprocess.run(["openssl"] + list(args), cwd=cwd, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


@pytest.fixture(scope="session")
def certs(tmp_path_factory):
    """A CA, a server certificate for localhost/127.0.0.1, and a client certificate, made
    with the openssl command line (or the cryptography package when it is missing)."""
    d = str(tmp_path_factory.mktemp("certs"))
    if shutil.which("openssl"):
        ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]
        _openssl("req", "-x509", *ec, "-nodes", "-keyout", "ca.key",
                 "-out", "ca.crt", "-days", "2", "-subj", "/CN=Strata Test CA", cwd=d)
        with open(os.path.join(d, "san.ext"), "w") as f:
            f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
        for name, cn in (("server", "localhost"), ("client", "client")):
            _openssl("req", *ec, "-nodes", "-keyout", name + ".key", "-out",
                     name + ".csr", "-subj", "/CN=" + cn, cwd=d)
            _openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key",
                     "-CAcreateserial", "-out", name + ".crt", "-days", "2", "-extfile",
                     "san.ext", cwd=d)
        _openssl("pkey", "-aes256", "-in", "server.key", "-out", "server-enc.key", "-passout",
                 "pass:sekrit", cwd=d)
    else:
        _make_certs_with_cryptography(d)
    return {name: os.path.join(d, name) for name in (
        "ca.crt", "ca.key", "server.crt", "server.key", "server-enc.key", "client.crt",
        "client.key")}


def _make_certs_with_cryptography(d: str) -> None:
    try:
        import datetime
        import ipaddress

        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import rsa
        from cryptography.x509.oid import NameOID
    except ImportError:
        if IN_CI:
            pytest.fail("neither openssl nor cryptography to make test certificates")
        pytest.skip("neither openssl nor cryptography to make test certificates")
    now = datetime.datetime.now(datetime.timezone.utc)

    def key():
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def save_key(k, name, password=None):
        enc = (serialization.BestAvailableEncryption(password) if password
               else serialization.NoEncryption())
        with open(os.path.join(d, name), "wb") as f:
            f.write(k.private_bytes(serialization.Encoding.PEM,
                                    serialization.PrivateFormat.TraditionalOpenSSL, enc))

    ca_key = key()
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Strata Test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(1)
          .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=2))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    with open(os.path.join(d, "ca.crt"), "wb") as f:
        f.write(ca.public_bytes(serialization.Encoding.PEM))
    save_key(ca_key, "ca.key")
    for n, (name, cn) in enumerate((("server", "localhost"), ("client", "client")), 2):
        k = key()
        cert = (x509.CertificateBuilder()
                .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
                .issuer_name(ca_name).public_key(k.public_key()).serial_number(n)
                .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=2))
                .add_extension(x509.SubjectAlternativeName([
                    x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                    critical=False)
                .sign(ca_key, hashes.SHA256()))
        with open(os.path.join(d, name + ".crt"), "wb") as f:
            f.write(cert.public_bytes(serialization.Encoding.PEM))
        save_key(k, name + ".key")
        if name == "server":
            save_key(k, "server-enc.key", b"sekrit")
