"""Writes for cloud connections. Every change writes an audit row; secrets never leave this module
except towards the provider plugin."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connection as db_connection
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import audit_event_record
from apps.common.cache import organization_data_changed
from apps.common.errors import ApplicationError, ErrorCode

from . import registry
from .exceptions import ProviderError, ProviderErrorCode
from .models import ConnectionStatus, ProviderConnection
from .plugins.base import AccountInfo, ProviderPlugin
from .schedules import sync_schedule_delete, sync_schedule_update

_CLIENT_FAULTS = {ProviderErrorCode.AUTH, ProviderErrorCode.PERMISSION}


def _audit(action: str, *, actor, connection: ProviderConnection, data: dict[str, Any] | None = None) -> None:
    audit_event_record(
        schema_name=db_connection.schema_name, action=action, actor=actor,
        target=f"connection:{connection.pk}",
        data={"provider": connection.provider, "name": connection.name, **(data or {})},
    )


def _spec(provider: str):
    try:
        return registry.get_spec(provider)
    except registry.UnknownProvider:
        raise ApplicationError(_("Unknown provider."), ErrorCode.INVALID, {"provider": [_("Unknown provider.")]}) \
            from None


def _field_key(name: str) -> str:
    """Where an error about one credential goes in the error's ``details``."""
    return f"credentials.{name}"


def _quoted(spec, names) -> list[str]:
    return [f"«{spec.field(name).label}»" for name in names]


def credentials_clean(*, provider: str, credentials: dict[str, Any],
                      existing: dict[str, Any] | None = None) -> dict[str, Any]:
    """Validate credentials against the provider spec: the one place that decides what a connection needs.

    Every ``required`` field, at least one whole ``credential_groups`` group and the fields a filled-in one
    names in ``credential_requires`` must be filled in; a value of
    whitespace only counts as missing. Errors name each field (``details["credentials.<name>"]``).
    On update (``existing`` given) the rules apply to the merged credentials: a secret left empty (or
    whitespace) or omitted keeps its stored value; a non-secret field omitted keeps its value, one sent
    empty clears it.
    """
    spec = _spec(provider)
    if not isinstance(credentials, dict):
        raise ApplicationError(_("Invalid input."), ErrorCode.INVALID,
                               {"credentials": [_("Expected an object with the provider's fields.")]})
    known = {f.name for f in spec.credential_fields}
    unknown = sorted(set(credentials) - known)
    errors: dict[str, list[str]] = {}
    if unknown:
        errors["credentials"] = [_("Unknown fields: %(fields)s.") % {"fields": ", ".join(unknown)}]
    result: dict[str, Any] = {k: v for k, v in (existing or {}).items() if isinstance(v, str) and v.strip()}
    for field in spec.credential_fields:
        value = credentials.get(field.name)
        if value is not None and not isinstance(value, str):
            errors.setdefault(_field_key(field.name), []).append(
                _("%(field)s must be text.") % {"field": field.label})
            continue
        value = value or ""
        if not field.secret:
            value = value.strip()
        if value.strip():
            result[field.name] = value
        elif field.name in credentials and not field.secret:
            result.pop(field.name, None)
    filled = {name for name, value in result.items() if name in known and value.strip()}
    for field in spec.credential_fields:
        if field.required and field.name not in filled and _field_key(field.name) not in errors:
            errors.setdefault(_field_key(field.name), []).append(
                _("%(field)s is required.") % {"field": field.label})
    groups = spec.credential_groups
    if groups and not any(set(group) <= filled for group in groups):
        choice = f" {_('or')} ".join(", ".join(_quoted(spec, group)) for group in groups)
        message = _("Fill in %(choice)s.") % {"choice": choice}
        for group in groups:
            for name in group:
                if name not in filled:
                    errors.setdefault(_field_key(name), []).append(message)
    for name, needed in spec.credential_requires.items():
        if name in filled:
            for other in needed:
                if other not in filled and _field_key(other) not in errors:
                    errors.setdefault(_field_key(other), []).append(
                        _("%(field)s is required when %(other)s is filled in.") % {
                            "field": spec.field(other).label, "other": spec.field(name).label})
    if errors:
        raise ApplicationError(_("Invalid input."), ErrorCode.INVALID, errors)
    return {k: v for k, v in result.items() if k in filled}


