"""Who did what (issue 13, item 9): every operator action on a point's mail (generate, remove, restore,
delete from the mailbox, set the folder) records who and when, in the action's transaction; the mail and
document pages show it, the admin lists and filters it (one tenant's only), the API gives it."""

import pytest
from django.urls import reverse
from django.utils import timezone

from acd_points import actions
from acd_points.models import MailAction
from mailboxes.models import Message
from tests import builders
from tests.api.client import api_client
from tests.builders import another_mail_action, invoice_mail


@pytest.fixture
def point(make_point, world_a):
    return make_point(
        employees=[world_a.operator], allow_delete_from_mailbox=True, define_path_during_work=True
    )


@pytest.fixture
def mails(buffer_a):
    return [builders.add_mail(buffer_a, invoice_mail(n)) for n in range(2)]


def _rows(**filters):
    return list(MailAction.all_tenants.filter(**filters).order_by("id"))


def _post_action(client, point, action, ids, **extra):
    answer = client.post(
        reverse("acd:point-action", args=[point.pk]), {"action": action, "mail": ids, **extra}
    )
    assert answer.status_code == 302
    return answer


def _assert_recorded(rows, action, employee, since, *, messages):
    assert [row.message_id for row in rows] == [m.pk for m in messages]
    for row, message in zip(rows, messages, strict=True):
        assert row.action == action and row.point_id is not None
        assert row.employee == employee and row.employee_name == str(employee)
        assert row.subject == message.subject and row.tenant_id == employee.tenant_id
        assert since <= row.at <= timezone.now()


def test_generating_on_the_page_records_who_for_each_mail(point, mails, client_for, world_a):
    since = timezone.now()
    _post_action(client_for(world_a.operator), point, "generate", [m.pk for m in mails])
    rows = _rows(action=MailAction.Action.GENERATED)
    _assert_recorded(rows, MailAction.Action.GENERATED, world_a.operator, since, messages=mails)
    assert all(row.document.point_document.message_id == row.message_id for row in rows)


def test_removing_and_restoring_on_the_page_record_who(point, mails, client_for, world_a):
    client, since = client_for(world_a.operator), timezone.now()
    _post_action(client, point, "hide", [mails[0].pk])
    _post_action(client, point, "restore", [mails[0].pk])
    removed, restored = _rows(action="removed"), _rows(action="restored")
    _assert_recorded(removed, MailAction.Action.REMOVED, world_a.operator, since, messages=mails[:1])
    _assert_recorded(restored, MailAction.Action.RESTORED, world_a.operator, since, messages=mails[:1])


def test_deleting_from_the_mailbox_on_the_page_records_who(point, mails, client_for, world_a):
    since = timezone.now()
    _post_action(client_for(world_a.operator), point, "delete_on_server", [mails[1].pk], confirm="1")
    rows = _rows(action=MailAction.Action.DELETED_FROM_MAILBOX)
    _assert_recorded(
        rows, MailAction.Action.DELETED_FROM_MAILBOX, world_a.operator, since, messages=mails[1:]
    )


def test_setting_the_folder_on_the_page_records_who_and_the_folder(point, client_for, world_a):
    since = timezone.now()
    answer = client_for(world_a.operator).post(
        reverse("acd:set-folder", args=[point.pk]), {"folder": "invoices/2026"}
    )
    assert answer.status_code == 302
    [row] = _rows(action=MailAction.Action.FOLDER_SET)
    assert (row.point_id, row.message_id, row.detail) == (point.pk, None, "invoices/2026")
    assert row.employee == world_a.operator and since <= row.at <= timezone.now()


