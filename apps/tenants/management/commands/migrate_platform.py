from django.core.management import call_command
from django.core.management.base import BaseCommand

from apps.tenants.services import platform_bootstrap


class Command(BaseCommand):
    help = "Migrate the public schema, every organization and the template schema new organizations clone."

    def add_arguments(self, parser):
        parser.add_argument("--executor", default="standard", choices=["standard", "multiprocessing"])

    def handle(self, *args, **options):
        verbosity = options["verbosity"]
        call_command("migrate_schemas", shared=True, interactive=False, verbosity=verbosity)
        platform_bootstrap(migrate_template=True, verbosity=verbosity)
        call_command("migrate_schemas", tenant=True, interactive=False, verbosity=verbosity,
                     executor=options["executor"])
        self.stdout.write(self.style.SUCCESS("Platform schemas are up to date."))