def endpoint_clean(endpoint: str | None) -> str:
    endpoint = (endpoint or "").strip()
    if endpoint and not settings.ALLOW_CUSTOM_PROVIDER_ENDPOINTS:
        raise ApplicationError(
            _("Custom API addresses are disabled on this server."), ErrorCode.INVALID,
            {"endpoint": [_("Custom API addresses are disabled on this server.")]},
        )
    if endpoint and not endpoint.startswith(("http://", "https://")):
        raise ApplicationError(_("Invalid input."), ErrorCode.INVALID, {"endpoint": [_("Enter an http(s) URL.")]})
    return endpoint.rstrip("/")


def effective_endpoint(connection: ProviderConnection) -> str:
    """A stored endpoint is used only while the server allows custom endpoints."""
    return connection.endpoint if settings.ALLOW_CUSTOM_PROVIDER_ENDPOINTS else ""


def connection_plugin(connection: ProviderConnection, **options: Any) -> ProviderPlugin:
    return registry.build_plugin(connection.provider, credentials=dict(connection.credentials or {}),
                                 endpoint=effective_endpoint(connection), **options)


def _name_taken(*, provider: str, name: str, exclude_id: int | None = None) -> bool:
    qs = ProviderConnection.objects.filter(provider=provider, name=name)
    if exclude_id is not None:
        qs = qs.exclude(pk=exclude_id)
    return qs.exists()


def provider_error_to_application(error: ProviderError) -> ApplicationError:
    """A provider failure as the API's one error shape: stable code, translated message, safe details."""
    extra = {k: v for k, v in error.as_dict().items() if k not in {"code", "message"}}
    status = 400 if error.code in _CLIENT_FAULTS else 502
    return ApplicationError(error.message, error.code, extra, http_status=status)


@transaction.atomic
def connection_create(*, provider: str, name: str, credentials: dict[str, Any], endpoint: str = "",
                      sync_interval_minutes: int | None = None, auto_sync: bool = True,
                      actor=None) -> ProviderConnection:
    cleaned = credentials_clean(provider=provider, credentials=credentials)
    name = name.strip()
    if _name_taken(provider=provider, name=name):
        raise ApplicationError(_("A connection with this name already exists."), ErrorCode.CONFLICT,
                               {"name": [_("A connection with this name already exists.")]}, http_status=409)
    conn = ProviderConnection(
        provider=provider, name=name, credentials=cleaned, endpoint=endpoint_clean(endpoint),
        auto_sync=auto_sync, created_by_id=getattr(actor, "pk", None),
    )
    if sync_interval_minutes:
        conn.sync_interval_minutes = sync_interval_minutes
    conn.save()
    sync_schedule_update(connection=conn)
    _audit("connection.created", actor=actor, connection=conn,
           data={"credential_fields": sorted(cleaned), "endpoint": conn.endpoint})
    organization_data_changed()
    return conn


