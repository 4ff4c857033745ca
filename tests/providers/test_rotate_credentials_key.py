from __future__ import annotations

import pickle
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection as db
from django_tenants.utils import schema_context

from apps.providers.management.commands.rotate_credentials_key import fernet_for
from apps.providers.models import ProviderConnection
from apps.providers.services import connection_create

OLD_KEY = "the-old-cryptography-key-2025"


def _store_under_old_key(schema: str, name: str, credentials: dict) -> int:
    """A connection as a server running with the old key would have written it."""
    with schema_context(schema):
        connection = connection_create(provider="beget", name=name, credentials=credentials)
        old = fernet_for(key=OLD_KEY, secret_key=settings.SECRET_KEY)
        with db.cursor() as cursor:
            cursor.execute("UPDATE providers_providerconnection SET credentials = %s WHERE id = %s",
                           [old.encrypt(pickle.dumps(credentials)), connection.pk])
        return connection.pk


def test_rotation_re_encrypts_credentials_in_every_organization(w):
    alpha_pk = _store_under_old_key(w.alpha.schema_name, "Old A", {"login": "a", "password": "pa"})
    beta_pk = _store_under_old_key(w.beta.schema_name, "Old B", {"login": "b", "password": "pb"})
    with schema_context(w.alpha.schema_name):
        current_pk = connection_create(provider="beget", name="Current",
                                       credentials={"login": "c", "password": "pc"}).pk
        with pytest.raises(Exception):  # noqa: B017 -- unreadable under the current key before rotation
            ProviderConnection.objects.get(pk=alpha_pk).credentials  # noqa: B018
    out = StringIO()
    call_command("rotate_credentials_key", old_key=OLD_KEY, stdout=out)
    assert "Rotated the credentials of 2 connections." in out.getvalue()
    with schema_context(w.alpha.schema_name):
        assert ProviderConnection.objects.get(pk=alpha_pk).credentials == {"login": "a", "password": "pa"}
        assert ProviderConnection.objects.get(pk=current_pk).credentials["password"] == "pc"
    with schema_context(w.beta.schema_name):
        assert ProviderConnection.objects.get(pk=beta_pk).credentials == {"login": "b", "password": "pb"}
    again = StringIO()
    call_command("rotate_credentials_key", old_key=OLD_KEY, stdout=again)
    assert "Rotated the credentials of 0 connections." in again.getvalue()


def test_rotation_with_a_wrong_old_key_changes_nothing(w):
    pk = _store_under_old_key(w.alpha.schema_name, "Old", {"login": "a", "password": "pa"})
    with pytest.raises(CommandError, match="neither the old nor the current key"):
        call_command("rotate_credentials_key", old_key="not-the-old-key", stdout=StringIO())
    call_command("rotate_credentials_key", old_key=OLD_KEY, stdout=StringIO())
    with schema_context(w.alpha.schema_name):
        assert ProviderConnection.objects.get(pk=pk).credentials["password"] == "pa"


def test_rotation_needs_the_old_key(w, monkeypatch):
    monkeypatch.delenv("OLD_CRYPTOGRAPHY_KEY", raising=False)
    with pytest.raises(CommandError):
        call_command("rotate_credentials_key", old_key=None, stdout=StringIO())


def test_a_wrong_key_never_reads_garbage_as_credentials():
    """Only CRYPTOGRAPHY_KEY changed: the signature (SECRET_KEY) still verifies under a wrong key, and AES
    padding comes out valid about once in 256 tries; such garbage must not count as readable."""
    from apps.providers.management.commands.rotate_credentials_key import _UNREADABLE, _read

    right = fernet_for(key=OLD_KEY, secret_key=settings.SECRET_KEY)
    wrong = fernet_for(key="not-the-old-key", secret_key=settings.SECRET_KEY)
    tokens = [right.encrypt(pickle.dumps({"login": "a", "password": f"p{n}"})) for n in range(3000)]
    padded_by_chance = 0
    for token in tokens:
        try:
            wrong.decrypt(token)
        except Exception:  # noqa: BLE001, S112 -- the usual outcome: bad padding
            continue
        padded_by_chance += 1
    assert padded_by_chance > 0  # the hazard is real at this sample size (expected about 12)
    assert all(_read(wrong, token) is _UNREADABLE for token in tokens)
    assert _read(right, tokens[7]) == {"login": "a", "password": "p7"}
