"""'A document was generated': opt-in per employee, never to the one who did it, never across tenants."""

import pytest
from django.db import transaction

from mailboxes.models import Notification
from mailboxes.notifications.events import document_generated
from tests.builders import another_employee, want


def generated(world, *, recipients, actor=None):
    document_generated(
        tenant=world.tenant,
        document_title="Faktura 12/2026",
        link_path="/acd/documents/12/",
        actor=actor,
        recipients=recipients,
    )


def test_only_employees_who_turned_it_on_are_told_and_never_the_one_who_generated_it(world_a):
    clerk = another_employee(world_a, "clerk")
    want(world_a.operator, document_generated=True)
    want(world_a.admin, document_generated=True)
    generated(world_a, recipients=[world_a.operator, world_a.admin, clerk], actor=world_a.admin)
    [notification] = Notification.all_tenants.all()
    assert (notification.recipient, notification.kind) == (world_a.operator, "document")
    assert notification.link_path == "/acd/documents/12/"
    assert notification.context == {"title": "Faktura 12/2026", "actor": "Admin alpha"}


def test_nobody_is_told_by_default(world_a):
    generated(world_a, recipients=[world_a.operator, world_a.admin])
    assert not Notification.all_tenants.exists()


def test_another_tenants_employee_is_never_a_recipient(world_a, world_b):
    want(world_b.operator, document_generated=True)
    generated(world_a, recipients=[world_b.operator])
    assert not Notification.all_tenants.exists()


def test_it_is_recorded_in_the_callers_transaction(world_a):
    want(world_a.operator, document_generated=True)
    with pytest.raises(RuntimeError), transaction.atomic():
        generated(world_a, recipients=[world_a.operator])
        assert Notification.all_tenants.count() == 1
        raise RuntimeError("generation failed after all")
    assert not Notification.all_tenants.exists()
