"""Rows imported before 0005/0006 kept these FOCUS columns in ``extras``: move them to their new columns
(and out of ``extras``), then rebuild the rollups of the days that carry split cost allocation so the new
rollup dimensions are filled for them too."""

from django.db import migrations

TEXT = {
    "BillingAccountType": "billing_account_type", "SubAccountType": "sub_account_type",
    "PricingCurrency": "pricing_currency", "SkuMeter": "sku_meter", "SkuPriceDetails": "sku_price_details",
    "CapacityReservationId": "capacity_reservation_id", "CapacityReservationStatus": "capacity_reservation_status",
    "CommitmentDiscountUnit": "commitment_discount_unit", "ServiceProviderName": "service_provider_name",
    "HostProviderName": "host_provider_name", "ContractApplied": "contract_applied",
    "AllocatedMethodId": "allocated_method_id", "AllocatedMethodDetails": "allocated_method_details",
    "AllocatedResourceId": "allocated_resource_id", "AllocatedResourceName": "allocated_resource_name",
    "AllocatedTags": "allocated_tags",
}
NUMBER = {
    "PricingCurrencyContractedUnitPrice": "pricing_currency_contracted_unit_price",
    "PricingCurrencyEffectiveCost": "pricing_currency_effective_cost",
    "PricingCurrencyListUnitPrice": "pricing_currency_list_unit_price",
    "CommitmentDiscountQuantity": "commitment_discount_quantity",
}
KEYS = ", ".join(f"'{key}'" for key in [*TEXT, *NUMBER])
SETS = ", ".join(
    [f"{column} = COALESCE(extras ->> '{key}', '')" for key, column in TEXT.items()]
    + [f"{column} = NULLIF(extras ->> '{key}', '')::numeric" for key, column in NUMBER.items()]
    + [f"extras = extras - ARRAY[{KEYS}]"])
# Values were checked by the importer (numbers against its number pattern); the status is 16 characters.
MOVE = f"UPDATE costs_costrecord SET {SETS} WHERE extras ?| ARRAY[{KEYS}]"  # noqa: S608 -- fixed names


def refresh_allocated_days(apps, schema_editor):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT MIN(charge_date), MAX(charge_date) FROM costs_costrecord "
                       "WHERE allocated_method_id <> '' OR allocated_resource_id <> ''")
        first, last = cursor.fetchone()
    if first is None:
        return
    from apps.costs.services.rollups import cost_rollups_refresh

    cost_rollups_refresh(start=first, end=last, fetch_missing_rates=False)


class Migration(migrations.Migration):
    dependencies = [("costs", "0006_focus_1_3_allocation")]

    operations = [
        migrations.RunSQL(MOVE, migrations.RunSQL.noop),
        migrations.RunPython(refresh_allocated_days, migrations.RunPython.noop),
    ]
