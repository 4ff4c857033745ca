"""python manage.py export_focus --org SLUG --start YYYY-MM-DD --end YYYY-MM-DD [--output csv|parquet]
[--names latin|original] FILE"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import schema_context

from apps.common.errors import ApplicationError
from apps.tenants.models import Organization


class Command(BaseCommand):
    help = ("Export an organization's cost ledger for a range of charge dates as a FOCUS 1.2 dataset (CSV or "
            "Parquet).")

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--org", required=True, help="organization slug")
        parser.add_argument("--start", required=True, help="first charge date, YYYY-MM-DD")
        parser.add_argument("--end", required=True, help="last charge date, YYYY-MM-DD (inclusive)")
        parser.add_argument("--output", choices=("csv", "parquet"), default="csv")
        parser.add_argument("--names", choices=("latin", "original"), default="latin",
                            help="latin: names in other alphabets transliterated, originals in x_OriginalNames "
                                 "(default); original: the provider's text unchanged")

    def handle(self, *args, **options):
        from apps.costs.forms import focus_export_params
        from apps.costs.selectors.focus_export import focus_export_chunks

        try:
            params = focus_export_params({"start": options["start"], "end": options["end"],
                                          "output": options["output"], "names": options["names"]})
        except ApplicationError as exc:
            problems = "; ".join(f"{name}: {' '.join(messages)}" for name, messages in exc.extra.items())
            raise CommandError(f"{exc.message} {problems}") from None
        org = Organization.objects.filter(slug=options["org"]).first()
        if org is None:
            raise CommandError(f"No organization {options['org']!r}")
        path = options["file"]
        written = 0
        with schema_context(org.schema_name):
            chunks = focus_export_chunks(start=params["start"], end=params["end"], output=params["output"],
                                         names=params["names"])
            with open(path, "wb") as target:
                for chunk in chunks:
                    target.write(chunk)
                    written += len(chunk)
        self.stderr.write(f"FOCUS {params['output']} of {org.slug}, {params['start']} - {params['end']}: "
                          f"{written} bytes written to {path}.")
