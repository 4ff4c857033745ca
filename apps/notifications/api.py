"""Notifications API: channels (CRUD, a test message, a Telegram link code) and the alert history.

Reading needs ``costs.view``; changing organization channels ``costs.manage``. Personal channels (a member's own
private chat, linked with a personal code) are seen and changed only by their user, with ``costs.view``; another
user's personal channel is a 404.
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import ListAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.access import access_for_request
from apps.common.serializers import ErrorResponseSerializer

from . import selectors, services
from .models import Channel
from .serializers import (
    AlertOutputSerializer,
    ChannelInputSerializer,
    ChannelOutputSerializer,
    ChannelTestSerializer,
    ChannelUpdateSerializer,
    LinkCodeInputSerializer,
    LinkCodeSerializer,
)

VIEW = "costs.view"
MANAGE = "costs.manage"
BAD_INPUT = OpenApiResponse(ErrorResponseSerializer, description="Invalid input, or the message was refused.")


class AlertPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


def _can_manage(request) -> bool:
    access = access_for_request(request)
    return access is not None and access.can(MANAGE)


def _channel(request, pk, *, change: bool = False) -> Channel:
    """A channel the caller may see; ``change``: an organization channel needs ``costs.manage``, a personal one
    is its user's."""
    try:
        channel = selectors.channel_get(pk=pk, user=request.user)
    except Channel.DoesNotExist as exc:
        raise Http404 from exc
    if change and channel.user_id is None and not _can_manage(request):
        raise PermissionDenied(_("Your role does not allow this action."))
    return channel


class ChannelListApi(APIView):
    """Notification channels; ``POST`` adds one (``kind`` telegram with ``chat_id``, or email with ``address``)."""

    required_permissions = {"GET": VIEW, "POST": MANAGE}

    @extend_schema(operation_id="channels_list", responses={200: ChannelOutputSerializer(many=True)})
    def get(self, request):
        return Response(ChannelOutputSerializer(selectors.channel_list(user=request.user), many=True).data)

    @extend_schema(operation_id="channels_create", request=ChannelInputSerializer,
                   responses={201: ChannelOutputSerializer, 400: BAD_INPUT})
    def post(self, request):
        data = ChannelInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        channel = services.channel_create(actor=request.user, **data.validated_data)
        return Response(ChannelOutputSerializer(channel).data, status=status.HTTP_201_CREATED)


class ChannelDetailApi(APIView):
    """A channel: organization channels change with ``costs.manage``, personal ones by their own user."""

    required_permissions = {"GET": VIEW, "PUT": VIEW, "PATCH": VIEW, "DELETE": VIEW}

    @extend_schema(operation_id="channels_retrieve", responses={200: ChannelOutputSerializer})
    def get(self, request, pk: int):
        return Response(ChannelOutputSerializer(_channel(request, pk)).data)

    @extend_schema(operation_id="channels_update", request=ChannelUpdateSerializer,
                   responses={200: ChannelOutputSerializer, 400: BAD_INPUT})
    def put(self, request, pk: int):
        return self._update(request, pk)

    @extend_schema(operation_id="channels_partial_update", request=ChannelUpdateSerializer,
                   responses={200: ChannelOutputSerializer, 400: BAD_INPUT})
    def patch(self, request, pk: int):
        return self._update(request, pk)

    def _update(self, request, pk: int):
        channel = _channel(request, pk, change=True)
        data = ChannelUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        channel = services.channel_update(channel=channel, actor=request.user, **data.validated_data)
        return Response(ChannelOutputSerializer(channel).data)

    @extend_schema(operation_id="channels_destroy", responses={204: None})
    def delete(self, request, pk: int):
        services.channel_delete(channel=_channel(request, pk, change=True), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ChannelTestApi(APIView):
    """Send a test message to the channel now; a refusal (wrong bot token, blocked bot, unknown chat) is a 400
    with the reason in Russian."""

    required_permissions = {"POST": VIEW}

    @extend_schema(operation_id="channels_test", request=None,
                   responses={200: ChannelTestSerializer, 400: BAD_INPUT})
    def post(self, request, pk: int):
        services.channel_test(channel=_channel(request, pk, change=True), actor=request.user)
        return Response({"sent": True})


class LinkCodeApi(APIView):
    """A one-time code to link a Telegram chat: send the bot ``/start <code>`` from the chat (or open
    ``bot_url``). ``personal``: the caller's own private chat becomes the caller's personal channel (any member);
    a code for an organization chat needs ``costs.manage``."""

    required_permissions = {"POST": VIEW}

    @extend_schema(operation_id="channels_link_code", request=LinkCodeInputSerializer,
                   responses={201: LinkCodeSerializer, 400: BAD_INPUT})
    def post(self, request):
        data = LinkCodeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        personal = data.validated_data["personal"]
        if not personal and not _can_manage(request):
            raise PermissionDenied(_("Your role does not allow this action."))
        link = services.link_code_create(actor=request.user, personal=personal)
        body = {"code": link.code, "command": f"/start {link.code}", "bot_url": selectors.bot_link(link.code),
                "expires_at": link.expires_at, "personal": link.personal}
        return Response(LinkCodeSerializer(body).data, status=status.HTTP_201_CREATED)


class AlertListApi(ListAPIView):
    """The alert history, newest first: one row per message per channel, with its delivery status and error.
    ``status``, ``kind`` take comma-separated values; ``channel`` an id."""

    required_permissions = {"GET": VIEW}
    serializer_class = AlertOutputSerializer
    pagination_class = AlertPagination

    def get_queryset(self):
        channel = self.request.query_params.get("channel")
        return selectors.alert_list(status=self.request.query_params.get("status"),
                                    kind=self.request.query_params.get("kind"),
                                    channel=int(channel) if channel and channel.isdigit() else None,
                                    user=self.request.user)

    @extend_schema(operation_id="alerts_list", parameters=[
        OpenApiParameter("status", OpenApiTypes.STR, description="queued, sent, retrying, failed (comma-separated)"),
        OpenApiParameter("kind", OpenApiTypes.STR, description="alert kinds (comma-separated)"),
        OpenApiParameter("channel", OpenApiTypes.INT, description="channel id"),
    ])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
