"""Whole-sentence admin titles per model, so a language with cases can inflect the model's name.

Django builds "Add %s", "Select %s to change", "Available %s" … from a model's verbose name, which in
Polish yields nominatives where the sentence needs an accusative ("Dodaj skrzynka pocztowa"). Each
registered model names its phrases here, and every admin of the site (TenantAdminSite.register) gets
AdminTitlesMixin, which puts them on the add/change/view, change-list, delete pages and on the
filter_horizontal widgets, and intake/admin_phrases.py's on the counts, the bulk deletion, the summaries
and the success messages. A model without an entry keeps Django's phrasing (a test names it).
"""

import json
import re
from dataclasses import dataclass

from django.apps import apps
from django.contrib.admin.actions import delete_selected
from django.contrib.admin.options import IS_POPUP_VAR
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.template.response import TemplateResponse
from django.utils.functional import Promise
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeData, mark_safe
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from intake.admin_phrases import counted, phrases_for


@dataclass(frozen=True)
class ModelTitles:
    add: Promise
    change: Promise
    view: Promise
    select: Promise  # the change list opened as a pop-up (choosing a related object)
    select_to_change: Promise
    select_to_view: Promise
    delete: Promise
    cannot_delete: Promise
    deletion_object: Promise  # the name in "Are you sure you want to delete the %(object_name)s …?"


# pgettext's context must be a literal for makemessages: "admin: delete the …" marks the name as the object
# of Django's "Are you sure you want to delete the %(object_name)s …" (an accusative in Polish).

# fmt: off
TITLES = {
    "auth.user": ModelTitles(
        _("Add user"), _("Change user"), _("View user"), _("Select user"), _("Select user to change"),
        _("Select user to view"), _("Delete user"), _("Cannot delete user"),
        pgettext_lazy("admin: delete the …", "user"),
    ),
    "auth.group": ModelTitles(
        _("Add group"), _("Change group"), _("View group"), _("Select group"), _("Select group to change"),
        _("Select group to view"), _("Delete group"), _("Cannot delete group"),
        pgettext_lazy("admin: delete the …", "group"),
    ),
    "django_celery_results.taskresult": ModelTitles(
        _("Add task result"), _("Change task result"), _("View task result"), _("Select task result"),
        _("Select task result to change"), _("Select task result to view"), _("Delete task result"),
        _("Cannot delete task result"), pgettext_lazy("admin: delete the …", "task result"),
    ),
    "intake.tenant": ModelTitles(
        _("Add tenant"), _("Change tenant"), _("View tenant"), _("Select tenant"),
        _("Select tenant to change"), _("Select tenant to view"), _("Delete tenant"),
        _("Cannot delete tenant"),
        pgettext_lazy("admin: delete the …", "tenant"),
    ),
    "intake.employee": ModelTitles(
        _("Add employee"), _("Change employee"), _("View employee"), _("Select employee"),
        _("Select employee to change"), _("Select employee to view"), _("Delete employee"),
        _("Cannot delete employee"), pgettext_lazy("admin: delete the …", "employee"),
    ),
    "intake.document": ModelTitles(
        _("Add document"), _("Change document"), _("View document"), _("Select document"),
        _("Select document to change"), _("Select document to view"), _("Delete document"),
        _("Cannot delete document"), pgettext_lazy("admin: delete the …", "document"),
    ),
    "mailboxes.buffer": ModelTitles(
        _("Add e-mail buffer"), _("Change e-mail buffer"), _("View e-mail buffer"), _("Select e-mail buffer"),
        _("Select e-mail buffer to change"), _("Select e-mail buffer to view"), _("Delete e-mail buffer"),
        _("Cannot delete e-mail buffer"), pgettext_lazy("admin: delete the …", "e-mail buffer"),
    ),
    "mailboxes.mailbox": ModelTitles(
        _("Add mailbox"), _("Change mailbox"), _("View mailbox"), _("Select mailbox"),
        _("Select mailbox to change"), _("Select mailbox to view"), _("Delete mailbox"),
        _("Cannot delete mailbox"), pgettext_lazy("admin: delete the …", "mailbox"),
    ),
    "mailboxes.message": ModelTitles(
        _("Add mail"), _("Change mail"), _("View mail"), _("Select mail"), _("Select mail to change"),
        _("Select mail to view"), _("Delete mail"), _("Cannot delete mail"),
        pgettext_lazy("admin: delete the …", "mail"),
    ),
    "mailboxes.notification": ModelTitles(
        _("Add notification"), _("Change notification"), _("View notification"), _("Select notification"),
        _("Select notification to change"), _("Select notification to view"), _("Delete notification"),
        _("Cannot delete notification"), pgettext_lazy("admin: delete the …", "notification"),
    ),
    "acd_points.apitoken": ModelTitles(
        _("Add API token"), _("Change API token"), _("View API token"), _("Select API token"),
        _("Select API token to change"), _("Select API token to view"), _("Delete API token"),
        _("Cannot delete API token"), pgettext_lazy("admin: delete the …", "API token"),
    ),
    "acd_points.acdpoint": ModelTitles(
        _("Add ACD point"), _("Change ACD point"), _("View ACD point"), _("Select ACD point"),
        _("Select ACD point to change"), _("Select ACD point to view"), _("Delete ACD point"),
        _("Cannot delete ACD point"), pgettext_lazy("admin: delete the …", "ACD point"),
    ),
    "acd_points.ocrpoint": ModelTitles(
        _("Add OCR point"), _("Change OCR point"), _("View OCR point"), _("Select OCR point"),
        _("Select OCR point to change"), _("Select OCR point to view"), _("Delete OCR point"),
        _("Cannot delete OCR point"), pgettext_lazy("admin: delete the …", "OCR point"),
    ),
    "acd_points.mailaction": ModelTitles(
        _("Add operator action"), _("Change operator action"), _("View operator action"),
        _("Select operator action"), _("Select operator action to change"),
        _("Select operator action to view"), _("Delete operator action"), _("Cannot delete operator action"),
        pgettext_lazy("admin: delete the …", "operator action"),
    ),
}

