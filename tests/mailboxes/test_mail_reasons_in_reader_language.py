"""What intake records about a mail (why it cannot be read, its defects, an attachment's problem, why a
signature fails) is stored as codes with parameters and shown in the reader's language (issue 13, item
7): real hostile mails through the real ingest, then the mail page, the admin and the stored rows."""

import base64
import json

import pytest
from django.urls import reverse
from django.utils import translation

from intake import reasons
from intake.tenancy import tenant_context
from mailboxes.extract import extractor
from mailboxes.models import Attachment, Message
from mailboxes.polling import ingest
from tests.builders import add_mail
from tests.builders.container_mail import clear_signed_mail
from tests.builders.smime import signer_identity
from tests.extract.mailbuilder import (
    attachment_part,
    entity,
    mail_with_parts,
    pdf_bytes,
    text_part,
    top_headers,
)

SIGNER = "alice@example.com"


def _padding_mail(name: str, *, charset: str = "utf-8") -> bytes:
    encoded = base64.b64encode(pdf_bytes(5_000)[:3001]).rstrip(b"=")  # the padding repaired, a defect
    headers = [f'Content-Type: application/pdf; name="{name}"', "Content-Transfer-Encoding: base64"]
    text = entity(
        [f'Content-Type: text/plain; charset="{charset}"', "Content-Transfer-Encoding: 8bit"],
        "Faktura č. 1\r\n".encode(),
    )
    return mail_with_parts([text, entity(headers, encoded)])


def _hostile_mails() -> dict[str, bytes]:
    klingon = entity(
        [*top_headers(), 'Content-Type: text/plain; charset="x-klingon"', "Content-Transfer-Encoding: 8bit"],
        "Faktura č. 1".encode(),
    )
    tnef = attachment_part(
        b"garbage, not TNEF" * 10,
        content_type='application/ms-tnef; name="winmail.dat"',
        disposition='attachment; filename="winmail.dat"',
    )
    tampered = clear_signed_mail(signer_identity("rsa", SIGNER)).replace(b"Please find", b"Please fund", 1)
    return {
        "no headers": b"just some text, no header at all\r\n",
        "charset": klingon,
        "padding": _padding_mail("r.pdf"),
        "winmail": mail_with_parts([text_part(), tnef]),
        "signature": tampered,
    }


# What each kind shows: (English, Polish) — the Polish as the catalogue has it.
SHOWN = {
    "no headers": ("not an e-mail message: no headers", "to nie jest wiadomość e-mail: brak nagłówków"),
    "charset": (
        "text body: unknown charset 'x-klingon'",
        "treść tekstowa: nieznany zestaw znaków 'x-klingon'",
    ),
    "padding": ("attachment r.pdf: base64 padding repaired", "załącznik r.pdf: "),
    "winmail": (
        "winmail.dat could not be unpacked: no TNEF signature",
        "nie udało się rozpakować winmail.dat: brak sygnatury TNEF",
    ),
    "signature": (
        f"the content was changed after signing (signer: {SIGNER})",
        f"(podpisujący: {SIGNER})",
    ),
}


@pytest.fixture
def stored(buffer_a, world_a):
    with tenant_context(world_a.tenant):
        buffer_a.employees.add(world_a.operator)
    return {kind: add_mail(buffer_a, raw) for kind, raw in _hostile_mails().items()}


def _page(client, buffer, message, language: str) -> str:
    response = client.get(
        reverse("acd:buffer-mail", args=[buffer.pk, message.pk]), HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 200
    return response.content.decode()


def _shown_text(page: str) -> str:
    return page.replace("&#x27;", "'").replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">")


def test_every_kind_is_stored_as_a_code_with_its_parameters(stored):
    message = Message.all_tenants.get(pk=stored["no headers"].pk)
    assert reasons.decode(message.unreadable_reason).code == "extract.no_headers"
    charset = Message.all_tenants.get(pk=stored["charset"].pk)
    [line] = [line for line in charset.defect_list if "klingon" in line]
    assert json.loads(line) == {
        "$reason": "extract.text_body",
        "p": {
            "note": {
                "$reason": "extract.decoded_as",
                "p": {
                    "charset": "utf-8",
                    "note": {"$reason": "extract.unknown_charset", "p": {"charset": "'x-klingon'"}},
                },
            }
        },
    }
    winmail = Attachment.all_tenants.get(message=stored["winmail"], display_name="winmail.dat")
    assert reasons.decode(winmail.problem_detail).code == "extract.tnef_unreadable"
    signed = Message.all_tenants.get(pk=stored["signature"].pk)
    assert signed.signature == "failed"
    assert reasons.decode(signed.signature_detail).params["signer"] == SIGNER


