"""Documents with a file."""

from intake.documents import IncomingFile, create_document


def another_document(world):
    """A new document of `world`'s tenant, created by its operator, with one small PDF."""
    return create_document(
        tenant=world.tenant,
        title=f"Invoice of {world.tenant.slug}",
        created_by=world.operator,
        files=[IncomingFile("invoice.pdf", b"%PDF-1.4\n%test\n")],
    )
