"""«Расписания» inside Reports: the list of report schedules, create/edit (a saved report or the CFO brief,
frequency, weekday/day, hour, file format, channels), enable/disable, «Send now» (queued in the background) and
delete. Seeing needs ``reports.view``; changing ``reports.manage``."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.permissions import require_permission
from apps.common.errors import ApplicationError
from apps.common.tasks import enqueue_in_tenant
from apps.notifications.models import Channel

from . import schedules as services
from .models import Report, ReportSchedule
from .vocabulary import ExportKind, Frequency, Output

VIEW = "reports.view"
MANAGE = "reports.manage"
BRIEF = "brief"


def weekday_choices() -> list[tuple[int, str]]:
    return [(0, _("Monday")), (1, _("Tuesday")), (2, _("Wednesday")), (3, _("Thursday")), (4, _("Friday")),
            (5, _("Saturday")), (6, _("Sunday"))]


class ScheduleForm(forms.Form):
    what = forms.ChoiceField(label=gettext_lazy("What to send"))
    frequency = forms.ChoiceField(label=gettext_lazy("Frequency"), choices=Frequency.choices)
    weekday = forms.TypedChoiceField(label=gettext_lazy("Weekday"), coerce=int, required=False)
    day = forms.IntegerField(label=gettext_lazy("Day of the month"), min_value=1, max_value=31, required=False,
                             initial=1)
    hour = forms.IntegerField(label=gettext_lazy("Hour (organization time)"), min_value=0, max_value=23, initial=9)
    output = forms.ChoiceField(label=gettext_lazy("File format"), choices=Output.choices, initial=Output.XLSX)
    channels = forms.MultipleChoiceField(label=gettext_lazy("Channels"), required=False,
                                         widget=forms.CheckboxSelectMultiple,
                                         help_text=gettext_lazy("None chosen: the organization's channels that "
                                                                "receive scheduled reports."))
    enabled = forms.BooleanField(label=gettext_lazy("Enabled"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["what"].choices = [(BRIEF, _("CFO brief (last full month)"))] + [
            (str(pk), name) for pk, name in Report.objects.order_by("name").values_list("pk", "name")]
        self.fields["weekday"].choices = weekday_choices()
        self.fields["channels"].choices = [
            (str(pk), name) for pk, name in Channel.objects.filter(user_id__isnull=True).values_list("pk", "name")]

    @staticmethod
    def initial_for(schedule: ReportSchedule) -> dict:
        return {"what": BRIEF if schedule.kind == ExportKind.BRIEF else str(schedule.report_id),
                "frequency": schedule.frequency, "weekday": schedule.weekday, "day": schedule.day,
                "hour": schedule.hour, "output": schedule.output, "enabled": schedule.enabled,
                "channels": [str(pk) for pk in schedule.channels.values_list("pk", flat=True)]}

    def values(self) -> dict:
        data = self.cleaned_data
        brief = data["what"] == BRIEF
        return {"kind": ExportKind.BRIEF if brief else ExportKind.REPORT,
                "report": None if brief else int(data["what"]),
                "frequency": data["frequency"], "weekday": data["weekday"] if data["weekday"] is not None else 0,
                "day": data["day"] or 1, "hour": data["hour"], "output": data["output"], "enabled": data["enabled"],
                "channels": [int(pk) for pk in data["channels"]]}


def _schedule(pk: int) -> ReportSchedule:
    schedule = ReportSchedule.objects.select_related("report").filter(pk=pk).first()
    if schedule is None:
        raise Http404
    return schedule


@require_GET
@require_permission(VIEW)
def report_schedules(request: HttpRequest) -> HttpResponse:
    rows = list(ReportSchedule.objects.select_related("report").prefetch_related("channels").order_by("pk"))
    labels = dict(weekday_choices())
    for row in rows:
        row.weekday_label = labels.get(row.weekday, "")
    return render(request, "reports/schedules.html", {"schedules": rows, "can_manage": request.access.can(MANAGE)})


def _form_page(request, form, schedule=None, status=200):
    return render(request, "reports/schedule_form.html", {"form": form, "schedule": schedule}, status=status)


def _save(request, form: ScheduleForm, schedule: ReportSchedule | None):
    if not form.is_valid():
        return None
    try:
        if schedule is None:
            return services.schedule_create(actor=request.user, **form.values())
        return services.schedule_update(schedule=schedule, actor=request.user, **form.values())
    except ApplicationError as exc:
        fields = exc.extra.get("fields") or {}
        for field, message in fields.items():
            form.add_error({"kind": "what", "report": "what"}.get(field, field) if field != "channels"
                           else "channels", message)
        if not fields:
            form.add_error(None, exc.message)
    return None


@require_http_methods(["GET", "POST"])
@require_permission(MANAGE)
def report_schedule_create(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _form_page(request, ScheduleForm())
    form = ScheduleForm(request.POST)
    if _save(request, form, None) is None:
        return _form_page(request, form, status=400)
    messages.success(request, _("The schedule is saved."))
    return redirect("report_schedules")


@require_http_methods(["GET", "POST"])
@require_permission(MANAGE)
def report_schedule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    schedule = _schedule(pk)
    if request.method == "GET":
        return _form_page(request, ScheduleForm(initial=ScheduleForm.initial_for(schedule)), schedule)
    form = ScheduleForm(request.POST)
    if _save(request, form, schedule) is None:
        return _form_page(request, form, schedule, status=400)
    messages.success(request, _("The schedule is saved."))
    return redirect("report_schedules")


@require_POST
@require_permission(MANAGE)
def report_schedule_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    schedule = _schedule(pk)
    if action in ("enable", "disable"):
        services.schedule_update(schedule=schedule, actor=request.user, enabled=action == "enable")
        messages.success(request, _("The schedule is on.") if action == "enable" else _("The schedule is off."))
    elif action == "send":
        enqueue_in_tenant(connection.schema_name, "apps.reports.tasks_schedules.schedule_send_task", schedule.pk)
        messages.success(request, _("The file is being generated; it will arrive in the channels shortly."))
    elif action == "delete":
        services.schedule_delete(schedule=schedule, actor=request.user)
        messages.success(request, _("The schedule is deleted."))
    else:
        raise Http404
    return redirect("report_schedules")
