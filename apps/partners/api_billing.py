"""Public host API of a partner (MSP): billing rules CRUD and client statements. Members of the partner see;
``partner.manage`` (owner, admin, finance) changes. Another partner's rows are 404. Money as decimal strings."""

from __future__ import annotations

import re
from datetime import date

from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.api import IsPartnerOperator
from apps.common.serializers import ErrorResponseSerializer
from apps.reports.rendering import PDF_TYPE, XLSX_TYPE

from . import access, documents, services_billing, services_statements
from .models import BillingRule, Statement
from .vocabulary import StatementStatus

BAD_INPUT = OpenApiResponse(ErrorResponseSerializer, description="Invalid input: the problem and its field.")
NOT_FOUND = OpenApiResponse(ErrorResponseSerializer, description="Not one of your partner's rows.")
CONFLICT = OpenApiResponse(ErrorResponseSerializer, description="The statement is issued (code statement_issued).")
MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _require_manage(request, partner_id: int) -> None:
    if not access.partner_can(user=request.user, partner_id=partner_id, permission="partner.manage"):
        raise PermissionDenied()


# --- billing rules --------------------------------------------------------------------------------------------------

class BillingRuleSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    organization = serializers.CharField(allow_null=True, required=False, max_length=63,
                                         help_text="The client's slug; null: every client of the partner.")
    provider = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
    service = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    markup_percent = serializers.DecimalField(max_digits=7, decimal_places=2, required=False, default="0")
    provider_discount_percent = serializers.DecimalField(max_digits=5, decimal_places=2, required=False,
                                                         default="0")
    pass_through_percent = serializers.DecimalField(max_digits=5, decimal_places=2, required=False, default="0")
    fixed_monthly_fee = serializers.DecimalField(max_digits=20, decimal_places=2, required=False, default="0")
    minimum_charge = serializers.DecimalField(max_digits=20, decimal_places=2, required=False, default="0")
    note = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")

    def to_representation(self, rule):
        return {"id": rule.pk, "organization": rule.organization.slug if rule.organization_id else None,
                "provider": rule.provider, "service": rule.service,
                **{f: str(getattr(rule, f)) for f in (*services_billing.PERCENTS, *services_billing.MONEY_FIELDS)},
                "note": rule.note}


def _rules(request):
    return BillingRule.objects.filter(
        partner_id__in=access.partner_ids_for_user(user=request.user)).select_related("organization")


def _rule(request, pk) -> BillingRule:
    rule = _rules(request).select_related("partner").filter(pk=pk).first()
    if rule is None:
        raise Http404
    return rule


class BillingRuleListApi(APIView):
    """The partner's billing rules (most specific rule per cost line wins: client, then provider, then service).
    ``POST`` creates one; a rule giving a negative bill, a duplicate scope or another partner's client is a 400."""

    permission_classes = [IsPartnerOperator]

    @extend_schema(operation_id="partner_billing_rules_list", responses={200: BillingRuleSerializer(many=True)})
    def get(self, request):
        return Response(BillingRuleSerializer(_rules(request), many=True).data)

    @extend_schema(operation_id="partner_billing_rules_create", request=BillingRuleSerializer,
                   responses={201: BillingRuleSerializer, 400: BAD_INPUT})
    def post(self, request):
        partner = access.partner_for_user(user=request.user, manage=True)
        if partner is None:
            raise PermissionDenied()
        data = BillingRuleSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rule = services_billing.billing_rule_create(partner=partner, actor=request.user, **data.validated_data)
        return Response(BillingRuleSerializer(rule).data, status=status.HTTP_201_CREATED)


