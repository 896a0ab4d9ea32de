"""A throw-away Dovecot 2.3 IMAP server for tests (Debian's /usr/sbin/dovecot, run as root).

Everything lives in one temp dir: generated ``dovecot.conf``, base_dir (sockets, pid), state_dir, the log,
one passwd-file per user, and each user's Maildir. ``stop()`` kills the process tree but keeps the temp dir
so ``start()`` resumes on the same ports with the same mail; ``close()`` stops and deletes it. The server
listens on 127.0.0.1 only:

* ``DovecotServer(tls)``: ``imaps_port`` (implicit TLS) and ``imap_port`` (plain, offers STARTTLS), both
  with the CA-signed certificate from :mod:`tests.servers.certs`.
* ``DovecotServer(None)``: TLS disabled entirely: ``imap_port`` only, no STARTTLS in the CAPABILITY list,
  cleartext LOGIN allowed. A separate instance (not a ``local`` block) because ``ssl = no`` is the only way
  to make Dovecot stop advertising STARTTLS.

Folder hierarchy separator is ``/`` (namespace ``separator = /``, Maildir ``LAYOUT=fs``, so names may contain
dots). INBOX and Sent always exist (``auto = subscribe``); anything else can be created.

With an :class:`~tests.servers.oauth_authority.OAuthAuthority`, XOAUTH2/OAUTHBEARER logins are checked by
Dovecot's ``oauth2`` passdb against the authority's RFC 7662 introspection endpoint (``introspection_mode =
post``, verified with the test CA); the token's ``username`` must equal the IMAP login (case-insensitive).
The user must also exist here (add_user), because the userdb (home, Maildir) is the passwd-file.

Known Dovecot 2.3 behaviour worth knowing in tests:

* It considers a connection from 127.0.0.1 to 127.0.0.1 "secured" even without TLS, so the STARTTLS port does
  *not* advertise LOGINDISABLED before STARTTLS. Use :meth:`DovecotServer.logins` (parsed from Dovecot's log)
  to assert that a client really authenticated over TLS.
* A failed authentication is answered after up to ~0.5 s even with ``auth_failure_delay = 0`` and the anvil
  penalty disabled: failures are flushed by a fixed 500 ms timer (``AUTH_FAILURE_DELAY_CHECK_MSECS``), which
  only a passdb-provided ``nodelay`` field skips, and passwd-file/oauth2 cannot provide one on failure.
"""

from __future__ import annotations

import os
import pwd
import re
import secrets
import shutil
import signal
import ssl
import subprocess
import tempfile
import threading
import time
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from imapclient import IMAPClient

from tests.servers.certs import TlsMaterial

# DH_PARAMS and FOLDER_SEPARATOR moved to dovecot_config with the config text; re-exported for importers.
from tests.servers.dovecot_config import DH_PARAMS as DH_PARAMS
from tests.servers.dovecot_config import FOLDER_SEPARATOR as FOLDER_SEPARATOR
from tests.servers.dovecot_config import ConfigInputs, write_config
from tests.servers.oauth_authority import OAuthAuthority
from tests.servers.ports import LOOPBACK, free_port, port_accepts, wait_for_port, wait_for_port_closed

DOVECOT_BINARY = "/usr/sbin/dovecot"
# Mail processes must not run as root; "nobody" exists everywhere and owns nothing else we care about.
MAIL_USER = "nobody"


class MailUser(NamedTuple):
    """Unpacks as ``login, password = user``."""

    login: str
    password: str


@dataclass(frozen=True)
class LoginRecord:
    """One successful IMAP login, parsed from Dovecot's log."""

    user: str
    method: str  # PLAIN, LOGIN, XOAUTH2, OAUTHBEARER
    tls: bool  # the session was encrypted (implicit TLS or after STARTTLS)


# "imap-login: Login: user=<a@b>, method=PLAIN, rip=127.0.0.1, lip=127.0.0.1, mpid=12, TLS, session=<..>"
_LOGIN_LINE = re.compile(
    r"imap-login: (?:Info: )?Login: user=<(?P<user>[^>]*)>, method=(?P<method>[A-Z0-9-]+), (?P<rest>.*)$"
)


