"""Mailboxes: connection settings of one e-mail account, for one purpose (incoming IMAP or outgoing SMTP).

Every stored secret (password, client secret, token cache) is bound to the connection it was entered
for: a fingerprint of the fields that decide where it goes is kept next to it, set when the secret is
entered (saved with a new value), never when only those fields change. A secret whose fingerprint no
longer matches the fields is not handed out (mailboxes/connections/credentials.py): an administrator who
changes the server cannot make the portal send it the stored password.
"""

import hashlib
import json
from collections.abc import Mapping

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from intake.crypto import EncryptedTextField
from intake.models import Tenant
from intake.tenancy import TenantOwned
from mailboxes.protocols import tls

# Each secret and the field holding the fingerprint of the connection it was entered for.
SECRET_BINDINGS = {
    "password": "password_bound_to",
    "oauth_client_secret": "client_secret_bound_to",
    "oauth_token_cache": "token_cache_bound_to",
}
# The fields that decide where a secret goes (read by migration 0007 too, on historical rows).
BINDING_INPUTS = (
    "purpose",
    "host",
    "port",
    "encryption",
    "email_address",
    "login",
    "trusted_certificate",
    "oauth_grant",
    "oauth_client_id",
    "oauth_directory_id",
)
_BINDING_VERSION = 1


def connection_values(raw: Mapping) -> dict:
    """`raw` field values (BINDING_INPUTS) in the form they are compared in: spelling that reaches the same
    server (case of the host, a trailing dot, the default port, line breaks of a PEM) is no change."""
    protocol = "imap" if raw["purpose"] == Mailbox.Purpose.INCOMING else "smtp"
    return {
        "purpose": raw["purpose"],
        "host": (raw["host"] or "").strip().rstrip(".").lower(),
        "port": raw["port"] or tls.DEFAULT_PORTS.get((protocol, raw["encryption"]), 0),
        "encryption": raw["encryption"],
        "login": (raw["login"] or raw["email_address"] or "").strip(),
        "trusted_certificate": "".join((raw["trusted_certificate"] or "").split()),
        "oauth_grant": raw["oauth_grant"],
        "oauth_client_id": (raw["oauth_client_id"] or "").strip().lower(),
        "oauth_directory_id": (raw["oauth_directory_id"] or "").strip().lower(),
    }


def secret_bindings(values: dict, authority_host: str) -> dict[str, str]:
    """For each secret, the fingerprint of where it may be sent, from connection_values().

    The password goes to the mail server as that login. The client secret goes to the authority for that
    directory and app; app-only, it alone also gets tokens for the mail server, so the server counts too.
    Tokens were issued by that authority, directory and app, and go to that server.
    """
    server = [values[name] for name in ("purpose", "host", "port", "encryption", "login")]
    server.append(values["trusted_certificate"])  # which certificate proves the server is that server
    app = [
        authority_host.strip().rstrip("/").lower(),
        values["oauth_directory_id"],
        values["oauth_client_id"],
    ]
    app.append(values["oauth_grant"])
    app_only = values["oauth_grant"] == Mailbox.OAuthGrant.APP_ONLY
    return {
        "password": _fingerprint("password", server),
        "oauth_client_secret": _fingerprint("client secret", app + server if app_only else app),
        "oauth_token_cache": _fingerprint("tokens", app + server),
    }


