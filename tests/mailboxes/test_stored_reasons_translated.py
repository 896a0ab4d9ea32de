"""Reasons the worker stored in English are shown in the reader's language, details included."""

from django.utils import translation

from intake.storage_faults import StorageFault
from mailboxes.protocols.errors import FetchingInterrupted, TimedOut
from mailboxes.templatetags.stored_mail import in_reader_language


def _stored(error) -> str:
    with translation.override("en"):
        return str(error)


def test_a_fixed_reason_with_details_is_translated_and_keeps_its_details():
    timed_out = _stored(TimedOut(detail="imap.example.com:993 (after 20 s)"))
    interrupted = _stored(FetchingInterrupted(detail="SIGKILL"))  # its own text holds " (" already
    with translation.override("pl"):
        assert in_reader_language(timed_out).endswith(" (imap.example.com:993 (after 20 s))")
        assert not in_reader_language(timed_out).startswith("Timed out")
        assert in_reader_language(interrupted).startswith("Proces pobierający poczty w portalu")
        assert in_reader_language(interrupted).endswith("(SIGKILL)")
        assert in_reader_language(_stored(StorageFault(28))).startswith("Magazyn plików portalu jest pełny")
        # A server's own words have no translation: shown as written.
        assert in_reader_language("NO [ALERT] mailbox over quota (x)") == "NO [ALERT] mailbox over quota (x)"
