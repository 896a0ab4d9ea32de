"""The REST API for ERP integrations: token-authenticated, tenant-scoped, with the pages' permissions."""
