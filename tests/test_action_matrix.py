"""Who may do what, for every declared action and every role (issue 9): the expected table is
written here, so a role added to an action, a reach dropped, or an action declared without a line
in this table fails. Then, per app, a real service called with a refused role: NotAllowed, and
nothing written."""

import datetime as dt

import pytest
from django.utils import timezone

from fangkong.core import actions
from fangkong.core.actions import NotAllowed, allowed, require
from fangkong.core.models import AuditEntry, Person, Role
from tests.factories import make_user

CP, GL, GW, BL = Role.COMMAND_POST, Role.GRID_LEADER, Role.GRID_WORKER, Role.BUILDING_LEADER
SAMPLER, GUARD = Role.SAMPLER, Role.GUARD
DA, DV = Role.DISTRICT_ADMIN, Role.DELIVERY_VOLUNTEER
STAFF = {CP, GL, GW, BL}
MANAGE = {CP, GL}

# action: (the roles that may take it, whether their grids or buildings must reach the object)
EXPECTED = {
    "core.create_person": (STAFF, True),
    "core.update_person": (STAFF, True),
    "core.move_person": (STAFF, True),
    "core.create_household": (STAFF, True),
    "core.update_household": (STAFF, True),
    "core.reveal": (set(Role), True),
    "core.read_audit_log": ({CP}, False),
    "screening.create_round": (MANAGE, False),
    "screening.close_round": (MANAGE, False),
    "screening.screen_whole_community": ({CP}, False),
    "screening.close_round_early": ({CP}, False),
    "screening.record_visit": (STAFF, True),
    "screening.check_members": (STAFF, True),
    "registry.import_ledger": (STAFF, False),
    "registry.export_people": (STAFF, False),
    "health.record_level": ({CP}, False),
    "health.early_release": ({CP}, False),
    "health.change_policy": ({CP}, False),
    "health.change_colours": ({CP}, False),
    "health.create_site": ({CP}, False),
    "health.assign_room": ({CP}, False),
    "health.create_transfer": ({CP}, False),
    "health.set_transfer_status": ({CP}, False),
    "health.set_state": (STAFF, True),
    "health.start_measure": (STAFF, True),
    "health.report_arrival": (STAFF, True),
    "health.decide_arrival": (STAFF, True),
    "health.record_violation": (STAFF, True),
    "health.seal_household": (STAFF, True),
    "health.remove_seal": (STAFF, True),
    "health.check_seal": (STAFF, True),
    "health.record_reports": (STAFF, True),
    "health.receive": (STAFF | {GUARD}, True),
    "health.require_reports": ({CP}, False),
    "testing.create_round": (MANAGE, False),
    "testing.create_retest_round": (MANAGE, False),
    "testing.import_results": (MANAGE, False),
    "testing.correct_result": (MANAGE, False),
    "testing.plan_schedule": (MANAGE, False),
    "testing.scan": (STAFF | {SAMPLER}, False),
    "testing.close_tube": (STAFF | {SAMPLER}, False),
    "testing.exempt": (STAFF, True),
    "testing.record_antigen": (STAFF, True),
    # dashboard
    "dashboard.add_problem": ({CP, GL, GW}, True),
    "dashboard.issue_briefing": ({CP}, False),
    "dashboard.view_figures": ({CP, GL, GW, Role.DISTRICT_VIEWER}, False),
    "dashboard.view_map": ({CP, GL, GW, BL, DV, Role.DISTRICT_VIEWER}, False),
    "dashboard.edit_map": ({CP}, False),
    "registry.export_places": ({BL, CP, GL, GW}, False),
    "registry.import_places": ({CP}, False),
    # accounts
    "accounts.change_roles": ({CP, DA}, False),
    "accounts.create": ({CP, DA}, False),
    "accounts.deactivate": ({CP, DA}, False),
    "accounts.grant_district_admin": ({DA}, False),
    "accounts.grant_reveal": ({CP, DA}, False),
    "accounts.reactivate": ({CP, DA}, False),
    "accounts.reset_password": ({CP, DA}, False),
    "accounts.unlock": ({CP, DA}, False),
    "accounts.view": ({CP, DA}, False),
    # communities
    "communities.change": ({CP, DA}, False),
    "communities.create": ({DA}, False),
    # places
    "places.change_entrance": ({CP, DA}, False),
    "places.change_grid": ({CP, DA}, False),
    "places.change_unit": ({CP, DA}, False),
    "places.change_zone": ({CP, DA}, False),
    "places.create_building": ({CP, DA, GL, GW}, True),
    "places.change_building": (STAFF, True),
    "places.renumber_building": ({CP, DA}, False),
    "places.create_entrance": ({CP, DA}, False),
    "places.create_estate": ({CP, DA}, False),
    "places.create_grid": ({CP, DA}, False),
    "places.create_unit": ({CP, DA}, False),
    "places.create_zone": ({CP, DA}, False),
    "places.move_building": ({CP, DA}, False),
    # staff
    "staff.assign": ({CP, GL}, True),
    "staff.close_task": ({BL, CP, DV, GL, GUARD, GW, SAMPLER}, False),
    "staff.decide_signup": ({CP}, False),
    "staff.manage_roster": ({CP, GL}, False),
    "staff.manage_task": ({CP, GL, GW}, False),
    "staff.manage_team": ({CP, GL}, False),
    "staff.manage_worker": ({CP, GL}, False),
    "staff.sign_duty": ({BL, CP, DV, GL, GUARD, GW, SAMPLER}, False),
    "staff.tick_five": ({BL, CP, DV, GL, GUARD, GW, SAMPLER}, False),
    "staff.log_disinfection": ({BL, CP, DV, GL, GUARD, GW, SAMPLER}, True),
    "staff.log_garbage": ({BL, CP, DV, GL, GUARD, GW, SAMPLER}, True),
    "staff.manage_areas": ({CP, GL}, False),
    "staff.record_spot_check": ({CP, GL, GW}, True),
    # supplies
    "supplies.cancel_request": ({BL, CP, GL, GW}, True),
    "supplies.edit_care_plan": ({CP, GL, GW}, True),
    "supplies.enter_request": ({BL, CP, DV, GL, GW}, True),
    "supplies.manage_catalogue": ({CP}, False),
    "supplies.manage_delivery": ({CP}, False),
    "supplies.manage_meals": ({CP, DV}, False),
    "supplies.move_stock": ({CP}, False),
    "supplies.place_order": ({BL, CP, GL, GW}, True),
    "supplies.plan_trip": ({CP, GL, GW}, True),
    "supplies.record_contact": ({BL, CP, GL, GW}, True),
    "supplies.record_handover": ({CP, DV}, False),
    "supplies.record_payment": ({CP}, False),
    "supplies.run_cutoff": ({CP}, False),
    "supplies.plan_meals": ({CP, GL, GW}, True),
    "supplies.request_counselling": ({BL, CP, GL, GW}, True),
    "supplies.route_counselling": ({CP}, False),
    "supplies.record_counselling_call": ({BL, CP, DV, GL, GW}, False),
}


