"""Every form a secret can take is scrubbed from text that came from outside, before any cut.

Forms: clear, IMAP-quoted and escaped, repr'd, JSON, URL-encoded, HTML-escaped, base64 whole and inside
a longer blob at every alignment, the SASL blobs the portal sends (AUTH PLAIN, AUTH LOGIN, XOAUTH2).
"""

import base64
import html
import json
import logging
from urllib.parse import quote, quote_plus

import pytest

from mailboxes.protocols import log_scrubbing, scrubbing
from mailboxes.protocols.errors import AuthenticationRejected, OAuthFailure
from mailboxes.protocols.settings import ServerSettings

PASSWORD = "Pa\"ss\\wo rd/Zł'%&<9"
TOKEN = "eyJ0eXAiOiJKV1QifQ.eyJhdWQiOiJpbWFwIn0.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg-_x"
USER = "faktury@alpha.example"


def imap_quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def traces(secret: str, window: int = 8) -> set[str]:
    """Pieces that would show a secret leaked, even cut or escaped: windows of its clear, IMAP-quoted
    and base64 forms (base64 at each of the three alignments inside a longer blob)."""
    forms = {secret, imap_quoted(secret)[1:-1], repr(imap_quoted(secret).encode())[2:-1]}
    forms |= scrubbing.encodings(secret)
    size = min(window, len(secret))
    return {form[i : i + size] for form in forms for i in range(len(form) - size + 1)}


def assert_no_trace(text: str, *secrets: str) -> None:
    for secret in secrets:
        leaked = sorted(piece for piece in traces(secret) if piece in text)
        assert not leaked, f"{leaked[:3]} of a secret in {text!r}"


def base64_at(offset: int, secret: str, *, urlsafe=False) -> str:
    encode = base64.urlsafe_b64encode if urlsafe else base64.b64encode
    return encode(b"<" * offset + secret.encode() + b">>").decode()


FORMS = {
    "clear": PASSWORD,
    "imap-quoted": imap_quoted(PASSWORD),
    "repr of the imap line": repr(f"A001 LOGIN {USER} {imap_quoted(PASSWORD)}".encode()),
    "repr of str": repr(PASSWORD),
    "json": json.dumps(PASSWORD),
    "json of the imap-quoted": json.dumps(imap_quoted(PASSWORD)),
    "url-encoded": quote(PASSWORD, safe=""),
    "url-encoded, lower-case hex": quote(PASSWORD, safe="").lower(),
    "form-encoded": quote_plus(PASSWORD),
    "html-escaped": html.escape(PASSWORD),
    "base64": base64.b64encode(PASSWORD.encode()).decode(),
    "AUTH LOGIN": "334 " + base64.b64encode(PASSWORD.encode()).decode(),
    "AUTH PLAIN": base64.b64encode(f"\0{USER}\0{PASSWORD}".encode()).decode(),
    "AUTH PLAIN with authzid": base64.b64encode(f"{USER}\0{USER}\0{PASSWORD}".encode()).decode(),
    **{f"base64 at offset {n}": base64_at(n, PASSWORD) for n in range(6)},
    **{f"url-safe base64 at offset {n}": base64_at(n, PASSWORD, urlsafe=True) for n in range(3)},
}


@pytest.mark.parametrize("form", FORMS.values(), ids=FORMS.keys())
def test_every_form_of_a_password_is_scrubbed(form):
    text = scrubbing.scrub(f"NO [AUTHENTICATIONFAILED] you sent: {form} (end)", [PASSWORD])
    assert_no_trace(text, PASSWORD)
    assert text.startswith("NO [AUTHENTICATIONFAILED] you sent: ") and text.endswith(" (end)")


def test_a_password_echoed_in_latin_1_is_scrubbed():
    password = PASSWORD.replace("ł", "é")
    assert scrubbing.scrub(b"NO " + password.encode("latin-1"), [password]) == "NO ***"


TOKEN_FORMS = {
    "bare token": TOKEN,
    "bearer header": f"Authorization: Bearer {TOKEN}",
    "XOAUTH2 blob, base64": base64.b64encode(f"user={USER}\x01auth=Bearer {TOKEN}\x01\x01".encode()).decode(),
    "XOAUTH2 blob, repr'd": repr(f"user={USER}\x01auth=Bearer {TOKEN}\x01\x01".encode()),
    "OAUTHBEARER blob, base64": base64.b64encode(
        f"n,a={USER},\x01auth=Bearer {TOKEN}\x01\x01".encode()
    ).decode(),
    **{f"base64 at offset {n}": base64_at(n, TOKEN) for n in range(3)},
}


@pytest.mark.parametrize("form", TOKEN_FORMS.values(), ids=TOKEN_FORMS.keys())
def test_every_form_of_an_access_token_is_scrubbed(form):
    server = ServerSettings("imap.example.com", 993, "ssl", USER, access_token=TOKEN)
    text = server.redact(f"NO {form} end")
    assert_no_trace(text, TOKEN)
    assert "auth=Bearer" not in text and "dXNlcj1" not in text  # the whole blob goes, not only its token


