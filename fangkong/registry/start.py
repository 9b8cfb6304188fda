"""The screening's items on the start page: each of my buildings with doors left to knock in an
open round, revisits due (overdue first)."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.start import Item, items_html

from . import screening
from .models import ScreeningRound


def start_items(request):
    user = request.user
    now = timezone.now()
    rounds = (ScreeningRound.objects.visible_to(user, write=True)
              .filter(closed_at__isnull=True, starts_at__lte=now).order_by("-starts_at").distinct()[:3])
    items = []
    for round_ in rounds:
        own = screening.own_building_ids(user, round_.community_id)
        due: dict[int, list] = {}
        for visit in screening.revisits(round_, user, now=now):
            due.setdefault(visit.household.building_id, []).append(visit)
        for place in screening.coverage(round_, user, write=True, now=now).buildings:
            if own and place.pk not in own:
                continue
            visits = due.get(place.pk, [])
            overdue = sum(1 for v in visits if v.overdue)
            if not place.tally.left and not visits:
                continue
            detail = _("%(left)d doors left, %(revisits)d to knock again") % {"left": place.tally.left,
                                                                             "revisits": len(visits)}
            if overdue:
                detail += " · " + _("%(n)d overdue") % {"n": overdue}
            items.append(Item(title=_("Knock: building %(door)s") % {"door": place.label} + f" · {round_.name}",
                              url=reverse("round_knock", args=[round_.pk]) + f"?building={place.pk}", detail=detail,
                              urgent=bool(overdue)))
            if len(items) >= 30:
                break
    return items_html(_("Screening (knocking doors)"), items)
