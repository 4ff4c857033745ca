from __future__ import annotations

from django_tenants.utils import get_tenant_model
from rest_framework import serializers

from apps.common.serializers import OutputModelSerializer

from .models import Invitation, Membership
from .roles import Role


class TokenInputSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(write_only=True, trim_whitespace=False)
    name = serializers.CharField(required=False, max_length=100, help_text="Shown in the list of API tokens.")


class TokenOutputSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Shown only once: keep it, the server stores only its hash.")


class UserOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    full_name = serializers.CharField()


class OrganizationOutputSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=get_tenant_model().Kind.choices)
    currency = serializers.CharField()
    timezone = serializers.CharField()
    host = serializers.CharField(source="primary_host")


class MeOutputSerializer(serializers.Serializer):
    user = UserOutputSerializer()
    organization = OrganizationOutputSerializer()
    role = serializers.ChoiceField(choices=Role.choices)
    via = serializers.ChoiceField(choices=[("member", "member"), ("partner", "partner")])
    permissions = serializers.ListField(child=serializers.CharField())


class MembershipOutputSerializer(OutputModelSerializer):
    user = UserOutputSerializer()

    class Meta:
        model = Membership
        fields = ["id", "user", "role", "created_at"]


class MembershipUpdateSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)


class InvitationOutputSerializer(OutputModelSerializer):
    invited_by = serializers.EmailField(source="invited_by.email", default=None, allow_null=True, read_only=True)

    class Meta:
        model = Invitation
        fields = ["id", "email", "role", "status", "invited_by", "created_at", "expires_at", "accepted_at"]


class InvitationCreateSerializer(serializers.Serializer):
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=Role.choices, default=Role.VIEWER)
