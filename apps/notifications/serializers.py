from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.common.serializers import OutputModelSerializer

from .models import Alert, Channel
from .vocabulary import AlertKind, AlertStatus, ChannelKind


@extend_schema_field({"type": "string", "pattern": r"^\d{2}:\d{2}$", "example": "23:00",
                      "description": "Local time (Europe/Moscow), HH:MM."})
class LocalTimeField(serializers.TimeField):
    """A wall-clock time in the organization's time zone as ``HH:MM`` (OpenAPI's ``format: time`` demands an
    offset, which a daily quiet hour has not)."""

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


class ChannelOutputSerializer(OutputModelSerializer):
    quiet_start = LocalTimeField(read_only=True, allow_null=True)
    quiet_end = LocalTimeField(read_only=True, allow_null=True)
    personal = serializers.BooleanField(read_only=True, help_text="The caller's personal channel (a private chat).")

    class Meta:
        model = Channel
        fields = ("id", "kind", "name", "chat_id", "address", "enabled", "kinds", "quiet_start", "quiet_end",
                  "throttle_seconds", "personal", "created_at", "updated_at")


class ChannelInputSerializer(serializers.Serializer):
    """``chat_id`` for Telegram (a private chat's or group's id, or ``@channel``), ``address`` for email; ``kinds``
    = the alert kinds the channel receives (empty = all); quiet hours in Europe/Moscow."""

    kind = serializers.ChoiceField(choices=ChannelKind.choices)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    chat_id = serializers.CharField(max_length=64, required=False, allow_blank=True)
    address = serializers.EmailField(required=False, allow_blank=True)
    enabled = serializers.BooleanField(required=False, default=True)
    kinds = serializers.ListField(child=serializers.ChoiceField(choices=AlertKind.choices), required=False,
                                  default=list)
    quiet_start = LocalTimeField(required=False, allow_null=True, default=None)
    quiet_end = LocalTimeField(required=False, allow_null=True, default=None)
    throttle_seconds = serializers.IntegerField(required=False, min_value=0, max_value=86400, default=0)


class ChannelUpdateSerializer(serializers.Serializer):
    """Any of the fields; what is left out stays (the kind never changes)."""

    name = serializers.CharField(max_length=200, required=False)
    chat_id = serializers.CharField(max_length=64, required=False, allow_blank=True)
    address = serializers.EmailField(required=False, allow_blank=True)
    enabled = serializers.BooleanField(required=False)
    kinds = serializers.ListField(child=serializers.ChoiceField(choices=AlertKind.choices), required=False)
    quiet_start = LocalTimeField(required=False, allow_null=True)
    quiet_end = LocalTimeField(required=False, allow_null=True)
    throttle_seconds = serializers.IntegerField(required=False, min_value=0, max_value=86400)


class ChannelTestSerializer(serializers.Serializer):
    sent = serializers.BooleanField()


class LinkCodeInputSerializer(serializers.Serializer):
    personal = serializers.BooleanField(required=False, default=False)


class LinkCodeSerializer(serializers.Serializer):
    code = serializers.CharField()
    command = serializers.CharField()
    bot_url = serializers.CharField(allow_blank=True)
    expires_at = serializers.DateTimeField()
    personal = serializers.BooleanField()


class SubjectSerializer(serializers.Serializer):
    type = serializers.CharField()
    id = serializers.CharField()


class AlertOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=AlertKind.choices)
    subject = serializers.SerializerMethodField()
    channel = serializers.IntegerField(source="channel_id")
    status = serializers.ChoiceField(choices=AlertStatus.choices)
    error = serializers.CharField(allow_blank=True)
    text = serializers.CharField()
    link = serializers.CharField(allow_blank=True)
    created = serializers.DateTimeField(source="created_at")
    sent = serializers.DateTimeField(source="sent_at", allow_null=True)

    @extend_schema_field(SubjectSerializer)
    def get_subject(self, alert: Alert) -> dict:
        return {"type": alert.subject_type, "id": alert.subject_id}
