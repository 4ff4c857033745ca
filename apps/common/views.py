from __future__ import annotations

import time

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache


@never_cache
def healthz(request):
    """Liveness + readiness: database reachable and the job queue draining. 200 or 503, JSON."""
    checks: dict[str, dict] = {}
    started = time.monotonic()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        checks["database"] = {"ok": True, "ms": round((time.monotonic() - started) * 1000, 1)}
    except Exception:  # noqa: BLE001 - any failure means unhealthy; details stay in the logs
        checks["database"] = {"ok": False}
    checks["queue"] = _queue_check() if checks["database"]["ok"] else {"ok": False}
    healthy = all(check["ok"] for check in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503)


def _queue_check() -> dict:
    try:
        from django_q.brokers import get_broker

        broker = get_broker()
        pending = broker.queue_size()
        check: dict = {"ok": broker.ping(), "pending": pending}
        if "orm" in settings.Q_CLUSTER:
            from django_q.models import OrmQ

            oldest = OrmQ.objects.using(settings.Q_CLUSTER["orm"]).order_by("lock", "id").values_list(
                "lock", flat=True
            ).first()
            if oldest is not None:
                age = (timezone.now() - oldest).total_seconds()
                check["oldest_seconds"] = round(max(age, 0))
                check["ok"] = check["ok"] and age <= settings.HEALTHZ_QUEUE_MAX_AGE
        return check
    except Exception:  # noqa: BLE001
        return {"ok": False}


def _wants_json(request) -> bool:
    return request.path.startswith("/api/")


def page_not_found(request, exception=None):
    """404: the API keeps its one JSON error shape; pages get the branded 404 page."""
    if _wants_json(request):
        from django.utils.translation import gettext as _

        from .errors import ErrorCode, error_body

        return JsonResponse(error_body(ErrorCode.NOT_FOUND.value, _("Not found.")), status=404)
    from django.views.defaults import page_not_found as default_page_not_found

    return default_page_not_found(request, exception)


def server_error(request):
    if _wants_json(request):
        from django.utils.translation import gettext as _

        from .errors import ErrorCode, error_body

        return JsonResponse(error_body(ErrorCode.SERVER_ERROR.value, _("Internal server error.")), status=500)
    from django.views.defaults import server_error as default_server_error

    return default_server_error(request)
