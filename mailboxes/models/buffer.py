"""E-mail buffers: named mail lists, each fed by one folder of one incoming mailbox."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from intake.models import Employee, Tenant
from intake.tenancy import TenantOwned


class Buffer(TenantOwned):
    MIN_INTERVAL_SECONDS = 30

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="buffers", editable=False)
    name = models.CharField(_("name"), max_length=120)
    mailbox = models.ForeignKey(
        "mailboxes.Mailbox",
        on_delete=models.PROTECT,
        related_name="buffers",
        verbose_name=_("incoming mailbox"),
        limit_choices_to={"purpose": "incoming"},
    )
    folder = models.CharField(_("folder"), max_length=500, default="INBOX")
    enabled = models.BooleanField(_("enabled"), default=True)
    poll_interval_seconds = models.PositiveIntegerField(
        _("polling interval (seconds)"),
        default=120,
        help_text=_("How often new mail is fetched; at least 30."),
    )
    employees = models.ManyToManyField(
        Employee, blank=True, related_name="buffers", verbose_name=_("employees allowed to work with it")
    )
    # Synchronisation state: the server's UIDVALIDITY and the highest UID stored under it.
    uidvalidity = models.BigIntegerField(null=True, blank=True, editable=False)
    last_uid = models.BigIntegerField(default=0, editable=False)
    next_poll_at = models.DateTimeField(default=timezone.now, editable=False)
    last_polled_at = models.DateTimeField(_("last polled"), null=True, blank=True, editable=False)
    last_error = models.TextField(_("last error"), blank=True, editable=False)
    consecutive_failures = models.PositiveIntegerField(default=0, editable=False)
    # Counts UIDVALIDITY changes: mail files of each numbering live in a folder of their own, so files
    # of mails re-pointed at new UIDs are never overwritten when the server reuses numbers.
    resyncs = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("e-mail buffer")
        verbose_name_plural = _("e-mail buffers")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="buffer_name_unique_per_tenant")
        ]
        # The beat tick's one query: enabled buffers whose time has come.
        indexes = [models.Index(fields=["next_poll_at"], condition=models.Q(enabled=True), name="buffer_due")]

    def __str__(self):
        return self.name

    def clean(self):
        if self.poll_interval_seconds is not None and self.poll_interval_seconds < self.MIN_INTERVAL_SECONDS:
            raise ValidationError({"poll_interval_seconds": _("At least 30 seconds.")})
        if self.mailbox_id and self.mailbox.purpose != "incoming":
            raise ValidationError({"mailbox": _("Choose an incoming (IMAP) mailbox.")})

    @property
    def interval(self) -> timedelta:
        return timedelta(seconds=max(self.poll_interval_seconds, self.MIN_INTERVAL_SECONDS))
