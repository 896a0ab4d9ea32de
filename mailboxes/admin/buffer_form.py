"""The buffer form: the folder is picked from the folders the chosen mailbox reported."""

from django import forms
from django.utils.translation import gettext_lazy as _

from mailboxes.models import Buffer, Mailbox


class BufferForm(forms.ModelForm):
    folder = forms.ChoiceField(label=_("folder"))

    class Meta:
        model = Buffer
        fields = ["name", "mailbox", "folder", "enabled", "poll_interval_seconds", "employees"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        mailboxes = self.fields["mailbox"].queryset.filter(purpose=Mailbox.Purpose.INCOMING)
        self.fields["mailbox"].queryset = mailboxes
        # One group of options per mailbox; the page's script shows the group of the chosen mailbox.
        self.fields["folder"].choices = [
            (str(mailbox), [(f["name"], "\u2003" * f["depth"] + f["name"]) for f in mailbox.folders])
            for mailbox in mailboxes
            if mailbox.folders
        ]
        if self.instance.pk and self.instance.folder:
            self.initial.setdefault("folder", self.instance.folder)

    def clean(self):
        cleaned = super().clean()
        mailbox, folder = cleaned.get("mailbox"), self.data.get(self.add_prefix("folder"), "")
        if mailbox is not None:
            names = {f["name"] for f in mailbox.folders if f.get("selectable", True)}
            if not names:
                self.add_error("mailbox", _("Fetch this mailbox's folders first: run its connection test."))
            elif folder not in names:
                self.add_error("folder", _("Choose a folder of the chosen mailbox."))
            else:
                cleaned["folder"] = folder
        return cleaned

    def clean_folder(self):
        return self.cleaned_data.get("folder", "")
