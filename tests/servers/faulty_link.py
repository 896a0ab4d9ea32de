"""A TCP relay on 127.0.0.1 in front of a real server, that can trickle or cut what the server sends.

The portal connects to the relay instead of the server; bytes pass through unchanged (TLS included), so
the server and the client are real and only the link misbehaves, as a slow or broken network does:

- `trickle_after` / `rate`: after that many bytes from the server on a connection, forward the rest at
  `rate` bytes per second;
- `cut_after` / `cut`: after that many bytes from the server on a connection, end it with a FIN
  ("fin") or a reset ("rst").

`delivered` counts the bytes forwarded from the server, over all connections.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time

from tests.servers.ports import LOOPBACK

CHUNK = 16 * 1024


class FaultyLink:
    def __init__(self, target_port: int, *, target_host: str = LOOPBACK):
        self.target = (target_host, target_port)
        self.trickle_after: int | None = None
        self.rate = 50_000
        self.cut_after: int | None = None
        self.cut = "fin"
        self.delivered = 0
        self.connections = 0
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._listener = socket.create_server((LOOPBACK, 0))
        self.port = self._listener.getsockname()[1]
        self._closed = threading.Event()
        threading.Thread(target=self._accept, name="faulty-link", daemon=True).start()

    def heal(self) -> None:
        self.trickle_after = self.cut_after = None

    def close(self) -> None:
        self._closed.set()
        self._listener.close()
        with self._lock:
            for sock in self._sockets:
                _close(sock)

    def __enter__(self) -> FaultyLink:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.target)
            except OSError:
                _close(client)
                continue
            with self._lock:
                self._sockets += [client, server]
                self.connections += 1
            threading.Thread(target=self._pump, args=(client, server, False), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, True), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, from_server: bool) -> None:
        sent = 0
        try:
            while data := source.recv(CHUNK):
                if not from_server:
                    sink.sendall(data)
                    continue
                sent = self._forward(data, sent, source, sink)
                if sent < 0:
                    return
        except OSError:
            pass
        finally:
            if sent >= 0:
                _close(sink)
                _close(source)

    def _forward(self, data: bytes, sent: int, source, sink) -> int:
        """Forward server bytes under the link's faults; the new count, or -1 once the link is cut."""
        for start in range(0, len(data), 1024):
            piece = data[start : start + 1024]
            if self.cut_after is not None and sent + len(piece) > self.cut_after:
                piece = piece[: max(self.cut_after - sent, 0)]
                sink.sendall(piece)
                self._count(len(piece))
                self._cut(source, sink)
                return -1
            if self.trickle_after is not None and sent >= self.trickle_after:
                time.sleep(len(piece) / self.rate)
            sink.sendall(piece)
            sent += len(piece)
            self._count(len(piece))
        return sent

    def _count(self, size: int) -> None:
        with self._lock:
            self.delivered += size

    def _cut(self, source, sink) -> None:
        if self.cut == "rst":
            for sock in (source, sink):
                with contextlib.suppress(OSError):  # linger 0: close sends a reset instead of a FIN
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        for sock in (sink, source):
            _close(sock)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()
