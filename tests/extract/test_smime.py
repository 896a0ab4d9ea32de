"""S/MIME: recognising CMS structures and checking signatures, on data built with cryptography."""

import base64
import contextlib
import os

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.serialization.pkcs7 import PKCS7Options
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailboxes.extract.smime import (
    CHANGED,
    INVALID,
    MAX_INPUT,
    NO_CERTIFICATE,
    SignatureCheck,
    SmimeError,
    check_detached_signature,
    cms_kind,
    open_signed_data,
)
from tests.builders.smime import (
    detached_signature,
    enveloped,
    identified_by_key,
    opaque_signed,
    relabelled,
    signer_identity,
)
from tests.extract.rendered import english

# The first part of a multipart/signed mail, as it travels: MIME headers + body, CRLF line ends.
PART = (
    b'Content-Type: text/plain; charset="utf-8"\r\nContent-Transfer-Encoding: 7bit\r\n\r\n'
    b"Invoice 12/2024 attached.\r\nRegards\r\n"
)
INNER = b"Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n"


def rsa():
    return signer_identity("rsa", "alice@example.com")


def ec():
    return signer_identity("ec", "bob@example.org")


@pytest.mark.parametrize(
    ("identity", "address"), [(rsa, "alice@example.com"), (ec, "bob@example.org")], ids=["rsa", "ec"]
)
def test_a_detached_signature_verifies_and_names_the_signer(identity, address):
    check = check_detached_signature(PART, detached_signature(PART, identity()))
    assert check == SignatureCheck(verified=True, signer_address=address, problem="")


@pytest.mark.parametrize("digest", [hashes.SHA224(), hashes.SHA384(), hashes.SHA512()], ids=lambda h: h.name)
def test_other_digest_algorithms_verify(digest):
    assert check_detached_signature(PART, detached_signature(PART, ec(), hash_algorithm=digest)).verified


def test_rsa_pss_verifies():
    pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH)
    assert check_detached_signature(PART, detached_signature(PART, rsa(), rsa_padding=pss)).verified


def test_a_signature_without_signed_attributes_is_over_the_content_itself():
    signature = detached_signature(PART, rsa(), options=(PKCS7Options.NoAttributes,))
    assert check_detached_signature(PART, signature).verified
    assert check_detached_signature(PART + b"x", signature).problem == CHANGED


def test_the_address_comes_from_the_subject_when_there_is_no_san():
    identity = signer_identity("ec", "carol@example.net", in_san=False)
    assert check_detached_signature(PART, detached_signature(PART, identity)).signer_address == (
        "carol@example.net"
    )


def test_content_changed_by_one_byte_does_not_verify():
    signature = detached_signature(PART, rsa())
    changed = PART.replace(b"12/2024", b"13/2024")
    assert check_detached_signature(changed, signature) == SignatureCheck(False, "alice@example.com", CHANGED)


def test_content_saved_with_lf_line_ends_verifies_against_its_crlf_form():
    signature = detached_signature(PART, ec())
    assert check_detached_signature(PART.replace(b"\r\n", b"\n"), signature).verified


def test_lf_content_changed_after_signing_still_fails():
    signature = detached_signature(PART, ec())
    changed = PART.replace(b"\r\n", b"\n").replace(b"Regards", b"Regardz")
    assert check_detached_signature(changed, signature).problem == CHANGED


def test_a_signature_over_other_content_does_not_verify():
    check = check_detached_signature(PART, detached_signature(b"something else\r\n", rsa()))
    assert (check.verified, check.problem) == (False, CHANGED)


def test_a_signature_without_the_signers_certificate_says_so():
    signature = detached_signature(PART, rsa(), options=(PKCS7Options.NoCerts,))
    assert check_detached_signature(PART, signature) == SignatureCheck(False, "", NO_CERTIFICATE)


def test_an_unsupported_signature_algorithm_is_named():
    check = check_detached_signature(PART, relabelled(detached_signature(PART, rsa()), "sha256_dsa"))
    assert (check.verified, check.signer_address) == (False, "alice@example.com")
    assert english(check.problem) == "unsupported signature algorithm: sha256_dsa"


@pytest.mark.parametrize("identity", [rsa, ec], ids=["rsa", "ec"])
def test_a_damaged_signature_value_does_not_verify(identity):
    signature = bytearray(detached_signature(PART, identity()))
    signature[-5] ^= 0x01  # inside the signature value, the last field of the structure
    assert check_detached_signature(PART, bytes(signature)).problem == INVALID


