"""Names fit to show: invisible controls never reach a page, a download or a mail header.

"faktura\u202efdp.exe" displays as "fakturaexe.pdf" (the right-to-left override reverses what follows it);
zero-width and other format characters hide text; a line break in a company's or an employee's name made
every later notification to them fail. Each entry point where such text comes in is checked here.
"""

import sys
import unicodedata
from email import policy
from email.message import EmailMessage

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from intake.documents import IncomingFile, create_document
from intake.files import fit_to_show, safe_display_name
from intake.models import DocumentFile, Employee, Tenant
from intake.tenants import add_employee, create_tenant, shown_name
from mailboxes.extract import extract_mail
from mailboxes.models import Attachment, Message, Notification
from mailboxes.notifications import compose
from tests.builders import PDF, add_mail, make_remote_mailbox, queue

BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]
MARKS = ["\u200e", "\u200f", "\u061c"]
ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"]
C0 = [chr(c) for c in range(0x20)] + ["\x7f"]
C1 = [chr(c) for c in range(0x80, 0xA0)]
SEPARATORS = ["\u2028", "\u2029"]
UNFIT = BIDI + MARKS + ZERO_WIDTH + C0 + C1 + SEPARATORS


def names(character: str) -> str:
    return f"U+{ord(character):04X}"


@pytest.mark.parametrize("character", UNFIT, ids=names)
def test_a_file_name_loses_every_invisible_or_control_character(character):
    shown = safe_display_name(f"faktura{character}fdp.exe")
    assert character not in shown
    assert shown.replace(" ", "") == "fakturafdp.exe"  # a line break or tab became a space


def test_the_right_to_left_override_no_longer_disguises_the_extension():
    assert safe_display_name("faktura\u202efdp.exe") == "fakturafdp.exe"


