"""Containers inside mail, end to end through extract_mail: S/MIME and PGP/MIME, Outlook .msg, forwarded
.eml under generic types, ZIP archives, and files that are not documents (signatures, resource forks,
pictures in the text). Encodings, depth, truncation and parse cost: test_mail_encodings_and_limits.py."""

import pytest

from mailboxes.extract import containers as containers_module
from mailboxes.extract import extract_mail
from mailboxes.extract.archives import ArchiveLimits
from mailboxes.extract.extractor import extract_mail_using
from mailboxes.extract.stdlib_tree import parse_with_stdlib
from tests.builders.archives import nested_zips, patched, zeros_bomb, zip_of
from tests.builders.container_mail import (
    OTHER_PDF,
    PDF,
    SIGNED_TEXT,
    appledouble_mail,
    clear_signed_mail,
    eml_chain,
    eml_part,
    html_with_picture_mail,
    invoices_zip,
    msg_mail,
    opaque_signed_mail,
    pgp_encrypted_inside_mail,
    pgp_encrypted_mail,
    pgp_signed_mail,
    signed_then_encrypted_mail,
    smime_encrypted_mail,
    smime_encrypted_part,
    zip_mail,
)
from tests.builders.smime import signer_identity
from tests.extract.mailbuilder import (
    CRLF,
    attachment_part,
    forwarded,
    invoice_mail,
    jpeg_bytes,
    mail_with_parts,
    text_part,
)
from tests.extract.rendered import english, english_all

ADDRESS = "signer@example.com"


def documents(mail):
    return [a for a in mail.attachments if a.role == "document"]


def named(mail, name):
    found = [a for a in mail.attachments if a.display_name == name]
    assert len(found) == 1, [(a.display_name, a.role, a.problem) for a in mail.attachments]
    return found[0]


def summary(mail):
    return [(a.display_name, a.role, a.problem) for a in mail.attachments]


# --- 1. S/MIME clear-signed ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def identity():
    return signer_identity("rsa", ADDRESS)


def test_clear_signed_mail_verifies_and_lists_the_p7s_as_a_signature(identity):
    mail = extract_mail(clear_signed_mail(identity))
    assert (mail.signature, english(mail.signature_detail)) == ("verified", ADDRESS)
    assert summary(mail) == [("signed-invoice.pdf", "document", ""), ("smime.p7s", "signature", "")]
    assert named(mail, "signed-invoice.pdf").data == PDF
    assert "Please find the invoice attached." in mail.text
    assert mail.unreadable_reason == ""


def test_a_tampered_byte_in_the_signed_content_fails_with_a_reason(identity):
    raw = clear_signed_mail(identity).replace(b"Please find", b"Please fund", 1)
    mail = extract_mail(raw)
    assert mail.signature == "failed"
    assert "changed after signing" in english(mail.signature_detail)
    assert [a.display_name for a in documents(mail)] == ["signed-invoice.pdf"]


def test_a_clear_signed_mail_saved_with_lf_line_ends_still_verifies(identity):
    mail = extract_mail(clear_signed_mail(identity).replace(CRLF, b"\n"))
    assert (mail.signature, english(mail.signature_detail)) == ("verified", ADDRESS)
    assert named(mail, "signed-invoice.pdf").data == PDF


def test_a_clear_signed_mail_read_by_the_standard_library_parser_still_verifies(identity):
    for raw in (clear_signed_mail(identity), clear_signed_mail(identity).replace(CRLF, b"\n")):
        mail = extract_mail_using(raw, parse_with_stdlib)
        assert (mail.signature, english(mail.signature_detail)) == ("verified", ADDRESS)
        assert summary(mail) == [("signed-invoice.pdf", "document", ""), ("smime.p7s", "signature", "")]


def test_a_signed_mail_whose_inner_boundary_extends_the_outer_one_still_verifies(identity):
    # "--=_sig" is also the start of the inner "--=_sig_inner" lines: only a whole boundary line counts.
    raw = clear_signed_mail(identity, boundary="=_signed")
    mail = extract_mail(raw)
    assert (mail.signature, english(mail.signature_detail)) == ("verified", ADDRESS)


def test_a_forwarded_signed_mail_is_checked_but_is_not_the_mails_signature(identity):
    raw = mail_with_parts(
        [text_part(), forwarded(clear_signed_mail(identity))], subject="Fwd", boundary="=_o"
    )
    mail = extract_mail(raw)
    assert mail.signature == ""
    defects = english_all(mail.defects)
    assert any("signature verified" in defect for defect in defects), defects
    assert [a.display_name for a in documents(mail)] == ["signed-invoice.pdf"]


