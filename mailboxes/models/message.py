"""Stored mail: every message of a buffer's folder, once, with its raw bytes and its attachments."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from intake.models import Tenant
from intake.tenancy import TenantOwned
from mailboxes.extract import model as extracted  # the values intake writes: one source


class Message(TenantOwned):
    BODY_TEXT_LIMIT = 200_000  # characters kept for the mail page; the raw mail keeps everything
    SUBJECT_LIMIT = 2000  # the raw mail keeps the header whole
    RECIPIENTS_LIMIT = 10_000

    class State(models.TextChoices):
        NEW = "new", _("new")
        GENERATED = "generated", _("document generated")
        HIDDEN = "hidden", _("hidden from the list")
        DELETED_ON_SERVER = "deleted", _("deleted on the server")
        UNREADABLE = "unreadable", _("unreadable")

    class Signature(models.TextChoices):
        VERIFIED = extracted.SIGNATURE_VERIFIED, _("signed, signature verified")
        FAILED = extracted.SIGNATURE_FAILED, _("signed, signature does not verify")
        UNCHECKED = extracted.SIGNATURE_UNCHECKED, _("signed (OpenPGP), not checked")

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
    # sha256 of the raw bytes: the identity that survives a folder recreated on another server.
    raw_sha256 = models.CharField(max_length=64, blank=True, default="", editable=False)
    message_id = models.CharField(_("Message-ID"), max_length=998, blank=True)
    subject = models.TextField(_("subject"), blank=True)
    sender = models.CharField(_("sender"), max_length=998, blank=True)
    sender_address = models.CharField(max_length=320, blank=True)
    recipients = models.TextField(_("recipients"), blank=True)
    # None when the Date header is missing, unreadable or implausible (year 9999): then it is shown as
    # unknown, with the header as written, and never used for ordering.
    header_date = models.DateTimeField(_("date (header)"), null=True, blank=True)
    header_date_text = models.CharField(_("date as written"), max_length=200, blank=True)
    received_at = models.DateTimeField(_("received"), db_index=True)
    size = models.PositiveBigIntegerField(_("size"))
    snippet = models.CharField(_("text"), max_length=300, blank=True)
    # The body as text, extracted once at intake for the mail page (never re-parsed per view); null for
    # mail stored before it was kept (not the same as "no text"): `reread_mail` fills it in.
    body_text = models.TextField(_("body text"), null=True, blank=True, editable=False)  # noqa: DJ001
    raw = models.FileField(_("raw message"), max_length=300)
    state = models.CharField(
        _("state"), max_length=12, choices=State.choices, default=State.NEW, db_index=True
    )
    unreadable_reason = models.TextField(_("reason it cannot be read"), blank=True)
    defects = models.TextField(_("defects"), blank=True)
    signature = models.CharField(
        _("signature"), max_length=10, choices=Signature.choices, blank=True, default=""
    )
    # The signer's address when the signature verifies, else why it does not.
    signature_detail = models.CharField(_("signature detail"), max_length=500, blank=True)
    attachment_count = models.PositiveIntegerField(_("attachments"), default=0)  # documents only
    # Attachments with a problem (cut off, could not be opened, encrypted…): the list marks such mail.
    attachment_problems = models.PositiveIntegerField(_("attachments with a problem"), default=0)
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

    @property
    def defect_list(self) -> list[str]:
        return [line for line in self.defects.splitlines() if line]


class Attachment(TenantOwned):
    class Role(models.TextChoices):
        # Only documents are proposed for documents; the rest stay listed and downloadable.
        DOCUMENT = extracted.DOCUMENT, _("document")
        CONTAINER = extracted.CONTAINER, _("container (its files are listed after it)")
        SIGNATURE = extracted.SIGNATURE, _("digital signature")
        PICTURE = extracted.PICTURE_IN_TEXT, _("picture in the mail's text")
        RESOURCE_FORK = extracted.RESOURCE_FORK, _("Mac resource fork")

    class Problem(models.TextChoices):
        TRUNCATED = extracted.TRUNCATED, _("incomplete: cut off")
        UNREADABLE = extracted.UNREADABLE, _("could not be opened")
        ENCRYPTED = extracted.ENCRYPTED, _("encrypted: can't be opened")
        TOO_DEEP = extracted.TOO_DEEP, _("nested too deep: not opened")
        OVER_LIMIT = extracted.OVER_LIMIT, _("too large to unpack: not opened")

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
    role = models.CharField(_("kind"), max_length=16, choices=Role.choices, default=Role.DOCUMENT)
    problem = models.CharField(_("problem"), max_length=12, choices=Problem.choices, blank=True, default="")
    problem_detail = models.TextField(_("what is wrong"), blank=True)

    class Meta:
        ordering = ["message", "position"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        constraints = [
            models.UniqueConstraint(fields=["message", "position"], name="attachment_position_unique")
        ]

    def __str__(self):
        return self.display_name
