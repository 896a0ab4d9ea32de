"""The mailbox form: secrets are typed, never shown back; incoming login+password mailboxes are tested
with the entered values before they can be saved (SPEC rule 6)."""

import copy

from django import forms
from django.forms.models import construct_instance
from django.utils.translation import gettext_lazy as _

from mailboxes.connections.checking import check_connection
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
        stored = _("A value is stored. Type a new one to replace it; leave empty to keep it.")
        for name, attribute in (("new_password", "password"), ("new_client_secret", "oauth_client_secret")):
            if getattr(self.instance, attribute, ""):
                self.fields[name].help_text = stored
                self.fields[name].widget.attrs["placeholder"] = "••••••••"

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
        if method == Mailbox.AuthMethod.PASSWORD:
            if not (cleaned.get("new_password") or self.instance.password):
                self.add_error("new_password", _("Enter the password."))
        elif method == Mailbox.AuthMethod.MICROSOFT_OAUTH:
            for name in ("oauth_client_id", "oauth_directory_id"):
                if not cleaned.get(name):
                    self.add_error(name, _("Required for Microsoft OAuth 2.0."))
            if not (cleaned.get("new_client_secret") or self.instance.oauth_client_secret):
                self.add_error("new_client_secret", _("Required for Microsoft OAuth 2.0."))
        if self.errors:
            return cleaned
        if cleaned.get("purpose") == Mailbox.Purpose.INCOMING and method == Mailbox.AuthMethod.PASSWORD:
            candidate = construct_instance(self, copy.copy(self.instance))
            password = cleaned.get("new_password") or self.instance.password
            report = check_connection(candidate, password=password, record=False)
            if not report.ok:
                raise forms.ValidationError(
                    _("The connection test failed, so the mailbox was not saved: %(reason)s"),
                    params={"reason": report.message},
                    code="connection_test_failed",
                )
            self.connection_report = report
        return cleaned

    def save(self, commit=True):
        mailbox = super().save(commit=False)
        if self.cleaned_data.get("new_password"):
            mailbox.password = self.cleaned_data["new_password"]
        if self.cleaned_data.get("new_client_secret"):
            mailbox.oauth_client_secret = self.cleaned_data["new_client_secret"]
        # Keep no secret the chosen method does not use.
        if mailbox.auth_method == Mailbox.AuthMethod.PASSWORD:
            mailbox.oauth_client_secret = mailbox.oauth_token_cache = mailbox.oauth_account = ""
        else:
            mailbox.password = ""
            if {"oauth_client_id", "oauth_directory_id", "oauth_grant"} & set(self.changed_data):
                mailbox.oauth_token_cache = mailbox.oauth_account = ""  # tokens of another app are worthless
        if commit:
            mailbox.save()
        return mailbox
