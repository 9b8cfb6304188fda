"""What health control tells the other apps, and what it does when they report a visit, through
core's events and questions (core/events.py): no other app imports health."""

from django.db.models import Q

from fangkong.core import events

from .models import KeyPerson, Seal, SealResult


def sealed_household_ids(day):
    """The households under a seal that day, as a query of ids (for a subquery)."""
    return (Seal.objects.filter(sealed_on__lte=day).filter(Q(removed_on__isnull=True) | Q(removed_on__gt=day))
            .values("household_id"))


class _System:
    """Rules that run for the whole community (a task per building with reports missing) read it as
    the system does, not through one user's scope."""

    is_authenticated = True
    is_superuser = True
    is_active = True
    pk = None


def missing_reports(community, day) -> list[tuple[int, str, int]]:
    """(building id, door, people) under a measure (or asked to report) that day with no report."""
    from .services import missing_reports as by_building

    rows = by_building(_System(), day).filter(community=community)
    return [(r["household__building_id"], r["household__building__door_number"], r["missing"]) for r in rows]


def key_persons(user, community_ids=None):
    """The persons on the key-person register that the user sees (a Person query)."""
    from fangkong.core.models import Person

    keys = KeyPerson.objects.visible_to(user)
    if community_ids:
        keys = keys.filter(community_id__in=community_ids)
    return Person.objects.filter(pk__in=keys.values("person_id"))


def record_door_seen(sender, actor, household, on, seal_intact=None, note="", **kwargs):
    """A visit looked at a sealed door: that is the seal's check for the day, through the service
    (so a broken seal alerts the command post, and its refusal refuses the visit's write too)."""
    from .services import check_seal

    if seal_intact is None:
        return
    seal = (Seal.objects.filter(household=household, sealed_on__lte=on)
            .filter(Q(removed_on__isnull=True) | Q(removed_on__gt=on)).first())
    if seal is not None:
        check_seal(actor, seal, SealResult.INTACT if seal_intact else SealResult.BROKEN, on=on, note=note)


def refresh_responsible(sender, community_id, building_ids=(), person_ids=(), **kwargs):
    """Who answers for some doors or key persons changed (core's ``responsibility_changed``): the
    register's responsible column is kept on the row (one indexed query to read), so the rows of
    those doors and persons are set again now, in the change's transaction. Whoever is assigned to
    the person comes first, then the door's answer (``_building_leaders``: staff's assignment, else
    the building leader). No audit entry: the assignment that moved it has its own."""
    from fangkong.core.models import Community

    from .services import _building_leaders

    rows = list(KeyPerson.objects.filter(community_id=community_id)
                .filter(Q(person_id__in=set(person_ids)) | Q(person__household__building_id__in=set(building_ids)))
                .values_list("pk", "person_id", "person__household__building_id", "responsible_id"))
    if not rows:
        return
    community = Community.objects.get(pk=community_id)
    doors = _building_leaders(community, {building_id for _pk, _person, building_id, _old in rows if building_id})
    persons = events.ask("person_responsible_users", [person for _pk, person, _b, _old in rows], default={})
    moved: dict[int | None, list[int]] = {}
    for pk, person_id, building_id, old in rows:
        new = persons.get(person_id) or doors.get(building_id)
        if new != old:
            moved.setdefault(new, []).append(pk)
    for user_id, pks in moved.items():
        KeyPerson.objects.filter(pk__in=pks).update(responsible_id=user_id)
