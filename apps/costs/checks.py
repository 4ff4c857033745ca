"""System checks of the cost imports' configuration (``manage.py check``, run at every start)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.exceptions import ImproperlyConfigured

from .services.import_storage import upload_location


@register(Tags.compatibility)
def check_billing_import_storage(app_configs=None, **kwargs):
    """An S3 upload store needs a valid ``s3://bucket/prefix``, an http(s) endpoint and both halves of its key:
    found at start rather than at the first upload."""
    try:
        location = upload_location()
    except ImproperlyConfigured as exc:
        return [Error(str(exc), hint="For example s3://infrazen-imports/uploads", id="infrazen.E101")]
    if location is None:
        return []
    errors = []
    if not str(getattr(settings, "BILLING_IMPORT_S3_ENDPOINT", "")).startswith(("https://", "http://")):
        errors.append(Error("BILLING_IMPORT_S3_ENDPOINT is not an http(s) URL.",
                            hint="For example https://storage.yandexcloud.net", id="infrazen.E102"))
    missing = [name for name in ("BILLING_IMPORT_S3_ACCESS_KEY_ID", "BILLING_IMPORT_S3_SECRET_ACCESS_KEY")
               if not getattr(settings, name, "")]
    if missing:
        errors.append(Error(f"BILLING_IMPORT_STORAGE is an S3 bucket but {' and '.join(missing)} "
                            f"{'are' if len(missing) > 1 else 'is'} not set.",
                            hint="A static access key that may put, get and delete objects in the bucket.",
                            id="infrazen.E103"))
    return errors
