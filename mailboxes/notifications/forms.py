"""The employee's notification preferences and the tenant administrator's notification settings."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from mailboxes.models import Mailbox, NotificationPreference


class PreferenceForm(forms.ModelForm):
    class Meta:
        model = NotificationPreference
        fields = ["new_mail", "document_generated", "mailbox_problems"]

    def __init__(self, *args, administrator: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not administrator:  # mailbox problems go to administrators only
            del self.fields["mailbox_problems"]


class NotificationSettingsForm(forms.Form):
    mailbox = forms.ModelChoiceField(
        label=_("Notification mailbox"),
        queryset=Mailbox.objects.none(),
        required=False,
        empty_label=_("None: notifications wait"),
        help_text=_("An outgoing mailbox of the company; notifications are sent through it."),
    )
    language = forms.ChoiceField(
        label=_("Language of notifications"),
        choices=[("", _("The portal's default language")), *settings.LANGUAGES],
        required=False,
    )

    def __init__(self, *args, tenant, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the tenant's own outgoing mailboxes: another tenant's id is not a valid choice.
        self.fields["mailbox"].queryset = Mailbox.objects.filter(
            tenant=tenant, purpose=Mailbox.Purpose.OUTGOING
        )
