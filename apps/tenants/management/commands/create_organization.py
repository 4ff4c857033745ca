from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.accounts.services import membership_add, user_create
from apps.common.errors import ApplicationError
from apps.tenants.models import Partner
from apps.tenants.services import organization_create


class Command(BaseCommand):
    help = "Create an organization (schema, domain) with its owner."

    def add_arguments(self, parser):
        parser.add_argument("--slug", required=True)
        parser.add_argument("--name", required=True)
        parser.add_argument("--owner-email", required=True)
        parser.add_argument("--owner-password", required=True)
        parser.add_argument("--partner", help="Slug of the MSP partner the organization belongs to")

    def handle(self, *args, **options):
        try:
            with transaction.atomic():
                partner = None
                if options["partner"]:
                    partner = Partner.objects.filter(slug=options["partner"]).first()
                    if partner is None:
                        raise CommandError(f"Partner «{options['partner']}» not found")
                owner = User.objects.filter(email__iexact=options["owner_email"]).first()
                if owner is None:
                    owner = user_create(email=options["owner_email"], password=options["owner_password"])
                organization = organization_create(slug=options["slug"], name=options["name"], partner=partner)
                membership_add(organization=organization, user=owner, role=Role.OWNER)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Organization «{organization.name}» created at {organization.primary_host} (owner {owner.email})"
            )
        )
