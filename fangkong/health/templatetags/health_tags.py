"""Health blocks for pages this app does not own.

    {% load health_tags %}
    {% health_home_panel %}        the command post's home: ending today and tomorrow, fever, broken seals
    {% person_health person %}     the person file: state, colour, measure, links to act
"""

from datetime import timedelta

from django import template
from django.utils import timezone

from fangkong.core.actions import allowed

from .. import actions as can
from .. import services
from ..models import KeyPerson, Measure

register = template.Library()


@register.inclusion_tag("health/_key_line.html")
def key_person_line(key, today):
    """One line of the register: colour, name, state, measure, place, days left, responsible."""
    measure = key.measure
    days_left = None
    if measure and not measure.cancelled and measure.start <= today <= measure.end:
        days_left = (measure.end - today).days
    elif measure and measure.start > today:
        days_left = (measure.end - today).days
    return {"key": key, "measure": measure, "days_left": days_left}


@register.inclusion_tag("health/_home_panel.html", takes_context=True)
def health_home_panel(context, limit=10):
    user = context["request"].user
    today = timezone.localdate()
    services.catch_up(today)
    ending_today = services.ending(user, today)
    ending_tomorrow = services.ending(user, today + timedelta(days=1))
    fever = services.fever_alerts(user)
    broken = services.broken_seals(user, today)
    return {
        "today": today,
        "ending_today": list(ending_today[:limit]), "n_ending_today": ending_today.count(),
        "ending_tomorrow": list(ending_tomorrow[:limit]), "n_ending_tomorrow": ending_tomorrow.count(),
        "fever": list(fever[:limit]), "n_fever": fever.count(),
        "broken": list(broken[:limit]), "n_broken": broken.count(),
    }


@register.inclusion_tag("health/_person_health.html", takes_context=True)
def person_health(context, person):
    user = context["request"].user
    today = timezone.localdate()
    key = (KeyPerson.objects.visible_to(user).filter(person=person)
           .select_related("measure__site", "responsible").first())
    measures = list(Measure.objects.visible_to(user).filter(person=person, cancelled=False, end__gte=today)
                    .select_related("site").order_by("start"))
    return {"person": person, "key": key, "measures": measures, "today": today,
            "can_write": allowed(user, can.SET_STATE, person)}


@register.inclusion_tag("health/_household_seal.html", takes_context=True)
def household_seal(context, household):
    """The door's seal: sealed since when and today's check, or a button to seal it."""
    from ..models import Seal, SealCheck

    user = context["request"].user
    today = timezone.localdate()
    seal = Seal.objects.visible_to(user).filter(household=household, removed_on__isnull=True).first()
    check = SealCheck.objects.filter(seal=seal, on=today).first() if seal else None
    return {"household": household, "seal": seal, "check": check,
            "can_write": allowed(user, can.SEAL_HOUSEHOLD, household), "csrf_token": context.get("csrf_token")}