def test_every_declared_action_has_a_line_in_the_table_and_every_line_is_declared():
    assert set(actions.declared()) == set(EXPECTED)


@pytest.fixture
def people(world):
    """For every role: bound to the whole community, to grid 1 or grid 2, to building 564 (grid 1)
    or building 800 (grid 2). The object acted on is 张三, in building 564 of grid 1."""
    users = {}
    for role in Role:
        users[(role, "whole")] = make_user(f"{role}-whole", role, world.community)
        users[(role, "grid1")] = make_user(f"{role}-g1", role, world.community, grids=[world.grid1])
        users[(role, "grid2")] = make_user(f"{role}-g2", role, world.community, grids=[world.grid2])
        users[(role, "building_a")] = make_user(f"{role}-ba", role, world.community, buildings=[world.building_a])
        users[(role, "building_c")] = make_user(f"{role}-bc", role, world.community, buildings=[world.building_c])
    return users


REACHING = {"whole", "grid1", "building_a"}


def test_every_action_with_every_role_answers_as_the_table_says(world, people):
    wrong = []
    for name, (roles, reach) in EXPECTED.items():
        for (role, binding), user in people.items():
            expected = role in roles and (not reach or binding in REACHING)
            if allowed(user, name, world.person_a) != expected:
                wrong.append((name, role.value, binding, expected))
    assert wrong == []


