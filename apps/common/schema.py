"""The project's OpenAPI generator (drf-spectacular), so ``/api/schema/`` says what the API really does."""

from __future__ import annotations

from drf_spectacular import openapi

from .serializers import ErrorResponseSerializer


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's generator plus two facts it cannot see by itself:

    - every operation may answer an error, always in one shape (``apps.common.errors``): documented as ``4XX``;
    - a GET view that names a ``filterset_class`` takes its filters as query parameters also when it answers one
      object (an aggregate of the filtered list, such as the resources summary), not only when it lists.
    """

    def get_filter_backends(self):
        if self.method == "GET" and getattr(self.view, "filterset_class", None) is not None:
            return list(getattr(self.view, "filter_backends", []))
        return super().get_filter_backends()

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if "4XX" not in responses:
            responses["4XX"] = self._get_response_for_code(ErrorResponseSerializer, "4XX", direction=direction)
        return responses
