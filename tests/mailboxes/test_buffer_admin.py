from django.urls import reverse

from intake.models import Employee
from mailboxes.models import Buffer
from tests.builders import another_mailbox

ADD_URL = reverse("admin:mailboxes_buffer_add")


def form(mailbox, **overrides):
    return {
        "name": "Faktury",
        "mailbox": mailbox.pk,
        "folder": "INBOX",
        "enabled": "on",
        "poll_interval_seconds": "120",
    } | overrides


def test_a_buffer_is_created_on_a_folder_of_the_chosen_mailbox(admin_client, world_a):
    mailbox = another_mailbox(world_a)
    mailbox.folders.append(
        {"name": "Faktury/2026", "delimiter": "/", "flags": [], "depth": 1, "selectable": True}
    )
    mailbox.save()
    page = admin_client.get(ADD_URL).content.decode()
    assert "Faktury/2026" in page  # offered in the folder picker
    response = admin_client.post(
        ADD_URL, form(mailbox, folder="Faktury/2026", employees=[world_a.operator.pk])
    )
    assert response.status_code == 302
    buffer = Buffer.all_tenants.get()
    assert (buffer.tenant, buffer.folder) == (world_a.tenant, "Faktury/2026")
    assert list(Employee.all_tenants.filter(buffers=buffer)) == [world_a.operator]


def test_a_folder_the_mailbox_does_not_have_is_refused(admin_client, world_a):
    response = admin_client.post(ADD_URL, form(another_mailbox(world_a), folder="Elsewhere"))
    assert response.status_code == 200
    assert not Buffer.all_tenants.exists()


def test_a_tenant_administrator_cannot_point_a_buffer_at_another_tenants_mailbox(admin_client, world_b):
    response = admin_client.post(ADD_URL, form(another_mailbox(world_b)))
    assert "Select a valid choice" in response.content.decode()
    assert not Buffer.all_tenants.exists()


def test_a_tenant_administrator_cannot_grant_another_tenants_employee(admin_client, world_a, world_b):
    response = admin_client.post(ADD_URL, form(another_mailbox(world_a), employees=[world_b.operator.pk]))
    assert "Select a valid choice" in response.content.decode()
    assert not Buffer.all_tenants.exists()


def test_polling_interval_has_a_floor(admin_client, world_a):
    response = admin_client.post(ADD_URL, form(another_mailbox(world_a), poll_interval_seconds="5"))
    assert "At least 30 seconds" in response.content.decode()
