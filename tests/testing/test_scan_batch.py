"""A batch of scans (the phone's offline queue, another sampling app) decided as sets: every answer
of the single scan inside one batch, duplicates inside a batch, a tube filling up half way, and a
number of statements that does not grow with the batch."""

import threading

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fangkong.core.actions import NotAllowed
from fangkong.core.models import Person
from fangkong.core.operations import chosen_places
from fangkong.testing import codes, scanning, services
from fangkong.testing.models import PersonCode, Refusal, Sample, Tube
from tests.factories import make_world


def scan(tube, code, client_id, **more):
    return {"tube_code": tube, "person_code": code, "client_id": client_id, **more}


def make_persons(world, n, household=None):
    household = household or world.household_b1
    return [Person.objects.create(community=world.community, household=household, name=f"居民{i}")
            for i in range(n)]


def test_every_answer_of_the_single_scan_comes_back_in_order_inside_one_batch(world, test_round, command, sampler,
                                                                            code_of):
    scanning.scan(test_round, "T9", code_of(world.person_c), "before", sampler, point="广场")
    other = services.create_round(command, world.community, name="第二轮")
    scanning.scan(other, "OTHER", code_of(world.person_c), "elsewhere", sampler)
    late = make_persons(world, 2)
    scanning.scan(test_round, "SHUT", code_of(late[1]), "shut", sampler)
    scanning.close_tube(command, test_round, "SHUT")
    services.exempt(command, test_round, late[0], "hospitalised")
    revoked = code_of(world.person_b)
    codes.revoke(world.person_b)
    unknown_key = codes.token(PersonCode(key="AAAAAAAAAAAAAAAA", version=1))
    answers = scanning.scan_many(test_round, [
        scan("T1", code_of(world.person_a), "1"),
        scan("T1", "garbage", "2"),
        scan("T1", unknown_key, "3"),
        scan("T1", revoked, "4"),
        scan("T1", code_of(world.other_person), "5"),
        scan("T1", code_of(late[0]), "6"),
        scan("T2", code_of(world.person_c), "7"),
        scan("SHUT", code_of(world.person_a), "8"),
        scan("OTHER", code_of(world.person_a), "9"),
        scan("", code_of(world.person_a), "10"),
        scan("T1", code_of(world.person_a), ""),
        {"tube_code": "T1", "person_id": "abc", "client_id": "12"},
        scan("T1", code_of(world.person_a), "1"),
    ], sampler)
    assert [a["code"] for a in answers] == [
        "accepted", "unknown_code", "unknown_code", "revoked_code", "out_of_scope", "out_of_scope",
        "already_sampled", "tube_full", "tube_other_round", "bad_request", "bad_request", "bad_request", "accepted"]
    assert [a["client_id"] for a in answers] == [str(n) for n in range(1, 11)] + ["", "12", "1"]
    assert answers[0]["person"] == "张三" and answers[0]["tube"] == "T1" and answers[0]["n"] == 1
    assert answers[6]["tube"] == "T9" and answers[6]["point"] == "广场" and answers[6]["at"]
    assert answers[7]["tube"] == "SHUT" and answers[8]["tube"] == "OTHER"
    assert answers[12]["repeated"] is True and not answers[0]["repeated"]
    assert Sample.objects.filter(round=test_round).count() == 3  # T9 and SHUT before, T1 now
    # Kept by client id: every refusal decided, not the scans that could not even be read.
    assert set(Refusal.objects.filter(round=test_round).values_list("client_id", flat=True)) == {
        "2", "3", "4", "5", "6", "7", "8", "9", "10"}
    assert not Tube.objects.filter(code="T2").exists()  # its only scan was refused: never opened


def test_a_closed_round_refuses_every_scan_and_a_role_that_does_not_scan_the_whole_batch(world, test_round,
                                                                                          sampler, code_of):
    with pytest.raises(NotAllowed):
        scanning.scan_many(test_round, [scan("T1", code_of(world.person_a), "g1"),
                                        {"tube_code": "T1", "person_id": world.person_b.pk, "client_id": "g2"}],
                           world.users["guard"])
    assert not Refusal.objects.exists()  # refused once, for the batch: nothing kept per scan
    test_round.closed_at = timezone.now()
    test_round.save()
    closed = scanning.scan_many(test_round, [scan("T1", code_of(world.person_a), "c1"),
                                             {"tube_code": "T1", "person_id": world.person_b.pk, "client_id": "c2"}],
                                sampler)
    assert [a["code"] for a in closed] == ["round_closed", "round_closed"]
    assert not Sample.objects.exists() and not Tube.objects.exists()


