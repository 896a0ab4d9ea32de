"""A server the tests control, the stand-in for a host an administrator pointed a mailbox at; and how
tests point a mailbox there (the change form's data, changes behind the form's back).

It speaks just enough IMAP (implicit TLS) or SMTP (STARTTLS, as submission servers do) for a client to
get as far as sending its credentials, refuses every login, and records every line it received, so a
test can tell whether a password or token ever reached it. It uses the test CA's server certificate
(valid for 127.0.0.1, ::1 and localhost): a portal that trusts that CA would send it anything.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import socket
import ssl
import threading

from django.urls import reverse

from mailboxes.connections.forms import MailboxForm
from mailboxes.models import Mailbox
from tests.servers.certs import TlsMaterial

GREETING = {
    "imap": b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN AUTH=XOAUTH2] ready\r\n",
    "smtp": b"220 recorder\r\n",
}


class RecordingListener:
    def __init__(self, tls: TlsMaterial, *, protocol: str, address: str):
        self.protocol, self.address = protocol, address
        self._context = tls.server_context()
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        self._socket = socket.create_server((address, 0), family=family)
        self.port = self._socket.getsockname()[1]
        self.connections = 0
        self._lines: list[bytes] = []
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def __enter__(self) -> RecordingListener:
        self._start(self._accept_loop)
        return self

    def __exit__(self, *exc) -> None:
        with contextlib.suppress(OSError):
            self._socket.shutdown(socket.SHUT_RDWR)  # wakes the accept() below; close() alone does not
        self._socket.close()
        for thread in self._threads:
            thread.join(timeout=5)

    @property
    def lines(self) -> list[bytes]:
        with self._lock:
            return list(self._lines)

    def saw(self, secret: str) -> bool:
        """Did `secret` arrive, in clear or inside a base64 SASL payload (PLAIN, LOGIN, XOAUTH2)?"""
        wanted = secret.encode()
        for line in self.lines:
            words = line.split()
            decoded = [_b64(word) for word in words]
            if wanted in line or any(wanted in word for word in decoded):
                return True
        return False

    # -- serving ----------------------------------------------------------------------------------------

    def _start(self, target, *args) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _accept_loop(self) -> None:
        while True:
            try:
                connection, _ = self._socket.accept()
            except OSError:  # closed by __exit__
                return
            with self._lock:
                self.connections += 1
            self._start(self._serve, connection)

    def _serve(self, connection: socket.socket) -> None:
        connection.settimeout(10)
        with contextlib.suppress(OSError, ssl.SSLError), contextlib.closing(connection):
            if self.protocol == "imap":
                self._imap(self._context.wrap_socket(connection, server_side=True))
            else:
                self._smtp(connection)

    def _record(self, line: bytes) -> None:
        with self._lock:
            self._lines.append(line)

    def _imap(self, tls_socket: ssl.SSLSocket) -> None:
        stream = tls_socket.makefile("rwb")
        _send(stream, GREETING["imap"])
        while line := stream.readline():
            self._record(line)
            tag, _, rest = line.partition(b" ")
            command = (rest.split() or [b""])[0].upper()
            if command == b"CAPABILITY":
                _send(stream, b"* CAPABILITY IMAP4rev1 AUTH=PLAIN AUTH=XOAUTH2\r\n" + tag + b" OK done\r\n")
            elif command == b"AUTHENTICATE":
                _send(stream, b"+ \r\n")
                self._record(stream.readline())  # the SASL payload
                _send(stream, tag + b" NO [AUTHENTICATIONFAILED] refused\r\n")
            elif command == b"LOGIN":
                _send(stream, tag + b" NO [AUTHENTICATIONFAILED] refused\r\n")
            elif command == b"LOGOUT":
                _send(stream, b"* BYE\r\n" + tag + b" OK bye\r\n")
                return
            else:
                _send(stream, tag + b" BAD not here\r\n")

    def _smtp(self, connection: socket.socket) -> None:
        stream, secure = connection.makefile("rwb"), False
        _send(stream, GREETING["smtp"])
        while line := stream.readline():
            self._record(line)
            command = (line.split() or [b""])[0].upper()
            if command in (b"EHLO", b"HELO"):
                extension = b"AUTH PLAIN LOGIN XOAUTH2" if secure else b"STARTTLS"
                _send(stream, b"250-recorder\r\n250 " + extension + b"\r\n")
            elif command == b"STARTTLS" and not secure:
                _send(stream, b"220 go ahead\r\n")
                connection = self._context.wrap_socket(connection, server_side=True)
                stream, secure = connection.makefile("rwb"), True
            elif command == b"AUTH":
                if len(line.split()) < 3:  # no initial response: ask for it
                    _send(stream, b"334 \r\n")
                    self._record(stream.readline())
                _send(stream, b"535 5.7.8 refused\r\n")
            elif command == b"QUIT":
                _send(stream, b"221 bye\r\n")
                return
            else:
                _send(stream, b"250 ok\r\n" if command in (b"RSET", b"NOOP") else b"502 not here\r\n")


def _send(stream, data: bytes) -> None:
    stream.write(data)
    stream.flush()


def _b64(word: bytes) -> bytes:
    try:
        return base64.b64decode(word, validate=True)
    except (binascii.Error, ValueError):
        return b""


# -- pointing a mailbox at it -------------------------------------------------------------------------

# The change form's own fields (the automat choice aside), so a field added to the form is posted too.
FORM_FIELDS = tuple(name for name in MailboxForm.Meta.fields if name != "automat")


def change_form(mailbox, **changes) -> dict:
    """What the change form posts for `mailbox` as stored, with `changes`; no secret typed."""
    data = {name: getattr(mailbox, name) for name in FORM_FIELDS} | {
        "new_password": "",
        "new_client_secret": "",
    }
    return data | changes


def change_url(mailbox) -> str:
    return reverse("admin:mailboxes_mailbox_change", args=[mailbox.pk])


def point_at(mailbox, listener: RecordingListener, how: str):
    """Point `mailbox` at `listener` behind the form's back (how: "save" through the ORM, or "update" of
    the row); returns the mailbox as a worker would load it next."""
    if how == "save":
        mailbox.host, mailbox.port = "localhost", listener.port
        mailbox.save()
    else:
        Mailbox.all_tenants.filter(pk=mailbox.pk).update(host="localhost", port=listener.port)
    return Mailbox.all_tenants.get(pk=mailbox.pk)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def form_errors(response):
    return response.context["adminform"].form.errors
