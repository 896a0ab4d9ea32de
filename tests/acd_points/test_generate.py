import threading

import pytest
from django.core.files.storage import default_storage
from django.db import connection

from acd_points.generate import generate_documents
from acd_points.models import PendingWork, PointDocument
from intake.models import Document, DocumentFile
from mailboxes.models import Message
from tests.builders import PDF, PNG, add_mail, xml_mail


def test_a_document_gets_the_mails_attachments_and_the_mail_is_marked(
    make_point, buffer_a, world_a, invoice_with_logo
):
    point = make_point(employees=[world_a.operator])
    message = add_mail(buffer_a, invoice_with_logo)
    report = generate_documents(point=point, message_ids=[message.pk], employee=world_a.operator)
    [document] = Document.all_tenants.filter(pk__in=report.created)
    files = DocumentFile.all_tenants.filter(document=document).order_by("pk")
    assert [(f.original_name, f.content_type) for f in files] == [
        ("faktura-7.pdf", "application/pdf"),
        ("logo.png", "image/png"),
    ]
    assert default_storage.open(files[0].file.name).read() == PDF
    assert document.created_by == world_a.operator and document.title == "Faktura 7/2026"
    link = PointDocument.all_tenants.get(document=document)
    assert (link.point, link.message) == (point, message)
    assert Message.all_tenants.get(pk=message.pk).state == Message.State.GENERATED


def test_generating_twice_creates_one_document(make_point, buffer_a, world_a, invoice_with_logo):
    point = make_point()
    message = add_mail(buffer_a, invoice_with_logo)
    generate_documents(point=point, message_ids=[message.pk], employee=world_a.operator)
    again = generate_documents(point=point, message_ids=[message.pk], employee=world_a.admin)
    assert again.created == [] and again.skipped == [message.pk]
    assert Document.all_tenants.count() == 1


def test_a_graphic_only_point_keeps_pdf_and_images_and_drops_the_rest(make_point, buffer_a, world_a):
    point = make_point(graphic_only=True)
    message = add_mail(buffer_a, xml_mail())
    [document_id] = generate_documents(
        point=point, message_ids=[message.pk], employee=world_a.operator
    ).created
    names = list(
        DocumentFile.all_tenants.filter(document_id=document_id).values_list("original_name", flat=True)
    )
    assert names == ["wizualizacja.pdf"]


def test_unreadable_mail_is_not_generated(make_point, buffer_a, world_a):
    point = make_point()
    message = add_mail(buffer_a, b"\x01\x02 nothing like a mail")
    assert message.state == Message.State.UNREADABLE
    assert generate_documents(point=point, message_ids=[message.pk], employee=world_a.operator).created == []


def test_mail_of_another_buffer_cannot_be_generated_through_a_point(
    make_point, world_b, world_a, invoice_with_logo
):
    from tests.builders import another_buffer

    other = another_buffer(world_b)
    foreign = add_mail(other, invoice_with_logo)
    point = make_point()
    assert generate_documents(point=point, message_ids=[foreign.pk], employee=world_a.operator).created == []
    assert Message.all_tenants.get(pk=foreign.pk).state == Message.State.NEW


def test_ocr_and_work_folder_copies_are_recorded_with_the_document(
    make_point, buffer_a, world_a, ocr_point, invoice_with_logo
):
    point = make_point(ocr_point=ocr_point, define_path_during_work=True, work_folder="faktury/2026")
    message = add_mail(buffer_a, invoice_with_logo)
    generate_documents(point=point, message_ids=[message.pk], employee=world_a.operator)
    folders = sorted(PendingWork.all_tenants.filter(kind="copy").values_list("folder", flat=True))
    assert folders == ["faktury/2026", "faktury/2026", "ocr/incoming", "ocr/incoming"]


@pytest.mark.django_db(transaction=True)
def test_two_operators_clicking_at_once_get_exactly_one_document(
    make_point, buffer_a, world_a, invoice_with_logo
):
    point = make_point()
    message = add_mail(buffer_a, invoice_with_logo)
    start = threading.Barrier(2)
    reports = []

    def click(employee):
        try:
            start.wait()
            reports.append(generate_documents(point=point, message_ids=[message.pk], employee=employee))
        finally:
            connection.close()

    threads = [threading.Thread(target=click, args=(e,)) for e in (world_a.operator, world_a.admin)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(len(r.created) for r in reports) == [0, 1]
    assert Document.all_tenants.count() == 1 and PointDocument.all_tenants.count() == 1
    assert DocumentFile.all_tenants.count() == 2
    assert PNG  # the logo came along: both files belong to the one document
