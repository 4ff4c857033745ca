"""``python manage.py detect_anomalies --org SLUG``: run the daily anomaly detection now and print what it found."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import get_tenant_model, schema_context

from apps.common.numbers import format_money


class Command(BaseCommand):
    help = "Detect cost anomalies for one organization (synchronously)."

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="The organization's slug (or schema name).")

    def handle(self, *args, org: str, **options):
        from apps.anomalies.services import anomalies_detect

        model = get_tenant_model()
        organization = model.objects.filter(slug=org).first() or model.objects.filter(schema_name=org).first()
        if organization is None or organization.schema_name == "public":
            raise CommandError(f"No organization {org!r}.")
        with schema_context(organization.schema_name):
            result = anomalies_detect()
        self.stdout.write(f"Detection up to {result.end}: {result.scopes} scopes; {len(result.created)} new, "
                          f"{len(result.updated)} updated.")
        for anomaly in result.created + result.updated:
            self.stdout.write(f"  {anomaly.first_date}..{anomaly.date} {anomaly.scope_type} "
                              f"{anomaly.scope_label or anomaly.scope_key}: {anomaly.kind}, "
                              f"+{format_money(anomaly.impact, anomaly.currency)} ({anomaly.status})")
