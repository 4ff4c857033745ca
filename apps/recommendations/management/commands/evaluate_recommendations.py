"""``python manage.py evaluate_recommendations --org SLUG``: evaluate now, print counts and the monthly total."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import get_tenant_model, schema_context

from apps.common.numbers import format_money


class Command(BaseCommand):
    help = "Evaluate the recommendation rules and policies for one organization (synchronously)."

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="The organization's slug (or schema name).")

    def handle(self, *args, org: str, **options):
        from apps.recommendations.selectors import findings_summary
        from apps.recommendations.services import evaluate_now
        from apps.recommendations.vocabulary import Category, RunTrigger

        model = get_tenant_model()
        organization = (model.objects.filter(slug=org).first() if hasattr(model, "slug") else None) or \
            model.objects.filter(schema_name=org).first()
        if organization is None or organization.schema_name == "public":
            raise CommandError(f"No organization {org!r}.")
        with schema_context(organization.schema_name):
            run = evaluate_now(trigger=RunTrigger.COMMAND)
            summary = findings_summary()
        self.stdout.write(f"Evaluation #{run.pk}: {run.status}; {run.resources} resources; "
                          f"{run.findings_created} new, {run.findings_updated} updated, {run.findings_closed} closed, "
                          f"{run.findings_verified} verified; {run.findings_open} open.")
        for error in run.errors:
            self.stdout.write(f"  rule {error['rule']} failed: {error['message']}")
        for category in Category.values:
            count = summary["open_by_category"].get(category, 0)
            if count:
                self.stdout.write(f"  {category}: {count} open, "
                                  f"{format_money(summary['potential_by_category'][category], summary['currency'])}")
        self.stdout.write(f"Potential monthly savings: "
                          f"{format_money(summary['potential_monthly_savings'], summary['currency'])}")
