"""S/MIME (CMS, RFC 5652) structures in mail: what kind a .p7m/.p7s is, and whether a signature holds.

    cms_kind(data)                          'signed-data', 'enveloped-data', ... or '' (never raises)
    check_detached_signature(part, p7s)     multipart/signed → SignatureCheck (never raises)
    open_signed_data(p7m)                   opaque-signed .p7m → (inner MIME entity, SignatureCheck)

asn1crypto parses, cryptography verifies. DER is read as it is, and so is base64 text of DER (some mailers
encode .p7m/.p7s files twice).

What `verified` means: the content's digest equals the signed message-digest attribute and the signature
checks out with the public key of the signer's certificate, which must travel in the mail. What it does
NOT mean: the certificate is not validated against any certificate authority (there is no S/MIME trust
store here), nor checked for expiry, revocation or key usage. Anyone can make a certificate in any name,
so `signer_address` is what the signer claims, not proof of who sent the mail.

Not done here: decryption (enveloped data is only recognised; there is no private key to open it),
countersignatures, PKCS#7 v1.5 signed-and-enveloped data, DSA and EdDSA signatures.

Every byte comes from outsiders: inputs over MAX_INPUT are refused, at most MAX_SIGNERS signer infos are
tried, and every exception the parsers raise is turned into SmimeError or a failed check (asn1crypto parses
lazily, so errors surface on attribute access, far from load()).
"""

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass

from asn1crypto import cms, core
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from mailboxes.extract.notes import Note, note

MAX_INPUT = 50 * 1024 * 1024
# Real mail has one signer, rarely two; each one tried costs a public-key operation.
MAX_SIGNERS = 8

KINDS = {
    "signed_data": "signed-data",
    "enveloped_data": "enveloped-data",
    "authenticated_enveloped_data": "authenticated-enveloped-data",
    "encrypted_data": "encrypted-data",
}
HASHES = {
    "sha1": hashes.SHA1,
    "sha224": hashes.SHA224,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}
# Signers name PKCS#1 v1.5 either by the key's OID (rsaEncryption) or by a hash-with-RSA OID; the hash
# used is always the signer info's digest algorithm, as RFC 5652 §5.4 says (and OpenSSL does).
RSA_PKCS1 = frozenset({"rsassa_pkcs1v15", "sha1_rsa", "sha224_rsa", "sha256_rsa", "sha384_rsa", "sha512_rsa"})
RSA_PSS = "rsassa_pss"
# "1.2.840.10045.2.1" is id-ecPublicKey, which some signers put where the signature algorithm belongs.
ECDSA = frozenset(
    {
        "ecdsa",
        "1.2.840.10045.2.1",
        "sha1_ecdsa",
        "sha224_ecdsa",
        "sha256_ecdsa",
        "sha384_ecdsa",
        "sha512_ecdsa",
    }
)

# Why a signature does not verify (Notes: the words are mailboxes/extract_reasons.py's).
CHANGED = note("extract.signature_content_changed")
NO_CERTIFICATE = note("extract.signature_no_certificate")
INVALID = note("extract.signature_invalid")
NO_SIGNER = note("extract.signature_no_signer")
WRONG_KEY = note("extract.signature_wrong_key")
UNREADABLE_CERTIFICATE = note("extract.signature_certificate_unreadable")
NO_DIGEST = note("extract.signature_no_digest")

_PEM_ARMOUR = re.compile(rb"^-----[^\n]*$", re.MULTILINE)
_BARE_LF = re.compile(rb"(?<!\r)\n")
_LINE_END = re.compile(rb"\r?\n")


class SmimeError(Exception):
    """The bytes are not a CMS structure we can read; `note` says why (str() is its code, for logs)."""

    def __init__(self, said: Note):
        super().__init__(said.code)
        self.note = said


@dataclass(frozen=True)
class SignatureCheck:
    """The outcome of checking one signature; `problem` is "" exactly when `verified` is True."""

    verified: bool
    signer_address: str
    problem: Note | str


def cms_kind(data: bytes) -> str:
    """'signed-data', 'enveloped-data', 'authenticated-enveloped-data', 'encrypted-data', or '' if not CMS.
    Accepts DER, and also base64 text of DER. Never raises."""
    try:
        return KINDS.get(_content_info(data)["content_type"].native, "")
    except Exception:  # SmimeError, or anything hostile bytes provoke further in
        return ""


