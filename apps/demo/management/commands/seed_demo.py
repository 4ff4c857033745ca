from django.conf import settings
from django.core.management.base import BaseCommand

from apps.demo.services import demo_seed


class Command(BaseCommand):
    help = "Create (or refresh) the demo organizations and users. Idempotent."

    def handle(self, *args, **options):
        result = demo_seed()
        self.stdout.write(self.style.SUCCESS("Demo data is ready:"))
        for line in result.summary_lines():
            self.stdout.write(f"  {line}")
        self.stdout.write(f"  password: DEMO_PASSWORD (default «{settings.DEMO_PASSWORD_DEFAULT}»)")