def test_a_mail_cut_inside_its_signature_marks_the_p7s_truncated(identity):
    raw = clear_signed_mail(identity)
    # Cut after whole base64 lines: the base64 itself then decodes without complaint.
    signature_start = raw.index(b"\r\n\r\n", raw.index(b"S/MIME Cryptographic Signature")) + 4
    mail = extract_mail(raw[: signature_start + 3 * 78])
    assert summary(mail) == [("signed-invoice.pdf", "document", ""), ("smime.p7s", "signature", "truncated")]
    assert (mail.signature, english(mail.signature_detail)) == ("failed", "not a valid signature")


# --- 2. S/MIME opaque-signed ---------------------------------------------------------------------------


def test_opaque_signed_mail_is_read_from_inside_the_p7m(identity):
    mail = extract_mail(opaque_signed_mail(identity))
    assert (mail.signature, english(mail.signature_detail)) == ("verified", ADDRESS)
    assert summary(mail) == [("smime.p7m", "container", ""), ("opaque-invoice.pdf", "document", "")]
    assert named(mail, "opaque-invoice.pdf").origin == ""  # as if it were the mail itself
    assert named(mail, "opaque-invoice.pdf").data == PDF
    assert SIGNED_TEXT.strip() in mail.text


# --- 3. encrypted mail ---------------------------------------------------------------------------------


def test_smime_encrypted_mail_is_unreadable_and_its_p7m_downloadable(identity):
    raw = smime_encrypted_mail(identity)
    mail = extract_mail(raw)
    assert english(mail.unreadable_reason) == "encrypted — can't be opened"
    assert summary(mail) == [("smime.p7m", "container", "encrypted")]
    assert mail.attachments[0].data[:1] == b"\x30" and mail.attachments[0].size > 500


def test_pgp_mime_encrypted_mail_is_unreadable_and_its_data_downloadable():
    mail = extract_mail(pgp_encrypted_mail())
    assert english(mail.unreadable_reason) == "encrypted — can't be opened"
    assert summary(mail) == [("encrypted.asc", "container", "encrypted")]
    assert mail.attachments[0].data.startswith(b"-----BEGIN PGP MESSAGE-----")
    assert english(mail.attachments[0].problem_detail) == "encrypted — can't be opened"


@pytest.mark.parametrize("opaque", [True, False])
def test_encrypted_data_inside_a_signature_is_still_an_unreadable_mail(identity, opaque):
    mail = extract_mail(signed_then_encrypted_mail(identity, opaque=opaque))
    assert english(mail.unreadable_reason) == "encrypted — can't be opened"
    assert (mail.signature, english(mail.signature_detail)) == ("verified", ADDRESS)
    assert ("smime.p7m", "container", "encrypted") in summary(mail)


def test_a_password_protected_zip_alone_does_not_make_the_mail_unreadable():
    locked = attachment_part(
        patched(zip_of([("a.pdf", PDF)]), 0, set_flags=1),
        content_type='application/zip; name="locked.zip"',
        disposition='attachment; filename="locked.zip"',
    )
    mail = extract_mail(mail_with_parts([locked]))  # no text at all, only the archive
    assert mail.unreadable_reason == ""
    assert [(a.role, a.problem) for a in mail.attachments] == [("container", ""), ("document", "encrypted")]


def test_an_encrypted_part_inside_a_normal_mail_leaves_the_mail_readable(identity):
    for raw in (pgp_encrypted_inside_mail(), mail_with_parts([text_part(), smime_encrypted_part(identity)])):
        mail = extract_mail(raw)
        assert mail.unreadable_reason == ""
        assert "Please find the invoice attached." in mail.text
        assert [(a.role, a.problem) for a in mail.attachments] == [("container", "encrypted")]
        assert mail.attachments[0].size > 0


# --- 4. Outlook .msg -----------------------------------------------------------------------------------

# How the .msg is sent: (Content-Type, Content-Disposition, the name it is listed under).
MSG_SENDINGS = {
    "vnd.ms-outlook": (
        'application/vnd.ms-outlook; name="Faktura.msg"',
        'attachment; filename="Faktura.msg"',
        "Faktura.msg",
    ),
    "octet-stream": (
        'application/octet-stream; name="=?utf-8?B?V2lhZG9tb8WbxIcubXNn?="',
        "attachment; filename*=utf-8''Wiadomo%C5%9B%C4%87.msg",
        "Wiadomość.msg",
    ),
    "octet-stream-raw-utf8": ('application/octet-stream; name="Wiadomość.msg"', None, "Wiadomość.msg"),
    "unnamed": ("application/octet-stream", None, "attachment-1.msg"),
}


