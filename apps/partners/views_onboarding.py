"""Public host, for an MSP's members: its requisites (the seller's on statements) and onboarding a client."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from apps.accounts.models import Invitation
from apps.accounts.roles import role_allows
from apps.common.errors import ApplicationError
from apps.tenants.models import Organization
from apps.tenants.services import REQUISITES_FIELDS, partner_update_profile, slug_suggest

from .access import partner_membership_resolve
from .forms_onboarding import ClientNewForm, PartnerRequisitesForm
from .services_onboarding import client_onboard, handoff_path

VIEW = "partner.view"
MANAGE = "partner.manage"


def partner_required(permission: str):
    """The caller's partner membership allowing ``permission`` as ``request.partner_membership``; else 403."""

    def decorator(view_func):
        @wraps(view_func)
        @login_required
        def wrapper(request, *args, **kwargs):
            try:
                request.partner_membership = partner_membership_resolve(
                    user=request.user, permission=permission, partner_slug=request.GET.get("partner") or None)
            except ApplicationError as exc:
                raise PermissionDenied(exc.message) from exc
            return view_func(request, *args, **kwargs)

        return wrapper

    return decorator


def _service_errors(form, exc: ApplicationError) -> None:
    fields = exc.extra.get("fields") or {}
    if not fields and exc.extra.get("field"):
        fields = {exc.extra["field"]: exc.message}
    if not fields:
        form.add_error(None, exc.message)
    for name, message in fields.items():
        name = str(name)
        if name.startswith("invitations."):
            _prefix, index, attr = (name.split(".") + ["", ""])[:3]
            name = f"{attr}_{int(index) + 1}" if index.isdigit() else ""
        form.add_error(name if name in form.fields else None, message)


@require_http_methods(["GET", "POST"])
@partner_required(VIEW)
def partner_requisites(request):
    """The partner's name and requisites; every member reads them, ``partner.manage`` changes them."""
    membership = request.partner_membership
    partner = membership.partner
    can_manage = role_allows(membership.role, MANAGE)
    initial = {"name": partner.name, **{f: getattr(partner, f) for f in REQUISITES_FIELDS}}
    form = PartnerRequisitesForm(request.POST if request.method == "POST" else None, initial=initial)
    if not can_manage:
        for field in form.fields.values():
            field.disabled = True
    status = 200
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied(_("Your role does not allow this action."))
        if form.is_valid():
            try:
                partner_update_profile(partner=partner, actor=request.user, **form.cleaned_data)
            except ApplicationError as exc:
                _service_errors(form, exc)
            else:
                messages.success(request, _("Requisites saved."))
                return redirect("partner_requisites")
        status = 400
    return render(request, "partners/requisites.html", {
        "form": form, "partner": partner, "can_manage": can_manage, "console_tab": "requisites",
    }, status=status)


@require_http_methods(["GET", "POST"])
@partner_required(MANAGE)
def partner_client_new(request):
    """Create a client organization with its requisites and invite its users; then the operator opens the
    client's «Добавить провайдера» page through the hand-off link to add connections on its behalf."""
    partner = request.partner_membership.partner
    form = ClientNewForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                result = client_onboard(
                    partner=partner, actor=request.user, name=data["name"],
                    slug=data["slug"] or slug_suggest(data["name"]), currency=data["currency"],
                    timezone=data["timezone"], requisites=form.requisites(), invitations=form.invitations(),
                    request=request)
            except ApplicationError as exc:
                _service_errors(form, exc)
            else:
                messages.success(request, _("The client «%(name)s» is created.") % {"name": result.organization.name})
                return redirect(reverse("partner_client_new") + "?" + urlencode({"created": result.organization.slug}))
        status = 400
    created = None
    if request.method == "GET" and request.GET.get("created"):
        # Only this partner's own client: another slug shows the empty form.
        created = Organization.objects.filter(partner=partner, slug=request.GET["created"]).first()
    return render(request, "partners/client_new.html", {
        "form": form, "partner": partner, "console_tab": "clients", "created": created,
        "invitations": (Invitation.objects.filter(organization=created, status=Invitation.Status.PENDING)
                        .order_by("email") if created else []),
        "add_connection_url": handoff_path(created) if created else "",
    }, status=status)
