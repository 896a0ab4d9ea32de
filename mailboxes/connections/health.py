"""What needs attention: mailboxes whose mail does not arrive or that stopped polling, and buffers whose
polls fail. One selector for every page that shows it: the operators' banners (ACD area, a point's or
buffer's list), the administrators' "Needs attention" panel and the mailbox page.

Reads the active tenant's rows only (the scoped managers). Reasons are returned as stored (in English)
and shown in the reader's language by the templates (in_reader_language). "Since" is the buffer's last
successful poll: mail has not arrived since then.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Max, Q

from mailboxes.connections.state import AUTH_FAILURE_LIMIT, awaiting_first_sign_in, polling_stopped
from mailboxes.models import Buffer, Mailbox

STOPPED, FAILING, FIRST_SIGN_IN = "stopped", "failing", "first_sign_in"


@dataclass(frozen=True)
class MailboxTrouble:
    mailbox: Mailbox
    condition: str  # STOPPED, FAILING or FIRST_SIGN_IN
    reason: str  # as stored
    since: datetime | None  # the last successful poll of its buffers, if any

    @property
    def auth_failures(self) -> int:
        return self.mailbox.auth_failures


@dataclass(frozen=True)
class BufferTrouble:
    buffer: Buffer
    address: str  # the mailbox the mail should come from
    reason: str
    since: datetime | None
    stopped: bool  # polling waits for an administrator


def condition_of(mailbox: Mailbox) -> str:
    """STOPPED, FAILING, FIRST_SIGN_IN, or "" for a mailbox without trouble (ready, untested)."""
    if awaiting_first_sign_in(mailbox):
        return FIRST_SIGN_IN
    if polling_stopped(mailbox):
        return STOPPED
    return FAILING if mailbox.state == Mailbox.State.FAILING else ""


def _troubled(prefix: str = "") -> Q:
    """Mailboxes in trouble (`prefix` "mailbox__" for their buffers); condition_of tells which."""
    return Q(**{f"{prefix}state__in": [Mailbox.State.FAILING, Mailbox.State.NEEDS_SIGN_IN]}) | Q(
        **{f"{prefix}auth_failures__gte": AUTH_FAILURE_LIMIT}
    )


def mailbox_trouble(mailbox: Mailbox) -> MailboxTrouble | None:
    """The trouble of one mailbox (its page), or None."""
    condition = condition_of(mailbox)
    if not condition:
        return None
    since = Buffer.objects.filter(mailbox=mailbox).aggregate(last=Max("last_polled_at"))["last"]
    return MailboxTrouble(mailbox, condition, mailbox.last_error, since)


def troubled_mailboxes() -> list[MailboxTrouble]:
    """The active tenant's mailboxes in trouble, stopped ones first."""
    mailboxes = Mailbox.objects.filter(_troubled()).annotate(since=Max("buffers__last_polled_at"))
    found = [MailboxTrouble(m, condition_of(m), m.last_error, m.since) for m in mailboxes]
    order = {STOPPED: 0, FAILING: 1, FIRST_SIGN_IN: 2}
    return sorted(found, key=lambda trouble: (order[trouble.condition], trouble.mailbox.name))


def not_arriving(buffers=None) -> list[BufferTrouble]:
    """The enabled buffers (of `buffers`: ids or Buffer objects; all of the tenant's if None) whose mail
    is not arriving: their mailbox is in trouble, or their own last poll failed (a folder, the storage)."""
    queryset = Buffer.objects.filter(enabled=True).select_related("mailbox")
    if buffers is not None:
        queryset = queryset.filter(pk__in=[getattr(b, "pk", b) for b in buffers])
    queryset = queryset.filter(~Q(last_error="") | _troubled("mailbox__"))
    found = []
    for buffer in queryset.order_by("name"):
        mailbox = buffer.mailbox
        troubled = bool(condition_of(mailbox))
        # The mailbox's reason is the current one when it is in trouble; otherwise the buffer's own.
        reason = mailbox.last_error if troubled and mailbox.last_error else buffer.last_error
        found.append(
            BufferTrouble(
                buffer, mailbox.email_address, reason, buffer.last_polled_at, polling_stopped(mailbox)
            )
        )
    return found


@dataclass(frozen=True)
class Attention:
    mailboxes: list[MailboxTrouble]
    buffers: list[BufferTrouble]

    def __bool__(self):
        return bool(self.mailboxes or self.buffers)


def needs_attention() -> Attention:
    """Everything of the active tenant an administrator should look at."""
    return Attention(troubled_mailboxes(), not_arriving())