def test_the_signer_may_be_named_by_subject_key_identifier():
    signature = identified_by_key(detached_signature(PART, rsa()), rsa())
    assert check_detached_signature(PART, signature) == SignatureCheck(True, "alice@example.com", "")


def test_a_detached_signature_in_base64_text_verifies():
    assert check_detached_signature(PART, base64.encodebytes(detached_signature(PART, ec()))).verified


@pytest.mark.parametrize(
    "signature",
    [b"", b"garbage", b"\x30\x80", os.urandom(512), b"\x30" * (MAX_INPUT + 1)],
    ids=["empty", "text", "truncated-header", "random", "huge"],
)
def test_garbage_signatures_fail_without_raising(signature):
    assert check_detached_signature(PART, signature) == SignatureCheck(False, "", INVALID)


def test_a_truncated_signature_fails_without_raising():
    signature = detached_signature(PART, rsa())
    for length in (1, 10, len(signature) // 2, len(signature) - 1):
        assert not check_detached_signature(PART, signature[:length]).verified


def test_an_enveloped_structure_is_not_a_signature():
    assert check_detached_signature(PART, enveloped(PART, rsa())).problem == INVALID


def test_cms_kinds():
    signature = detached_signature(PART, rsa())
    assert cms_kind(signature) == "signed-data"
    assert cms_kind(opaque_signed(INNER, ec())) == "signed-data"
    assert cms_kind(enveloped(INNER, rsa())) == "enveloped-data"


def test_cms_kind_reads_base64_text_of_der():
    data = enveloped(INNER, rsa())
    assert cms_kind(base64.encodebytes(data)) == "enveloped-data"  # 76-column lines, as mailers write
    assert cms_kind(base64.b64encode(data)) == "enveloped-data"
    armoured = b"-----BEGIN PKCS7-----\n" + base64.encodebytes(data) + b"-----END PKCS7-----\n"
    assert cms_kind(armoured) == "enveloped-data"


@pytest.mark.parametrize(
    "data",
    [b"", os.urandom(300), b"\x30\x03\x02\x01\x01", b"TWFu", b"\x30" * (MAX_INPUT + 1)],
    ids=["empty", "random", "other-der", "other-base64", "huge"],
)
def test_cms_kind_of_anything_else_is_empty(data):
    assert cms_kind(data) == ""


def test_open_signed_data_returns_the_inner_entity_and_its_check():
    content, check = open_signed_data(opaque_signed(INNER, rsa()))
    assert content == INNER
    assert check == SignatureCheck(True, "alice@example.com", "")


def test_open_signed_data_reads_base64_text_and_binary_content():
    binary = bytes(range(256)) + b"\n\r\n\n"
    content, check = open_signed_data(base64.encodebytes(opaque_signed(binary, ec())))
    assert (content, check.verified) == (binary, True)


def test_open_signed_data_without_certificates_still_gives_the_content():
    content, check = open_signed_data(opaque_signed(INNER, ec(), options=(PKCS7Options.NoCerts,)))
    assert (content, check.problem) == (INNER, NO_CERTIFICATE)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(lambda: enveloped(INNER, rsa()), id="enveloped"),
        pytest.param(lambda: detached_signature(INNER, rsa()), id="detached"),
        pytest.param(lambda: b"garbage", id="garbage"),
        pytest.param(lambda: b"", id="empty"),
        pytest.param(lambda: b"\x30" * (MAX_INPUT + 1), id="huge"),
    ],
)
def test_open_signed_data_refuses_anything_else(data):
    with pytest.raises(SmimeError):
        open_signed_data(data())


def mutated(sample: bytes, edits: list[tuple[int, int]], cut: int) -> bytes:
    data = bytearray(sample)
    for position, value in edits:
        data[position % len(data)] = value
    return bytes(data[: max(cut, 1)])


@st.composite
def hostile_bytes(draw):
    if draw(st.booleans()):
        return draw(st.binary(max_size=600))
    sample = draw(st.sampled_from(SAMPLES))
    edits = draw(st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=4))
    return mutated(sample, edits, draw(st.integers(0, len(sample))))


SAMPLES = [
    detached_signature(PART, signer_identity("ec", "bob@example.org")),
    opaque_signed(INNER, signer_identity("ec", "bob@example.org")),
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hostile_bytes())
def test_hostile_bytes_never_raise_anything_but_smime_error(data):
    assert isinstance(cms_kind(data), str)
    check = check_detached_signature(PART, data)
    assert check.verified == (check.problem == "")
    with contextlib.suppress(SmimeError):
        open_signed_data(data)
