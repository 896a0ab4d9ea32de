"""ACD points (automatic document generation), OCR points, and what generation leaves behind."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from acd_points.folders import FolderNotAllowed, normalise_folder
from intake.models import Document, DocumentFile, Employee, Tenant
from intake.tenancy import TenantOwned
from mailboxes.models import Buffer, Message


def clean_folder(value: str, field: str) -> str:
    """A folder typed by an administrator, normalised; refused (on `field`) when it leaves the area."""
    try:
        return normalise_folder(value)
    except FolderNotAllowed as error:
        raise ValidationError({field: str(error)}) from None


class NoFiles(models.TextChoices):
    """Why a mail has no attachment that goes onto its document at a point (stored as a code, shown in the
    reader's language)."""

    NO_ATTACHMENTS = "no_attachments", _("The mail has no attachments.")
    NOT_DOCUMENTS = (
        "no_document_attachments",
        _(
            "The mail's attachments are not documents "
            "(only signatures, pictures in the mail's text or the like)."
        ),
    )
    NOT_GRAPHIC = (
        "no_graphic_attachments",
        _(
            "The mail has no graphic attachment (pdf, jpg, tif, png), "
            "and the point copies only graphic attachments."
        ),
    )
    UNUSABLE = (
        "unusable_attachments",
        _("The mail's attachments cannot be copied (encrypted, unreadable or missing files)."),
    )
    NONE_CHOSEN = "none_chosen", _("The operator chose no attachment for the document.")


class OcrPoint(TenantOwned):
    """A folder an external OCR program watches; ACD points may copy their documents' files there."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="ocr_points", editable=False)
    name = models.CharField(_("name"), max_length=120)
    folder = models.CharField(
        _("destination folder"),
        max_length=300,
        help_text=_("A folder inside the company's file area on the server, e.g. ocr/incoming."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("OCR point")
        verbose_name_plural = _("OCR points")
        constraints = [models.UniqueConstraint(fields=["tenant", "name"], name="ocr_point_name_unique")]

    def __str__(self):
        return self.name

    def clean(self):
        self.folder = clean_folder(self.folder, "folder")
        if not self.folder:
            raise ValidationError({"folder": _("Name a folder.")})


class AcdPoint(TenantOwned):
    class Kind(models.TextChoices):
        MAILBOX = "mailbox", _("mailbox cooperation (attachment download)")

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="acd_points", editable=False)
    name = models.CharField(_("point name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.MAILBOX)
    buffer = models.ForeignKey(
        Buffer, on_delete=models.PROTECT, related_name="acd_points", verbose_name=_("e-mail buffer")
    )
    # General
    allow_delete_from_mailbox = models.BooleanField(
        _("allow deleting from the list and from the mailbox"), default=False
    )
    delete_after_generate = models.BooleanField(
        _("after generating a document, delete from the mailbox"), default=False
    )
    ocr_point = models.ForeignKey(
        OcrPoint,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="acd_points",
        verbose_name=_("apply path from OCR point"),
    )
    define_path_during_work = models.BooleanField(_("define path during point operation"), default=False)
    work_folder = models.CharField(_("folder set during work"), max_length=300, blank=True)
    graphic_only = models.BooleanField(
        _("copy only graphic attachments"),
        default=False,
        help_text=_("pdf, jpg, tif, png — judged by content."),
    )
    allow_documents_without_files = models.BooleanField(
        _("allow generating documents from mails without attachments"),
        default=False,
        help_text=_(
            "For mails with no attachment to copy: none at all, only signatures or pictures in the mail's "
            "text, or no graphic file while only graphic attachments are copied. Off: such a mail is not "
            "generated and the operator is told why. On: it becomes a document without files."
        ),
    )
    document_per_attachment = models.BooleanField(
        _("generate a separate document for each attachment"),
        default=False,
        help_text=_(
            "For mails that carry several invoices: each attachment that goes onto a document becomes a "
            "document of its own, titled with the mail's subject and the file's name. Off: one document "
            "per mail with all its attachments."
        ),
    )
    # List
    show_subject = models.BooleanField(_("subject"), default=True)
    show_sender = models.BooleanField(_("sender"), default=True)
    show_received = models.BooleanField(_("received date"), default=True)
    # Permissions: individual employees only
    employees = models.ManyToManyField(
        Employee, blank=True, related_name="acd_points", verbose_name=_("employees")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("ACD point")
        verbose_name_plural = _("ACD points")
        constraints = [models.UniqueConstraint(fields=["tenant", "name"], name="acd_point_name_unique")]

    def __str__(self):
        return self.name

    def clean(self):
        self.work_folder = clean_folder(self.work_folder, "work_folder")
        if not (self.show_subject or self.show_sender or self.show_received):
            raise ValidationError(_("Choose at least one column for the mail list."))

    @property
    def columns(self) -> list[str]:
        chosen = [
            ("subject", self.show_subject),
            ("sender", self.show_sender),
            ("received", self.show_received),
        ]
        return [name for name, shown in chosen if shown]


class PointDocument(TenantOwned):
    """The link from a generated document to its source mail and point: one per document; a mail has one,
    or one per attachment at a point that makes a document of each (all made at once, exactly once)."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+", editable=False)
    point = models.ForeignKey(AcdPoint, on_delete=models.PROTECT, related_name="documents")
    message = models.ForeignKey(Message, on_delete=models.PROTECT, related_name="point_documents")
    document = models.OneToOneField(Document, on_delete=models.CASCADE, related_name="point_document")
    # Set when the document has no files, as the point allowed: why its mail had none to give.
    no_files_reason = models.CharField(max_length=30, choices=NoFiles.choices, blank=True)

    class Meta:
        ordering = ["-document__created_at", "-id"]