# The texts of a filter_horizontal/filter_vertical widget, per chosen model; keys as in
# static/intake/selector_phrases.js. Django's SelectFilter2.js would insert the plural name into each.
SELECTOR_PHRASES = {
    "intake.employee": {
        "available": _("Available employees"),
        "chosen": _("Chosen employees"),
        "choose_all": _("Choose all employees"),
        "remove_all": _("Remove all employees"),
        "choose_selected": _("Choose selected employees"),
        "remove_selected": _("Remove selected employees"),
        "choose_help": _('Choose employees by selecting them and then select the "Choose" arrow button.'),
        "remove_help": _('Remove employees by selecting them and then select the "Remove" arrow button.'),
        "filter_available": _("Type into this box to filter down the list of available employees."),
        "filter_chosen": _("Type into this box to filter down the list of selected employees."),
    },
    "auth.group": {
        "available": _("Available groups"),
        "chosen": _("Chosen groups"),
        "choose_all": _("Choose all groups"),
        "remove_all": _("Remove all groups"),
        "choose_selected": _("Choose selected groups"),
        "remove_selected": _("Remove selected groups"),
        "choose_help": _('Choose groups by selecting them and then select the "Choose" arrow button.'),
        "remove_help": _('Remove groups by selecting them and then select the "Remove" arrow button.'),
        "filter_available": _("Type into this box to filter down the list of available groups."),
        "filter_chosen": _("Type into this box to filter down the list of selected groups."),
    },
    "auth.permission": {
        "available": _("Available permissions"),
        "chosen": _("Chosen permissions"),
        "choose_all": _("Choose all permissions"),
        "remove_all": _("Remove all permissions"),
        "choose_selected": _("Choose selected permissions"),
        "remove_selected": _("Remove selected permissions"),
        "choose_help": _('Choose permissions by selecting them and then select the "Choose" arrow button.'),
        "remove_help": _('Remove permissions by selecting them and then select the "Remove" arrow button.'),
        "filter_available": _("Type into this box to filter down the list of available permissions."),
        "filter_chosen": _("Type into this box to filter down the list of selected permissions."),
    },
}
# fmt: on


