"""Health control's items on the start page: today's temperatures still to enter, seals still to
check, and (for the checkpoint's guard) the people coming back from central quarantine today."""

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.models import Building, Role
from fangkong.core.scope import has_role
from fangkong.core.start import Item, items_html

from . import services


def start_items(request):
    user = request.user
    today = timezone.localdate()
    items = []
    # Only buildings the user fills in: a viewer's missing list is not their work.
    writable = set(Building.objects.visible_to(user, write=True).values_list("pk", flat=True))
    for row in services.missing_reports(user, today):
        building = row["household__building_id"]
        if building not in writable:
            continue
        door = row["household__building__door_number"]
        items.append(Item(title=_("Temperatures: building %(door)s") % {"door": door},
                          detail=_("%(n)d people not reported today") % {"n": row["missing"]},
                          url=reverse("report_building") + f"?building={building}"))
    unchecked = (services.seal_rows(user, today).filter(result__isnull=True).order_by()
                 .values("household__building_id", "household__building__door_number").annotate(n=Count("pk")))
    for row in unchecked:
        if row["household__building_id"] not in writable:
            continue
        items.append(Item(title=_("Seal check: building %(door)s") % {"door": row["household__building__door_number"]},
                          detail=_("%(n)d sealed doors not checked today") % {"n": row["n"]},
                          url=reverse("seal_list") + f"?building={row['household__building_id']}"))
    if has_role(user, Role.GUARD):
        back = [m for m in services.due_back(user, today) if not m.received]
        if back:
            items.append(Item(title=_("Coming back today: %(n)d people") % {"n": len(back)},
                              detail=_("Receive them at the checkpoint"), url=reverse("reception_list")))
    return items_html(_("Health control"), items)
