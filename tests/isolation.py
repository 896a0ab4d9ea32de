"""One object of each tenant-owned model, built for a given tenant world.

The admin isolation tests walk every tenant-owned model registered in the admin and require a builder
here, so a new model cannot join the admin without being covered.
"""

from intake.documents import IncomingFile, create_document
from intake.models import Document, Employee
from mailboxes.models import Mailbox

BUILDERS = {
    Employee: lambda world: world.operator,
    Document: lambda world: create_document(
        tenant=world.tenant,
        title=f"Invoice of {world.tenant.slug}",
        created_by=world.operator,
        files=[IncomingFile("invoice.pdf", b"%PDF-1.4\n%test\n")],
    ),
    Mailbox: lambda world: Mailbox.all_tenants.create(
        tenant=world.tenant,
        name=f"Invoices {world.tenant.slug}",
        host="imap.example.com",
        email_address=f"faktury@{world.tenant.slug}.example",
        password="secret-of-" + world.tenant.slug,
    ),
}
