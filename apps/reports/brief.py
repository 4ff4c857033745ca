"""The CFO brief: one A4 page in Russian for a month (being built: see the brief's helper task)."""

from __future__ import annotations

from datetime import date


def brief_file(*, month: date, output: str) -> tuple[str, str, bytes]:
    """``(file name, content type, content)`` of the brief for ``month`` as ``output`` (pdf or xlsx)."""
    raise NotImplementedError
