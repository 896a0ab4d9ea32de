"""`manage.py check --deploy` passes in a production-like environment, and HSTS follows the environment.

The settings run in a child process, from a clean environment, as the production container would read
them (the test settings and their environment never reach it).
"""

import json
import os
import re
import secrets
import subprocess
import sys

import pytest
from django.urls import reverse

from intake.settings import BASE_DIR
from mailboxes.models import Attachment
from tests.builders import add_mail

# Warnings the README's "Production" section may justify: W019 while X_FRAME_OPTIONS is SAMEORIGIN for the
# PDF preview. With DENY (the preview's response allows its own frame) no warning is left at all.
JUSTIFIED = {"security.W019"}
CHECK_ID = re.compile(r"\(([a-z_]+\.[WE]\d+)\)")


def production_environment(tmp_path, **overrides) -> dict[str, str]:
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "DJANGO_SETTINGS_MODULE": "intake.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "FIELD_ENCRYPTION_KEYS": "kQEKtO5fFh9A2Ws3v0Qp1b6tJgQbG1aH6d0m6tV3Z4Q=",
        "ALLOWED_HOSTS": "portal.example.com",
        "CSRF_TRUSTED_ORIGINS": "https://portal.example.com",
        "PORTAL_BASE_URL": "https://portal.example.com",
        # HTTPS: TLS ends at the reverse proxy, which says so in X-Forwarded-Proto; plain HTTP is redirected.
        "BEHIND_TLS_PROXY": "true",
        "SECURE_SSL_REDIRECT": "true",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'portal.sqlite3'}",
        "CELERY_BROKER_URL": "memory://",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "ACD_FILES_ROOT": str(tmp_path / "acd-files"),
        "STATIC_ROOT": str(tmp_path / "static"),
    }
    return environment | overrides


def run(arguments, environment) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *arguments],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,  # a guard against a hang, never reached by a passing run
        check=False,
    )


def test_check_deploy_passes_with_no_warning_but_the_justified_ones(tmp_path):
    result = run(["manage.py", "check", "--deploy"], production_environment(tmp_path))
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert set(CHECK_ID.findall(output)) <= JUSTIFIED, output


SHOW_HSTS = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps([s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD]))"
)


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({}, [31536000, True, True]),
        (
            {
                "SECURE_HSTS_SECONDS": "600",
                "SECURE_HSTS_INCLUDE_SUBDOMAINS": "false",
                "SECURE_HSTS_PRELOAD": "false",
            },
            [600, False, False],
        ),
    ],
    ids=["production defaults", "set by the environment"],
)
def test_hsts_seconds_subdomains_and_preload_come_from_the_environment(tmp_path, variables, expected):
    result = run(["-c", SHOW_HSTS], production_environment(tmp_path, **variables))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == expected


def test_plain_http_is_redirected_but_the_container_health_check_is_not(tmp_path):
    script = (
        "import django; django.setup(); from django.test import Client; "
        "c = Client(HTTP_HOST='portal.example.com'); "
        "print(c.get('/login/').status_code, c.get('/healthz').status_code in (200, 503))"
    )
    result = run(["-c", script], production_environment(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == ["301", "True"]


def test_only_the_preview_may_be_framed_and_only_by_the_portals_own_pages(
    world_a, make_point, buffer_a, client_for, invoice_with_logo, own_file_area
):
    point = make_point(employees=[world_a.operator])
    message = add_mail(buffer_a, invoice_with_logo)
    client = client_for(world_a.operator)
    assert client.get(reverse("acd:mail", args=[point.pk, message.pk]))["X-Frame-Options"] == "DENY"
    pdf = Attachment.all_tenants.get(message=message, sniffed_type="application/pdf")
    preview = client.get(reverse("acd:attachment", args=[point.pk, pdf.pk, "preview"]))
    assert preview.status_code == 200 and preview["X-Frame-Options"] == "SAMEORIGIN"
