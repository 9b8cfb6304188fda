"""Every answer of the scan service, and what the same scan sent twice does."""

import pytest

from fangkong.testing import codes, scanning, services
from fangkong.testing.models import Exemption, Sample, Tube


def refused(call):
    with pytest.raises(services.ScanRefused) as info:
        call()
    return info.value


def test_a_scan_is_accepted_and_opens_the_tube(world, test_round, sampler, code_of, cid):
    answer = scanning.scan(test_round, "t001", code_of(world.person_a), cid(), sampler, point="广场")
    assert answer.code == "accepted" and answer.person == "张三" and answer.place == "564-101"
    tube = Tube.objects.get(code="T001")
    assert (tube.n, tube.pool_size, tube.point, tube.round_id) == (1, 10, "广场", test_round.pk)
    assert Sample.objects.get(person=world.person_a).scanned_by == sampler


def test_the_same_client_id_twice_changes_nothing_and_answers_the_same(world, test_round, sampler, code_of):
    first = scanning.scan(test_round, "T1", code_of(world.person_a), "same", sampler)
    second = scanning.scan(test_round, "T1", code_of(world.person_a), "same", sampler)
    assert second.code == first.code == "accepted" and second.repeated
    assert Sample.objects.count() == 1 and Tube.objects.get().n == 1


def test_a_refusal_sent_again_gives_the_first_answer(world, test_round, sampler, cid):
    first = refused(lambda: scanning.scan(test_round, "T1", "FKP.NOPE.1.X", "r1", sampler))
    again = refused(lambda: scanning.scan(test_round, "T1", "FKP.NOPE.1.X", "r1", sampler))
    assert first.code == again.code == "unknown_code" and again.details["repeated"]


def test_an_unknown_code_is_refused(world, test_round, sampler, cid):
    assert refused(lambda: scanning.scan(test_round, "T1", "garbage", cid(), sampler)).code == "unknown_code"


def test_an_altered_code_is_refused_as_unknown(world, test_round, sampler, code_of, cid):
    text = code_of(world.person_a)
    altered = text[:-1] + ("A" if text[-1] != "A" else "B")
    assert refused(lambda: scanning.scan(test_round, "T1", altered, cid(), sampler)).code == "unknown_code"
    assert not Sample.objects.exists()


def test_a_revoked_code_is_refused(world, test_round, sampler, code_of, cid):
    old = code_of(world.person_a)
    codes.revoke(world.person_a)
    assert refused(lambda: scanning.scan(test_round, "T1", old, cid(), sampler)).code == "revoked_code"
    world.person_a.refresh_from_db()
    assert scanning.scan(test_round, "T1", code_of(world.person_a), cid(), sampler).code == "accepted"


def test_already_sampled_says_where_and_when(world, test_round, sampler, code_of, cid):
    scanning.scan(test_round, "T1", code_of(world.person_a), cid(), sampler)
    error = refused(lambda: scanning.scan(test_round, "T2", code_of(world.person_a), cid(), sampler))
    assert error.code == "already_sampled" and error.details["tube"] == "T1" and error.details["at"]
    assert Sample.objects.count() == 1


def test_a_full_tube_is_refused_and_closed(world, command, sampler, code_of, cid):
    round_ = services.create_round(command, world.community, name="5混1", pool_size=5)
    for person in [world.person_a, world.person_b, world.person_c]:
        scanning.scan(round_, "T1", code_of(person), cid(), sampler)
    tube = Tube.objects.get()
    tube.n = 5  # as if two more people had gone in
    tube.save()
    assert refused(lambda: scanning.scan(round_, "T1", code_of(world.person_a), cid(), sampler)).code == "tube_full"


def test_the_tube_closes_at_the_pool_size_and_the_next_scan_needs_a_new_tube(world, command, sampler, code_of, cid):
    round_ = services.create_round(command, world.community, name="单管", pool_size=1)
    answer = scanning.scan(round_, "S1", code_of(world.person_a), cid(), sampler)
    assert answer.tube_closed and Tube.objects.get(code="S1").closed_at is not None
    assert refused(lambda: scanning.scan(round_, "S1", code_of(world.person_b), cid(), sampler)).code == "tube_full"
    assert scanning.scan(round_, "S2", code_of(world.person_b), cid(), sampler).code == "accepted"


