"""Throw-away X.509 material for the local test servers.

A private CA signs one server certificate valid for 127.0.0.1, ::1 and localhost, so clients can
verify the servers properly (hostname *and* chain) instead of switching verification off. A second,
unrelated self-signed certificate lets tests prove that a client refuses a server it must not trust.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import ssl
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

# Names every local server is reachable under; tests only ever use 127.0.0.1.
SERVER_IPS = ("127.0.0.1", "::1")
SERVER_DNS_NAMES = ("localhost",)


@dataclass(frozen=True)
class TlsMaterial:
    """Paths of the generated PEM files (all inside ``directory``)."""

    directory: Path
    ca_cert: Path  # ca.pem: the only thing clients need to trust
    server_cert: Path  # server.pem: leaf certificate, signed by the CA
    server_key: Path  # server.key: unencrypted PKCS#8 key of the leaf
    untrusted_cert: Path  # untrusted.pem: self-signed, same names, NOT signed by the CA
    untrusted_key: Path  # untrusted.key

    def client_context(self) -> ssl.SSLContext:
        """A client context that trusts only the throw-away CA (hostname checking stays on)."""
        return ssl.create_default_context(cafile=str(self.ca_cert))

    def server_context(self, *, untrusted: bool = False) -> ssl.SSLContext:
        """A server context presenting the CA-signed certificate (or the untrusted one)."""
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        if untrusted:
            ctx.load_cert_chain(self.untrusted_cert, self.untrusted_key)
        else:
            ctx.load_cert_chain(self.server_cert, self.server_key)
        return ctx


def _new_key() -> ec.EllipticCurvePrivateKey:
    # P-256 keys are generated instantly (RSA-2048 would cost ~100 ms each) and every TLS stack
    # involved (OpenSSL in Dovecot, Python's ssl) accepts them.
    return ec.generate_private_key(ec.SECP256R1())


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Intake portal test suite"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _san() -> x509.SubjectAlternativeName:
    return x509.SubjectAlternativeName(
        [x509.IPAddress(ipaddress.ip_address(ip)) for ip in SERVER_IPS]
        + [x509.DNSName(name) for name in SERVER_DNS_NAMES]
    )


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    path.chmod(0o600)


def _write_cert(path: Path, cert: x509.Certificate) -> None:
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    # World-readable on purpose: Dovecot's auth process (user "dovecot") reads ca.pem to verify
    # the OAuth authority's introspection endpoint.
    path.chmod(0o644)


def generate_tls_material(directory: Path | None = None) -> TlsMaterial:
    """Create CA, CA-signed server certificate and an unrelated self-signed certificate."""
    directory = _prepare_directory(directory)
    validity = _validity()
    ca_key, ca_cert = _ca(validity)
    server_key = _new_key()
    server_cert = _leaf(server_key, ca_cert.subject, ca_key, ca_cert, validity)
    # Self-signed and carrying the very same names: only the trust anchor differs, so a client
    # rejecting it proves chain verification (not merely hostname checking) is active.
    untrusted_key = _new_key()
    untrusted_cert = _leaf(untrusted_key, _name("127.0.0.1"), untrusted_key, None, validity)
    return _write_material(directory, ca_cert, (server_cert, server_key), (untrusted_cert, untrusted_key))


# (not_valid_before, not_valid_after), shared by all three certificates.
_Validity = tuple[dt.datetime, dt.datetime]


def _prepare_directory(directory: Path | None) -> Path:
    if directory is None:
        directory = Path(tempfile.mkdtemp(prefix="test-servers-tls-"))
    directory.mkdir(parents=True, exist_ok=True)
    # Readable by Dovecot's unprivileged processes (see _write_cert); the keys stay 0600 (root).
    os.chmod(directory, 0o755)  # noqa: S103 - throw-away test material, keys themselves stay 0600
    return directory


def _validity() -> _Validity:
    # Backdate a little so a slightly skewed clock never makes the certificates "not yet valid".
    now = dt.datetime.now(dt.UTC)
    return now - dt.timedelta(days=1), now + dt.timedelta(days=30)


def _ca(validity: _Validity) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """The throw-away CA: self-signed, may sign leaf certificates only (path_length=0)."""
    ca_key = _new_key()
    ca_name = _name("Intake test CA")
    not_before, not_after = validity
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return ca_key, ca_cert


def _leaf(
    subject_key: ec.EllipticCurvePrivateKey,
    issuer_name: x509.Name,
    issuer_key: ec.EllipticCurvePrivateKey,
    issuer_cert: x509.Certificate | None,
    validity: _Validity,
) -> x509.Certificate:
    """A server certificate for SERVER_IPS/SERVER_DNS_NAMES; ``issuer_cert`` None means self-signed."""
    not_before, not_after = validity
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name("127.0.0.1"))
        .issuer_name(issuer_name)
        .public_key(subject_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_san(), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(subject_key.public_key()), critical=False)
    )
    if issuer_cert is not None:
        # Python 3.13+ (VERIFY_X509_STRICT) insists on the Authority Key Identifier.
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_cert.public_key()),
            critical=False,
        )
    return builder.sign(issuer_key, hashes.SHA256())


def _write_material(
    directory: Path,
    ca_cert: x509.Certificate,
    server: tuple[x509.Certificate, ec.EllipticCurvePrivateKey],
    untrusted: tuple[x509.Certificate, ec.EllipticCurvePrivateKey],
) -> TlsMaterial:
    material = TlsMaterial(
        directory=directory,
        ca_cert=directory / "ca.pem",
        server_cert=directory / "server.pem",
        server_key=directory / "server.key",
        untrusted_cert=directory / "untrusted.pem",
        untrusted_key=directory / "untrusted.key",
    )
    _write_cert(material.ca_cert, ca_cert)
    _write_cert(material.server_cert, server[0])
    _write_key(material.server_key, server[1])
    _write_cert(material.untrusted_cert, untrusted[0])
    _write_key(material.untrusted_key, untrusted[1])
    return material
