"""Creating organizations and keeping the platform's public tenant and template schema in place."""

from __future__ import annotations

import re

from django.conf import settings
from django.db import connection, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django_tenants.utils import get_public_schema_name

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.accounts.services import membership_add, user_create
from apps.audit.services import audit_event_record
from apps.common.errors import ApplicationError, ErrorCode
from apps.common.tasks import enqueue_in_tenant

from .exceptions import TenantErrorCode
from .models import Domain, Organization, Partner
from .schema_clone import template_schema_migrate

SLUG_RE = re.compile(r"^[a-z][a-z0-9-]{1,38}[a-z0-9]$")


def slug_suggest(name: str) -> str:
    """A subdomain proposal from an organization name, Cyrillic transliterated."""
    return slugify(_transliterate(name))[:40].strip("-")


_RU_LETTERS = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"
_RU_LATIN = "a b v g d e e zh z i y k l m n o p r s t u f kh ts ch sh shch - y - e yu ya".split()
_RU = {ru: ("" if latin == "-" else latin) for ru, latin in zip(_RU_LETTERS, _RU_LATIN, strict=True)}


def _transliterate(text: str) -> str:
    return "".join(_RU.get(ch, ch) for ch in text.lower())


def organization_slug_validate(slug: str) -> str:
    """Normalize and check a subdomain slug; raises ApplicationError with a translated message."""
    slug = (slug or "").strip().lower()
    if not SLUG_RE.match(slug):
        raise ApplicationError(
            _(
                "The address may contain Latin letters, digits and hyphens, 3 to 40 characters, "
                "and must start with a letter."
            ),
            TenantErrorCode.SLUG_INVALID,
            {"field": "slug"},
        )
    if slug in settings.RESERVED_SLUGS or slug.startswith("pg_"):
        raise ApplicationError(
            _("The address «%(slug)s» is reserved. Please choose another one.") % {"slug": slug},
            TenantErrorCode.SLUG_RESERVED,
            {"field": "slug"},
        )
    if Organization.objects.filter(slug=slug).exists() or Domain.objects.filter(domain=_host_for(slug)).exists():
        raise ApplicationError(
            _("The address «%(slug)s» is already taken.") % {"slug": slug},
            TenantErrorCode.SLUG_TAKEN,
            {"field": "slug"},
        )
    return slug


def _host_for(slug: str) -> str:
    return f"{slug}.{settings.BASE_DOMAIN}"


def _schema_for(slug: str) -> str:
    return "org_" + slug.replace("-", "_")


@transaction.atomic
def organization_create(
    *,
    slug: str,
    name: str,
    kind: str = Organization.Kind.CUSTOMER,
    partner: Partner | None = None,
    currency: str = "RUB",
    timezone: str = "Europe/Moscow",
    actor=None,
) -> Organization:
    """Create an organization with its schema (cloned from the template) and its primary domain.

    Runs in one transaction: PostgreSQL DDL is transactional, so a failure leaves no schema behind.
    """
    slug = organization_slug_validate(slug)
    name = (name or "").strip()
    if not name:
        raise ApplicationError(_("Enter the organization name."), ErrorCode.INVALID, {"field": "name"})
    if partner is not None and kind == Organization.Kind.CUSTOMER:
        kind = Organization.Kind.MSP_CLIENT
    organization = Organization(
        schema_name=_schema_for(slug),
        slug=slug,
        name=name,
        kind=kind,
        partner=partner,
        currency=currency,
        timezone=timezone,
    )
    previous_tenant = connection.tenant
    organization.save(verbosity=0)
    connection.set_tenant(previous_tenant)  # schema creation leaves the connection on public
    Domain.objects.create(domain=_host_for(slug), tenant=organization, is_primary=True)
    audit_event_record(
        schema_name=organization.schema_name,
        action="organization.created",
        actor=actor,
        target=organization.slug,
        data={"name": name, "partner": partner.slug if partner else None},
    )
    return organization


def organization_update_profile(
    *, organization: Organization, name: str, currency: str, timezone: str, actor
) -> Organization:
    changes = {}
    for field, value in (("name", name.strip()), ("currency", currency), ("timezone", timezone)):
        if getattr(organization, field) != value:
            changes[field] = [getattr(organization, field), value]
            setattr(organization, field, value)
    if not organization.name:
        raise ApplicationError(_("Enter the organization name."), ErrorCode.INVALID, {"field": "name"})
    if changes:
        organization.save(update_fields=list(changes))
        audit_event_record(
            schema_name=organization.schema_name,
            action="organization.updated",
            actor=actor,
            target=organization.slug,
            data=changes,
        )
    if "currency" in changes:
        # Amounts converted to the organization's currency (cost rollups...) are rebuilt by their own apps.
        for task in settings.ORGANIZATION_CURRENCY_CHANGED_TASKS:
            enqueue_in_tenant(organization.schema_name, task, task_name=f"currency-changed:{task}")
    return organization


# --- requisites (ИНН, КПП) ----------------------------------------------------------------------------------------

REQUISITES_FIELDS = ("legal_name", "inn", "kpp", "legal_address")
KPP_RE = re.compile(r"^\d{4}[\dA-Z]{2}\d{3}$")
_INN10_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN11_WEIGHTS = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_WEIGHTS = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


