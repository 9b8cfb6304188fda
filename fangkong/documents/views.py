"""The printed sheets as PDF downloads. Each view finds its object through scope (out of scope:
404), builds the PDF with a pure function of sheets.py and writes one audit entry: a print is an
access to personal data."""

from datetime import date

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBadRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from fangkong.core.models import AuditAction, Building, Grid, Household
from fangkong.core.scope import get_visible_or_404
from fangkong.core.services import audit
from fangkong.lib.pdf import pdf_response

from . import sheets


def _start_date(request) -> date | None:
    """?start=YYYY-MM-DD within a year of today; today (Asia/Shanghai) when absent; None when bad."""
    value = request.GET.get("start", "").strip()
    today = timezone.localdate()
    if not value:
        return today
    try:
        start = date.fromisoformat(value)
    except ValueError:
        return None
    return start if abs((start - today).days) <= 366 else None


@login_required
@require_GET
def building_occupancy_pdf(request, building_pk):
    building = get_visible_or_404(Building.objects.select_related("community"), request.user, pk=building_pk)
    content = sheets.occupancy_pdf(Building.objects.visible_to(request.user).filter(pk=building.pk), request.user)
    audit(request.user, AuditAction.EXPORT, building, fields=["occupancy_sheet"])
    return pdf_response(content, f"occupancy-{building.door_number}.pdf",
                        _("Occupancy sheet") + f"-{building.community.name}-{building.door_number}.pdf")


@login_required
@require_GET
def grid_occupancy_pdf(request, grid_pk):
    grid = get_visible_or_404(Grid.objects.select_related("community"), request.user, pk=grid_pk)
    buildings = Building.objects.visible_to(request.user).filter(grid=grid).order_by("door_sort")
    content = sheets.occupancy_pdf(buildings, request.user)
    audit(request.user, AuditAction.EXPORT, grid, fields=["occupancy_sheet"],
          changes={"buildings": list(buildings.values_list("door_number", flat=True))})
    return pdf_response(content, f"occupancy-grid-{grid.number}.pdf",
                        _("Occupancy sheet") + f"-{grid.community.name}-{grid.name}.pdf")


@login_required
@require_GET
def household_temperature_pdf(request, household_pk):
    household = get_visible_or_404(Household.objects.select_related("building__community"), request.user,
                                   pk=household_pk)
    start = _start_date(request)
    if start is None:
        return HttpResponseBadRequest(_("The start date must be a date within a year of today, as YYYY-MM-DD."))
    content = sheets.temperature_pdf(Household.objects.visible_to(request.user).filter(pk=household.pk), start,
                                     request.user)
    audit(request.user, AuditAction.EXPORT, household, fields=["temperature_sheet"],
          changes={"start": start.isoformat()})
    label = f"{household.building.door_number}-{household.room}"
    return pdf_response(content, f"temperature-{label}.pdf",
                        _("Temperature sheet") + f"-{household.building.community.name}-{label}.pdf")


@login_required
@require_GET
def building_temperature_pdf(request, building_pk):
    building = get_visible_or_404(Building.objects.select_related("community"), request.user, pk=building_pk)
    start = _start_date(request)
    if start is None:
        return HttpResponseBadRequest(_("The start date must be a date within a year of today, as YYYY-MM-DD."))
    households = Household.objects.visible_to(request.user).filter(building=building)
    content = sheets.temperature_pdf(households, start, request.user)
    audit(request.user, AuditAction.EXPORT, building, fields=["temperature_sheet"],
          changes={"start": start.isoformat(), "households": households.count()})
    return pdf_response(content, f"temperature-{building.door_number}.pdf",
                        _("Temperature sheet") + f"-{building.community.name}-{building.door_number}.pdf")
