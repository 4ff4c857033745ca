"""``python manage.py run_checks --org SLUG``: run the checks in the organization's schema now, then deliver the
pending alerts synchronously (waiting out a Telegram ``retry_after`` of up to 60 s) and print what was sent."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import get_tenant_model, schema_context

MAX_WAIT_SECONDS = 60


class Command(BaseCommand):
    help = "Run the checks (anomalies, runway, budgets) of one organization and deliver its pending alerts."

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="The organization's slug.")

    def handle(self, *args, **options):
        from apps.budgets.checks import checks_run
        from apps.notifications.models import Alert
        from apps.notifications.services import alerts_deliver_pending
        from apps.notifications.vocabulary import PENDING

        slug = options["org"]
        organization = get_tenant_model().objects.filter(slug=slug).first()
        if organization is None:
            raise CommandError(f"No organization with the slug {slug!r}.")
        with schema_context(organization.schema_name):
            result = checks_run()
            for path, counts in result["steps"].items():
                shown = ", ".join(f"{k}={v}" for k, v in counts.items())
                self.stdout.write(f"step {path}: {shown}")
            for path, error in result["errors"].items():
                self.stderr.write(f"step {path} failed: {error}")
            pending = list(Alert.objects.filter(status__in=PENDING).values_list("pk", flat=True))
            sent = alerts_deliver_pending(max_wait=MAX_WAIT_SECONDS)
            for alert in Alert.objects.filter(pk__in=pending).select_related("channel").order_by("sent_at", "id"):
                line = f"{alert.kind}\t{alert.channel.kind}:{alert.channel.name or alert.channel_id}\t{alert.status}"
                if alert.error and alert.status != "sent":
                    line += f"\t{alert.error}"
                self.stdout.write(f"{line}\t{alert.title}")
            waiting = Alert.objects.filter(status__in=PENDING).count()
            self.stdout.write(f"sent {len(sent)}, still queued {waiting}")
