"""The documents list: search, filters and keyset pages, for the page and the API alike.

Newest first by (created_at, id), addressed by cursors as the mail list is (acd_points/mail_list.py's
keyset_page): never an offset, never a count. The queryset it filters is always
access.documents_for(employee), so every filter narrows what the employee may see already; the point and
creator filters only take values offered to that employee.
"""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, Q
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from acd_points import access
from acd_points.mail_list import PAGE_SIZE, keyset_page, parsed_date, search_text, within_days
from intake.models import DocumentFile, Employee

WITH_FILES = "with"
WITHOUT_FILES = "without"
FILES_CHOICES = (WITH_FILES, WITHOUT_FILES)
FILTER_NAMES = ("q", "point", "created_by", "date_from", "date_to", "files")
ID_DIGITS = 12  # an id longer than this is no id of ours: ignored, never an error or a huge number


def _id(params, name: str) -> int | None:
    value = params.get(name, "")
    return int(value) if value.isdigit() and len(value) <= ID_DIGITS else None


@dataclass
class DocumentFilters:
    q: str = ""
    point: int | None = None
    created_by: int | None = None
    date_from: str = ""
    date_to: str = ""
    files: str = ""  # WITH_FILES, WITHOUT_FILES or "" (either)

    @classmethod
    def from_query(cls, params) -> "DocumentFilters":
        files = params.get("files", "")
        return cls(
            q=search_text(params),
            point=_id(params, "point"),
            created_by=_id(params, "created_by"),
            date_from=parsed_date(params, "date_from"),
            date_to=parsed_date(params, "date_to"),
            files=files if files in FILES_CHOICES else "",
        )

    @classmethod
    def for_employee(cls, params, employee) -> "DocumentFilters":
        """The filters of the query, a point the employee may not use dropped (one query, only when asked)."""
        filters = cls.from_query(params)
        if filters.point is not None and not access.points_for(employee).filter(pk=filters.point).exists():
            filters.point = None
        return filters

    def apply(self, queryset):
        if self.q:
            named = DocumentFile.objects.filter(document=OuterRef("pk"), original_name__icontains=self.q)
            queryset = queryset.filter(
                Q(title__icontains=self.q) | Q(source__icontains=self.q) | Q(Exists(named))
            )
        if self.point is not None:
            queryset = queryset.filter(point_document__point_id=self.point)
        if self.created_by is not None:
            queryset = queryset.filter(created_by_id=self.created_by)
        if self.files:
            with_files = Exists(DocumentFile.objects.filter(document=OuterRef("pk")))
            queryset = queryset.filter(with_files if self.files == WITH_FILES else ~with_files)
        return within_days(queryset, "created_at", self.date_from, self.date_to)

    def as_query(self) -> dict:
        query = {
            "q": self.q,
            "point": "" if self.point is None else str(self.point),
            "created_by": "" if self.created_by is None else str(self.created_by),
            "date_from": self.date_from,
            "date_to": self.date_to,
            "files": self.files,
        }
        return {k: v for k, v in query.items() if v}


@dataclass
class DocumentPage:
    documents: list
    older: str  # cursor of the next (older) page, "" at the end
    newer: str  # cursor of the previous (newer) page, "" at the start


def document_page(queryset, *, after: str = "", before: str = "", size: int = PAGE_SIZE) -> DocumentPage:
    return DocumentPage(*keyset_page(queryset, "created_at", after=after, before=before, size=size))


def creators_for(employee):
    """Who the created-by filter offers: administrators see the company's employees; an operator sees
    themselves, the administrators and the employees of their own points (who make their documents)."""
    if employee is None:
        return Employee.objects.none()
    employees = Employee.objects.select_related("user")
    if employee.is_administrator:
        return employees
    return employees.filter(
        Q(pk=employee.pk)
        | Q(role=Employee.Role.ADMINISTRATOR)
        | Q(acd_points__in=access.points_for(employee))
    ).distinct()


def document_list_context(employee, params) -> dict:
    """What the documents page shows: the filters, their choices, one page and the pager's links."""
    filters = DocumentFilters.for_employee(params, employee)
    documents = (
        filters.apply(access.documents_for(employee))
        .select_related("created_by__user", "point_document__point")
        .prefetch_related(Prefetch("files", queryset=DocumentFile.objects.only("id", "document_id")))
    )
    page = document_page(documents, after=params.get("after", ""), before=params.get("before", ""))
    query = filters.as_query()
    return {
        "filters": filters,
        "page": page,
        "points": access.points_for(employee).only("id", "name"),
        "creators": creators_for(employee),
        "files_choices": [(WITH_FILES, _("With files")), (WITHOUT_FILES, _("Without files"))],
        "older_url": "?" + urlencode(query | {"after": page.older}) if page.older else "",
        "newer_url": "?" + urlencode(query | {"before": page.newer}) if page.newer else "",
        "first_url": "?" + urlencode(query),
    }
