"""Re-encrypt every connection's credentials, in every organization schema, from an old key to the current one.

django-cryptography encrypts with AES under a key derived (PBKDF2, CRYPTOGRAPHY_SALT) from
CRYPTOGRAPHY_KEY, or from SECRET_KEY when that is unset, and signs with HMAC under SECRET_KEY. Deploy the
new keys, then run:

    OLD_CRYPTOGRAPHY_KEY=... [OLD_SECRET_KEY=...] python manage.py rotate_credentials_key

Each schema is rotated in one transaction; rows already readable with the current key are left alone, so
running it twice is harmless.
"""

from __future__ import annotations

import os
import pickle  # noqa: S403 -- the field's own storage format; we only unpickle what we can authenticate

from cryptography.hazmat.primitives.kdf import pbkdf2
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils.encoding import force_bytes
from django_cryptography.core.signing import FernetSigner
from django_cryptography.utils.crypto import FernetBytes
from django_tenants.utils import get_public_schema_name, get_tenant_model, schema_context

from apps.providers.models import ProviderConnection


def derive_key(raw: str | bytes) -> bytes:
    """The key django-cryptography derives from a CRYPTOGRAPHY_KEY (or SECRET_KEY) value."""
    digest = settings.CRYPTOGRAPHY_DIGEST
    kdf = pbkdf2.PBKDF2HMAC(algorithm=digest, length=digest.digest_size, salt=settings.CRYPTOGRAPHY_SALT,
                            iterations=30000, backend=settings.CRYPTOGRAPHY_BACKEND)
    return kdf.derive(force_bytes(raw))


def fernet_for(*, key: str | bytes, secret_key: str) -> FernetBytes:
    return FernetBytes(derive_key(key), signer=FernetSigner(key=secret_key))


_UNREADABLE = object()


def _read(fernet: FernetBytes, data: bytes) -> object:
    """The stored credentials under ``fernet``, or ``_UNREADABLE``.

    The HMAC is keyed by SECRET_KEY, not by the encryption key, so when only CRYPTOGRAPHY_KEY changed
    a wrong key still passes the signature and AES yields garbage whose padding happens to be valid
    about once in 256 tries: only a plaintext that unpickles to a dict counts as read."""
    try:
        value = pickle.loads(fernet.decrypt(data))  # noqa: S301 -- authenticated by the HMAC first
    except Exception:  # noqa: BLE001 -- a bad signature, padding or pickle all mean "not this key"
        return _UNREADABLE
    return value if isinstance(value, dict) else _UNREADABLE


def rotate_schema(*, old: FernetBytes, current: FernetBytes) -> tuple[int, int]:
    """Rotate the current schema's connections. Returns (rotated, already current)."""
    table = ProviderConnection._meta.db_table
    rotated = skipped = 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SELECT id, credentials FROM {table} FOR UPDATE")  # noqa: S608
        for pk, raw in cursor.fetchall():
            data = bytes(raw)
            if _read(current, data) is not _UNREADABLE:
                skipped += 1
                continue
            value = _read(old, data)
            if value is _UNREADABLE:
                raise CommandError(f"connection {pk} in schema {connection.schema_name} is readable with "
                                   f"neither the old nor the current key")
            cursor.execute(f"UPDATE {table} SET credentials = %s WHERE id = %s",  # noqa: S608
                           [current.encrypt(pickle.dumps(value)), pk])
            rotated += 1
    return rotated, skipped


class Command(BaseCommand):
    help = "Re-encrypt stored provider credentials from an old key to the current one, in every organization."

    def add_arguments(self, parser):
        parser.add_argument("--old-key", default=os.environ.get("OLD_CRYPTOGRAPHY_KEY"),
                            help="the previous CRYPTOGRAPHY_KEY (or the previous SECRET_KEY if it was unset); "
                                 "default $OLD_CRYPTOGRAPHY_KEY")
        parser.add_argument("--old-secret-key", default=os.environ.get("OLD_SECRET_KEY"),
                            help="the previous SECRET_KEY (signatures); default $OLD_SECRET_KEY, else the current")

    def handle(self, *args, old_key=None, old_secret_key=None, **options):
        if not old_key:
            raise CommandError("Give the previous key with --old-key or OLD_CRYPTOGRAPHY_KEY.")
        old = fernet_for(key=old_key, secret_key=old_secret_key or settings.SECRET_KEY)
        current = FernetBytes()
        total = 0
        schemas = (get_tenant_model().objects.exclude(schema_name=get_public_schema_name())
                   .order_by("schema_name").values_list("schema_name", flat=True))
        for schema in schemas:
            with schema_context(schema):
                rotated, skipped = rotate_schema(old=old, current=current)
            total += rotated
            if rotated or skipped:
                self.stdout.write(f"{schema}: {rotated} rotated, {skipped} already current")
        self.stdout.write(self.style.SUCCESS(f"Rotated the credentials of {total} connections."))
