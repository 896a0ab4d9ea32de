"""Acting where the mail is (issue 13, item 10): the mail page has the list's actions, Previous / Next
within the list's filters, and after an action the operator lands on the list's next mail."""

import re

import pytest
from django.urls import reverse
from django.utils.http import urlencode

from acd_points import actions
from acd_points.models import MailAction, PendingWork
from mailboxes.models import Message
from tests.builders import add_mail, invoice_mail


@pytest.fixture
def point(make_point, world_a):
    return make_point(employees=[world_a.operator], allow_delete_from_mailbox=True)


@pytest.fixture
def mails(buffer_a):
    """Four mails, newest last in creation; the list shows them newest first (received desc, id desc)."""
    return [add_mail(buffer_a, invoice_mail(n)) for n in range(1, 5)]


def _in_list_order(mails):
    return sorted(mails, key=lambda m: (m.received_at, m.pk), reverse=True)


def _page(client, point, mail, query=""):
    url = reverse("acd:mail", args=[point.pk, mail.pk]) + (f"?{query}" if query else "")
    answer = client.get(url)
    assert answer.status_code == 200, url
    return answer.content.decode()


def _link(page, rel):
    found = re.search(rf'href="([^"]+)" rel="{rel}"', page)
    return found and found.group(1).replace("&amp;", "&")


def _post(client, point, mail, action, query="", **extra):
    body = {"action": action, "mail": [mail.pk], "query": query, "then": "next"} | extra
    return client.post(reverse("acd:point-action", args=[point.pk]), body)


def test_the_page_offers_the_lists_actions(point, mails, client_for, world_a):
    page = _page(client_for(world_a.operator), point, mails[0])
    for action in ("generate", "hide", "delete_on_server"):
        assert f'name="action" value="{action}"' in page
    assert reverse("acd:point-action", args=[point.pk]) in page


def test_delete_from_mailbox_is_offered_only_where_the_point_allows_it(
    make_point, mails, client_for, world_a
):
    strict = make_point(name="Strict", employees=[world_a.operator])
    page = _page(client_for(world_a.operator), strict, mails[0])
    assert 'value="delete_on_server"' not in page and 'value="hide"' in page


def test_previous_and_next_follow_the_list_order(point, mails, client_for, world_a):
    ordered = _in_list_order(mails)
    client = client_for(world_a.operator)
    middle = _page(client, point, ordered[1])
    assert _link(middle, "prev") == reverse("acd:mail", args=[point.pk, ordered[0].pk])
    assert _link(middle, "next") == reverse("acd:mail", args=[point.pk, ordered[2].pk])
    first, last = _page(client, point, ordered[0]), _page(client, point, ordered[-1])
    assert _link(first, "prev") is None and _link(last, "next") is None


def test_previous_and_next_stay_within_the_lists_filters(point, buffer_a, mails, client_for, world_a):
    other = add_mail(buffer_a, invoice_mail(99, sender="someone@else.example"))
    Message.all_tenants.filter(pk=other.pk).update(subject="Reminder")
    ordered = _in_list_order(mails)
    actions.delete_from_list(point=point, message_ids=[ordered[1].pk])
    query = urlencode({"q": "faktura", "state": "new"})
    page = _page(client_for(world_a.operator), point, ordered[0], query)
    # The removed mail and the one the search does not find are not neighbours; the filters are kept.
    assert _link(page, "next") == reverse("acd:mail", args=[point.pk, ordered[2].pk]) + f"?{query}"
    assert f'href="{reverse("acd:point", args=[point.pk])}?{query.replace("&", "&amp;")}"' in page


def test_neighbours_cost_one_query_each(point, mails, world_a, django_assert_max_num_queries):
    from acd_points.mail_detail import listed, neighbours
    from acd_points.mail_list import MailFilters
    from intake.tenancy import tenant_context

    ordered = _in_list_order(mails)
    with tenant_context(world_a.tenant), django_assert_max_num_queries(2):
        around = neighbours(listed(point.buffer, MailFilters(state="new")), ordered[1])
    assert (around.newer, around.older) == (ordered[0].pk, ordered[2].pk)


