"""Testing pieces for pages other apps own.

    {% load testing_tags %}
    {% testing_home_panel %}        on the command post's home page: positives, retests, antigen alerts
    {% person_testing person %}     on the person file: code link, latest rounds and status
"""

from django import template

from fangkong.core.models import Person

from .. import services
from ..models import Sample, TestRound, TubeResult

register = template.Library()


@register.inclusion_tag("testing/_home_panel.html", takes_context=True)
def testing_home_panel(context, rounds: int = 3):
    """Positive single tubes and retest counts of the latest rounds, and positive antigen
    self-tests of the last two days, all within the user's scope. A few queries."""
    user = context["request"].user
    latest = list(TestRound.objects.visible_to(user).order_by("-date", "-id")[:rounds])
    positive = Sample.objects.filter(round__in=latest, void=False, tube__result=TubeResult.POSITIVE)
    persons = Person.objects.visible_to(user)
    positives = list(persons.filter(pk__in=positive.filter(tube__pool_size=1).values("person_id"))
                     .select_related("household__building")[:50])
    retests = persons.filter(pk__in=positive.filter(tube__pool_size__gt=1).values("person_id")).count() if latest else 0
    antigen = list(services.antigen_positives(user)[:50])
    return {"rounds": latest, "positives": positives, "retests": retests, "antigen": antigen}


@register.inclusion_tag("testing/_person_testing.html", takes_context=True)
def person_testing(context, person: Person):
    return {"person": person, "statuses": services.person_status(person),
            "antigen": person.antigen_reports.order_by("-date").first()}
