"""A mail with no attachment to copy (none at all, only a signature and a picture in the text, or no graphic
file at a graphic-only point) is refused with its precise reason and left as it was, unless the point allows
documents without files: then the document is made without files and the operator is told why. The same
through the pages and the API."""

from email.message import EmailMessage

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils.html import escape

from acd_points.actions import generate
from acd_points.models import NoFiles, PointDocument
from intake.models import Document, DocumentFile
from mailboxes.models import Message
from tests import builders
from tests.api.client import api_client

HINT = (
    "Mails without attachments to copy stay in the list as they were: this point does not make "
    "documents of them. An administrator can allow it in the point's settings."
)
# case: (point options, mail parts, reason code, what the operator reads when refused, when allowed)
CASES = {
    "none": (
        {},
        {},
        "no_attachments",
        "1 mail was not generated: it has no attachments.",
        "1 document was generated without files: its mail has no attachments.",
    ),
    "signature-and-logo": (
        {},
        {"logo": True, "signature": True},
        "no_document_attachments",
        "1 mail was not generated: its attachments are not documents "
        "(only signatures, pictures in the mail's text or the like).",
        "1 document was generated without files: its mail's attachments are not documents "
        "(only signatures, pictures in the mail's text or the like).",
    ),
    "xml-at-graphic-only": (
        {"graphic_only": True},
        {"files": [("faktura.xml", "application/xml", builders.XML)]},
        "no_graphic_attachments",
        "1 mail was not generated: it has no graphic attachment (pdf, jpg, tif, png), "
        "and this point copies only graphic attachments.",
        "1 document was generated without files: its mail has no graphic attachment "
        "(pdf, jpg, tif, png), and this point copies only graphic attachments.",
    ),
}


def _mail(*, logo=False, signature=False, files=()) -> bytes:
    message = EmailMessage()
    message["From"] = "Dostawca <ksiegowosc@dostawca.example>"
    message["To"] = "faktury@alpha.example"
    message["Subject"] = "Przypomnienie o płatności"
    message.set_content("Prosimy o zapłatę.")
    if logo:
        message.add_alternative('<p>Faktura</p><img src="cid:logo@dostawca">', subtype="html")
        message.get_payload()[1].add_related(
            builders.PNG, maintype="image", subtype="png", cid="<logo@dostawca>"
        )
    if signature:
        files = [*files, ("smime.p7s", "application/pkcs7-signature", b"0\x82 not really a signature")]
    for name, content_type, data in files:
        maintype, subtype = content_type.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes()


