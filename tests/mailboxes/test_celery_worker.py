"""The real thing: beat's task enqueued on the file-system broker, a prefork Celery worker polling."""

import os
import subprocess
import sys
import time

import kombu.pools
import pytest
from django.conf import settings

from intake.celery import app
from mailboxes.models import Buffer, Message
from mailboxes.tasks import poll_due_buffers
from tests.builders import append_many, invoice_mail
from tests.mailboxes.test_crash_safety import child_environment

MAILS = 250  # above the threshold where the poll forks its fetch workers, inside the worker process


@pytest.fixture
def filesystem_broker(tmp_path):
    folder = tmp_path / "broker"
    for sub in ("queue", "control"):
        (folder / sub).mkdir(parents=True)
    options = {
        "data_folder_in": str(folder / "queue"),
        "data_folder_out": str(folder / "queue"),
        "control_folder": str(folder / "control"),
    }
    saved = app.conf.broker_url, app.conf.broker_write_url, app.conf.broker_transport_options
    app.conf.broker_url = app.conf.broker_write_url = "filesystem://"
    app.conf.broker_transport_options = options
    _fresh_pools()  # connections pooled for an earlier test's broker must not carry this one's messages
    yield options
    app.conf.broker_url, app.conf.broker_write_url, app.conf.broker_transport_options = saved
    app.pool.force_close_all()
    _fresh_pools()


def _fresh_pools() -> None:
    kombu.pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


@pytest.mark.django_db(transaction=True)
def test_a_prefork_worker_polls_what_beat_enqueued(
    filesystem_broker, make_mailbox, dovecot, world_a, tmp_path
):
    user = dovecot.add_user()
    append_many(dovecot, user.login, "INBOX", [invoice_mail(n) for n in range(MAILS)])
    mailbox = make_mailbox(port=dovecot.imaps_port, login=user.login, password=user.password)
    buffer = Buffer.all_tenants.create(tenant=world_a.tenant, name="beat", mailbox=mailbox)

    poll_due_buffers.delay()  # what beat does every 30 seconds
    environment = child_environment() | {
        "CELERY_BROKER_URL": "filesystem://",
        "INTAKE_TEST_BROKER_FOLDER": os.path.dirname(filesystem_broker["data_folder_in"]),
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "--app",
            "tests.celery_worker_app",
            "worker",
            "--pool",
            "prefork",
            "--concurrency",
            "1",
            "--loglevel",
            "WARNING",
            "--without-mingle",
            "--without-gossip",
        ],
        env=environment,
        cwd=settings.BASE_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and Message.all_tenants.filter(buffer=buffer).count() < MAILS:
            assert worker.poll() is None, worker.stdout.read().decode()
            time.sleep(0.2)
    finally:
        worker.terminate()
        output = worker.communicate(timeout=30)[0].decode()
    assert Message.all_tenants.filter(buffer=buffer).count() == MAILS, output
    buffer.refresh_from_db()
    assert buffer.last_error == "" and buffer.last_polled_at is not None
