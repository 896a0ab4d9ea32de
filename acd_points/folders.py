"""The company's file area on the server: OCR folders and folders set during a point's work.

Every path a tenant types is relative to its own area, ACD_FILES_ROOT/tenant-<id>/, and is checked
twice: as text (no absolute paths, no '..', no odd characters) and, after resolving symbolic links,
by where it really points.
"""

import hashlib
import os
import re
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.utils.translation import gettext as _

from intake.files import safe_display_name

_SEGMENT = re.compile(r"^[\w\-. ()&+,]+$")
MAX_DEPTH = 8
MAX_NAME_BYTES = 255  # NAME_MAX: file systems count a name's bytes, not its characters
MAX_FOLDER_LENGTH = 300  # what the folder fields hold (AcdPoint.work_folder, OcrPoint.folder, PendingWork)
_NUMBERED = " (999)"  # the longest suffix copy_into adds to a name that is taken


class FolderNotAllowed(ValueError):
    pass


def normalise_folder(value: str) -> str:
    text = (value or "").strip().replace("\\", "/")
    if not text or text in {".", "/"}:
        return ""
    if text.startswith("/") or re.match(r"^[A-Za-z]:", text):
        raise FolderNotAllowed(_("Use a folder inside the company's area, not an absolute path."))
    parts = [p for p in PurePosixPath(text).parts if p not in ("", ".")]
    if any(p == ".." for p in parts):
        raise FolderNotAllowed(_("'..' is not allowed in a folder."))
    if len(parts) > MAX_DEPTH or not all(_SEGMENT.match(p) and not p.startswith(".") for p in parts):
        raise FolderNotAllowed(_("Folder names may hold letters, digits, spaces and - _ . ( ) & + , only."))
    if any(len(p.encode()) > MAX_NAME_BYTES for p in parts):
        raise FolderNotAllowed(
            _("A folder name may be at most %(n)d bytes long (letters with accents take two).")
            % {"n": MAX_NAME_BYTES}
        )
    folder = "/".join(parts)
    if len(folder) > MAX_FOLDER_LENGTH:
        raise FolderNotAllowed(_("A folder may be at most %(n)d characters long.") % {"n": MAX_FOLDER_LENGTH})
    return folder


def tenant_root(tenant_id: int) -> Path:
    return Path(settings.ACD_FILES_ROOT) / f"tenant-{int(tenant_id)}"


def absolute_path(tenant_id: int, folder: str) -> Path:
    """Where `folder` of the tenant's area is on the server, absolute (for an OCR program to watch);
    nothing is created or resolved."""
    return Path(os.path.abspath(tenant_root(tenant_id) / normalise_folder(folder)))


def resolve(tenant_id: int, folder: str) -> Path:
    root = tenant_root(tenant_id)
    root.mkdir(parents=True, exist_ok=True)
    target = (root / normalise_folder(folder)).resolve()
    if target != root.resolve() and root.resolve() not in target.parents:
        raise FolderNotAllowed(_("This folder leads outside the company's area."))
    return target


def _fitting_name(name: str) -> tuple[str, str]:
    """(stem, extension) of `name`, the stem cut so that even a numbered copy fits in MAX_NAME_BYTES."""
    stem, extension = os.path.splitext(name)
    if len(extension.encode()) > 16:  # not a real extension, just a dot somewhere in a long name
        stem, extension = name, ""
    room = MAX_NAME_BYTES - len(extension.encode()) - len(_NUMBERED)
    return stem.encode()[:room].decode("utf-8", "ignore").rstrip(), extension


def copy_into(tenant_id: int, folder: str, name: str, data: bytes) -> Path:
    """Write `data` into the folder under `name`, atomically and without overwriting anything.

    Idempotent: if a file of that name with the same content is already there (a retry after a crash),
    it is the copy. A different file of the same name gets a numbered name beside it.
    """
    directory = resolve(tenant_id, folder)
    directory.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(data).hexdigest()
    stem, extension = _fitting_name(safe_display_name(name))
    temporary = directory / f".{digest[:16]}.{os.getpid()}.part"
    temporary.write_bytes(data)
    try:
        for number in range(1, 1000):
            candidate = directory / (f"{stem}{extension}" if number == 1 else f"{stem} ({number}){extension}")
            try:
                os.link(temporary, candidate)  # fails if the name is taken: never overwrites
                return candidate
            except FileExistsError:
                if hashlib.sha256(candidate.read_bytes()).hexdigest() == digest:
                    return candidate
        raise FileExistsError(name)
    finally:
        temporary.unlink(missing_ok=True)