def _said(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _generate_on_page(client, point, mails):
    return client.post(
        reverse("acd:point-action", args=[point.pk]), {"action": "generate", "mail": [m.pk for m in mails]}
    )


def _state(message) -> str:
    return Message.all_tenants.get(pk=message.pk).state


@pytest.fixture
def api_for():
    def client(employee):
        _, raw = builders.issue_token(employee, name="ERP")
        return api_client(raw)

    return client


@pytest.mark.parametrize("case", CASES)
def test_the_page_refuses_the_mail_saying_why_and_leaves_it_new(
    case, make_point, buffer_a, world_a, client_for
):
    options, parts, _code, refused, _allowed = CASES[case]
    point = make_point(employees=[world_a.operator], **options)
    mail = builders.add_mail(buffer_a, _mail(**parts))
    response = _generate_on_page(client_for(world_a.operator), point, [mail])
    assert response.status_code == 302
    assert _said(response) == [refused, HINT]
    assert _state(mail) == Message.State.NEW
    assert not Document.all_tenants.exists()


@pytest.mark.parametrize("case", CASES)
def test_an_allowing_point_makes_a_document_without_files_and_says_why(
    case, make_point, buffer_a, world_a, client_for
):
    options, parts, code, _refused, allowed = CASES[case]
    point = make_point(employees=[world_a.operator], allow_documents_without_files=True, **options)
    mail = builders.add_mail(buffer_a, _mail(**parts))
    client = client_for(world_a.operator)
    assert _said(_generate_on_page(client, point, [mail])) == ["1 document generated.", allowed]
    assert _state(mail) == Message.State.GENERATED
    link = PointDocument.all_tenants.get(message=mail)
    assert link.no_files_reason == code
    assert not DocumentFile.all_tenants.filter(document=link.document).exists()
    page = client.get(reverse("acd:document", args=[link.document_id])).content.decode()
    assert escape(f"No files. {NoFiles(code).label}") in page
    if not options.get("graphic_only"):
        assert "copies only graphic" not in page  # the defect: a reason that was not the case


def test_a_mail_with_a_non_graphic_document_is_generated_where_graphic_only_is_off(
    make_point, buffer_a, world_a, client_for
):
    point = make_point(employees=[world_a.operator])
    mail = builders.add_mail(buffer_a, _mail(files=[("faktura.xml", "application/xml", builders.XML)]))
    assert _said(_generate_on_page(client_for(world_a.operator), point, [mail])) == ["1 document generated."]
    link = PointDocument.all_tenants.get(message=mail)
    files = DocumentFile.all_tenants.filter(document=link.document)
    assert list(files.values_list("original_name", flat=True)) == ["faktura.xml"]
    assert link.no_files_reason == ""


def test_a_mail_without_attachments_at_a_graphic_only_point_is_not_blamed_on_graphic_only(
    make_point, buffer_a, world_a, client_for
):
    point = make_point(employees=[world_a.operator], graphic_only=True)
    mail = builders.add_mail(buffer_a, _mail())
    response = _generate_on_page(client_for(world_a.operator), point, [mail])
    assert _said(response)[0] == "1 mail was not generated: it has no attachments."


def test_in_a_multi_mail_action_the_others_still_generate_and_each_outcome_is_counted(
    make_point, buffer_a, world_a, client_for
):
    point = make_point(employees=[world_a.operator])
    invoices = [builders.add_mail(buffer_a, builders.invoice_mail(n)) for n in (1, 2)]
    bare = [builders.add_mail(buffer_a, _mail()) for _ in range(2)]
    signed = builders.add_mail(buffer_a, _mail(signature=True))
    done = builders.add_mail(buffer_a, builders.invoice_mail(3))
    generate(point=point, message_ids=[done.pk], employee=world_a.operator)
    response = _generate_on_page(client_for(world_a.operator), point, [*invoices, *bare, signed, done])
    assert _said(response) == [
        "2 documents generated.",
        "2 mails were not generated: they have no attachments.",
        "1 mail was not generated: its attachments are not documents "
        "(only signatures, pictures in the mail's text or the like).",
        HINT,
        "1 mail skipped: its document exists already or it cannot be read.",
    ]
    assert [_state(m) for m in invoices] == [Message.State.GENERATED] * 2
    assert [_state(m) for m in [*bare, signed]] == [Message.State.NEW] * 3
    assert Document.all_tenants.count() == 3


@pytest.mark.parametrize("case", CASES)
def test_the_api_refuses_with_422_and_the_reason_code(case, make_point, buffer_a, world_a, api_for):
    options, parts, code, _refused, _allowed = CASES[case]
    point = make_point(employees=[world_a.operator], **options)
    mail = builders.add_mail(buffer_a, _mail(**parts))
    url = reverse("api:point-generate", args=[point.pk])
    response = api_for(world_a.operator).post(url, {"mails": [mail.pk]}, format="json")
    assert response.status_code == 422
    body = response.json()
    assert (body["code"], body["created"], body["skipped"], body["without_files"]) == (code, [], [], [])
    assert body["detail"] == "No document was generated. " + HINT
    [refusal] = body["refused"]
    assert (refusal["mail"], refusal["reason"]) == (mail.pk, code)
    assert refusal["detail"].startswith("The mail has") or refusal["detail"].startswith("The mail's")
    assert _state(mail) == Message.State.NEW and not Document.all_tenants.exists()


def test_the_api_generates_the_others_and_lists_the_refused(make_point, buffer_a, world_a, api_for):
    point = make_point(employees=[world_a.operator])
    invoice = builders.add_mail(buffer_a, builders.invoice_mail(1))
    bare, signed = builders.add_mail(buffer_a, _mail()), builders.add_mail(buffer_a, _mail(signature=True))
    url = reverse("api:point-generate", args=[point.pk])
    response = api_for(world_a.operator).post(url, {"mails": [bare.pk, invoice.pk, signed.pk]}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert len(body["created"]) == 1 and body["skipped"] == [] and body["without_files"] == []
    assert [(r["mail"], r["reason"]) for r in body["refused"]] == [
        (bare.pk, "no_attachments"),
        (signed.pk, "no_document_attachments"),
    ]
    assert _state(invoice) == Message.State.GENERATED and _state(bare) == Message.State.NEW
    # Refused mails of different reasons, nothing created: the umbrella code.
    again = api_for(world_a.operator).post(url, {"mails": [bare.pk, signed.pk]}, format="json")
    assert (again.status_code, again.json()["code"]) == (422, "no_eligible_attachments")


def test_the_api_reports_documents_made_without_files(make_point, buffer_a, world_a, api_for):
    point = make_point(employees=[world_a.operator], allow_documents_without_files=True)
    bare = builders.add_mail(buffer_a, _mail())
    client = api_for(world_a.operator)
    url = reverse("api:point-generate", args=[point.pk])
    response = client.post(url, {"mails": [bare.pk]}, format="json")
    assert response.status_code == 201
    [document_id] = response.json()["created"]
    assert response.json()["without_files"] == [
        {
            "mail": bare.pk,
            "document": document_id,
            "reason": "no_attachments",
            "detail": "The mail has no attachments.",
        }
    ]
    assert response.json()["refused"] == []
    assert client.get(reverse("api:point", args=[point.pk])).json()["allow_documents_without_files"] is True


def test_the_point_admin_shows_and_saves_the_option_under_general(make_point, world_a, client_for):
    point = make_point()
    client = client_for(world_a.admin)
    url = reverse("admin:acd_points_acdpoint_change", args=[point.pk])
    page = client.get(url).content.decode()
    general = page[page.index("General") : page.index(">List<")]
    assert 'name="allow_documents_without_files"' in general
    assert "allow generating documents from mails without attachments" in general.lower()
    data = {
        "kind": "mailbox",
        "buffer": point.buffer_id,
        "name": point.name,
        "work_folder": "",
        "show_subject": "on",
        "allow_documents_without_files": "on",
    }
    assert client.post(url, data).status_code == 302
    point.refresh_from_db()
    assert point.allow_documents_without_files is True
