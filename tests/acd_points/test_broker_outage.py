"""The broker down while an operator generates: the request answers as usual, the follow-up work and
the notification wait in the database, and beat's sweeps do them once the broker is back.

Against a real Redis the suite starts: stopped (connections refused) or stalled (SIGSTOP: connections
accepted, nothing ever answered). The portal's Celery app is pointed at it the way production is, by
CELERY_BROKER_URL, so the settings' publish bounds are the ones under test; the work is then done by a
real worker consuming from that Redis, started as production starts one.
"""

import logging
import subprocess
import sys
import threading
import time
from contextlib import contextmanager

import kombu.pools
import pytest
from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from acd_points import follow_up
from acd_points.models import PendingWork
from acd_points.tasks import run_due_follow_up_work
from intake.celery import app
from intake.models import Document
from intake.tenancy import acting_for
from mailboxes.models import Buffer, Message, Notification
from mailboxes.notifications.tenant_settings import choose_notification_mailbox
from mailboxes.polling.poll import poll_mailbox
from mailboxes.tasks import send_due_notifications
from tests import builders
from tests.mailboxes.test_crash_safety import child_environment

pytestmark = pytest.mark.django_db(transaction=True)

HANG_GUARD = 30  # seconds; the bounded hand-over gives up long before: a request still running has hung
WAITING = "waits in the database; beat runs it when the broker is back"
JOBS = {"run follow-up work", "send notifications"}


def _fresh_broker_pools():
    # Celery keeps the connection pools it made for the first broker URL it saw; a new URL needs new ones.
    kombu.pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def redis_broker(redis_server, monkeypatch):
    """The portal publishes to the test Redis, set as production sets it: in the environment, which
    Celery reads before its configuration (the write URL too, which another test may have set there)."""
    for variable in ("CELERY_BROKER_URL", "CELERY_BROKER_WRITE_URL"):
        monkeypatch.setenv(variable, redis_server.url)
    _fresh_broker_pools()
    try:
        broker = app.pool.connection
        assert (broker.transport_cls, broker.port) == ("redis", redis_server.port)
        yield redis_server
    finally:
        redis_server.resume()  # closing the pools must not wait on a frozen server
        _fresh_broker_pools()  # later tests get pools of their own broker


@pytest.fixture
def generating(dovecot, smtp_server, smtp_user, world_a, ca_pem):
    """A point that deletes on the server after generating, over one mail really polled from Dovecot;
    its administrator is told of generated documents, through a notification mailbox on the SMTP server."""
    user = dovecot.add_user()
    dovecot.append(user.login, "INBOX", builders.invoice_mail(1))
    mailbox = builders.make_local_mailbox(
        world_a.tenant,
        port=dovecot.imaps_port,
        login=user.login,
        password=user.password,
        trusted_certificate=ca_pem,
    )
    buffer = Buffer.all_tenants.create(tenant=world_a.tenant, name="outage", mailbox=mailbox)
    poll_mailbox(mailbox.pk, buffer_ids=[buffer.pk])
    point = builders.make_acd_point(
        world_a.tenant, buffer=buffer, employees=[world_a.operator, world_a.admin], delete_after_generate=True
    )
    builders.want(world_a.admin, document_generated=True)
    sender = builders.make_outgoing_mailbox(
        world_a.tenant, smtp_server=smtp_server, smtp_user=smtp_user, trusted_certificate=ca_pem
    )
    choose_notification_mailbox(tenant=world_a.tenant, mailbox=sender)
    smtp_server.clear()
    return point, Message.all_tenants.get(buffer=buffer), user


def _clicked_generate(client, point, message) -> str:
    """The operator's "generate" click, in a thread given HANG_GUARD seconds; the page it ends on."""
    pages = []

    def click():
        try:
            action = reverse("acd:point-action", args=[point.pk])
            response = client.post(action, {"action": "generate", "mail": message.pk}, follow=True)
            pages.append((response.status_code, response.content.decode()))
        finally:
            connection.close()

    thread = threading.Thread(target=click, daemon=True)
    thread.start()
    thread.join(timeout=HANG_GUARD)
    assert not thread.is_alive(), "the operator's request hung on the broker"
    [(status, page)] = pages
    assert status == 200
    return page


def _waiting_in_the_database(world):
    [item] = PendingWork.all_tenants.all()
    assert (item.kind, item.state, item.attempts) == (PendingWork.Kind.DELETE_ON_SERVER, "pending", 0)
    [notification] = Notification.all_tenants.all()
    assert (notification.recipient, notification.state) == (world.admin, Notification.State.QUEUED)
    now = timezone.now()
    assert item.next_attempt_at <= now and notification.next_attempt_at <= now  # due for beat's sweep
    return item, notification