@pytest.mark.parametrize("sending", MSG_SENDINGS)
def test_an_outlook_msg_is_a_container_and_its_files_follow_it(sending):
    content_type, disposition, listed_as = MSG_SENDINGS[sending]
    mail = extract_mail(msg_mail(content_type, disposition))
    container = mail.attachments[0]
    assert (container.display_name, container.role, container.problem) == (listed_as, "container", "")
    assert [(a.display_name, a.data) for a in documents(mail)] == [
        ("faktura-msg.pdf", PDF),
        ("zamowienie.pdf", OTHER_PDF),
    ]
    first, nested = documents(mail)
    assert first.origin == listed_as
    assert nested.origin == f"{listed_as} \u203a forwarded: Re: Zamówienie"


# --- 5. forwarded mail under a generic type ------------------------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "name"),
    [("application/octet-stream", "Fwd.eml"), ("application/octet-stream", "message.eml"),
     ("application/octet-stream", None), ("text/plain", "message.eml")],
)  # fmt: skip
def test_a_mail_sent_as_a_plain_file_is_opened_like_a_forwarded_one(content_type, name):
    inner = invoice_mail(subject="Invoice 7/2026", name="inner.pdf", tag="in")
    mail = extract_mail(mail_with_parts([text_part(), eml_part(inner, name=name, content_type=content_type)]))
    assert [(a.display_name, a.origin) for a in mail.attachments] == [
        ("inner.pdf", "forwarded: Invoice 7/2026")
    ]


def test_mails_sent_as_files_are_opened_three_deep():
    # The mail holds level2.eml, which holds level3.eml, which holds level4.eml with the PDF.
    mail = extract_mail(eml_chain(4))
    (deep,) = mail.attachments
    assert deep.display_name == "deep.pdf" and deep.role == "document" and deep.data
    assert deep.origin == "forwarded: Level 2 \u203a forwarded: Level 3 \u203a forwarded: Level 4"


@pytest.mark.parametrize("content_type", ["text/plain", "application/octet-stream"])
def test_a_text_file_that_merely_looks_like_mail_is_not_opened(content_type):
    notes = b"From: x\r\nTo: the team\r\nSubject: meeting notes\r\n\r\nAgenda: invoices.\r\n"
    part = eml_part(notes, name="notes.txt", content_type=content_type)
    mail = extract_mail(mail_with_parts([text_part(), part]))
    assert [(a.display_name, a.role, a.data) for a in mail.attachments] == [("notes.txt", "document", notes)]


# --- 7. ZIP --------------------------------------------------------------------------------------------


def test_zip_members_are_documents_inside_the_archive():
    mail = extract_mail(zip_mail(invoices_zip()))
    assert [(a.display_name, a.role, a.origin) for a in mail.attachments] == [
        ("faktury.zip", "container", ""),
        ("faktura1.pdf", "document", "inside faktury.zip"),
        ("faktura2.pdf", "document", "inside faktury.zip"),
    ]
    assert [a.data for a in documents(mail)] == [PDF, OTHER_PDF]


def test_nested_zips_are_opened():
    mail = extract_mail(zip_mail(nested_zips(3), name="level1.zip"))
    assert [(a.display_name, a.role) for a in mail.attachments] == [
        ("level1.zip", "container"),
        ("level1.pdf", "document"),
        ("level2.zip", "container"),
        ("level2.pdf", "document"),
        ("level3.zip", "container"),
        ("level3.pdf", "document"),
    ]
    assert "level2.zip" in named(mail, "level3.pdf").origin


def test_an_unnamed_zip_gives_its_members_the_name_it_is_listed_under():
    part = attachment_part(invoices_zip(), content_type="application/zip", disposition=None)
    mail = extract_mail(mail_with_parts([text_part(), part]))
    container = mail.attachments[0]
    assert container.role == "container" and container.display_name.endswith(".zip")
    assert {a.origin for a in documents(mail)} == {f"inside {container.display_name}"}


def test_a_zip_bomb_is_listed_over_limit():
    mail = extract_mail(zip_mail(zeros_bomb(8 * 1024 * 1024)))
    assert [(a.display_name, a.role, a.problem) for a in mail.attachments] == [
        ("faktury.zip", "container", ""),
        ("zeros.bin", "document", "over_limit"),
        ("after.pdf", "document", ""),
    ]


