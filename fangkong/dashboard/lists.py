"""The list behind each figure, for one grid (or the whole community): the rows a tile counts.

Each list is the figure's own condition (figures.py) as a queryset of the rows it counts, so a
tile of 7 opens a list of 7: persons, households, key persons or tasks, cut to what the user may
see (``visible_to``). A figure of another app with no list here (supplies) has none."""

import datetime as dt

from django.apps import apps
from django.db.models import Exists, OuterRef, Q

from fangkong.core.models import Household, HouseholdStatus, Person

PERSON, HOUSEHOLD, KEY_PERSON, TASK = "person", "household", "key_person", "task"
GRID_PATH = {PERSON: "household__building__grid_id", HOUSEHOLD: "building__grid_id",
             KEY_PERSON: "person__household__building__grid_id"}


def _key(day, **condition):
    from fangkong.health.models import KeyPerson, State

    return KEY_PERSON, (KeyPerson.objects.exclude(state=State.CLEARED).filter(**condition)
                        .select_related("person__household__building"))


def _measure_persons(day, *, active=True, kinds=None, end=None):
    from fangkong.health.models import Measure

    measures = Measure.objects.filter(person=OuterRef("pk"))
    measures = measures.active_on(day) if active else measures.filter(cancelled=False)
    if kinds:
        measures = measures.filter(kind__in=kinds)
    if end is not None:
        measures = measures.filter(end=end)
    return Person.objects.filter(Exists(measures))


def _seals(day, broken=False):
    from fangkong.health.models import Seal, SealCheck, SealResult

    seals = (Seal.objects.filter(household=OuterRef("pk"), sealed_on__lte=day)
             .filter(Q(removed_on__isnull=True) | Q(removed_on__gt=day)))
    if broken:
        seals = seals.filter(Exists(SealCheck.objects.filter(seal=OuterRef("pk"), on=day, result=SealResult.BROKEN)))
    return Household.objects.filter(Exists(seals))


def _screened(round_id):
    from fangkong.registry.models import Outcome, Visit

    return Exists(Visit.objects.filter(round_id=round_id, household=OuterRef("pk"), is_latest=True,
                                       outcome__in=[Outcome.FOUND, Outcome.VACANT]))


def _testing(key, round_id):
    from fangkong.testing.models import Sample, TestRound
    from fangkong.testing.services import must_test, positive_persons, retest_persons

    round_ = TestRound.objects.get(pk=round_id)
    if key == "retest":
        return retest_persons(round_)
    if key == "positives":
        return positive_persons(round_)
    live = Sample.objects.filter(round_id=round_id, person_id=OuterRef("pk"), void=False)
    persons = must_test(round_)
    return {"to_test": persons, "sampled": persons.filter(Exists(live)), "untested": persons.filter(~Exists(live)),
            "results_back": persons.filter(Exists(live.exclude(tube__result="")))}[key]


def rows(key: str, day: dt.date, rounds: dict):
    """(kind, queryset) of the rows behind the figure, every community (the caller narrows), or
    None when the figure has no list here (or needs a round the community has not)."""
    from fangkong.health.models import Colour, MeasureKind, State

    tomorrow = day + dt.timedelta(days=1)
    status = {"persons_present": HouseholdStatus.OCCUPIED, "persons_away": HouseholdStatus.AWAY}
    if key == "persons" or key in status:
        persons = Person.objects.all()
        return PERSON, persons.filter(household__status=status[key]) if key in status else persons
    statuses = {"households_present": HouseholdStatus.OCCUPIED, "households_away": HouseholdStatus.AWAY,
                "households_vacant": HouseholdStatus.VACANT}
    if key == "households" or key in statuses:
        households = Household.objects.all()
        return HOUSEHOLD, households.filter(status=statuses[key]) if key in statuses else households
    if key in ("screened", "screen_pending"):
        if not rounds.get("screening"):
            return None
        done = _screened(rounds["screening"])
        return HOUSEHOLD, Household.objects.filter(done if key == "screened" else ~done)
    keyed = {"key_persons": {}, "key_new": {"since": day}, "key_red": {"colour": Colour.RED},
             "key_orange": {"colour": Colour.ORANGE}, "key_yellow": {"colour": Colour.YELLOW},
             "confirmed": {"state": State.CONFIRMED}, "suspected": {"state": State.SUSPECTED},
             "close_contacts": {"state": State.CLOSE_CONTACT}, "fevers": {"state": State.FEVER}}
    if key in keyed:
        return _key(day, **keyed[key])
    if key == "central":
        return PERSON, _measure_persons(day, kinds=[MeasureKind.CENTRAL])
    if key == "home":
        return PERSON, _measure_persons(day, kinds=[MeasureKind.HOME])
    if key in ("releases_today", "releases_tomorrow"):
        return PERSON, _measure_persons(day, active=False, kinds=[MeasureKind.CENTRAL, MeasureKind.HOME],
                                        end=day if key == "releases_today" else tomorrow)
    if key == "sealed":
        return HOUSEHOLD, _seals(day)
    if key == "seals_broken":
        return HOUSEHOLD, _seals(day, broken=True)
    if key == "reports_missing":
        from fangkong.health.models import HealthReport

        return PERSON, _measure_persons(day).filter(
            ~Exists(HealthReport.objects.filter(person=OuterRef("pk"), on=day)))
    if key in ("to_test", "sampled", "untested", "results_back", "retest", "positives"):
        if not rounds.get("testing"):
            return None
        return PERSON, _testing(key, rounds["testing"])
    if key in ("tasks_open", "tasks_overdue") and apps.is_installed("fangkong.staff"):
        from fangkong.staff.models import Task, TaskStatus

        tasks = Task.objects.filter(status=TaskStatus.OPEN).select_related("grid", "building__grid")
        return TASK, tasks.filter(due_on__lt=day) if key == "tasks_overdue" else tasks
    return None


def for_grid(kind: str, queryset, community_id: int, grid_id: int | None):
    """The rows of one community, and of one of its grids when given."""
    queryset = queryset.filter(community_id=community_id)
    if grid_id is None:
        return queryset
    if kind == TASK:  # a task belongs to its grid, or to its building's
        return queryset.filter(Q(grid_id=grid_id) | Q(grid__isnull=True, building__grid_id=grid_id))
    return queryset.filter(**{GRID_PATH[kind]: grid_id})


def ordered(kind: str, queryset):
    if kind == PERSON:
        return queryset.select_related("household__building__estate", "household__entrance").order_by(
            "household__building__door_sort", "household__room_sort", "name", "pk")
    if kind == HOUSEHOLD:
        return queryset.select_related("building__estate", "entrance").order_by("building__door_sort", "room_sort",
                                                                                "pk")
    if kind == KEY_PERSON:
        return queryset.select_related("person__household__building__estate", "person__household__entrance").order_by(
            "person__household__building__door_sort", "person__household__room_sort", "pk")
    return queryset.order_by("due_on", "pk")
