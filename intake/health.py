"""Reachability of what the portal depends on, for /healthz and the compose health checks."""

from django.db import connection

from intake.celery import app as celery_app

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


def health_report() -> dict:
    checks = {"database": check_database(), "broker": check_broker()}
    return {"status": "ok" if all(v == "ok" for v in checks.values()) else "error", "checks": checks}
