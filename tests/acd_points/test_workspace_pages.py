import pytest
from django.urls import reverse

from acd_points.generate import generate_documents
from acd_points.models import AcdPoint
from intake.models import DocumentFile
from mailboxes.models import Message
from tests.builders import add_mail, invoice_mail


@pytest.fixture
def point(make_point, world_a):
    return make_point(employees=[world_a.operator], show_subject=True, show_sender=False, show_received=True)


def test_the_area_lists_the_points_granted_to_the_operator(point, client_for, world_a, make_point):
    make_point(name="Not yours")
    page = client_for(world_a.operator).get(reverse("acd:area")).content.decode()
    assert "Invoices point" in page and "Not yours" not in page


def test_an_employee_without_any_point_has_no_acd_area(db, client_for, world_a):
    assert client_for(world_a.operator).get(reverse("acd:area")).status_code == 404


def test_an_operator_without_permission_gets_404_on_every_point_url(point, client_for, world_a, buffer_a):
    from intake.models import Employee
    from intake.tenants import add_employee

    stranger = add_employee(
        tenant=world_a.tenant, username="stranger", role=Employee.Role.OPERATOR, password="x"
    )
    message = add_mail(buffer_a, invoice_mail(1))
    client = client_for(stranger)
    for url in [
        reverse("acd:point", args=[point.pk]),
        reverse("acd:mail", args=[point.pk, message.pk]),
        reverse("acd:set-folder", args=[point.pk]),
    ]:
        assert client.get(url).status_code == 404, url
    assert (
        client.post(
            reverse("acd:point-action", args=[point.pk]), {"action": "generate", "mail": message.pk}
        ).status_code
        == 404
    )
    assert Message.all_tenants.get(pk=message.pk).state == Message.State.NEW


def test_another_tenant_gets_404_even_as_administrator(point, client_for, world_b):
    assert client_for(world_b.admin).get(reverse("acd:point", args=[point.pk])).status_code == 404


def test_the_list_shows_exactly_the_configured_columns_newest_first(point, client_for, world_a, buffer_a):
    add_mail(buffer_a, invoice_mail(1))
    add_mail(buffer_a, invoice_mail(2))
    response = client_for(world_a.operator).get(reverse("acd:point", args=[point.pk]))
    page = response.content.decode()
    assert (
        'class="col-subject"' in page and 'class="col-received"' in page and 'class="col-sender"' not in page
    )
    assert [m.subject for m in response.context["page"].mails] == ["Faktura 2/2026", "Faktura 1/2026"]


def test_search_finds_subject_sender_and_file_name(point, client_for, world_a, buffer_a):
    add_mail(buffer_a, invoice_mail(1, attachments=[("umowa-najmu.pdf", b"%PDF-1.4 x")]))
    add_mail(buffer_a, invoice_mail(2, sender="biuro@inny.example"))
    client = client_for(world_a.operator)
    url = reverse("acd:point", args=[point.pk])

    def subjects(q):
        return [m.subject for m in client.get(url, {"q": q}).context["page"].mails]

    assert subjects("NAJMU") == ["Faktura 1/2026"]
    assert subjects("inny.example") == ["Faktura 2/2026"]
    assert subjects("Faktura 2") == ["Faktura 2/2026"]


def test_filters_and_keyset_pages(point, client_for, world_a, buffer_a):
    for n in range(30):
        add_mail(buffer_a, invoice_mail(n))
    add_mail(buffer_a, b"\x01 garbage")
    client = client_for(world_a.operator)
    url = reverse("acd:point", args=[point.pk])
    first = client.get(url).context["page"]
    assert len(first.mails) == 25 and first.older and not first.newer
    second = client.get(url, {"after": first.older}).context["page"]
    assert len(second.mails) == 6 and not second.older
    assert not {m.pk for m in first.mails} & {m.pk for m in second.mails}
    back = client.get(url, {"before": second.newer}).context["page"]
    assert [m.pk for m in back.mails] == [m.pk for m in first.mails]
    unreadable = client.get(url, {"state": "unreadable"}).context["page"].mails
    assert [m.state for m in unreadable] == ["unreadable"]
    assert len(client.get(url, {"has_attachments": "1"}).context["page"].mails) == 25


def test_generate_hide_and_delete_buttons(point, client_for, world_a, buffer_a):
    one, two = add_mail(buffer_a, invoice_mail(1)), add_mail(buffer_a, invoice_mail(2))
    client = client_for(world_a.operator)
    action = reverse("acd:point-action", args=[point.pk])
    client.post(action, {"action": "generate", "mail": [one.pk]})
    client.post(action, {"action": "hide", "mail": [two.pk]})
    assert Message.all_tenants.get(pk=one.pk).state == Message.State.GENERATED
    assert Message.all_tenants.get(pk=two.pk).state == Message.State.HIDDEN
    assert (
        client.post(action, {"action": "delete_on_server", "mail": [one.pk]}).status_code == 404
    )  # not allowed
    page = client.get(reverse("acd:point", args=[point.pk])).content.decode()
    assert "Delete from list and mailbox" not in page