def test_the_manual_fallback_follows_the_same_rules(world, test_round, sampler):
    assert scanning.scan_person(test_round, "T1", world.person_a.pk, "m1", sampler).code == "accepted"
    with pytest.raises(services.ScanRefused) as other:
        scanning.scan_person(test_round, "T1", world.other_person.pk, "m2", sampler)
    assert other.value.code == "out_of_scope"
    test_round.closed_at = timezone.now()
    test_round.save()
    with pytest.raises(services.ScanRefused) as closed:
        scanning.scan_person(test_round, "T1", world.person_b.pk, "m3", sampler)
    assert closed.value.code == "round_closed"


def test_a_person_twice_in_a_batch_is_sampled_once_and_told_where(world, test_round, sampler, code_of):
    answers = scanning.scan_many(test_round, [
        scan("T1", code_of(world.person_a), "a", point="3号楼下"),
        scan("T2", code_of(world.person_a), "b"),
        {"tube_code": "T2", "person_id": world.person_a.pk, "client_id": "c"},
    ], sampler)
    assert [a["code"] for a in answers] == ["accepted", "already_sampled", "already_sampled"]
    assert answers[1]["tube"] == "T1" and answers[1]["point"] == "3号楼下" and answers[1]["at"] == answers[0]["at"]
    assert Sample.objects.get().tube.code == "T1"
    assert not Tube.objects.filter(code="T2").exists()


def test_a_client_id_twice_in_a_batch_answers_as_the_first_time(world, test_round, sampler, code_of):
    answers = scanning.scan_many(test_round, [
        scan("T1", code_of(world.person_a), "same"),
        scan("T1", code_of(world.person_b), "same"),  # another person, the same id: the first answer
        scan("T1", "garbage", "bad"),
        scan("T1", "garbage", "bad"),
    ], sampler)
    assert [(a["code"], a.get("repeated", False)) for a in answers] == [
        ("accepted", False), ("accepted", True), ("unknown_code", False), ("unknown_code", True)]
    assert answers[1]["person"] == "张三"
    assert list(Sample.objects.values_list("person_id", flat=True)) == [world.person_a.pk]
    assert Tube.objects.get().n == 1 and Refusal.objects.count() == 1


def test_a_batch_sent_again_answers_the_same_and_changes_nothing(world, test_round, sampler, code_of):
    batch = [scan("T1", code_of(world.person_a), "x1"), scan("T1", code_of(world.person_b), "x2"),
             scan("T1", "garbage", "x3")]
    first = scanning.scan_many(test_round, batch, sampler)
    again = scanning.scan_many(test_round, batch, sampler)
    assert [a["code"] for a in again] == [a["code"] for a in first] == ["accepted", "accepted", "unknown_code"]
    assert all(a["repeated"] for a in again) and not any(a.get("repeated") for a in first)
    assert [a["n"] for a in again[:2]] == [2, 2]  # the tube as it is now
    assert Sample.objects.count() == 2 and Tube.objects.get().n == 2 and Refusal.objects.count() == 1


def test_a_tube_filling_up_half_way_refuses_the_rest_of_the_batch(world, command, sampler, code_of):
    round_ = services.create_round(command, world.community, name="5混1", pool_size=5)
    people = make_persons(world, 7)
    answers = scanning.scan_many(round_, [scan("T1", code_of(p), f"f{i}") for i, p in enumerate(people[:6])]
                                 + [scan("T2", code_of(people[6]), "f6")], sampler)
    assert [a["code"] for a in answers] == ["accepted"] * 5 + ["tube_full", "accepted"]
    assert [a["n"] for a in answers[:5]] == [1, 2, 3, 4, 5]
    assert [a["tube_closed"] for a in answers[:5]] == [False] * 4 + [True]
    assert answers[5]["n"] == 5 and answers[5]["pool_size"] == 5
    full = Tube.objects.get(code="T1")
    assert full.n == 5 and full.closed_at is not None
    assert Sample.objects.filter(tube=full).count() == 5
    assert Tube.objects.get(code="T2").n == 1


