from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from acd_points.actions import delete_from_list, generate
from mailboxes.models import Message
from tests.builders import PDF, PNG, add_mail, invoice_mail


@pytest.fixture
def mails_url(point):
    return reverse("api:point-mails", args=[point.pk])


@pytest.fixture
def client(world_a, api_client_for, point):
    return api_client_for(world_a.operator)


def _received(message, moment):
    Message.all_tenants.filter(pk=message.pk).update(received_at=moment)


def _ids(response):
    assert response.status_code == 200, response.content
    return [mail["id"] for mail in response.json()["results"]]


def test_the_list_is_newest_first_with_attachments_and_without_hidden_mail(
    point, buffer_a, client, mails_url
):
    old, new, hidden = (add_mail(buffer_a, invoice_mail(n)) for n in (1, 2, 3))
    _received(old, timezone.now() - timedelta(days=2))
    delete_from_list(point=point, message_ids=[hidden.pk])
    body = client.get(mails_url).json()
    assert [m["id"] for m in body["results"]] == [new.pk, old.pk]
    assert (body["next"], body["previous"]) == (None, None)
    [attachment] = body["results"][0]["attachments"]
    assert (attachment["name"], attachment["sniffed_type"]) == ("faktura.pdf", "application/pdf")


def test_cursors_walk_the_whole_list_both_ways_without_gaps_or_repeats(buffer_a, client, mails_url):
    start = timezone.now() - timedelta(days=1)
    mails = [add_mail(buffer_a, invoice_mail(n)) for n in range(7)]
    for n, mail in enumerate(mails):
        _received(mail, start + timedelta(minutes=n // 2))  # pairs share a moment: the id breaks the tie
    newest_first = list(
        Message.all_tenants.filter(pk__in=[m.pk for m in mails])
        .order_by("-received_at", "-id")
        .values_list("pk", flat=True)
    )
    pages, url = [], f"{mails_url}?page_size=3"
    while url:
        response = client.get(url)
        pages.append(_ids(response))
        url = response.json()["next"]
    assert pages == [newest_first[0:3], newest_first[3:6], newest_first[6:7]]
    back, url = [], client.get(f"{mails_url}?page_size=3").json()["next"]
    url = client.get(url).json()["next"]  # at the last page now
    while url:
        response = client.get(url)
        url = response.json()["previous"]
        back.append(_ids(response))
    assert back == [newest_first[6:7], newest_first[3:6], newest_first[0:3]]


def test_filters_keep_to_the_query_across_pages(point, buffer_a, client, mails_url, world_a):
    plain = add_mail(buffer_a, invoice_mail(1, attachments=()))
    others = [add_mail(buffer_a, invoice_mail(n, sender="biuro@inny.example")) for n in (2, 3, 4)]
    first = client.get(f"{mails_url}?q=inny.example&page_size=2")
    assert _ids(first) == [others[2].pk, others[1].pk]
    assert "q=inny.example" in first.json()["next"]
    assert _ids(client.get(first.json()["next"])) == [others[0].pk]
    assert plain.pk not in _ids(client.get(f"{mails_url}?has_attachments=true"))
    generate(point=point, message_ids=[others[0].pk], employee=world_a.operator)
    assert _ids(client.get(f"{mails_url}?state=generated")) == [others[0].pk]
    assert others[0].pk not in _ids(client.get(f"{mails_url}?state=new"))


def test_date_filters_take_whole_days(buffer_a, client, mails_url):
    early, middle, late = (add_mail(buffer_a, invoice_mail(n)) for n in (1, 2, 3))
    for mail, day in ((early, 1), (middle, 2), (late, 3)):
        _received(mail, timezone.make_aware(datetime(2026, 3, day, 23, 30)))
    assert _ids(client.get(f"{mails_url}?date_from=2026-03-02&date_to=2026-03-02")) == [middle.pk]
    assert _ids(client.get(f"{mails_url}?date_from=2026-03-02")) == [late.pk, middle.pk]
    assert _ids(client.get(f"{mails_url}?date_to=2026-03-01")) == [early.pk]


@pytest.mark.parametrize(
    "query",
    [
        "state=hidden",
        "state=NEW",
        "date_from=yesterday",
        "date_to=2026-13-01",
        "page_size=0",
        "page_size=101",
    ],
)
def test_an_invalid_filter_is_refused_with_400_rather_than_ignored(point, client, mails_url, query):
    response = client.get(f"{mails_url}?{query}")
    assert response.status_code == 400
    assert query.partition("=")[0] in response.json()


def test_the_number_of_queries_does_not_grow_with_the_page(buffer_a, client, mails_url):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(mails_url)
        assert response.status_code == 200
        return len(captured), len(response.json()["results"])

    add_mail(buffer_a, invoice_mail(0, attachments=[("a.pdf", PDF), ("b.png", PNG)]))
    client.get(mails_url)  # the token's first use is recorded once; measure without that write
    small = queries()
    for n in range(1, 13):
        add_mail(buffer_a, invoice_mail(n, attachments=[("a.pdf", PDF), ("b.png", PNG)]))
    large = queries()
    assert (small[1], large[1]) == (1, 13)
    assert small[0] == large[0] <= 4  # the token, the point, the page of mails, their attachments


def test_a_mail_removed_from_the_list_is_404_as_on_the_page(point, buffer_a, client):
    mail = add_mail(buffer_a, invoice_mail(1))
    url = reverse("api:point-mail", args=[point.pk, mail.pk])
    assert client.get(url).status_code == 200
    delete_from_list(point=point, message_ids=[mail.pk])
    assert client.get(url).status_code == 404
