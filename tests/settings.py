"""Test settings: the real settings module, fed a test environment before it reads it.

DATABASE_URL decides the backend: unset means SQLite (the embedded default), CI sets PostgreSQL.
"""

import os
import tempfile

# A child process started by a test (crash tests) shares the parent's media folder.
_media = os.environ.get("INTAKE_TEST_MEDIA_ROOT") or tempfile.mkdtemp(prefix="intake-test-media-")
os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")
os.environ.setdefault("FIELD_ENCRYPTION_KEYS", "kQEKtO5fFh9A2Ws3v0Qp1b6tJgQbG1aH6d0m6tV3Z4Q=")
os.environ["MEDIA_ROOT"] = _media
os.environ["ACD_FILES_ROOT"] = tempfile.mkdtemp(prefix="intake-test-acd-")
os.environ["STATIC_ROOT"] = tempfile.mkdtemp(prefix="intake-test-static-")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{tempfile.gettempdir()}/intake-test.sqlite3")
os.environ.setdefault("CELERY_BROKER_URL", "memory://")
# The test servers listen on loopback, which the SSRF guard would refuse otherwise.
os.environ.setdefault("MAIL_ALLOWED_NETWORKS", "127.0.0.1/32,::1/128")
os.environ.setdefault("MAIL_TIMEOUT_SECONDS", "5")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")

from intake.settings import *  # noqa: E402,F403

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    # A file, not memory: crash tests run polls in child processes that must see the same database.
    DATABASES["default"]["TEST"] = {"NAME": f"{tempfile.gettempdir()}/intake-test-{os.getpid()}.sqlite3"}  # noqa: F405

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only; never in production
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
