"""Secrets at rest: a model field encrypted with Fernet, and key rotation.

`FIELD_ENCRYPTION_KEYS` lists Fernet keys, newest first. Values are encrypted with the newest and
decrypted with any, so a new key can be put in front, `manage.py rotate_keys` re-encrypts every row,
and the old key can then be removed.
"""

from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models, transaction


class SecretUnreadable(ImproperlyConfigured):
    """A stored secret cannot be decrypted with the configured keys (a key was removed too early)."""


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must list at least one Fernet key.")
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured(f"FIELD_ENCRYPTION_KEYS holds an invalid Fernet key: {exc}") from None


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(plaintext: str) -> str:
    return fernet().encrypt(plaintext.encode()).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode("ascii")).decode()
    except InvalidToken:
        raise SecretUnreadable("A stored secret cannot be decrypted with FIELD_ENCRYPTION_KEYS.") from None


class EncryptedTextField(models.TextField):
    """Text encrypted at rest. In Python the value is the plain text; "" means "not set" and is stored as "".

    Never searchable or orderable: the stored tokens are random.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        kwargs.setdefault("editable", False)  # forms handle secrets explicitly, never by rendering them
        super().__init__(*args, **kwargs)

    def from_db_value(self, value, expression, connection):
        return decrypt(value) if value else ""

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return encrypt(value) if value else ""

    def value_to_string(self, obj):
        # Serialisation (dumpdata, fixtures) would write the decrypted value: dumps never carry secrets.
        # A loaded dump has them empty, so they are typed again (or the mailbox signs in again).
        return ""


def encrypted_fields(model) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]


def rotate_model(model, *, batch_size: int = 200) -> int:
    """Re-encrypt every row's encrypted columns with the newest key; returns the number of rows.

    Batches are read with a row lock and written back in the same transaction, so a token cache that a
    worker refreshes meanwhile is never overwritten with a stale copy.
    """
    columns = encrypted_fields(model)
    if not columns:
        return 0
    queryset = model._base_manager.order_by("pk").only("pk", *columns)
    done, last_pk = 0, None
    while True:
        with transaction.atomic():
            page = queryset if last_pk is None else queryset.filter(pk__gt=last_pk)
            batch = list(page.select_for_update()[:batch_size])
            if not batch:
                return done
            model._base_manager.bulk_update(batch, columns)  # get_prep_value encrypts with the newest key
        done += len(batch)
        last_pk = batch[-1].pk