def check_detached_signature(signed_content: bytes, signature: bytes) -> SignatureCheck:
    """multipart/signed (clear-signed): `signed_content` is the first part exactly as it appears in the mail
    (its MIME headers + body). Never raises: a garbage signature gives verified=False with a problem."""
    try:
        if len(signed_content) > MAX_INPUT:
            return SignatureCheck(False, "", INVALID)
        signed = _signed_data(signature)
        content = bytes(signed_content)
        check = _check_signers(signed, content)
        # S/MIME signs CRLF line ends; a mail stored with LF line ends is the same mail.
        if not check.verified and check.problem == CHANGED and _BARE_LF.search(content):
            retried = _check_signers(signed, _LINE_END.sub(b"\r\n", content))
            if retried.verified:
                return retried
        return check
    except Exception:  # SmimeError, or anything hostile bytes provoke further in
        return SignatureCheck(False, "", INVALID)


def open_signed_data(data: bytes) -> tuple[bytes, SignatureCheck]:
    """application/pkcs7-mime; smime-type=signed-data (opaque-signed, .p7m): returns the encapsulated content
    (the inner MIME entity, bytes) and the check of its signature. Raises SmimeError if it is not signed-data
    or holds no content (detached)."""
    signed = _signed_data(data)
    try:
        content = signed["encap_content_info"]["content"]
        inner = None if isinstance(content, core.Void) else bytes(content)
    except Exception as error:
        raise SmimeError(note("extract.smime_content_unreadable")) from error
    if inner is None:
        raise SmimeError(note("extract.smime_detached"))
    # No line-end retry here: the eContent bytes are exactly what was signed.
    try:
        check = _check_signers(signed, inner)
    except Exception:  # hostile signer infos must not cost the caller the content itself
        check = SignatureCheck(False, "", INVALID)
    return inner, check


def _content_info(data: bytes) -> cms.ContentInfo:
    """The outer ContentInfo of DER (or base64 text of DER) `data`. Raises SmimeError."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise SmimeError(note("extract.smime_not_bytes"))
    if len(data) > MAX_INPUT:
        raise SmimeError(note("extract.smime_too_large", count=MAX_INPUT // 2**20))
    der = bytes(data)
    if der[:1] != b"\x30":  # DER of a SEQUENCE; anything else may be base64 text of one
        der = _unwrap_base64(der)
    try:
        info = cms.ContentInfo.load(der)
        # Parse now what every caller reads: asn1crypto would only fail on that later access.
        _ = info["content_type"].native, info["content"]
    except Exception as error:
        raise SmimeError(note("extract.smime_not_cms")) from error
    return info


def _unwrap_base64(text: bytes) -> bytes:
    """DER from base64 text, with or without PEM armour lines. Raises SmimeError."""
    compact = b"".join(_PEM_ARMOUR.sub(b"", text).split())
    try:
        der = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError) as error:
        raise SmimeError(note("extract.smime_not_der")) from error
    if der[:1] != b"\x30":
        raise SmimeError(note("extract.smime_not_cms"))
    return der


def _signed_data(data: bytes) -> cms.SignedData:
    """The SignedData inside `data`. Raises SmimeError if it is anything else."""
    info = _content_info(data)
    kind = info["content_type"].native
    if kind != "signed_data":
        raise SmimeError(note("extract.smime_not_signed_data", kind=str(KINDS.get(kind) or kind)[:100]))
    return info["content"]


def _check_signers(signed: cms.SignedData, content: bytes) -> SignatureCheck:
    """The first signer that verifies, else the first signer's problem."""
    signers = signed["signer_infos"]
    certificates = signed["certificates"]
    if isinstance(certificates, core.Void):
        certificates = []
    certificates = [choice.chosen for choice in certificates if choice.name == "certificate"]
    first = None
    for signer in list(signers)[:MAX_SIGNERS]:
        check = _check_signer(signer, certificates, content)
        if check.verified:
            return check
        first = first or check
    return first or SignatureCheck(False, "", NO_SIGNER)


def _check_signer(signer: cms.SignerInfo, certificates: list, content: bytes) -> SignatureCheck:
    certificate = next((cert for cert in certificates if _identifies(signer["sid"], cert)), None)
    if certificate is None:
        return SignatureCheck(False, "", NO_CERTIFICATE)
    try:
        problem = _problem(signer, certificate, content)
    except Exception:  # malformed fields of a signer info: its signature cannot hold
        problem = INVALID
    return SignatureCheck(problem == "", _address(certificate), problem)


