"""Notifications: the tenant's choice of outgoing mailbox, each employee's preferences, and the outbox.

The outbox row is written in the same transaction as the event that causes it; workers send it later
(see mailboxes/notifications/sending.py). Its Message-ID is fixed when the row is written, so every
attempt sends the same message.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from intake.models import Employee, Tenant
from intake.tenancy import TenantOwned


class NotificationSettings(TenantOwned):
    """One per tenant: the outgoing mailbox notifications go through (SPEC rule 10) and their language."""

    tenant = models.OneToOneField(
        Tenant, on_delete=models.CASCADE, related_name="notification_settings", editable=False
    )
    mailbox = models.ForeignKey(
        "mailboxes.Mailbox",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"purpose": "outgoing"},
        verbose_name=_("notification mailbox"),
        help_text=_("The outgoing mailbox every notification of the company is sent through."),
    )
    language = models.CharField(
        _("language of notifications"),
        max_length=10,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("Empty: the portal's default language."),
    )

    class Meta:
        verbose_name = _("notification settings")
        verbose_name_plural = _("notification settings")

    def __str__(self):
        return str(self.tenant)

    @property
    def effective_language(self) -> str:
        return self.language or settings.LANGUAGE_CODE


class NotificationPreference(TenantOwned):
    """Which kinds of notification one employee wants. No row: the defaults below."""

    DEFAULTS = {"new_mail": True, "document_generated": False, "mailbox_problems": True}

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+", editable=False)
    employee = models.OneToOneField(
        Employee, on_delete=models.CASCADE, related_name="notification_preference", editable=False
    )
    new_mail = models.BooleanField(
        _("new mail"),
        default=DEFAULTS["new_mail"],
        help_text=_("One message per check of the mailbox when new mail arrives where you work."),
    )
    document_generated = models.BooleanField(
        _("documents generated"),
        default=DEFAULTS["document_generated"],
        help_text=_("When a colleague generates a document where you work."),
    )
    mailbox_problems = models.BooleanField(
        _("mailbox problems"),
        default=DEFAULTS["mailbox_problems"],
        help_text=_("When a mailbox needs signing in again or keeps failing, and when it recovers."),
    )

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self):
        return str(self.employee)


class Notification(TenantOwned):
    class Kind(models.TextChoices):
        NEW_MAIL = "new_mail", _("new mail")
        DOCUMENT_GENERATED = "document", _("document generated")
        MAILBOX_PROBLEM = "mailbox_problem", _("mailbox needs attention")
        MAILBOX_RECOVERED = "mailbox_recovered", _("mailbox works again")

    class State(models.TextChoices):
        QUEUED = "queued", _("queued")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")
        CANCELLED = "cancelled", _("cancelled")

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+", editable=False)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    recipient = models.ForeignKey(
        Employee, on_delete=models.CASCADE, related_name="+", verbose_name=_("recipient")
    )
    to_address = models.EmailField(_("sent to"), max_length=320)
    # What the notification is about: the buffer of a new-mail digest, the mailbox of an incident.
    buffer = models.ForeignKey(
        "mailboxes.Buffer", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    mailbox = models.ForeignKey(
        "mailboxes.Mailbox", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    count = models.PositiveIntegerField(_("mails"), default=1)
    context = models.JSONField(default=dict, blank=True)
    link_path = models.CharField(_("link"), max_length=500, blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=255, unique=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    reason = models.TextField(_("reason"), blank=True, help_text=_("Why it waits, or why it failed."))
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    # A worker's claim: only the holder of `claim_token` may record the outcome; it expires on its own.
    claim_token = models.CharField(max_length=32, blank=True, editable=False)
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            # The sender's one query: queued (or stale sending) rows whose time has come.
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(state__in=["queued", "sending"]),
                name="notification_due",
            ),
            # Coalescing a new-mail digest: the unsent one of this buffer and recipient.
            models.Index(fields=["buffer", "recipient", "state"], name="notification_digest"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} → {self.to_address}"
