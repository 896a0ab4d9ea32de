from acd_points.generate import generate_documents
from acd_points.notifying import point_employees, point_list_link
from intake.tenants import add_employee
from mailboxes.models import Notification, NotificationPreference
from tests.builders import add_mail, invoice_mail


def test_employees_of_points_fed_by_a_buffer_get_its_digest_and_a_link_to_their_point(
    make_point, buffer_a, world_a
):
    point = make_point(employees=[world_a.operator])
    assert point_employees(buffer_a) == [world_a.operator.pk]
    assert point_list_link(buffer_a, world_a.operator) == f"/acd/points/{point.pk}/"
    outsider = add_employee(tenant=world_a.tenant, username="outsider", role="operator")
    assert point_list_link(buffer_a, outsider) is None


def test_generating_a_document_notifies_the_points_employees_who_asked_for_it(make_point, buffer_a, world_a):
    colleague = add_employee(
        tenant=world_a.tenant, username="colleague", role="operator", email="c@alpha.example"
    )
    point = make_point(employees=[world_a.operator, colleague])
    NotificationPreference.all_tenants.create(
        tenant=world_a.tenant, employee=colleague, document_generated=True
    )
    message = add_mail(buffer_a, invoice_mail(1))
    generate_documents(point=point, message_ids=[message.pk], employee=world_a.operator)
    told = Notification.all_tenants.filter(kind=Notification.Kind.DOCUMENT_GENERATED)
    sent_to = list(told.values_list("recipient_id", flat=True))
    assert sent_to == [colleague.pk]  # the actor is not told of their own action; others only if they asked


def test_a_new_mail_digest_reaches_the_points_employees_with_a_link_to_their_point(
    make_point, buffer_a, world_a
):
    colleague = add_employee(
        tenant=world_a.tenant, username="reader", role="operator", email="r@alpha.example"
    )
    point = make_point(employees=[world_a.operator, colleague])
    add_mail(buffer_a, invoice_mail(1))
    digests = Notification.all_tenants.filter(kind=Notification.Kind.NEW_MAIL)
    assert set(digests.values_list("recipient_id", flat=True)) == {world_a.operator.pk, colleague.pk}
    assert set(digests.values_list("link_path", flat=True)) == {f"/acd/points/{point.pk}/"}
