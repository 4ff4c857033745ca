from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from apps.common.errors import ApplicationError
from apps.currency.services import rates_fetch_cbr_range


class Command(BaseCommand):
    help = "Fetch Central Bank of Russia daily rates for a range of dates (public schema)."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", type=date.fromisoformat, help="YYYY-MM-DD (default: today)")
        parser.add_argument("--to", dest="end", type=date.fromisoformat, help="YYYY-MM-DD (default: --from)")
        parser.add_argument("--all", action="store_true", help="re-fetch days that already have rates")

    def handle(self, *args, start=None, end=None, all=False, **options):
        start = start or timezone.localdate()
        end = end or start
        if end < start:
            raise CommandError("--to is before --from")
        try:
            fetched = rates_fetch_cbr_range(start=start, end=end, only_missing=not all)
        except ApplicationError as exc:
            raise CommandError(f"{exc.code.value}: {exc.message}") from None
        self.stdout.write(f"Fetched {len(fetched)} day(s) of CBR rates between {start} and {end}.")
