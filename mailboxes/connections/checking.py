"""The connection test: can the portal reach, secure and log in to this mailbox's server right now?"""

import copy
import functools
from dataclasses import asdict, dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from intake.tenancy import acting_for
from mailboxes.connections import state
from mailboxes.connections.credentials import with_server
from mailboxes.models import Mailbox
from mailboxes.protocols import imap, smtp
from mailboxes.protocols.errors import MailConnectionError


@dataclass
class ConnectionReport:
    ok: bool
    message: str
    kind: str = "ok"
    folders: list[dict] = field(default_factory=list)


def folder_rows(folders: list[imap.Folder]) -> list[dict]:
    return [
        asdict(f) | {"depth": f.depth, "selectable": f.selectable, "flags": list(f.flags)} for f in folders
    ]


def check_connection(
    mailbox: Mailbox, *, password: str | None = None, record: bool = True
) -> ConnectionReport:
    """Test `mailbox` (saved or not). With `record`, store the outcome (and IMAP folders) on the mailbox.

    IMAP: connect, TLS, authenticate, list folders. SMTP: connect, TLS, EHLO, authenticate; nothing is sent.
    """
    try:
        if mailbox.purpose == Mailbox.Purpose.INCOMING:
            folders = folder_rows(with_server(mailbox, imap.check, password=password))
        else:
            with_server(
                mailbox, functools.partial(smtp.check, sender=mailbox.email_address), password=password
            )
            folders = []
    except MailConnectionError as error:
        if record and mailbox.pk:
            state.record_failure(mailbox, error)
        return ConnectionReport(ok=False, message=str(error), kind=error.kind)
    report = ConnectionReport(ok=True, message=success_message(mailbox, folders), folders=folders)
    if record and mailbox.pk:
        record_check(mailbox, report)
    return report


def record_check(mailbox: Mailbox, report: ConnectionReport) -> None:
    """Keep the outcome of a check that passed: the mailbox is ready, its folders are known, and
    buffers held back by an incident's backoff are polled at the next tick."""
    state.record_success(mailbox, resume_polling=True)
    if mailbox.purpose == Mailbox.Purpose.INCOMING:
        store_folders(mailbox, report.folders)


def success_message(mailbox: Mailbox, folders: list[dict]) -> str:
    if mailbox.purpose == Mailbox.Purpose.INCOMING:
        found = ngettext(
            "Connected to %(host)s and signed in; %(count)d folder found.",
            "Connected to %(host)s and signed in; %(count)d folders found.",
            len(folders),
        )
        return found % {"host": mailbox.host, "count": len(folders)}
    if not mailbox.authenticates:
        return _("Connected to %(host)s; it accepts mail from %(address)s without authentication.") % {
            "host": mailbox.host,
            "address": mailbox.email_address,
        }
    return _("Connected to %(host)s and signed in.") % {"host": mailbox.host}


def store_folders(mailbox: Mailbox, folders: list[dict]) -> None:
    now = timezone.now()
    with acting_for(mailbox.tenant_id):
        Mailbox.objects.filter(pk=mailbox.pk).update(folders=folders, folders_fetched_at=now)
    mailbox.folders, mailbox.folders_fetched_at = folders, now


def check_typed(form) -> ConnectionReport:
    """The connection test of a bound MailboxForm's typed values, saving nothing (the form's button).

    The form's own cleaning decides what may be used: a blank secret means the stored one only where it
    was typed for these connection settings (else a field error says to type it again, and nothing is
    sent). Incoming login+password mailboxes are tested by that cleaning already; the others here.
    """
    if not form.is_valid():
        return _refusal(form)
    if form.connection_report is not None:
        return form.connection_report
    # form.instance carries the typed values now (unsaved); a secret typed now is bound to them.
    candidate = copy.copy(form.instance)
    if form.cleaned_data.get("new_client_secret"):
        candidate.oauth_client_secret = form.cleaned_data["new_client_secret"]
        candidate.client_secret_bound_to = candidate.secret_bindings()["oauth_client_secret"]
    return check_connection(candidate, password=form.cleaned_data.get("new_password") or None, record=False)


def _refusal(form) -> ConnectionReport:
    """What stops the test: the failed test itself, or the fields to fix first (labels and messages)."""
    for error in form.non_field_errors().as_data():
        if error.code == "connection_test_failed":
            return ConnectionReport(ok=False, message=str(error.params["reason"]), kind=error.code)
    lines = []
    for name, errors in form.errors.as_data().items():
        label = form.fields[name].label if name in form.fields else ""
        texts = " ".join(str(text) for error in errors for text in error)
        lines.append(f"{label}: {texts}" if label else texts)
    return ConnectionReport(ok=False, message=" ".join(lines), kind="invalid")


def report_json(report: ConnectionReport) -> dict:
    """The report for the browser: no secret in it, only the outcome and how many folders were found."""
    return {
        "ok": report.ok,
        "message": str(report.message),
        "kind": report.kind,
        "folders_count": len(report.folders),
    }
