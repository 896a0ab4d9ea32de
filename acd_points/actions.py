"""The operators' actions on a point's mail: the services every entry point (pages, API) calls."""

from collections import Counter
from dataclasses import dataclass

from django.contrib.messages import constants as levels
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, ngettext_lazy

from acd_points import folders, follow_up
from acd_points.generate import GenerationReport, generate_documents
from acd_points.models import AcdPoint, MailAction, NoFiles, PendingWork, PointDocument, record_actions
from intake.tenancy import acts_for
from mailboxes.models import Message

LISTED = Message.LISTED_STATES


# Per reason a mail had no attachment to copy: what is said of mails refused, of documents made without files.
_REFUSED = {
    NoFiles.NO_ATTACHMENTS: ngettext_lazy(
        "%(n)d mail was not generated: it has no attachments.",
        "%(n)d mails were not generated: they have no attachments.",
        "n",
    ),
    NoFiles.NOT_DOCUMENTS: ngettext_lazy(
        "%(n)d mail was not generated: its attachments are not documents "
        "(only signatures, pictures in the mail's text or the like).",
        "%(n)d mails were not generated: their attachments are not documents "
        "(only signatures, pictures in the mail's text or the like).",
        "n",
    ),
    NoFiles.NOT_GRAPHIC: ngettext_lazy(
        "%(n)d mail was not generated: it has no graphic attachment (pdf, jpg, tif, png), "
        "and this point copies only graphic attachments.",
        "%(n)d mails were not generated: they have no graphic attachment (pdf, jpg, tif, png), "
        "and this point copies only graphic attachments.",
        "n",
    ),
    NoFiles.UNUSABLE: ngettext_lazy(
        "%(n)d mail was not generated: its attachments cannot be copied "
        "(encrypted, unreadable or missing files).",
        "%(n)d mails were not generated: their attachments cannot be copied "
        "(encrypted, unreadable or missing files).",
        "n",
    ),
    NoFiles.NONE_CHOSEN: ngettext_lazy(
        "%(n)d mail was not generated: no attachment was chosen for its document.",
        "%(n)d mails were not generated: no attachment was chosen for their documents.",
        "n",
    ),
}
_WITHOUT_FILES = {
    NoFiles.NO_ATTACHMENTS: ngettext_lazy(
        "%(n)d document was generated without files: its mail has no attachments.",
        "%(n)d documents were generated without files: their mails have no attachments.",
        "n",
    ),
    NoFiles.NOT_DOCUMENTS: ngettext_lazy(
        "%(n)d document was generated without files: its mail's attachments are not documents "
        "(only signatures, pictures in the mail's text or the like).",
        "%(n)d documents were generated without files: their mails' attachments are not documents "
        "(only signatures, pictures in the mail's text or the like).",
        "n",
    ),
    NoFiles.NOT_GRAPHIC: ngettext_lazy(
        "%(n)d document was generated without files: its mail has no graphic attachment "
        "(pdf, jpg, tif, png), and this point copies only graphic attachments.",
        "%(n)d documents were generated without files: their mails have no graphic attachment "
        "(pdf, jpg, tif, png), and this point copies only graphic attachments.",
        "n",
    ),
    NoFiles.UNUSABLE: ngettext_lazy(
        "%(n)d document was generated without files: its mail's attachments cannot be copied "
        "(encrypted, unreadable or missing files).",
        "%(n)d documents were generated without files: their mails' attachments cannot be copied "
        "(encrypted, unreadable or missing files).",
        "n",
    ),
    NoFiles.NONE_CHOSEN: ngettext_lazy(
        "%(n)d document was generated without files: no attachment was chosen for it.",
        "%(n)d documents were generated without files: no attachment was chosen for them.",
        "n",
    ),
}


def generate(*, point: AcdPoint, message_ids: list[int], employee, choices=None) -> GenerationReport:
    """`choices`: mail id → ids of the attachments the operator chose (see generate.generate_documents)."""
    return generate_documents(point=point, message_ids=message_ids, employee=employee, choices=choices)


def generation_messages(report: GenerationReport) -> list[tuple[int, str]]:
    """What the operator is told after generating: (message level, text), counts per outcome and reason."""
    said = []
    if report.created:
        said.append(
            (
                levels.SUCCESS,
                ngettext("%(n)d document generated.", "%(n)d documents generated.", len(report.created))
                % {"n": len(report.created)},
            )
        )
    for reason, n in sorted(Counter(e.reason for e in report.without_files).items()):
        said.append((levels.INFO, _WITHOUT_FILES[reason] % {"n": n}))
    for reason, n in sorted(Counter(r.reason for r in report.refused).items()):
        said.append((levels.WARNING, _REFUSED[reason] % {"n": n}))
    if report.refused:
        said.append((levels.INFO, refusal_hint()))
    if report.skipped:
        said.append(
            (
                levels.INFO,
                ngettext(
                    "%(n)d mail skipped: its document exists already or it cannot be read.",
                    "%(n)d mails skipped: their documents exist already or they cannot be read.",
                    len(report.skipped),
                )
                % {"n": len(report.skipped)},
            )
        )
    return said


def refusal_hint() -> str:
    return _(
        "Mails without attachments to copy stay in the list as they were: this point does not make "
        "documents of them. An administrator can allow it in the point's settings."
    )


# `employee` of the services below: who acts, for the history (MailAction); None when no one does (tests,
# commands), which the history shows as such.


