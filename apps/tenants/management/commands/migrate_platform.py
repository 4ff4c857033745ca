from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection
from django_tenants.utils import get_public_schema_name

from apps.tenants.models import Organization
from apps.tenants.services import platform_bootstrap


def _applied_migrations(schema: str) -> int:
    """How many migrations ``schema`` has recorded (0 when the schema or its table does not exist yet)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [f'"{schema}".django_migrations'])
        if cursor.fetchone()[0] is None:
            return 0
        cursor.execute(f'SELECT count(*) FROM "{schema}".django_migrations')  # noqa: S608 - our schema names
        return cursor.fetchone()[0]


def _organization_schemas() -> list[str]:
    public = get_public_schema_name()
    with connection.cursor() as cursor:  # a brand-new database has no organization table yet
        cursor.execute("SELECT to_regclass(%s)", [f'"{public}"."{Organization._meta.db_table}"'])
        if cursor.fetchone()[0] is None:
            return []
    return list(Organization.objects.exclude(schema_name=public).values_list("schema_name", flat=True))


class Command(BaseCommand):
    help = "Migrate the public schema, every organization and the template schema new organizations clone."

    def add_arguments(self, parser):
        parser.add_argument("--executor", default="standard", choices=["standard", "multiprocessing"])

    def handle(self, *args, **options):
        verbosity = options["verbosity"]
        public, template = get_public_schema_name(), settings.TENANT_BASE_SCHEMA
        before = {schema: _applied_migrations(schema) for schema in [public, template, *_organization_schemas()]}
        call_command("migrate_schemas", shared=True, interactive=False, verbosity=verbosity)
        platform_bootstrap(migrate_template=True, verbosity=verbosity)
        call_command("migrate_schemas", tenant=True, interactive=False, verbosity=verbosity,
                     executor=options["executor"])
        organizations = _organization_schemas()
        applied = {schema: _applied_migrations(schema) - before.get(schema, 0)
                   for schema in [public, template, *organizations]}
        if not any(applied.values()):
            self.stdout.write(self.style.SUCCESS("Platform schemas are up to date."))
            return
        migrated = sum(1 for schema in organizations if applied[schema])
        self.stdout.write(self.style.SUCCESS(
            f"Migrated the public schema ({applied[public]} migrations applied), "
            f"the template schema ({applied[template]}) "
            f"and {migrated} of {len(organizations)} organizations "
            f"({sum(applied[schema] for schema in organizations)})."
        ))
