"""Builders of test data: plain functions that create tenants, employees, mailboxes, buffers, mails,
points, tokens and notifications. Every one of them lives in this package (tests/test_suite_layout.py
keeps it so); fixtures in conftest files and in tests/fixtures/ only call them.

- tenants: PASSWORD, TenantWorld, make_tenant_world, another_employee
- mailboxes: make_local_mailbox (on the test servers), make_outgoing_mailbox, make_oauth_outgoing_mailbox,
  make_remote_mailbox (never contacted), make_buffer, poll_once, another_mailbox, another_buffer
- mail: PDF, PNG, XML, invoice_mail, xml_mail (raw bytes), append_many (over IMAP), add_mail (stored in a
  buffer as a poll would), another_message
- points: make_acd_point, make_ocr_point, PointData, make_point_data, another_acd_point, another_ocr_point,
  another_mail_action
- tokens: issue_token, another_api_token
- documents: another_document
- listed_documents: listed_document (of a point or none, with or without files, some days old)
- notifications: queue, make_due, want, another_notification
- per_model: BUILDERS, one builder per tenant-owned model (for the admin isolation tests)
- renumbering: recreate_folder, set_uidvalidity (doveadm), age_files, mail_without_message_id,
  same_id_same_size_pair, large_invoice_mail
- task_results: another_task_failure (a stored failed task, for the admin)
- admin_pages: more_of (more objects of any admin-registered model, for its pages' counts)

`another_…(world)` builders make a new object of the world's tenant with a name of its own on each call.
"""

from tests.builders.admin_pages import more_of
from tests.builders.documents import another_document
from tests.builders.listed_documents import listed_document
from tests.builders.mail import PDF, PNG, XML, add_mail, another_message, append_many, invoice_mail, xml_mail
from tests.builders.mailboxes import (
    another_buffer,
    another_mailbox,
    inbox_only,
    make_buffer,
    make_local_mailbox,
    make_oauth_outgoing_mailbox,
    make_outgoing_mailbox,
    make_remote_mailbox,
    poll_once,
)
from tests.builders.notifications import another_notification, make_due, queue, want
from tests.builders.per_model import BUILDERS
from tests.builders.points import (
    PointData,
    another_acd_point,
    another_mail_action,
    another_ocr_point,
    make_acd_point,
    make_ocr_point,
    make_point_data,
)
from tests.builders.renumbering import (
    age_files,
    large_invoice_mail,
    mail_without_message_id,
    recreate_folder,
    same_id_same_size_pair,
    set_uidvalidity,
)
from tests.builders.task_results import another_task_failure
from tests.builders.tenants import PASSWORD, TenantWorld, another_employee, make_tenant_world
from tests.builders.tokens import another_api_token, issue_token

__all__ = [
    "BUILDERS",
    "PASSWORD",
    "PDF",
    "PNG",
    "XML",
    "PointData",
    "TenantWorld",
    "add_mail",
    "age_files",
    "another_acd_point",
    "another_api_token",
    "another_buffer",
    "another_document",
    "another_employee",
    "another_mail_action",
    "another_mailbox",
    "another_message",
    "another_notification",
    "another_ocr_point",
    "another_task_failure",
    "append_many",
    "inbox_only",
    "invoice_mail",
    "issue_token",
    "large_invoice_mail",
    "listed_document",
    "mail_without_message_id",
    "make_acd_point",
    "make_buffer",
    "make_due",
    "make_local_mailbox",
    "make_oauth_outgoing_mailbox",
    "make_ocr_point",
    "make_outgoing_mailbox",
    "make_point_data",
    "make_remote_mailbox",
    "make_tenant_world",
    "more_of",
    "poll_once",
    "queue",
    "recreate_folder",
    "same_id_same_size_pair",
    "set_uidvalidity",
    "want",
    "xml_mail",
]