def _fingerprint(kind: str, parts: list) -> str:
    return hashlib.sha256(json.dumps([_BINDING_VERSION, kind, *parts]).encode()).hexdigest()


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
        # Outgoing only: an on-premises SMTP relay that takes mail from the portal's address without AUTH.
        NONE = "none", _("no authentication (SMTP relay)")

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
    # Fingerprints of the connection each secret was entered for (see SECRET_BINDINGS); "" when it has none.
    password_bound_to = models.CharField(max_length=64, blank=True, default="", editable=False)
    client_secret_bound_to = models.CharField(max_length=64, blank=True, default="", editable=False)
    token_cache_bound_to = models.CharField(max_length=64, blank=True, default="", editable=False)
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
    # Who holds the lease ("host pid start"): a restart on that host takes over from a dead holder at once.
    poll_lock_holder = models.CharField(max_length=300, blank=True, editable=False)
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
    def authenticates(self) -> bool:
        return self.auth_method != self.AuthMethod.NONE

    @property
    def is_delegated(self) -> bool:
        return self.uses_oauth and self.oauth_grant == self.OAuthGrant.DELEGATED

    # -- secrets bound to their connection ------------------------------------------------------------

    def connection_values(self) -> dict:
        return connection_values({name: getattr(self, name) for name in BINDING_INPUTS})

    def secret_bindings(self) -> dict[str, str]:
        """The fingerprints the fields give now, per secret (compared with the stored ones)."""
        return secret_bindings(self.connection_values(), settings.MS_AUTHORITY_HOST)

    def stored_secret_fits(self, secret: str) -> bool:
        """True if `secret` was entered for the connection the fields describe now. A mailbox not saved
        yet has nothing stored: its secrets were given together with its fields."""
        if self._state.adding:
            return True
        return getattr(self, SECRET_BINDINGS[secret]) == self.secret_bindings()[secret]

    def enter_secret(self, secret: str, value: str) -> None:
        """Set `secret` as just typed, for the connection the fields describe when saved (even if it equals
        the stored value: retyping the same password for a new server is what binds it there)."""
        setattr(self, secret, value)
        self._entered_secrets = {*getattr(self, "_entered_secrets", ()), secret}

    def secret_written(self, secret: str, value: str, binding: str) -> None:
        """Mirror a secret the portal wrote to the row itself (a refreshed token cache), so that a later
        save() does not take it for a newly entered one."""
        setattr(self, secret, value)
        setattr(self, SECRET_BINDINGS[secret], binding)
        self._stored_secrets = {**getattr(self, "_stored_secrets", {}), secret: value}

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._remember_stored_secrets()
        return instance

    def refresh_from_db(self, using=None, fields=None, from_queryset=None):
        if fields is not None:  # a secret is always reloaded with its binding
            fields = [*fields, *(SECRET_BINDINGS[f] for f in fields if f in SECRET_BINDINGS)]
        super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)
        reloaded = SECRET_BINDINGS.keys() if fields is None else SECRET_BINDINGS.keys() & set(fields)
        self._remember_stored_secrets(only=reloaded)

    def _remember_stored_secrets(self, only=tuple(SECRET_BINDINGS)) -> None:
        loaded = {name: self.__dict__[name] for name in only if name in self.__dict__}
        self._stored_secrets = {**getattr(self, "_stored_secrets", {}), **loaded}
        self._entered_secrets = set(getattr(self, "_entered_secrets", ())) - set(only)

    def _bind_entered_secrets(self, update_fields) -> list[str]:
        """Bind every secret this save writes with a new (or retyped) value to the fields being saved;
        a kept secret keeps its binding, whatever else changed, except tokens, which a change of their
        server or app makes worthless: they are dropped. Returns the further fields to write."""
        bindings, written = self.secret_bindings(), []
        stored, entered = getattr(self, "_stored_secrets", {}), getattr(self, "_entered_secrets", set())
        deferred = self.get_deferred_fields()
        for secret, binding in SECRET_BINDINGS.items():
            if secret in deferred or (update_fields is not None and secret not in update_fields):
                continue
            value = getattr(self, secret)
            kept = not self._state.adding and secret not in entered and stored.get(secret, None) == value
            if (
                kept
                and binding == SECRET_BINDINGS["oauth_token_cache"]
                and value
                and getattr(self, binding) != bindings[secret]
            ):
                self.oauth_token_cache = self.oauth_account = ""
                setattr(self, binding, "")
                written += [binding, "oauth_account"]
            elif not kept:
                setattr(self, binding, bindings[secret] if value else "")
                written.append(binding)
        return written

    def save(self, *args, **kwargs):
        if not self.port:
            self.port = tls.DEFAULT_PORTS[(self.protocol, self.encryption)]
        update_fields = kwargs.get("update_fields")
        further = self._bind_entered_secrets(update_fields)
        if update_fields is not None and further:
            kwargs["update_fields"] = {*update_fields, *further}
        super().save(*args, **kwargs)
        self._stored_secrets = {
            name: getattr(self, name) for name in SECRET_BINDINGS if name in self.__dict__
        }
        self._entered_secrets = set()
