"""Reachability of what the portal depends on, for /healthz and the compose health checks."""

import uuid

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection

from intake import storage_faults
from intake.celery import app as celery_app
from intake.storage_faults import StorageFault

BROKER_TIMEOUT_SECONDS = 3


def check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "not reachable"; the class name is enough to act on
        return f"error: {type(exc).__name__}"
    return "ok"


def check_broker() -> str:
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_SECONDS)
    except Exception as exc:  # kombu raises transport-specific errors; report, never leak the URL
        return f"error: {type(exc).__name__}"
    return "ok"


def check_storage() -> str:
    """Can the portal write where mail and documents go? A full or read-only disk stops every poll."""
    probe = f"health/{uuid.uuid4().hex}.probe"
    try:
        with storage_faults.converted():
            saved = default_storage.save(probe, ContentFile(b"ok"))
            default_storage.delete(saved)
    except StorageFault as fault:
        if fault.errno in storage_faults.FULL:
            return "error: full"
        return "error: not writable" if fault.errno in storage_faults.NOT_WRITABLE else "error: storage"
    except Exception as exc:  # a remote storage's own errors: the class name is enough to act on
        return f"error: {type(exc).__name__}"
    return "ok"


def health_report() -> dict:
    checks = {"database": check_database(), "broker": check_broker(), "storage": check_storage()}
    return {"status": "ok" if all(v == "ok" for v in checks.values()) else "error", "checks": checks}
