from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection
from django_tenants.utils import get_public_schema_name

from apps.tenants.migration import applied_counts, schemas_behind
from apps.tenants.models import Organization
from apps.tenants.services import platform_bootstrap


def _organization_schemas() -> list[str]:
    public = get_public_schema_name()
    with connection.cursor() as cursor:  # a brand-new database has no organization table yet
        cursor.execute("SELECT to_regclass(%s)", [f'"{public}"."{Organization._meta.db_table}"'])
        if cursor.fetchone()[0] is None:
            return []
    return list(Organization.objects.exclude(schema_name=public).values_list("schema_name", flat=True))


class Command(BaseCommand):
    help = (
        "Migrate the public schema, the template schema new organizations clone and every organization that is "
        "behind (up-to-date schemas are skipped; the others share one rendering of the migration state and are "
        "split between processes when there are many)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--executor",
            default="batch",
            choices=["batch", "standard", "multiprocessing"],
            help="batch (default): apps.tenants.migration.BatchExecutor; standard and multiprocessing: "
            "django-tenants' own (Django's migrate command in each schema).",
        )

    def handle(self, *args, **options):
        verbosity = options["verbosity"]
        public, template = get_public_schema_name(), settings.TENANT_BASE_SCHEMA
        before = applied_counts([public, template, *_organization_schemas()])
        call_command("migrate_schemas", shared=True, interactive=False, verbosity=verbosity)
        platform_bootstrap(migrate_template=True, verbosity=verbosity)
        organizations = _organization_schemas()
        behind = schemas_behind(organizations)
        if behind:
            call_command(
                "migrate_schemas", tenant=True, interactive=False, verbosity=verbosity, executor=options["executor"]
            )
            connection.set_schema_to_public()
        after = applied_counts([public, template, *organizations])
        applied = {schema: after[schema] - before.get(schema, 0) for schema in after}
        if not any(applied.values()):
            self.stdout.write(
                self.style.SUCCESS(f"Platform schemas are up to date ({len(organizations)} organizations).")
            )
            return
        migrated = sum(1 for schema in organizations if applied[schema])
        self.stdout.write(
            self.style.SUCCESS(
                f"Migrated the public schema ({applied[public]} migrations applied), "
                f"the template schema ({applied[template]}) "
                f"and {migrated} of {len(organizations)} organizations "
                f"({sum(applied[schema] for schema in organizations)})."
            )
        )