class BillingRuleDetailApi(APIView):
    permission_classes = [IsPartnerOperator]

    @extend_schema(operation_id="partner_billing_rules_retrieve",
                   responses={200: BillingRuleSerializer, 404: NOT_FOUND})
    def get(self, request, pk: int):
        return Response(BillingRuleSerializer(_rule(request, pk)).data)

    def _update(self, request, pk: int, partial: bool):
        rule = _rule(request, pk)
        _require_manage(request, rule.partner_id)
        data = BillingRuleSerializer(data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        rule = services_billing.billing_rule_update(rule=rule, actor=request.user, **data.validated_data)
        return Response(BillingRuleSerializer(rule).data)

    @extend_schema(operation_id="partner_billing_rules_update", request=BillingRuleSerializer,
                   responses={200: BillingRuleSerializer, 400: BAD_INPUT, 404: NOT_FOUND})
    def put(self, request, pk: int):
        return self._update(request, pk, partial=False)

    @extend_schema(operation_id="partner_billing_rules_partial_update", request=BillingRuleSerializer,
                   responses={200: BillingRuleSerializer, 400: BAD_INPUT, 404: NOT_FOUND})
    def patch(self, request, pk: int):
        return self._update(request, pk, partial=True)

    @extend_schema(operation_id="partner_billing_rules_destroy", responses={204: None, 404: NOT_FOUND})
    def delete(self, request, pk: int):
        rule = _rule(request, pk)
        _require_manage(request, rule.partner_id)
        services_billing.billing_rule_delete(rule=rule, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- statements -----------------------------------------------------------------------------------------------------

class StatementLineSerializer(serializers.Serializer):
    kind = serializers.CharField()
    provider = serializers.CharField(allow_blank=True)
    service = serializers.CharField(allow_blank=True)
    cost = serializers.CharField()
    markup = serializers.CharField()
    amount = serializers.CharField()


class StatementSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    organization = serializers.CharField(help_text="The client's slug.")
    month = serializers.CharField(help_text="YYYY-MM")
    status = serializers.ChoiceField(choices=StatementStatus.choices)
    number = serializers.CharField(allow_blank=True, help_text="Set on issue.")
    currency = serializers.CharField()
    subtotal = serializers.CharField(help_text="Without VAT.")
    vat = serializers.CharField()
    total = serializers.CharField()
    issued_at = serializers.DateTimeField(allow_null=True)
    corrects = serializers.IntegerField(allow_null=True)
    lines = StatementLineSerializer(many=True)

    def to_representation(self, s):
        return {"id": s.pk, "organization": s.organization.slug, "month": f"{s.month:%Y-%m}", "status": s.status,
                "number": s.number, "currency": s.currency, "subtotal": str(s.subtotal), "vat": str(s.vat),
                "total": str(s.total),
                "issued_at": serializers.DateTimeField().to_representation(s.issued_at) if s.issued_at else None,
                "corrects": s.corrects_id,
                "lines": [{k: str(line.get(k) or "") for k in ("kind", "provider", "service", "cost", "markup",
                                                                "amount")} for line in s.lines]}


class StatementCreateSerializer(serializers.Serializer):
    organization = serializers.CharField(max_length=63, help_text="The client's slug.")
    month = serializers.CharField(max_length=7, help_text="YYYY-MM")

    def validate_month(self, value: str) -> date:
        if not MONTH.match(value):
            raise serializers.ValidationError(_("Enter the month as YYYY-MM."))
        return date(int(value[:4]), int(value[5:]), 1)


def _statements(request):
    return Statement.objects.filter(
        partner_id__in=access.partner_ids_for_user(user=request.user)
    ).select_related("organization", "partner").defer("pdf", "xlsx")


def _statement(request, pk, *, files: bool = False) -> Statement:
    qs = _statements(request)
    if files:
        qs = qs.defer(None)
    statement = qs.filter(pk=pk).first()
    if statement is None:
        raise Http404
    return statement


FILTERS = [
    OpenApiParameter("organization", OpenApiTypes.STR, description="Client slug."),
    OpenApiParameter("month", OpenApiTypes.STR, description="YYYY-MM"),
    OpenApiParameter("status", OpenApiTypes.STR, enum=StatementStatus.values),
]


class StatementListApi(APIView):
    """Statements of the partner's clients, newest month first. ``POST`` creates the client's draft for the month
    (201) or regenerates it (200); a month without cost data is a 400 (nothing created), an issued month a 409."""

    permission_classes = [IsPartnerOperator]

    @extend_schema(operation_id="partner_statements_list", parameters=FILTERS,
                   responses={200: StatementSerializer(many=True)})
    def get(self, request):
        qs = _statements(request)
        if request.query_params.get("organization"):
            qs = qs.filter(organization__slug=request.query_params["organization"])
        month = request.query_params.get("month", "")
        if MONTH.match(month):
            qs = qs.filter(month=date(int(month[:4]), int(month[5:]), 1))
        if request.query_params.get("status") in StatementStatus.values:
            qs = qs.filter(status=request.query_params["status"])
        return Response(StatementSerializer(qs, many=True).data)

    @extend_schema(operation_id="partner_statements_create", request=StatementCreateSerializer,
                   responses={200: StatementSerializer, 201: StatementSerializer, 400: BAD_INPUT, 409: CONFLICT})
    def post(self, request):
        data = StatementCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        partners = {m.partner_id: m for m in access.partner_memberships(user=request.user)}
        from apps.tenants.models import Organization

        organization = Organization.objects.filter(slug=data.validated_data["organization"],
                                                   partner_id__in=list(partners)).first()
        if organization is None:
            raise serializers.ValidationError({"organization": [_("Choose one of your clients.")]})
        _require_manage(request, organization.partner_id)
        statement, created = services_statements.statement_draft(
            partner=organization.partner, organization=organization, month=data.validated_data["month"],
            actor=request.user)
        return Response(StatementSerializer(statement).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class StatementDetailApi(APIView):
    permission_classes = [IsPartnerOperator]

    @extend_schema(operation_id="partner_statements_retrieve", responses={200: StatementSerializer, 404: NOT_FOUND})
    def get(self, request, pk: int):
        return Response(StatementSerializer(_statement(request, pk)).data)

    @extend_schema(operation_id="partner_statements_destroy",
                   responses={204: None, 404: NOT_FOUND, 409: CONFLICT})
    def delete(self, request, pk: int):
        statement = _statement(request, pk)
        _require_manage(request, statement.partner_id)
        services_statements.statement_delete(statement=statement, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class StatementIssueApi(APIView):
    """Issue the draft: numbered, figures and files frozen (the id stays); an issued statement is a 409."""

    permission_classes = [IsPartnerOperator]

    @extend_schema(operation_id="partner_statements_issue", request=None,
                   responses={200: StatementSerializer, 404: NOT_FOUND, 409: CONFLICT})
    def post(self, request, pk: int):
        statement = _statement(request, pk)
        _require_manage(request, statement.partner_id)
        return Response(StatementSerializer(
            services_statements.statement_issue(statement=statement, actor=request.user)).data)


class StatementCorrectApi(APIView):
    """A draft correcting the issued statement (201); issuing it supersedes the old one."""

    permission_classes = [IsPartnerOperator]

    @extend_schema(operation_id="partner_statements_correct", request=None,
                   responses={201: StatementSerializer, 400: BAD_INPUT, 404: NOT_FOUND, 409: CONFLICT})
    def post(self, request, pk: int):
        statement = _statement(request, pk)
        _require_manage(request, statement.partner_id)
        draft = services_statements.statement_correct(statement=statement, actor=request.user)
        return Response(StatementSerializer(draft).data, status=status.HTTP_201_CREATED)


def _file(statement: Statement, extension: str) -> HttpResponse:
    if extension == "pdf":
        body, content_type = documents.statement_pdf(statement), PDF_TYPE
    else:
        body, content_type = documents.statement_xlsx(statement), XLSX_TYPE
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{documents.statement_filename(statement, extension)}"'
    return response


class StatementPdfApi(APIView):
    permission_classes = [IsPartnerOperator]

    @extend_schema(operation_id="partner_statements_pdf",
                   responses={(200, PDF_TYPE): OpenApiTypes.BINARY, 404: NOT_FOUND})
    def get(self, request, pk: int):
        return _file(_statement(request, pk, files=True), "pdf")


class StatementXlsxApi(APIView):
    permission_classes = [IsPartnerOperator]

    @extend_schema(operation_id="partner_statements_xlsx",
                   responses={(200, XLSX_TYPE): OpenApiTypes.BINARY, 404: NOT_FOUND})
    def get(self, request, pk: int):
        return _file(_statement(request, pk, files=True), "xlsx")
