"""Destructive actions on a point's mail: "Delete from list and mailbox" asks first, naming how many mails
and which mailbox; "Delete from list" can be undone (the Removed filter and Restore)."""

import re

import pytest
from django.urls import reverse

from acd_points import actions, follow_up
from acd_points.models import PendingWork
from mailboxes.models import Message
from tests import builders
from tests.builders import invoice_mail


@pytest.fixture
def served(served_buffer, world_a, make_point):
    """A point allowing deletion from the mailbox, over a buffer really polled from Dovecot (three mails)."""
    buffer, mailbox, user = served_buffer()
    point = make_point(buffer=buffer, allow_delete_from_mailbox=True, employees=[world_a.operator])
    return point, mailbox, user


@pytest.fixture
def point(make_point, world_a):
    return make_point(employees=[world_a.operator])


def _uids_on_server(dovecot, user):
    with dovecot.connect(user.login) as client:
        client.select_folder("INBOX", readonly=True)
        return set(client.search("ALL"))


def _states(ids):
    return [Message.all_tenants.get(pk=pk).state for pk in ids]


def _mails(point):
    return list(Message.all_tenants.filter(buffer=point.buffer).order_by("uid"))


def test_the_delete_button_asks_first_naming_the_count_and_the_mailbox(served, client_for, world_a):
    point, mailbox, _ = served
    ids = [m.pk for m in _mails(point)[:2]]
    client = client_for(world_a.operator)
    action = reverse("acd:point-action", args=[point.pk])
    answer = client.post(action, {"action": "delete_on_server", "mail": ids, "query": "q=Faktura"})
    assert answer.status_code == 302 and answer.url.startswith(reverse("acd:confirm-delete", args=[point.pk]))
    assert _states(ids) == [Message.State.NEW] * 2 and not PendingWork.all_tenants.exists()
    page = client.get(answer.url).content.decode()
    assert (
        f"Delete 2 mails from the list and from the mailbox {mailbox.name} ({mailbox.email_address})? "
        "This cannot be undone." in page
    )
    hidden = set(re.findall(r'name="mail" value="(\d+)"', page))
    assert hidden == {str(pk) for pk in ids}
    assert 'name="confirm" value="1"' in page


def test_cancel_does_nothing_and_confirm_deletes_on_the_server(served, client_for, world_a, dovecot):
    point, _, user = served
    first, second, third = _mails(point)
    client = client_for(world_a.operator)
    confirm = reverse("acd:confirm-delete", args=[point.pk]) + f"?mail={first.pk}&query=q%3DFaktura"
    page = client.get(confirm).content.decode()
    cancel = re.search(r'<a class="button cancel" href="([^"]+)"', page).group(1)
    assert cancel == reverse("acd:point", args=[point.pk]) + "?q=Faktura"
    assert client.get(cancel).status_code == 200
    assert _states([first.pk]) == [Message.State.NEW]
    action = reverse("acd:point-action", args=[point.pk])
    answer = client.post(action, {"action": "delete_on_server", "confirm": "1", "mail": [first.pk]})
    assert answer.url == reverse("acd:point", args=[point.pk])
    assert _states([first.pk]) == [Message.State.HIDDEN]
    assert follow_up.run_due() == 1
    assert _uids_on_server(dovecot, user) == {second.uid, third.uid}
    assert _states([first.pk, second.pk]) == [Message.State.DELETED_ON_SERVER, Message.State.NEW]


def test_the_confirmation_page_counts_only_the_point_s_listed_mail(served, client_for, world_a, buffer_a):
    point, _, _ = served
    first = _mails(point)[0]
    elsewhere = builders.add_mail(buffer_a, invoice_mail(9))
    client = client_for(world_a.operator)
    page = client.get(reverse("acd:confirm-delete", args=[point.pk]), {"mail": [first.pk, elsewhere.pk]})
    assert "Delete 1 mail from the list" in page.content.decode()
    nothing = client.get(reverse("acd:confirm-delete", args=[point.pk]), {"mail": [elsewhere.pk]})
    assert nothing.status_code == 302 and _states([elsewhere.pk]) == [Message.State.NEW]