def test_an_archive_past_small_limits_is_listed_over_limit(monkeypatch):
    monkeypatch.setattr(containers_module, "ARCHIVE_LIMITS", ArchiveLimits(max_total_bytes=3000))
    mail = extract_mail(zip_mail(invoices_zip()))
    assert [(a.display_name, a.problem) for a in mail.attachments] == [
        ("faktury.zip", ""),
        ("faktura1.pdf", ""),
        ("faktura2.pdf", "over_limit"),
    ]
    assert "2.9 KB" in english(named(mail, "faktura2.pdf").problem_detail)


def test_an_encrypted_zip_member_is_listed_encrypted():
    mail = extract_mail(zip_mail(patched(invoices_zip(), 0, set_flags=1)))
    assert [(a.display_name, a.problem) for a in mail.attachments] == [
        ("faktury.zip", ""),
        ("faktura1.pdf", "encrypted"),
        ("faktura2.pdf", ""),
    ]


DOCX = zip_of([("[Content_Types].xml", b"<Types/>"), ("word/document.xml", b"<w:document/>")])


@pytest.mark.parametrize(
    ("name", "content_type"),
    [("umowa.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
     ("umowa.zip", "application/zip"), ("umowa.docx", "application/octet-stream")],
)  # fmt: skip
def test_a_docx_is_a_document_not_an_archive(name, content_type):
    mail = extract_mail(zip_mail(DOCX, name=name, content_type=content_type))
    assert [(a.display_name, a.role, a.data) for a in mail.attachments] == [(name, "document", DOCX)]


def test_zip_members_are_judged_graphic_by_their_bytes():
    text = b"Not a picture at all, whatever the name says.\n"
    archive = zip_of([("skan.jpg", jpeg_bytes()), ("not-a-picture.jpg", text), ("picture.txt", jpeg_bytes())])
    mail = extract_mail(zip_mail(archive))
    assert [(a.display_name, a.sniffed_type, a.is_graphic) for a in documents(mail)] == [
        ("skan.jpg", "image/jpeg", True),
        ("not-a-picture.jpg", "text/plain", False),
        ("picture.txt", "image/jpeg", True),
    ]


# --- 10. files that are not documents ------------------------------------------------------------------


def test_appledouble_resource_fork_is_not_a_document():
    mail = extract_mail(appledouble_mail())
    assert summary(mail) == [("faktura-mac.pdf", "resource_fork", ""), ("faktura-mac.pdf", "document", "")]
    assert documents(mail)[0].data == PDF


@pytest.mark.parametrize("named_picture", [True, False])
def test_a_picture_drawn_by_the_html_is_listed_as_a_picture_with_its_bytes(named_picture):
    mail = extract_mail(html_with_picture_mail(named_picture=named_picture))
    assert [(a.role, a.sniffed_type) for a in mail.attachments] == [
        ("picture", "image/png"),
        ("document", "application/pdf"),
    ]
    assert mail.attachments[0].size > 0


def test_a_detached_openpgp_signature_is_a_signature_and_unchecked():
    mail = extract_mail(pgp_signed_mail())
    assert summary(mail) == [("signature.asc", "signature", "")]
    assert mail.signature == "unchecked"
    assert "Signed with OpenPGP." in mail.text


# --- both parsers --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "build",
    [
        lambda who: clear_signed_mail(who),
        lambda who: opaque_signed_mail(who),
        lambda who: smime_encrypted_mail(who),
        lambda who: signed_then_encrypted_mail(who, opaque=False),
        lambda who: pgp_encrypted_inside_mail(),
        lambda who: msg_mail('application/vnd.ms-outlook; name="F.msg"', None),
        lambda who: eml_chain(3),
        lambda who: zip_mail(nested_zips(2)),
        lambda who: appledouble_mail(),
        lambda who: html_with_picture_mail(),
        lambda who: pgp_signed_mail(),
    ],
)
def test_the_standard_library_parser_reads_containers_alike(identity, build):
    raw = build(identity)
    fast, stdlib = extract_mail(raw), extract_mail_using(raw, parse_with_stdlib)
    assert [(a.display_name, a.role, a.problem, a.origin, a.sha256) for a in stdlib.attachments] == [
        (a.display_name, a.role, a.problem, a.origin, a.sha256) for a in fast.attachments
    ]
    assert (
        stdlib.signature,
        english(stdlib.signature_detail),
        english(stdlib.unreadable_reason),
        stdlib.text,
    ) == (
        fast.signature,
        english(fast.signature_detail),
        english(fast.unreadable_reason),
        fast.text,
    )
