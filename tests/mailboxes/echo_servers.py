"""Tiny IMAP and SMTP servers on 127.0.0.1 that refuse every login and echo what they were sent in the
refusal, as some real servers do: for proving that no form of a credential reaches errors or logs.

No TLS (the mailboxes use encryption "None"): what matters is the text coming back. `pad` filler
characters go before each echo, so a test can put the echoed credential where error text is cut.
"""

import base64
import binascii
import socketserver
import threading

LOOPBACK = "127.0.0.1"
CRLF = b"\r\n"


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class EchoServer:
    def __init__(self, handler, *, mechanisms=("PLAIN", "LOGIN", "XOAUTH2")):
        self.pad = 0
        self.mechanisms = mechanisms
        self.received: list[bytes] = []  # what clients sent as credentials: login lines, SASL blobs
        self._server = _Server((LOOPBACK, 0), handler)
        self._server.echo = self
        self._thread = threading.Thread(target=self._server.serve_forever, name="echo-server", daemon=True)

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def start(self) -> "EchoServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def echo(self, sent: bytes) -> bytes:
        """The refusal text: filler, what was sent, and what it decodes to if it is base64."""
        self.received.append(sent)
        text = b"x" * self.pad + b" you sent: " + sent
        try:
            return text + b" = " + base64.b64decode(sent, validate=True)
        except (binascii.Error, ValueError):
            return text


class ImapEcho(socketserver.StreamRequestHandler):
    """IMAP4rev1 just far enough for a login: CAPABILITY, LOGIN, AUTHENTICATE, LOGOUT."""

    def handle(self):
        echo = self.server.echo
        auth = b" ".join(b"AUTH=" + m.encode() for m in echo.mechanisms)
        self.wfile.write(b"* OK [CAPABILITY IMAP4rev1 " + auth + b"] echo ready" + CRLF)
        while line := self.rfile.readline():
            tag, _, rest = line.rstrip(CRLF).partition(b" ")
            command, _, arguments = rest.partition(b" ")
            command = command.upper()
            if command == b"CAPABILITY":
                self.wfile.write(b"* CAPABILITY IMAP4rev1 " + auth + CRLF + tag + b" OK done" + CRLF)
            elif command == b"LOGIN":
                self.wfile.write(tag + b" NO " + echo.echo(arguments) + CRLF)
            elif command == b"AUTHENTICATE":
                self.wfile.write(b"+ " + CRLF)
                blob = self.rfile.readline().rstrip(CRLF)
                self.wfile.write(tag + b" NO [AUTHENTICATIONFAILED] " + echo.echo(blob) + CRLF)
            elif command == b"LOGOUT":
                self.wfile.write(b"* BYE echo" + CRLF + tag + b" OK bye" + CRLF)
                return
            else:
                self.wfile.write(tag + b" BAD unknown" + CRLF)


class SmtpEcho(socketserver.StreamRequestHandler):
    """SMTP just far enough for AUTH PLAIN, AUTH LOGIN (both steps) and AUTH XOAUTH2."""

    def handle(self):
        echo = self.server.echo
        self.wfile.write(b"220 echo ESMTP" + CRLF)
        while line := self.rfile.readline():
            verb, _, arguments = line.rstrip(CRLF).partition(b" ")
            verb = verb.upper()
            if verb in (b"EHLO", b"HELO"):
                mechanisms = " ".join(echo.mechanisms).encode()
                self.wfile.write(b"250-echo" + CRLF + b"250 AUTH " + mechanisms + CRLF)
            elif verb == b"AUTH":
                self._auth(echo, arguments)
            elif verb == b"QUIT":
                self.wfile.write(b"221 bye" + CRLF)
                return
            else:
                self.wfile.write(b"502 unknown" + CRLF)

    def _auth(self, echo, arguments: bytes) -> None:
        mechanism, _, initial = arguments.partition(b" ")
        if mechanism.upper() == b"LOGIN":
            echo.received.append(initial)  # the user name; the password comes next
            self.wfile.write(b"334 UGFzc3dvcmQ6" + CRLF)
            initial = self.rfile.readline().rstrip(CRLF)
        self.wfile.write(b"535 5.7.8 " + echo.echo(initial) + CRLF)