def test_nobody_takes_an_action_in_a_community_they_have_no_role_in(world, people):
    outsider = world.users["outsider"]  # the command post of the other community
    for name in EXPECTED:
        assert not allowed(outsider, name, world.person_a), name
        assert not allowed(people[(Role.COMMAND_POST, "whole")], name, world.other_person), name
        assert not allowed(world.users["nobody"], name, world.person_a), name


def test_a_user_of_two_communities_is_judged_by_the_objects_community(world):
    from fangkong.core.models import RoleAssignment

    both = make_user("both", Role.GRID_WORKER, world.community, grids=[world.grid1])
    RoleAssignment.objects.create(user=both, role=Role.COMMAND_POST, community=world.other_community)
    assert allowed(both, "health.change_policy", world.other_community)
    assert not allowed(both, "health.change_policy", world.community)
    assert allowed(both, "core.update_person", world.person_a) and not allowed(both, "core.update_person",
                                                                                 world.person_c)


def test_a_write_needs_the_object_it_changes(world):
    with pytest.raises(TypeError):
        require(world.users["command_post"], "health.change_policy", None)


# --- per app: a refused role changes nothing ---------------------------------------------------


def test_a_sampler_cannot_add_a_person_and_nothing_is_written(world):
    from fangkong.core import services

    before = (Person.objects.count(), AuditEntry.objects.count())
    with pytest.raises(NotAllowed) as refused:
        services.create_person(world.users["sampler"], world.community, {"name": "新人"},
                               household=world.household_a1)
    assert refused.value.code == "not_allowed"
    with pytest.raises(NotAllowed):  # grid 1's worker, a person of grid 2
        services.update_person(world.users["grid_worker"], world.person_c, {"name": "改名"})
    assert (Person.objects.count(), AuditEntry.objects.count()) == before
    world.person_c.refresh_from_db()
    assert world.person_c.name == "王五"


def test_revealing_needs_the_permission_as_well_as_a_role_that_reaches_the_person(world):
    from fangkong.core import services

    with pytest.raises(NotAllowed):  # a grid worker without the reveal permission
        services.reveal(world.users["grid_worker"], world.person_a, "id_number", "核对身份")
    with pytest.raises(NotAllowed):  # grid 1's leader, who may reveal, and a person of grid 2
        services.reveal(world.users["grid_leader"], world.person_c, "id_number", "核对身份")
    assert not AuditEntry.objects.filter(action="reveal").exists()
    assert services.reveal(world.users["grid_leader"], world.person_a, "id_number", "核对身份") == \
        world.person_a.id_number


def test_a_grid_worker_cannot_start_a_screening_round_nor_a_volunteer_knock(world):
    from fangkong.registry import screening
    from fangkong.registry.models import ScreeningRound, Visit

    with pytest.raises(NotAllowed):
        screening.create_round(world.users["grid_worker"], world.community, name="摸排", grids=[world.grid1])
    assert not ScreeningRound.objects.exists()
    round_ = screening.create_round(world.users["command_post"], world.community, name="摸排")
    with pytest.raises(NotAllowed):
        screening.record_visit(world.users["delivery_volunteer"], round_, world.household_a1, "found",
                               client_id="v1")
    with pytest.raises(NotAllowed):  # grid 1's leader closes no round of the whole community
        screening.close_round(world.users["grid_leader"], round_, "结束")
    assert not Visit.objects.exists()
    round_.refresh_from_db()
    assert round_.is_open


def test_a_grid_leader_cannot_change_the_measure_policy_and_nothing_is_written(world):
    from fangkong.health import services
    from fangkong.health.models import KeyPerson, PolicyStep

    audits = AuditEntry.objects.count()
    with pytest.raises(NotAllowed):
        services.save_policy(world.users["grid_leader"], world.community,
                             [{"level": "high", "order": 1, "kind": "central", "days": 7}])
    with pytest.raises(NotAllowed):
        services.set_state(world.users["sampler"], world.person_a, "close_contact")
    with pytest.raises(NotAllowed):  # the other community's command post
        services.set_colour(world.users["outsider"], world.community, "fever", "red")
    assert not PolicyStep.objects.exists() and not KeyPerson.objects.exists()
    assert AuditEntry.objects.count() == audits


