"""Public host: landing, signup, the organization picker / MSP console, hand-off to a tenant host; the
organization profile settings on its own host."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from apps.accounts.access import organizations_for_user
from apps.accounts.permissions import require_permission
from apps.accounts.selectors import partner_client_list
from apps.accounts.services import handoff_create
from apps.accounts.urls_helpers import organization_url, public_url
from apps.common.errors import ApplicationError

from .forms import OrganizationProfileForm, RequisitesForm, SignupForm
from .models import Organization
from .selectors import organization_get_by_slug, partner_list_for_user
from .services import REQUISITES_FIELDS, organization_signup, organization_update_profile, requisites_update


def signup_elsewhere(request):
    """Signup lives on the public host."""
    return redirect(public_url("/signup/", request=request))


def landing(request):
    return render(request, "tenants/landing.html")


@require_http_methods(["GET", "POST"])
def signup(request):
    form = SignupForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user, organization = organization_signup(
                email=data.get("email", ""),
                password=data.get("password", ""),
                full_name=data.get("full_name", ""),
                organization_name=data["organization_name"],
                slug=data["slug"],
                user=request.user if request.user.is_authenticated else None,
            )
        except ApplicationError as exc:
            field = exc.extra.get("field")
            form.add_error(field if field in form.fields else None, exc.message)
        else:
            if not request.user.is_authenticated:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                _send_verification(request, user)
            messages.success(request, _("Organization «%(name)s» is ready.") % {"name": organization.name})
            return _handoff_redirect(request, user, organization, "/")
    return render(request, "tenants/signup.html", {"form": form})


def _send_verification(request, user) -> None:
    from allauth.account.internal.flows.email_verification import send_verification_email_to_address
    from allauth.account.models import EmailAddress

    address = EmailAddress.objects.filter(user=user, email__iexact=user.email).first()
    if address is not None and not address.verified:
        send_verification_email_to_address(request, address, signup=True)


@login_required
def organization_list(request):
    """Where a user lands on the public host: own organizations, and an MSP's clients."""
    organizations = list(organizations_for_user(request.user))
    partners = list(partner_list_for_user(user=request.user))
    if len(organizations) == 1 and not partners and not request.GET.get("stay"):
        return _handoff_redirect(request, request.user, organizations[0], "/")
    return render(
        request,
        "tenants/organization_list.html",
        {
            "organizations": [o for o in organizations if o.partner_id not in {p.pk for p in partners}],
            "partners": partners,
            "clients": partner_client_list(user=request.user),
        },
    )


@login_required
def organization_go(request, slug: str):
    """Open another organization without logging in again (works from any host)."""
    try:
        organization = organization_get_by_slug(slug=slug)
    except Organization.DoesNotExist as exc:
        raise Http404 from exc
    next_path = request.GET.get("next", "/")
    return _handoff_redirect(request, request.user, organization, next_path)


def _handoff_redirect(request, user, organization, next_path: str):
    try:
        handoff = handoff_create(user=user, organization=organization, next_path=next_path)
    except ApplicationError as exc:
        # Same answer as for an unknown slug: no hint that the organization exists.
        raise Http404 from exc
    return redirect(organization_url(organization, f"/auth/handoff/{handoff.pk}/", request=request))


@require_http_methods(["GET", "POST"])
@require_permission("organization.view")
def organization_profile(request):
    """The profile (name, currency, time zone) and the «Реквизиты» section (the client's requisites on
    statements): two forms on one page, posted separately; owners and administrators change them."""
    organization = request.tenant
    can_manage = request.access.can("organization.manage")
    is_requisites = request.method == "POST" and request.POST.get("section") == "requisites"
    initial = {"name": organization.name, "currency": organization.currency, "timezone": organization.timezone}
    form = OrganizationProfileForm(
        request.POST if request.method == "POST" and not is_requisites else None, initial=initial
    )
    requisites_form = RequisitesForm(
        request.POST if is_requisites else None,
        initial={f: getattr(organization, f) for f in REQUISITES_FIELDS},
    )
    if not can_manage:
        for field in (*form.fields.values(), *requisites_form.fields.values()):
            field.disabled = True
    status = 200
    if request.method == "POST":
        if not can_manage:
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied(_("Your role does not allow this action."))
        if is_requisites:
            if requisites_form.is_valid():
                try:
                    requisites_update(holder=organization, actor=request.user, **requisites_form.cleaned_data)
                    messages.success(request, _("Requisites saved."))
                    return redirect("settings_organization")
                except ApplicationError as exc:
                    requisites_form.add_service_errors(exc.extra.get("fields") or {None: exc.message})
            status = 400
        elif form.is_valid():
            try:
                organization_update_profile(organization=organization, actor=request.user, **form.cleaned_data)
                messages.success(request, _("Organization profile saved."))
                return redirect("settings_organization")
            except ApplicationError as exc:
                form.add_error(None, exc.message)
    return render(
        request,
        "accounts/settings_organization.html",
        {"form": form, "requisites_form": requisites_form, "can_manage": can_manage, "settings_tab": "organization"},
        status=status,
    )
