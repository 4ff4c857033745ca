"""The connection form, built from the provider's ``ProviderSpec.credential_fields``.

Secret fields render as password inputs that are never pre-filled; on edit an empty secret keeps its
stored value (the services decide that, the form only collects what was typed).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import ProviderConnection, SyncInterval
from .plugins.base import CredentialField, ProviderSpec

CREDENTIAL_PREFIX = "cred_"
KEEP_SECRET_PLACEHOLDER = _("•••••• (unchanged)")


def _credential_widget(field: CredentialField, *, editing: bool, stored: bool = False) -> forms.Widget:
    attrs: dict[str, Any] = {"autocomplete": "off", "spellcheck": "false"}
    if field.secret or field.widget == "password":
        attrs["autocomplete"] = "new-password"
        if editing and stored:
            attrs["placeholder"] = KEEP_SECRET_PLACEHOLDER
        return forms.PasswordInput(attrs=attrs, render_value=False)
    if field.widget == "textarea":
        return forms.Textarea(attrs={**attrs, "rows": 4, "class": "mono"})
    return forms.TextInput(attrs=attrs)


class ConnectionForm(forms.Form):
    """Add (``connection=None``) or edit one connection of ``spec``'s provider."""

    name = forms.CharField(label=_("Connection name"), max_length=120,
                           help_text=_("Shown on the cards and in reports, e.g. «Production»."))

    def __init__(self, *args: Any, spec: ProviderSpec, connection: ProviderConnection | None = None,
                 **kwargs: Any):
        self.spec = spec
        self.connection = connection
        editing = connection is not None
        if editing:
            kwargs.setdefault("initial", self.initial_for(connection, spec))
        else:
            kwargs.setdefault("initial", {"name": spec.label, "sync_interval_minutes": SyncInterval.DAILY,
                                          "auto_sync": True})
        super().__init__(*args, **kwargs)
        stored_credentials = (connection.credentials or {}) if editing else {}
        for cred in spec.credential_fields:
            stored = bool(stored_credentials.get(cred.name))
            help_text = cred.help_text
            if editing and cred.secret and stored:
                help_text = _("Leave empty to keep the saved value.")
            widget = _credential_widget(cred, editing=editing, stored=stored)
            if cred.required and not (editing and cred.secret and stored):
                widget.attrs["required"] = True  # a hint for the browser; the services decide
            # Never required here: what the credentials need (required fields, "one of" groups, blanks that
            # keep a stored secret) is decided in one place, ``services.credentials_clean``.
            self.fields[CREDENTIAL_PREFIX + cred.name] = forms.CharField(
                label=cred.label, required=False, help_text=help_text, strip=not cred.secret, widget=widget,
            )
        if settings.ALLOW_CUSTOM_PROVIDER_ENDPOINTS:
            self.fields["endpoint"] = forms.URLField(
                label=_("API base URL"), required=False, max_length=300, assume_scheme="https",
                help_text=_("Leave empty for the provider's public API. For test servers and private "
                            "installations."),
                widget=forms.URLInput(attrs={"placeholder": spec.default_endpoint or "https://"}),
            )
        self.fields["sync_interval_minutes"] = forms.TypedChoiceField(
            label=_("Sync interval"), choices=SyncInterval.choices, coerce=int,
        )
        self.fields["auto_sync"] = forms.BooleanField(label=_("Sync automatically"), required=False)

    @staticmethod
    def initial_for(connection: ProviderConnection, spec: ProviderSpec) -> dict[str, Any]:
        """Non-secret values only: a secret never travels back to the browser."""
        stored = connection.credentials or {}
        initial: dict[str, Any] = {
            "name": connection.name,
            "endpoint": connection.endpoint,
            "sync_interval_minutes": connection.sync_interval_minutes,
            "auto_sync": connection.auto_sync,
        }
        for cred in spec.credential_fields:
            if not cred.secret:
                initial[CREDENTIAL_PREFIX + cred.name] = stored.get(cred.name, "")
        return initial

    def credential_bound_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith(CREDENTIAL_PREFIX)]

    def settings_bound_fields(self) -> list[forms.BoundField]:
        names = ["sync_interval_minutes", "auto_sync"]
        return [self[name] for name in names]

    def credentials(self) -> dict[str, str]:
        """What was typed; on edit, empty secrets are left out so the stored ones stay (whitespace is sent:
        the services count it as empty)."""
        result: dict[str, str] = {}
        for cred in self.spec.credential_fields:
            value = self.cleaned_data.get(CREDENTIAL_PREFIX + cred.name) or ""
            if cred.secret and not value and self.connection is not None:
                continue
            result[cred.name] = value
        return result

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        kwargs: dict[str, Any] = {
            "name": data["name"],
            "credentials": self.credentials(),
            "sync_interval_minutes": data["sync_interval_minutes"],
            "auto_sync": bool(data.get("auto_sync")),
        }
        if "endpoint" in self.fields:
            kwargs["endpoint"] = data.get("endpoint") or ""
        return kwargs

    def add_application_error(self, error) -> None:
        """Place an ``ApplicationError``'s details on the matching fields (never echoing a secret)."""
        placed = False
        for key, messages in (error.extra or {}).items():
            if not isinstance(messages, list | tuple):
                continue
            target = key if key in self.fields else None
            if key.startswith("credentials."):
                name = CREDENTIAL_PREFIX + key.removeprefix("credentials.")
                target = name if name in self.fields else None
            for message in messages:
                self.add_error(target, str(message))
                placed = True
        if not placed:
            self.add_error(None, error.message)


class CredentialsTestForm(ConnectionForm):
    """The same fields, validated loosely: the test needs the credentials, not a name."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["name"].required = False
