"""Loopback port helpers shared by the local test servers."""

from __future__ import annotations

import socket
import time

LOOPBACK = "127.0.0.1"


def free_port(host: str = LOOPBACK) -> int:
    """A TCP port on ``host`` that nobody listens on right now.

    The kernel picks it from the ephemeral range, so it is also what tests use as "a port that refuses
    connections". There is an unavoidable (tiny) race between returning it and a server binding it.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def port_accepts(port: int, host: str = LOOPBACK, timeout: float = 0.2) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_for_port(port: int, host: str = LOOPBACK, timeout: float = 10.0) -> None:
    """Block until something accepts TCP connections on ``host:port``."""
    deadline = time.monotonic() + timeout
    while not port_accepts(port, host):
        if time.monotonic() > deadline:
            raise TimeoutError(f"nothing is listening on {host}:{port} after {timeout} s")
        time.sleep(0.02)


def wait_for_port_closed(port: int, host: str = LOOPBACK, timeout: float = 10.0) -> None:
    """Block until ``host:port`` refuses connections (the server really went away)."""
    deadline = time.monotonic() + timeout
    while port_accepts(port, host):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{host}:{port} still accepts connections after {timeout} s")
        time.sleep(0.02)