def test_a_tube_opened_earlier_counts_on_from_where_it_was(world, test_round, sampler, code_of):
    people = make_persons(world, 14)
    scanning.scan(test_round, "T1", code_of(people[0]), "o0", sampler)
    scanning.scan(test_round, "T2", code_of(people[1]), "o1", sampler)
    answers = scanning.scan_many(test_round, [scan("T1", code_of(p), f"t1-{i}") for i, p in enumerate(people[2:12])]
                                 + [scan("T2", code_of(p), f"t2-{i}") for i, p in enumerate(people[12:])], sampler)
    assert [a["code"] for a in answers] == ["accepted"] * 9 + ["tube_full"] + ["accepted"] * 2
    assert answers[8]["n"] == 10 and answers[8]["tube_closed"] and answers[11]["n"] == 3
    assert dict(Tube.objects.values_list("code", "n")) == {"T1": 10, "T2": 3}
    for tube in Tube.objects.all():
        assert tube.n == Sample.objects.filter(tube=tube).count()
    assert Tube.objects.get(code="T1").closed_at is not None and Tube.objects.get(code="T2").closed_at is None


def statements(call) -> int:
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured.captured_queries)


def test_the_statements_of_a_batch_do_not_grow_with_its_size(world, test_round, sampler, code_of):
    people = make_persons(world, 64)
    texts = [code_of(p) for p in people]
    # Tubes open before the batches, so that both batches also count on in tubes that exist.
    scanning.scan(test_round, "S1", texts[0], "s-open", sampler)
    scanning.scan(test_round, "L1", texts[1], "l-open", sampler)
    small = statements(lambda: scanning.scan_many(test_round, [
        scan("S1", texts[2], "s1"), scan("S2", texts[3], "s2"), scan("S1", "garbage", "s3")], sampler))
    many = [scan(f"L{1 + (i + 1) // 10}", texts[4 + i], f"l{i}") for i in range(60)] + [scan("L1", "garbage", "lx")]
    large = statements(lambda: scanning.scan_many(test_round, many, sampler))
    assert Sample.objects.count() == 2 + 2 + 60
    assert large == small
    # On SQLite (PostgreSQL writes the samples with COPY, which is not counted here): BEGIN, the
    # tubes, client ids, codes, the round's places, the persons, new tubes, samples, counts,
    # refusals, and whatever the user's role costs the first time.
    assert large <= 12


def test_a_single_scan_stays_a_handful_of_statements(world, test_round, sampler, code_of):
    scanning.scan(test_round, "T1", code_of(world.person_a), "w1", sampler)
    text = code_of(world.person_b)
    with CaptureQueriesContext(connection) as captured:
        scanning.scan(test_round, "T1", text, "w2", sampler)
    assert len(captured.captured_queries) <= 9


@pytest.mark.parametrize("kind", ["whole", "grids", "buildings", "both", "infants"])
def test_must_test_is_the_same_with_the_rounds_places_read_as_ids(world, command, kind):
    make_persons(world, 2, household=world.household_c1)
    young = Person.objects.create(community=world.community, household=world.household_a1, name="婴儿",
                                  birth_date=timezone.localdate() - timezone.timedelta(days=200))
    options = {"whole": {}, "grids": {"grids": [world.grid2]}, "buildings": {"buildings": [world.building_b]},
               "both": {"grids": [world.grid2], "buildings": [world.building_a]},
               "infants": {"exempt_under_age": 3}}[kind]
    round_ = services.create_round(command, world.community, name=kind, **options)
    services.exempt(command, round_, world.person_c, "away")
    for user in (None, command, world.users["building_leader"], world.users["grid_worker"]):
        by_subqueries = set(services.must_test(round_, user).values_list("pk", flat=True))
        by_ids = set(services.must_test(round_, user, places=chosen_places(round_)).values_list("pk",
                                                                                                      flat=True))
        assert by_ids == by_subqueries
    everyone = set(services.must_test(round_).values_list("pk", flat=True))
    assert world.other_person.pk not in everyone and world.person_c.pk not in everyone
    assert (young.pk in everyone) == (kind in ("whole", "both"))