def test_downloads_are_attachments_and_html_is_never_previewed(point, client_for, world_a, buffer_a):
    message = add_mail(
        buffer_a,
        invoice_mail(
            1, attachments=[("f.pdf", b"%PDF-1.4 x"), ("evil.png", b"<html><script>alert(1)</script></html>")]
        ),
    )
    pdf, html = message.attachments.model.all_tenants.filter(message=message).order_by("position")
    client = client_for(world_a.operator)
    download = client.get(reverse("acd:attachment", args=[point.pk, pdf.pk, "download"]))
    assert (
        download["Content-Disposition"].startswith("attachment;")
        and download["X-Content-Type-Options"] == "nosniff"
    )
    assert download["Content-Type"] == "application/pdf"
    preview = client.get(reverse("acd:attachment", args=[point.pk, pdf.pk, "preview"]))
    assert preview["Content-Disposition"].startswith("inline")
    assert client.get(reverse("acd:attachment", args=[point.pk, html.pk, "preview"])).status_code == 404
    evil = client.get(reverse("acd:attachment", args=[point.pk, html.pk, "download"]))
    assert evil["Content-Type"] == "application/octet-stream" and evil["Content-Disposition"].startswith(
        "attachment;"
    )


def test_the_mail_page_shows_headers_text_and_attachments(point, client_for, world_a, buffer_a):
    message = add_mail(buffer_a, invoice_mail(3))
    page = client_for(world_a.operator).get(reverse("acd:mail", args=[point.pk, message.pk])).content.decode()
    assert "Faktura 3/2026" in page and "W załączeniu faktura 3." in page and "faktura.pdf" in page


def test_documents_pages_and_file_download(point, client_for, world_a, buffer_a, world_b):
    message = add_mail(buffer_a, invoice_mail(4))
    [document_id] = generate_documents(
        point=point, message_ids=[message.pk], employee=world_a.operator
    ).created
    client = client_for(world_a.operator)
    assert "Faktura 4/2026" in client.get(reverse("acd:documents")).content.decode()
    page = client.get(reverse("acd:document", args=[document_id])).content.decode()
    assert "Invoices point" in page and "Operator alpha" in page
    stored = DocumentFile.all_tenants.get(document_id=document_id)
    response = client.get(reverse("acd:document-file", args=[document_id, stored.pk]))
    assert response["Content-Disposition"].startswith("attachment;") and b"".join(
        response.streaming_content
    ).startswith(b"%PDF")
    assert client_for(world_b.admin).get(reverse("acd:document", args=[document_id])).status_code == 404


def test_set_folder_page_saves_a_safe_folder_and_refuses_traversal(make_point, client_for, world_a):
    point = make_point(employees=[world_a.operator], define_path_during_work=True)
    client = client_for(world_a.operator)
    url = reverse("acd:set-folder", args=[point.pk])
    assert "not allowed" in client.post(url, {"folder": "../../etc"}).content.decode()
    client.post(url, {"folder": "faktury/2026"})
    assert AcdPoint.all_tenants.get(pk=point.pk).work_folder == "faktury/2026"


def test_the_admin_refuses_a_point_without_columns_and_scopes_its_choices(
    client_for, world_a, world_b, buffer_a
):
    from tests.builders import another_buffer

    foreign_buffer = another_buffer(world_b)
    client = client_for(world_a.admin)
    data = {"kind": "mailbox", "buffer": buffer_a.pk, "name": "P", "work_folder": ""}
    response = client.post(reverse("admin:acd_points_acdpoint_add"), data)
    assert "Choose at least one column" in response.content.decode()
    response = client.post(
        reverse("admin:acd_points_acdpoint_add"), data | {"buffer": foreign_buffer.pk, "show_subject": "on"}
    )
    assert "Select a valid choice" in response.content.decode()
    response = client.post(
        reverse("admin:acd_points_acdpoint_add"),
        data | {"show_sender": "on", "employees": [world_b.operator.pk]},
    )
    assert "Select a valid choice" in response.content.decode()
    response = client.post(
        reverse("admin:acd_points_acdpoint_add"),
        data | {"show_sender": "on", "employees": [world_a.operator.pk]},
    )
    assert response.status_code == 302
    page = client.get(
        reverse("admin:acd_points_acdpoint_change", args=[AcdPoint.all_tenants.get().pk])
    ).content.decode()
    for tab in ("Cooperation mode", "General", "List", "Permissions"):
        assert tab in page
