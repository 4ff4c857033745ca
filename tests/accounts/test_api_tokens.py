"""Named, hashed API tokens (django-rest-knox): only a digest in the database, optional expiry, last use, revoke."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django_tenants.utils import schema_context

from apps.accounts.models import ApiToken
from apps.accounts.services import api_token_create
from apps.audit.models import AuditEvent
from tests.conftest import PASSWORD
from tests.utils import api_error

NOON = datetime(2030, 6, 14, 12, 0, tzinfo=UTC)
SETTINGS = "/settings/api-tokens/"


def bearer(client_for, secret, slug="alpha"):
    return client_for(None, slug, HTTP_AUTHORIZATION=f"Bearer {secret}")


def rows_containing(text: str, *schemas: str) -> list[str]:
    """Every table of ``schemas`` whose rows, as text, contain ``text`` (what a database dump would show)."""
    found = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_schema = ANY(%s) AND table_type = 'BASE TABLE'",
            [list(schemas)],
        )
        for schema, table in cursor.fetchall():
            cursor.execute(f'SELECT count(*) FROM "{schema}"."{table}" t WHERE t::text LIKE %s', [f"%{text}%"])
            if cursor.fetchone()[0]:
                found.append(f"{schema}.{table}")
    return found


def create_in_settings(client, name, expires="90"):
    return client.post(SETTINGS, {"name": name, "expires": expires})


def test_the_database_holds_no_plaintext_token(w, client_for):
    exchanged = (
        client_for(None, "alpha")
        .post(
            "/api/v1/auth/token/", {"email": "alice@alpha.test", "password": PASSWORD}, content_type="application/json"
        )
        .json()["token"]
    )
    page = create_in_settings(client_for(w.alice, "alpha"), "Terraform")
    created = ApiToken.objects.get(user=w.alice, name="Terraform")
    shown = page.context["issued"].secret

    for secret in (exchanged, shown):
        assert secret.startswith("izt_") and len(secret) == 4 + 64
        assert rows_containing(secret, "public", w.alpha.schema_name) == []
        assert rows_containing(secret[15:], "public", w.alpha.schema_name) == []
        assert bearer(client_for, secret).get("/api/v1/me/").status_code == 200
    assert len(created.digest) == 128 and created.token_key == shown[:15]
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('public.authtoken_token')")
        assert cursor.fetchone()[0] is None  # DRF's plaintext table is gone


def test_secret_is_shown_once_on_creation_and_never_again(w, client_for):
    client = client_for(w.alice, "alpha")
    created = create_in_settings(client, "Grafana")
    assert created.status_code == 200
    secret = created.context["issued"].secret
    assert secret.encode() in created.content
    assert "no-store" in created["Cache-Control"]

    listing = client.get(SETTINGS)
    assert listing.status_code == 200
    assert secret.encode() not in listing.content
    assert secret[:15].encode() in listing.content  # the prefix tells tokens apart


def test_several_named_tokens_are_listed_with_expiry_and_last_use(w, client_for):
    with time_machine.travel(NOON, tick=False):
        client = client_for(w.alice, "alpha")
        create_in_settings(client, "Terraform", expires="30")
        create_in_settings(client, "Grafana", expires="never")
        api_token_create(user=w.vera, name="Vera's script")

        tokens = list(client.get(SETTINGS).context["tokens"])

    assert sorted(t.name for t in tokens) == ["Grafana", "Terraform"]  # only the user's own
    by_name = {t.name: t for t in tokens}
    assert by_name["Terraform"].expiry == NOON + timedelta(days=30)
    assert by_name["Grafana"].expiry is None
    page = client.get(SETTINGS).content.decode()
    assert "Terraform" in page and "Grafana" in page and "Vera's script" not in page
    assert "14.07.2030" in page  # Terraform's expiry date
    assert "Не использовался" in page


def test_last_used_is_recorded_when_the_token_is_used(w, client_for):
    with time_machine.travel(NOON, tick=False):
        issued = api_token_create(user=w.alice, name="CI")
    assert ApiToken.objects.get(pk=issued.token.pk).last_used_at is None

    with time_machine.travel(NOON + timedelta(hours=3), tick=False):
        assert bearer(client_for, issued.secret).get("/api/v1/me/").status_code == 200
    assert ApiToken.objects.get(pk=issued.token.pk).last_used_at == NOON + timedelta(hours=3)

    with time_machine.travel(NOON + timedelta(days=2), tick=False):
        assert bearer(client_for, issued.secret).get("/api/v1/members/").status_code == 200
    assert ApiToken.objects.get(pk=issued.token.pk).last_used_at == NOON + timedelta(days=2)


def test_revoked_token_gets_401(w, client_for):
    issued = api_token_create(user=w.alice, name="CI")
    client = client_for(w.alice, "alpha")
    assert bearer(client_for, issued.secret).get("/api/v1/me/").status_code == 200

    response = client.post(f"{SETTINGS}{issued.token.token_key}/revoke/")

    assert response.status_code == 302
    assert not ApiToken.objects.filter(pk=issued.token.pk).exists()
    api_error(bearer(client_for, issued.secret).get("/api/v1/me/"), 401, "authentication_failed")


def test_expired_token_gets_401_and_stays_listed_as_expired(w, client_for):
    with time_machine.travel(NOON, tick=False):
        client = client_for(w.alice, "alpha")
        secret = create_in_settings(client, "Short-lived", expires="30").context["issued"].secret
    with time_machine.travel(NOON + timedelta(days=30, seconds=-1), tick=False):
        assert bearer(client_for, secret).get("/api/v1/me/").status_code == 200
    with time_machine.travel(NOON + timedelta(days=30, seconds=1), tick=False):
        api_error(bearer(client_for, secret).get("/api/v1/me/"), 401, "authentication_failed")
        page = client_for(w.alice, "alpha").get(SETTINGS).content.decode()
    assert "Short-lived" in page and "Истёк" in page


def test_password_exchange_token_expires_after_the_configured_days(w, client_for, settings):
    settings.API_TOKEN_EXCHANGE_TTL_DAYS = 7
    with time_machine.travel(NOON, tick=False):
        response = client_for(None, "alpha").post(
            "/api/v1/auth/token/",
            {"email": "alice@alpha.test", "password": PASSWORD, "name": "deploy.sh"},
            content_type="application/json",
        )
    assert set(response.json()) == {"token"}
    token = ApiToken.objects.get(user=w.alice)
    assert token.name == "deploy.sh" and token.expiry == NOON + timedelta(days=7)
    with time_machine.travel(NOON + timedelta(days=8), tick=False):
        api_error(bearer(client_for, response.json()["token"]).get("/api/v1/me/"), 401, "authentication_failed")


def test_a_user_cannot_revoke_someone_elses_token(w, client_for):
    issued = api_token_create(user=w.bob, name="Bob's")
    response = client_for(w.alice, "alpha").post(f"{SETTINGS}{issued.token.token_key}/revoke/")
    assert response.status_code == 404
    assert ApiToken.objects.filter(pk=issued.token.pk).exists()


def test_token_works_only_where_its_user_has_access(w, client_for):
    issued = api_token_create(user=w.alice, name="CI")
    assert bearer(client_for, issued.secret, "gamma").get("/api/v1/me/").status_code == 403
    assert bearer(client_for, issued.secret, "beta").get("/api/v1/me/").status_code == 403
    assert bearer(client_for, issued.secret, "alpha").get("/api/v1/me/").status_code == 200


def test_create_and_revoke_are_audited_without_the_secret(w, client_for):
    client = client_for(w.adam, "alpha")
    issued = create_in_settings(client, "Terraform", expires="never").context["issued"]
    client.post(f"{SETTINGS}{issued.token.token_key}/revoke/")

    with schema_context(w.alpha.schema_name):
        events = list(AuditEvent.objects.filter(action__startswith="api_token.").order_by("id"))
        assert [(e.action, e.actor_email, e.target) for e in events] == [
            ("api_token.created", "adam@alpha.test", "Terraform"),
            ("api_token.revoked", "adam@alpha.test", "Terraform"),
        ]
        assert events[0].data == {"prefix": issued.token.token_key, "expires": None}
        for event in events:
            assert issued.secret not in str(event.data)
    audit_page = client_for(w.alice, "alpha").get("/settings/audit/").content.decode()
    assert "API-токен создан" in audit_page and "API-токен отозван" in audit_page


def test_password_exchange_is_audited_in_the_organization(w, client_for):
    client_for(None, "alpha").post(
        "/api/v1/auth/token/", {"email": "vera@alpha.test", "password": PASSWORD}, content_type="application/json"
    )
    with schema_context(w.alpha.schema_name):
        assert AuditEvent.objects.filter(action="api_token.created", actor_email="vera@alpha.test").count() == 1


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
def test_a_token_needs_a_sensible_name(w, client_for, name):
    response = create_in_settings(client_for(w.alice, "alpha"), name)
    assert response.status_code == 400
    assert response.context["issued"] is None
    assert not ApiToken.objects.filter(user=w.alice).exists()


def test_every_role_can_manage_own_tokens(w, client_for):
    for user in (w.vera, w.fiona, w.erin):
        assert client_for(user, "alpha").get(SETTINGS).status_code == 200
    assert client_for(w.charlie, "alpha").get(SETTINGS).status_code == 403


def test_upgrading_drops_drf_authtokens_plaintext_table(w):
    """A database that used DRF's authtoken loses its table of plaintext keys (and the app's migration records)."""
    import importlib

    from django.db import migrations
    from django.db.migrations.state import ProjectState

    upgrade = importlib.import_module("apps.accounts.migrations.0002_api_tokens").Migration
    drop = next(op for op in upgrade.operations if isinstance(op, migrations.RunSQL))
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, created timestamptz, user_id bigint)"
        )
        cursor.execute(
            "INSERT INTO authtoken_token VALUES ('9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b', now(), %s)", [w.alice.pk]
        )
        cursor.execute("INSERT INTO django_migrations (app, name, applied) VALUES ('authtoken', '0001_initial', now())")

    with connection.schema_editor() as editor:
        drop.database_forwards("accounts", editor, ProjectState(), ProjectState())

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('authtoken_token')")
        assert cursor.fetchone()[0] is None
        cursor.execute("SELECT count(*) FROM django_migrations WHERE app = 'authtoken'")
        assert cursor.fetchone()[0] == 0


def test_long_expired_tokens_are_removed_when_the_user_creates_another(w, settings):
    settings.API_TOKEN_EXPIRED_KEEP_DAYS = 30
    with time_machine.travel(NOON, tick=False):
        old = api_token_create(user=w.alice, name="old", expires_at=NOON + timedelta(days=1)).token
        recent = api_token_create(user=w.alice, name="recent", expires_at=NOON + timedelta(days=20)).token
        other = api_token_create(user=w.vera, name="vera's", expires_at=NOON + timedelta(days=1)).token
    with time_machine.travel(NOON + timedelta(days=1 + 30, seconds=1), tick=False):
        api_token_create(user=w.alice, name="new")
    assert set(ApiToken.objects.filter(user=w.alice).values_list("name", flat=True)) == {"recent", "new"}
    assert ApiToken.objects.filter(pk__in=[recent.pk, other.pk]).count() == 2
    assert not ApiToken.objects.filter(pk=old.pk).exists()
