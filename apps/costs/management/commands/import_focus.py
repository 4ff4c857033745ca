"""python manage.py import_focus --org SLUG FILE [--connection ID] [--skip-invalid] [--cost-type actual|amortized]"""

from __future__ import annotations

import os

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import schema_context

from apps.tenants.models import Organization


class Command(BaseCommand):
    help = ("Import a FOCUS 1.0-1.3 billing file (CSV, gzip CSV, Parquet) or a provider's native billing export "
            "(detected from its header; see apps/costs/importers/native.py).")

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--org", required=True, help="organization slug")
        parser.add_argument("--connection", type=int, help="connection id the file belongs to")
        parser.add_argument("--skip-invalid", action="store_true", help="import the valid rows, list the others")
        parser.add_argument("--cost-type", choices=("actual", "amortized"), default="actual",
                            help="what a native export's cost column holds when its layout does not say "
                                 "(Azure cost details): amortized fills EffectiveCost")

    def handle(self, *args, **options):
        from apps.costs.services.imports import focus_file_import
        from apps.providers.models import ProviderConnection

        path = options["file"]
        if not os.path.isfile(path):
            raise CommandError(f"No such file: {path}")
        org = Organization.objects.filter(slug=options["org"]).first()
        if org is None:
            raise CommandError(f"No organization {options['org']!r}")
        with schema_context(org.schema_name):
            connection = None
            if options["connection"]:
                connection = ProviderConnection.objects.filter(pk=options["connection"]).first()
                if connection is None:
                    raise CommandError(f"No connection {options['connection']} in {org.slug}")

            def show(bi):
                done = f"{bi.rows_done:,}".replace(",", " ")
                self.stdout.write(f"\r{bi.status}: {done} rows, {bi.percent}%", ending="")
                self.stdout.flush()

            bi = focus_file_import(path=path, connection=connection, skip_invalid=options["skip_invalid"],
                                   cost_type=options["cost_type"], on_progress=show)
            self.stdout.write("")
            if bi.status != "success":
                for entry in bi.report[:20]:
                    self.stderr.write(f"  row {entry['row']}, {entry['column']}: "
                                      f"{entry['value']!r} - {entry['reason']}")
                raise CommandError(f"Import {bi.pk} failed: {bi.error}")
            self.stdout.write(self.style.SUCCESS(
                f"Import {bi.pk}: {bi.rows_imported} rows imported, {bi.rows_skipped} skipped, "
                f"{bi.rows_replaced} replaced ({bi.format}, FOCUS {bi.focus_version}, "
                f"{bi.period_start} - {bi.period_end})."))