def _hide_listed(point: AcdPoint, message_ids: list[int]) -> list[int]:
    """Within the caller's transaction: lock the point's listed mails among `message_ids`, hide them, and
    return their ids (mails already hidden, or another point's, are left alone)."""
    ids = list(
        Message.objects.select_for_update()
        .filter(pk__in=message_ids, buffer_id=point.buffer_id, state__in=LISTED)
        .values_list("pk", flat=True)
    )
    Message.objects.filter(pk__in=ids).update(state=Message.State.HIDDEN)
    return ids


@acts_for("point")
def delete_from_list(*, point: AcdPoint, message_ids: list[int], employee=None) -> int:
    """Hide mails in the portal; they stay on the server."""
    with transaction.atomic():
        ids = _hide_listed(point, message_ids)
        if ids:
            record_actions(point, MailAction.Action.REMOVED, employee, ids)
    return len(ids)


@acts_for("point")
def delete_from_list_and_mailbox(*, point: AcdPoint, message_ids: list[int], employee=None) -> int:
    """Hide mails now and delete them on the server right after the commit (retried until done)."""
    if not point.allow_delete_from_mailbox:
        raise PermissionError("This point does not allow deleting from the mailbox.")
    with transaction.atomic():
        ids = _hide_listed(point, message_ids)
        follow_up.record(
            [
                PendingWork(tenant=point.tenant, kind=PendingWork.Kind.DELETE_ON_SERVER, message_id=pk)
                for pk in ids
            ]
        )
        if ids:
            record_actions(point, MailAction.Action.DELETED_FROM_MAILBOX, employee, ids)
    return len(ids)


@dataclass
class Restored:
    restored: int
    deleted: int  # deleted (or being deleted) from the mailbox too: these cannot come back


@acts_for("point")
def restore_to_list(*, point: AcdPoint, message_ids: list[int], employee=None) -> Restored:
    """Put mails removed from the list back as they were before (the state is not stored, but follows
    from the mail): generated if a document was made of it, unreadable if it could not be read, else new."""
    gone = (Message.State.HIDDEN, Message.State.DELETED_ON_SERVER)
    with transaction.atomic():
        rows = Message.objects.select_for_update().filter(
            pk__in=message_ids, buffer_id=point.buffer_id, state__in=gone
        )
        found = dict(rows.values_list("pk", "state"))
        # Deletion on the server was decided for these (by the operator or after generating): it stays so.
        deleting = set(
            PendingWork.objects.filter(
                kind=PendingWork.Kind.DELETE_ON_SERVER, message_id__in=found
            ).values_list("message_id", flat=True)
        )
        back = {pk for pk, state in found.items() if state == Message.State.HIDDEN and pk not in deleting}
        generated = set(
            PointDocument.objects.filter(message_id__in=back).values_list("message_id", flat=True)
        )
        restoring = Message.objects.filter(pk__in=back)
        restoring.filter(pk__in=generated).update(state=Message.State.GENERATED)
        rest = restoring.exclude(pk__in=generated)
        rest.exclude(unreadable_reason="").update(state=Message.State.UNREADABLE)
        rest.filter(unreadable_reason="").update(state=Message.State.NEW)
        if back:
            record_actions(point, MailAction.Action.RESTORED, employee, sorted(back))
    return Restored(restored=len(back), deleted=len(found) - len(back))


def restore_messages(outcome: Restored) -> list[tuple[int, str]]:
    said = []
    if outcome.restored:
        said.append(
            (
                levels.SUCCESS,
                ngettext(
                    "%(n)d mail restored to the list.", "%(n)d mails restored to the list.", outcome.restored
                )
                % {"n": outcome.restored},
            )
        )
    if outcome.deleted:
        said.append(
            (
                levels.WARNING,
                ngettext(
                    "%(n)d mail cannot be restored: it was deleted from the mailbox (or is being deleted).",
                    "%(n)d mails cannot be restored: they were deleted from the mailbox "
                    "(or are being deleted).",
                    outcome.deleted,
                )
                % {"n": outcome.deleted},
            )
        )
    return said


@acts_for("point")
def set_work_folder(*, point: AcdPoint, folder: str, employee=None) -> None:
    normalised = folders.normalise_folder(folder)
    try:
        folders.resolve(point.tenant_id, normalised).mkdir(parents=True, exist_ok=True)
    except OSError:
        # Typically a file of that name is in the way; the server's paths stay out of the message.
        raise folders.FolderNotAllowed(
            _("This folder cannot be created in the company's area: a file may already have that name.")
        ) from None
    with transaction.atomic():
        AcdPoint.objects.filter(pk=point.pk).update(work_folder=normalised)
        record_actions(point, MailAction.Action.FOLDER_SET, employee, detail=normalised or "/")
    point.work_folder = normalised


def existing_folders(point: AcdPoint, limit: int = 200) -> list[str]:
    root = folders.tenant_root(point.tenant_id)
    if not root.exists():
        return []
    found = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_dir() and not p.is_symlink())
    return found[:limit]


def work_for(document) -> list[PendingWork]:
    """Copies and deletions recorded for a document's files and source mail, for its page."""
    link = getattr(document, "point_document", None)
    by_file = PendingWork.objects.filter(document_file__document=document)
    by_mail = PendingWork.objects.filter(message_id=link.message_id) if link else PendingWork.objects.none()
    return list(by_file.union(by_mail).order_by("pk"))
