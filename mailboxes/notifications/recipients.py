"""Who gets a notification: the employees permitted where something happened, filtered by their wishes.

Every recipient is an active employee of the notification's own tenant with an e-mail address
(employee.email, else their login's e-mail) who has the kind turned on (NotificationPreference).
"""

from collections.abc import Callable, Iterable

from django.urls import reverse

from intake.models import Employee
from intake.tenancy import acts_for
from mailboxes.models import Buffer, NotificationPreference

RecipientSource = Callable[[Buffer], Iterable[int]]
DigestLink = Callable[[Buffer, Employee], "str | None"]

# Filled at import time by apps that know more employees (acd_points: those permitted on a buffer's
# points), so mailboxes never imports them: dependencies point one way.
_sources: list[RecipientSource] = []
_digest_links: list[DigestLink] = []


def register_recipient_source(source: RecipientSource) -> None:
    """source(buffer) -> iterable of Employee ids who should also get the new-mail digest of `buffer`."""
    if source not in _sources:
        _sources.append(source)


def register_digest_link(resolver: DigestLink) -> None:
    """resolver(buffer, employee) -> the portal path a digest should link to, or None to let others answer.

    Without one that answers, administrators get the buffer's mail list in the admin, others the dashboard.
    """
    if resolver not in _digest_links:
        _digest_links.append(resolver)


def address_of(employee: Employee) -> str:
    return employee.email or employee.user.email


@acts_for("tenant_id")
def eligible(tenant_id: int, employee_ids: Iterable[int], *, kind: str) -> list[Employee]:
    """The employees among `employee_ids` who get notifications of `kind` (a NotificationPreference
    field): deduplicated, active, of `tenant_id`, with an address, and not having turned it off."""
    ids = set(employee_ids)
    if not ids:
        return []
    employees = (
        Employee.objects.filter(pk__in=ids, tenant_id=tenant_id, is_active=True, user__is_active=True)
        .select_related("user")
        .order_by("pk")
    )
    wishes = dict(
        NotificationPreference.objects.filter(employee_id__in=ids, tenant_id=tenant_id).values_list(
            "employee_id", kind
        )
    )
    default = NotificationPreference.DEFAULTS[kind]
    return [e for e in employees if address_of(e) and wishes.get(e.pk, default)]


@acts_for("buffer")
def permitted_on_buffer(buffer: Buffer) -> set[int]:
    """Ids of the employees allowed to work with `buffer`'s mail, directly or through registered sources."""
    ids = set(buffer.employees.values_list("pk", flat=True))  # the poll or request has its tenant active
    for source in _sources:
        ids.update(source(buffer))
    return ids


@acts_for("tenant_id")
def administrators(tenant_id: int) -> set[int]:
    return set(
        Employee.objects.filter(tenant_id=tenant_id, role=Employee.Role.ADMINISTRATOR).values_list(
            "pk", flat=True
        )
    )


@acts_for("buffer")
def digest_link(buffer: Buffer, employee: Employee) -> str:
    for resolver in _digest_links:
        path = resolver(buffer, employee)
        if path:
            return path
    if employee.is_administrator:
        return f"{reverse('admin:mailboxes_message_changelist')}?buffer__id__exact={buffer.pk}"
    return reverse("dashboard")
