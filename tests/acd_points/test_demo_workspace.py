from django.core.management import call_command

from acd_points.models import AcdPoint
from mailboxes.models import Message


def test_the_demo_gets_a_point_with_sample_mail_once(db):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    call_command("seed_demo_workspace", stdout=open("/dev/null", "w"))  # noqa: SIM115
    call_command("seed_demo_workspace", stdout=open("/dev/null", "w"))  # noqa: SIM115 - run again: nothing doubles
    point = AcdPoint.all_tenants.get(tenant__slug="demo")
    assert list(
        point.employees.model.all_tenants.filter(acd_points=point).values_list("user__username", flat=True)
    ) == ["demo-operator"]
    assert Message.all_tenants.filter(buffer=point.buffer).count() == 5
    assert not point.buffer.enabled
