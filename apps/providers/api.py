from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.serializers import ErrorResponseSerializer

from . import registry, selectors, services
from .filters import SyncRunFilter
from .models import ProviderConnection, SyncRun, SyncTrigger
from .serializers import (
    ConnectionCreateSerializer,
    ConnectionOutputSerializer,
    ConnectionTestOutputSerializer,
    ConnectionUpdateSerializer,
    CredentialsTestSerializer,
    ProviderSpecSerializer,
    SyncRunOutputSerializer,
)
from .sync import sync_run_start

# The credentials of a provider are the fields of its spec (GET /providers/); Beget's, as an example.
BEGET_CREDENTIALS_EXAMPLE = {"login": "account", "password": "account-password"}
# A check that reaches the provider answers 502 (the one error shape) when the provider cannot be reached or fails.
PROVIDER_UNAVAILABLE = OpenApiResponse(ErrorResponseSerializer,
                                       description="The provider could not be reached or failed.")


def _connection(pk) -> ProviderConnection:
    try:
        return selectors.connection_get(connection_id=pk)
    except ProviderConnection.DoesNotExist as exc:
        raise Http404 from exc


class ProviderListApi(APIView):
    """The providers one can connect, with the fields of their connection form."""

    required_permissions = {"GET": "connections.view"}

    @extend_schema(responses={200: ProviderSpecSerializer(many=True)})
    def get(self, request):
        specs = [registry.get_spec(key) for key in registry.provider_keys()]
        return Response(ProviderSpecSerializer(specs, many=True).data)


class ConnectionListApi(ListAPIView):
    """Paginated like every API list (``count``, ``next``, ``previous``, ``results``)."""

    required_permissions = {"GET": "connections.view", "POST": "connections.manage"}
    serializer_class = ConnectionOutputSerializer

    def get_queryset(self):
        return selectors.connection_list()

    @extend_schema(request=ConnectionCreateSerializer, responses={201: ConnectionOutputSerializer},
                   examples=[OpenApiExample("Beget", request_only=True, value={
                       "provider": "beget", "name": "Beget", "credentials": BEGET_CREDENTIALS_EXAMPLE})])
    def post(self, request):
        data = ConnectionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        conn = services.connection_create(actor=request.user, **data.validated_data)
        return Response(ConnectionOutputSerializer(conn).data, status=status.HTTP_201_CREATED)


class ConnectionDetailApi(APIView):
    required_permissions = {"GET": "connections.view", "PATCH": "connections.manage", "PUT": "connections.manage",
                            "DELETE": "connections.manage"}

    @extend_schema(responses={200: ConnectionOutputSerializer})
    def get(self, request, pk: int):
        return Response(ConnectionOutputSerializer(_connection(pk)).data)

    @extend_schema(request=ConnectionUpdateSerializer, responses={200: ConnectionOutputSerializer})
    def patch(self, request, pk: int):
        conn = _connection(pk)
        data = ConnectionUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.connection_update(connection=conn, actor=request.user, **data.validated_data)
        return Response(ConnectionOutputSerializer(conn).data)

    put = patch

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        services.connection_delete(connection=_connection(pk), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ConnectionTestApi(APIView):
    """Check a saved connection against its provider; the outcome is recorded on the connection."""

    required_permissions = {"POST": "connections.manage"}

    @extend_schema(operation_id="connection_test", request=None,
                   responses={200: ConnectionTestOutputSerializer, 502: PROVIDER_UNAVAILABLE})
    def post(self, request, pk: int):
        info = services.connection_test(connection=_connection(pk), actor=request.user)
        return Response(ConnectionTestOutputSerializer({"ok": True, "account_info": info}).data)


class CredentialsTestApi(APIView):
    """Check credentials before saving them: nothing is stored."""

    required_permissions = {"POST": "connections.manage"}

    @extend_schema(operation_id="connection_credentials_test", request=CredentialsTestSerializer,
                   responses={200: ConnectionTestOutputSerializer, 502: PROVIDER_UNAVAILABLE},
                   examples=[OpenApiExample("Beget", request_only=True, value={
                       "provider": "beget", "credentials": BEGET_CREDENTIALS_EXAMPLE})])
    def post(self, request):
        data = CredentialsTestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        info = services.credentials_test(**data.validated_data)
        return Response(ConnectionTestOutputSerializer({"ok": True, "account_info": info}).data)


class ConnectionSyncApi(APIView):
    """Queue a sync of the connection: 202 with the run (``id``, ``status`` "queued"); 409 while one runs."""

    required_permissions = {"POST": "connections.manage"}

    @extend_schema(operation_id="connection_sync", request=None, responses={202: SyncRunOutputSerializer})
    def post(self, request, pk: int):
        run = sync_run_start(connection=_connection(pk), actor=request.user, trigger=SyncTrigger.API
                             if request.auth is not None else SyncTrigger.MANUAL)
        return Response(SyncRunOutputSerializer(run).data, status=status.HTTP_202_ACCEPTED)


class SyncRunListApi(ListAPIView):
    """Sync runs, newest first; ``?connection=<id>``, ``?status=``, ``?trigger=`` narrow them."""

    required_permissions = {"GET": "connections.view"}
    serializer_class = SyncRunOutputSerializer
    filterset_class = SyncRunFilter

    def get_queryset(self):
        return selectors.sync_run_list()


class SyncRunDetailApi(APIView):
    required_permissions = {"GET": "connections.view"}

    @extend_schema(responses={200: SyncRunOutputSerializer})
    def get(self, request, pk: int):
        try:
            run = selectors.sync_run_get(sync_run_id=pk)
        except SyncRun.DoesNotExist as exc:
            raise Http404 from exc
        return Response(SyncRunOutputSerializer(run).data)