def test_a_tube_closed_by_hand_takes_no_more(world, test_round, command, sampler, code_of, cid):
    scanning.scan(test_round, "T1", code_of(world.person_a), cid(), sampler)
    scanning.close_tube(command, test_round, "t1")
    assert refused(lambda: scanning.scan(test_round, "T1", code_of(world.person_b), cid(), sampler)).code == "tube_full"


def test_a_tube_of_another_round_is_refused(world, test_round, command, sampler, code_of, cid):
    other = services.create_round(command, world.community, name="第二轮")
    scanning.scan(other, "T1", code_of(world.person_a), cid(), sampler)
    error = refused(lambda: scanning.scan(test_round, "T1", code_of(world.person_b), cid(), sampler))
    assert error.code == "tube_other_round"


def test_a_person_outside_the_round_is_out_of_scope(world, command, sampler, code_of, cid):
    round_ = services.create_round(command, world.community, name="一号网格", buildings=[world.building_a])
    assert refused(lambda: scanning.scan(round_, "T1", code_of(world.person_c), cid(), sampler)).code == "out_of_scope"


def test_a_person_of_another_community_is_out_of_scope(world, test_round, sampler, code_of, cid):
    error = refused(lambda: scanning.scan(test_round, "T1", code_of(world.other_person), cid(), sampler))
    assert error.code == "out_of_scope"


def test_an_exempt_person_is_out_of_scope(world, test_round, command, sampler, code_of, cid):
    services.exempt(command, test_round, world.person_a, "hospitalised")
    assert Exemption.objects.count() == 1
    assert refused(lambda: scanning.scan(test_round, "T1", code_of(world.person_a), cid(), sampler)).code == \
        "out_of_scope"


def test_a_building_leader_scans_only_own_buildings(world, test_round, code_of, cid):
    leader = world.users["building_leader"]
    assert scanning.scan(test_round, "T1", code_of(world.person_a), cid(), leader).code == "accepted"
    assert refused(lambda: scanning.scan(test_round, "T1", code_of(world.person_b), cid(), leader)).code == \
        "out_of_scope"


def test_a_guard_may_not_scan(world, test_round, code_of, cid):
    error = refused(lambda: scanning.scan(test_round, "T1", code_of(world.person_a), cid(), world.users["guard"]))
    assert error.code == "not_allowed"


def test_a_closed_round_takes_no_scans(world, test_round, sampler, code_of, cid):
    from django.utils import timezone

    test_round.closed_at = timezone.now()
    test_round.save()
    assert refused(lambda: scanning.scan(test_round, "T1", code_of(world.person_a), cid(), sampler)).code == \
        "round_closed"


def test_a_batch_answers_each_scan(world, test_round, sampler, code_of):
    answers = scanning.scan_many(test_round, [
        {"tube_code": "T1", "person_code": code_of(world.person_a), "client_id": "b1"},
        {"tube_code": "T1", "person_code": code_of(world.person_a), "client_id": "b2"},
        {"tube_code": "T1", "person_code": "x", "client_id": "b3"},
        {"tube_code": "T1", "person_code": code_of(world.person_a), "client_id": "b1"},
    ], sampler)
    assert [a["code"] for a in answers] == ["accepted", "already_sampled", "unknown_code", "accepted"]
    assert [a["client_id"] for a in answers] == ["b1", "b2", "b3", "b1"]
    assert Sample.objects.count() == 1


def test_the_manual_fallback_finds_by_last_four_of_id(world, test_round, sampler):
    found = scanning.find_persons(test_round, sampler, world.person_a.id_number[-4:])
    assert world.person_a in found and world.other_person not in found


def test_a_queued_scan_keeps_the_phones_time(world, test_round, sampler, code_of):
    from django.utils import timezone

    earlier = timezone.now() - timezone.timedelta(minutes=20)
    scanning.scan(test_round, "T1", code_of(world.person_a), "q1", sampler, at=earlier.isoformat())
    assert abs((Sample.objects.get().at - earlier).total_seconds()) < 1
