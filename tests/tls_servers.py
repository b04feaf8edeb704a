"""Mail servers on loopback that speak only TLS, with certificates made at test time.

``tls_certs``: an internal root CA (as a 政务外网 information centre runs) and a server
certificate it signed for 127.0.0.1/localhost, written as PEM (and the CA also as DER, as a
Windows export gives it); a second, unrelated CA for "wrong root" tests.
``tls_dovecot``: Dovecot with ``ssl = required`` (STARTTLS on one port, implicit TLS on another;
no login in plain text).  ``tls_smtp``: aiosmtpd with STARTTLS required before AUTH, or with
implicit TLS.
"""

from __future__ import annotations

import datetime
import imaplib
import ipaddress
import itertools
import shutil
import ssl
import tempfile
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from mail_servers import PASSWORD, Smtp, _Handler, free_port, running_dovecot

HOST = "127.0.0.1"


@dataclass(frozen=True)
class Certs:
    """Paths of the test PKI."""

    folder: Path
    ca: Path  # PEM root the servers' certificate chains to
    ca_der: Path  # the same root as DER (.cer)
    other_ca: Path  # an unrelated root
    cert: Path  # server certificate (PEM)
    key: Path  # server key (PEM)

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        return context


def _make_ca(name: str):  # type: ignore[no-untyped-def]
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                     content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False,
                                     encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def _make_server_cert(ca_key, ca_cert):  # type: ignore[no-untyped-def]
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mail.county.test")]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([
            x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(HOST))]),
            critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski),
                       critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return key, cert


@pytest.fixture(scope="session")
def tls_certs() -> Iterator[Certs]:
    pytest.importorskip("cryptography", reason="cryptography 未安装：TLS 测试跳过")
    from cryptography.hazmat.primitives import serialization

    folder = Path(tempfile.mkdtemp(prefix="xl2r-tls-"))
    folder.chmod(0o755)
    ca_key, ca_cert = _make_ca("县信息中心内部根证书（测试）")
    _other_key, other_cert = _make_ca("别处的根证书（测试）")
    key, cert = _make_server_cert(ca_key, ca_cert)
    pem = serialization.Encoding.PEM
    paths = Certs(folder, folder / "ca.pem", folder / "ca.cer", folder / "other-ca.pem",
                  folder / "server.pem", folder / "server.key")  # fmt: skip
    paths.ca.write_bytes(ca_cert.public_bytes(pem))
    paths.ca_der.write_bytes(ca_cert.public_bytes(serialization.Encoding.DER))
    paths.other_ca.write_bytes(other_cert.public_bytes(pem))
    paths.cert.write_bytes(cert.public_bytes(pem))
    paths.key.write_bytes(key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                            serialization.NoEncryption()))  # fmt: skip
    try:
        yield paths
    finally:
        shutil.rmtree(folder, ignore_errors=True)


USERS = 10


@dataclass
class TlsDovecot:
    """Dovecot that refuses plain text: ``port`` (STARTTLS) and ``ssl_port`` (implicit TLS)."""

    folder: Path
    port: int
    ssl_port: int
    _counter: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def new_user(self) -> str:
        """A mailbox of its own for one test."""
        n = next(self._counter)
        assert n <= USERS, "raise USERS"
        return f"tls{n}@county.test"

    def append(self, user: str, raw: bytes, ca: Path) -> None:
        """Put a message into the mailbox over implicit TLS (trusting ``ca``)."""
        context = ssl.create_default_context(cafile=str(ca))
        client = imaplib.IMAP4_SSL(HOST, self.ssl_port, ssl_context=context, timeout=10)
        try:
            client.login(user, PASSWORD)
            typ, data = client.append("INBOX", None, None, raw)
            assert typ == "OK", data
        finally:
            client.logout()

    def log(self) -> str:
        path = self.folder / "dovecot.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""


@pytest.fixture(scope="module")
def tls_dovecot(tls_certs: Certs) -> Iterator[TlsDovecot]:
    port, ssl_port = free_port(), free_port()
    tls = (f"ssl = required\nssl_cert = <{tls_certs.cert}\nssl_key = <{tls_certs.key}\n"
           "disable_plaintext_auth = yes")  # fmt: skip
    imaps = f"    address = {HOST}\n    port = {ssl_port}\n    ssl = yes"
    users = [f"tls{n}@county.test" for n in range(1, USERS + 1)]
    with running_dovecot(users, port, tls, imaps, (ssl_port,)) as folder:
        yield TlsDovecot(folder, port, ssl_port)


@pytest.fixture
def tls_smtp(tls_certs: Certs) -> Iterator[Callable[[str], Smtp]]:
    """``tls_smtp("starttls")`` / ``tls_smtp("ssl")``: a running aiosmtpd of that kind."""
    pytest.importorskip("aiosmtpd", reason="aiosmtpd 未安装（pip install aiosmtpd）")
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    started: list[Controller] = []

    def start(kind: str) -> Smtp:
        box = Smtp(port=free_port(), user="office@county.test")

        def authenticator(server, session, envelope, mechanism, auth_data):  # type: ignore[no-untyped-def]
            ok = (isinstance(auth_data, LoginPassword) and auth_data.login.decode() == box.user
                  and auth_data.password.decode() == PASSWORD)  # fmt: skip
            tls = server.transport.get_extra_info("ssl_object") is not None
            box.logins.append(f"{'ok' if ok else 'refused'} tls={tls}")
            return AuthResult(success=ok, handled=False)

        context = tls_certs.server_context()
        # aiosmtpd offers AUTH "after TLS" only after STARTTLS; with implicit TLS the whole
        # connection is encrypted before the greeting, so AUTH is fine from the start.
        tls = {"tls_context": context, "require_starttls": True} if kind == "starttls" else {
            "ssl_context": context}  # fmt: skip
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            controller = Controller(_Handler(box), hostname=HOST, port=box.port,
                                    authenticator=authenticator, auth_required=True,
                                    auth_require_tls=kind == "starttls", **tls)  # fmt: skip
            controller.start()
        started.append(controller)
        return box

    try:
        yield start
    finally:
        for controller in started:
            controller.stop()