def _inn_digit(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11 % 10


def inn_is_valid(inn: str) -> bool:
    """The ФНС checksum: 10 digits (legal entity, one control digit) or 12 (individual entrepreneur, two)."""
    if not inn.isascii() or not inn.isdigit():
        return False
    if len(inn) == 10:
        return _inn_digit(inn, _INN10_WEIGHTS) == int(inn[9])
    if len(inn) == 12:
        return _inn_digit(inn, _INN11_WEIGHTS) == int(inn[10]) and _inn_digit(inn, _INN12_WEIGHTS) == int(inn[11])
    return False


def requisites_validate(
    *, legal_name: str = "", inn: str = "", kpp: str = "", legal_address: str = ""
) -> dict[str, str]:
    """Cleaned requisites; ``ApplicationError`` naming every problem (``extra["fields"]``), in Russian.

    All empty is allowed (no requisites yet); once anything is entered, the legal name and the ИНН are both
    required, as a statement needs them. A 12-digit ИНН (individual entrepreneur) has no КПП."""
    values = {
        "legal_name": " ".join(str(legal_name or "").split()),
        "inn": "".join(str(inn or "").split()),
        "kpp": "".join(str(kpp or "").split()).upper(),
        "legal_address": " ".join(str(legal_address or "").split()),
    }
    errors: dict[str, str] = {}
    if any(values.values()):
        if not values["legal_name"]:
            errors["legal_name"] = _("Enter the legal name: statements need it together with the INN.")
        if not values["inn"]:
            errors["inn"] = _("Enter the INN: statements need it together with the legal name.")
    if values["inn"]:
        if not values["inn"].isascii() or not values["inn"].isdigit() or len(values["inn"]) not in (10, 12):
            errors["inn"] = _("The INN has 10 digits for a legal entity or 12 for an individual entrepreneur.")
        elif not inn_is_valid(values["inn"]):
            errors["inn"] = _("The INN check digit does not match: check the number.")
    if values["kpp"]:
        if not KPP_RE.match(values["kpp"]):
            errors["kpp"] = _("The KPP has 9 characters: 4 digits, 2 digits or Latin capital letters, 3 digits.")
        elif len(values["inn"]) == 12 and "inn" not in errors:
            errors["kpp"] = _("An individual entrepreneur has no KPP: leave it empty.")
    limits = {"legal_name": 300, "legal_address": 500}
    for field, limit in limits.items():
        if len(values[field]) > limit:
            errors[field] = _("At most %(limit)s characters.") % {"limit": limit}
    if errors:
        raise ApplicationError(
            next(iter(errors.values())),
            TenantErrorCode.REQUISITES_INVALID,
            {"fields": errors, "field": next(iter(errors))},
        )
    return values


def requisites_update(*, holder: Organization | Partner, actor, **values: str) -> Organization | Partner:
    """Validate and save the requisites of an organization (the client's on statements) or a partner (the
    seller's); audited with the fields before and after."""
    clean = requisites_validate(**{f: values.get(f, getattr(holder, f)) for f in REQUISITES_FIELDS})
    changes = {f: [getattr(holder, f), v] for f, v in clean.items() if getattr(holder, f) != v}
    if changes:
        for field, (_before, after) in changes.items():
            setattr(holder, field, after)
        holder.save(update_fields=list(changes))
        # The audit log lives in tenant schemas: a partner's own change has none (its clients' logs are theirs).
        if isinstance(holder, Organization):
            audit_event_record(
                schema_name=holder.schema_name,
                action="organization.requisites_updated",
                actor=actor,
                target=holder.slug,
                data=changes,
            )
    return holder


def partner_update_profile(*, partner: Partner, actor, name: str | None = None, **requisites: str) -> Partner:
    """A partner's name and requisites (all validated before anything is saved)."""
    new_name = partner.name if name is None else " ".join(str(name).split())
    if not new_name:
        raise ApplicationError(
            _("Enter the partner name."),
            TenantErrorCode.REQUISITES_INVALID,
            {"fields": {"name": _("Enter the partner name.")}, "field": "name"},
        )
    if len(new_name) > 200:
        message = _("At most %(limit)s characters.") % {"limit": 200}
        raise ApplicationError(
            message, TenantErrorCode.REQUISITES_INVALID, {"fields": {"name": message}, "field": "name"}
        )
    requisites_validate(**{f: requisites.get(f, getattr(partner, f)) for f in REQUISITES_FIELDS})
    with transaction.atomic():
        if new_name != partner.name:
            partner.name = new_name
            partner.save(update_fields=["name"])
        requisites_update(holder=partner, actor=actor, **requisites)
    return partner


def partner_get_or_create(*, slug: str, name: str) -> Partner:
    partner, _created = Partner.objects.get_or_create(slug=slug, defaults={"name": name})
    return partner


def platform_bootstrap(*, migrate_template: bool = True, verbosity: int = 0) -> Organization:
    """Ensure the public tenant, its hosts and an up-to-date template schema exist (idempotent)."""
    public, _created = Organization.objects.get_or_create(
        schema_name=get_public_schema_name(),
        defaults={"name": "InfraZen", "slug": "public", "kind": Organization.Kind.CUSTOMER},
    )
    hosts = [settings.BASE_DOMAIN, *settings.PUBLIC_EXTRA_HOSTS]
    for index, host in enumerate(dict.fromkeys(hosts)):
        Domain.objects.get_or_create(domain=host, defaults={"tenant": public, "is_primary": index == 0})
    if migrate_template:
        template_schema_migrate(verbosity=verbosity)
    return public


@transaction.atomic
def organization_signup(
    *, email: str, password: str, full_name: str, organization_name: str, slug: str, user: User | None = None
) -> tuple[User, Organization]:
    """Self-service signup: user (unless logged in) + organization + schema + domain + owner membership.

    One transaction: on any error nothing is left behind (no user, no schema, no domain).
    """
    if user is None:
        user = user_create(email=email, password=password, full_name=full_name)
    organization = organization_create(slug=slug, name=organization_name, actor=user)
    membership_add(organization=organization, user=user, role=Role.OWNER, actor=user)
    return user, organization
