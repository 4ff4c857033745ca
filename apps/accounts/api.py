from __future__ import annotations

from datetime import timedelta

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import get_tenant_model
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.errors import ApplicationError, ErrorCode

from . import selectors, services
from .access import access_for_request, access_resolve
from .models import Invitation, Membership, PartnerMembership
from .serializers import (
    InvitationCreateSerializer,
    InvitationOutputSerializer,
    MembershipOutputSerializer,
    MembershipUpdateSerializer,
    MeOutputSerializer,
    OrganizationOutputSerializer,
    TokenInputSerializer,
    TokenOutputSerializer,
)


class TokenObtainApi(APIView):
    """Exchange email + password for a new API token (it expires after API_TOKEN_EXCHANGE_TTL_DAYS days).

    On an organization host only its members (or its MSP's operators) get a token; on the public host
    only MSP operators do (for the partner API). Failed attempts count toward the login lockout.
    """

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(request=TokenInputSerializer, responses={200: TokenOutputSerializer})
    def post(self, request):
        data = TokenInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        email, password = data.validated_data["email"], data.validated_data["password"]
        try:
            user = get_adapter(request).authenticate(request._request, email=email, password=password)
        except DjangoValidationError as exc:
            raise ApplicationError(
                _("Too many failed login attempts. Try again later."), ErrorCode.THROTTLED, http_status=429
            ) from exc
        if user is None or not user.is_active:
            raise ApplicationError(_("Invalid email or password."), ErrorCode.AUTHENTICATION_FAILED, http_status=401)
        tenant = request.tenant
        allowed = (
            PartnerMembership.objects.filter(user=user).exists()
            if tenant.is_public
            else access_resolve(user, tenant) is not None
        )
        if not allowed:
            raise ApplicationError(_("You do not have access to this organization."), ErrorCode.PERMISSION_DENIED,
                                   http_status=403)
        # Every exchange issues a new token (only its digest is kept, so an old one cannot be shown again).
        issued = services.api_token_create(
            user=user,
            name=data.validated_data.get("name") or _("Obtained with email and password"),
            expires_at=timezone.now() + timedelta(days=settings.API_TOKEN_EXCHANGE_TTL_DAYS),
            organization=tenant,
        )
        return Response(TokenOutputSerializer({"token": issued.secret}).data)


class MeApi(APIView):
    @extend_schema(responses={200: MeOutputSerializer})
    def get(self, request):
        access = access_for_request(request)
        payload = {
            "user": request.user,
            "organization": request.tenant,
            "role": access.role,
            "via": access.via,
            "permissions": sorted(access.permissions),
        }
        return Response(MeOutputSerializer(payload).data)


class MemberListApi(ListAPIView):
    required_permissions = {"GET": "members.view"}
    serializer_class = MembershipOutputSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no organization
            return Membership.objects.none()
        return selectors.membership_list(organization=self.request.tenant)


class MemberDetailApi(APIView):
    required_permissions = {"GET": "members.view", "PATCH": "members.manage", "DELETE": "members.manage"}

    def _get(self, request, pk) -> Membership:
        try:
            return selectors.membership_get(organization=request.tenant, membership_id=pk)
        except (Membership.DoesNotExist, ValueError) as exc:
            raise Http404 from exc

    @extend_schema(responses={200: MembershipOutputSerializer})
    def get(self, request, pk: int):
        return Response(MembershipOutputSerializer(self._get(request, pk)).data)

    @extend_schema(request=MembershipUpdateSerializer, responses={200: MembershipOutputSerializer})
    def patch(self, request, pk: int):
        membership = self._get(request, pk)
        data = MembershipUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.membership_change_role(membership=membership, role=data.validated_data["role"], actor=request.user,
                                        actor_role=request.access.role)
        return Response(MembershipOutputSerializer(membership).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        services.membership_remove(membership=self._get(request, pk), actor=request.user,
                                   actor_role=request.access.role)
        return Response(status=status.HTTP_204_NO_CONTENT)


class InvitationListApi(ListAPIView):
    required_permissions = {"GET": "members.view", "POST": "members.manage"}
    serializer_class = InvitationOutputSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Invitation.objects.none()
        return selectors.invitation_list(organization=self.request.tenant)

    @extend_schema(request=InvitationCreateSerializer, responses={201: InvitationOutputSerializer})
    def post(self, request):
        data = InvitationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        issued = services.invitation_create(
            organization=request.tenant, email=data.validated_data["email"], role=data.validated_data["role"],
            actor=request.user, actor_role=request.access.role, request=request,
        )
        return Response(InvitationOutputSerializer(issued.invitation).data, status=status.HTTP_201_CREATED)


class InvitationDetailApi(APIView):
    required_permissions = {"GET": "members.view", "DELETE": "members.manage"}

    def _get(self, request, pk) -> Invitation:
        try:
            return selectors.invitation_get(organization=request.tenant, invitation_id=pk)
        except (Invitation.DoesNotExist, ValueError) as exc:
            raise Http404 from exc

    @extend_schema(responses={200: InvitationOutputSerializer})
    def get(self, request, pk: int):
        return Response(InvitationOutputSerializer(self._get(request, pk)).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        services.invitation_revoke(invitation=self._get(request, pk), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class IsPartnerOperator(AllowAny):
    def has_permission(self, request, view) -> bool:
        from rest_framework.exceptions import NotAuthenticated

        if not request.user or not request.user.is_authenticated:
            raise NotAuthenticated()
        return PartnerMembership.objects.filter(user=request.user).exists()


class PartnerOrganizationListApi(ListAPIView):
    """Public host: the client organizations of the MSP partners the caller operates."""

    permission_classes = [IsPartnerOperator]
    serializer_class = OrganizationOutputSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no operator
            return get_tenant_model().objects.none()
        return selectors.partner_client_list(user=self.request.user)
