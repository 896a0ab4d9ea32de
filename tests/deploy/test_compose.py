"""docker-compose.yml is what production runs; no Docker engine here, so its contract is checked as data."""

from pathlib import Path

import yaml

from intake.settings import BASE_DIR

COMPOSE = yaml.safe_load((Path(BASE_DIR) / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


def test_it_defines_the_five_services():
    assert set(SERVICES) == {"web", "worker", "beat", "db", "redis"}


def test_portal_services_run_the_right_commands():
    assert "gunicorn intake.wsgi" in SERVICES["web"]["command"]
    assert "migrate" in SERVICES["web"]["command"]
    assert SERVICES["worker"]["command"].startswith("celery --app intake worker")
    assert SERVICES["beat"]["command"].startswith("celery --app intake beat")


def test_portal_services_get_every_variable_the_settings_rely_on():
    for name in ("web", "worker", "beat"):
        environment = SERVICES[name]["environment"]
        for variable in (
            "SECRET_KEY",
            "FIELD_ENCRYPTION_KEYS",
            "ALLOWED_HOSTS",
            "DATABASE_URL",
            "CELERY_BROKER_URL",
            "MEDIA_ROOT",
            "ACD_FILES_ROOT",
            "PORTAL_BASE_URL",
        ):
            assert variable in environment, (name, variable)
        assert environment["DEBUG"] == "false"
        assert environment["DATABASE_URL"].startswith("postgres://")
        assert "@db:5432/" in environment["DATABASE_URL"]
        assert environment["CELERY_BROKER_URL"].startswith("redis://redis:6379")
        # Secrets have no default: compose refuses to start without them.
        assert ":?" in environment["SECRET_KEY"] and ":?" in environment["FIELD_ENCRYPTION_KEYS"]


def test_web_worker_and_beat_share_the_media_and_file_area_volumes():
    for name in ("web", "worker", "beat"):
        assert any(v.startswith("media:") for v in SERVICES[name]["volumes"]), name
        assert any(v.startswith("acd-files:") for v in SERVICES[name]["volumes"]), name
    assert {"pgdata", "media"} <= set(COMPOSE["volumes"])
    assert any(v.startswith("pgdata:") for v in SERVICES["db"]["volumes"])


def test_everything_that_serves_has_a_health_check_and_waits_for_healthy_dependencies():
    for name in ("web", "worker", "db", "redis"):
        assert "test" in SERVICES[name]["healthcheck"], name
    assert "/healthz" in " ".join(SERVICES["web"]["healthcheck"]["test"])
    for name in ("web", "worker", "beat"):
        assert SERVICES[name]["depends_on"] == {
            "db": {"condition": "service_healthy"},
            "redis": {"condition": "service_healthy"},
        }


def test_the_image_it_builds_exists():
    dockerfile = (Path(BASE_DIR) / "Dockerfile").read_text()
    assert "pip install" in dockerfile and "collectstatic" in dockerfile
    assert SERVICES["web"]["build"] == "."


def test_the_web_health_check_asks_as_a_host_the_portal_allows(settings):
    # ALLOWED_HOSTS holds the public name only; a check asking for 127.0.0.1 would get 400 forever.
    command = SERVICES["web"]["healthcheck"]["test"][-1]
    sent = {}

    class Recorded:
        def __init__(self, url, headers):
            sent.update(url=url, headers=headers)

    class Fake:
        Request = Recorded

        @staticmethod
        def urlopen(request, timeout):
            sent["opened"] = True

    environment = {"ALLOWED_HOSTS": "portal.example.com,other.example.com"}
    code = command.replace("import os, urllib.request as u;", "").strip()
    exec(code, {"os": type("os", (), {"environ": environment}), "u": Fake})  # noqa: S102 - our own compose file
    assert sent == {
        "url": "http://127.0.0.1:8000/healthz",
        "headers": {"Host": "portal.example.com"},
        "opened": True,
    }
