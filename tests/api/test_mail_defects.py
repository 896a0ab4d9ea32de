"""The API gives every defect intake recorded, as the mail page shows them: per attachment its role,
problem and problem_detail; per mail its defects, signature, an unusable date, the problem count."""

from email.message import EmailMessage

import pytest
from django.urls import reverse

from intake import reasons
from mailboxes.models import Attachment, Message
from tests.builders import PDF, PNG, add_mail, another_buffer

ABSURD_DATE = "Fri, 01 Jan 9999 00:00:00 +0000"
DAMAGED_ZIP = b"PK\x03\x04 this archive is damaged"


@pytest.fixture
def client(world_a, api_client_for, point):
    return api_client_for(world_a.operator)


def defective_mail_bytes(subject="Mixed bag") -> bytes:
    """A PDF, a damaged ZIP (a container that cannot be opened), a logo drawn by the HTML text and an
    S/MIME signature file; the Date header says year 9999."""
    message = EmailMessage()
    message["From"] = "Dostawca <ksiegowosc@dostawca.example>"
    message["To"] = "faktury@alpha.example"
    message["Subject"] = subject
    message["Date"] = ABSURD_DATE
    message.set_content("W załączeniu faktura.")
    message.add_alternative('<p>Faktura</p><img src="cid:logo@dostawca">', subtype="html")
    message.get_payload()[1].add_related(PNG, maintype="image", subtype="png", cid="<logo@dostawca>")
    message.add_attachment(PDF, maintype="application", subtype="pdf", filename="faktura.pdf")
    message.add_attachment(DAMAGED_ZIP, maintype="application", subtype="zip", filename="paczka.zip")
    message.add_attachment(b"0\x82 sig", maintype="application", subtype="pkcs7-signature", filename="s.p7s")
    return message.as_bytes()


@pytest.fixture
def defective(buffer_a):
    message = add_mail(buffer_a, defective_mail_bytes())
    Message.all_tenants.filter(pk=message.pk).update(
        signature=Message.Signature.VERIFIED, signature_detail="signer@dostawca.example"
    )
    return Message.all_tenants.get(pk=message.pk)


def expected_attachments(message) -> list[dict]:
    return [
        {
            "name": a.display_name,
            "role": a.role,
            "problem": a.problem,
            "problem_detail": reasons.in_english(a.problem_detail),  # stored as a code: given in words
        }
        for a in Attachment.all_tenants.filter(message=message).order_by("position")
    ]


def shown_attachments(mail: dict) -> list[dict]:
    keys = ("name", "role", "problem", "problem_detail")
    return [{key: attachment[key] for key in keys} for attachment in mail["attachments"]]


def assert_defects_given(mail: dict, message: Message) -> None:
    assert shown_attachments(mail) == expected_attachments(message)
    assert [a["role"] for a in mail["attachments"]] == ["picture", "document", "container", "signature"]
    container = mail["attachments"][2]
    assert (container["name"], container["problem"]) == ("paczka.zip", "unreadable")
    assert container["problem_detail"]
    assert all(a["problem"] == "" and a["problem_detail"] == "" for a in mail["attachments"][:2])
    assert mail["header_date"] is None and mail["header_date_text"] == ABSURD_DATE
    assert (mail["signature"], mail["signature_detail"]) == ("verified", "signer@dostawca.example")
    assert mail["defects"] == [reasons.in_english(line) for line in message.defect_list]
    assert isinstance(mail["defects"], list)
    assert "Date header out of range (kept as written)" in mail["defects"]
    assert any("paczka.zip" in defect for defect in mail["defects"])
    assert (mail["attachment_count"], mail["attachment_problems"]) == (1, 1)


def test_the_mail_detail_gives_roles_problems_defects_signature_and_the_date_as_written(
    point, client, defective
):
    response = client.get(reverse("api:point-mail", args=[point.pk, defective.pk]))
    assert response.status_code == 200, response.content
    assert_defects_given(response.json(), defective)


def test_the_mail_list_gives_the_same(point, client, defective):
    response = client.get(reverse("api:point-mails", args=[point.pk]))
    assert response.status_code == 200, response.content
    [mail] = response.json()["results"]
    assert_defects_given(mail, defective)


def test_a_whole_mail_has_empty_defects_and_a_real_date(point, client, buffer_a):
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "a@dostawca.example", "b@alpha.example", "Fine"
    message["Date"], message["Message-ID"] = "Tue, 03 Mar 2026 10:00:00 +0000", "<1@dostawca.example>"
    message.set_content("Faktura.")
    message.add_attachment(PDF, maintype="application", subtype="pdf", filename="faktura.pdf")
    stored = add_mail(buffer_a, message.as_bytes())
    mail = client.get(reverse("api:point-mail", args=[point.pk, stored.pk])).json()
    assert mail["defects"] == [] and mail["signature"] == "" and mail["signature_detail"] == ""
    assert mail["header_date"].startswith("2026-03-03") and mail["header_date_text"].startswith("Tue, 03")
    assert mail["attachment_problems"] == 0
    [attachment] = mail["attachments"]
    assert (attachment["role"], attachment["problem"], attachment["problem_detail"]) == ("document", "", "")


def test_the_container_that_cannot_be_opened_downloads_whole(point, client, defective):
    mail = client.get(reverse("api:point-mail", args=[point.pk, defective.pk])).json()
    container = mail["attachments"][2]
    response = client.get(container["download_url"])
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == DAMAGED_ZIP


def test_an_unreadable_mail_gives_its_reason(point, client, buffer_a):
    stored = add_mail(buffer_a, b"\x01\x02 nothing like a mail")
    mail = client.get(reverse("api:point-mail", args=[point.pk, stored.pk])).json()
    assert mail["state"] == "unreadable" and mail["unreadable_reason"] == reasons.in_english(
        stored.unreadable_reason
    )


def test_the_schema_documents_the_new_fields(db, anonymous_api_client):
    schema = anonymous_api_client().get(reverse("api:schema"), {"format": "json"}).json()
    components = schema["components"]["schemas"]
    attachment = components["Attachment"]["properties"]
    assert {"role", "problem", "problem_detail"} <= set(attachment)
    mail = components["Mail"]["properties"]
    assert mail["defects"]["type"] == "array" and mail["defects"]["items"]["type"] == "string"
    assert mail["header_date"]["nullable"] is True
    assert {"header_date_text", "signature", "signature_detail", "attachment_problems"} <= set(mail)


def test_another_companys_defective_mail_is_404_and_absent_from_the_list(
    point, client, world_b, defective, api_client_for
):
    foreign = add_mail(another_buffer(world_b), defective_mail_bytes(subject="Beta secret"))
    assert client.get(reverse("api:point-mail", args=[point.pk, foreign.pk])).status_code == 404
    container = Attachment.all_tenants.get(message=foreign, display_name="paczka.zip")
    assert client.get(reverse("api:attachment-file", args=[point.pk, container.pk])).status_code == 404
    subjects = [
        m["subject"] for m in client.get(reverse("api:point-mails", args=[point.pk])).json()["results"]
    ]
    assert subjects == ["Mixed bag"]
    beta = api_client_for(world_b.admin)
    assert beta.get(reverse("api:point-mail", args=[point.pk, defective.pk])).status_code == 404
