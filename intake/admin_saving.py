"""A save the database refuses for a unique constraint, shown as the field error validation would give.

Validation checks a name against what is stored; a second administrator saving the same name between
that check and this save makes the database refuse the row (IntegrityError), which was an HTTP 500 with
everything typed lost. UniqueOnSaveMixin saves in a savepoint (on PostgreSQL the refused statement must
not break the request's transaction), reads from the error which columns clashed, and shows the page
again as if validation had found the duplicate: the fields' errors, the typed values (and passwords)
kept, nothing saved.
"""

import re

from django.db import IntegrityError, router, transaction
from django.db.models import UniqueConstraint

CLASHED = "_unique_fields_clashed_on_save"  # the request's attribute: which fields clashed


class ClashedOnSave(Exception):
    """The database refused a save for these field groups (each a tuple of the model's field names)."""

    def __init__(self, field_groups):
        self.field_groups = tuple(field_groups)
        super().__init__(repr(self.field_groups))


# SQLite: "UNIQUE constraint failed: mailboxes_mailbox.tenant_id, mailboxes_mailbox.name";
# PostgreSQL's detail: 'Key (tenant_id, name)=(1, Invoices) already exists.'
_SQLITE = re.compile(r"UNIQUE constraint failed: (?P<columns>[\w.]+(?:, [\w.]+)*)")
_POSTGRESQL = re.compile(r"Key \((?P<columns>[^)]*)\)=")


def refused_columns(error: IntegrityError) -> tuple[str, frozenset] | None:
    """(table, columns) of the unique constraint that refused the row, or None for another refusal."""
    diag = getattr(error.__cause__, "diag", None)
    detail = getattr(diag, "message_detail", None) or ""
    found = _POSTGRESQL.search(detail)
    if diag is not None and found:
        return diag.table_name, frozenset(column.strip().strip('"') for column in found["columns"].split(","))
    found = _SQLITE.match(str(error))
    if not found:
        return None
    qualified = [column.split(".", 1) for column in found["columns"].split(", ")]
    tables = {table for table, _column in qualified}
    return (tables.pop(), frozenset(column for _table, column in qualified)) if len(tables) == 1 else None


def unique_field_groups(model):
    """Each unique field and each unique constraint of the model, as a tuple of field names."""
    fields = model._meta.concrete_fields
    groups = [(field.name,) for field in fields if field.unique and not field.primary_key]
    groups += [tuple(group) for group in model._meta.unique_together]
    groups += [
        tuple(constraint.fields)
        for constraint in model._meta.constraints
        if isinstance(constraint, UniqueConstraint) and constraint.fields and constraint.condition is None
    ]
    return groups


def clashing_fields(model, error: IntegrityError) -> list[tuple]:
    refused = refused_columns(error)
    if refused is None or refused[0] != model._meta.db_table:
        return []
    column = {field.name: field.column for field in model._meta.concrete_fields}
    return [group for group in unique_field_groups(model) if {column[name] for name in group} == refused[1]]


class UniqueOnSaveMixin:
    """ModelAdmin mixin: a unique constraint refusing the save is a field error on the page shown again."""

    def save_model(self, request, obj, form, change):
        parent = super()
        self.save_refusing_clashes(type(obj), lambda: parent.save_model(request, obj, form, change))

    def save_refusing_clashes(self, model, save):
        """save(), its refusal by a unique constraint of `model` raised as ClashedOnSave."""
        try:
            with transaction.atomic(using=router.db_for_write(model)):  # a savepoint inside the request's
                return save()
        except IntegrityError as error:
            groups = clashing_fields(model, error)
            if not groups:
                raise
            raise ClashedOnSave(groups) from None

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ClashedOnSave as clash:
            # Nothing was saved (Django's atomic block rolled back): the same page again, validated with
            # the clash as the fields' errors.
            setattr(request, CLASHED, clash.field_groups)
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        clashed = getattr(request, CLASHED, ())
        if not clashed:
            return form
        return type(form.__name__, (ClashReport, form), {"clashed_on_save": clashed})


class ClashReport:
    """Put in front of the form shown again after a refused save: each clash is an error on its field,
    before the form's own clean() (a mailbox's connection test is not run again)."""

    clashed_on_save = ()

    def clean(self):
        for group in self.clashed_on_save:
            names = [name for name in group if name != "tenant"]
            if any(name in self._errors for name in names):
                continue
            field = names[0] if len(names) == 1 and names[0] in self.fields else None
            self.add_error(field, self.clash_error(names))
        return super().clean()

    def clash_error(self, names):
        """The error validation gives for this duplicate (forms may say it their way: duplicate_error)."""
        own = getattr(self, "duplicate_error", None)
        if own is not None:
            return own(names)
        model = self._meta.model
        return model().unique_error_message(model, names)
