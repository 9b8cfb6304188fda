"""Testing's pieces of core's pages, registered as hooks in TestingConfig.ready() (see
core/hooks.py): the command post's home panel (positives, retests, antigen alerts) and the person
file's block (code link, latest rounds and status). Each keeps to the user's scope."""

from django.template.loader import render_to_string

from fangkong.core.models import Person

from . import services
from .models import Sample, TestRound, TubeResult


def home_panel(request, rounds: int = 3):
    """Positive single tubes and retest counts of the latest rounds, and positive antigen
    self-tests of the last two days, all within the user's scope. A few queries."""
    user = request.user
    latest = list(TestRound.objects.visible_to(user).order_by("-date", "-id")[:rounds])
    positive = Sample.objects.filter(round__in=latest, void=False, tube__result=TubeResult.POSITIVE)
    persons = Person.objects.visible_to(user)
    positives = list(persons.filter(pk__in=positive.filter(tube__pool_size=1).values("person_id"))
                     .select_related("household__building")[:50])
    retests = persons.filter(pk__in=positive.filter(tube__pool_size__gt=1).values("person_id")).count() if latest else 0
    antigen = list(services.antigen_positives(user)[:50])
    return render_to_string("testing/_home_panel.html", {
        "rounds": latest, "positives": positives, "retests": retests, "antigen": antigen}, request=request)


def person_block(request, person: Person):
    return render_to_string("testing/_person_testing.html", {
        "person": person, "statuses": services.person_status(person),
        "antigen": person.antigen_reports.order_by("-date").first()}, request=request)
