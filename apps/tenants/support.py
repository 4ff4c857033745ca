"""Read-only look into one organization's schema for support staff. Secrets are never shown."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.db import models
from django_tenants.utils import schema_context

from .models import Organization

SECRET_FIELD_RE = re.compile(r"(password|secret|token|credential|api_?key|private|passphrase)", re.IGNORECASE)
MASK = "••••••"


@dataclass
class TableSnapshot:
    label: str
    verbose_name: str
    count: int
    columns: list[str] = field(default_factory=list)  # verbose names, in the active language
    fields: list[str] = field(default_factory=list)  # field names, same order
    rows: list[list[str]] = field(default_factory=list)


def _is_secret(model_field: models.Field) -> bool:
    return bool(SECRET_FIELD_RE.search(model_field.name)) or "encrypt" in type(model_field).__name__.lower()


def _tenant_models() -> list[type[models.Model]]:
    """Models of apps whose tables live only in organization schemas."""
    tenant_only = set(settings.TENANT_APPS) - set(settings.SHARED_APPS)
    return [
        model
        for config in apps.get_app_configs()
        if config.name in tenant_only
        for model in config.get_models()
        if not model._meta.proxy
    ]


def organization_data_snapshot(*, organization: Organization, rows: int = 20) -> list[TableSnapshot]:
    rows = max(1, min(rows, 200))
    tables: list[TableSnapshot] = []
    with schema_context(organization.schema_name):
        for model in _tenant_models():
            concrete = list(model._meta.concrete_fields)
            snapshot = TableSnapshot(
                label=model._meta.label,
                verbose_name=str(model._meta.verbose_name_plural),
                count=model.objects.count(),
                columns=[str(f.verbose_name) for f in concrete],
                fields=[f.name for f in concrete],
            )
            for obj in model.objects.order_by("-pk")[:rows]:
                snapshot.rows.append([MASK if _is_secret(f) else _short(f.value_from_object(obj)) for f in concrete])
            tables.append(snapshot)
    return tables


def _short(value) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= 120 else text[:117] + "…"