def test_the_sasl_blobs_are_scrubbed_whole():
    server = ServerSettings("smtp.example.com", 587, "starttls", USER, password=PASSWORD)
    blob = base64.b64encode(f"\0{USER}\0{PASSWORD}".encode()).decode()
    assert server.redact(f"535 5.7.8 {blob} rejected") == "535 5.7.8 *** rejected"


@pytest.mark.parametrize("offset", range(280, 311))
@pytest.mark.parametrize("form", ["clear", "imap-quoted", "AUTH PLAIN", "base64 at offset 1"])
def test_a_secret_straddling_the_cut_is_scrubbed_before_the_cut(offset, form):
    server = ServerSettings("imap.example.com", 993, "ssl", USER, password=PASSWORD)
    text = "x" * offset + FORMS[form] + " and the rest of a long reply" * 20
    detail = server.redact(text)
    assert len(detail) <= scrubbing.DETAIL_LIMIT
    assert_no_trace(detail, PASSWORD)


@pytest.mark.parametrize("offset", range(280, 311, 3))
def test_an_error_built_inside_a_connection_is_scrubbed_then_bounded(offset):
    """Whoever builds a protocol error from a server's words, str(error) is safe to store and log."""
    with log_scrubbing.guarding([PASSWORD]):
        error = AuthenticationRejected(detail="x" * offset + imap_quoted(PASSWORD) + "y" * 400)
    assert_no_trace(str(error), PASSWORD)
    assert_no_trace(repr(error.args), PASSWORD)
    assert len(error.detail) <= scrubbing.DETAIL_LIMIT


@pytest.mark.parametrize("offset", [0, 150, 285, 295])
def test_a_client_secret_echoed_by_the_authority_is_scrubbed(offset):
    secret = "Qx8~Secret+Value/With=Signs"
    description = "x" * offset + f"AADSTS7000215: Invalid client secret '{secret}' in client_secret="
    description += quote_plus(secret) + "&grant_type=client_credentials"
    with log_scrubbing.guarding([secret]):
        error = OAuthFailure(detail=description)
    assert_no_trace(str(error), secret)
    assert_no_trace(str(error), quote_plus(secret))


def test_ordinary_text_is_left_alone():
    reply = "NO [AUTHENTICATIONFAILED] Authentication failed. Try again in a moment (code 535 5.7.8)."
    assert scrubbing.scrub(reply, [PASSWORD, TOKEN, *scrubbing.sasl_blobs(USER, password=PASSWORD)]) == reply


def test_bytes_are_scrubbed_too_and_undecodable_bytes_kept_as_escapes():
    text = scrubbing.scrub(b"NO \xff " + imap_quoted(PASSWORD).encode(), [PASSWORD])
    assert text == 'NO \\xff "***"'


def test_log_records_made_during_a_connection_are_scrubbed_whatever_the_logger(caplog):
    with caplog.at_level(logging.DEBUG), log_scrubbing.guarding([PASSWORD]):
        logging.getLogger("imapclient.imaplib").debug("  < %r", f"A1 NO {imap_quoted(PASSWORD)}".encode())
        logging.getLogger("msal.application").info("posted client_secret=%s", quote_plus(PASSWORD))
        logging.getLogger("mailboxes.protocols.smtp").debug("reply: %s", FORMS["AUTH PLAIN"])
        try:
            raise ValueError(f"server said {PASSWORD}")
        except ValueError:
            logging.getLogger("anything.else").exception("failed with %s", "%s %d")
    assert len(caplog.records) == 4
    assert_no_trace(caplog.text, PASSWORD)
    assert_no_trace("\n".join(r.getMessage() for r in caplog.records), PASSWORD)
    assert caplog.records[-1].getMessage() == "failed with %s %d"


def test_secrets_are_guarded_only_while_their_connection_is_open(caplog):
    with caplog.at_level(logging.INFO):
        with log_scrubbing.guarding([PASSWORD]):
            assert log_scrubbing.current_secrets() == (PASSWORD,)
        logging.getLogger("mailboxes").info("no connection open: %s", "plain text")
    assert log_scrubbing.current_secrets() == ()
    assert caplog.records[-1].getMessage() == "no connection open: plain text"


def test_the_filter_for_logging_settings_scrubs_when_the_record_factory_was_replaced(monkeypatch):
    seen = []
    handler = logging.Handler()
    handler.emit = lambda record: seen.append(handler.format(record))
    handler.addFilter(log_scrubbing.SecretFilter())
    logger = logging.getLogger("tests.secret_filter")
    logger.addHandler(handler)
    try:
        with log_scrubbing.guarding([PASSWORD]):
            monkeypatch.setattr(logging, "_logRecordFactory", logging.LogRecord)  # someone replaced ours
            logger.warning("reply %s", imap_quoted(PASSWORD))
    finally:
        logger.removeHandler(handler)
    assert seen == ['reply "***"']


def test_importing_the_protocols_installs_the_record_factory():
    assert getattr(logging.getLogRecordFactory(), "scrubs_secrets", False)
