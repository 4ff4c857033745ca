"""Console pages of a partner (MSP) on the public host: billing rules with margins, client statements.
Members of the partner see; ``partner.manage`` changes (others get 403); another partner's rows are 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from apps.common.errors import ApplicationError
from apps.reports.rendering import PDF_TYPE, XLSX_TYPE
from apps.tenants.models import Organization

from . import access, documents, services_billing, services_statements
from .forms import BillingRuleForm, StatementCreateForm, StatementFilterForm
from .models import BillingRule, Statement


def _partner(request, *, manage: bool = False):
    memberships = access.partner_memberships(user=request.user)
    if not memberships:
        raise PermissionDenied
    partner = access.partner_for_user(user=request.user, manage=manage)
    if partner is None:
        raise PermissionDenied(_("Your role does not allow this action."))
    return partner


def _can_manage(request, partner) -> bool:
    return access.partner_can(user=request.user, partner_id=partner.pk, permission="partner.manage")


def _clients(partner):
    return list(Organization.objects.filter(partner=partner, is_active=True).order_by("name"))


@login_required
def billing_rules(request):
    partner = _partner(request)
    organization = Organization.objects.filter(partner=partner, slug=request.GET.get("client", "")).first()
    return render(request, "partners/billing_rules.html", {
        "partner": partner, "rules": BillingRule.objects.filter(partner=partner).select_related("organization"),
        "margins": services_billing.margin_table(partner=partner, organization=organization),
        "clients": _clients(partner), "client": organization, "can_manage": _can_manage(request, partner)})


def _rule_form_page(request, partner, form, rule=None, status=200):
    providers, services = services_billing.cost_choices(partner=partner)
    return render(request, "partners/billing_rules_form.html", {
        "partner": partner, "form": form, "rule": rule, "providers": providers, "services": services},
        status=status)


def _rule_save(request, partner, rule=None):
    form = BillingRuleForm(request.POST if request.method == "POST" else None, clients=_clients(partner),
                           initial=_rule_initial(rule))
    if request.method == "POST" and form.is_valid():
        try:
            if rule is None:
                services_billing.billing_rule_create(partner=partner, actor=request.user, **form.cleaned_data)
            else:
                services_billing.billing_rule_update(rule=rule, actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            form.add_error(exc.extra.get("field") if exc.extra.get("field") in form.fields else None, exc.message)
        else:
            messages.success(request, _("The billing rule is saved."))
            return redirect("partner_billing_rules")
    return _rule_form_page(request, partner, form, rule)


def _rule_initial(rule):
    if rule is None:
        return None
    initial = {f: getattr(rule, f) for f in services_billing.RULE_FIELDS[1:]}
    initial["organization"] = rule.organization.slug if rule.organization_id else ""
    return initial


@login_required
@require_http_methods(["GET", "POST"])
def billing_rule_create(request):
    return _rule_save(request, _partner(request, manage=True))


def _rule(request, pk):
    rule = BillingRule.objects.filter(
        pk=pk, partner_id__in=access.partner_ids_for_user(user=request.user)).first()
    if rule is None:
        raise Http404
    if not _can_manage(request, rule.partner):
        raise PermissionDenied(_("Your role does not allow this action."))
    return rule


@login_required
@require_http_methods(["GET", "POST"])
def billing_rule_edit(request, pk: int):
    rule = _rule(request, pk)
    return _rule_save(request, rule.partner, rule)


@login_required
@require_POST
def billing_rule_delete(request, pk: int):
    services_billing.billing_rule_delete(rule=_rule(request, pk), actor=request.user)
    messages.success(request, _("The billing rule is deleted."))
    return redirect("partner_billing_rules")


@login_required
@require_http_methods(["GET", "POST"])
def statements(request):
    partner = _partner(request)
    clients = _clients(partner)
    create = StatementCreateForm(request.POST if request.method == "POST" else None, clients=clients)
    if request.method == "POST":
        if not _can_manage(request, partner):
            raise PermissionDenied(_("Your role does not allow this action."))
        if create.is_valid():
            organization = next(c for c in clients if c.slug == create.cleaned_data["organization"])
            try:
                statement, _created = services_statements.statement_draft(
                    partner=partner, organization=organization, month=create.cleaned_data["month"],
                    actor=request.user)
            except ApplicationError as exc:
                create.add_error("month" if exc.extra.get("field") == "month" else None, exc.message)
            else:
                return redirect("partner_statement_detail", pk=statement.pk)
    filters = StatementFilterForm(request.GET or None, clients=clients)
    qs = Statement.objects.filter(partner=partner).select_related("organization").defer("pdf", "xlsx")
    if filters.is_valid():
        data = filters.cleaned_data
        if data.get("organization"):
            qs = qs.filter(organization__slug=data["organization"])
        if data.get("month"):
            qs = qs.filter(month=data["month"].replace(day=1))
        if data.get("status"):
            qs = qs.filter(status=data["status"])
    return render(request, "partners/statements.html", {
        "partner": partner, "statements": qs, "form": create, "filters": filters,
        "can_manage": _can_manage(request, partner)}, status=400 if create.errors else 200)


def _statement(request, pk, *, files=False):
    qs = Statement.objects.filter(partner_id__in=access.partner_ids_for_user(user=request.user))
    if not files:
        qs = qs.defer("pdf", "xlsx")
    statement = qs.select_related("organization", "partner").filter(pk=pk).first()
    if statement is None:
        raise Http404
    return statement


@login_required
def statement_detail(request, pk: int):
    statement = _statement(request, pk)
    return render(request, "partners/statement_detail.html", {
        "statement": statement, "rows": documents._rows(statement), "title": documents._title(statement),
        "can_manage": _can_manage(request, statement.partner)})


@login_required
@require_POST
def statement_action(request, pk: int, action: str):
    statement = _statement(request, pk)
    if action not in {"regenerate", "issue", "correct", "delete"}:
        raise Http404
    if not _can_manage(request, statement.partner):
        raise PermissionDenied(_("Your role does not allow this action."))
    try:
        if action == "regenerate":
            statement = services_statements.statement_regenerate(statement=statement, actor=request.user)
        elif action == "issue":
            statement = services_statements.statement_issue(statement=statement, actor=request.user)
            messages.success(request, _("Statement %(number)s is issued.") % {"number": statement.number})
        elif action == "correct":
            statement = services_statements.statement_correct(statement=statement, actor=request.user)
        else:
            services_statements.statement_delete(statement=statement, actor=request.user)
            return redirect("partner_statements")
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("partner_statement_detail", pk=statement.pk)


@login_required
def statement_file(request, pk: int, extension: str):
    if extension not in {"pdf", "xlsx"}:
        raise Http404
    statement = _statement(request, pk, files=True)
    if extension == "pdf":
        body, content_type = documents.statement_pdf(statement), PDF_TYPE
    else:
        body, content_type = documents.statement_xlsx(statement), XLSX_TYPE
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{documents.statement_filename(statement, extension)}"'
    return response
