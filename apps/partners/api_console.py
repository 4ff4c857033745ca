"""The MSP console's API on the public host: the partner's clients with their figures, and a refresh.

Only the partner's members (``PartnerMembership``: every role may read the console and ask for a refresh); a user of
several partners names one with ``?partner=<slug>``. Money as decimal strings in each client's currency."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotAuthenticated
from rest_framework.generics import ListAPIView
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.serializers import ErrorResponseSerializer
from apps.tenants.models import Organization

from . import access, selectors
from .tasks import partner_clients_refresh
from .vocabulary import BudgetState, SyncHealth

PARTNER_PARAMETER = OpenApiParameter(
    "partner", OpenApiTypes.STR, description="The partner's slug, for a user who operates several partners.")
FORBIDDEN = OpenApiResponse(ErrorResponseSerializer, description="The caller operates no partner.")
NOT_FOUND = OpenApiResponse(ErrorResponseSerializer, description="The caller operates no partner of that slug.")


class IsPartnerMember(BasePermission):
    def has_permission(self, request, view) -> bool:
        if not request.user or not request.user.is_authenticated:
            raise NotAuthenticated()
        return access.partners_for_user(user=request.user).exists()


def _partner(request):
    try:
        return access.partner_pick(user=request.user, slug=request.query_params.get("partner") or None)
    except access.NotAPartnerMember as exc:
        raise Http404 from exc


class MoneyField(serializers.DecimalField):
    def __init__(self, **kwargs):
        super().__init__(max_digits=20, decimal_places=2, coerce_to_string=True, allow_null=True, **kwargs)


class ClientFiguresOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()
    currency = serializers.CharField()
    spend_month = MoneyField()
    spend_prev_month = MoneyField()
    forecast_month = MoneyField()
    potential_savings = MoneyField()
    billed_month = MoneyField(help_text="Billed this month by the partner's billing rules, without VAT.")
    vat_month = MoneyField()
    margin_month = MoneyField(help_text="billed_month − spend_month.")
    margin_percent = serializers.DecimalField(max_digits=10, decimal_places=1, allow_null=True,
                                              help_text="margin_month / billed_month × 100; null when nothing "
                                                        "is billed.")
    budget_status = serializers.ChoiceField(choices=BudgetState.choices)
    runway_days = serializers.IntegerField(allow_null=True)
    sync_health = serializers.ChoiceField(choices=SyncHealth.choices)
    last_sync_at = serializers.DateTimeField(allow_null=True)
    open_alerts = serializers.IntegerField()
    refreshed_at = serializers.DateTimeField(allow_null=True, help_text="Null before the first refresh.")
    error = serializers.CharField(help_text="Why the last refresh failed (the figures are the previous ones).")


def client_payload(organization: Organization) -> dict:
    snapshot = selectors.snapshot_of(organization)
    base = {"id": organization.pk, "slug": organization.slug, "name": organization.name}
    if snapshot is None:
        return {**base, "currency": organization.currency, "spend_month": None, "spend_prev_month": None,
                "forecast_month": None, "potential_savings": None, "billed_month": None, "vat_month": None,
                "margin_month": None, "margin_percent": None, "budget_status": BudgetState.NONE,
                "runway_days": None, "sync_health": SyncHealth.NONE, "last_sync_at": None, "open_alerts": 0,
                "refreshed_at": None, "error": ""}
    margin = snapshot.margin_month
    return {**base, "currency": snapshot.currency, "spend_month": snapshot.spend_month,
            "spend_prev_month": snapshot.spend_prev_month, "forecast_month": snapshot.forecast_month,
            "potential_savings": snapshot.potential_savings, "billed_month": snapshot.billed_month,
            "vat_month": snapshot.vat_month, "margin_month": margin,
            "margin_percent": selectors.margin_percent(margin, snapshot.billed_month),
            "budget_status": snapshot.budget_status, "runway_days": snapshot.runway_days,
            "sync_health": snapshot.sync_health, "last_sync_at": snapshot.last_sync_at,
            "open_alerts": snapshot.open_alerts, "refreshed_at": snapshot.refreshed_at, "error": snapshot.error}


class PartnerClientListApi(ListAPIView):
    """The partner's client organizations with this month's figures, as of their last refresh."""

    permission_classes = [IsPartnerMember]
    serializer_class = ClientFiguresOutputSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no operator
            return Organization.objects.none()
        return selectors.client_rows(partner=_partner(self.request), sort=self.request.query_params.get("sort"))

    @extend_schema(parameters=[PARTNER_PARAMETER,
                               OpenApiParameter("sort", OpenApiTypes.STR, description="One of "
                                                + ", ".join(selectors.SORT_KEYS) + "; ``-`` for descending.")],
                   responses={200: ClientFiguresOutputSerializer(many=True), 403: FORBIDDEN, 404: NOT_FOUND})
    def get(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(
            ClientFiguresOutputSerializer([client_payload(o) for o in page], many=True).data)


class RefreshOutputSerializer(serializers.Serializer):
    queued = serializers.IntegerField(help_text="How many clients' refreshes were queued.")


class PartnerClientRefreshApi(APIView):
    """Queue a refresh of every client's figures (one background task per client)."""

    permission_classes = [IsPartnerMember]

    @extend_schema(parameters=[PARTNER_PARAMETER], request=None,
                   responses={202: RefreshOutputSerializer, 403: FORBIDDEN, 404: NOT_FOUND})
    def post(self, request):
        count = partner_clients_refresh(_partner(request))
        return Response({"queued": count}, status=status.HTTP_202_ACCEPTED)
