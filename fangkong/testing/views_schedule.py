"""Pages of a round's sampling schedule (排班): the plan, each building's notice to paste into its chat
group, and the notices printed for the stairwell doors. Rules in testing.schedule."""

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from fangkong.core.actions import allowed
from fangkong.core.models import Building
from fangkong.core.pages import may

from . import actions as can
from . import schedule, services
from .views import _building_param, _round


class BuildingChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.door_number


class PlanForm(forms.Form):
    point = forms.CharField(label=gettext_lazy("Sampling point"), max_length=100)
    start = forms.TimeField(label=gettext_lazy("First slot from"), initial=dt.time(8, 0),
                            widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    minutes = forms.IntegerField(label=gettext_lazy("Minutes per slot"), initial=30, min_value=5,
                                 max_value=schedule.LONGEST_SLOT)
    per_slot = forms.IntegerField(label=gettext_lazy("Buildings per slot"), initial=1, min_value=1, max_value=20)
    buildings = BuildingChoices(label=gettext_lazy("Buildings, in the order they go down"),
                                queryset=Building.objects.none(), widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, points, buildings, **kwargs):
        super().__init__(*args, **kwargs)
        if points:
            self.fields["point"] = forms.ChoiceField(label=gettext_lazy("Sampling point"),
                                                     choices=[(p, p) for p in points])
        self.fields["buildings"].queryset = buildings
        for name, field in self.fields.items():
            if name != "buildings":
                field.widget.attrs.setdefault("class", "form-select" if name == "point" and points else "form-control")


@login_required
@require_http_methods(["GET", "POST"])
def testround_schedule(request, pk):
    round_ = _round(request, pk)
    can_manage = allowed(request.user, can.PLAN_SCHEDULE, round_)
    buildings = schedule.buildings(round_, request.user)
    unplanned = list(schedule.unplanned(round_, request.user))
    form = None
    if can_manage and round_.is_open:
        form = PlanForm(request.POST if request.POST.get("action") == "plan" else None, points=round_.point_list,
                        buildings=buildings, initial={"buildings": unplanned})
    if request.method == "POST":
        may(request, can.PLAN_SCHEDULE, round_)
        try:
            if request.POST.get("action") == "unplan":
                building = _building_param(request)
                if building is not None:
                    schedule.unplan(request.user, round_, building)
                    messages.success(request, _("Building %(door)s taken off the schedule.")
                                     % {"door": building.door_number})
                return redirect(request.path)
            if form is not None and form.is_valid():
                data = form.cleaned_data
                # In door order, whatever order the boxes came in: the order the buildings go down in.
                chosen = sorted(data["buildings"], key=lambda b: b.door_sort)
                written = schedule.plan(request.user, round_, chosen, point=data["point"], start=data["start"],
                                        minutes=data["minutes"], per_slot=data["per_slot"])
                messages.success(request, _("%(n)d buildings planned at %(point)s.")
                                 % {"n": len(written), "point": data["point"]})
                return redirect(request.path)
        except services.TestingError as error:
            if form is None:
                raise PermissionDenied(error.message) from None
            form.add_error(error.field if error.field in form.fields else None, error.message)
    slots = list(schedule.slots(round_, request.user))
    rows = [(slot, schedule.notice(slot)) for slot in slots]
    return render(request, "testing/schedule.html", {
        "round": round_, "rows": rows, "form": form, "can_manage": can_manage, "unplanned": unplanned,
    })


@login_required
@require_GET
def testround_schedule_print(request, pk):
    """One notice a page, large, for the door of each building (or only ?building=)."""
    round_ = _round(request, pk)
    slots = schedule.slots(round_, request.user)
    building = _building_param(request)
    if building is not None:
        slots = slots.filter(building=building)
    return render(request, "testing/schedule_print.html", {
        "round": round_, "rows": [(slot, schedule.notice(slot)) for slot in slots]})
