"""Ledger signatures as the allocation rules see them.

A *signature* is one distinct combination of the ledger columns rules read (``SIGNATURE_COLUMNS``: connection,
provider, accounts, service, region, type, resource, SKU, name, tags). ``signature_attrs_build`` turns such rows
into ``SignatureAttrs`` with what the inventory knows of their resources (name, kind, provider, cloud/folder/
project, tags): the rollups (``services.allocation_rollup``) and the rule preview share it, so a preview shows
exactly what an apply would do. ``signatures_with_cost`` reads the distinct signatures of a date range with their
billed cost in the organization's currency (summed in SQL; amounts still waiting for an exchange rate are left out).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import connection

from apps.allocation.engine import SignatureAttrs
from apps.currency.selectors import scope_schema
from apps.inventory.models import Resource, ResourceTag
from apps.providers.models import ProviderConnection

from ..conversion_sql import rate_lateral_sql, rate_sql
from ..models import CostRecord, TagSet
from .ledger import organization_currency

# Ledger (and rollup stage) columns a signature is made of, in the order ``signature_attrs_build`` reads them.
SIGNATURE_COLUMNS = ("connection_id", "provider_name", "billing_account_id", "sub_account_id", "service_name",
                     "region_id", "resource_type", "resource_id", "sku_id", "resource_name", "tags")


def _hierarchy(*values: Any) -> tuple[str, ...]:
    return tuple(dict.fromkeys(str(v) for v in values if v not in (None, "")))


def signature_attrs_build(rows: list[tuple]) -> list[SignatureAttrs]:
    """``rows``: tuples of ``SIGNATURE_COLUMNS`` (tags as JSON text) -> what the rules see of each, in order."""
    pairs = {(row[0], row[7]) for row in rows if row[7]}
    resources = _resources(pairs)
    providers = dict(ProviderConnection.objects.values_list("id", "provider"))
    signatures = []
    for row in rows:
        (connection_id, provider_name, billing_account, sub_account, service, region, rtype, resource_id,
         sku, resource_name, tags_text) = row
        res = resources.get((connection_id, resource_id))
        try:
            tags = json.loads(tags_text) if isinstance(tags_text, str) and tags_text else (tags_text or {})
        except ValueError:
            tags = {}
        tags = {str(k): "" if v is None else str(v) for k, v in tags.items()} if isinstance(tags, dict) else {}
        values: dict[str, tuple[str, ...]] = {
            "provider": _hierarchy(provider_name, providers.get(connection_id), res and res["provider"]),
            "connection": _hierarchy(connection_id),
            "hierarchy": _hierarchy(billing_account, sub_account, res and res["account_id"],
                                    res and res["project_id"], *(res["hierarchy_names"] if res else ())),
            "region": _hierarchy(region, res and res["region"]),
            "type": _hierarchy(rtype, res and res["resource_type"]),
            "kind": _hierarchy(res and res["kind"]),
            "service": _hierarchy(service, res and res["service_name"]),
            "sku": _hierarchy(sku),
            "name": _hierarchy(res and res["resource_name"], resource_name, resource_id),
        }
        if res:
            tags = {**res["tags"], **tags}
        signatures.append(SignatureAttrs(values=values, tags=tags, connection_id=connection_id,
                                         resource_id=resource_id or ""))
    return signatures


def _resources(pairs: set[tuple[int | None, str]]) -> dict[tuple[int, str], dict[str, Any]]:
    """What the inventory knows of the resources of ``pairs`` (connection id, resource id), with their tags."""
    if not pairs:
        return {}
    wanted = {(c, r) for c, r in pairs if c is not None}
    connections = sorted({c for c, _r in wanted})
    resource_ids = sorted({r for _c, r in wanted})
    found: dict[tuple[int, str], dict[str, Any]] = {}
    ids: dict[int, tuple[int, str]] = {}
    fields = ("id", "connection_id", "resource_id", "resource_name", "provider", "region", "account_id",
              "project_id", "resource_type", "kind", "service_name", "provider_config")
    # One query per 5 000 ids whatever the number of connections (a pair of another connection is skipped).
    for start in range(0, len(resource_ids), 5000):
        for res in Resource.objects.filter(connection_id__in=connections,
                                           resource_id__in=resource_ids[start:start + 5000]).values(*fields):
            key = (res["connection_id"], res["resource_id"])
            if key not in wanted:
                continue
            config = res.pop("provider_config") or {}
            res["hierarchy_names"] = tuple(str(config[k]) for k in ("cloud_name", "folder_name", "project_name",
                                                                    "project") if config.get(k))
            res["tags"] = {}
            found[key] = res
            ids[res["id"]] = key
    id_list = list(ids)
    for start in range(0, len(id_list), 20000):
        for resource_id, key, value in ResourceTag.objects.filter(
                resource_id__in=id_list[start:start + 20000]).values_list("resource_id", "key", "value"):
            found[ids[resource_id]]["tags"][key] = value
    return found


@dataclass
class SignatureCosts:
    """The signatures of a period (``attrs``) with each one's billed cost (``costs``, same order)."""

    start: date
    end: date
    currency: str
    attrs: list[SignatureAttrs]
    costs: list[Decimal]
    names: list[str]


def signatures_with_cost(*, start: date, end: date) -> SignatureCosts:
    """The ledger's distinct signatures of ``start..end`` (inclusive charge dates) with their billed cost in the
    organization's currency: one GROUP BY in SQL (converted per billing currency and day, as the rollups do)."""
    org = organization_currency()
    ledger = CostRecord._meta.db_table
    cols = ", ".join(f"r.{c}" for c in SIGNATURE_COLUMNS if c != "tags")
    g_cols = ", ".join(f"g.{c}" for c in SIGNATURE_COLUMNS if c != "tags")
    from_rate = rate_sql(currency_sql="g.billing_currency", alias="rf")
    to_rate = rate_sql(currency_sql="%(org)s", alias="rt")
    sql = f"""
        SELECT {g_cols}, COALESCE(t.tags::text, '{{}}'),
               SUM(CASE WHEN g.billing_currency = %(org)s THEN g.billed ELSE g.billed * {from_rate} / {to_rate} END)
        FROM (
            SELECT {cols}, r.tag_set_id, r.billing_currency, r.charge_date, SUM(r.billed_cost) AS billed
            FROM {ledger} r
            WHERE r.charge_date BETWEEN %(start)s AND %(end)s
            GROUP BY {cols}, r.tag_set_id, r.billing_currency, r.charge_date
        ) g
        LEFT JOIN {TagSet._meta.db_table} t ON t.id = g.tag_set_id
        {rate_lateral_sql(currency_sql="g.billing_currency", date_sql="g.charge_date", alias="rf")}
        {rate_lateral_sql(currency_sql="%(org)s", date_sql="g.charge_date", alias="rt")}
        GROUP BY {g_cols}, t.id
    """  # noqa: S608 -- identifiers from the models, values bound
    with connection.cursor() as cursor:
        cursor.execute(sql, {"start": start, "end": end, "org": org, "rate_schema": scope_schema()})
        rows = cursor.fetchall()
    attrs = signature_attrs_build([row[:-1] for row in rows])
    costs = [row[-1] if row[-1] is not None else Decimal(0) for row in rows]
    names = [(a.values.get("name") or (a.resource_id,))[0] for a in attrs]
    return SignatureCosts(start=start, end=end, currency=org, attrs=attrs, costs=costs, names=names)