def test_the_removed_filter_lists_only_mails_removed_from_the_list(served, client_for, world_a):
    point, _, _ = served
    hidden, deleting, kept = _mails(point)
    actions.delete_from_list(point=point, message_ids=[hidden.pk])
    actions.delete_from_list_and_mailbox(point=point, message_ids=[deleting.pk])
    client = client_for(world_a.operator)
    url = reverse("acd:point", args=[point.pk])
    answer = client.get(url, {"state": "removed"})
    assert [m.pk for m in answer.context["page"].mails] == [hidden.pk]
    page = answer.content.decode()
    assert 'value="restore"' in page and 'value="generate"' not in page
    assert [m.pk for m in client.get(url).context["page"].mails] == [kept.pk]
    # The buffer's own list (no actions) has no such filter.
    buffer_list = client_for(world_a.admin).get(
        reverse("acd:buffer", args=[point.buffer.pk]), {"state": "removed"}
    )
    assert {m.pk for m in buffer_list.context["page"].mails} == {kept.pk}


@pytest.mark.parametrize("who", ["operator", "admin"])
def test_restore_brings_mail_back_as_it_was_and_it_generates(point, buffer_a, client_for, world_a, who):
    new = builders.add_mail(buffer_a, invoice_mail(1))
    unreadable = builders.add_mail(buffer_a, b"\x01 garbage")
    generated = builders.add_mail(buffer_a, invoice_mail(2))
    actions.generate(point=point, message_ids=[generated.pk], employee=world_a.operator)
    ids = [new.pk, unreadable.pk, generated.pk]
    assert actions.delete_from_list(point=point, message_ids=ids) == 3
    client = client_for(getattr(world_a, who))
    action = reverse("acd:point-action", args=[point.pk])
    answer = client.post(action, {"action": "restore", "mail": ids, "query": "state=removed"}, follow=True)
    assert "3 mails restored to the list." in answer.content.decode()
    assert _states(ids) == [Message.State.NEW, Message.State.UNREADABLE, Message.State.GENERATED]
    report = actions.generate(point=point, message_ids=ids, employee=world_a.operator)
    assert len(report.created) == 1 and len(report.skipped) == 2
    assert _states([new.pk]) == [Message.State.GENERATED]


def test_mail_deleted_from_the_mailbox_cannot_be_restored(served, client_for, world_a):
    point, _, _ = served
    deleted, deleting, _ = _mails(point)
    actions.delete_from_list_and_mailbox(point=point, message_ids=[deleted.pk])
    assert follow_up.run_due() == 1
    actions.delete_from_list_and_mailbox(point=point, message_ids=[deleting.pk])  # its work not run yet
    action = reverse("acd:point-action", args=[point.pk])
    answer = client_for(world_a.operator).post(
        action, {"action": "restore", "mail": [deleted.pk, deleting.pk]}, follow=True
    )
    assert "2 mails cannot be restored: they were deleted from the mailbox" in answer.content.decode()
    assert _states([deleted.pk, deleting.pk]) == [Message.State.DELETED_ON_SERVER, Message.State.HIDDEN]


def test_restore_needs_access_to_the_point(point, buffer_a, client_for, world_a, world_b):
    mail = builders.add_mail(buffer_a, invoice_mail(1))
    actions.delete_from_list(point=point, message_ids=[mail.pk])
    action = reverse("acd:point-action", args=[point.pk])
    outsider = builders.another_employee(world_a, "no-access")  # an employee not granted this point
    for employee in (outsider, world_b.admin, world_b.operator):
        answer = client_for(employee).post(action, {"action": "restore", "mail": [mail.pk]})
        assert answer.status_code == 404, employee
    assert _states([mail.pk]) == [Message.State.HIDDEN]


def test_restore_ignores_another_tenant_s_mail_sent_by_id(point, client_for, world_a, world_b):
    theirs = builders.another_message(world_b)
    Message.all_tenants.filter(pk=theirs.pk).update(state=Message.State.HIDDEN)
    action = reverse("acd:point-action", args=[point.pk])
    answer = client_for(world_a.admin).post(action, {"action": "restore", "mail": [theirs.pk]}, follow=True)
    assert "restored" not in answer.content.decode()
    assert _states([theirs.pk]) == [Message.State.HIDDEN]
