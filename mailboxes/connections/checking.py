"""The connection test: can the portal reach, secure and log in to this mailbox's server right now?"""

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