def titles_for(model) -> ModelTitles | None:
    return TITLES.get(model._meta.label_lower)


class PhrasedSelectMultiple(FilteredSelectMultiple):
    """Django's two-list selector whose texts are whole phrases (data-selector-phrases, applied by
    selector_phrases.js once SelectFilter2.js has built the widget)."""

    class Media:
        js = ["intake/selector_phrases.js"]

    def __init__(self, verbose_name, is_stacked, phrases, attrs=None, choices=()):
        self.phrases = phrases
        super().__init__(verbose_name, is_stacked, attrs, choices)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        # Rendered in the request's language: the phrases are lazy until here.
        phrases = {key: str(text) for key, text in self.phrases.items()}
        context["widget"]["attrs"]["data-selector-phrases"] = json.dumps(phrases)
        return context


class AdminTitlesMixin:
    """Puts the model's TITLES on its admin pages and SELECTOR_PHRASES on its two-list selectors."""

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        titles = titles_for(self.model)
        if titles:
            # As Django decides it: a change page the user may not change is a view page.
            changeable = self.has_change_permission(request, obj)
            context["title"] = titles.add if add else titles.change if changeable else titles.view
        phrases = phrases_for(self.model)
        if phrases:  # templates/admin/submit_line.html
            context["save_and_add_another"] = phrases.save_and_add_another
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        titles = titles_for(self.model)
        if titles:
            if IS_POPUP_VAR in request.GET:
                changelist.title = titles.select
            elif self.has_change_permission(request):
                changelist.title = titles.select_to_change
            else:
                changelist.title = titles.select_to_view
            changelist.add_title = titles.add  # templates/admin/change_list_object_tools.html
        phrases = phrases_for(self.model)
        if phrases:  # templates/admin/pagination.html and actions.html
            changelist.count_text = phrases.count % {"count": changelist.result_count}
            changelist.select_all_text = phrases.select_all % {"count": changelist.result_count}
        return changelist

    def get_actions(self, request):
        actions = super().get_actions(request)
        phrases = phrases_for(self.model)
        if phrases and "delete_selected" in actions:
            actions["delete_selected"] = (delete_selected_phrased, "delete_selected", phrases.delete_selected)
        return actions

    def get_deleted_objects(self, objs, request):
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        # The summary's "5 skrzynek pocztowych" (templates/admin/includes/object_delete_summary.html).
        models = {str(model._meta.verbose_name_plural): model for model in apps.get_models()}
        model_count = {
            CountedName(name, counted(models[str(name)], count) if str(name) in models else None): count
            for name, count in model_count.items()
        }
        return deleted, model_count, perms_needed, protected

    def message_user(self, request, message, *args, **kwargs):
        phrases = phrases_for(self.model)
        if phrases:
            message = phrased_message(self.model, phrases, message)
        return super().message_user(request, message, *args, **kwargs)

    def render_delete_form(self, request, context):
        titles = titles_for(self.model)
        if titles:
            refused = context.get("perms_lacking") or context.get("protected")
            context["title"] = titles.cannot_delete if refused else titles.delete
            context["object_name"] = titles.deletion_object
            phrases = phrases_for(self.model)
            if refused and phrases:  # "Deleting the [mailbox] …": templates/admin/delete_confirmation.html
                context["object_name"] = phrases.deleting_object
        return super().render_delete_form(request, context)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        phrases = SELECTOR_PHRASES.get(db_field.remote_field.model._meta.label_lower)
        stacked = db_field.name in self.filter_vertical
        if phrases and "widget" not in kwargs and (stacked or db_field.name in self.filter_horizontal):
            kwargs["widget"] = PhrasedSelectMultiple(db_field.verbose_name, stacked, phrases)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class CountedName(str):
    """A model's plural name as Django's deletion summary keys it, carrying the whole count phrase."""

    def __new__(cls, name, counted_text):
        instance = super().__new__(cls, name)
        instance.counted = counted_text
        return instance


