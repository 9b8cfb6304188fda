"""Results per tube, what each does to the people in it, and coverage."""

import pytest
from django.utils import timezone

from fangkong.core.models import TimelineEntry
from fangkong.testing import scanning, services
from fangkong.testing.models import Sample, Tube


@pytest.fixture
def sampled(world, test_round, sampler, code_of, cid):
    """A and B in pool T1, C in pool T2."""
    scanning.scan(test_round, "T1", code_of(world.person_a), cid(), sampler)
    scanning.scan(test_round, "T1", code_of(world.person_b), cid(), sampler)
    scanning.scan(test_round, "T2", code_of(world.person_c), cid(), sampler)
    return test_round


def rows(*pairs):
    return [(i + 2, code, result, "2026-11-23 18:00") for i, (code, result) in enumerate(pairs)]


def test_a_negative_tube_makes_everyone_in_it_negative(world, sampled, command):
    report = services.import_results(command, sampled, rows(("T1", "阴性")))
    assert report.taken == 1 and report.negative == 1
    cover = services.coverage(sampled, command).community
    assert (cover.negative, cover.back, cover.retest) == (2, 2, 0)
    assert Tube.objects.get(code="T1").result_at is not None


def test_a_positive_pool_puts_everyone_on_the_retest_list_and_timeline(world, sampled, command):
    report = services.import_results(command, sampled, rows(("T1", "positive")))
    assert report.retest_persons == 2
    listed = services.retest_list(sampled, command)
    assert [(b.door_number, [p.name for p in persons]) for b, persons in listed] == [("17", ["李四"]),
                                                                                     ("564", ["张三"])]
    assert TimelineEntry.objects.filter(person=world.person_a, kind="test_retest").count() == 1
    assert services.person_status(world.person_a)[0].state == "retest"


def test_a_positive_single_tube_marks_the_person_positive(world, command, sampler, code_of, cid):
    round_ = services.create_round(command, world.community, name="单管", pool_size=1)
    scanning.scan(round_, "S1", code_of(world.person_a), cid(), sampler)
    report = services.import_results(command, round_, rows(("S1", "阳性")))
    assert report.positive_persons == 1
    assert TimelineEntry.objects.filter(person=world.person_a, kind="test_positive").count() == 1
    assert services.person_status(world.person_a)[0].state == "positive"
    assert list(services.positive_persons(round_)) == [world.person_a]


def test_an_invalid_tube_sends_its_people_to_be_sampled_again(world, sampled, command, sampler, code_of, cid):
    services.import_results(command, sampled, rows(("T1", "invalid")))
    assert Sample.objects.filter(void=True).count() == 2
    cover = services.coverage(sampled, command).community
    assert (cover.resample, cover.sampled, cover.untested) == (2, 1, 2)
    assert scanning.scan(sampled, "T3", code_of(world.person_a), cid(), sampler).code == "accepted"


def test_unknown_tubes_are_reported_not_dropped(world, sampled, command):
    report = services.import_results(command, sampled, rows(("T1", "阴性"), ("NOPE", "阴性")))
    assert report.taken == 1 and report.unknown == [(3, "NOPE")]


def test_an_unreadable_result_is_reported(world, sampled, command):
    report = services.import_results(command, sampled, rows(("T1", "maybe")))
    assert report.taken == 0 and report.problems[0][:2] == (2, "T1")


def test_the_same_results_twice_change_nothing(world, sampled, command):
    services.import_results(command, sampled, rows(("T1", "positive"), ("T2", "negative")))
    timeline = TimelineEntry.objects.count()
    again = services.import_results(command, sampled, rows(("T1", "positive"), ("T2", "negative")))
    assert (again.taken, again.unchanged) == (0, 2)
    assert TimelineEntry.objects.count() == timeline


def test_coverage_sums_buildings_into_grids_and_the_community(world, sampled, command):
    services.import_results(command, sampled, rows(("T2", "negative")))
    cover = services.coverage(sampled, command)
    assert (cover.community.must, cover.community.sampled, cover.community.negative) == (3, 3, 1)
    assert sum(p.tally.must for p in cover.buildings) == cover.community.must
    assert sum(g.tally.sampled for g in cover.grids) == cover.community.sampled
    assert {g.label: g.tally.must for g in cover.grids} == {"第一网格": 2, "第二网格": 1}


def test_coverage_counts_the_untested(world, test_round, command, sampler, code_of, cid):
    scanning.scan(test_round, "T1", code_of(world.person_a), cid(), sampler)
    cover = services.coverage(test_round, command).community
    assert (cover.must, cover.sampled, cover.untested) == (3, 1, 2)
    listed = services.untested(test_round, command)
    assert sorted(p.name for _b, persons in listed for p in persons) == ["李四", "王五"]


