"""SQL of the conversion to the organization's currency, shared by the rollups and the reads of the ledger that
convert as they do (``selectors.allocation_signatures``)."""

from __future__ import annotations

from django.db import connection
from django_tenants.utils import get_public_schema_name


def rate_lateral_sql(*, currency_sql: str, date_sql: str, alias: str) -> str:
    """A LATERAL subquery giving ``<alias>.rate_rub``: roubles per unit of ``currency_sql`` on ``date_sql``, the
    rate ``apps.currency.selectors.rate_lookup`` picks (the shared rates and the organization's own manual ones,
    ``%(rate_schema)s``; on the same date the organization's manual rate, then support's, then the Bank's)."""
    public = connection.ops.quote_name(get_public_schema_name())
    # Only identifiers and SQL fragments of this module are interpolated; values are always parameters.
    return (
        f"LEFT JOIN LATERAL (SELECT e.rate_rub FROM {public}.currency_exchangerate e "  # noqa: S608
        f"WHERE e.currency = {currency_sql} AND e.date <= {date_sql} AND e.schema_name IN ('', %(rate_schema)s) "
        f"ORDER BY e.date DESC, (e.source = 'manual') DESC, (e.schema_name <> '') DESC LIMIT 1) {alias} ON TRUE"
    )


def rate_sql(*, currency_sql: str, alias: str) -> str:
    return f"(CASE WHEN {currency_sql} IN ('RUB', 'RUR') THEN 1 ELSE {alias}.rate_rub END)"
