"""One object of each tenant-owned model, built for a given tenant world.

The admin isolation tests walk every tenant-owned model registered in the admin and require a builder
here, so a new model cannot join the admin without being covered.
"""

from django_celery_results.models import TaskResult

from acd_points.models import AcdPoint, ApiToken, MailAction, OcrPoint
from intake.models import Document, Employee
from mailboxes.models import Buffer, Mailbox, Message, Notification
from tests.builders.documents import another_document
from tests.builders.mail import another_message
from tests.builders.mailboxes import another_buffer, another_mailbox
from tests.builders.notifications import another_notification
from tests.builders.points import another_acd_point, another_mail_action, another_ocr_point
from tests.builders.task_results import another_task_failure
from tests.builders.tokens import another_api_token

BUILDERS = {
    Employee: lambda world: world.operator,
    Document: another_document,
    Mailbox: another_mailbox,
    Buffer: another_buffer,
    Message: another_message,
    AcdPoint: another_acd_point,
    OcrPoint: another_ocr_point,
    MailAction: another_mail_action,
    ApiToken: another_api_token,
    Notification: another_notification,
    TaskResult: another_task_failure,  # not a tenant's: superusers only (the URL sweep checks it)
}
