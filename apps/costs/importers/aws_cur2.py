"""AWS CUR 2.0 (Data Exports ``COST_AND_USAGE_REPORT``; Parquet or gzip CSV) mapped to FOCUS.

The same mapping as the legacy report (``aws_cur``; the converter's ``aws.csv`` names the snake_case columns), with
CUR 2.0's own shape: fixed snake_case headers, the tags in one map column ``resource_tags`` (a Parquet map, JSON
text in CSV) whose cost allocation tag keys start with ``user_``; the legacy report's Athena/Parquet layout
(``line_item_*`` headers with one ``resource_tags_user_<key>`` column per tag) is read here too. ``product``,
``cost_category`` and ``discount`` (maps) are kept as extras, as JSON text.
"""

from __future__ import annotations

import pyarrow as pa

from .aws_cur import PROVIDER as PROVIDER  # the same provider in messages and ProviderName
from .aws_cur import Layout, convert

FORMAT = "aws_cur2"
CONNECTION_PROVIDERS = ("aws",)
SOURCE_PREFIX = "aws_cur"  # shared with the legacy layout: a re-export in the other layout replaces it
NOTE = "native"
SOURCE_BY_DAY = False

NAMES: dict[str, tuple[str, ...]] = {
    "payer": ("bill_payer_account_id",),
    "payer_name": ("bill_payer_account_name",),
    "bp_start": ("bill_billing_period_start_date",),
    "bp_end": ("bill_billing_period_end_date",),
    "invoice_id": ("bill_invoice_id",),
    "invoicing_entity": ("bill_invoicing_entity",),
    "usage_account": ("line_item_usage_account_id",),
    "usage_account_name": ("line_item_usage_account_name",),
    "type": ("line_item_line_item_type",),
    "start": ("line_item_usage_start_date",),
    "end": ("line_item_usage_end_date",),
    "product_code": ("line_item_product_code",),
    "usage_amount": ("line_item_usage_amount",),
    "currency": ("line_item_currency_code",),
    "unblended": ("line_item_unblended_cost",),
    "net_unblended": ("line_item_net_unblended_cost",),
    "description": ("line_item_line_item_description",),
    "legal_entity": ("line_item_legal_entity",),
    "resource_id": ("line_item_resource_id",),
    "az": ("line_item_availability_zone",),
    "usage_type": ("line_item_usage_type",),
    "region": ("product_region",),
    "region_code": ("product_region_code",),
    "sku": ("product_sku",),
    "pricing_unit": ("pricing_unit",),
    "od_cost": ("pricing_public_on_demand_cost",),
    "od_rate": ("pricing_public_on_demand_rate",),
    "rate_code": ("pricing_rate_code",),
    "rate_id": ("pricing_rate_id",),
    "term": ("pricing_term",),
    # CUR 2.0 spells the ARNs "a_r_n"; the converter's rules (and the legacy Athena layout) "arn".
    "ri_arn": ("reservation_reservation_a_r_n", "reservation_reservation_arn"),
    "ri_effective": ("reservation_effective_cost",),
    "ri_net_effective": ("reservation_net_effective_cost",),
    "ri_unused_upfront": ("reservation_unused_amortized_upfront_fee_for_billing_period",),
    "ri_net_unused_upfront": ("reservation_net_unused_amortized_upfront_fee_for_billing_period",),
    "ri_unused_recurring": ("reservation_unused_recurring_fee",),
    "ri_net_unused_recurring": ("reservation_net_unused_recurring_fee",),
    "ri_total_units": ("reservation_total_reserved_units",),
    "sp_arn": ("savings_plan_savings_plan_a_r_n", "savings_plan_savings_plan_arn"),
    "sp_effective": ("savings_plan_savings_plan_effective_cost",),
    "sp_net_effective": ("savings_plan_net_savings_plan_effective_cost",),
    "sp_total": ("savings_plan_total_commitment_to_date",),
    "sp_used": ("savings_plan_used_commitment",),
}
REQUIRED = ("line_item_line_item_type", "line_item_usage_start_date", "line_item_usage_end_date",
            "line_item_unblended_cost", "line_item_currency_code", "bill_payer_account_id",
            "bill_billing_period_start_date")
KEEP_AS = {"line_item_usage_type": "x_UsageType", "line_item_operation": "x_Operation",
           "product_servicecode": "x_ServiceCode"}
CUR2 = Layout(NAMES, keep_as=KEEP_AS, tag_prefix="resource_tags_", user_tag="user_", tag_map_column="resource_tags")


def detect(columns: list[str]) -> bool:
    names = set(columns)
    return all(c in names for c in REQUIRED)


def to_focus(batch: pa.RecordBatch, *, cost_type: str = "actual") -> pa.RecordBatch:
    return convert(batch, CUR2)


def output_columns(native_columns: list[str], *, cost_type: str = "actual") -> list[str]:
    return CUR2.output_columns(native_columns)


def column_map(native_columns: list[str]) -> tuple[dict[str, str], dict[str, str]]:
    return CUR2.column_map(native_columns)
