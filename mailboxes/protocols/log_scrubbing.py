"""Log records made while a connection is open are scrubbed of that connection's secrets.

At DEBUG, imapclient logs every line the server sends (an echoed login included), smtplib's debug
output comes through our wrapper, and MSAL and requests log their own view of a sign-in. The protocol
modules declare the secrets in use (`guarding`); every record created meanwhile, by any logger, is
scrubbed before any handler sees it. The hook is the log record factory, because a logging.Filter on a
logger does not see the records of its child loggers ("imapclient.imaplib", "msal.application", ...)
and one on a handler only exists where the settings configured it. `SecretFilter` does the same for a
handler in the LOGGING setting, in case something replaces the factory.
"""

import contextlib
import logging
from contextvars import ContextVar

from mailboxes.protocols.scrubbing import scrub

_in_use: ContextVar[tuple[str, ...]] = ContextVar("secrets_in_use", default=())


def current_secrets() -> tuple[str, ...]:
    return _in_use.get()


@contextlib.contextmanager
def guarding(secrets):
    """Scrub `secrets` from every log record (and protocol error) made inside this block."""
    install()
    token = _in_use.set(_in_use.get() + tuple(s for s in secrets if s))
    try:
        yield
    finally:
        _in_use.reset(token)


def also_guard(*secrets: str) -> None:
    """Add secrets learned during the block (tokens just issued); they are forgotten when it ends."""
    if _in_use.get():
        _in_use.set(_in_use.get() + tuple(s for s in secrets if isinstance(s, str) and s))


def scrub_record(record: logging.LogRecord, secrets) -> None:
    """Replace the record's message, exception and stack text by scrubbed text, formatted once here."""
    try:
        message = record.getMessage()
    except Exception:  # a bad format string: logging would print msg and args raw to stderr
        message = f"{record.msg!r} {record.args!r}"
    record.msg, record.args = scrub(message, secrets), ()
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = scrub(record.exc_text, secrets)
    if record.stack_info:
        record.stack_info = scrub(record.stack_info, secrets)


class SecretFilter(logging.Filter):
    """Scrubs the secrets of the connection in progress from each record; never drops one."""

    def filter(self, record):
        secrets = _in_use.get()
        if secrets:
            scrub_record(record, secrets)
        return True


def _scrubbing_factory(previous):
    def factory(*args, **kwargs):
        record = previous(*args, **kwargs)
        secrets = _in_use.get()
        if secrets:
            scrub_record(record, secrets)
        return record

    factory.scrubs_secrets = True
    return factory


def install() -> None:
    """Put the scrubbing in the log record factory (once; again if something replaced it)."""
    current = logging.getLogRecordFactory()
    if not getattr(current, "scrubs_secrets", False):
        logging.setLogRecordFactory(_scrubbing_factory(current))