def _identifies(sid: cms.SignerIdentifier, certificate: asn1_x509.Certificate) -> bool:
    """Whether `sid` names `certificate`: by issuer and serial number, or by subject key identifier."""
    try:
        if sid.name == "issuer_and_serial_number":
            wanted = sid.chosen
            return (
                certificate.serial_number == wanted["serial_number"].native
                and certificate.issuer == wanted["issuer"]
            )
        return sid.name == "subject_key_identifier" and certificate.key_identifier == sid.chosen.native
    except Exception:  # one malformed certificate among several must not hide the signer's
        return False


def _problem(signer: cms.SignerInfo, certificate: asn1_x509.Certificate, content: bytes) -> Note | str:
    """ "" if the signature holds, else why not."""
    digest_name = signer["digest_algorithm"]["algorithm"].native
    if digest_name not in HASHES:
        return note("extract.unsupported_digest", name=str(digest_name)[:100])
    attributes = signer["signed_attrs"]
    if len(attributes):
        signed_digest = _message_digest(attributes)
        if signed_digest is None:
            return NO_DIGEST
        if signed_digest != hashlib.new(digest_name, content).digest():
            return CHANGED
        # The signature covers the attributes' DER as a SET OF, not with the [0] IMPLICIT tag they carry here.
        to_verify = b"\x31" + attributes.dump()[1:]
    else:
        to_verify = content
    try:
        key = x509.load_der_x509_certificate(certificate.dump()).public_key()
    except ValueError:
        return UNREADABLE_CERTIFICATE
    try:
        return _verify(signer["signature_algorithm"], digest_name, key, signer["signature"].native, to_verify)
    except InvalidSignature:
        # Without signed attributes the signature is over the content itself: a changed byte shows here.
        return INVALID if len(attributes) else CHANGED


def _message_digest(attributes: cms.CMSAttributes) -> bytes | None:
    for attribute in attributes:
        if attribute["type"].native == "message_digest":
            return attribute["values"][0].native
    return None


def _verify(algorithm, digest_name: str, key, signature: bytes, data: bytes) -> str:
    """ "" if `signature` over `data` holds, a problem if it cannot be checked; raises InvalidSignature."""
    name = algorithm["algorithm"].native
    if name in RSA_PKCS1 and isinstance(key, rsa.RSAPublicKey):
        key.verify(signature, data, padding.PKCS1v15(), HASHES[digest_name]())
    elif name == RSA_PSS and isinstance(key, rsa.RSAPublicKey):
        return _verify_pss(algorithm["parameters"], key, signature, data)
    elif name in ECDSA and isinstance(key, ec.EllipticCurvePublicKey):
        key.verify(signature, data, ec.ECDSA(HASHES[digest_name]()))
    elif name in RSA_PKCS1 or name in ECDSA or name == RSA_PSS:
        return WRONG_KEY
    else:
        return note("extract.unsupported_signature_algorithm", name=str(name)[:100])
    return ""


def _verify_pss(parameters, key: rsa.RSAPublicKey, signature: bytes, data: bytes) -> str:
    """RSASSA-PSS with the hash, MGF1 hash and salt length its parameters name (RFC 4055 defaults)."""
    hash_name = parameters["hash_algorithm"]["algorithm"].native
    mask = parameters["mask_gen_algorithm"]
    mask_hash = mask["parameters"]["algorithm"].native
    if hash_name not in HASHES or mask["algorithm"].native != "mgf1" or mask_hash not in HASHES:
        return note("extract.unsupported_pss_hash", name=str(hash_name)[:100])
    pss = padding.PSS(mgf=padding.MGF1(HASHES[mask_hash]()), salt_length=parameters["salt_length"].native)
    key.verify(signature, data, pss, HASHES[hash_name]())
    return ""


def _address(certificate: asn1_x509.Certificate) -> str:
    """The certificate's e-mail address: SAN rfc822Name first, else the subject's emailAddress; "" if none."""
    try:
        for name in certificate.subject_alt_name_value or []:
            if name.name == "rfc822_name":
                return str(name.native).strip()
        found = certificate.subject.native.get("email_address", "")
        return str(found[0] if isinstance(found, list) else found).strip()
    except Exception:  # a malformed name costs only the address, not the check
        return ""
