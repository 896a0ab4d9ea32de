"""A throw-away Redis server for tests (Debian's /usr/bin/redis-server), on a free 127.0.0.1 port.

It keeps nothing on disk (no RDB snapshots, no append-only file); its log and working directory live in
one temp dir. Besides start/stop it can *stall*: ``stall()`` stops the process with SIGSTOP, so the
kernel still accepts TCP connections on the port but nothing ever answers (a broker hung, swapped out
or behind a dead NAT entry), and ``resume()`` lets it go on with what it had. ``stop()`` ends it (the
port then refuses connections); ``start()`` again starts an empty server on the same port.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from contextlib import suppress
from pathlib import Path

import redis

from tests.servers.ports import LOOPBACK, free_port, wait_for_port, wait_for_port_closed

REDIS_BINARY = shutil.which("redis-server") or "/usr/bin/redis-server"


class RedisServer:
    def __init__(self, host: str = LOOPBACK):
        self.host = host
        self.port = free_port(host)
        self.directory = Path(tempfile.mkdtemp(prefix="test-servers-redis-"))
        self._process: subprocess.Popen | None = None
        self.stalled = False

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}/0"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self, timeout: float = 10.0) -> RedisServer:
        if self.running:
            return self
        # own session: a Ctrl-C of the test run does not reach it; close() ends it either way
        self._process = subprocess.Popen(
            [
                REDIS_BINARY,
                *("--bind", self.host, "--port", str(self.port)),
                *("--save", "", "--appendonly", "no", "--daemonize", "no"),
                *("--dir", str(self.directory), "--logfile", str(self.directory / "redis.log")),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            wait_for_port(self.port, self.host, timeout=timeout)
        except TimeoutError:
            log = self.log_text()
            self.stop()
            raise RuntimeError(f"redis-server did not start; log:\n{log}") from None
        return self

    def stall(self) -> None:
        """Freeze the server: connections are still accepted, commands are never answered."""
        assert self.running, "start the server first"
        os.kill(self._process.pid, signal.SIGSTOP)
        self.stalled = True

    def resume(self) -> None:
        if self._process is not None and self.stalled:
            with suppress(ProcessLookupError):
                os.kill(self._process.pid, signal.SIGCONT)
        self.stalled = False

    def stop(self, timeout: float = 5.0) -> None:
        """End the server; its port refuses connections afterwards."""
        process, self._process = self._process, None
        if process is None:
            return
        with suppress(ProcessLookupError):
            os.kill(process.pid, signal.SIGCONT)  # a stalled process acts on SIGTERM only once resumed
            process.terminate()
        self.stalled = False
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        wait_for_port_closed(self.port, self.host, timeout=10)

    def close(self) -> None:
        """stop() and remove the temp dir."""
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)

    def client(self) -> redis.Redis:
        """A client that gives up after 2 s (so a check against a stalled server fails instead of hanging)."""
        return redis.Redis(host=self.host, port=self.port, socket_timeout=2, socket_connect_timeout=2)

    def queue_length(self, queue: str = "celery") -> int:
        """Messages waiting in a Celery queue (kombu's Redis transport keeps a queue as a list)."""
        with self.client() as client:
            return client.llen(queue)

    def log_text(self) -> str:
        path = self.directory / "redis.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()
