"""Outlook's winmail.dat: the files inside become the attachments."""

from mailboxes.extract import extract_mail
from tests.extract.mailbuilder import (
    attachment_part,
    forwarded,
    mail_with_parts,
    pdf_bytes,
    png_bytes,
    text_part,
    tnef_bytes,
)
from tests.extract.rendered import english

PDF = pdf_bytes(3_000, seed=3)
FILES = [("Faktura číslo 12 za březen.pdf", PDF), ("logo.png", png_bytes())]


def documents(raw: bytes):
    return [a for a in extract_mail(raw).attachments if a.role == "document"]


def mail_with_tnef(data: bytes, content_type: str, disposition: str | None) -> bytes:
    return mail_with_parts(
        [text_part(), attachment_part(data, content_type=content_type, disposition=disposition)]
    )


def test_files_inside_winmail_dat_become_attachments_with_long_names():
    raw = mail_with_tnef(
        tnef_bytes(FILES), 'application/ms-tnef; name="winmail.dat"', 'attachment; filename="winmail.dat"'
    )
    container, *attachments = extract_mail(raw).attachments
    assert (container.display_name, container.role, container.problem) == ("winmail.dat", "container", "")
    assert [(a.display_name, a.origin, a.sniffed_type) for a in attachments] == [
        ("Faktura číslo 12 za březen.pdf", "winmail.dat", "application/pdf"),
        ("logo.png", "winmail.dat", "image/png"),
    ]
    assert attachments[0].data == PDF
    assert all(a.is_graphic for a in attachments)


def test_winmail_dat_declared_as_octet_stream_is_unpacked_by_its_name():
    raw = mail_with_tnef(tnef_bytes(FILES), 'application/octet-stream; name="WINMAIL.DAT"', "attachment")
    assert [a.display_name for a in documents(raw)] == [
        "Faktura číslo 12 za březen.pdf",
        "logo.png",
    ]


def test_unnamed_octet_stream_with_tnef_signature_is_unpacked():
    raw = mail_with_tnef(tnef_bytes(FILES), "application/octet-stream", "attachment")
    assert [a.origin for a in documents(raw)] == ["winmail.dat", "winmail.dat"]


def test_undecodable_winmail_dat_is_kept_with_a_reason():
    garbage = b"this is not TNEF at all" * 10
    raw = mail_with_tnef(
        garbage, 'application/ms-tnef; name="winmail.dat"', 'attachment; filename="winmail.dat"'
    )
    [attachment] = extract_mail(raw).attachments
    assert attachment.display_name == "winmail.dat"
    assert attachment.problem == "unreadable"
    assert attachment.data == garbage
    assert english(attachment.problem_detail).startswith("winmail.dat could not be unpacked")


def test_truncated_winmail_dat_never_raises():
    whole = tnef_bytes(FILES)
    for cut in (7, 30, 100, len(whole) // 2, len(whole) - 3):
        mail = extract_mail(mail_with_tnef(whole[:cut], "application/ms-tnef", "attachment"))
        assert mail.unreadable_reason == ""
        for attachment in mail.attachments:
            assert attachment.size == len(attachment.data)
        # Never "No attachments": the winmail.dat is listed, and says what is wrong when nothing came out.
        [container] = [a for a in mail.attachments if a.role == "container"]
        if len(mail.attachments) == 1:
            assert container.problem == "unreadable" and container.data == whole[:cut]
        # A file cut off with the container is marked, not shown as a whole document.
        for attachment in mail.attachments[1:]:
            assert attachment.data in [data for _name, data in FILES] or attachment.problem == "truncated"


def test_winmail_dat_inside_a_forwarded_mail_carries_both_origins():
    inner = mail_with_parts(
        [
            text_part(),
            attachment_part(tnef_bytes(FILES[:1]), content_type="application/ms-tnef", disposition=None),
        ],
        subject="Original",
        boundary="=_inner",
    )
    raw = mail_with_parts([forwarded(inner)], subject="Fwd: Original")
    [attachment] = documents(raw)
    assert attachment.origin == "forwarded: Original \u203a winmail.dat"
    assert attachment.data == PDF
