"""An ACD point option "one document per attachment" (issue 13, item 10): mails that carry several
invoices give one document per attachment, titled with the subject and the file's name; exactly once,
with the follow-up work per file and the deletion on the server once per mail."""

import pytest
from django.urls import reverse

from acd_points import actions
from acd_points.admin import AcdPointForm
from acd_points.generate import generate_documents
from acd_points.models import MailAction, PendingWork, PointDocument
from intake.models import Document, DocumentFile
from intake.tenancy import tenant_context
from mailboxes.models import Message, Notification
from tests.builders import PDF, PNG, add_mail, another_employee, invoice_mail, want

INVOICES = [("FV-1.pdf", PDF), ("FV-2.pdf", PDF), ("skan.png", PNG)]


@pytest.fixture
def point(make_point, world_a, ocr_point):
    return make_point(
        employees=[world_a.operator],
        document_per_attachment=True,
        delete_after_generate=True,
        ocr_point=ocr_point,
    )


@pytest.fixture
def mail(buffer_a):
    return add_mail(buffer_a, invoice_mail(5, attachments=INVOICES))


def _documents(mail):
    links = PointDocument.all_tenants.filter(message=mail).order_by("pk").select_related("document")
    return [link.document for link in links]


def test_each_attachment_becomes_a_document_titled_with_the_subject_and_the_file(point, mail, world_a):
    report = generate_documents(point=point, message_ids=[mail.pk], employee=world_a.operator)
    documents = _documents(mail)
    assert report.created == [d.pk for d in documents] and report.documents == {mail.pk: report.created}
    assert [d.title for d in documents] == [
        "Faktura 5/2026 — FV-1.pdf",
        "Faktura 5/2026 — FV-2.pdf",
        "Faktura 5/2026 — skan.png",
    ]
    files = [
        list(DocumentFile.all_tenants.filter(document=d).values_list("original_name", flat=True))
        for d in documents
    ]
    assert files == [["FV-1.pdf"], ["FV-2.pdf"], ["skan.png"]]
    said = [text for _, text in actions.generation_messages(report)]
    assert said == ["3 documents generated."]


def test_exactly_once_whoever_clicks_again(point, mail, world_a):
    generate_documents(point=point, message_ids=[mail.pk], employee=world_a.operator)
    again = generate_documents(point=point, message_ids=[mail.pk], employee=world_a.admin)
    assert again.created == [] and again.skipped == [mail.pk]
    assert Document.all_tenants.count() == 3


def test_follow_up_copies_each_file_and_deletes_the_mail_once(point, mail, world_a):
    generate_documents(point=point, message_ids=[mail.pk], employee=world_a.operator)
    work = PendingWork.all_tenants.all()
    assert work.filter(kind=PendingWork.Kind.COPY_FILE).count() == 3
    assert list(work.filter(kind=PendingWork.Kind.DELETE_ON_SERVER).values_list("message_id", flat=True)) == [
        mail.pk
    ]


def test_the_history_and_the_notifications_name_each_document(point, mail, world_a):
    colleague = another_employee(world_a, "colleague")
    with tenant_context(world_a.tenant):
        point.employees.add(colleague)
    want(colleague, document_generated=True)
    generate_documents(point=point, message_ids=[mail.pk], employee=world_a.operator)
    rows = MailAction.all_tenants.filter(message=mail, action=MailAction.Action.GENERATED)
    assert sorted(rows.values_list("document_id", flat=True)) == sorted(d.pk for d in _documents(mail))
    told = Notification.all_tenants.filter(kind=Notification.Kind.DOCUMENT_GENERATED, recipient=colleague)
    assert sorted(told.values_list("link_path", flat=True)) == sorted(
        reverse("acd:document", args=[d.pk]) for d in _documents(mail)
    )


def test_the_option_off_keeps_one_document_per_mail(make_point, mail, world_a):
    point = make_point(name="One per mail")
    [document_id] = generate_documents(point=point, message_ids=[mail.pk], employee=world_a.operator).created
    assert DocumentFile.all_tenants.filter(document_id=document_id).count() == 3


def test_a_mail_without_files_still_gives_one_document_where_allowed(make_point, buffer_a, world_a):
    point = make_point(name="Lenient", document_per_attachment=True, allow_documents_without_files=True)
    bare = add_mail(buffer_a, invoice_mail(6, attachments=[]))
    report = generate_documents(point=point, message_ids=[bare.pk], employee=world_a.operator)
    assert len(report.created) == 1 and [e.message_id for e in report.without_files] == [bare.pk]


def test_restoring_a_mail_with_several_documents_brings_it_back_as_generated(point, mail, world_a):
    generate_documents(point=point, message_ids=[mail.pk], employee=world_a.operator)
    PendingWork.all_tenants.filter(kind=PendingWork.Kind.DELETE_ON_SERVER).delete()  # not decided, here
    actions.delete_from_list(point=point, message_ids=[mail.pk])
    assert actions.restore_to_list(point=point, message_ids=[mail.pk]).restored == 1
    assert Message.all_tenants.get(pk=mail.pk).state == Message.State.GENERATED


def test_the_mail_page_and_the_document_pages_link_each_other(point, mail, world_a, client_for):
    generate_documents(point=point, message_ids=[mail.pk], employee=world_a.operator)
    client = client_for(world_a.operator)
    page = client.get(reverse("acd:mail", args=[point.pk, mail.pk])).content.decode()
    for document in _documents(mail):
        assert f'href="{reverse("acd:document", args=[document.pk])}"' in page
        document_page = client.get(reverse("acd:document", args=[document.pk])).content.decode()
        assert reverse("acd:mail", args=[point.pk, mail.pk]) in document_page


def test_the_admin_form_offers_the_option_with_its_help():
    field = AcdPointForm().fields["document_per_attachment"]
    assert str(field.label) == "Generate a separate document for each attachment"
    assert "several invoices" in str(field.help_text)
