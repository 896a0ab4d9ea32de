import os
import subprocess

import pytest
from django.test import Client

from intake.celery import app as celery_app


@pytest.fixture
def broker_url():
    original = celery_app.conf.broker_url, celery_app.conf.broker_write_url

    def use(url):
        celery_app.conf.broker_url = celery_app.conf.broker_write_url = url

    yield use
    celery_app.conf.broker_url, celery_app.conf.broker_write_url = original


def test_healthz_reports_ok_when_database_and_broker_answer(db, broker_url):
    broker_url("redis://127.0.0.1:6379/15")  # the machine's real Redis
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "broker": "ok", "storage": "ok"},
    }


def test_healthz_answers_503_naming_the_unreachable_broker(db, broker_url):
    broker_url("redis://:s3cret@127.0.0.1:1/0")  # nothing listens on port 1
    response = Client().get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["broker"].startswith("error")
    assert "s3cret" not in response.content.decode()


def test_healthz_accepts_the_embedded_filesystem_broker(db, broker_url, tmp_path, settings):
    folder = tmp_path / "queue"
    folder.mkdir()
    original = dict(celery_app.conf.broker_transport_options or {})
    celery_app.conf.broker_transport_options = {"data_folder_in": str(folder), "data_folder_out": str(folder)}
    try:
        broker_url("filesystem://")
        assert Client().get("/healthz").json()["checks"]["broker"] == "ok"
    finally:
        celery_app.conf.broker_transport_options = original


@pytest.mark.parametrize(("fault", "said"), [("full", "error: full"), ("ro", "error: not writable")])
def test_healthz_tells_administrators_the_portals_storage_is_full_or_read_only(
    db, broker_url, tiny_disk, settings, fault, said
):
    broker_url("redis://127.0.0.1:6379/15")
    settings.MEDIA_ROOT = str(tiny_disk)
    if fault == "full":
        with open(tiny_disk / "filler", "wb") as handle:
            handle.write(b"\0" * os.statvfs(tiny_disk).f_bavail * os.statvfs(tiny_disk).f_frsize)
    else:
        subprocess.run(["mount", "-o", "remount,ro", str(tiny_disk)], check=True)
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "broker": "ok", "storage": said}
