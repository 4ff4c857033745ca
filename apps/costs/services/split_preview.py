"""The cost lines a shared cost's conditions match (its preview): the ledger read as the rollups read it, each
signature evaluated by ``apps.allocation.engine`` like ``allocation_rollup`` does, amounts converted to the
organization's currency like the rollups convert them."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import connection

from apps.allocation.engine import compile_rule, evaluate
from apps.currency.selectors import scope_schema

from ..models import CostRecord, TagSet
from ..selectors.allocation_signatures import SIGNATURE_COLUMNS, signature_attrs_build
from ..selectors.ledger import organization_currency
from .rollups import rate_lateral_sql, rate_sql


def shared_cost_lines(*, conditions: Any, start: date, end: date) -> list[dict[str, Any]]:
    """The ledger's cost lines of ``start..end`` that ``conditions`` (a shared cost's) match, as the rollups would
    see them: ``[{"charge_date", "resource_id", "name", "service", "cost"}]``, billed cost in the organization's
    currency (a line whose currency has no rate yet is left out), one item per day and signature. Other shared
    costs that might take a line first (by order) are not considered: this is what the conditions select."""
    compiled = compile_rule(id=0, conditions=conditions)
    columns = ", ".join(f"r.{c}" for c in SIGNATURE_COLUMNS if c != "tags")
    g_columns = ", ".join(f"g.{c}" for c in SIGNATURE_COLUMNS if c != "tags")
    from_rate = rate_sql(currency_sql="g.billing_currency", alias="rf")
    to_rate = rate_sql(currency_sql="%(org)s", alias="rt")
    sql = f"""
        SELECT {g_columns}, COALESCE(t.tags::text, '{{}}'), g.charge_date,
               CASE WHEN g.billing_currency = %(org)s THEN g.billed ELSE g.billed * {from_rate} / {to_rate} END
        FROM (
            SELECT {columns}, r.tag_set_id, r.charge_date, r.billing_currency, SUM(r.billed_cost) AS billed
            FROM {CostRecord._meta.db_table} r
            WHERE r.charge_date BETWEEN %(start)s AND %(end)s
            GROUP BY {columns}, r.tag_set_id, r.charge_date, r.billing_currency
        ) g
        LEFT JOIN {TagSet._meta.db_table} t ON t.id = g.tag_set_id
        {rate_lateral_sql(currency_sql="g.billing_currency", date_sql="g.charge_date", alias="rf")}
        {rate_lateral_sql(currency_sql="%(org)s", date_sql="g.charge_date", alias="rt")}
    """  # noqa: S608 -- identifiers from the models, values bound
    with connection.cursor() as cursor:
        cursor.execute(sql, {"start": start, "end": end, "org": organization_currency(),
                             "rate_schema": scope_schema()})
        rows = cursor.fetchall()
    signatures = signature_attrs_build([row[:len(SIGNATURE_COLUMNS)] for row in rows])
    matched = evaluate(signatures, rules=[], splits=[compiled]).split_of
    lines = []
    for row, sig, hit in zip(rows, signatures, matched, strict=True):
        if hit is None or row[-1] is None:
            continue
        names = sig.values.get("name", ())
        lines.append({"charge_date": row[-2], "resource_id": sig.resource_id, "name": names[0] if names else "",
                      "service": row[4] or "", "cost": row[-1]})
    return lines