class PendingWork(TenantOwned):
    """Side effects that must happen after a commit and survive crashes: deleting a mail on the server,
    copying a document file to a folder. Recorded in the transaction that decides them; done and retried
    by workers until they succeed; visible to operators while they fail."""

    class Kind(models.TextChoices):
        DELETE_ON_SERVER = "delete", _("delete on the server")
        COPY_FILE = "copy", _("copy file to folder")

    class State(models.TextChoices):
        PENDING = "pending", _("pending")
        DONE = "done", _("done")
        FAILED = "failed", _("failing, will retry")

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+", editable=False)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    message = models.ForeignKey(Message, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    document_file = models.ForeignKey(
        DocumentFile, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    folder = models.CharField(max_length=300, blank=True)  # for COPY_FILE: relative to the tenant's file area
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(auto_now_add=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["next_attempt_at"], condition=~models.Q(state="done"), name="pending_work_due"
            )
        ]


class ApiToken(TenantOwned):
    """A key an ERP integration uses to call the API as one employee of one tenant.

    Issued per employee, not per user, so a login that works for several companies still reaches exactly
    one of them through a token. Only a public prefix (to find the row and to recognise the key in lists)
    and the SHA-256 of the secret are stored; the secret is shown once when issued (acd_points.api.tokens).
    """

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+", editable=False)
    employee = models.ForeignKey(
        Employee, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("employee")
    )
    name = models.CharField(
        _("name"), max_length=120, help_text=_("What uses the token, e.g. “ERP production”.")
    )
    prefix = models.CharField(_("prefix"), max_length=24, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    is_revoked = models.BooleanField(_("revoked"), default=False, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"


class MailAction(TenantOwned):
    """Who did what to a point's mail, and when: appended by the services in the action's own transaction,
    never changed. Names are kept as written then, so a row still says who and what after the employee,
    mail or document is gone."""

    class Action(models.TextChoices):
        GENERATED = "generated", _("generated a document")
        REMOVED = "removed", _("removed from the list")
        RESTORED = "restored", _("restored to the list")
        DELETED_FROM_MAILBOX = "deleted_from_mailbox", _("deleted from the list and the mailbox")
        FOLDER_SET = "folder_set", _("set the point's folder")

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+", editable=False)
    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    action = models.CharField(_("action"), max_length=30, choices=Action.choices)
    employee = models.ForeignKey(
        Employee,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("employee"),
    )
    employee_name = models.CharField(_("who"), max_length=200, blank=True)
    point = models.ForeignKey(
        AcdPoint,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ACD point"),
    )
    message = models.ForeignKey(
        Message,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="point_actions",
        verbose_name=_("mail"),
    )
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    document = models.ForeignKey(
        Document,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="point_actions",
        verbose_name=_("document"),
    )
    detail = models.CharField(_("detail"), max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("operator action")
        verbose_name_plural = _("operator actions")

    def __str__(self):
        what = f"{self.employee_name or '—'}: {self.get_action_display()}"
        return f"{what} — {self.subject}" if self.subject else what


def record_actions(point, action: str, employee, message_ids=(), *, documents=None, detail: str = "") -> None:
    """Append who did `action` at `point`: one row per mail (one for the point itself when there is none),
    in the caller's transaction, so a rolled-back action leaves no history. `documents`: mail id →
    document id of documents made by the action."""
    documents = documents or {}
    subjects = dict(Message.objects.filter(pk__in=message_ids).values_list("pk", "subject"))
    common = {
        "tenant_id": point.tenant_id,
        "point": point,
        "action": action,
        "employee": employee,
        "employee_name": str(employee)[:200] if employee else "",
        "detail": detail[:300],
    }
    rows = [
        MailAction(message_id=pk, subject=(subjects[pk] or "")[:300], document_id=documents.get(pk), **common)
        for pk in message_ids
        if pk in subjects
    ]
    MailAction.objects.bulk_create(rows or ([] if message_ids else [MailAction(**common)]))