@transaction.atomic
def connection_update(*, connection: ProviderConnection, actor=None, name: str | None = None,
                      credentials: dict[str, Any] | None = None, endpoint: str | None = None,
                      sync_interval_minutes: int | None = None, auto_sync: bool | None = None) -> ProviderConnection:
    """Change a connection. Secrets not re-entered are kept."""
    changed: list[str] = []
    if name is not None and name.strip() != connection.name:
        name = name.strip()
        if _name_taken(provider=connection.provider, name=name, exclude_id=connection.pk):
            raise ApplicationError(_("A connection with this name already exists."), ErrorCode.CONFLICT,
                                   {"name": [_("A connection with this name already exists.")]}, http_status=409)
        connection.name = name
        changed.append("name")
    if credentials is not None:
        cleaned = credentials_clean(provider=connection.provider, credentials=credentials,
                                    existing=dict(connection.credentials or {}))
        if cleaned != connection.credentials:
            connection.credentials = cleaned
            connection.status = ConnectionStatus.NEW
            changed.append("credentials")
    if endpoint is not None:
        cleaned_endpoint = endpoint_clean(endpoint) if endpoint.strip() else ""
        if cleaned_endpoint != connection.endpoint:
            connection.endpoint = cleaned_endpoint
            changed.append("endpoint")
    if sync_interval_minutes is not None and sync_interval_minutes != connection.sync_interval_minutes:
        connection.sync_interval_minutes = sync_interval_minutes
        changed.append("sync_interval_minutes")
    if auto_sync is not None and auto_sync != connection.auto_sync:
        connection.auto_sync = auto_sync
        changed.append("auto_sync")
    if changed:
        connection.save()
        if {"sync_interval_minutes", "auto_sync"} & set(changed):
            sync_schedule_update(connection=connection)
        _audit("connection.updated", actor=actor, connection=connection, data={"changed": changed})
        if "name" in changed:
            organization_data_changed()  # the dashboard's cached resource table shows connection names
    return connection


@transaction.atomic
def connection_delete(*, connection: ProviderConnection, actor=None) -> None:
    _audit("connection.deleted", actor=actor, connection=connection)
    sync_schedule_delete(connection=connection)
    connection.delete()
    organization_data_changed()  # its resources and costs leave the dashboard


def credentials_test(*, provider: str, credentials: dict[str, Any], endpoint: str = "", **options: Any) -> AccountInfo:
    """Check credentials before saving: nothing is stored. Raises ApplicationError on failure."""
    cleaned = credentials_clean(provider=provider, credentials=credentials)
    plugin = registry.build_plugin(provider, credentials=cleaned, endpoint=endpoint_clean(endpoint), **options)
    try:
        return plugin.test_connection()
    except ProviderError as exc:
        raise provider_error_to_application(exc) from None


def connection_test(*, connection: ProviderConnection, actor=None, **options: Any) -> AccountInfo:
    """Test a saved connection; record the outcome on it (status, account info, last error)."""
    now = timezone.now()
    try:
        info = connection_plugin(connection, **options).test_connection()
    except ProviderError as exc:
        connection.status = ConnectionStatus.ERROR
        connection.last_error_code = exc.code.value
        connection.last_error = str(exc)[:2000]
        connection.last_tested_at = now
        connection.save(update_fields=["status", "last_error_code", "last_error", "last_tested_at", "updated_at"])
        _audit("connection.tested", actor=actor, connection=connection, data={"ok": False, "code": exc.code.value})
        raise provider_error_to_application(exc) from None
    connection.status = ConnectionStatus.OK
    connection.last_error_code = ""
    connection.last_error = ""
    connection.last_tested_at = now
    connection.account_info = info.as_json()
    connection.save(update_fields=["status", "last_error_code", "last_error", "last_tested_at", "account_info",
                                   "updated_at"])
    _audit("connection.tested", actor=actor, connection=connection, data={"ok": True})
    return info


def connection_mark_connected(*, connection: ProviderConnection, account_info: dict[str, Any] | None = None,
                              replace: bool = False) -> ProviderConnection:
    """Record ``connection`` as connected and just synced without calling the provider (an estate seeded rather
    than fetched, like the demo's); ``account_info`` fills an empty one (``replace``: any one)."""
    now = timezone.now()
    fields: dict[str, Any] = {"status": ConnectionStatus.OK, "last_tested_at": now, "last_sync_at": now,
                              "last_error": "", "last_error_code": ""}
    if account_info and (replace or not connection.account_info):
        fields["account_info"] = account_info
    ProviderConnection.objects.filter(pk=connection.pk).update(**fields)
    connection.refresh_from_db()
    return connection
