"""`make run`'s supervisor (bin/run-dev): web, worker and beat on $PORT; Ctrl-C stops all three quietly."""

import importlib.machinery
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from tests.mailboxes.test_crash_safety import child_environment

RUN_DEV = Path(settings.BASE_DIR) / "bin" / "run-dev"
STARTUP_GUARD_SECONDS = 120  # a hang guard, never reached by a passing run


def _run_dev_module():
    loader = importlib.machinery.SourceFileLoader("run_dev", str(RUN_DEV))
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader("run_dev", loader))
    loader.exec_module(module)
    return module


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _descendants(pid: int) -> set[int]:
    """Every process below `pid`, from /proc (the reloader's child, the worker's pool, ...)."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                # The field after "(comm)" is the state, then the parent's pid.
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


@pytest.mark.parametrize(
    ("environ", "dotenv", "links"),
    [
        ({"PORT": "8123"}, "", "http://127.0.0.1:8123"),
        ({}, "", "http://127.0.0.1:8000"),
        ({"PORT": "8123"}, "PORTAL_BASE_URL=https://portal.example.com\n", "https://portal.example.com"),
        ({"PORT": "8123", "PORTAL_BASE_URL": "https://set.example.com"}, "", "https://set.example.com"),
    ],
)
def test_notification_links_follow_the_port_unless_the_address_is_set(tmp_path, environ, dotenv, links):
    (tmp_path / ".env").write_text(dotenv)
    environment = _run_dev_module().development_environment(environ, tmp_path / ".env")
    assert environment["PORTAL_BASE_URL"] == links
    assert environment["PORT"] == environ.get("PORT", "8000")


@pytest.mark.django_db(transaction=True)
def test_ctrl_c_stops_web_worker_and_beat_without_error_lines(tmp_path):
    port = _free_port()
    environment = child_environment() | {
        "DJANGO_SETTINGS_MODULE": "tests.deploy.dev_run_settings",
        "INTAKE_TEST_VAR_DIR": str(tmp_path / "var"),
        "CELERY_BROKER_URL": "filesystem://",  # the embedded broker `make run` uses, under the temp var/
        "DEBUG": "true",
        "PORT": str(port),
    }
    run = subprocess.Popen(
        [sys.executable, str(RUN_DEV)],
        cwd=settings.BASE_DIR,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own group, as `make run` is the terminal's foreground group
    )
    lines: list[str] = []
    ready = threading.Event()
    # The worker, beat and the web server each say they are up.
    wanted = (" ready.", "beat: Starting...", f"Starting development server at http://127.0.0.1:{port}/")

    def read():
        for raw in iter(run.stdout.readline, b""):
            lines.append(raw.decode("utf-8", "replace"))
            if all(any(said in line for line in lines) for said in wanted):
                ready.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert ready.wait(STARTUP_GUARD_SECONDS), "".join(lines)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz") as response:
            assert response.status == 200
        processes = _descendants(run.pid)
        assert len(processes) >= 5  # web, its reloader's child, worker and its pool, beat

        os.killpg(run.pid, signal.SIGINT)  # what Ctrl-C sends to the foreground group
        assert run.wait(timeout=STARTUP_GUARD_SECONDS) == 0
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
    reader.join(timeout=10)
    output = "".join(lines)
    assert "notification links: http://127.0.0.1:" + str(port) in output
    assert "Traceback" not in output and "ERROR" not in output, output
    assert [pid for pid in processes if _alive(pid)] == []
    with socket.socket() as probe:  # the web port is free again
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", port))
        probe.listen()