def test_a_guard_cannot_close_a_tube_nor_a_grid_worker_import_results(world):
    from fangkong.testing import scanning, services
    from fangkong.testing.models import TestRound, Tube

    command = world.users["command_post"]
    round_ = services.create_round(command, world.community, name="核酸")
    scanning.scan_person(round_, "T1", world.person_a.pk, "s1", world.users["sampler"])
    audits = AuditEntry.objects.count()
    with pytest.raises(NotAllowed):
        scanning.close_tube(world.users["guard"], round_, "T1")
    with pytest.raises(NotAllowed):
        services.import_results(world.users["grid_worker"], round_, [(2, "T1", "positive", None)])
    with pytest.raises(NotAllowed):
        services.create_retest_round(world.users["building_leader"], round_)
    tube = Tube.objects.get(code="T1")
    assert tube.closed_at is None and tube.result == ""
    assert TestRound.objects.count() == 1 and AuditEntry.objects.count() == audits


def test_closing_a_tube_by_hand_is_audited_once_and_refused_in_a_closed_round(world):
    from fangkong.testing import scanning, services
    from fangkong.testing.models import Tube

    command, sampler = world.users["command_post"], world.users["sampler"]
    round_ = services.create_round(command, world.community, name="核酸")
    scanning.scan_person(round_, "T1", world.person_a.pk, "s1", sampler)
    scanning.close_tube(sampler, round_, "t1")
    scanning.close_tube(sampler, round_, "T1")  # twice: harmless, one entry
    entries = AuditEntry.objects.filter(object_type="tube")
    assert entries.count() == 1 and entries.get().user == sampler
    assert Tube.objects.get(code="T1").closed_at is not None
    round_.closed_at = timezone.now()
    round_.save()
    with pytest.raises(services.TestingError) as refused:
        scanning.close_tube(sampler, round_, "T2")
    assert refused.value.code == "round_closed"


# --- rules that had no test (issue 9) ----------------------------------------------------------


def test_a_knock_queued_on_a_phone_keeps_its_time_up_to_a_day_back(world):
    from fangkong.registry import screening

    command = world.users["command_post"]
    now = timezone.now()
    round_ = screening.create_round(command, world.community, name="摸排", starts_at=now - dt.timedelta(days=3))
    recent = screening.record_visit(command, round_, world.household_a1, "found", client_id="q1",
                                    at=now - dt.timedelta(hours=23), now=now).visit
    stale = screening.record_visit(command, round_, world.household_b1, "found", client_id="q2",
                                   at=now - dt.timedelta(hours=25), now=now).visit
    assert recent.at == now - dt.timedelta(hours=23)
    assert stale.at == now  # older than a day: the phone's clock is not believed


def test_a_swab_queued_on_a_phone_keeps_its_time_up_to_a_day_back(world):
    from fangkong.testing import scanning, services
    from fangkong.testing.models import Sample

    command, sampler = world.users["command_post"], world.users["sampler"]
    round_ = services.create_round(command, world.community, name="核酸")
    before = timezone.now()
    scanning.scan_person(round_, "T1", world.person_a.pk, "q1", sampler, at=before - dt.timedelta(hours=23))
    scanning.scan_person(round_, "T1", world.person_b.pk, "q2", sampler, at=before - dt.timedelta(hours=25))
    assert Sample.objects.get(person=world.person_a).at == before - dt.timedelta(hours=23)
    assert Sample.objects.get(person=world.person_b).at >= before  # not believed: the server's time


def test_a_positive_pool_never_lowers_a_suspected_or_confirmed_person(world):
    from fangkong.health import services as health
    from fangkong.health.models import KeyPerson, State
    from fangkong.testing import scanning, services

    command, sampler = world.users["command_post"], world.users["sampler"]
    round_ = services.create_round(command, world.community, name="核酸", pool_size=10)
    for person in (world.person_a, world.person_b, world.person_c):
        scanning.scan_person(round_, "T1", person.pk, f"s{person.pk}", sampler)
    health.set_state(command, world.person_a, State.SUSPECTED)
    health.set_state(command, world.person_b, State.CONFIRMED)
    services.import_results(command, round_, [(2, "T1", "positive", None)])
    states = dict(KeyPerson.objects.values_list("person_id", "state"))
    assert states == {world.person_a.pk: State.SUSPECTED, world.person_b.pk: State.CONFIRMED,
                      world.person_c.pk: State.POOL_POSITIVE}
