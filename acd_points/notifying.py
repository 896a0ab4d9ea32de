"""What acd_points tells the notifications of mailboxes: who else gets a buffer's new-mail digest (the
employees granted points fed by it) and where their digest links to (their point's mail list)."""

from django.urls import reverse

from acd_points.models import AcdPoint
from intake.models import Employee
from intake.tenancy import acts_for


@acts_for("buffer")
def point_employees(buffer) -> list[int]:
    return list(Employee.objects.filter(acd_points__buffer=buffer).values_list("pk", flat=True).distinct())


@acts_for("buffer")
def point_list_link(buffer, employee) -> str | None:
    points = AcdPoint.objects.filter(buffer=buffer)
    point = points.filter(employees=employee).first() or (
        points.first() if employee.is_administrator else None
    )
    return reverse("acd:point", args=[point.pk]) if point else None