def _warned_once_per_job(caplog) -> None:
    warnings = [r for r in caplog.records if r.name == "intake.jobs" and r.levelno == logging.WARNING]
    assert {r.getMessage().split(":")[0] for r in warnings} == JOBS
    assert len(warnings) == len(JOBS) and all(WAITING in r.getMessage() for r in warnings)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]  # no traceback per request


@contextmanager
def _worker(redis_server):
    """A Celery worker of the portal consuming from `redis_server`, on this test's database."""
    environment = child_environment() | {"CELERY_BROKER_URL": redis_server.url}
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "celery", "--app", "intake.celery", "worker", "--pool", "solo"),
            *("--loglevel", "WARNING", "--without-mingle", "--without-gossip", "--without-heartbeat"),
        ],
        env=environment,
        cwd=settings.BASE_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        yield process
    finally:
        process.terminate()
        output = process.communicate(timeout=30)[0].decode(errors="replace")
        assert "Traceback" not in output, output


def _until(done, process, limit=60.0) -> None:
    """Wait for the worker to do the work (a deadline against a hang, not a claim about speed)."""
    deadline = time.monotonic() + limit
    while not done() and time.monotonic() < deadline:
        assert process.poll() is None, "the worker died"
        time.sleep(0.2)


def _server_uids(dovecot, user):
    with dovecot.connect(user.login) as client:
        client.select_folder("INBOX", readonly=True)
        return set(client.search("ALL"))


@pytest.mark.parametrize("outage", ["stopped", "stalled"])
def test_generating_while_the_broker_is_down_succeeds_and_beat_does_the_work_once_it_is_back(
    outage, redis_broker, generating, world_a, client_for, dovecot, smtp_server, caplog
):
    point, message, user = generating
    client = client_for(world_a.operator)
    if outage == "stopped":
        redis_broker.stop()  # connections refused
    else:
        redis_broker.stall()  # connections accepted, never answered

    page = _clicked_generate(client, point, message)

    assert "1 document generated." in page
    assert Document.all_tenants.count() == 1
    assert Message.all_tenants.get(pk=message.pk).state == Message.State.GENERATED
    item, notification = _waiting_in_the_database(world_a)
    _warned_once_per_job(caplog)
    assert message.uid in _server_uids(dovecot, user)  # nothing was done behind the broker's back

    if outage == "stopped":
        redis_broker.start()
    else:
        redis_broker.resume()
    run_due_follow_up_work.delay()  # what beat publishes every minute
    send_due_notifications.delay()
    assert redis_broker.queue_length() >= 2  # the broker takes work again
    with _worker(redis_broker) as worker:
        _until(
            lambda: (
                PendingWork.all_tenants.filter(pk=item.pk, state="done").exists()
                and Notification.all_tenants.filter(pk=notification.pk, state="sent").exists()
            ),
            worker,
        )
    assert PendingWork.all_tenants.get(pk=item.pk).state == PendingWork.State.DONE
    assert message.uid not in _server_uids(dovecot, user)
    assert Notification.all_tenants.get(pk=notification.pk).state == Notification.State.SENT
    [sent] = smtp_server.wait_for_messages(1)
    assert world_a.admin.email in sent.rcpt_tos


def test_with_the_broker_up_the_work_is_handed_over_at_once(
    redis_broker, generating, world_a, client_for, caplog
):
    point, message, _ = generating
    page = _clicked_generate(client_for(world_a.operator), point, message)
    assert "1 document generated." in page
    assert redis_broker.queue_length() == 2  # the follow-up work and the notification, one task each
    assert not [r for r in caplog.records if r.name == "intake.jobs"]


@pytest.mark.parametrize("inside_a_transaction", [True, False], ids=["in a transaction", "in autocommit"])
def test_a_stalled_broker_never_fails_the_caller_of_a_hand_over(
    inside_a_transaction, redis_broker, world_a, caplog
):
    redis_broker.stall()
    hand_over = threading.Thread(
        target=_recorded_follow_up_work, args=(world_a, inside_a_transaction), daemon=True
    )
    hand_over.start()
    hand_over.join(timeout=HANG_GUARD)
    assert not hand_over.is_alive(), "the hand-over hung on the broker"
    assert PendingWork.all_tenants.filter(state="pending").count() == 1
    [warning] = [r for r in caplog.records if r.name == "intake.jobs"]
    assert warning.levelno == logging.WARNING and "run follow-up work" in warning.getMessage()
    assert WAITING in warning.getMessage() and warning.exc_info is None


def _recorded_follow_up_work(world, inside_a_transaction: bool) -> None:
    """Record one item the way services do (follow_up.record) and let it be handed over."""
    try:
        copy = PendingWork(tenant=world.tenant, kind=PendingWork.Kind.COPY_FILE, folder="x")
        with acting_for(world.tenant.pk):
            if inside_a_transaction:
                with transaction.atomic():
                    follow_up.record([copy])
            else:
                follow_up.record([copy])  # autocommit: handed over at once
    finally:
        connection.close()