@pytest.mark.django_db(transaction=True)
def test_batches_sent_at_once_by_many_phones_leave_one_sample_per_person_and_one_answer_per_client_id():
    """On PostgreSQL the batches really run at once (threads, their own connections): the losers
    of a race meet a unique constraint and decide again. SQLite takes one writer at a time."""
    world = make_world()
    round_ = services.create_round(world.users["command_post"], world.community, name="并发批量", pool_size=20)
    people = make_persons(world, 120)  # over core.sql.ROWS_PER_INSERT: PostgreSQL writes them with COPY
    texts = [codes.token(code) for code in codes.codes_for(people).values()]
    # Three phones send the same queue (the same client ids and tubes); three more scan the same
    # people the other way round with their own client ids, into their own tubes.
    queue = [scan(f"Q{i // 20}", text, f"q-{i}") for i, text in enumerate(texts)]
    batches = [queue] * 3 + [[scan(f"P{n}T{i // 20}", text, f"p{n}-{i}") for i, text in enumerate(texts)][::-1]
                             for n in range(3)]
    answers: dict[int, list] = {}

    def send(n, batch):
        try:
            answers[n] = scanning.scan_many(round_, batch, world.users["sampler"])
        finally:
            connections.close_all()

    if connection.vendor == "postgresql":
        threads = [threading.Thread(target=send, args=(n, batch)) for n, batch in enumerate(batches)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    else:
        for n, batch in enumerate(batches):
            answers[n] = scanning.scan_many(round_, batch, world.users["sampler"])
    assert sorted(answers) == list(range(6))
    assert sorted(Sample.objects.filter(round=round_).values_list("person_id", flat=True)) == sorted(
        p.pk for p in people)
    for tube in Tube.objects.filter(round=round_):
        assert tube.n == Sample.objects.filter(tube=tube).count()
    codes_seen = {a["code"] for n in answers for a in answers[n]}
    assert codes_seen <= {"accepted", "already_sampled"}
    accepted = sum(a["code"] == "accepted" and not a.get("repeated") for n in answers for a in answers[n])
    assert accepted == len(people)
    for i in range(len(texts)):  # the same client id got the same answer on every phone
        assert len({answers[n][i]["code"] for n in range(3)}) == 1


def test_a_scan_accepted_before_the_round_closed_and_sent_again_after_answers_as_the_first_time(
        world, test_round, sampler, code_of):
    first = scanning.scan(test_round, "T1", code_of(world.person_a), "q1", sampler)
    test_round.closed_at = timezone.now()
    test_round.save()
    again = scanning.scan_many(test_round, [scan("T1", code_of(world.person_a), "q1"),
                                            scan("T1", code_of(world.person_b), "q2")], sampler)
    assert [(a["code"], a.get("repeated")) for a in again] == [("accepted", True), ("round_closed", None)]
    assert again[0]["tube"] == first.tube and Sample.objects.count() == 1


def test_a_large_batch_is_written_whole_and_answers_the_same_when_sent_again(world, test_round, sampler):
    people = make_persons(world, 250)
    texts = [codes.token(code) for code in codes.codes_for(people).values()]
    batch = [scan(f"T{i // 10:03d}", text, f"big-{i}") for i, text in enumerate(texts)]
    batch[-1] = scan("T999", texts[0], "big-again")  # the first person once more, at the end
    first = scanning.scan_many(test_round, batch, sampler)
    assert [a["code"] for a in first] == ["accepted"] * 249 + ["already_sampled"]
    assert first[-1]["tube"] == "T000"
    assert Sample.objects.filter(round=test_round).count() == 249
    assert set(Tube.objects.values_list("n", flat=True)) == {10, 9}  # 24 full tubes and T024
    again = scanning.scan_many(test_round, batch, sampler)
    assert all(a.get("repeated") for a in again) and [a["code"] for a in again] == [a["code"] for a in first]
    assert Sample.objects.filter(round=test_round).count() == 249


def test_a_scan_the_api_cannot_read_is_refused_alone_not_the_whole_queue(world, login, test_round, code_of):
    client = login(world.users["sampler"])
    response = client.post(f"/api/testrounds/{test_round.pk}/scans/", {"scans": [
        "not a scan", {"tube_code": ["T1"], "person_code": code_of(world.person_b), "client_id": "q0"},
        {"tube_code": "T1", "person_code": code_of(world.person_a), "client_id": "q1"}]},
        content_type="application/json")
    assert response.status_code == 200
    assert [(a["code"], a["client_id"]) for a in response.json()["answers"]] == [
        ("bad_request", ""), ("bad_request", "q0"), ("accepted", "q1")]
    assert Sample.objects.get().person_id == world.person_a.pk and not Refusal.objects.exists()
    too_many = client.post(f"/api/testrounds/{test_round.pk}/scans/", {"scans": [{}] * 5001},
                           content_type="application/json")
    assert too_many.status_code == 400


def test_a_single_scan_the_api_cannot_read_answers_bad_request(world, login, test_round, code_of):
    client = login(world.users["sampler"])
    url = f"/api/testrounds/{test_round.pk}/scan/"
    no_id = client.post(url, {"tube_code": "T1", "person_code": code_of(world.person_a)},
                        content_type="application/json")
    assert no_id.status_code == 400 and no_id.json()["code"] == "bad_request"
    manual = client.post(url, {"tube_code": "T1", "person_id": world.person_a.pk, "client_id": "m1",
                               "at": "not a time"}, content_type="application/json")
    assert manual.status_code == 201 and manual.json()["person"] == "张三"
    assert Sample.objects.count() == 1 and not Refusal.objects.exists()


def test_a_scan_follows_changes_of_the_rounds_buildings_and_of_the_users_reach(world, command, code_of):
    """The compiled person check is kept per round and user: a change of either is a new one."""
    from fangkong.core.scope import forget_reaches

    leader = world.users["building_leader"]  # building 564 (person_a) only
    round_ = services.create_round(command, world.community, name="楼栋", buildings=[world.building_a])
    assert scanning.scan(round_, "T1", code_of(world.person_a), "r1", leader).code == "accepted"
    with pytest.raises(services.ScanRefused) as outside:
        scanning.scan(round_, "T1", code_of(world.person_b), "r2", leader)
    assert outside.value.code == "out_of_scope"
    round_.buildings.add(world.building_b)
    assert scanning.scan(round_, "T1", code_of(world.person_b), "r3", command).code == "accepted"
    with pytest.raises(services.ScanRefused) as not_reached:
        scanning.scan(round_, "T1", code_of(world.person_c), "r4", command)
    assert not_reached.value.code == "out_of_scope"  # building 800 is not in the round
    leader.roles.get().buildings.add(world.building_c)
    round_.buildings.add(world.building_c)
    forget_reaches(leader)
    assert scanning.scan(round_, "T1", code_of(world.person_c), "r5", leader).code == "accepted"


@pytest.mark.parametrize("role", ["guard", "delivery_volunteer", "district_viewer"])
def test_a_read_only_roles_batch_is_refused_once_and_writes_nothing(world, login, test_round, code_of, role):
    """Issue 10 §4: one request of a role that may not scan used to add a refusal row per scan."""
    client = login(world.users[role])
    response = client.post(f"/api/testrounds/{test_round.pk}/scans/", {"scans": [
        {"tube_code": "T1", "person_code": code_of(world.person_a), "client_id": f"r{i}"} for i in range(300)]},
        content_type="application/json")
    assert response.status_code == 403, response.content
    assert response.json()["code"] == "not_allowed"
    assert not Refusal.objects.exists() and not Sample.objects.exists() and not Tube.objects.exists()


def test_the_kept_scan_query_is_keyed_on_every_field_of_the_round_must_test_reads(world, command, code_of,
                                                                                 monkeypatch):
    """The compiled person check is not keyed on a hand-made list of the round's fields: a rule
    that reads one more field (here the name, read by a must_test extended for the test) is
    followed when that field changes, with no one editing the key."""
    original = services.must_test

    def must_test_reading_the_name(round_, user=None, *, places=None, **more):
        persons = original(round_, user, places=places, **more)
        return persons.none() if round_.name.endswith("暂停") else persons

    monkeypatch.setattr(scanning, "must_test", must_test_reading_the_name)
    round_ = services.create_round(command, world.community, name="全员",
                                   buildings=[world.building_a, world.building_b])
    assert scanning.scan(round_, "T1", code_of(world.person_a), "k1", command).code == "accepted"
    round_.name = "全员暂停"
    with pytest.raises(services.ScanRefused) as held:
        scanning.scan(round_, "T1", code_of(world.person_b), "k2", command)
    assert held.value.code == "out_of_scope"
    round_.name = "全员"
    assert scanning.scan(round_, "T1", code_of(world.person_b), "k3", command).code == "accepted"
