"""Forms where people type the names of companies and employees: the profile and the admin's pages.

Names go into the headers of notification mails, so each must be one line without control characters
(intake.tenants.shown_name, the rule the services apply too); a stored line break made every later
notification to that employee, or of that company, fail.
"""

from django import forms
from django.utils.translation import gettext_lazy

from intake.models import Employee
from intake.tenants import shown_name


class DisplayNameCleaning:
    """For ModelForms of Employee: the display name is refused unless one line, and loses invisible
    characters (bidi overrides, zero-width characters)."""

    def clean_display_name(self):
        return shown_name(self.cleaned_data.get("display_name", ""))


class ProfileForm(DisplayNameCleaning, forms.ModelForm):
    class Meta:
        model = Employee
        fields = ["display_name", "email"]
        labels = {"display_name": gettext_lazy("Display name"), "email": gettext_lazy("E-mail")}


class EmployeeForm(DisplayNameCleaning, forms.ModelForm):
    """The admin's page of an existing employee (a new one is added with EmployeeCreationForm)."""

    class Meta:
        model = Employee
        fields = ["display_name", "email", "role", "is_active"]


class TenantForm(forms.ModelForm):
    """The admin's page of a tenant; the admin gives the model and the fields it shows (Meta)."""

    def clean_name(self):
        return shown_name(self.cleaned_data.get("name", ""))
