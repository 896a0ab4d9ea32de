"""The ACD area shows how many new mails wait at each point (one grouped query, the tenant's only)."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mailboxes.models import Message
from tests.builders import add_mail, invoice_mail, make_acd_point, make_buffer, make_remote_mailbox


def _row_of(page: str, name: str) -> str:
    start = page.index(f">{name}</a>")
    return page[start : page.index("</tr>", start)]


def test_each_point_shows_its_waiting_new_mail(world_a, world_b, make_point, buffer_a, client_for):
    point = make_point(employees=[world_a.operator], name="Costs")
    mails = [add_mail(buffer_a, invoice_mail(n)) for n in range(5)]
    Message.all_tenants.filter(pk=mails[0].pk).update(state=Message.State.GENERATED)
    Message.all_tenants.filter(pk=mails[1].pk).update(state=Message.State.HIDDEN)
    quiet_buffer = make_buffer(
        world_a.tenant,
        name="Quiet",
        mailbox=make_remote_mailbox(world_a.tenant, name="Quiet box", password="x"),
    )
    make_acd_point(world_a.tenant, buffer=quiet_buffer, name="Quiet point", employees=[world_a.operator])
    # Another company's new mail in its own buffer counts nowhere here.
    foreign = make_buffer(
        world_b.tenant,
        name="Theirs",
        mailbox=make_remote_mailbox(world_b.tenant, name="Theirs", password="x"),
    )
    add_mail(foreign, invoice_mail(9))
    client = client_for(world_a.operator)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("acd:area")).content.decode()
    assert ">3</strong>" in _row_of(page, "Costs")
    assert f'href="{reverse("acd:point", args=[point.pk])}?state=new"' in page
    assert '<span class="muted">0</span>' in _row_of(page, "Quiet point")
    counting = [
        q for q in queries.captured_queries if "COUNT" in q["sql"].upper() and "GROUP BY" in q["sql"].upper()
    ]
    assert len(counting) == 1  # one grouped query, however many points
