"""End to end in a real browser: an administrator configures a point, an operator works it."""

import hashlib

import pytest

from acd_points.models import AcdPoint
from intake.models import DocumentFile, Employee
from intake.tenants import add_employee
from mailboxes.models import Message
from tests.builders import PASSWORD, PDF, PNG, XML, add_mail, invoice_mail

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def mail_with_pdf_logo_and_xml(buffer_a):
    return add_mail(
        buffer_a,
        invoice_mail(11, attachments=[("faktura-11.pdf", PDF), ("logo.png", PNG), ("faktura-11.xml", XML)]),
    )


def administrator_creates_the_point(login, live_server, screenshot, world_a, buffer_a) -> AcdPoint:
    """In the admin: two columns, one employee, graphic attachments only."""
    admin = login(world_a.admin, PASSWORD)
    admin.goto(f"{live_server.url}/admin/acd_points/acdpoint/add/")
    admin.select_option("#id_buffer", label=buffer_a.name)
    admin.fill("#id_name", "Faktury kosztowe")
    admin.check("#id_graphic_only")
    admin.uncheck("#id_show_sender")
    admin.select_option("#id_employees_from", label=str(world_a.operator))
    admin.click("#id_employees_add")
    screenshot(admin, "admin-acd-point")
    admin.click("input[name=_save]")
    admin.wait_for_selector(".messagelist .success")
    point = AcdPoint.all_tenants.get(name="Faktury kosztowe")
    assert point.columns == ["subject", "received"] and point.graphic_only
    screenshot(admin, "admin-acd-point-list")
    return point


def test_configured_columns_generation_download_and_no_access_for_others(
    login, live_server, screenshot, world_a, buffer_a, mail_with_pdf_logo_and_xml, tmp_path
):
    point = administrator_creates_the_point(login, live_server, screenshot, world_a, buffer_a)

    # The operator sees exactly those columns.
    operator = login(world_a.operator, PASSWORD)
    operator.click("text=ACD")
    screenshot(operator, "acd-area")
    operator.click(f"text={point.name}")
    headers = operator.locator("table.mail-list thead th").all_inner_texts()
    assert headers[1:] == ["Subject", "Received", "Attachments", "State"]
    assert operator.locator("th.col-sender").count() == 0
    screenshot(operator, "mail-list")

    operator.click("text=Faktura 11/2026")
    operator.wait_for_selector("iframe.preview")
    screenshot(operator, "mail-page")
    operator.go_back()

    # Generate a document: only the PDF and the PNG logo come along on a graphic-only point.
    operator.check(f"input[name=mail][value='{mail_with_pdf_logo_and_xml.pk}']")
    operator.click("button[value=generate]")
    operator.wait_for_selector("text=1 document generated.")
    screenshot(operator, "generated")
    assert Message.all_tenants.get(pk=mail_with_pdf_logo_and_xml.pk).state == Message.State.GENERATED
    stored = DocumentFile.all_tenants.filter(document__point_document__point=point).order_by("pk")
    assert [f.original_name for f in stored] == ["faktura-11.pdf", "logo.png"]

    # ... and downloads the PDF from the document's page.
    operator.click("text=Documents")
    operator.click("text=Faktura 11/2026")
    screenshot(operator, "document")
    with operator.expect_download() as download_info:
        operator.click("text=faktura-11.pdf")
    download = download_info.value
    assert download.suggested_filename == "faktura-11.pdf"
    saved = tmp_path / "download.pdf"
    download.save_as(saved)
    assert hashlib.sha256(saved.read_bytes()).hexdigest() == stored[0].sha256

    # Another operator, not granted the point, gets 404 on its URLs.
    other = add_employee(
        tenant=world_a.tenant, username="other-operator", role=Employee.Role.OPERATOR, password=PASSWORD
    )
    stranger = login(other, PASSWORD)
    for path in (
        f"/acd/points/{point.pk}/",
        f"/acd/points/{point.pk}/mails/{mail_with_pdf_logo_and_xml.pk}/",
    ):
        assert stranger.goto(f"{live_server.url}{path}").status == 404
    screenshot(stranger, "no-access")
