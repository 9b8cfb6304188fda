"""Health control's pieces of core's pages, registered as hooks in HealthConfig.ready()
(see core/hooks.py): the command post's home panel (ending today and tomorrow, fever, broken
seals), the person file's block (state, colour, measure, links to act) and the household's door
seal. Each keeps to the user's scope."""

from datetime import timedelta

from django.template.loader import render_to_string
from django.utils import timezone

from fangkong.core.actions import allowed

from . import actions as can
from . import services
from .models import KeyPerson, Measure, Seal, SealCheck


def home_panel(request, limit=10):
    user = request.user
    today = timezone.localdate()
    services.catch_up(today)
    ending_today = services.ending(user, today)
    ending_tomorrow = services.ending(user, today + timedelta(days=1))
    fever = services.fever_alerts(user)
    broken = services.broken_seals(user, today)
    return render_to_string("health/_home_panel.html", {
        "today": today,
        "ending_today": list(ending_today[:limit]), "n_ending_today": ending_today.count(),
        "ending_tomorrow": list(ending_tomorrow[:limit]), "n_ending_tomorrow": ending_tomorrow.count(),
        "fever": list(fever[:limit]), "n_fever": fever.count(),
        "broken": list(broken[:limit]), "n_broken": broken.count(),
    }, request=request)


def person_block(request, person):
    user = request.user
    today = timezone.localdate()
    key = (KeyPerson.objects.visible_to(user).filter(person=person)
           .select_related("measure__site", "responsible").first())
    measures = list(Measure.objects.visible_to(user).filter(person=person, cancelled=False, end__gte=today)
                    .select_related("site").order_by("start"))
    return render_to_string("health/_person_health.html", {
        "person": person, "key": key, "measures": measures, "today": today,
        "can_write": allowed(user, can.SET_STATE, person),
    }, request=request)


def household_block(request, household):
    """The door's seal: sealed since when and today's check, or a button to seal it."""
    user = request.user
    today = timezone.localdate()
    seal = Seal.objects.visible_to(user).filter(household=household, removed_on__isnull=True).first()
    check = SealCheck.objects.filter(seal=seal, on=today).first() if seal else None
    return render_to_string("health/_household_seal.html", {
        "household": household, "seal": seal, "check": check, "can_write": allowed(user, can.SEAL_HOUSEHOLD, household),
    }, request=request)
