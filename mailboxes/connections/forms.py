"""The mailbox form: secrets are typed, never shown back; incoming login+password mailboxes are tested
with the entered values before they can be saved (SPEC rule 6).

A stored secret is kept only for the connection it was typed for: change the server, port, encryption,
login or certificate and the password must be typed again; change the app (client ID, tenant ID, grant;
app-only also the server) and the client secret must; either change signs a delegated mailbox out.
"""

import copy

from django import forms
from django.forms.models import construct_instance
from django.utils.translation import gettext_lazy as _

from mailboxes.connections.checking import check_connection
from mailboxes.connections.credentials import INCOMING_NEEDS_AUTHENTICATION
from mailboxes.models import Mailbox
from mailboxes.protocols import network, tls
from mailboxes.protocols.errors import HostNotAllowed, HostNotFound, TlsFailure


def secret_input():
    # render_value=False: a stored secret never travels back to the browser, not even masked.
    return forms.PasswordInput(
        render_value=False,
        attrs={
            "autocomplete": "new-password",
            "class": "secret-input",
            "data-reveal-label": _("Show password"),
        },
    )


SECRET_FIELDS = {"new_password": "password", "new_client_secret": "oauth_client_secret"}
STORED_HELP = {
    "password": _(
        "A value is stored. Type a new one to replace it; leave empty to keep it. After a change of the "
        "server, port, encryption, login or certificate it must be typed again."
    ),
    "oauth_client_secret": _(
        "A value is stored. Type a new one to replace it; leave empty to keep it. After a change of the "
        "client ID, tenant ID or grant type (app-only: also of the server) it must be typed again."
    ),
}
STALE_HELP = {
    "password": _("The stored password was typed for other server settings and is not used: type it again."),
    "oauth_client_secret": _(
        "The stored client secret was typed for other app or server settings and is not used: type it again."
    ),
}
RETYPE = {
    "password": _("You changed the server (%(fields)s): type the password again."),
    "oauth_client_secret": _("You changed the app or server (%(fields)s): type the client secret again."),
}


class MailboxForm(forms.ModelForm):
    new_password = forms.CharField(label=_("Password"), required=False, strip=False, widget=secret_input())
    new_client_secret = forms.CharField(
        label=_("Client secret (value)"), required=False, strip=False, widget=secret_input()
    )

    class Meta:
        model = Mailbox
        fields = [
            "name",
            "purpose",
            "host",
            "port",
            "encryption",
            "trusted_certificate",
            "email_address",
            "login",
            "auth_method",
            "oauth_grant",
            "oauth_client_id",
            "oauth_directory_id",
            "automat",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.connection_report = None
        self.signed_out = False  # saving discarded a delegated mailbox's sign-in
        for name, secret in SECRET_FIELDS.items():
            if not getattr(self.instance, secret, ""):
                continue
            if self.instance.stored_secret_fits(secret):
                self.fields[name].help_text = STORED_HELP[secret]
                self.fields[name].widget.attrs["placeholder"] = "••••••••"
            else:
                self.fields[name].help_text = STALE_HELP[secret]

    def clean_trusted_certificate(self):
        pem = self.cleaned_data.get("trusted_certificate", "")
        if pem.strip():
            try:
                tls.validate_ca_pem(pem)
            except TlsFailure:
                raise forms.ValidationError(_("This is not a valid PEM certificate.")) from None
        return pem

    def clean_host(self):
        host = self.cleaned_data["host"].strip()
        try:
            network.resolve(host, 0)
        except HostNotAllowed as error:
            raise forms.ValidationError(str(error)) from None
        except HostNotFound:
            pass  # reported by the connection test where one runs; a DNS outage must not block editing
        return host

    def clean(self):
        cleaned = super().clean()
        method = cleaned.get("auth_method")
        # The mailbox as it would be saved, still holding the stored secrets and their bindings.
        candidate = construct_instance(self, copy.copy(self.instance))
        if method == Mailbox.AuthMethod.PASSWORD:
            self._require_secret(candidate, "new_password", _("Enter the password."))
        elif method == Mailbox.AuthMethod.MICROSOFT_OAUTH:
            for name in ("oauth_client_id", "oauth_directory_id"):
                if not cleaned.get(name):
                    self.add_error(name, _("Required for Microsoft OAuth 2.0."))
            self._require_secret(candidate, "new_client_secret", _("Required for Microsoft OAuth 2.0."))
        elif method == Mailbox.AuthMethod.NONE and cleaned.get("purpose") == Mailbox.Purpose.INCOMING:
            self.add_error("auth_method", INCOMING_NEEDS_AUTHENTICATION)
        if self.errors:
            return cleaned
        if cleaned.get("purpose") == Mailbox.Purpose.INCOMING and method == Mailbox.AuthMethod.PASSWORD:
            # Not typed: credentials use the stored password, and only where it was typed for.
            report = check_connection(candidate, password=cleaned.get("new_password") or None, record=False)
            if not report.ok:
                raise forms.ValidationError(
                    _("The connection test failed, so the mailbox was not saved: %(reason)s"),
                    params={"reason": report.message},
                    code="connection_test_failed",
                )
            self.connection_report = report
        return cleaned

    def _require_secret(self, candidate: Mailbox, field: str, missing: str) -> None:
        """The secret of `field` is typed now, or stored and typed for the connection being saved."""
        secret = SECRET_FIELDS[field]
        if self.cleaned_data.get(field):
            return
        if not getattr(self.instance, secret):
            self.add_error(field, missing)
        elif not candidate.stored_secret_fits(secret):
            changed = self._changed_labels(candidate)
            self.add_error(field, RETYPE[secret] % {"fields": changed} if changed else STALE_HELP[secret])

    def _changed_labels(self, candidate: Mailbox) -> str:
        before, after = self.instance.connection_values(), candidate.connection_values()
        # "login" stands for the e-mail address too, which is the login when that is left empty.
        names = [name for name in after if before[name] != after[name]]
        return ", ".join(str(Mailbox._meta.get_field(name).verbose_name) for name in names)

    def save(self, commit=True):
        mailbox = super().save(commit=False)
        # Typed now: bound, when saved, to the connection saved with it (even if it equals the stored one).
        for field, secret in SECRET_FIELDS.items():
            if self.cleaned_data.get(field):
                mailbox.enter_secret(secret, self.cleaned_data[field])
        # Keep no secret the chosen method does not use.
        if mailbox.auth_method == Mailbox.AuthMethod.NONE:
            mailbox.password = mailbox.oauth_client_secret = ""
            mailbox.oauth_token_cache = mailbox.oauth_account = ""
        elif mailbox.auth_method == Mailbox.AuthMethod.PASSWORD:
            mailbox.oauth_client_secret = mailbox.oauth_token_cache = mailbox.oauth_account = ""
        else:
            mailbox.password = ""
            if mailbox.oauth_token_cache and not mailbox.stored_secret_fits("oauth_token_cache"):
                # Tokens of another server or app: never sent anywhere; a delegated mailbox signs in again.
                self.signed_out = mailbox.is_delegated
                mailbox.oauth_token_cache = mailbox.oauth_account = ""
        if commit:
            mailbox.save()
        return mailbox
