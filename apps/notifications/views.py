"""The «Notifications» settings page: channels (add email, link Telegram with a one-time code, test, switch off,
delete) and the alert history with status and error. The Telegram webhook."""

from __future__ import annotations

import hmac
import json
import logging

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.permissions import require_permission
from apps.common.errors import ApplicationError
from apps.common.pages import page_of

from . import selectors, services
from .forms import EmailChannelForm, PreferencesForm
from .models import Channel, LinkCode
from .vocabulary import AlertKind, ChannelKind

logger = logging.getLogger(__name__)


def _page(request, *, form=None, link: LinkCode | None = None, status: int = 200):
    page, page_query = page_of(request, selectors.alert_list(user=request.user), per_page=50)
    context = {
        "channels": selectors.channel_list(user=request.user),
        "form": form or EmailChannelForm(),
        "link": link,
        "bot_url": selectors.bot_link(link.code) if link else "",
        "bot_configured": bool(settings.TELEGRAM_BOT_TOKEN),
        "page": page,
        "page_query": page_query,
        "can_manage": request.access.can("costs.manage"),
        "settings_tab": "notifications",
    }
    return render(request, "notifications/settings.html", context, status=status)


@require_GET
@require_permission("costs.view")
def notifications_settings(request):
    return _page(request)


@require_POST
@require_permission("costs.manage")
def channel_email_add(request):
    form = EmailChannelForm(request.POST)
    if not form.is_valid():
        return _page(request, form=form, status=400)
    services.channel_create(actor=request.user, kind=ChannelKind.EMAIL, address=form.cleaned_data["address"],
                            name=form.cleaned_data["name"])
    messages.success(request, _("Email channel added."))
    return redirect("notifications_settings")


@require_POST
@require_permission("costs.view")
def telegram_link_code(request):
    """A link code: an organization chat (``costs.manage``) or, with ``personal``, the member's own private chat
    (every member)."""
    personal = request.POST.get("personal") == "1"
    if not personal and not request.access.can("costs.manage"):
        raise PermissionDenied(_("Your role does not allow this action."))
    link = services.link_code_create(actor=request.user, personal=personal)
    return _page(request, link=link)


def _channel(request, pk: int) -> Channel:
    """A channel the user may change: their own personal channel, or an organization channel with
    ``costs.manage``; another user's personal channel is not found."""
    try:
        channel = selectors.channel_get(pk=pk, user=request.user)
    except Channel.DoesNotExist as exc:
        raise Http404 from exc
    if channel.user_id is None and not request.access.can("costs.manage"):
        raise PermissionDenied(_("Your role does not allow this action."))
    return channel


@require_POST
@require_permission("costs.view")
def channel_action(request, pk: int, action: str):
    channel = _channel(request, pk)
    if action == "test":
        try:
            services.channel_test(channel=channel, actor=request.user)
        except ApplicationError as exc:
            messages.error(request, _("The test message was not sent: %(reason)s") % {"reason": exc.message})
        else:
            messages.success(request, _("Test message sent to «%(name)s».") % {"name": channel.name})
    elif action == "toggle":
        services.channel_update(channel=channel, actor=request.user, enabled=not channel.enabled)
    elif action == "delete":
        services.channel_delete(channel=channel, actor=request.user)
        messages.success(request, _("Channel «%(name)s» deleted.") % {"name": channel.name})
    else:
        raise Http404
    return redirect("notifications_settings")


@require_http_methods(["GET", "POST"])
@require_permission("costs.view")
def preferences(request):
    """«My notifications»: the member's own preferences, applied to their personal channels only (the page
    takes no channel id, so nobody can reach another member's channels through it)."""
    channels = list(selectors.personal_channel_list(user=request.user))
    first = channels[0] if channels else None
    initial = {"kinds": (first.kinds or list(AlertKind.values)) if first else list(AlertKind.values),
               "quiet_start": first.quiet_start if first else None, "quiet_end": first.quiet_end if first else None}
    form = PreferencesForm(request.POST if request.method == "POST" else None, initial=initial)
    status = 200
    if request.method == "POST":
        if not channels:
            messages.error(request, _("Connect your personal Telegram first: the preferences apply to it."))
            return redirect("notifications_preferences")
        if form.is_valid():
            try:
                services.personal_preferences_update(user=request.user, **form.cleaned_data)
            except ApplicationError as exc:
                form.add_error("kinds" if exc.extra.get("field") == "kinds" else None, exc.message)
            else:
                messages.success(request, _("Your notification preferences are saved."))
                return redirect("notifications_preferences")
        status = 400
    return render(request, "notifications/preferences.html", {
        "form": form, "channels": channels, "settings_tab": "my_notifications",
    }, status=status)


@csrf_exempt
@require_POST
def telegram_webhook(request):
    """Telegram's webhook: only with the secret token header (TELEGRAM_WEBHOOK_SECRET); off when it is unset."""
    secret = settings.TELEGRAM_WEBHOOK_SECRET
    given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
    if not secret or not hmac.compare_digest(given.encode(), secret.encode()):
        return HttpResponse(status=403 if secret else 404)
    try:
        update = json.loads(request.body or b"{}")
    except ValueError:
        return JsonResponse({"ok": False}, status=400)
    if isinstance(update, dict):
        try:
            services.telegram_update_process(update)
        except Exception:  # noqa: BLE001 -- Telegram would resend the update forever
            logger.exception("Telegram update failed")
    return JsonResponse({"ok": True})