class DovecotServer:
    def __init__(
        self,
        tls: TlsMaterial | None,
        *,
        authority: OAuthAuthority | None = None,
        host: str = LOOPBACK,
        debug: bool = False,
    ):
        self.tls = tls
        self.authority = authority
        self.host = host
        self.debug = debug
        self.directory = Path(tempfile.mkdtemp(prefix="test-servers-dovecot-"))
        # The unprivileged Dovecot processes (auth: "dovecot", mail: "nobody") must traverse it.
        os.chmod(self.directory, 0o755)  # noqa: S103 - throw-away test directory
        self.config_path = self.directory / "dovecot.conf"
        # One passwd-file per user (path contains %u): Dovecot stats an already-loaded passwd-file at
        # most once per second, so users appended to a shared file were "unknown" for up to a second;
        # a new user's file has never been loaded and is read on first lookup.
        self.users_dir = self.directory / "passwd.d"
        self.log_path = self.directory / "dovecot.log"
        self.home_root = self.directory / "home"
        self.imap_port = free_port(host)
        self.imaps_port: int | None = free_port(host) if tls else None
        self.users: dict[str, MailUser] = {}
        self._mail_uid = pwd.getpwnam(MAIL_USER).pw_uid
        self._mail_gid = pwd.getpwnam(MAIL_USER).pw_gid
        self._process: subprocess.Popen | None = None
        self._lock = threading.Lock()
        self.home_root.mkdir()
        self.users_dir.mkdir()
        self.users_dir.chmod(0o755)  # read by the auth process (user "dovecot")

    # ------------------------------------------------------------------ lifecycle

    @property
    def tls_enabled(self) -> bool:
        return self.tls is not None

    @property
    def ports(self) -> list[int]:
        return [p for p in (self.imap_port, self.imaps_port) if p is not None]

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self, timeout: float = 15.0) -> DovecotServer:
        """Start (or restart after stop()) on the same ports, with the same users and mail."""
        if self.running:
            return self
        self._write_config()
        # -F: stay in the foreground so Popen owns the master; own session = own process group, so
        # stop() can signal the whole tree (login/auth/imap children) at once.
        with open(self.directory / "stderr.log", "ab") as stderr:
            self._process = subprocess.Popen(
                [DOVECOT_BINARY, "-F", "-c", str(self.config_path)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        try:
            for port in self.ports:
                if self._process.poll() is not None:
                    break
                wait_for_port(port, self.host, timeout=max(0.1, deadline - time.monotonic()))
        except TimeoutError:
            pass
        if not self.running or not all(self._accepts(p) for p in self.ports):
            log = self.log_text() + (self.directory / "stderr.log").read_text(errors="replace")
            self.stop()
            raise RuntimeError(f"Dovecot did not start; log:\n{log}")
        return self

    def _accepts(self, port: int) -> bool:
        return port_accepts(port, self.host)

    def stop(self, timeout: float = 2.0) -> None:
        """Kill the whole process tree; the temp dir (users, mail) stays so start() can resume."""
        process, self._process = self._process, None
        if process is None:
            return
        pgid = process.pid  # == process group id thanks to start_new_session
        with suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGTERM)
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=timeout)
        # Anything left in the group (a master slow to shut down, a wedged child) is killed hard.
        with suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
        if process.poll() is None:
            process.wait(timeout=10)
        for port in self.ports:
            wait_for_port_closed(port, self.host, timeout=10)

    def restart(self) -> None:
        self.stop()
        self.start()

    def close(self) -> None:
        """stop() and remove the temp dir. The instance is unusable afterwards."""
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self) -> DovecotServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------ configuration

    def _write_config(self) -> None:
        # The text itself lives in dovecot_config; this module only decides what goes into it.
        write_config(
            ConfigInputs(
                directory=self.directory,
                config_path=self.config_path,
                users_dir=self.users_dir,
                log_path=self.log_path,
                host=self.host,
                imap_port=self.imap_port,
                imaps_port=self.imaps_port,
                tls=self.tls,
                authority=self.authority,
                debug=self.debug,
            )
        )

    # ------------------------------------------------------------------ users and mail

    def add_user(self, login: str | None = None, password: str | None = None) -> MailUser:
        """Add a user (also while running: effective immediately). Returns (login, password)."""
        login = login or f"user-{secrets.token_hex(4)}@example.test"
        password = password if password is not None else secrets.token_urlsafe(12)
        for value in (login, password):
            if any(c in value for c in ":\n\r\t"):
                raise ValueError(f"passwd-file fields cannot contain ':' or control characters: {value!r}")
        home = self.home_root / login
        with self._lock:
            if login in self.users:
                raise ValueError(f"user {login} already exists")
            home.mkdir()
            os.chown(home, self._mail_uid, self._mail_gid)
            user = MailUser(login, password)
            self.users[login] = user
            self._write_user(user)
        return user

    def set_password(self, login: str, password: str) -> None:
        """Change a password. Blocks ~1 s: Dovecot re-checks a loaded passwd-file at most once a second."""
        with self._lock:
            user = self.users[login] = MailUser(login, password)
            self._write_user(user)
        time.sleep(1.1)

    def _write_user(self, user: MailUser) -> None:
        # user:{scheme}password:uid:gid:gecos:home:shell:extra_fields
        uid, gid, home = self._mail_uid, self._mail_gid, self.home_root / user.login
        line = f"{user.login}:{{PLAIN}}{user.password}:{uid}:{gid}::{home}::\n"
        path = self.users_dir / user.login
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(line)
        tmp.chmod(0o644)
        os.replace(tmp, path)  # atomic: the auth process never reads a half-written file

    def client_context(self) -> ssl.SSLContext | None:
        return self.tls.client_context() if self.tls is not None else None

    @contextmanager
    def connect(self, login: str, *, starttls: bool = False):
        """An IMAPClient logged in as ``login`` (implicit TLS when available, else plain/STARTTLS)."""
        user = self.users[login]
        if self.tls is not None and not starttls:
            client = IMAPClient(
                self.host, port=self.imaps_port, ssl=True, ssl_context=self.client_context(), timeout=10
            )
        else:
            client = IMAPClient(self.host, port=self.imap_port, ssl=False, timeout=10)
            if self.tls is not None:
                client.starttls(self.client_context())
        try:
            client.login(user.login, user.password)
            yield client
        finally:
            with suppress(Exception):  # best effort, e.g. the server was stopped under us
                client.logout()

    def append(
        self,
        login: str,
        folder: str,
        raw_message: bytes,
        *,
        flags: tuple[str | bytes, ...] = (),
        msg_time=None,
    ) -> int | None:
        """APPEND a raw RFC 5322 message; returns its UID (from APPENDUID) when Dovecot reports one."""
        with self.connect(login) as client:
            response = client.append(folder, raw_message, flags=flags, msg_time=msg_time)
        match = re.search(rb"APPENDUID \d+ (\d+)", response or b"")
        return int(match.group(1)) if match else None

    def create_folder(self, login: str, name: str) -> None:
        """CREATE (and subscribe) a folder; non-ASCII names are fine (imapclient encodes modified UTF-7).

        Use ``/`` for hierarchy, e.g. "Rechnungen/2024".
        """
        with self.connect(login) as client:
            client.create_folder(name)
            client.subscribe_folder(name)

    def list_folders(self, login: str) -> list[str]:
        with self.connect(login) as client:
            return [name for _flags, _delim, name in client.list_folders()]

    def fetch_messages(self, login: str, folder: str = "INBOX") -> dict[int, bytes]:
        """{uid: raw message} of a folder (handy to assert what the portal left behind)."""
        with self.connect(login) as client:
            client.select_folder(folder, readonly=True)
            uids = client.search("ALL")
            if not uids:
                return {}
            return {uid: data[b"BODY[]"] for uid, data in client.fetch(uids, ["BODY.PEEK[]"]).items()}

    # ------------------------------------------------------------------ diagnostics

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def logins(self, user: str | None = None) -> list[LoginRecord]:
        records = []
        for line in self.log_text().splitlines():
            match = _LOGIN_LINE.search(line)
            if not match:
                continue
            rest = [part.strip() for part in match["rest"].split(",")]
            record = LoginRecord(match["user"], match["method"], tls="TLS" in rest)
            if user is None or record.user.lower() == user.lower():
                records.append(record)
        return records
