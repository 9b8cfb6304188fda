"""Screening rounds (摸排): what the knocker, the building leader and the command post notice."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from fangkong.core.actions import NotAllowed
from fangkong.core.models import (
    AuditEntry,
    Building,
    Household,
    HouseholdStatus,
    Person,
    Role,
    RoleAssignment,
    TimelineEntry,
)
from fangkong.registry import screening
from fangkong.registry.models import MemberCheck, Outcome, RoundMember, ScreeningRound, Visit
from tests.factories import id_number, make_user

HOUR = timedelta(hours=1)


@pytest.fixture
def command(world):
    return world.users["command_post"]


@pytest.fixture
def whole(world, command):
    """A whole-community round that started this morning."""
    return screening.create_round(command, world.community, name="第一轮摸排",
                                  starts_at=timezone.now() - 12 * HOUR)


def knock(round_, household, outcome, user, client_id="", **kwargs):
    return screening.record_visit(user, round_, household, outcome, client_id=client_id, **kwargs)


def post_tap(client, round_, household, outcome, client_id, htmx=True):
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(reverse("round_visit", args=[round_.pk]),
                       {"household": household.pk, "outcome": outcome, "client_id": client_id}, **headers)


# --- outcomes --------------------------------------------------------------------------------


def test_each_outcome_tapped_at_a_door_becomes_the_households_outcome(world, whole, command):
    doors = [world.household_a1, world.household_b1, world.household_c1]
    extra = Household.objects.create(community=world.community, building=world.building_a, room="102", floor=1)
    for household, outcome in zip(doors + [extra], Outcome.values, strict=True):
        recorded = knock(whole, household, outcome, command, client_id=f"tap-{outcome}-000")
        assert recorded.created
        assert recorded.visit.is_latest
    outcomes = dict(Visit.objects.filter(round=whole, is_latest=True).values_list("household_id", "outcome"))
    assert outcomes == {world.household_a1.pk: "found", world.household_b1.pk: "nobody_home",
                        world.household_c1.pk: "refused", extra.pk: "vacant"}


def test_the_same_tap_sent_twice_is_recorded_once(world, whole, command):
    first = knock(whole, world.household_a1, Outcome.NOBODY_HOME, command, client_id="phone-tap-0001")
    again = knock(whole, world.household_a1, Outcome.NOBODY_HOME, command, client_id="phone-tap-0001")
    assert first.created and not again.created
    assert again.visit.pk == first.visit.pk
    assert Visit.objects.filter(round=whole).count() == 1


def test_a_tap_resent_by_the_phone_over_http_is_recorded_once(world, whole, login, command):
    client = login(world.users["building_leader"])
    for _ in range(3):
        response = post_tap(client, whole, world.household_a1, "found", "3f1c2b9e-aaaa-4bbb-8ccc-000000000001")
        assert response.status_code == 200
    assert Visit.objects.filter(round=whole, household=world.household_a1).count() == 1


def test_the_latest_visit_is_the_outcome_and_only_one_visit_is_latest(world, whole, command):
    now = timezone.now()
    knock(whole, world.household_a1, Outcome.NOBODY_HOME, command, client_id="tap-1-0000", now=now - HOUR)
    knock(whole, world.household_a1, Outcome.REFUSED, command, client_id="tap-2-0000", now=now - HOUR / 2)
    knock(whole, world.household_a1, Outcome.FOUND, command, client_id="tap-3-0000", now=now)
    visits = Visit.objects.filter(round=whole, household=world.household_a1)
    assert visits.count() == 3
    assert list(visits.filter(is_latest=True).values_list("outcome", flat=True)) == ["found"]


def test_a_tap_queued_offline_that_arrives_late_does_not_override_a_newer_outcome(world, whole, command):
    now = timezone.now()
    knock(whole, world.household_a1, Outcome.FOUND, command, client_id="tap-new-000", at=now - HOUR / 4, now=now)
    late = knock(whole, world.household_a1, Outcome.NOBODY_HOME, command, client_id="tap-old-000",
                 at=now - HOUR, now=now)
    assert late.created and not late.visit.is_latest
    assert screening.latest_visit(whole, world.household_a1).outcome == Outcome.FOUND


def test_a_closed_round_takes_no_more_taps(world, whole, command):
    screening.close_round(command, whole, "停止摸排")
    whole.refresh_from_db()
    with pytest.raises(screening.ScreeningError) as error:
        knock(whole, world.household_a1, Outcome.FOUND, command, client_id="tap-late-00")
    assert error.value.code == "round_closed"


def test_a_household_outside_the_rounds_buildings_cannot_be_knocked(world, command):
    round_ = screening.create_round(command, world.community, name="564 only", buildings=[world.building_a],
                                    starts_at=timezone.now() - HOUR)
    with pytest.raises(screening.ScreeningError) as error:
        knock(round_, world.household_b1, Outcome.FOUND, command)
    assert error.value.code == "not_in_round"


def test_vacant_marks_the_household_vacant_in_the_person_file_with_an_audit_entry(world, whole, command):
    knock(whole, world.household_b1, Outcome.VACANT, command)
    world.household_b1.refresh_from_db()
    assert world.household_b1.status == HouseholdStatus.VACANT
    assert AuditEntry.objects.filter(object_type="household", object_id=str(world.household_b1.pk),
                                     fields__contains="status").exists()


# --- revisits --------------------------------------------------------------------------------


def test_nobody_home_is_due_for_a_revisit_six_hours_after_the_knock(world, whole, command):
    at = timezone.now() - HOUR
    visit = knock(whole, world.household_a1, Outcome.NOBODY_HOME, command, at=at).visit
    assert visit.revisit_due == at + timedelta(hours=6)
    found = knock(whole, world.household_b1, Outcome.FOUND, command).visit
    assert found.revisit_due is None


def test_a_revisit_is_overdue_only_after_six_hours(world, whole, command):
    knocked = timezone.now() - HOUR
    knock(whole, world.household_a1, Outcome.NOBODY_HOME, command, at=knocked)
    leader = world.users["building_leader"]
    [five_hours] = screening.revisits(whole, leader, now=knocked + timedelta(hours=5, minutes=59))
    assert not five_hours.overdue
    [six_hours] = screening.revisits(whole, leader, now=knocked + timedelta(hours=6, minutes=1))
    assert six_hours.overdue


def test_a_later_visit_with_another_outcome_takes_the_door_off_the_revisit_list(world, whole, command):
    now = timezone.now()
    knock(whole, world.household_a1, Outcome.NOBODY_HOME, command, now=now - HOUR)
    assert len(screening.revisits(whole, command)) == 1
    knock(whole, world.household_a1, Outcome.FOUND, command, now=now)
    assert screening.revisits(whole, command) == []


def test_the_building_leader_sees_their_own_buildings_revisits_first(world, whole, command):
    now = timezone.now()
    leader = world.users["grid_leader"]  # grid 1: buildings 564 (A) and 17 (B)
    owner = make_user("owner-b", Role.BUILDING_LEADER, world.community, buildings=[world.building_b])
    knock(whole, world.household_a1, Outcome.NOBODY_HOME, command, now=now - 2 * HOUR)
    knock(whole, world.household_b1, Outcome.NOBODY_HOME, command, now=now - HOUR)
    order = [v.household_id for v in screening.revisits(whole, leader, now=now)]
    assert order == [world.household_a1.pk, world.household_b1.pk]  # by due time: no own buildings
    order = [v.household_id for v in screening.revisits(whole, owner, now=now)]
    assert order == [world.household_b1.pk]  # a building leader sees only their buildings
    # Once the grid leader also answers for building 17, its door comes first though 564's is due earlier.
    RoleAssignment.objects.create(user=leader, role=Role.BUILDING_LEADER, community=world.community) \
        .buildings.set([world.building_b])
    leader = type(leader).objects.get(pk=leader.pk)  # forget the cached roles
    visits = screening.revisits(whole, leader, now=now)
    assert [v.household_id for v in visits] == [world.household_b1.pk, world.household_a1.pk]
    assert visits[0].own and not visits[1].own
    assert visits[1].owners == [world.users["building_leader"].username]


def test_the_revisit_page_highlights_overdue_doors(world, whole, command, login):
    now = timezone.now()
    knock(whole, world.household_a1, Outcome.NOBODY_HOME, command, at=now - 7 * HOUR, now=now)
    knock(whole, world.household_b1, Outcome.NOBODY_HOME, command, at=now - HOUR, now=now)
    body = login(command).get(reverse("round_revisits", args=[whole.pk])).content.decode()
    overdue = re.findall(r'data-household="(\d+)" data-overdue="1"', body)
    assert overdue == [str(world.household_a1.pk)]
    assert f'data-household="{world.household_b1.pk}"' in body


# --- the knock page --------------------------------------------------------------------------


@pytest.fixture
def tower(world):
    """Building 564 with three floors; rooms entered out of order."""
    for room, floor in [("1001", 10), ("302", 3), ("301", 3), ("1002", 10), ("2", None), ("303", 3)]:
        Household.objects.create(community=world.community, building=world.building_a, room=room, floor=floor)
    return world.building_a


def test_the_knock_page_lists_a_building_floor_by_floor_in_natural_room_order(world, whole, tower, login):
    client = login(world.users["building_leader"])
    body = client.get(reverse("round_knock", args=[whole.pk]), {"building": tower.pk}).content.decode()
    rooms = [Household.objects.get(pk=pk).room for pk in re.findall(r'class="list-group-item px-2 fk-knock-row[^"]*"'
                                                                    r' id="h(\d+)"', body)]
    assert rooms == ["101", "301", "302", "303", "1001", "1002", "2"]
    assert re.findall(r'data-floor="(-?\d*)"', body) == ["1", "3", "10", ""]
    assert 'data-count="left"' in body


def test_my_buildings_are_the_buildings_i_may_knock_at_in_the_round(world, whole, login):
    body = login(world.users["building_leader"]).get(reverse("round_knock", args=[whole.pk])).content.decode()
    assert re.findall(r'data-building="(\d+)"', body) == [str(world.building_a.pk)]
    body = login(world.users["grid_leader"]).get(reverse("round_knock", args=[whole.pk])).content.decode()
    assert sorted(re.findall(r'data-building="(\d+)"', body)) == sorted([str(world.building_a.pk),
                                                                        str(world.building_b.pk)])


def test_a_tap_answers_with_the_households_row_and_the_buildings_counts(world, whole, tower, login):
    client = login(world.users["building_leader"])
    response = post_tap(client, whole, world.household_a1, "nobody_home", "tap-0000-0001")
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div class="list-group-item px-2 fk-knock-row')
    assert f'id="h{world.household_a1.pk}"' in body
    assert 'hx-swap-oob="true"' in body
    total = 1 + 6
    assert re.search(r'data-count="done">[^<]*1<', body)
    assert re.search(rf'data-count="left">[^<]*{total - 1}<', body)


def test_a_tap_without_htmx_goes_back_to_the_building_at_that_door(world, whole, login):
    client = login(world.users["building_leader"])
    response = post_tap(client, whole, world.household_a1, "refused", "tap-0000-0002", htmx=False)
    assert response.status_code == 302
    assert response["Location"].endswith(f"?building={world.building_a.pk}#h{world.household_a1.pk}")


def test_the_knock_page_has_no_inline_script_or_event_handler(world, whole, tower, login, command):
    knock(whole, world.household_a1, Outcome.FOUND, command)
    client = login(world.users["building_leader"])
    body = client.get(reverse("round_knock", args=[whole.pk]), {"building": tower.pk}).content.decode()
    assert "/static/registry/screening.js" in body
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body)
    assert not re.search(r"\son[a-z]+\s*=", body)
    assert 'style="' not in body


# --- the found flow --------------------------------------------------------------------------


def test_confirming_members_writes_confirmed_in_round_on_their_timeline(world, whole, command):
    knock(whole, world.household_a1, Outcome.FOUND, command)
    second = Person.objects.create(community=world.community, household=world.household_a1, name="张小三")
    assert screening.confirm_members(command, whole, world.household_a1, [world.person_a, second]) == 2
    assert screening.confirm_members(command, whole, world.household_a1, [world.person_a, second]) == 0
    for person in (world.person_a, second):
        entry = TimelineEntry.objects.get(person=person, kind="screening_confirmed")
        assert whole.name in entry.text
    assert screening.latest_visit(whole, world.household_a1).confirmed == 2


def test_marking_a_member_moved_out_moves_them_out_with_audit_and_timeline(world, whole, command):
    knock(whole, world.household_a1, Outcome.FOUND, command)
    screening.set_member(command, whole, world.household_a1, world.person_a, "moved_out")
    world.person_a.refresh_from_db()
    assert world.person_a.household is None
    assert AuditEntry.objects.filter(person=world.person_a, action="move").exists()
    assert TimelineEntry.objects.filter(person=world.person_a, kind="moved").exists()
    assert screening.latest_visit(whole, world.household_a1).moved_out == 1
    # A wrong tap is taken back: the person is home again, also on record.
    screening.set_member(command, whole, world.household_a1, world.person_a, "present")
    world.person_a.refresh_from_db()
    assert world.person_a.household_id == world.household_a1.pk
    assert AuditEntry.objects.filter(person=world.person_a, action="move").count() == 2
    assert screening.latest_visit(whole, world.household_a1).moved_out == 0


def test_adding_a_person_found_at_the_door_creates_their_file_once(world, whole, command):
    knock(whole, world.household_a1, Outcome.FOUND, command)
    data = {"name": "新住户", "id_type": "resident_id", "id_number": id_number(77), "residency": "migrant"}
    person, created = screening.add_member(command, whole, world.household_a1, data, client_id="add-0000-01")
    again, created_again = screening.add_member(command, whole, world.household_a1, data, client_id="add-0000-01")
    assert created and not created_again and again.pk == person.pk
    assert person.household_id == world.household_a1.pk
    assert AuditEntry.objects.filter(person=person, action="create").exists()
    assert TimelineEntry.objects.filter(person=person, kind="screening_added").exists()
    assert RoundMember.objects.get(round=whole, person=person).status == MemberCheck.ADDED
    assert screening.latest_visit(whole, world.household_a1).added == 1


def test_members_are_checked_only_after_somebody_was_found(world, whole, command):
    knock(whole, world.household_a1, Outcome.NOBODY_HOME, command)
    with pytest.raises(screening.ScreeningError) as error:
        screening.set_member(command, whole, world.household_a1, world.person_a, "confirmed")
    assert error.value.code == "not_found"


def test_the_found_flow_over_http(world, whole, login):
    client = login(world.users["building_leader"])
    post_tap(client, whole, world.household_a1, "found", "tap-found-0001")
    url = reverse("round_member", args=[whole.pk])
    body = client.post(url, {"household": world.household_a1.pk, "person": world.person_a.pk, "state": "confirmed",
                             "client_id": "tap-conf-0001"}, HTTP_HX_REQUEST="true").content.decode()
    assert f'data-person="{world.person_a.pk}" data-state="confirmed"' in body
    add = client.get(reverse("round_person_add", args=[whole.pk]), {"household": world.household_a1.pk})
    assert add.status_code == 200
    client_id = re.search(r'name="client_id" value="([^"]+)"', add.content.decode()).group(1)
    form = {"household": world.household_a1.pk, "client_id": client_id, "name": "王小明", "id_type": "none",
            "residency": "migrant"}
    url_add = reverse("round_person_add", args=[whole.pk])
    assert client.post(url_add, form).status_code == 302
    assert client.post(url_add, form).status_code == 302  # sent twice: one person
    assert Person.objects.filter(name="王小明").count() == 1
    body = client.post(url, {"household": world.household_a1.pk, "person": world.person_a.pk, "state": "moved_out",
                             "client_id": "tap-move-0001"}, HTTP_HX_REQUEST="true").content.decode()
    assert f'data-person="{world.person_a.pk}" data-state="moved_out"' in body
    body = client.post(url, {"household": world.household_a1.pk, "person": world.person_a.pk, "state": "present",
                             "client_id": "tap-back-0001"}, HTTP_HX_REQUEST="true").content.decode()
    assert f'data-person="{world.person_a.pk}" data-state="present"' in body


# --- coverage --------------------------------------------------------------------------------


def test_coverage_counts_households_and_persons_per_building_grid_and_community(world, whole, command, tower):
    knock(whole, world.household_a1, Outcome.FOUND, command)
    screening.confirm_members(command, whole, world.household_a1, [world.person_a])
    screening.add_member(command, whole, world.household_a1, {"name": "甲", "id_type": "none"})
    knock(whole, world.household_b1, Outcome.FOUND, command)
    screening.set_member(command, whole, world.household_b1, world.person_b, "moved_out")
    knock(whole, world.household_c1, Outcome.NOBODY_HOME, command)
    cover = screening.coverage(whole, command)
    t = cover.community
    assert (t.total, t.visited, t.found, t.nobody_home, t.left) == (9, 3, 2, 1, 6)
    assert (t.confirmed, t.added, t.moved_out) == (1, 1, 1)
    buildings = {p.pk: p.tally for p in cover.buildings}
    assert (buildings[tower.pk].total, buildings[tower.pk].visited) == (7, 1)
    assert (buildings[world.building_b.pk].moved_out, buildings[world.building_c.pk].nobody_home) == (1, 1)
    grids = {p.pk: p.tally for p in cover.grids}
    assert (grids[world.grid1.pk].total, grids[world.grid1.pk].visited, grids[world.grid2.pk].visited) == (8, 2, 1)
    # Scope: the building leader's coverage is their building's.
    mine = screening.coverage(whole, world.users["building_leader"]).community
    assert (mine.total, mine.visited, mine.confirmed, mine.added) == (7, 1, 1, 1)


def test_a_later_visit_keeps_the_persons_counted_in_the_round(world, whole, command):
    now = timezone.now()
    knock(whole, world.household_a1, Outcome.FOUND, command, now=now - HOUR)
    screening.confirm_members(command, whole, world.household_a1, [world.person_a])
    knock(whole, world.household_a1, Outcome.FOUND, command, now=now)
    assert screening.coverage(whole, command).community.confirmed == 1


def _grow(world, n_buildings, rooms_per_building, round_, user):
    buildings = [Building(community=world.community, grid=world.grid2, door_number=f"g{n_buildings}-{i}").fill_derived()
                 for i in range(n_buildings)]
    Building.objects.bulk_create(buildings)
    buildings = Building.objects.filter(door_number__startswith=f"g{n_buildings}-")
    Household.objects.bulk_create([
        Household(community=world.community, building=b, room=str(100 + r), floor=1).fill_derived()
        for b in buildings for r in range(rooms_per_building)
    ])
    households = Household.objects.filter(building__in=buildings)
    outcomes = Outcome.values
    Visit.objects.bulk_create([
        Visit(community=world.community, round=round_, household=h, by=user, outcome=outcomes[i % 4], confirmed=1)
        for i, h in enumerate(households) if i % 5
    ])


def test_coverage_takes_the_same_few_queries_for_a_small_and_a_larger_community(
        world, whole, command, django_assert_max_num_queries):
    command = type(command).objects.get(pk=command.pk)
    screening.coverage(whole, command)  # roles read once per request, as in a view

    def queries():
        with CaptureQueriesContext(connection) as captured:
            cover = screening.coverage(whole, command)
        return len(captured), cover

    small, small_cover = queries()
    _grow(world, 40, 25, whole, command)
    large, large_cover = queries()
    assert large_cover.community.total == small_cover.community.total + 1000
    assert large == small
    with django_assert_max_num_queries(2):
        screening.coverage(whole, command)


@pytest.mark.parametrize("role", ["command_post", "grid_leader", "grid_worker", "building_leader", "sampler",
                                  "district_viewer", "outsider", "nobody"])
def test_a_rounds_households_in_scope_are_the_households_the_user_may_see(world, whole, tower, role):
    user = world.users[role]
    for write in (False, True):
        expected = set(screening.round_households(whole).visible_to(user, write=write))
        assert set(screening.round_households(whole, user, write=write)) == expected


def test_the_knock_page_takes_the_same_queries_for_ten_or_a_hundred_doors(world, whole, login):
    client = login(world.users["command_post"])
    url = reverse("round_knock", args=[whole.pk])

    def count(n):
        building = Building.objects.create(community=world.community, grid=world.grid1, door_number=f"t{n}")
        for i in range(n):
            h = Household.objects.create(community=world.community, building=building, room=str(i + 1), floor=i // 4)
            Person.objects.create(community=world.community, household=h, name=f"人{i}")
            screening.record_visit(world.users["command_post"], whole, h, Outcome.FOUND)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url, {"building": building.pk}).status_code == 200
        return len(captured)

    assert count(10) == count(100)


# --- closing ---------------------------------------------------------------------------------


def test_a_round_with_households_left_cannot_be_closed_without_the_command_post(world, command):
    leader = world.users["grid_leader"]
    round_ = screening.create_round(leader, world.community, name="网格一", grids=[world.grid1],
                                    starts_at=timezone.now() - HOUR)
    knock(round_, world.household_a1, Outcome.FOUND, leader)
    with pytest.raises(screening.ScreeningError) as error:
        screening.close_round(leader, round_, "想结束")
    assert error.value.code == "households_left"
    with pytest.raises(screening.ScreeningError) as error:
        screening.close_round(command, round_, "")
    assert error.value.code == "reason_required"
    round_.refresh_from_db()
    assert round_.is_open


def test_the_command_post_closes_an_unfinished_round_with_a_reason_on_record(world, whole, command):
    screening.close_round(command, whole, "疫情解除,提前结束")
    whole.refresh_from_db()
    assert not whole.is_open and whole.close_reason == "疫情解除,提前结束" and whole.closed_by == command
    entry = AuditEntry.objects.get(object_type="screeninground", object_id=str(whole.pk), action="change")
    assert entry.reason == "疫情解除,提前结束"
    assert entry.changes["households_left"] == ["", "3"]


def test_a_round_closes_without_a_reason_when_every_household_has_an_outcome(world, command):
    leader = world.users["grid_leader"]
    round_ = screening.create_round(leader, world.community, name="网格一", grids=[world.grid1],
                                    starts_at=timezone.now() - HOUR)
    knock(round_, world.household_a1, Outcome.FOUND, leader)
    knock(round_, world.household_b1, Outcome.NOBODY_HOME, leader)
    assert screening.can_manage_round(leader, round_)
    screening.close_round(leader, round_)
    round_.refresh_from_db()
    assert not round_.is_open


def test_the_close_page_refuses_without_a_reason_and_closes_with_one(world, whole, login):
    client = login(world.users["command_post"])
    url = reverse("round_close", args=[whole.pk])
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200 and ScreeningRound.objects.get(pk=whole.pk).is_open
    assert client.post(url, {"reason": "上级通知结束"}).status_code == 302
    assert not ScreeningRound.objects.get(pk=whole.pk).is_open
    assert login(world.users["building_leader"]).get(url).status_code == 403


# --- difference between rounds ---------------------------------------------------------------


def test_the_difference_between_two_rounds(world, command):
    past = timezone.now() - 48 * HOUR
    a = screening.create_round(command, world.community, name="第一轮", starts_at=past)
    knock(a, world.household_a1, Outcome.FOUND, command, client_id="a-tap-00001")
    screening.confirm_members(command, a, world.household_a1, [world.person_a])
    knock(a, world.household_b1, Outcome.FOUND, command, client_id="a-tap-00002")
    screening.confirm_members(command, a, world.household_b1, [world.person_b])
    knock(a, world.household_c1, Outcome.NOBODY_HOME, command, client_id="a-tap-00003")
    screening.close_round(command, a)
    b = screening.create_round(command, world.community, name="第二轮", starts_at=timezone.now() - HOUR)
    knock(b, world.household_a1, Outcome.FOUND, command, client_id="b-tap-00001")
    screening.confirm_members(command, b, world.household_a1, [world.person_a])
    screening.add_member(command, b, world.household_a1, {"name": "新人", "id_type": "none"})
    knock(b, world.household_b1, Outcome.VACANT, command, client_id="b-tap-00002")
    knock(b, world.household_c1, Outcome.FOUND, command, client_id="b-tap-00003")
    d = screening.diff(a, b, command)
    assert (d.found_in_both, d.found_only_in_b, d.found_only_in_a) == (1, 1, 1)
    assert [h.pk for h in d.households_only_in_b] == [world.household_c1.pk]
    assert [h.pk for h in d.households_only_in_a] == [world.household_b1.pk]
    assert d.persons_b == {"confirmed": 1, "added": 1}
    assert d.seen_in_a_not_in_b == 1  # 李四 in 17-101, now vacant
    assert d.moved_in_since_a == 1


def test_the_coverage_page_compares_two_rounds(world, command, login):
    a = screening.create_round(command, world.community, name="第一轮", starts_at=timezone.now() - 48 * HOUR)
    knock(a, world.household_a1, Outcome.FOUND, command)
    b = screening.create_round(command, world.community, name="第二轮", starts_at=timezone.now() - HOUR)
    knock(b, world.household_c1, Outcome.FOUND, command)
    body = login(command).get(reverse("round_coverage", args=[b.pk]), {"against": a.pk}).content.decode()
    assert 'data-diff="only_b">1<' in body and 'data-diff="only_a">1<' in body


# --- creating rounds, and scope -------------------------------------------------------------


def test_only_the_command_post_screens_the_whole_community(world):
    leader = world.users["grid_leader"]
    with pytest.raises(screening.ScreeningError) as error:
        screening.create_round(leader, world.community, name="全社区")
    assert error.value.code == "scope_required"
    with pytest.raises(screening.ScreeningError) as error:
        screening.create_round(leader, world.community, name="网格二", grids=[world.grid2])
    assert error.value.code == "outside_grids"
    with pytest.raises(NotAllowed):
        screening.create_round(world.users["building_leader"], world.community, name="楼",
                               buildings=[world.building_a])
    round_ = screening.create_round(leader, world.community, name="网格一", grids=[world.grid1])
    assert set(screening.round_households(round_)) == {world.household_a1, world.household_b1}
    assert AuditEntry.objects.filter(object_type="screeninground", action="create").exists()


def test_the_round_form_starts_a_round_for_chosen_buildings(world, login):
    client = login(world.users["command_post"])
    response = client.post(reverse("round_create"), {
        "name": "564 复查", "starts_at": "2026-01-01T08:00", "buildings": [world.building_a.pk]})
    assert response.status_code == 302
    round_ = ScreeningRound.objects.get(name="564 复查")
    assert list(screening.round_households(round_)) == [world.household_a1]
    assert login(world.users["building_leader"]).get(reverse("round_create")).status_code == 403


def test_a_building_leader_knocks_only_at_their_own_buildings(world, whole, login):
    client = login(world.users["building_leader"])
    assert post_tap(client, whole, world.household_b1, "found", "tap-other-001").status_code == 404
    url = reverse("round_knock", args=[whole.pk])
    assert client.get(url, {"building": world.building_b.pk}).status_code == 404
    assert client.get(url, {"building": world.building_a.pk}).status_code == 200
    assert not Visit.objects.filter(household=world.household_b1).exists()


def test_a_read_only_role_may_not_knock(world, whole, login):
    client = login(world.users["district_viewer"])
    assert post_tap(client, whole, world.household_a1, "found", "tap-viewer-01").status_code == 403


def test_rounds_of_other_grids_and_communities_answer_404(world, command, login):
    grid2 = screening.create_round(command, world.community, name="网格二", grids=[world.grid2])
    other = screening.create_round(world.users["outsider"], world.other_community, name="金沙")
    names = ["round_detail", "round_knock", "round_revisits", "round_coverage", "round_close",
             "round_person_add", "round_visit", "round_member"]
    for role in ["grid_leader", "building_leader"]:
        client = login(world.users[role])
        for round_ in (grid2, other):
            for name in names:
                url = reverse(name, args=[round_.pk])
                codes = {client.get(url).status_code, client.post(url).status_code}
                assert codes <= {404, 405} and 404 in codes, f"{role} {name} {round_.name}: {codes}"
    client = login(world.users["grid_leader"])
    assert client.get(reverse("round_detail", args=[grid2.pk])).status_code == 404
    assert ScreeningRound.objects.visible_to(world.users["building_leader"]).filter(pk=grid2.pk).count() == 0
    body = client.get(reverse("round_list")).content.decode()
    assert "网格二" not in body and "金沙" not in body


def test_a_round_made_without_the_service_reaches_grid_roles_once_its_reach_is_refreshed(world):
    round_ = ScreeningRound.objects.create(community=world.community, name="直接建的")
    leader = world.users["building_leader"]
    assert not ScreeningRound.objects.visible_to(leader).filter(pk=round_.pk).exists()
    screening.refresh_reach(round_)
    assert ScreeningRound.objects.visible_to(leader).filter(pk=round_.pk).exists()


def test_every_round_page_opens_for_the_roles_in_its_scope(world, whole, command, login):
    knock(whole, world.household_a1, Outcome.FOUND, command)
    for role in ["command_post", "grid_leader", "grid_worker", "building_leader", "district_viewer"]:
        client = login(world.users[role])
        for name in ["round_list", "round_create"]:
            assert client.get(reverse(name)).status_code in (200, 403)
        for name in ["round_detail", "round_knock", "round_revisits", "round_coverage", "round_close",
                     "round_person_add"]:
            status = client.get(reverse(name, args=[whole.pk])).status_code
            assert status in (200, 302, 403), f"{role} {name}: {status}"


def test_a_tap_in_a_closed_round_says_so_on_the_row(world, whole, command, login):
    screening.close_round(command, whole, "结束")
    body = post_tap(login(command), whole, world.household_a1, "found", "tap-closed-01").content.decode()
    assert 'role="alert"' in body and f'id="h{world.household_a1.pk}"' in body
    assert not Visit.objects.filter(round=whole).exists()


def test_a_tap_without_a_client_id_is_refused(world, whole, login):
    client = login(world.users["building_leader"])
    response = client.post(reverse("round_visit", args=[whole.pk]),
                           {"household": world.household_a1.pk, "outcome": "found"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert not Visit.objects.filter(round=whole).exists()


def test_the_phones_own_time_of_a_queued_tap_is_kept_when_believable(world, whole, command):
    now = timezone.now()
    kept = knock(whole, world.household_a1, Outcome.NOBODY_HOME, command, at=now - 3 * HOUR, now=now).visit
    assert kept.at == now - 3 * HOUR and kept.revisit_due == now + 3 * HOUR
    wrong_clock = knock(whole, world.household_b1, Outcome.FOUND, command, at=now + 5 * HOUR, now=now).visit
    assert wrong_clock.at == now