def delete_selected_phrased(modeladmin, request, queryset):
    """Django's bulk deletion, its confirmation page given the model's sentences
    (templates/admin/delete_selected_confirmation.html); its message is phrased by message_user."""
    response = delete_selected(modeladmin, request, queryset)
    if isinstance(response, TemplateResponse):  # not rendered yet: the context can still change
        phrases, count = phrases_for(modeladmin.model), len(queryset)
        response.context_data["confirm_selected"] = phrases.confirm_selected % {"count": count}
        response.context_data["deleting_selected"] = phrases.deleting_selected % {"count": count}
    return response


# Django's messages about one object or a bulk deletion (django/contrib/admin/options.py, actions.py), in
# the language of the request, and the model's phrases that say it instead.
_EDIT_AGAIN = "You may edit it again below."
_BULK_DELETED = "Successfully deleted %(count)d %(items)s."
_DJANGO_MESSAGES = [
    ("The {name} “{obj}” was added successfully.", ["added"]),
    ("The {name} “{obj}” was added successfully. You may edit it again below.", ["added", _EDIT_AGAIN]),
    (
        "The {name} “{obj}” was added successfully. You may add another {name} below.",
        ["added", "add_another"],
    ),
    ("The {name} “{obj}” was changed successfully.", ["changed"]),
    ("The {name} “{obj}” was changed successfully. You may edit it again below.", ["changed", _EDIT_AGAIN]),
    (
        "The {name} “{obj}” was changed successfully. You may add another {name} below.",
        ["changed", "add_another"],
    ),
    ("The %(name)s “%(obj)s” was deleted successfully.", ["deleted"]),
]


def _pattern(template: str, name: str) -> re.Pattern:
    pattern = re.escape(template)
    for placeholder in ["{obj}", "%(obj)s"]:
        pattern = pattern.replace(re.escape(placeholder), "(?P<obj>.*)")
    for placeholder in ["{name}", "%(name)s"]:
        pattern = pattern.replace(re.escape(placeholder), re.escape(name))
    return re.compile(pattern, re.S)


def phrased_message(model, phrases, message):
    """`message` in the model's phrases when it is one of Django's messages above, else unchanged."""
    text, safe = str(message), isinstance(message, SafeData)
    name = str(model._meta.verbose_name)
    candidates = [(gettext(template), parts) for template, parts in _DJANGO_MESSAGES]
    # Django's "added … " + " " + "You may edit it again below." is also sent as two translations.
    candidates.append((gettext(_DJANGO_MESSAGES[0][0]) + " " + gettext(_EDIT_AGAIN), ["added", _EDIT_AGAIN]))
    for template, parts in candidates:
        found = _pattern(template, conditional_escape(name) if safe else name).fullmatch(text)
        if found:
            obj = mark_safe(found["obj"]) if safe else found["obj"]  # noqa: S308 (from Django's safe text)
            said = [str(getattr(phrases, part)) if part != _EDIT_AGAIN else gettext(part) for part in parts]
            joined = " ".join(said)
            return format_html(joined, obj=obj) if safe else joined.format(obj=obj)
    plural = str(model._meta.verbose_name_plural)
    bulk = gettext(_BULK_DELETED)
    bulk = re.escape(bulk).replace(re.escape("%(count)d"), r"(?P<count>\d+)")
    bulk = bulk.replace(re.escape("%(items)s"), f"(?:{re.escape(name)}|{re.escape(plural)})")
    found = re.fullmatch(bulk, text)
    if found:
        return str(phrases.deleted_count % {"count": int(found["count"])})
    return message


def with_titles(admin_class):
    """admin_class with AdminTitlesMixin first in its bases (unchanged if it has it already)."""
    if issubclass(admin_class, AdminTitlesMixin):
        return admin_class
    attrs = {"__module__": admin_class.__module__, "__qualname__": admin_class.__qualname__}
    return type(admin_class.__name__, (AdminTitlesMixin, admin_class), attrs)
