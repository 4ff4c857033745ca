"""Recommendations API: findings (list, detail, summary, lifecycle actions), evaluations (start, progress), rule
settings, guardrail policies (CRUD) and their violations.

Reading needs ``recommendations.view`` (every role); everything else ``recommendations.manage``. A lifecycle
action the finding's status forbids is a 409 (``invalid_transition``); a bad body is a 400 naming the fields.
Amounts are decimal strings in the organization's currency.
"""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.serializers import ErrorResponseSerializer

from . import selectors, services
from .filters import FindingFilter, ViolationFilter
from .models import EvaluationRun, Finding, Policy
from .serializers import (
    ApplyInputSerializer,
    DismissInputSerializer,
    EvaluationRunSerializer,
    FindingOutputSerializer,
    FindingsSummarySerializer,
    PolicyInputSerializer,
    PolicyOutputSerializer,
    PolicyUpdateSerializer,
    RuleSettingsInputSerializer,
    RuleSettingsOutputSerializer,
    SnoozeInputSerializer,
    ViolationOutputSerializer,
)

VIEW = "recommendations.view"
MANAGE = "recommendations.manage"
BAD_INPUT = OpenApiResponse(ErrorResponseSerializer, description="Invalid input: the problems by field.")
CONFLICT = OpenApiResponse(ErrorResponseSerializer,
                           description="The finding's status does not allow this action (invalid_transition).")
RUNNING = OpenApiResponse(ErrorResponseSerializer,
                          description="An evaluation is already queued or running (evaluation_running, its run_id).")


class FindingPagination(PageNumberPagination):
    """``page`` and ``page_size`` (50 by default, 500 at most)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


def _finding(pk) -> Finding:
    try:
        return selectors.finding_get(pk=pk)
    except Finding.DoesNotExist as exc:
        raise Http404 from exc


def _policy(pk) -> Policy:
    try:
        return selectors.policy_get(pk=pk)
    except Policy.DoesNotExist as exc:
        raise Http404 from exc


# --- findings ---------------------------------------------------------------------------------------------------

class FindingListApi(ListAPIView):
    """Findings, largest estimated savings first, paginated (``page_size`` up to 500). ``status``, ``category``,
    ``confidence``, ``rule`` and ``provider`` take comma-separated values; ``resource`` also matches findings
    that cover the resource among others (a stopped VM's disks)."""

    required_permissions = {"GET": VIEW}
    serializer_class = FindingOutputSerializer
    filterset_class = FindingFilter
    pagination_class = FindingPagination

    def get_queryset(self):
        return selectors.finding_list()

    @extend_schema(operation_id="recommendations_list")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class FindingDetailApi(APIView):
    required_permissions = {"GET": VIEW}

    @extend_schema(operation_id="recommendations_retrieve", responses={200: FindingOutputSerializer})
    def get(self, request, pk: int):
        return Response(FindingOutputSerializer(_finding(pk)).data)


class FindingSummaryApi(APIView):
    """The backlog in figures: potential savings per month (open and accepted findings, policy violations
    excluded), realized savings (measured over verified findings; null while none is), counts by category and
    status."""

    required_permissions = {"GET": VIEW}

    @extend_schema(operation_id="recommendations_summary", responses={200: FindingsSummarySerializer})
    def get(self, request):
        return Response(FindingsSummarySerializer(selectors.findings_summary()).data)


class _FindingActionApi(APIView):
    required_permissions = {"POST": MANAGE}
    input_serializer: type | None = None

    def post(self, request, pk: int):
        finding = _finding(pk)
        values = {}
        if self.input_serializer is not None:
            data = self.input_serializer(data=request.data)
            data.is_valid(raise_exception=True)
            values = data.validated_data
        finding = self.act(finding=finding, actor=request.user, **values)
        return Response(FindingOutputSerializer(finding).data)

    def act(self, **kwargs) -> Finding:
        raise NotImplementedError


def _action_schema(action: str, description: str, request=None):
    return extend_schema(operation_id=f"recommendations_{action}", description=description, request=request,
                         responses={200: FindingOutputSerializer, 400: BAD_INPUT, 409: CONFLICT})


class FindingAcceptApi(_FindingActionApi):
    @_action_schema("accept", "Accept an open, snoozed or dismissed finding: someone will act on it.")
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, *, finding, actor):
        return services.finding_accept(finding=finding, actor=actor)


class FindingDismissApi(_FindingActionApi):
    input_serializer = DismissInputSerializer

    @_action_schema("dismiss", "Dismiss an open, accepted or snoozed finding, with the reason.",
                    DismissInputSerializer)
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, *, finding, actor, reason):
        return services.finding_dismiss(finding=finding, actor=actor, reason=reason)


class FindingSnoozeApi(_FindingActionApi):
    input_serializer = SnoozeInputSerializer

    @_action_schema("snooze", "Snooze an open or accepted finding until a date (after today, within a year); "
                    "it opens again on that date.", SnoozeInputSerializer)
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, *, finding, actor, until):
        return services.finding_snooze(finding=finding, actor=actor, until=until)


class FindingApplyApi(_FindingActionApi):
    input_serializer = ApplyInputSerializer

    @_action_schema("apply", "Mark the change made (``applied_on``, today by default, not in the future): the "
                    "realized saving is measured from the ledger once a week has passed.", ApplyInputSerializer)
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, *, finding, actor, applied_on=None):
        return services.finding_apply(finding=finding, actor=actor, applied_on=applied_on)


