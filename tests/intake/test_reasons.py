"""Stored reasons are codes with parameters, rendered in the reader's language; plain rows of old still
show; unknown or malformed ones never crash; hostile parameters are bounded and escaped."""

import json
import pickle

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import translation
from django.utils.translation import gettext_lazy, ngettext_lazy

from intake import reasons
from intake.documents import create_document
from intake.models import Document
from mailboxes.connections import state
from mailboxes.protocols.errors import AuthenticationRejected, TimedOut, TlsFailure

REFUSED = "Authentication rejected: the server refused the login or password."
REFUSED_PL = "Uwierzytelnianie odrzucone: serwer nie przyjął loginu lub hasła."
FILES = reasons.define(
    "test.files", ngettext_lazy("%(count)d file copied.", "%(count)d files copied.", "count")
)
HOST = reasons.define("test.host", gettext_lazy("Connected to %(host)s."))


def test_a_coded_reason_renders_in_each_readers_language_with_its_parameters():
    stored = AuthenticationRejected(detail="[AUTHENTICATIONFAILED] Authentication failed.").stored()
    assert reasons.decode(stored).code == "mail.authentication_rejected"
    assert reasons.render(stored, "en") == f"{REFUSED} ([AUTHENTICATIONFAILED] Authentication failed.)"
    assert reasons.render(stored, "pl") == f"{REFUSED_PL} ([AUTHENTICATIONFAILED] Authentication failed.)"
    with translation.override("pl"):
        assert reasons.render(stored) == reasons.render(stored, "pl")  # the active language
    assert reasons.in_english(stored).startswith("Authentication rejected")
    assert reasons.render(HOST.stored(host="imap.example.com"), "en") == "Connected to imap.example.com."


def test_counts_choose_the_plural_form():
    assert reasons.render(FILES.stored(count=1), "en") == "1 file copied."
    assert reasons.render(FILES.stored(count=5), "en") == "5 files copied."


def test_the_stored_form_is_fixed_for_fixed_reasons_and_old_plain_rows_still_render():
    assert state.FIRST_SIGN_IN == '{"$reason":"mailbox.first_sign_in","p":{}}'
    assert reasons.render(state.FIRST_SIGN_IN, "pl").startswith("Czeka na pierwsze logowanie")
    with translation.override("pl"):
        assert reasons.render(REFUSED) == REFUSED_PL  # a fixed text of old
        assert reasons.render(f"{REFUSED} (b-box said no)") == f"{REFUSED_PL} (b-box said no)"
        assert reasons.render("NO [ALERT] over quota") == "NO [ALERT] over quota"  # a server's words
        assert reasons.render(state.FIRST_SIGN_IN_AS_TEXT).startswith("Czeka na pierwsze logowanie")
    assert reasons.render("") == "" and reasons.render(None) == ""


@pytest.mark.parametrize(
    "stored, shown",
    [
        (
            '{"$reason":"gone.code","p":{"host":"h.example"}}',
            "Unrecognised reason gone.code (host: h.example)",
        ),
        ('{"$reason":"gone.code"}', "Unrecognised reason gone.code"),
        ('{"$reason":"test.host","p":{}}', "Unrecognised reason test.host"),  # its parameter is missing
        ('{"$reason":"test.host","p":[1]}', "Unrecognised reason test.host"),
        ('{"$reason":"mail.timed_out",', '{"$reason":"mail.timed_out",'),  # malformed: as written
        ('{"$reason":7}', '{"$reason":7}'),
    ],
)
def test_unknown_or_malformed_reasons_render_without_crashing(stored, shown):
    assert reasons.render(stored, "en") == shown


def test_hostile_parameters_are_bounded_to_the_field_and_escaped_by_templates():
    huge = "<script>alert(1)</script>" + "ż" * 1_000_000
    reason = HOST(host=huge, **{f"extra{n}": n for n in range(50)})
    assert len(reason.params) == reasons.PARAMETERS_LIMIT
    assert len(reason.params["host"]) == reasons.PARAMETER_LIMIT
    for limit in (300, 1000):
        stored = reason.stored(limit)
        assert len(stored) <= limit and json.loads(stored)["$reason"] == "test.host"
    controls = TimedOut(detail="\x00" * 5000).stored(300)
    assert len(controls) <= 300 and reasons.decode(controls).code == "mail.timed_out"
    shown = Template("{% load stored_mail %}{{ stored|in_reader_language }}").render(
        Context({"stored": reason.stored()})
    )
    assert "<script>" not in shown and "&lt;script&gt;alert(1)&lt;/script&gt;" in shown
    assert len(shown) < 10_000


def test_a_hand_made_huge_row_renders_bounded():
    row = json.dumps({"$reason": "test.host", "p": {"host": "x" * 100_000}}, separators=(",", ":"))
    assert len(reasons.render(row, "en")) < reasons.PARAMETER_LIMIT + 50


def test_errors_keep_their_code_through_pickles_and_plain_messages_stay_plain():
    error = pickle.loads(pickle.dumps(TlsFailure(detail="WRONG_VERSION_NUMBER")))  # noqa: S301 - our own
    assert reasons.decode(error.stored()).code == "mail.tls_failure"
    assert "WRONG_VERSION_NUMBER" in reasons.render(error.stored(), "pl")
    plain = AuthenticationRejected("a text of its own")
    assert plain.reason is None and plain.stored() == "a text of its own"


def test_the_api_speaks_english_unless_the_request_asks():
    factory = RequestFactory()
    assert reasons.api_language(factory.get("/api/")) == "en"
    assert reasons.api_language(factory.get("/api/", HTTP_ACCEPT_LANGUAGE="pl")) == "pl"


@pytest.mark.django_db
def test_a_documents_source_is_data_shown_in_the_readers_language(world_a):
    source = reasons.DOCUMENT_FROM_ACD_POINT(point="Faktury <b>", sender="Jan <jan@example.com>" * 100)
    document = create_document(tenant=world_a.tenant, title="Faktura 1/2026", source=source)
    stored = Document.all_tenants.get(pk=document.pk)
    assert reasons.is_reason(stored.source) and len(stored.source) <= 1000
    with translation.override("pl"):
        assert stored.shown_source.startswith("Punkt ACD Faktury <b>, wiadomość od Jan <jan@example.com>")
    with translation.override("en"):
        assert stored.shown_source.startswith("ACD point Faktury <b>, mail from Jan")
    old = create_document(tenant=world_a.tenant, title="Stary", source="ACD point X, mail from y@example.com")
    assert Document.all_tenants.get(pk=old.pk).shown_source == "ACD point X, mail from y@example.com"


def test_every_reason_code_has_its_polish_text():
    """A Polish page never shows an English reason: each code's text is in the Polish catalogue."""
    import acd_points.follow_up  # noqa: F401 - the modules defining codes (mailboxes' load with the app)

    values = {"count": 2, "host": "h", "name": "n", "kind": "k", "folder": "f", "point": "p", "sender": "s"}
    missing = []
    for code, kind in sorted(reasons._CATALOGUE.items()):
        if code.startswith(("test.", "extract.")):
            continue  # extract.*: each checked with its parameters in test_mail_reasons_in_reader_language.py
        english, polish = (reasons.render(kind.stored(**values), language) for language in ("en", "pl"))
        if english == polish:
            missing.append((code, english))
    assert not missing
