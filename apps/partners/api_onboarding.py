"""Public-host API of an MSP: its profile (name and requisites) and onboarding a client organization."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.roles import Role
from apps.common.errors import ApplicationError
from apps.tenants.models import CURRENCY_CHOICES, TIMEZONE_CHOICES
from apps.tenants.services import partner_update_profile, slug_suggest

from .access import partner_membership_resolve
from .api_console import IsPartnerMember as IsConsoleMember
from .api_console import PartnerClientListApi
from .services_onboarding import client_onboard, handoff_path


class IsPartnerMember(BasePermission):
    """The caller must be a member of an MSP partner whose role allows the view's permission for the method
    (``required_permissions``); the membership is kept on the request for the view."""

    def has_permission(self, request, view) -> bool:
        if not request.user or not request.user.is_authenticated:
            raise exceptions.NotAuthenticated()
        mapping = getattr(view, "required_permissions", {})
        method = "GET" if request.method in ("HEAD", "OPTIONS") else request.method
        permission = mapping.get(method, mapping.get("*", "partner.manage"))
        try:
            request.partner_membership = partner_membership_resolve(
                user=request.user, permission=permission, partner_slug=request.query_params.get("partner") or None)
        except ApplicationError as exc:
            self.message = exc.message
            return False
        return True


class PartnerProfileSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    legal_name = serializers.CharField(max_length=300, allow_blank=True, required=False)
    inn = serializers.CharField(max_length=12, allow_blank=True, required=False,
                                help_text="ИНН: 10 digits (legal entity) or 12 (individual entrepreneur).")
    kpp = serializers.CharField(max_length=9, allow_blank=True, required=False,
                                help_text="КПП: 9 characters; empty for an individual entrepreneur.")
    legal_address = serializers.CharField(max_length=500, allow_blank=True, required=False)


class PartnerProfileApi(APIView):
    """``GET`` every partner member; ``PUT`` the partner's owners, administrators and finance (the requisites
    are printed on client statements as the seller's)."""

    permission_classes = [IsPartnerMember]
    required_permissions = {"GET": "partner.view", "*": "partner.manage"}

    @staticmethod
    def _body(partner) -> dict:
        return {"name": partner.name, "legal_name": partner.legal_name, "inn": partner.inn, "kpp": partner.kpp,
                "legal_address": partner.legal_address}

    @extend_schema(responses={200: PartnerProfileSerializer})
    def get(self, request):
        return Response(self._body(request.partner_membership.partner))

    @extend_schema(request=PartnerProfileSerializer, responses={200: PartnerProfileSerializer})
    def put(self, request):
        data = PartnerProfileSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        partner = partner_update_profile(partner=request.partner_membership.partner, actor=request.user,
                                         **data.validated_data)
        return Response(self._body(partner))


class InvitationInputSerializer(serializers.Serializer):
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=Role.choices, default=Role.OWNER)


class ClientCreateInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    slug = serializers.CharField(max_length=40, required=False, allow_blank=True,
                                 help_text="The client's address (subdomain); empty: made from the name.")
    currency = serializers.ChoiceField(choices=CURRENCY_CHOICES, default="RUB")
    timezone = serializers.ChoiceField(choices=TIMEZONE_CHOICES, default="Europe/Moscow")
    legal_name = serializers.CharField(max_length=300, allow_blank=True, required=False)
    inn = serializers.CharField(max_length=12, allow_blank=True, required=False)
    kpp = serializers.CharField(max_length=9, allow_blank=True, required=False)
    legal_address = serializers.CharField(max_length=500, allow_blank=True, required=False)
    invitations = InvitationInputSerializer(many=True, required=False)


class InvitationOutputSerializer(serializers.Serializer):
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=Role.choices)


class ClientCreateOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()
    host = serializers.CharField()
    add_connection_url = serializers.CharField(
        help_text="Hand-off link on the public host into the client's «Добавить провайдера» page.")
    invitations = InvitationOutputSerializer(many=True)


class PartnerClientCreateApi(APIView):
    """Onboard a client organization of the caller's partner (``partner.manage``): its schema, requisites and
    invitations (each an e-mail). 201 with the new organization."""

    permission_classes = [IsPartnerMember]
    required_permissions = {"*": "partner.manage"}

    @extend_schema(request=ClientCreateInputSerializer, responses={201: ClientCreateOutputSerializer})
    def post(self, request):
        data = ClientCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        result = client_onboard(
            partner=request.partner_membership.partner, actor=request.user, name=values["name"],
            slug=values.get("slug") or slug_suggest(values["name"]), currency=values["currency"],
            timezone=values["timezone"],
            requisites={f: values.get(f, "") for f in ("legal_name", "inn", "kpp", "legal_address")},
            invitations=values.get("invitations") or [], request=request)
        organization = result.organization
        body = {"id": organization.pk, "slug": organization.slug, "name": organization.name,
                "host": organization.primary_host, "add_connection_url": handoff_path(organization),
                "invitations": [{"email": i.invitation.email, "role": i.invitation.role}
                                for i in result.invitations]}
        return Response(ClientCreateOutputSerializer(body).data, status=status.HTTP_201_CREATED)


class ClientsPermission(BasePermission):
    """``GET`` as the console's list (every member of the partner); ``POST`` onboards (``partner.manage``)."""

    def has_permission(self, request, view) -> bool:
        check = IsPartnerMember() if request.method == "POST" else IsConsoleMember()
        allowed = check.has_permission(request, view)
        if not allowed and getattr(check, "message", None):
            self.message = check.message
        return allowed


class PartnerClientsApi(PartnerClientListApi):
    """``/api/v1/partner/clients/``: the partner's clients with their figures (GET, every member) and onboarding a
    new client (POST, the partner's owners, administrators and finance)."""

    permission_classes = [ClientsPermission]
    required_permissions = {"POST": "partner.manage"}
    post = PartnerClientCreateApi.post
