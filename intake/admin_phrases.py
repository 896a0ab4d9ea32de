"""Whole phrases per model for the admin's counts, bulk deletion and messages (the cases and plurals Polish
needs; intake/admin_titles.py has the titles and puts both on the pages).

Django writes "5 {verbose_name_plural}", "Delete selected {verbose_name_plural}", "Are you sure you want to
delete the selected {objects_name}?", "The {name} “{obj}” was added successfully." …: in Polish a
nominative and a plural of one form where the sentence needs an accusative or a genitive, and one, few
and many forms ("1 skrzynka pocztowa", "3 skrzynki pocztowe", "5 skrzynek pocztowych"). Each registered
model names its phrases here; the counted ones are plural messages (ngettext) taking "count".
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy, npgettext_lazy, pgettext_lazy

N = "count"  # the number every counted phrase takes: phrase % {"count": n}


@dataclass(frozen=True)
class ModelPhrases:
    count: Promise  # "%(count)s mailboxes": the change list's count line, the deletion summary
    deleted_count: Promise  # "Successfully deleted %(count)s mailboxes."
    delete_selected: Promise  # the bulk action's label
    select_all: Promise  # "Select all %(count)s mailboxes" (the change list's selection across pages)
    confirm_selected: Promise  # the bulk-delete confirmation's question
    deleting_selected: Promise  # "Deleting [the selected mailboxes] would …" (a genitive in Polish)
    deleting_object: Promise  # "Deleting the [mailbox] “X” would …" (a genitive in Polish)
    added: Promise  # "The mailbox “{obj}” was added successfully."
    changed: Promise
    deleted: Promise
    add_another: Promise  # "You may add another mailbox below."
    save_and_add_another: Promise  # the button: "Zapisz i dodaj nową" (the adjective agrees with the name)


# pgettext's context must be a literal for makemessages; "admin: deleting …" marks a genitive.

# fmt: off
PHRASES = {
    "auth.user": ModelPhrases(
        ngettext_lazy("%(count)s user", "%(count)s users", N),
        ngettext_lazy("Successfully deleted %(count)s user.", "Successfully deleted %(count)s users.", N),
        _("Delete selected users"),
        ngettext_lazy("Select the %(count)s user", "Select all %(count)s users", N),
        ngettext_lazy("Are you sure you want to delete the selected user?",
            "Are you sure you want to delete the %(count)s selected users?", N),
        npgettext_lazy("admin: deleting …", "the selected user", "the %(count)s selected users", N),
        pgettext_lazy("admin: deleting the …", "user"),
        _("The user “{obj}” was added successfully."),
        _("The user “{obj}” was changed successfully."),
        _("The user “{obj}” was deleted successfully."),
        _("You may add another user below."),
        pgettext_lazy("admin: another user", "Save and add another"),
    ),
    "auth.group": ModelPhrases(
        ngettext_lazy("%(count)s group", "%(count)s groups", N),
        ngettext_lazy("Successfully deleted %(count)s group.", "Successfully deleted %(count)s groups.", N),
        _("Delete selected groups"),
        ngettext_lazy("Select the %(count)s group", "Select all %(count)s groups", N),
        ngettext_lazy("Are you sure you want to delete the selected group?",
            "Are you sure you want to delete the %(count)s selected groups?", N),
        npgettext_lazy("admin: deleting …", "the selected group", "the %(count)s selected groups", N),
        pgettext_lazy("admin: deleting the …", "group"),
        _("The group “{obj}” was added successfully."),
        _("The group “{obj}” was changed successfully."),
        _("The group “{obj}” was deleted successfully."),
        _("You may add another group below."),
        pgettext_lazy("admin: another group", "Save and add another"),
    ),
    "django_celery_results.taskresult": ModelPhrases(
        ngettext_lazy("%(count)s task result", "%(count)s task results", N),
        ngettext_lazy("Successfully deleted %(count)s task result.",
            "Successfully deleted %(count)s task results.", N),
        _("Delete selected task results"),
        ngettext_lazy("Select the %(count)s task result", "Select all %(count)s task results", N),
        ngettext_lazy("Are you sure you want to delete the selected task result?",
            "Are you sure you want to delete the %(count)s selected task results?", N),
        npgettext_lazy("admin: deleting …", "the selected task result",
            "the %(count)s selected task results", N),
        pgettext_lazy("admin: deleting the …", "task result"),
        _("The task result “{obj}” was added successfully."),
        _("The task result “{obj}” was changed successfully."),
        _("The task result “{obj}” was deleted successfully."),
        _("You may add another task result below."),
        pgettext_lazy("admin: another task result", "Save and add another"),
    ),
    "intake.tenant": ModelPhrases(
        ngettext_lazy("%(count)s tenant", "%(count)s tenants", N),
        ngettext_lazy("Successfully deleted %(count)s tenant.", "Successfully deleted %(count)s tenants.", N),
        _("Delete selected tenants"),
        ngettext_lazy("Select the %(count)s tenant", "Select all %(count)s tenants", N),
        ngettext_lazy("Are you sure you want to delete the selected tenant?",
            "Are you sure you want to delete the %(count)s selected tenants?", N),
        npgettext_lazy("admin: deleting …", "the selected tenant", "the %(count)s selected tenants", N),
        pgettext_lazy("admin: deleting the …", "tenant"),
        _("The tenant “{obj}” was added successfully."),
        _("The tenant “{obj}” was changed successfully."),
        _("The tenant “{obj}” was deleted successfully."),
        _("You may add another tenant below."),
        pgettext_lazy("admin: another tenant", "Save and add another"),
    ),
    "intake.employee": ModelPhrases(
        ngettext_lazy("%(count)s employee", "%(count)s employees", N),
        ngettext_lazy("Successfully deleted %(count)s employee.",
            "Successfully deleted %(count)s employees.", N),
        _("Delete selected employees"),
        ngettext_lazy("Select the %(count)s employee", "Select all %(count)s employees", N),
        ngettext_lazy("Are you sure you want to delete the selected employee?",
            "Are you sure you want to delete the %(count)s selected employees?", N),
        npgettext_lazy("admin: deleting …", "the selected employee", "the %(count)s selected employees", N),
        pgettext_lazy("admin: deleting the …", "employee"),
        _("The employee “{obj}” was added successfully."),
        _("The employee “{obj}” was changed successfully."),
        _("The employee “{obj}” was deleted successfully."),
        _("You may add another employee below."),
        pgettext_lazy("admin: another employee", "Save and add another"),
    ),
    "intake.document": ModelPhrases(
        ngettext_lazy("%(count)s document", "%(count)s documents", N),
        ngettext_lazy("Successfully deleted %(count)s document.",
            "Successfully deleted %(count)s documents.", N),
        _("Delete selected documents"),
        ngettext_lazy("Select the %(count)s document", "Select all %(count)s documents", N),
        ngettext_lazy("Are you sure you want to delete the selected document?",
            "Are you sure you want to delete the %(count)s selected documents?", N),
        npgettext_lazy("admin: deleting …", "the selected document", "the %(count)s selected documents", N),
        pgettext_lazy("admin: deleting the …", "document"),
        _("The document “{obj}” was added successfully."),
        _("The document “{obj}” was changed successfully."),
        _("The document “{obj}” was deleted successfully."),
        _("You may add another document below."),
        pgettext_lazy("admin: another document", "Save and add another"),
    ),
    "mailboxes.buffer": ModelPhrases(
        ngettext_lazy("%(count)s e-mail buffer", "%(count)s e-mail buffers", N),
        ngettext_lazy("Successfully deleted %(count)s e-mail buffer.",
            "Successfully deleted %(count)s e-mail buffers.", N),
        _("Delete selected e-mail buffers"),
        ngettext_lazy("Select the %(count)s e-mail buffer", "Select all %(count)s e-mail buffers", N),
        ngettext_lazy("Are you sure you want to delete the selected e-mail buffer?",
            "Are you sure you want to delete the %(count)s selected e-mail buffers?", N),
        npgettext_lazy("admin: deleting …", "the selected e-mail buffer",
            "the %(count)s selected e-mail buffers", N),
        pgettext_lazy("admin: deleting the …", "e-mail buffer"),
        _("The e-mail buffer “{obj}” was added successfully."),
        _("The e-mail buffer “{obj}” was changed successfully."),
        _("The e-mail buffer “{obj}” was deleted successfully."),
        _("You may add another e-mail buffer below."),
        pgettext_lazy("admin: another e-mail buffer", "Save and add another"),
    ),
    "mailboxes.mailbox": ModelPhrases(
        ngettext_lazy("%(count)s mailbox", "%(count)s mailboxes", N),
        ngettext_lazy("Successfully deleted %(count)s mailbox.",
            "Successfully deleted %(count)s mailboxes.", N),
        _("Delete selected mailboxes"),
        ngettext_lazy("Select the %(count)s mailbox", "Select all %(count)s mailboxes", N),
        ngettext_lazy("Are you sure you want to delete the selected mailbox?",
            "Are you sure you want to delete the %(count)s selected mailboxes?", N),
        npgettext_lazy("admin: deleting …", "the selected mailbox", "the %(count)s selected mailboxes", N),
        pgettext_lazy("admin: deleting the …", "mailbox"),
        _("The mailbox “{obj}” was added successfully."),
        _("The mailbox “{obj}” was changed successfully."),
        _("The mailbox “{obj}” was deleted successfully."),
        _("You may add another mailbox below."),
        pgettext_lazy("admin: another mailbox", "Save and add another"),
    ),
    "mailboxes.message": ModelPhrases(
        ngettext_lazy("%(count)s mail", "%(count)s mails", N),
        ngettext_lazy("Successfully deleted %(count)s mail.", "Successfully deleted %(count)s mails.", N),
        _("Delete selected mails"),
        ngettext_lazy("Select the %(count)s mail", "Select all %(count)s mails", N),
        ngettext_lazy("Are you sure you want to delete the selected mail?",
            "Are you sure you want to delete the %(count)s selected mails?", N),
        npgettext_lazy("admin: deleting …", "the selected mail", "the %(count)s selected mails", N),
        pgettext_lazy("admin: deleting the …", "mail"),
        _("The mail “{obj}” was added successfully."),
        _("The mail “{obj}” was changed successfully."),
        _("The mail “{obj}” was deleted successfully."),
        _("You may add another mail below."),
        pgettext_lazy("admin: another mail", "Save and add another"),
    ),
    "mailboxes.notification": ModelPhrases(
        ngettext_lazy("%(count)s notification", "%(count)s notifications", N),
        ngettext_lazy("Successfully deleted %(count)s notification.",
            "Successfully deleted %(count)s notifications.", N),
        _("Delete selected notifications"),
        ngettext_lazy("Select the %(count)s notification", "Select all %(count)s notifications", N),
        ngettext_lazy("Are you sure you want to delete the selected notification?",
            "Are you sure you want to delete the %(count)s selected notifications?", N),
        npgettext_lazy("admin: deleting …", "the selected notification",
            "the %(count)s selected notifications", N),
        pgettext_lazy("admin: deleting the …", "notification"),
        _("The notification “{obj}” was added successfully."),
        _("The notification “{obj}” was changed successfully."),
        _("The notification “{obj}” was deleted successfully."),
        _("You may add another notification below."),
        pgettext_lazy("admin: another notification", "Save and add another"),
    ),
    "acd_points.apitoken": ModelPhrases(
        ngettext_lazy("%(count)s API token", "%(count)s API tokens", N),
        ngettext_lazy("Successfully deleted %(count)s API token.",
            "Successfully deleted %(count)s API tokens.", N),
        _("Delete selected API tokens"),
        ngettext_lazy("Select the %(count)s API token", "Select all %(count)s API tokens", N),
        ngettext_lazy("Are you sure you want to delete the selected API token?",
            "Are you sure you want to delete the %(count)s selected API tokens?", N),
        npgettext_lazy("admin: deleting …", "the selected API token", "the %(count)s selected API tokens", N),
        pgettext_lazy("admin: deleting the …", "API token"),
        _("The API token “{obj}” was added successfully."),
        _("The API token “{obj}” was changed successfully."),
        _("The API token “{obj}” was deleted successfully."),
        _("You may add another API token below."),
        pgettext_lazy("admin: another API token", "Save and add another"),
    ),
    "acd_points.acdpoint": ModelPhrases(
        ngettext_lazy("%(count)s ACD point", "%(count)s ACD points", N),
        ngettext_lazy("Successfully deleted %(count)s ACD point.",
            "Successfully deleted %(count)s ACD points.", N),
        _("Delete selected ACD points"),
        ngettext_lazy("Select the %(count)s ACD point", "Select all %(count)s ACD points", N),
        ngettext_lazy("Are you sure you want to delete the selected ACD point?",
            "Are you sure you want to delete the %(count)s selected ACD points?", N),
        npgettext_lazy("admin: deleting …", "the selected ACD point", "the %(count)s selected ACD points", N),
        pgettext_lazy("admin: deleting the …", "ACD point"),
        _("The ACD point “{obj}” was added successfully."),
        _("The ACD point “{obj}” was changed successfully."),
        _("The ACD point “{obj}” was deleted successfully."),
        _("You may add another ACD point below."),
        pgettext_lazy("admin: another ACD point", "Save and add another"),
    ),
    "acd_points.ocrpoint": ModelPhrases(
        ngettext_lazy("%(count)s OCR point", "%(count)s OCR points", N),
        ngettext_lazy("Successfully deleted %(count)s OCR point.",
            "Successfully deleted %(count)s OCR points.", N),
        _("Delete selected OCR points"),
        ngettext_lazy("Select the %(count)s OCR point", "Select all %(count)s OCR points", N),
        ngettext_lazy("Are you sure you want to delete the selected OCR point?",
            "Are you sure you want to delete the %(count)s selected OCR points?", N),
        npgettext_lazy("admin: deleting …", "the selected OCR point", "the %(count)s selected OCR points", N),
        pgettext_lazy("admin: deleting the …", "OCR point"),
        _("The OCR point “{obj}” was added successfully."),
        _("The OCR point “{obj}” was changed successfully."),
        _("The OCR point “{obj}” was deleted successfully."),
        _("You may add another OCR point below."),
        pgettext_lazy("admin: another OCR point", "Save and add another"),
    ),
    "acd_points.mailaction": ModelPhrases(
        ngettext_lazy("%(count)s operator action", "%(count)s operator actions", N),
        ngettext_lazy("Successfully deleted %(count)s operator action.",
            "Successfully deleted %(count)s operator actions.", N),
        _("Delete selected operator actions"),
        ngettext_lazy("Select the %(count)s operator action", "Select all %(count)s operator actions", N),
        ngettext_lazy("Are you sure you want to delete the selected operator action?",
            "Are you sure you want to delete the %(count)s selected operator actions?", N),
        npgettext_lazy("admin: deleting …", "the selected operator action",
            "the %(count)s selected operator actions", N),
        pgettext_lazy("admin: deleting the …", "operator action"),
        _("The operator action “{obj}” was added successfully."),
        _("The operator action “{obj}” was changed successfully."),
        _("The operator action “{obj}” was deleted successfully."),
        _("You may add another operator action below."),
        pgettext_lazy("admin: another operator action", "Save and add another"),
    ),
}
# fmt: on


def phrases_for(model) -> ModelPhrases | None:
    return PHRASES.get(model._meta.label_lower)


def counted(model, count: int) -> str | None:
    """ "5 skrzynek pocztowych": the model's count phrase for `count`, or None without one."""
    phrases = phrases_for(model)
    return str(phrases.count % {"count": count}) if phrases else None