@pytest.mark.parametrize("action", ["generate", "hide"])
def test_after_an_action_the_operator_lands_on_the_next_mail(point, mails, client_for, world_a, action):
    ordered = _in_list_order(mails)
    client = client_for(world_a.operator)
    page = _page(client, point, ordered[1], "state=new")
    chosen = re.findall(r'name="attachment" value="(\d+)" form="mail-page-actions" checked', page)
    assert len(chosen) == 1  # the invoice, pre-checked by the point's rules
    answer = _post(client, point, ordered[1], action, query="state=new", choose="1", attachment=chosen)
    assert answer.status_code == 302
    assert answer.url == reverse("acd:mail", args=[point.pk, ordered[2].pk]) + "?state=new"
    expected = {"generate": Message.State.GENERATED, "hide": Message.State.HIDDEN}[action]
    assert Message.all_tenants.get(pk=ordered[1].pk).state == expected
    said = [str(m) for m in client.get(answer.url).context["messages"]]
    assert said and any(("generated" if action == "generate" else "removed") in text for text in said)


def test_after_the_last_mail_the_operator_is_back_on_the_list(point, mails, client_for, world_a):
    last = _in_list_order(mails)[-1]
    answer = _post(client_for(world_a.operator), point, last, "hide", query="q=faktura")
    assert answer.url == reverse("acd:point", args=[point.pk]) + "?q=faktura"


def test_delete_from_mailbox_goes_through_the_confirmation_and_then_on(point, mails, client_for, world_a):
    ordered = _in_list_order(mails)
    client = client_for(world_a.operator)
    asked = _post(client, point, ordered[0], "delete_on_server")
    assert asked.url.startswith(reverse("acd:confirm-delete", args=[point.pk]))
    assert not PendingWork.all_tenants.exists()
    confirm = client.get(asked.url).content.decode()
    assert 'name="then" value="next"' in confirm
    cancel = re.search(r'class="button cancel" href="([^"]+)"', confirm).group(1)
    assert cancel == reverse("acd:mail", args=[point.pk, ordered[0].pk])
    done = _post(client, point, ordered[0], "delete_on_server", confirm="1")
    assert done.url == reverse("acd:mail", args=[point.pk, ordered[1].pk])
    assert PendingWork.all_tenants.get().message_id == ordered[0].pk


def test_a_removed_mail_opens_from_the_removed_filter_and_is_restored_there(
    point, mails, client_for, world_a
):
    ordered = _in_list_order(mails)
    actions.delete_from_list(point=point, message_ids=[ordered[0].pk, ordered[2].pk])
    client = client_for(world_a.operator)
    url = reverse("acd:mail", args=[point.pk, ordered[0].pk])
    assert client.get(url).status_code == 404  # outside the removed filter it is gone, as before
    page = _page(client, point, ordered[0], "state=removed")
    assert 'value="restore"' in page and 'value="generate"' not in page
    assert _link(page, "next") == reverse("acd:mail", args=[point.pk, ordered[2].pk]) + "?state=removed"
    [download] = re.findall(r'href="([^"]+/download/[^"]*)"', page)[:1]
    assert client.get(download.replace("&amp;", "&")).status_code == 200
    answer = _post(client, point, ordered[0], "restore", query="state=removed")
    assert answer.url == reverse("acd:mail", args=[point.pk, ordered[2].pk]) + "?state=removed"
    assert Message.all_tenants.get(pk=ordered[0].pk).state == Message.State.NEW
    assert MailAction.all_tenants.filter(action=MailAction.Action.RESTORED, message=ordered[0]).exists()


def test_a_mail_being_deleted_on_the_server_never_opens(point, mails, client_for, world_a):
    actions.delete_from_list_and_mailbox(point=point, message_ids=[mails[0].pk])
    url = reverse("acd:mail", args=[point.pk, mails[0].pk]) + "?state=removed"
    assert client_for(world_a.operator).get(url).status_code == 404


def test_the_pane_mode_renders_without_the_sites_navigation(point, mails, client_for, world_a):
    client = client_for(world_a.operator)
    full = _page(client, point, mails[0])
    pane = _page(client, point, mails[0], "pane=1")
    assert 'class="main-nav"' in full and 'class="main-nav"' not in pane
    assert 'id="mail-page-actions"' in pane
    answer = client.get(reverse("acd:mail", args=[point.pk, mails[0].pk]) + "?pane=1")
    assert "acd_points/pane_base.html" in [t.name for t in answer.templates]