class FindingReopenApi(_FindingActionApi):
    @_action_schema("reopen", "Open a dismissed, snoozed or accepted finding again.")
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, *, finding, actor):
        return services.finding_reopen(finding=finding, actor=actor)


# --- evaluations ------------------------------------------------------------------------------------------------

class EvaluationStartApi(APIView):
    """Evaluate every enabled rule and policy over the organization in the background: 202 with the queued run;
    follow it at ``evaluations/{id}/``. Re-evaluation keeps each finding's id."""

    required_permissions = {"POST": MANAGE}

    @extend_schema(operation_id="recommendations_evaluate", request=None,
                   responses={202: EvaluationRunSerializer, 409: RUNNING})
    def post(self, request):
        run = services.evaluation_start(actor=request.user)
        return Response(EvaluationRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)


class EvaluationDetailApi(APIView):
    required_permissions = {"GET": VIEW}

    @extend_schema(operation_id="recommendations_evaluation", responses={200: EvaluationRunSerializer})
    def get(self, request, pk: int):
        try:
            run = selectors.evaluation_get(pk=pk)
        except EvaluationRun.DoesNotExist as exc:
            raise Http404 from exc
        return Response(EvaluationRunSerializer(run).data)


class EvaluationLatestApi(APIView):
    """The newest evaluation (404 when the organization has none yet)."""

    required_permissions = {"GET": VIEW}

    @extend_schema(operation_id="recommendations_evaluation_latest", responses={200: EvaluationRunSerializer})
    def get(self, request):
        run = selectors.evaluation_latest()
        if run is None:
            raise Http404
        return Response(EvaluationRunSerializer(run).data)


# --- rule settings ----------------------------------------------------------------------------------------------

class RuleSettingsApi(APIView):
    """Every registered rule with its parameters: default, allowed range and the organization's value. ``PUT``
    changes some: ``{"rules": {key: {"enabled": bool, "params": {key: number}}}}``; all values are checked before
    anything is saved, and an out-of-range one is refused with its range."""

    required_permissions = {"GET": VIEW, "PUT": MANAGE}

    @extend_schema(operation_id="recommendations_settings", responses={200: RuleSettingsOutputSerializer})
    def get(self, request):
        return Response(RuleSettingsOutputSerializer({"rules": selectors.rule_settings()}).data)

    @extend_schema(operation_id="recommendations_settings_update", request=RuleSettingsInputSerializer,
                   responses={200: RuleSettingsOutputSerializer, 400: BAD_INPUT})
    def put(self, request):
        data = RuleSettingsInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.rule_settings_update(actor=request.user, values=data.validated_data["rules"])
        return Response(RuleSettingsOutputSerializer({"rules": selectors.rule_settings()}).data)


# --- policies ---------------------------------------------------------------------------------------------------

class PolicyListApi(ListAPIView):
    """Guardrail policies; ``POST`` creates one (``name``, ``kind``, ``params``, ``scope``, ``enabled``), checked
    per kind; its violations appear with the next evaluation."""

    required_permissions = {"GET": VIEW, "POST": MANAGE}
    serializer_class = PolicyOutputSerializer

    def get_queryset(self):
        return selectors.policy_list()

    @extend_schema(operation_id="policies_list")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(operation_id="policies_create", request=PolicyInputSerializer,
                   responses={201: PolicyOutputSerializer, 400: BAD_INPUT})
    def post(self, request):
        data = PolicyInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        policy = services.policy_create(actor=request.user, **data.validated_data)
        return Response(PolicyOutputSerializer(policy).data, status=status.HTTP_201_CREATED)


class PolicyDetailApi(APIView):
    required_permissions = {"GET": VIEW, "PUT": MANAGE, "PATCH": MANAGE, "DELETE": MANAGE}

    @extend_schema(operation_id="policies_retrieve", responses={200: PolicyOutputSerializer})
    def get(self, request, pk: int):
        return Response(PolicyOutputSerializer(_policy(pk)).data)

    @extend_schema(operation_id="policies_update", request=PolicyInputSerializer,
                   responses={200: PolicyOutputSerializer, 400: BAD_INPUT})
    def put(self, request, pk: int):
        return self._update(request, pk, PolicyInputSerializer)

    @extend_schema(operation_id="policies_partial_update", request=PolicyUpdateSerializer,
                   responses={200: PolicyOutputSerializer, 400: BAD_INPUT})
    def patch(self, request, pk: int):
        return self._update(request, pk, PolicyUpdateSerializer)

    def _update(self, request, pk: int, serializer_class):
        policy = _policy(pk)
        data = serializer_class(data=request.data)
        data.is_valid(raise_exception=True)
        policy = services.policy_update(policy=policy, actor=request.user, **data.validated_data)
        return Response(PolicyOutputSerializer(policy).data)

    @extend_schema(operation_id="policies_destroy", responses={204: None})
    def delete(self, request, pk: int):
        services.policy_delete(policy=_policy(pk), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PolicyViolationListApi(ListAPIView):
    """Violations of the policies: findings of category ``policy`` (no savings; a risk level), each with its
    policy; the findings list's filters, plus ``policy``."""

    required_permissions = {"GET": VIEW}
    serializer_class = ViolationOutputSerializer
    filterset_class = ViolationFilter
    pagination_class = FindingPagination

    def get_queryset(self):
        return selectors.violation_list()

    @extend_schema(operation_id="policies_violations")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