def test_coverage_is_a_constant_number_of_queries(world, sampled, command, django_assert_max_num_queries):
    services.coverage(sampled, command)  # the user's roles are read once per request
    with django_assert_max_num_queries(2):
        services.coverage(sampled, command)


def test_a_building_leader_sees_the_coverage_of_own_buildings(world, sampled):
    cover = services.coverage(sampled, world.users["building_leader"])
    assert cover.community.must == 1 and [p.label for p in cover.buildings] == ["564"]


def test_infants_under_the_rounds_age_need_no_test(world, command):
    world.person_c.birth_date = timezone.localdate() - timezone.timedelta(days=300)
    world.person_c.save()
    round_ = services.create_round(command, world.community, name="三岁以下免检", exempt_under_age=3)
    assert services.coverage(round_, command).community.must == 2


def test_a_retest_round_tests_the_positive_pools_people(world, sampled, command, sampler, code_of, cid):
    services.import_results(command, sampled, rows(("T1", "positive")))
    retest = services.create_retest_round(command, sampled)
    assert retest.pool_size == 1
    assert set(services.must_test(retest, command)) == {world.person_a, world.person_b}


# --- what a result does to the key-person register (the health capability) --------------------


def test_a_positive_pool_makes_its_people_key_persons_awaiting_retest(world, sampled, command):
    from fangkong.core.models import AuditEntry
    from fangkong.health import services as health
    from fangkong.health.models import KeyPerson, State, StateChange

    health.set_state(command, world.person_b, State.CONFIRMED)  # already a case: stays one
    services.import_results(command, sampled, rows(("T1", "阳性")))
    assert KeyPerson.objects.get(person=world.person_a).state == State.POOL_POSITIVE
    assert KeyPerson.objects.get(person=world.person_b).state == State.CONFIRMED
    assert not KeyPerson.objects.filter(person=world.person_c).exists()  # in a tube with no result
    change = StateChange.objects.get(person=world.person_a)
    assert (change.old_state, change.new_state) == ("", State.POOL_POSITIVE) and sampled.name in change.reason
    entry = AuditEntry.objects.get(person=world.person_a, object_type="keyperson")
    assert entry.changes == {"state": ["", State.POOL_POSITIVE]} and entry.user == command
    assert TimelineEntry.objects.filter(person=world.person_a, kind="health_state").count() == 1
    # The register shows them at once, with the building leader of their building responsible.
    key = health.register(command).get(person=world.person_a)
    assert key.responsible == world.users["building_leader"]


def test_the_same_results_again_change_no_key_person(world, sampled, command):
    from fangkong.health.models import StateChange

    services.import_results(command, sampled, rows(("T1", "阳性")))
    services.import_results(command, sampled, rows(("T1", "阳性")))
    assert StateChange.objects.count() == 2  # A and B once each


def test_a_positive_single_tube_makes_a_suspected_case(world, command, sampler, code_of, cid):
    from fangkong.health.models import KeyPerson, State

    round_ = services.create_round(command, world.community, name="单管", pool_size=1)
    scanning.scan(round_, "S1", code_of(world.person_a), cid(), sampler)
    services.import_results(command, round_, rows(("S1", "阳性")))
    assert KeyPerson.objects.get(person=world.person_a).state == State.SUSPECTED


def test_a_negative_single_tube_retest_clears_those_only_awaiting_it(world, sampled, command, sampler, code_of,
                                                                    cid):
    from fangkong.health import services as health
    from fangkong.health.models import KeyPerson, State

    services.import_results(command, sampled, rows(("T1", "阳性")))
    health.set_state(command, world.person_b, State.FEVER)  # meanwhile, a fever: not cleared by the retest
    retest = services.create_retest_round(command, sampled)
    scanning.scan(retest, "R1", code_of(world.person_a), cid(), sampler)
    scanning.scan(retest, "R2", code_of(world.person_b), cid(), sampler)
    services.import_results(command, retest, rows(("R1", "阴性"), ("R2", "阴性")))
    assert KeyPerson.objects.get(person=world.person_a).state == State.CLEARED
    assert KeyPerson.objects.get(person=world.person_b).state == State.FEVER


def test_results_raise_key_persons_in_a_fixed_number_of_queries(world, command, sampler, code_of, cid,
                                                                django_assert_max_num_queries):
    from fangkong.core.models import Person
    from fangkong.health.models import KeyPerson

    round_ = services.create_round(command, world.community, name="大轮", pool_size=20)
    people = [Person.objects.create(community=world.community, household=world.household_a1, name=f"人{n}")
              for n in range(40)]
    for n, person in enumerate(people):
        scanning.scan(round_, f"P{n // 20}", code_of(person), cid(), sampler)
    with django_assert_max_num_queries(40):
        services.import_results(command, round_, rows(("P0", "阳性"), ("P1", "阳性")))
    assert KeyPerson.objects.filter(person__in=people).count() == 40
