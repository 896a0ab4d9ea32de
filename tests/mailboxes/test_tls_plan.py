"""The encryption rule for both protocols. Servers in tests listen on high ports, so the well-known-port
branch of Automatic is checked here; the servers' tests cover every mode end to end."""

import pytest

from mailboxes.protocols import tls


@pytest.mark.parametrize(
    ("protocol", "encryption", "port", "implicit", "starttls"),
    [
        ("imap", tls.AUTOMATIC, 993, True, False),
        ("imap", tls.AUTOMATIC, 143, False, True),
        ("smtp", tls.AUTOMATIC, 465, True, False),
        ("smtp", tls.AUTOMATIC, 587, False, True),
        ("imap", tls.SSL_TLS, 10993, True, False),
        ("smtp", tls.STARTTLS, 465, False, True),
        ("imap", tls.NONE, 993, False, False),
    ],
)
def test_the_plan_follows_the_encryption_and_the_port(protocol, encryption, port, implicit, starttls):
    plan = tls.plan(protocol, encryption, port)
    assert (plan.implicit, plan.starttls) == (implicit, starttls)
    assert (plan.context is None) == (encryption == tls.NONE)
    if plan.context is not None:
        assert plan.context.verify_mode.name == "CERT_REQUIRED" and plan.context.check_hostname


def test_a_server_without_starttls_is_refused_before_any_credential_is_sent():
    with pytest.raises(tls.EncryptionUnavailable):
        tls.plan("smtp", tls.AUTOMATIC, 587).require_starttls(False, "mail.example.com")
