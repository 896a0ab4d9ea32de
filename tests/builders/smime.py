"""S/MIME test data, built with cryptography alone: signer identities (self-signed certificate + key),
detached and opaque signatures, enveloped data. Keys are generated once per process (functools.cache):
an RSA 2048 key costs a noticeable fraction of a second.
"""

import functools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from asn1crypto import algos, cms
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.hazmat.primitives.serialization.pkcs7 import (
    PKCS7EnvelopeBuilder,
    PKCS7Options,
    PKCS7SignatureBuilder,
)
from cryptography.x509.oid import NameOID


@dataclass(frozen=True)
class SignerIdentity:
    certificate: x509.Certificate
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
    address: str


@functools.cache
def signer_identity(kind: str = "rsa", address: str = "signer@example.com", *, in_san: bool = True):
    """A self-signed signer certificate and its key; `kind` "rsa" (2048) or "ec" (P-256). The address goes
    into an rfc822Name SAN, or with in_san=False into the subject's emailAddress only."""
    key = rsa.generate_private_key(65537, 2048) if kind == "rsa" else ec.generate_private_key(ec.SECP256R1())
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, f"Test signer ({kind})")]
    if not in_san:
        attributes.append(x509.NameAttribute(NameOID.EMAIL_ADDRESS, address))
    name = x509.Name(attributes)
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if in_san:
        san = x509.SubjectAlternativeName([x509.RFC822Name(address)])
        builder = builder.add_extension(san, critical=False)
    return SignerIdentity(builder.sign(key, hashes.SHA256()), key, address)


def _signature_builder(content: bytes, identity: SignerIdentity, hash_algorithm, rsa_padding):
    return (
        PKCS7SignatureBuilder()
        .set_data(content)
        .add_signer(
            identity.certificate, identity.key, hash_algorithm or hashes.SHA256(), rsa_padding=rsa_padding
        )
    )


def detached_signature(
    content: bytes,
    identity: SignerIdentity,
    *,
    options: tuple[PKCS7Options, ...] = (),
    hash_algorithm: hashes.HashAlgorithm | None = None,
    rsa_padding: padding.PSS | padding.PKCS1v15 | None = None,
) -> bytes:
    """DER of a detached S/MIME signature (.p7s) over exactly `content` (Binary: no line-end conversion).
    Extra options e.g. PKCS7Options.NoCerts (no certificate in it) or NoAttributes (no signed attributes)."""
    builder = _signature_builder(content, identity, hash_algorithm, rsa_padding)
    return builder.sign(Encoding.DER, [PKCS7Options.DetachedSignature, PKCS7Options.Binary, *options])


def opaque_signed(
    content: bytes, identity: SignerIdentity, *, options: tuple[PKCS7Options, ...] = ()
) -> bytes:
    """DER of opaque signed-data (.p7m) that carries `content` itself."""
    builder = _signature_builder(content, identity, None, None)
    return builder.sign(Encoding.DER, [PKCS7Options.Binary, *options])


def enveloped(content: bytes, recipient: SignerIdentity) -> bytes:
    """DER of enveloped-data encrypted to `recipient` (an RSA identity)."""
    builder = PKCS7EnvelopeBuilder().set_data(content).add_recipient(recipient.certificate)
    return builder.encrypt(Encoding.DER, [PKCS7Options.Binary])


def relabelled(signature: bytes, algorithm: str) -> bytes:
    """`signature` with the first signer's signature algorithm renamed (e.g. "sha256_dsa"), nothing else."""
    info = cms.ContentInfo.load(signature)
    signer = info["content"]["signer_infos"][0]
    signer["signature_algorithm"] = algos.SignedDigestAlgorithm({"algorithm": algorithm})
    return info.dump(force=True)


def identified_by_key(signature: bytes, identity: SignerIdentity) -> bytes:
    """`signature` with its first signer named by subject key identifier instead of issuer and serial."""
    info = cms.ContentInfo.load(signature)
    key_id = identity.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    info["content"]["signer_infos"][0]["sid"] = cms.SignerIdentifier({"subject_key_identifier": key_id})
    return info.dump(force=True)
