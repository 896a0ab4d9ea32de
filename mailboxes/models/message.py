"""Stored mail: every message of a buffer's folder, once, with its raw bytes and its attachments."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from intake.models import Tenant
from intake.tenancy import TenantOwned


class Message(TenantOwned):
    BODY_TEXT_LIMIT = 200_000  # characters kept for the mail page; the raw mail keeps everything

    class State(models.TextChoices):
        NEW = "new", _("new")
        GENERATED = "generated", _("document generated")
        HIDDEN = "hidden", _("hidden from the list")
        DELETED_ON_SERVER = "deleted", _("deleted on the server")
        UNREADABLE = "unreadable", _("unreadable")

    # What the operators' list shows and its actions act on: everything not hidden or deleted by them.
    LISTED_STATES = (State.NEW, State.GENERATED, State.UNREADABLE)

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+", editable=False)
    buffer = models.ForeignKey("mailboxes.Buffer", on_delete=models.CASCADE, related_name="messages")
    # Server identity: a UID means something only together with the folder's UIDVALIDITY.
    folder = models.CharField(_("folder"), max_length=500)
    uidvalidity = models.BigIntegerField()
    uid = models.BigIntegerField()
    # Matches the same mail after the server renumbered the folder (UIDVALIDITY change).
    fingerprint = models.CharField(max_length=64, db_index=True)
    message_id = models.CharField(_("Message-ID"), max_length=998, blank=True)
    subject = models.TextField(_("subject"), blank=True)
    sender = models.CharField(_("sender"), max_length=998, blank=True)
    sender_address = models.CharField(max_length=320, blank=True)
    recipients = models.TextField(_("recipients"), blank=True)
    header_date = models.DateTimeField(_("date (header)"), null=True, blank=True)
    received_at = models.DateTimeField(_("received"), db_index=True)
    size = models.PositiveBigIntegerField(_("size"))
    snippet = models.CharField(_("text"), max_length=300, blank=True)
    # The body as text, extracted once at intake for the mail page (never re-parsed per view); null for
    # mail stored before it was kept (not the same as "no text"), which the mail page extracts once.
    body_text = models.TextField(_("body text"), null=True, blank=True, editable=False)  # noqa: DJ001
    raw = models.FileField(_("raw message"), max_length=300)
    state = models.CharField(
        _("state"), max_length=12, choices=State.choices, default=State.NEW, db_index=True
    )
    unreadable_reason = models.TextField(_("reason it cannot be read"), blank=True)
    defects = models.TextField(_("repaired defects"), blank=True)
    attachment_count = models.PositiveIntegerField(_("attachments"), default=0)
    # Lower-cased subject, sender and attachment names: what the mail list's search looks in. PostgreSQL
    # indexes it with trigrams (migration 0003), so a search costs the same on 1,000 or 100,000 mails.
    search_text = models.TextField(blank=True, editable=False)
    stored_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("mail")
        verbose_name_plural = _("mails")
        constraints = [
            models.UniqueConstraint(
                fields=["buffer", "uidvalidity", "uid"], name="message_once_per_server_identity"
            )
        ]
        indexes = [
            models.Index(fields=["buffer", "-received_at", "-id"], name="message_list"),
            models.Index(fields=["buffer", "state", "-received_at", "-id"], name="message_list_by_state"),
        ]

    def __str__(self):
        return self.subject or str(_("(no subject)"))


class Attachment(TenantOwned):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+", editable=False)
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    position = models.PositiveSmallIntegerField()
    display_name = models.CharField(_("file name"), max_length=255)
    file = models.FileField(_("file"), max_length=300)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    declared_type = models.CharField(_("declared type"), max_length=255, blank=True)
    sniffed_type = models.CharField(_("type"), max_length=255)
    is_graphic = models.BooleanField(_("graphic"), default=False)
    is_inline = models.BooleanField(_("inline"), default=False)
    origin = models.CharField(_("found in"), max_length=500, blank=True)
    unreadable_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["message", "position"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        constraints = [
            models.UniqueConstraint(fields=["message", "position"], name="attachment_position_unique")
        ]

    def __str__(self):
        return self.display_name
