"""Buffer view rows open the mail (issue 13, item 10): a read-only mail page for the buffer, its
attachments downloadable and previewable through the buffer, no point actions; another tenant's and an
unassigned employee's requests answer 404."""

import re

import pytest
from django.urls import reverse

from intake.tenancy import tenant_context
from mailboxes.models import Attachment
from tests.builders import PDF, PNG, add_mail, another_buffer, another_employee, invoice_mail


@pytest.fixture
def granted(buffer_a, world_a):
    """The operator may view buffer_a (and has no point on it)."""
    with tenant_context(world_a.tenant):
        buffer_a.employees.add(world_a.operator)
    return buffer_a


@pytest.fixture
def mails(granted):
    return [add_mail(granted, invoice_mail(n, attachments=[("f.pdf", PDF), ("s.png", PNG)])) for n in (1, 2)]


def _urls(buffer, mail):
    [pdf, png] = Attachment.all_tenants.filter(message=mail).order_by("position")
    return [
        reverse("acd:buffer-mail", args=[buffer.pk, mail.pk]),
        reverse("acd:buffer-attachment", args=[buffer.pk, pdf.pk, "download"]),
        reverse("acd:buffer-attachment", args=[buffer.pk, pdf.pk, "preview"]),
        reverse("acd:buffer-attachment", args=[buffer.pk, png.pk, "preview"]),
    ]


def test_the_buffer_mail_page_is_read_only_with_its_files(granted, mails, client_for, world_a):
    client = client_for(world_a.operator)
    newest, older = sorted(mails, key=lambda m: (m.received_at, m.pk), reverse=True)
    page_url, *files = _urls(granted, newest)
    page = client.get(page_url + "?q=faktura").content.decode()
    assert "mail-page-actions" not in page and 'name="action"' not in page
    assert "include in the document" not in page
    for url in files:
        assert url in page
        assert client.get(url).status_code == 200, url
    step = re.search(r'href="([^"]+)" rel="next"', page).group(1)
    assert step == reverse("acd:buffer-mail", args=[granted.pk, older.pk]) + "?q=faktura"
    assert f'href="{reverse("acd:buffer", args=[granted.pk])}?q=faktura"' in page


def test_an_unassigned_employee_and_another_tenant_get_404(granted, mails, client_for, world_a, world_b):
    urls = _urls(granted, mails[0])
    stranger = another_employee(world_a, "stranger")
    for who in (stranger, world_b.operator, world_b.admin):
        client = client_for(who)
        for url in urls:
            assert client.get(url).status_code == 404, (who, url)


def test_a_mail_of_another_buffer_is_not_reached_through_this_one(granted, mails, client_for, world_a):
    other = another_buffer(world_a)
    foreign = add_mail(other, invoice_mail(9))
    [attachment] = Attachment.all_tenants.filter(message=foreign)
    client = client_for(world_a.operator)
    assert client.get(reverse("acd:buffer-mail", args=[granted.pk, foreign.pk])).status_code == 404
    url = reverse("acd:buffer-attachment", args=[granted.pk, attachment.pk, "download"])
    assert client.get(url).status_code == 404


def test_a_removed_mail_is_not_shown_in_the_buffer(granted, mails, client_for, world_a):
    from mailboxes.models import Message

    Message.all_tenants.filter(pk=mails[0].pk).update(state=Message.State.HIDDEN)
    client = client_for(world_a.operator)
    for url in _urls(granted, mails[0]):
        assert client.get(url + "?state=removed").status_code == 404, url
