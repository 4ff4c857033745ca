"""Billing imports API: upload (multipart), list, detail with progress and the row-level report."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from . import selectors, services
from .models import BillingImport
from .serializers import BillingImportCreateSerializer, BillingImportDetailSerializer, BillingImportListSerializer


class BillingImportListApi(ListAPIView):
    """``POST`` a file (``file``, ``skip_invalid``, ``connection``): 202 with the queued import."""

    required_permissions = {"GET": "costs.view", "POST": "costs.manage"}
    serializer_class = BillingImportListSerializer
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self):
        return selectors.billing_import_list()

    @extend_schema(request={"multipart/form-data": BillingImportCreateSerializer},
                   responses={202: BillingImportDetailSerializer})
    def post(self, request):
        data = BillingImportCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        billing_import = services.billing_import_create(
            uploaded_file=data.validated_data["file"], user=request.user,
            connection=data.validated_data.get("connection"), skip_invalid=data.validated_data["skip_invalid"])
        return Response(BillingImportDetailSerializer(billing_import).data, status=status.HTTP_202_ACCEPTED)


class BillingImportDetailApi(APIView):
    required_permissions = {"GET": "costs.view"}

    @extend_schema(responses={200: BillingImportDetailSerializer})
    def get(self, request, pk: int):
        try:
            billing_import = selectors.billing_import_get(import_id=pk)
        except BillingImport.DoesNotExist as exc:
            raise Http404 from exc
        return Response(BillingImportDetailSerializer(billing_import).data)
