"""Forms where people type the names of companies and employees (the profile and the admin's pages), and
the checks every admin form of a tenant-owned model gets (TenantUniqueChecks).

Names go into the headers of notification mails, so each must be one line without control characters
(intake.tenants.shown_name, the rule the services apply too); a stored line break made every later
notification to that employee, or of that company, fail.
"""

import copy

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.db import router
from django.db.models import UniqueConstraint
from django.forms.models import construct_instance
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy

from intake.models import Employee
from intake.tenancy import acting_for
from intake.tenants import add_employee, shown_name

DUPLICATE_NAME = gettext_lazy("%(model_name)s “%(name)s” already exists: choose another name.")


class TenantUniqueChecks:
    """Put in front of the admin's form of a tenant-owned model by TenantAdminMixin.get_form.

    The tenant is not a field of those forms, so Django leaves every unique constraint over it out of
    validation, and a duplicate name reached the database: an IntegrityError, a 500 and everything typed
    lost. Here a new object gets the tenant being worked in before validation, and each such constraint is
    checked before the form's own clean(): a duplicate is an error on its field, before a mailbox's
    connection test runs. A secret typed on a page shown again with errors is kept in its field (this
    request's data only: a stored secret is never a field's data, so it is never rendered).
    """

    tenant_of_new_object = None  # set by TenantAdminMixin.get_form: the tenant being worked in

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.tenant_id is None and self.tenant_of_new_object is not None:
            self.instance.tenant = self.tenant_of_new_object

    def clean(self):
        self._check_unique_per_tenant()
        return super().clean()

    def full_clean(self):
        super().full_clean()
        if self.is_bound and self._errors:
            self._keep_typed_secrets()

    def _check_unique_per_tenant(self):
        if self.instance.tenant_id is None:
            return
        # The object as it would be saved; fields not on the form or already in error are not checked.
        candidate = construct_instance(self, copy.copy(self.instance), self._meta.fields, self._meta.exclude)
        exclude = self._get_validation_exclusions() - {"tenant"}
        model = type(candidate)
        using = router.db_for_write(model, instance=candidate)
        # The object's own tenant: a superuser may edit another tenant's object than the one worked in.
        with acting_for(candidate.tenant_id):
            for constraint in model._meta.constraints:
                if isinstance(constraint, UniqueConstraint) and "tenant" in constraint.fields:
                    try:
                        constraint.validate(model, candidate, exclude=exclude, using=using)
                    except forms.ValidationError:
                        self._report_duplicate(constraint, candidate)

    def duplicate_error(self, names):
        """The error of a duplicate the database found when saving (intake.admin_saving.ClashReport), in
        the words validation uses."""
        model = self._meta.model
        if names == ["name"]:
            return duplicate_name_error(model, self.cleaned_data.get("name", ""))
        own = getattr(super(), "duplicate_error", None)
        return own(names) if own else model().unique_error_message(model, names)

    def _report_duplicate(self, constraint, candidate):
        others = [name for name in constraint.fields if name != "tenant"]
        if others == ["name"]:
            error = duplicate_name_error(type(candidate), candidate.name)
        else:  # Django's own words ("… with this … already exists."), in the reader's language
            error = candidate.unique_error_message(type(candidate), others)
        self.add_error(others[0] if len(others) == 1 else None, error)

    def _keep_typed_secrets(self):
        for name, field in self.fields.items():
            widget = field.widget
            if isinstance(widget, forms.PasswordInput) and not field.disabled and name not in self._errors:
                widget.render_value = widget.render_value or bool(self[name].data)


def duplicate_name_error(model, name) -> forms.ValidationError:
    params = {"model_name": capfirst(model._meta.verbose_name), "name": name}
    return forms.ValidationError(DUPLICATE_NAME, code="unique", params=params)


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


class EmployeeCreationForm(DisplayNameCleaning, forms.ModelForm):
    """Adding an employee creates their login; the password is set here, never shown again."""

    username = forms.CharField(label=gettext_lazy("Username"), max_length=150)
    password = forms.CharField(
        label=gettext_lazy("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    class Meta:
        model = Employee
        fields = ["username", "password", "display_name", "email", "role", "is_active"]

    def clean_username(self):
        username = self.cleaned_data["username"]
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(gettext_lazy("This username is already taken."))
        return username

    def duplicate_error(self, names):
        """A login taken while this form was saved (intake.admin_saving.ClashReport): as clean_username."""
        return forms.ValidationError(gettext_lazy("This username is already taken."))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password"):
            candidate = get_user_model()(username=cleaned.get("username", ""), email=cleaned.get("email", ""))
            try:
                password_validation.validate_password(cleaned["password"], candidate)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned

    def create_employee(self, tenant) -> Employee:
        """The service creates the login and the employee; the admin only collects the values."""
        data = self.cleaned_data
        return add_employee(
            tenant=tenant,
            username=data["username"],
            password=data["password"],
            role=data["role"],
            email=data.get("email", ""),
            display_name=data.get("display_name", ""),
            is_active=data.get("is_active", True),
        )


class TenantForm(forms.ModelForm):
    """The admin's page of a tenant; the admin gives the model and the fields it shows (Meta)."""

    def clean_name(self):
        return shown_name(self.cleaned_data.get("name", ""))
