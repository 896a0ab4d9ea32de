"""Mailboxes: connection settings of one e-mail account, for one purpose (incoming IMAP or outgoing SMTP)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from intake.crypto import EncryptedTextField
from intake.models import Tenant
from intake.tenancy import TenantOwned
from mailboxes.protocols import tls


class Mailbox(TenantOwned):
    class Purpose(models.TextChoices):
        INCOMING = "incoming", _("incoming (IMAP, mail import)")
        OUTGOING = "outgoing", _("outgoing (SMTP, notifications)")

    class Encryption(models.TextChoices):
        SSL_TLS = tls.SSL_TLS, _("SSL/TLS")
        STARTTLS = tls.STARTTLS, _("STARTTLS")
        AUTOMATIC = tls.AUTOMATIC, _("Automatic")
        NONE = tls.NONE, _("None (credentials in clear text)")

    class AuthMethod(models.TextChoices):
        PASSWORD = "password", _("login and password")
        MICROSOFT_OAUTH = "ms_oauth", _("Microsoft OAuth 2.0")

    class OAuthGrant(models.TextChoices):
        DELEGATED = "delegated", _("delegated (a user signs in and consents)")
        APP_ONLY = "app_only", _("app-only (client credentials)")

    class State(models.TextChoices):
        UNTESTED = "untested", _("not tested yet")
        READY = "ready", _("ready")
        NEEDS_SIGN_IN = "needs_sign_in", _("needs sign-in")
        FAILING = "failing", _("failing")

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="mailboxes", editable=False)
    name = models.CharField(_("name"), max_length=120)
    purpose = models.CharField(_("purpose"), max_length=10, choices=Purpose.choices, default=Purpose.INCOMING)
    host = models.CharField(_("server"), max_length=255)
    port = models.PositiveIntegerField(
        _("port"), blank=True, help_text=_("Empty: the usual port for the encryption.")
    )
    encryption = models.CharField(
        _("encryption"), max_length=10, choices=Encryption.choices, default=Encryption.SSL_TLS
    )
    email_address = models.EmailField(_("e-mail address"))
    login = models.CharField(
        _("login"), max_length=255, blank=True, help_text=_("Empty: the e-mail address.")
    )
    auth_method = models.CharField(
        _("authentication method"), max_length=10, choices=AuthMethod.choices, default=AuthMethod.PASSWORD
    )
    password = EncryptedTextField(_("password"))
    oauth_client_id = models.CharField(_("client ID"), max_length=100, blank=True)
    oauth_client_secret = EncryptedTextField(_("client secret"))
    oauth_directory_id = models.CharField(_("tenant ID"), max_length=100, blank=True)
    oauth_grant = models.CharField(
        _("grant type"), max_length=10, choices=OAuthGrant.choices, default=OAuthGrant.DELEGATED
    )
    oauth_token_cache = EncryptedTextField(_("token cache"))
    oauth_account = models.CharField(_("signed-in account"), max_length=255, blank=True, editable=False)
    trusted_certificate = models.TextField(
        _("trusted certificate (PEM)"),
        blank=True,
        help_text=_(
            "Only for servers with their own CA or a self-signed certificate (e.g. on-premises Exchange). "
            "Certificates are always verified."
        ),
    )
    automat = models.BooleanField(
        _("Automat"),
        default=False,
        help_text=_("Every mail sent through this mailbox gets a footer saying the system sent it."),
    )
    state = models.CharField(
        _("state"), max_length=15, choices=State.choices, default=State.UNTESTED, editable=False
    )
    last_error = models.TextField(_("last error"), blank=True, editable=False)
    last_checked_at = models.DateTimeField(_("last checked"), null=True, blank=True, editable=False)
    folders = models.JSONField(_("folders"), default=list, blank=True, editable=False)
    folders_fetched_at = models.DateTimeField(_("folders fetched"), null=True, blank=True, editable=False)
    # Polling: one worker at a time per mailbox (a lease that expires if its holder dies), and the count of
    # authentication failures in a row, after which polling stops until an administrator acts.
    poll_lock_token = models.CharField(max_length=32, blank=True, editable=False)
    poll_lock_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    auth_failures = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="mailbox_name_unique_per_tenant")
        ]

    def __str__(self):
        return f"{self.name} <{self.email_address}>"

    @property
    def protocol(self) -> str:
        return "imap" if self.purpose == self.Purpose.INCOMING else "smtp"

    @property
    def effective_port(self) -> int:
        return self.port or tls.DEFAULT_PORTS[(self.protocol, self.encryption)]

    @property
    def effective_login(self) -> str:
        return self.login or self.email_address

    @property
    def uses_oauth(self) -> bool:
        return self.auth_method == self.AuthMethod.MICROSOFT_OAUTH

    @property
    def is_delegated(self) -> bool:
        return self.uses_oauth and self.oauth_grant == self.OAuthGrant.DELEGATED

    def save(self, *args, **kwargs):
        if not self.port:
            self.port = tls.DEFAULT_PORTS[(self.protocol, self.encryption)]
        super().save(*args, **kwargs)
