"""Organization host: hand-off arrival, settings (members, invitations), invitation accept."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth import login
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.audit import actions as audit_actions
from apps.audit import selectors as audit_selectors
from apps.common.errors import ApplicationError
from apps.common.pages import page_of

from . import selectors, services
from .forms import AcceptInvitationForm, ApiTokenForm, InvitationForm, RoleForm
from .models import ApiToken, Invitation, Membership
from .permissions import require_permission
from .roles import Role, assignable_roles


def handoff_accept(request, handoff_id):
    try:
        handoff = services.handoff_consume(handoff_id=uuid.UUID(str(handoff_id)), organization=request.tenant)
    except (ApplicationError, ValueError):
        messages.error(request, _("This sign-in link is invalid or has expired. Please log in."))
        return redirect("account_login")
    login(request, handoff.user, backend="django.contrib.auth.backends.ModelBackend")
    return redirect(handoff.next_path or "/")


@dataclass(frozen=True)
class SettingsSection:
    title: str
    description: str
    url_name: str


@require_permission("organization.view")
def settings_index(request):
    """Every settings section in one place, each with a line saying what it holds; a section shows only to the
    roles whose permission opens it (the same permission its own page requires)."""
    access = request.access
    sections = [
        (SettingsSection(_("Organization profile and requisites"),
                         _("Name, currency, time zone; legal name, INN, KPP and address printed on statements."),
                         "settings_organization"), "organization.view"),
        (SettingsSection(_("Members"), _("Who works in the organization and with which role."),
                         "settings_members"), "members.view"),
        (SettingsSection(_("Invitations"), _("Invite colleagues by email; pending invitations."),
                         "settings_invitations"), "members.view"),
        (SettingsSection(_("Notification channels"),
                         _("Telegram chats and email addresses that receive the organization's alerts."),
                         "notifications_settings"), "costs.view"),
        (SettingsSection(_("My notifications"),
                         _("Which alerts reach your personal channels, and your quiet hours."),
                         "notifications_preferences"), "costs.view"),
        (SettingsSection(_("Tag governance"),
                         _("Required tag keys and their allowed values, checked by the guardrails."),
                         "settings_tags"), "recommendations.view"),
        (SettingsSection(_("API tokens"), _("Your personal tokens for the InfraZen API."),
                         "settings_api_tokens"), "organization.view"),
        (SettingsSection(_("Guardrails"),
                         _("Policies: required tags, cost limits, forbidden regions and types, lifetimes."),
                         "recommendations_policies"), "recommendations.view"),
        (SettingsSection(_("Audit log"), _("Who changed what and when."), "settings_audit"), "audit.view"),
    ]
    return render(request, "accounts/settings_index.html", {
        "sections": [section for section, permission in sections if access.can(permission)],
        "settings_tab": "index",
    })


@require_permission("members.view")
def members(request):
    access = request.access
    return render(
        request,
        "accounts/settings_members.html",
        {
            "memberships": selectors.membership_list(organization=request.tenant),
            "operators": selectors.partner_operator_list(organization=request.tenant),
            "assignable_roles": [(r, Role(r).label) for r in assignable_roles(access.role)],
            "settings_tab": "members",
        },
    )


@require_POST
@require_permission("members.manage")
def member_update(request, membership_id: int):
    membership = _membership_or_404(request, membership_id)
    form = RoleForm(request.POST)
    if form.is_valid():
        try:
            services.membership_change_role(
                membership=membership, role=form.cleaned_data["role"], actor=request.user,
                actor_role=request.access.role,
            )
            messages.success(request, _("Role of %(email)s changed.") % {"email": membership.user.email})
        except ApplicationError as exc:
            messages.error(request, exc.message)
    return redirect("settings_members")


@require_POST
@require_permission("members.manage")
def member_remove(request, membership_id: int):
    membership = _membership_or_404(request, membership_id)
    try:
        services.membership_remove(membership=membership, actor=request.user, actor_role=request.access.role)
        messages.success(request, _("%(email)s no longer has access.") % {"email": membership.user.email})
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("settings_members")


def _membership_or_404(request, membership_id) -> Membership:
    try:
        return selectors.membership_get(organization=request.tenant, membership_id=membership_id)
    except Membership.DoesNotExist as exc:
        raise Http404 from exc


@require_http_methods(["GET", "POST"])
@require_permission("members.view")
def invitations(request):
    access = request.access
    can_manage = access.can("members.manage")
    form = InvitationForm(request.POST or None, allowed_roles=assignable_roles(access.role))
    if request.method == "POST":
        if not can_manage:
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied(_("Your role does not allow this action."))
        if form.is_valid():
            try:
                issued = services.invitation_create(
                    organization=request.tenant, email=form.cleaned_data["email"], role=form.cleaned_data["role"],
                    actor=request.user, actor_role=access.role, request=request,
                )
                messages.success(request, _("Invitation sent to %(email)s.") % {"email": issued.invitation.email})
                return redirect("settings_invitations")
            except ApplicationError as exc:
                field = exc.extra.get("field")
                form.add_error(field if field in form.fields else None, exc.message)
    return render(
        request,
        "accounts/settings_invitations.html",
        {
            "form": form,
            "can_manage": can_manage,
            "invitations": selectors.invitation_list(organization=request.tenant),
            "settings_tab": "invitations",
        },
    )


@require_POST
@require_permission("members.manage")
def invitation_revoke(request, invitation_id: int):
    try:
        invitation = selectors.invitation_get(organization=request.tenant, invitation_id=invitation_id)
    except Invitation.DoesNotExist as exc:
        raise Http404 from exc
    try:
        services.invitation_revoke(invitation=invitation, actor=request.user)
        messages.success(request, _("Invitation revoked."))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("settings_invitations")


@require_http_methods(["GET", "POST"])
def invitation_accept(request, token: str):
    organization = request.tenant
    try:
        invitation = services.invitation_get_by_token(organization=organization, token=token)
    except ApplicationError as exc:
        return render(request, "accounts/invitation_error.html", {"message": exc.message}, status=exc.http_status)
    from .models import User

    existing_user = User.objects.filter(email__iexact=invitation.email).exists()
    form = AcceptInvitationForm(request.POST or None) if not request.user.is_authenticated else None
    if request.method == "POST":
        try:
            if request.user.is_authenticated:
                user, _membership = services.invitation_accept(organization=organization, token=token,
                                                               user=request.user)
            elif existing_user:
                return redirect(f"/accounts/login/?next=/invitations/{token}/")
            elif form.is_valid():
                user, _membership = services.invitation_accept(
                    organization=organization, token=token, password=form.cleaned_data["password"],
                    full_name=form.cleaned_data["full_name"],
                )
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            else:
                user = None
        except ApplicationError as exc:
            if form is not None and exc.extra.get("field") in (form.fields if form else {}):
                form.add_error(exc.extra["field"], exc.message)
            else:
                return render(request, "accounts/invitation_error.html", {"message": exc.message},
                              status=exc.http_status)
        else:
            if user is not None:
                messages.success(request, _("Welcome to %(organization)s!") % {"organization": organization.name})
                return redirect("/")
    return render(
        request,
        "accounts/invitation_accept.html",
        {"invitation": invitation, "form": form, "existing_user": existing_user, "token": token},
    )


AUDIT_PAGE_SIZE = 50
AUDIT_FILTERS = ("action", "actor", "date_from", "date_to")


@require_GET
@require_permission("audit.view")
def audit_log(request):
    """The organization's audit trail (owners and administrators), newest first, with filters."""
    filters = {key: request.GET.get(key, "").strip() for key in AUDIT_FILTERS}
    status, error = 200, ""
    try:
        events = audit_selectors.audit_event_list(filters={k: v for k, v in filters.items() if v})
    except ApplicationError as exc:
        events, error, status = audit_selectors.audit_event_list().none(), exc.message, 400
    page, page_query = page_of(request, events, per_page=AUDIT_PAGE_SIZE)
    role_labels = {role.value: role.label for role in Role}
    rows = [
        {
            "event": event,
            "action_label": audit_actions.action_label(event.action),
            "target_label": audit_actions.target_label(event.target),
            "details": audit_actions.audit_details(event.data, value_labels=role_labels),
        }
        for event in page.object_list
    ]
    context = {
        "page": page,
        "rows": rows,
        "filters": filters,
        "has_filters": any(filters.values()),
        "filter_error": error,
        "page_query": page_query,
        "action_choices": [(code, str(label)) for code, label in audit_actions.ACTION_LABELS.items()],
        "actors": audit_selectors.audit_actor_emails(),
        "settings_tab": "audit",
    }
    return render(request, "accounts/settings_audit.html", context, status=status)


