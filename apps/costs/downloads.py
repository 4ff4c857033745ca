"""Streamed file responses of the ledger, shared by the API and the explorer page."""

from __future__ import annotations

from typing import Any

from django.http import StreamingHttpResponse

from .selectors.focus_export import focus_export_chunks, focus_export_content_type, focus_export_filename


def focus_export_response(*, params: dict[str, Any], organization: str) -> StreamingHttpResponse:
    """The FOCUS file of validated ``params`` (``focus_export_params``), streamed as it is written."""
    name = focus_export_filename(organization=organization, start=params["start"], end=params["end"],
                                 output=params["output"])
    response = StreamingHttpResponse(
        focus_export_chunks(start=params["start"], end=params["end"], output=params["output"],
                            names=params.get("names", "latin")),
        content_type=focus_export_content_type(params["output"]))
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
