"""Only documents go onto a generated document: containers, signatures, pictures in the mail's text and
Mac resource forks stay on the mail page. A graphic-only point takes the graphic documents among them."""

from email.message import EmailMessage

import pytest

from acd_points.generate import generate_documents
from intake.models import DocumentFile
from mailboxes.models import Attachment
from tests.builders import PDF, PNG, XML, add_mail, another_buffer
from tests.builders.archives import zip_of

DAMAGED_ZIP = b"PK\x03\x04 this archive is damaged"


def mail_bytes_with(files, *, logo=True) -> bytes:
    """A mail with `files` ((name, maintype/subtype, data)) attached, and a logo its HTML text draws."""
    message = EmailMessage()
    message["From"] = "Dostawca <ksiegowosc@dostawca.example>"
    message["To"] = "faktury@alpha.example"
    message["Subject"] = "Faktura 9/2026"
    message.set_content("W załączeniu faktura.")
    if logo:
        message.add_alternative('<p>Faktura</p><img src="cid:logo@dostawca">', subtype="html")
        message.get_payload()[1].add_related(PNG, maintype="image", subtype="png", cid="<logo@dostawca>")
    for name, content_type, data in files:
        maintype, subtype = content_type.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes()


MIXED = [
    ("faktura.pdf", "application/pdf", PDF),
    ("paczka.zip", "application/zip", DAMAGED_ZIP),
    ("smime.p7s", "application/pkcs7-signature", b"0\x82 not really a signature"),
]


def roles(message) -> dict[str, str]:
    return dict(Attachment.all_tenants.filter(message=message).values_list("display_name", "role"))


def generated_files(point, message, employee) -> list[tuple[str, bytes]]:
    [document_id] = generate_documents(point=point, message_ids=[message.pk], employee=employee).created
    stored = DocumentFile.all_tenants.filter(document_id=document_id).order_by("pk")
    return [(f.original_name, f.file.open("rb").read()) for f in stored]


@pytest.fixture
def mixed_mail(buffer_a):
    message = add_mail(buffer_a, mail_bytes_with(MIXED))
    [logo] = [name for name, role in roles(message).items() if role == Attachment.Role.PICTURE]
    assert roles(message) == {
        logo: "picture",
        "faktura.pdf": "document",
        "paczka.zip": "container",
        "smime.p7s": "signature",
    }
    return message


def test_the_document_gets_the_pdf_only(make_point, world_a, mixed_mail):
    point = make_point()
    assert generated_files(point, mixed_mail, world_a.operator) == [("faktura.pdf", PDF)]


def test_a_graphic_only_point_takes_the_graphic_documents_only(make_point, world_a, buffer_a):
    point = make_point(graphic_only=True)
    message = add_mail(
        buffer_a,
        mail_bytes_with([*MIXED, ("faktura.xml", "application/xml", XML), ("skan.png", "image/png", PNG)]),
    )
    logo = Attachment.all_tenants.get(message=message, role=Attachment.Role.PICTURE)
    assert logo.is_graphic  # graphic, yet a picture in the text: not a document
    assert [name for name, _ in generated_files(point, message, world_a.operator)] == [
        "faktura.pdf",
        "skan.png",
    ]


def test_the_files_of_an_opened_container_are_documents_the_container_is_not(make_point, world_a, buffer_a):
    point = make_point()
    archive = zip_of([("w-paczce.pdf", PDF)])
    message = add_mail(buffer_a, mail_bytes_with([("paczka.zip", "application/zip", archive)], logo=False))
    assert roles(message) == {"paczka.zip": "container", "w-paczce.pdf": "document"}
    assert [name for name, _ in generated_files(point, message, world_a.operator)] == ["w-paczce.pdf"]


def test_a_document_with_a_problem_is_still_taken_as_recovered(make_point, world_a, buffer_a):
    point = make_point()
    message = add_mail(buffer_a, mail_bytes_with(MIXED, logo=False))
    Attachment.all_tenants.filter(message=message, display_name="faktura.pdf").update(
        problem=Attachment.Problem.TRUNCATED, problem_detail="the mail ends inside this file"
    )
    assert generated_files(point, message, world_a.operator) == [("faktura.pdf", PDF)]


def test_another_tenants_mail_gives_no_files_through_ones_point(make_point, world_a, world_b):
    point = make_point()
    foreign = add_mail(another_buffer(world_b), mail_bytes_with(MIXED))
    report = generate_documents(point=point, message_ids=[foreign.pk], employee=world_a.operator)
    assert report.created == [] and report.skipped == [foreign.pk]
    assert not DocumentFile.all_tenants.exists()