def test_every_format_character_of_unicode_is_removed():
    formats = "".join(chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cf")
    assert fit_to_show(f"a{formats}b") == "ab"


def test_text_keeps_letters_of_every_script_and_multi_line_text_keeps_its_lines():
    assert (
        fit_to_show("Zażółć gęślą jaźń · שלום · مرحبا · 請求書")
        == "Zażółć gęślą jaźń · שלום · مرحبا · 請求書"
    )
    assert fit_to_show("one\r\ntwo\u2028three\tfour", keep_lines=True) == "one\ntwo\nthree\tfour"
    assert fit_to_show("one\r\ntwo\u2028three\tfour") == "one two three four"


def mail_with(*, subject: str, sender_name: str, file_name: str) -> bytes:
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = f'"{sender_name}" <dostawca@example.com>'
    message["To"] = "faktury@alpha.example"
    message["Subject"] = subject
    message.set_content("W załączeniu.")
    message.add_attachment(PDF, maintype="application", subtype="pdf", filename=file_name)
    return message.as_bytes()


DISGUISED = mail_with(
    subject="Faktura\u202e\u200b 7/2026",
    sender_name="Bank\u2066 Polski\u200d",
    file_name="faktura\u202efdp.exe",
)


def test_extracted_attachment_names_are_fit_to_show():
    [attachment] = extract_mail(DISGUISED).attachments
    assert attachment.display_name == "fakturafdp.exe"


def test_stored_mail_shows_subject_sender_and_names_without_invisible_characters(buffer_a):
    message = add_mail(buffer_a, DISGUISED)
    assert message.subject == "Faktura 7/2026"
    assert message.sender == "Bank Polski <dostawca@example.com>"
    assert Attachment.all_tenants.get(message=message).display_name == "fakturafdp.exe"
    assert "\u202e" not in Message.all_tenants.get(pk=message.pk).search_text


def test_document_file_names_are_fit_to_show(world_a):
    document = create_document(
        tenant=world_a.tenant, title="Faktura", files=[IncomingFile("faktura\u202efdp.exe", PDF)]
    )
    assert DocumentFile.all_tenants.get(document=document).original_name == "fakturafdp.exe"


@pytest.mark.parametrize(
    "value", ["Acme\r\nBcc: everyone@example.com", "Acme\nSp. z o.o.", "Acme\tX", "A\u2028B"]
)
def test_a_company_name_that_is_not_one_line_is_refused(db, value):
    with pytest.raises(ValidationError):
        create_tenant(name=value, slug="acme")
    assert not Tenant.objects.filter(slug="acme").exists()


def test_invisible_characters_are_removed_from_company_and_employee_names(db):
    tenant = create_tenant(name="Acme\u202e Sp. z o.o.\u200b", slug="acme")
    assert tenant.name == "Acme Sp. z o.o."
    employee = add_employee(tenant=tenant, username="jan", role="operator", display_name="Jan\u2067 Kowalski")
    assert employee.display_name == "Jan Kowalski"
    assert shown_name("  Anna Nowak\ufeff ") == "Anna Nowak"


def test_an_employee_display_name_with_a_line_break_is_refused(world_a):
    with pytest.raises(ValidationError):
        add_employee(tenant=world_a.tenant, username="jan", role="operator", display_name="Jan\r\nKowalski")


def test_the_create_tenant_command_refuses_a_name_with_a_line_break_clearly(db):
    with pytest.raises(CommandError, match="single line"):
        call_command("create_tenant", "Acme\nBcc: x@example.com", "--admin", "anna", "--password", "x" * 20)
    assert not Tenant.objects.exists()


def test_the_profile_form_refuses_a_display_name_with_a_line_break(world_a, client_for):
    response = client_for(world_a.operator).post(
        reverse("profile"), {"display_name": "Jan\r\nKowalski", "email": "jan@alpha.example"}
    )
    assert response.status_code == 200
    assert "single line" in response.content.decode()
    world_a.operator.refresh_from_db()
    assert world_a.operator.display_name == "Operator alpha"


def test_the_tenant_admin_refuses_a_company_name_with_a_line_break(world_a, client_for):
    response = client_for(world_a.admin).post(
        reverse("admin:intake_tenant_change", args=[world_a.tenant.pk]),
        {"name": "Alpha\r\nBcc: x@example.com"},
    )
    assert response.status_code == 200
    assert "single line" in response.content.decode()
    world_a.tenant.refresh_from_db()
    assert world_a.tenant.name == "Company ALPHA"


def test_the_employee_admin_refuses_a_display_name_with_a_line_break(world_a, client_for):
    client = client_for(world_a.admin)
    change = client.post(
        reverse("admin:intake_employee_change", args=[world_a.operator.pk]),
        {
            "display_name": "Jan\nKowalski",
            "email": "operator@alpha.example",
            "role": "operator",
            "is_active": "on",
        },
    )
    assert change.status_code == 200 and "single line" in change.content.decode()
    add = client.post(
        reverse("admin:intake_employee_add"),
        {
            "username": "new-clerk",
            "password": "a-long-enough-passphrase-42",
            "display_name": "New\r\nClerk",
            "email": "clerk@alpha.example",
            "role": "operator",
            "is_active": "on",
        },
    )
    assert add.status_code == 200 and "single line" in add.content.decode()
    assert not Employee.all_tenants.filter(user__username="new-clerk").exists()
    world_a.operator.refresh_from_db()
    assert world_a.operator.display_name == "Operator alpha"


def test_names_stored_before_with_line_breaks_never_break_composing_a_notification(world_a):
    # Rows written before the forms refused them (or straight into the database).
    Tenant.objects.filter(pk=world_a.tenant.pk).update(name="Alpha\r\nBcc: everyone@example.com\u202e")
    Employee.all_tenants.filter(pk=world_a.operator.pk).update(display_name="Jan\r\nKowalski\u200b")
    notification = queue(world_a, title="Faktura\r\n7\u202e")
    notification = Notification.all_tenants.select_related("tenant", "recipient__user").get(
        pk=notification.pk
    )
    mailbox = make_remote_mailbox(world_a.tenant, name="Powiadomienia\r\nX", password="x")
    message = compose.build(notification, mailbox, language="en")
    data = message.as_bytes(policy=policy.SMTP)
    head = data.split(b"\r\n\r\n", 1)[0].decode()
    assert "\nBcc:" not in head
    assert str(message["To"]) == "Jan Kowalski <operator@alpha.example>"
    assert message["From"].addresses[0].display_name == "Alpha Bcc: everyone@example.com"
    assert message["Subject"] == "Document generated: Faktura 7"


def test_download_names_of_rows_stored_before_are_fit_to_show(
    world_a, client_for, make_point, buffer_a, own_file_area
):
    point = make_point(employees=[world_a.operator])
    message = add_mail(buffer_a, DISGUISED)
    Attachment.all_tenants.filter(message=message).update(display_name="faktura\u202efdp.exe")
    attachment = Attachment.all_tenants.get(message=message)
    response = client_for(world_a.operator).get(
        reverse("acd:attachment", args=[point.pk, attachment.pk, "download"])
    )
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert "%E2%80%AE" not in disposition.upper() and "\u202e" not in disposition
    assert "fakturafdp.exe" in disposition
