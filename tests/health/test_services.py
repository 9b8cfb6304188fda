"""Risk levels over time, the policy's proposals, key persons' colours, measures that end by
themselves, arrivals: what the command post notices."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from fangkong.core.models import AuditEntry, TimelineEntry
from fangkong.health import services
from fangkong.health.models import (
    ArrivalStatus,
    KeyPerson,
    Level,
    Measure,
    MeasureKind,
    PolicyStep,
    State,
    StateChange,
)

DAY = timedelta(days=1)
AUG30 = date(2022, 8, 30)


def local(y, m, d, h=0):
    return timezone.make_aware(datetime(y, m, d, h))


@pytest.fixture
def command(world):
    return world.users["command_post"]


@pytest.fixture
def area(world, command):
    """君诚酒店: high from 16 August, lowered to medium at noon on 30 August by notice 20."""
    area = services.get_or_create_area(world.community, "君诚酒店", "商州区")
    services.record_level(command, area, Level.HIGH, local(2022, 8, 16), "第15号")
    services.record_level(command, area, Level.MEDIUM, local(2022, 8, 30, 12), "第20号")
    return area


# --- level history ----------------------------------------------------------------------------


def test_area_level_on_a_day_follows_its_history(area):
    assert services.level_on(area, date(2022, 8, 15)) is None
    assert services.level_on(area, date(2022, 8, 20)) == Level.HIGH
    assert services.level_on(area, date(2022, 8, 31)) == Level.MEDIUM


def test_on_the_day_an_area_is_lowered_it_still_counts_at_its_higher_level(area):
    assert services.level_on(area, AUG30) == Level.HIGH


def test_levels_of_many_areas_are_read_in_two_queries(world, command, area, django_assert_max_num_queries):
    others = [services.get_or_create_area(world.community, f"小区{n}", "山阳县") for n in range(20)]
    for other in others:
        services.record_level(command, other, Level.LOW, local(2022, 8, 1))
    with django_assert_max_num_queries(2):
        levels = services.levels_on([area, *others], date(2022, 8, 20))
    assert levels[area.pk] == Level.HIGH and levels[others[0].pk] == Level.LOW


def test_recording_a_level_writes_the_audit_log(area):
    entry = AuditEntry.objects.filter(object_type="riskarea", object_id=str(area.pk)).first()
    assert entry.reason == "第20号" and entry.changes["level"] == ["high", "medium"]


# --- policy -----------------------------------------------------------------------------------


def test_high_risk_origin_proposes_central_quarantine_then_monitoring(world):
    first, second = services.propose(world.community, Level.HIGH, AUG30)
    assert (first.kind, first.start, first.end, first.test_days) == (MeasureKind.CENTRAL, AUG30, AUG30 + 6 * DAY,
                                                                      "1,3,7")
    assert (second.kind, second.start, second.end) == (MeasureKind.MONITORING, AUG30 + 7 * DAY, AUG30 + 9 * DAY)


def test_medium_risk_origin_proposes_home_quarantine_for_seven_days(world):
    [only] = services.propose(world.community, Level.MEDIUM, AUG30)
    assert only.kind == MeasureKind.HOME and only.end == AUG30 + 6 * DAY


def test_low_risk_origin_proposes_report_and_three_tests(world):
    [only] = services.propose(world.community, Level.LOW, AUG30)
    assert only.kind == MeasureKind.REPORT_TEST and only.test_days == "1,2,3"


def test_edited_policy_table_changes_the_proposals_and_is_audited(world, command):
    services.save_policy(command, world.community, [
        {"level": Level.HIGH, "order": 1, "kind": MeasureKind.CENTRAL, "days": 14, "test_days": "1，7、14"},
    ])
    [only] = services.propose(world.community, Level.HIGH, AUG30)
    assert only.end == AUG30 + 13 * DAY and only.test_days == "1,7,14"
    assert services.propose(world.community, Level.LOW, AUG30) == []
    assert AuditEntry.objects.filter(fields="measure_policy", community=world.community).exists()


def test_default_policy_can_be_written_for_editing(world):
    services.ensure_policy(world.community)
    assert PolicyStep.objects.filter(community=world.community).count() == 4


# --- colours and transitions ------------------------------------------------------------------


def test_close_contact_is_orange_and_turns_red_when_confirmed(world, command):
    key = services.set_state(command, world.person_a, State.CLOSE_CONTACT, on=AUG30)
    assert key.colour == "orange"
    key = services.set_state(command, world.person_a, State.CONFIRMED, on=AUG30 + DAY)
    assert key.colour == "red"
    history = list(StateChange.objects.filter(person=world.person_a).values_list("old_state", "new_state", "on"))
    assert history == [("", State.CLOSE_CONTACT, AUG30), (State.CLOSE_CONTACT, State.CONFIRMED, AUG30 + DAY)]


def test_changing_a_states_colour_recolours_everyone_in_it(world, command):
    services.set_state(command, world.person_a, State.FEVER)
    services.set_state(command, world.person_b, State.FEVER)
    assert services.set_colour(command, world.community, State.FEVER, "red") == 2
    assert set(KeyPerson.objects.values_list("colour", flat=True)) == {"red"}
    services.set_state(command, world.person_c, State.FEVER)
    assert KeyPerson.objects.get(person=world.person_c).colour == "red"


def test_state_change_writes_audit_and_timeline(world, command):
    services.set_state(command, world.person_a, State.SUSPECTED, reason="发热门诊")
    assert AuditEntry.objects.filter(person=world.person_a, object_type="keyperson", reason="发热门诊").exists()
    assert TimelineEntry.objects.filter(person=world.person_a, kind="health_state").exists()


def test_new_key_person_is_given_their_building_leader_as_responsible(world, command):
    key = services.set_state(command, world.person_a, State.CLOSE_CONTACT)
    assert key.responsible == world.users["building_leader"]
    assert services.set_state(command, world.person_c, State.CLOSE_CONTACT).responsible is None


# --- measures end by themselves ---------------------------------------------------------------


def test_measure_is_active_up_to_its_end_date_and_over_the_day_after(world, command):
    measure = services.start_measure(command, world.person_a, MeasureKind.HOME, AUG30, AUG30 + 6 * DAY,
                                     state=State.CLOSE_CONTACT, today=AUG30)
    assert measure.is_active(AUG30 + 6 * DAY) and measure.days_left(AUG30 + 4 * DAY) == 2
    assert not measure.is_active(AUG30 + 7 * DAY)
    assert list(Measure.objects.active_on(AUG30 + 7 * DAY)) == []


def test_ending_list_shows_measures_whose_last_day_is_today(world, command):
    services.start_measure(command, world.person_a, MeasureKind.HOME, AUG30, AUG30 + 6 * DAY, today=AUG30)
    services.start_measure(command, world.person_b, MeasureKind.HOME, AUG30, AUG30 + 7 * DAY, today=AUG30)
    assert [m.person for m in services.ending(command, AUG30 + 6 * DAY)] == [world.person_a]
    assert [m.person for m in services.ending(command, AUG30 + 7 * DAY)] == [world.person_b]


def test_end_measures_moves_to_the_next_measure_then_clears(world, command):
    for kind, start, end in [(MeasureKind.CENTRAL, AUG30, AUG30 + 6 * DAY),
                             (MeasureKind.MONITORING, AUG30 + 7 * DAY, AUG30 + 9 * DAY)]:
        services.start_measure(command, world.person_a, kind, start, end, today=AUG30)
    key = KeyPerson.objects.get(person=world.person_a)
    assert key.measure.kind == MeasureKind.CENTRAL
    assert services.end_measures(today=AUG30 + 7 * DAY) == 1
    key.refresh_from_db()
    assert key.measure.kind == MeasureKind.MONITORING and key.state == State.ARRIVAL
    call_command("end-measures", "--today", str(AUG30 + 10 * DAY))
    key.refresh_from_db()
    assert key.state == State.CLEARED
    assert services.end_measures(today=AUG30 + 10 * DAY) == 0


def test_confirmed_case_is_not_cleared_when_a_measure_ends(world, command):
    services.start_measure(command, world.person_a, MeasureKind.CENTRAL, AUG30, AUG30 + DAY,
                           state=State.CONFIRMED, today=AUG30)
    services.end_measures(today=AUG30 + 5 * DAY)
    assert KeyPerson.objects.get(person=world.person_a).state == State.CONFIRMED


# --- arrivals ---------------------------------------------------------------------------------


def test_arrival_from_register_area_proposes_by_its_level_on_the_travel_date(world, command, area):
    report = services.report_arrival(command, world.person_a, origin_area=area, travel_date=date(2022, 8, 29),
                                     arrival_date=AUG30, transport="汽车")
    assert report.origin_level == Level.HIGH and report.status == ArrivalStatus.PROPOSED
    assert [p.kind for p in services.proposal(report)] == [MeasureKind.CENTRAL, MeasureKind.MONITORING]


def test_typed_origin_matching_the_register_is_recognised(world, command, area):
    report = services.report_arrival(command, world.person_a, origin_text=" 君诚 酒店", travel_date=date(2022, 9, 1),
                                     arrival_date=date(2022, 9, 1))
    assert report.origin_area == area and report.origin_level == Level.MEDIUM


def test_unknown_origin_is_flagged_for_a_decision_not_guessed(world, command):
    report = services.report_arrival(command, world.person_a, origin_text="西安市雁塔区某小区",
                                     travel_date=AUG30, arrival_date=AUG30)
    assert report.status == ArrivalStatus.NEEDS_DECISION and services.proposal(report) == []
    with pytest.raises(services.HealthError) as error:
        services.decide_arrival(command, report)
    assert error.value.code == "needs_decision"


def test_confirming_an_arrival_starts_its_measures_and_marks_the_person(world, command, area):
    report = services.report_arrival(command, world.person_a, origin_area=area, travel_date=AUG30,
                                     arrival_date=AUG30)
    measures = services.decide_arrival(command, report, today=AUG30)
    assert [m.kind for m in measures] == [MeasureKind.CENTRAL, MeasureKind.MONITORING]
    key = KeyPerson.objects.get(person=world.person_a)
    assert key.state == State.ARRIVAL and key.colour == "yellow" and key.measure == measures[0]


def test_overriding_the_proposal_needs_a_reason_and_is_audited(world, command, area):
    report = services.report_arrival(command, world.person_a, origin_area=area, travel_date=AUG30,
                                     arrival_date=AUG30)
    home = services.ProposedMeasure(MeasureKind.HOME, AUG30, AUG30 + 6 * DAY, "1,7")
    with pytest.raises(services.HealthError):
        services.decide_arrival(command, report, [home], reason="")
    services.decide_arrival(command, report, [home], reason="孕妇,居家更安全")
    report.refresh_from_db()
    assert report.status == ArrivalStatus.OVERRIDDEN
    entry = AuditEntry.objects.filter(object_type="arrivalreport", reason="孕妇,居家更安全").get()
    assert "central" in entry.changes["proposed"][0] and "home" in entry.changes["measures"][1]


# --- daily reports ----------------------------------------------------------------------------


def test_fever_report_raises_the_person_to_fever(world, command):
    services.start_measure(command, world.person_a, MeasureKind.HOME, AUG30, AUG30 + 6 * DAY, today=AUG30)
    saved, raised = services.record_reports(command, AUG30, [(world.person_a, Decimal("37.4"), [])])
    assert saved == 1 and raised == [world.person_a]
    assert KeyPerson.objects.get(person=world.person_a).state == State.FEVER
    assert [k.person for k in services.fever_alerts(command)] == [world.person_a]


def test_a_symptom_without_fever_also_raises_the_person(world, command):
    _saved, raised = services.record_reports(command, AUG30, [(world.person_b, Decimal("36.5"), ["cough"])])
    assert raised == [world.person_b]


def test_normal_report_raises_nobody_and_confirmed_stays_confirmed(world, command):
    services.set_state(command, world.person_b, State.CONFIRMED)
    _saved, raised = services.record_reports(command, AUG30, [(world.person_a, Decimal("36.6"), []),
                                                              (world.person_b, Decimal("38.5"), [])])
    assert raised == [] and KeyPerson.objects.get(person=world.person_b).state == State.CONFIRMED


def test_sending_the_same_days_report_again_replaces_it(world, command):
    services.record_reports(command, AUG30, [(world.person_a, Decimal("36.6"), [])])
    services.record_reports(command, AUG30, [(world.person_a, Decimal("36.8"), [])])
    assert list(world.person_a.health_reports.values_list("temperature", flat=True)) == [Decimal("36.8")]


def test_missing_reports_are_counted_by_building(world, command):
    for person in (world.person_a, world.person_b):
        services.start_measure(command, person, MeasureKind.HOME, AUG30, AUG30 + 6 * DAY, today=AUG30)
    services.record_reports(command, AUG30, [(world.person_a, Decimal("36.6"), [])])
    rows = list(services.missing_reports(command, AUG30))
    assert [(r["household__building__door_number"], r["missing"]) for r in rows] == [("17", 1)]



def test_home_quarantine_seals_the_door_and_the_seal_comes_off_when_it_ends(world, command):
    services.start_measure(command, world.person_a, MeasureKind.HOME, AUG30, AUG30 + 6 * DAY, today=AUG30)
    seal = world.household_a1.seals.get()
    assert seal.sealed_on == AUG30 and seal.removed_on is None
    services.end_measures(today=AUG30 + 7 * DAY)
    seal.refresh_from_db()
    assert seal.removed_on == AUG30 + 7 * DAY


def test_seal_stays_while_someone_else_at_the_door_is_still_quarantined(world, command):
    from fangkong.core.models import Person

    other = Person.objects.create(community=world.community, household=world.household_a1, name="张四")
    services.start_measure(command, world.person_a, MeasureKind.HOME, AUG30, AUG30 + 6 * DAY, today=AUG30)
    services.start_measure(command, other, MeasureKind.HOME, AUG30 + 3 * DAY, AUG30 + 9 * DAY, today=AUG30)
    services.end_measures(today=AUG30 + 7 * DAY)
    assert world.household_a1.seals.get().removed_on is None


def test_tests_are_due_on_the_measures_test_days(world, command):
    services.start_measure(command, world.person_a, MeasureKind.CENTRAL, AUG30, AUG30 + 6 * DAY, "1,3,7",
                           today=AUG30)
    services.start_measure(command, world.person_b, MeasureKind.HOME, AUG30 + DAY, AUG30 + 7 * DAY, "1",
                           today=AUG30)
    assert [m.person for m in services.tests_due(command, AUG30)] == [world.person_a]
    assert [m.person for m in services.tests_due(command, AUG30 + DAY)] == [world.person_b]
    assert [m.person for m in services.tests_due(command, AUG30 + 2 * DAY)] == [world.person_a]
    assert services.tests_due(command, AUG30 + 3 * DAY) == []


def test_catch_up_records_yesterdays_endings_once_a_day(world, command):
    from django.core.cache import cache

    from fangkong.health.models import KeyPerson, Measure, MeasureKind, State

    today = timezone.localdate()
    services.start_measure(command, world.person_b, MeasureKind.MONITORING, today - timedelta(days=7),
                           today - timedelta(days=1), state=State.ARRIVAL, today=today - timedelta(days=7))
    services.catch_up(today)
    assert KeyPerson.objects.get(person=world.person_b).state == State.CLEARED
    assert Measure.objects.get(person=world.person_b).ended_recorded
    # The same day again does nothing, even with another measure past its end.
    services.start_measure(command, world.person_c, MeasureKind.MONITORING, today - timedelta(days=7),
                           today - timedelta(days=1), state=State.ARRIVAL, today=today - timedelta(days=7))
    services.catch_up(today)
    assert KeyPerson.objects.get(person=world.person_c).state == State.ARRIVAL
    cache.clear()  # the next day, as far as the cache knows
    services.catch_up(today)
    assert KeyPerson.objects.get(person=world.person_c).state == State.CLEARED
