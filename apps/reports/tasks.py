"""Background jobs of reports (queued through ``apps.common.tasks.enqueue_in_tenant``, already in the tenant)."""

from __future__ import annotations

from .generation import export_generate


def export_generate_task(export_id: int) -> str:
    """Generate the archive file ``export_id`` (status and progress on its row); returns its final status."""
    return export_generate(export_id).status