@require_http_methods(["GET", "POST"])
@require_permission("organization.view")
def api_tokens(request):
    """The user's own API tokens: create (the secret is shown on this one response only), list, revoke."""
    issued = None
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            issued = services.api_token_create(
                user=request.user, name=form.cleaned_data["name"], expires_at=form.expires_at(timezone.now()),
                organization=request.tenant,
            )
        except ApplicationError as exc:
            form.add_error(exc.extra.get("field") if exc.extra.get("field") in form.fields else None, exc.message)
        else:
            form = ApiTokenForm()
    response = render(
        request,
        "accounts/settings_api_tokens.html",
        {
            "form": form,
            "issued": issued,
            "tokens": selectors.api_token_list(user=request.user),
            "settings_tab": "api_tokens",
        },
        status=400 if form.errors else 200,
    )
    # The page may carry a new token's secret: no cache keeps a copy.
    add_never_cache_headers(response)
    return response


@require_POST
@require_permission("organization.view")
def api_token_revoke(request, prefix: str):
    try:
        token = selectors.api_token_get(user=request.user, prefix=prefix)
    except ApiToken.DoesNotExist as exc:
        raise Http404 from exc
    services.api_token_revoke(token=token, actor=request.user, organization=request.tenant)
    messages.success(request, _("Token «%(name)s» revoked.") % {"name": token.name})
    return redirect("settings_api_tokens")