def test_the_services_record_one_row_per_mail_acted_on_and_nothing_for_the_rest(point, mails, world_a):
    operator = world_a.operator
    assert actions.delete_from_list(point=point, message_ids=[m.pk for m in mails], employee=operator) == 2
    assert len(_rows(action="removed")) == 2
    # Nothing happens to mails already removed: nothing is recorded either.
    assert actions.delete_from_list(point=point, message_ids=[mails[0].pk], employee=operator) == 0
    assert len(_rows(action="removed")) == 2
    actions.restore_to_list(point=point, message_ids=[mails[0].pk], employee=operator)
    assert [r.message_id for r in _rows(action="restored")] == [mails[0].pk]
    actions.delete_from_list_and_mailbox(point=point, message_ids=[mails[0].pk], employee=operator)
    assert [r.message_id for r in _rows(action="deleted_from_mailbox")] == [mails[0].pk]
    actions.set_work_folder(point=point, folder="in", employee=operator)
    assert [(r.employee, r.detail) for r in _rows(action="folder_set")] == [(operator, "in")]


def test_a_refused_generation_records_nothing(make_point, buffer_a, world_a):
    bare = builders.add_mail(buffer_a, invoice_mail(3, attachments=[]))
    point = make_point(employees=[world_a.operator])
    report = actions.generate(point=point, message_ids=[bare.pk], employee=world_a.operator)
    assert report.refused and not MailAction.all_tenants.exists()


def test_history_is_shown_on_the_mail_and_the_document_page(point, mails, client_for, world_a):
    operator = world_a.operator
    [document_id] = actions.generate(point=point, message_ids=[mails[0].pk], employee=operator).created
    actions.delete_from_list(point=point, message_ids=[mails[0].pk], employee=operator)
    actions.restore_to_list(point=point, message_ids=[mails[0].pk], employee=operator)
    client = client_for(operator)
    mail_page = client.get(reverse("acd:mail", args=[point.pk, mails[0].pk])).content.decode()
    document_page = client.get(reverse("acd:document", args=[document_id])).content.decode()
    for page in (mail_page, document_page):
        history = page[page.index("<h2>History</h2>") :]
        said = [history.index(text) for text in ("generated a document", "removed from the list", "restored")]
        assert said == sorted(said) and history.count(str(operator)) >= 3
    other = client.get(reverse("acd:mail", args=[point.pk, mails[1].pk])).content.decode()
    assert "Nothing has been done with this mail yet." in other


def test_the_admin_lists_and_filters_only_the_tenant_s_actions(point, mails, client_for, world_a, world_b):
    actions.delete_from_list(point=point, message_ids=[mails[0].pk], employee=world_a.operator)
    actions.delete_from_list(point=point, message_ids=[mails[1].pk], employee=world_a.admin)
    foreign = another_mail_action(world_b)
    client = client_for(world_a.admin)
    url = reverse("admin:acd_points_mailaction_changelist")
    shown = set(client.get(url).context["cl"].queryset)
    assert {row.message_id for row in shown} == {mails[0].pk, mails[1].pk} and foreign not in shown
    by_operator = client.get(url, {"employee__id__exact": world_a.operator.pk}).context["cl"].queryset
    assert [row.message_id for row in by_operator] == [mails[0].pk]
    by_action = client.get(url, {"action__exact": "restored"}).context["cl"].queryset
    assert list(by_action) == []
    page = client.get(url).content.decode()
    assert str(world_b.operator) not in page and foreign.point.name not in page
    assert client.get(reverse("admin:acd_points_mailaction_add")).status_code == 403


def test_the_api_gives_the_history_of_a_mail_and_of_a_document(point, mails, world_a):
    operator = world_a.operator
    [document_id] = actions.generate(point=point, message_ids=[mails[0].pk], employee=operator).created
    actions.delete_from_list(point=point, message_ids=[mails[0].pk], employee=operator)
    actions.restore_to_list(point=point, message_ids=[mails[0].pk], employee=operator)
    client = api_client(builders.issue_token(operator)[1])
    mail = client.get(reverse("api:point-mail", args=[point.pk, mails[0].pk])).json()
    document = client.get(reverse("api:document", args=[document_id])).json()
    for answer in (mail, document):
        assert [(h["action"], h["employee"], h["detail"]) for h in answer["history"]] == [
            ("generated", str(operator), ""),
            ("removed", str(operator), ""),
            ("restored", str(operator), ""),
        ]
        assert all(h["at"] for h in answer["history"])
    assert Message.all_tenants.get(pk=mails[0].pk).state == Message.State.GENERATED
