"""The operator chooses which attachments go onto the document (issue 13, item 10): the mail page offers
every attachment that can be copied, pre-checked per the point's rules; the service takes a choice per
mail, ignores ids that are not that mail's, and the history says which files were taken when the choice
differs from the default."""

import re

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from acd_points import actions
from acd_points.generate import generate_documents, unknown_choices
from acd_points.models import MailAction, NoFiles, PointDocument
from intake.models import DocumentFile
from intake.tenancy import tenant_context
from mailboxes.models import Attachment, Message
from tests.builders import PDF, PNG, add_mail, invoice_mail, xml_mail

THREE = [("faktura.pdf", PDF), ("korekta.pdf", PDF), ("skan.png", PNG)]


@pytest.fixture
def point(make_point, world_a):
    return make_point(employees=[world_a.operator])


@pytest.fixture
def mail(buffer_a):
    return add_mail(buffer_a, invoice_mail(1, attachments=THREE))


def _ids(mail, *names):
    found = dict(Attachment.all_tenants.filter(message=mail).values_list("display_name", "pk"))
    return [found[name] for name in names]


def _files(report):
    stored = DocumentFile.all_tenants.filter(document_id__in=report.created).order_by("pk")
    return [f.original_name for f in stored]


def _boxes(page):
    """(attachment id, checked) of the page's "include in the document" boxes."""
    pattern = r'name="attachment" value="(\d+)" form="mail-page-actions"( checked)?'
    return {int(pk): bool(checked) for pk, checked in re.findall(pattern, page)}


def test_the_page_pre_checks_per_the_points_rules(make_point, buffer_a, client_for, world_a):
    graphic = make_point(name="Graphic", graphic_only=True, employees=[world_a.operator])
    mail = add_mail(buffer_a, xml_mail(1))
    page = client_for(world_a.operator).get(reverse("acd:mail", args=[graphic.pk, mail.pk])).content.decode()
    pdf, xml = _ids(mail, "wizualizacja.pdf", "faktura.xml")
    assert _boxes(page) == {pdf: True, xml: False}  # both offered; the graphic-only point takes the pdf


def test_the_chosen_attachments_go_onto_the_document_and_the_history_says_so(point, mail, world_a):
    chosen = _ids(mail, "korekta.pdf", "skan.png")
    report = generate_documents(
        point=point, message_ids=[mail.pk], employee=world_a.operator, choices={mail.pk: chosen}
    )
    assert _files(report) == ["korekta.pdf", "skan.png"]
    entry = MailAction.all_tenants.get(message=mail, action=MailAction.Action.GENERATED)
    assert entry.detail == "korekta.pdf, skan.png"


def test_the_default_choice_leaves_no_detail(point, mail, world_a):
    everything = _ids(mail, "faktura.pdf", "korekta.pdf", "skan.png")
    generate_documents(
        point=point, message_ids=[mail.pk], employee=world_a.operator, choices={mail.pk: everything}
    )
    assert MailAction.all_tenants.get(message=mail).detail == ""


def test_ids_of_another_mail_are_ignored_by_the_service_and_named_by_the_check(
    point, mail, buffer_a, world_a
):
    other = add_mail(buffer_a, invoice_mail(2))
    [foreign] = _ids(other, "faktura.pdf")
    [own] = _ids(mail, "skan.png")
    with tenant_context(world_a.tenant):
        assert unknown_choices(point, {mail.pk: [own, foreign]}) == {mail.pk: [foreign]}
    report = generate_documents(
        point=point, message_ids=[mail.pk], employee=world_a.operator, choices={mail.pk: [own, foreign]}
    )
    assert _files(report) == ["skan.png"]
    assert Message.all_tenants.get(pk=other.pk).state == Message.State.NEW


def test_an_attachment_that_cannot_be_copied_is_not_offered_nor_taken(point, mail, client_for, world_a):
    encrypted, missing, whole = _ids(mail, "faktura.pdf", "korekta.pdf", "skan.png")
    Attachment.all_tenants.filter(pk=encrypted).update(problem=Attachment.Problem.ENCRYPTED)
    default_storage.delete(Attachment.all_tenants.get(pk=missing).file.name)
    page = client_for(world_a.operator).get(reverse("acd:mail", args=[point.pk, mail.pk])).content.decode()
    assert _boxes(page) == {whole: True}
    assert page.count("cannot go onto a document") == 2
    report = generate_documents(
        point=point,
        message_ids=[mail.pk],
        employee=world_a.operator,
        choices={mail.pk: [encrypted, missing, whole]},
    )
    assert _files(report) == ["skan.png"]


def test_by_default_only_copyable_files_are_taken_and_none_left_is_said(point, buffer_a, world_a):
    mail = add_mail(buffer_a, invoice_mail(3))
    Attachment.all_tenants.filter(message=mail).update(problem=Attachment.Problem.UNREADABLE)
    report = generate_documents(point=point, message_ids=[mail.pk], employee=world_a.operator)
    assert [r.reason for r in report.refused] == [NoFiles.UNUSABLE]
    texts = [text for _, text in actions.generation_messages(report)]
    assert "1 mail was not generated: its attachments cannot be copied" in texts[0]


def test_choosing_none_is_refused_unless_the_point_allows_documents_without_files(
    point, make_point, mail, buffer_a, world_a
):
    report = generate_documents(
        point=point, message_ids=[mail.pk], employee=world_a.operator, choices={mail.pk: []}
    )
    assert [r.reason for r in report.refused] == [NoFiles.NONE_CHOSEN] and not report.created
    assert Message.all_tenants.get(pk=mail.pk).state == Message.State.NEW
    said = [text for _, text in actions.generation_messages(report)]
    assert said[0] == "1 mail was not generated: no attachment was chosen for its document."
    lenient = make_point(name="Lenient", allow_documents_without_files=True)
    report = generate_documents(
        point=lenient, message_ids=[mail.pk], employee=world_a.operator, choices={mail.pk: []}
    )
    [document_id] = report.created
    assert not DocumentFile.all_tenants.filter(document_id=document_id).exists()
    assert PointDocument.all_tenants.get(document_id=document_id).no_files_reason == NoFiles.NONE_CHOSEN
    assert MailAction.all_tenants.get(message=mail).detail == "—"


def test_the_pages_generate_posts_the_checked_boxes(point, mail, client_for, world_a):
    client = client_for(world_a.operator)
    url = reverse("acd:mail", args=[point.pk, mail.pk])
    page = client.get(url).content.decode()
    assert all(_boxes(page).values()) and len(_boxes(page)) == 3
    [png] = _ids(mail, "skan.png")
    body = {"action": "generate", "mail": mail.pk, "choose": "1", "attachment": [png], "then": "next"}
    client.post(reverse("acd:point-action", args=[point.pk]), body)
    link = PointDocument.all_tenants.get(message=mail)
    names = DocumentFile.all_tenants.filter(document_id=link.document_id).values_list(
        "original_name", flat=True
    )
    assert list(names) == ["skan.png"]
    history = client.get(url).content.decode()
    assert "files chosen: skan.png" in history
    document_page = client.get(reverse("acd:document", args=[link.document_id])).content.decode()
    assert "files chosen: skan.png" in document_page