@pytest.mark.parametrize("kind", list(SHOWN))
def test_a_polish_page_shows_each_reason_in_polish_and_an_english_page_in_english(
    kind, stored, buffer_a, client_for, world_a
):
    client = client_for(world_a.operator)
    english, polish = SHOWN[kind]
    english_page = _shown_text(_page(client, buffer_a, stored[kind], "en"))
    assert english in english_page
    polish_page = _shown_text(_page(client, buffer_a, stored[kind], "pl"))
    assert polish in polish_page and english not in polish_page
    assert '{"$reason"' not in polish_page and "extract." not in polish_page


def test_the_admin_shows_stored_reasons_in_the_readers_language(stored, client_for, world_a):
    client = client_for(world_a.admin)
    for kind in ("no headers", "charset", "winmail", "signature"):
        url = reverse("admin:mailboxes_message_change", args=[stored[kind].pk])
        page = _shown_text(client.get(url, HTTP_ACCEPT_LANGUAGE="pl").content.decode())
        english, polish = SHOWN[kind]
        assert polish in page and english not in page, kind
        assert '{"$reason"' not in page


def test_an_internal_error_names_its_type_in_the_readers_language(buffer_a, monkeypatch):
    def broken(*args, **kwargs):  # whatever extract_mail passes on
        raise KeyError("x")

    monkeypatch.setattr(extractor, "extract_mail_using", broken)
    message = add_mail(buffer_a, b"Subject: x\r\n\r\nbody\r\n")
    assert message.state == Message.State.UNREADABLE
    assert reasons.render(message.unreadable_reason, "en") == "could not be read: internal error (KeyError)"
    assert reasons.render(message.unreadable_reason, "pl") == "nie można odczytać: błąd wewnętrzny (KeyError)"


def test_rows_stored_before_the_codes_still_render(buffer_a, world_a):
    message = add_mail(buffer_a, _padding_mail("a.pdf"))
    Message.all_tenants.filter(pk=message.pk).update(
        unreadable_reason="not an e-mail message: no headers", defects="missing final MIME boundary\nodd"
    )
    old = Message.all_tenants.get(pk=message.pk)
    with translation.override("pl"):
        assert reasons.render(old.unreadable_reason) == "to nie jest wiadomość e-mail: brak nagłówków"
        assert [reasons.render(line) for line in old.defect_list] == ["brak końcowego separatora MIME", "odd"]


def test_a_megabyte_name_is_bounded_in_every_stored_reason_and_escaped_on_the_page(
    buffer_a, client_for, world_a
):
    with tenant_context(world_a.tenant):
        buffer_a.employees.add(world_a.operator)
    name = "faktura " + "ż" * 1_000_000 + ".pdf"  # names are cleaned of markup: a charset carries it
    message = add_mail(buffer_a, _padding_mail(name, charset="<script>alert(1)</script>"))
    row = Message.all_tenants.get(pk=message.pk)
    assert 0 < len(row.defects) <= ingest.DEFECTS_LIMIT
    for line in row.defect_list:
        assert len(line) <= ingest.DEFECT_LIMIT and reasons.is_reason(line)
    for attachment in Attachment.all_tenants.filter(message=message):
        assert len(attachment.problem_detail) <= ingest.REASON_LIMIT
    page = _page(client_for(world_a.operator), buffer_a, message, "pl")
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page  # in the charset note
    assert "załącznik faktura żżż" in page
    assert len(page) < 200_000


class _Asked(dict):
    """A mapping that answers 1 to every name a text asks for, and remembers the names."""

    def __init__(self):
        super().__init__()
        self.names = []

    def __missing__(self, name):
        self.names.append(name)
        return 1


def test_every_code_extraction_can_store_has_its_polish_text():
    from mailboxes import extract_reasons

    values = {"count": 3, "got": 1, "number": 2, "share": 40}
    missing = []
    for code, kind in extract_reasons.KINDS.items():
        asked = _Asked()
        with translation.override("en"):
            str(kind.text % asked)  # which parameters the text places
        params = {name: values.get(name, name) for name in asked.names}
        english, polish = (reasons.render(kind.stored(**params), language) for language in ("en", "pl"))
        if english == polish or english.startswith("Unrecognised"):
            missing.append((code, english))
    assert not missing
