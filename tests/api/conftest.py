from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.urls import reverse
from rest_framework.test import APIClient

from acd_points.actions import generate
from acd_points.api import tokens
from intake.models import Document, DocumentFile
from mailboxes.models import Attachment
from tests.acd_points import conftest as workspace
from tests.acd_points.conftest import add_mail
from tests.mail_samples import invoice_mail

# The workspace's fixtures, shared: tenant alpha's buffer, points on it, an invoice mail, a private file area.
buffer_a = workspace.buffer_a
make_point = workspace.make_point
invoice_with_logo = workspace.invoice_with_logo
own_file_area = workspace.own_file_area


@pytest.fixture(autouse=True)
def fresh_throttle_counts():
    # Throttling counts requests in the cache, which outlives a test; each test starts at zero.
    cache.clear()
    yield
    cache.clear()


def _api_client(raw_token: str | None = None, keyword: str = "Bearer") -> APIClient:
    client = APIClient()
    if raw_token is not None:
        client.credentials(HTTP_AUTHORIZATION=f"{keyword} {raw_token}")
    return client


@pytest.fixture
def api_client_for(db):
    """An API client authenticated with a fresh token of `employee`."""

    def make(employee, *, keyword="Bearer"):
        _, raw = tokens.issue(employee=employee, name="ERP")
        return _api_client(raw, keyword)

    return make


@pytest.fixture
def anonymous_api_client():
    return _api_client


@pytest.fixture
def point(make_point, world_a):
    """Tenant alpha's point, granted to its operator."""
    return make_point(employees=[world_a.operator])


@dataclass
class PointData:
    """A point of tenant alpha with a new mail (two attachments) and a document generated from another."""

    point: object
    mail: object
    attachment: object
    document: object
    document_file: object

    def endpoints(self, **replace):
        """(method, url, body) of every endpoint reaching this data; `replace` swaps ids (guessing)."""
        ids = {
            "point": self.point.pk,
            "mail": self.mail.pk,
            "attachment": self.attachment.pk,
            "document": self.document.pk,
            "file": self.document_file.pk,
        } | replace
        return [
            ("get", reverse("api:point", args=[ids["point"]]), None),
            ("get", reverse("api:point-mails", args=[ids["point"]]), None),
            ("get", reverse("api:point-mail", args=[ids["point"], ids["mail"]]), None),
            ("get", reverse("api:attachment-file", args=[ids["point"], ids["attachment"]]), None),
            ("post", reverse("api:point-generate", args=[ids["point"]]), {"mails": [ids["mail"]]}),
            ("get", reverse("api:document", args=[ids["document"]]), None),
            ("get", reverse("api:document-file", args=[ids["document"], ids["file"]]), None),
        ]


@pytest.fixture
def alpha(point, buffer_a, world_a, invoice_with_logo):
    mail = add_mail(buffer_a, invoice_with_logo)
    generated = add_mail(buffer_a, invoice_mail(8))
    [document_id] = generate(point=point, message_ids=[generated.pk], employee=world_a.operator).created
    return PointData(
        point=point,
        mail=mail,
        attachment=Attachment.all_tenants.filter(message=mail).order_by("position").first(),
        document=Document.all_tenants.get(pk=document_id),
        document_file=DocumentFile.all_tenants.filter(document_id=document_id).first(),
    )


def call(client, method, url, body=None):
    return (
        getattr(client, method)(url, body, format="json")
        if body is not None
        else getattr(client, method)(url)
    )
