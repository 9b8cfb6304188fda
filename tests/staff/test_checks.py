"""Spot checks, disinfection, garbage from sealed doors, and tasks from other parts' rules (issue 13 §2, §4-§7)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from fangkong.core.actions import NotAllowed
from fangkong.health import services as health
from fangkong.health.models import Measure, MeasureKind, Seal, SealCheck, SealResult
from fangkong.staff import checks, services
from fangkong.staff.models import (
    CheckLevel,
    CommonArea,
    Disinfection,
    FiveItem,
    GarbageCollection,
    GarbageStatus,
    Task,
    TaskSource,
    TaskStatus,
)
from fangkong.staff.services import StaffError

from .helpers import worker

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def code_of(call):
    with pytest.raises(StaffError) as error:
        call()
    return error.value.code


@pytest.fixture
def cadre(world):
    """The building leader of 564 is also the worker who answers for it (包保)."""
    w = worker(world, user=world.users["building_leader"])
    services.assign(world.users["command_post"], w, building=world.building_a)
    return w


def seal(world, household=None):
    return Seal.objects.create(community=world.community, household=household or world.household_a1,
                               sealed_on=TODAY - dt.timedelta(days=1))


# --- §6 spot checks ------------------------------------------------------------------------------


def test_each_finding_of_a_spot_check_becomes_a_task_for_the_door_s_responsible(world, cadre):
    command = world.users["command_post"]
    check, created = checks.record_spot_check(
        command, world.community, level=CheckLevel.FIRST_SECRETARY, checker_name="陈书记",
        findings=["封条未张贴", "", "垃圾未清运"], client_id="sc-1", household=world.household_a1)
    assert created and check.building == world.building_a and check.grid == world.grid1
    tasks = list(check.findings.order_by("id"))
    assert [t.title for t in tasks] == ["封条未张贴", "垃圾未清运"]
    assert {t.owner_worker for t in tasks} == {cadre} and {t.source for t in tasks} == {TaskSource.SPOT_CHECK}
    assert {t.due_on for t in tasks} == {TODAY + dt.timedelta(days=1)}  # 当日查, 次日改
    again, created_again = checks.record_spot_check(
        command, world.community, level=CheckLevel.FIRST_SECRETARY, checker_name="陈书记",
        findings=["封条未张贴"], client_id="sc-1", household=world.household_a1)
    assert again == check and not created_again and Task.objects.count() == 2


def test_the_4pm_meeting_lists_open_findings_and_today_s_closed_ones(world, cadre):
    command = world.users["command_post"]
    check, _created = checks.record_spot_check(
        command, world.community, level=CheckLevel.UNIT_LEADER, checker_name="王部长", findings=["a", "b"],
        client_id="sc-2", building=world.building_a, due_on=TODAY)
    first, second = check.findings.order_by("id")
    services.close_task(command, first)
    listed = checks.open_findings(world.community, TODAY)
    assert [t.pk for t in listed] == [second.pk, first.pk]  # open first
    assert not listed[0].overdue
    tomorrow = checks.open_findings(world.community, TODAY + dt.timedelta(days=1))
    assert [t.pk for t in tomorrow] == [second.pk] and tomorrow[0].overdue


def test_spot_checks_refuse_what_is_wrong_with_machine_codes(world, cadre):
    command = world.users["command_post"]

    def record(**kw):
        data = {"level": CheckLevel.RESPONSIBLE, "checker_name": "x", "findings": ["f"], "client_id": kw.pop("cid"),
                "building": world.building_a}
        data.update(kw)
        return checks.record_spot_check(command, world.community, **data)

    assert code_of(lambda: record(cid="1", level="mayor")) == "bad_level"
    assert code_of(lambda: record(cid="2", checker_name=" ")) == "checker_required"
    assert code_of(lambda: record(cid="3", building=None)) == "one_target"
    assert code_of(lambda: record(cid="4", building=world.building_b)) == "nobody_answers"
    assert code_of(lambda: record(cid="5", due_on=TODAY - dt.timedelta(days=1))) == "deadline_past"
    assert code_of(lambda: record(cid="")) == "client_id_required"
    with pytest.raises(NotAllowed):  # a building leader does not spot-check
        checks.record_spot_check(world.users["building_leader"], world.community, level=CheckLevel.RESPONSIBLE,
                                 checker_name="x", findings=[], client_id="6", building=world.building_a)
    with pytest.raises(NotAllowed):  # a grid worker of grid 1 does not check grid 2
        checks.record_spot_check(world.users["grid_worker"], world.community, level=CheckLevel.RESPONSIBLE,
                                 checker_name="x", findings=[], client_id="7", building=world.building_c)
    assert not Task.objects.exists()


# --- §7 disinfection -------------------------------------------------------------------------------


def test_rounds_due_today_and_the_places_still_short(world, cadre):
    leader = world.users["building_leader"]
    command = world.users["command_post"]
    area = checks.add_area(command, world.community, "中心广场", grid=world.grid1)
    for n in range(checks.DISINFECTION_ROUNDS):
        checks.log_disinfection(leader, agent="84消毒液", what="电梯", client_id=f"d{n}", building=world.building_a)
    row, created = checks.log_disinfection(leader, agent="84消毒液", client_id="d0", building=world.building_a)
    assert not created and Disinfection.objects.count() == checks.DISINFECTION_ROUNDS
    assert row.worker == cadre and row.on == TODAY
    board = checks.disinfection_today(command, world.community, TODAY)
    short = {p["name"]: p["missing"] for p in board["places"]}
    assert short["564"] == 0 and short["17"] == checks.DISINFECTION_ROUNDS and short[area.name] == 3
    assert board["places"][-1]["name"] == "564"  # the done ones last
    assert board["rounds_due"] == checks.DISINFECTION_ROUNDS * 4  # three buildings and the square


def test_a_community_sets_its_own_rounds_a_day(world):
    command = world.users["command_post"]
    checks.set_rounds_a_day(command, world.community, 2)
    assert checks.rounds_a_day(world.community) == 2 and checks.rounds_a_day(world.other_community) == 3
    assert checks.disinfection_today(command, world.community, TODAY)["due"] == 2
    assert code_of(lambda: checks.set_rounds_a_day(command, world.community, 0)) == "bad_rounds"
    with pytest.raises(NotAllowed):
        checks.set_rounds_a_day(world.users["grid_worker"], world.community, 5)


def test_disinfection_refusals(world):
    leader = world.users["building_leader"]
    assert code_of(lambda: checks.log_disinfection(leader, agent="", client_id="x", building=world.building_a)) \
        == "agent_required"
    assert code_of(lambda: checks.log_disinfection(leader, agent="84", client_id="x")) == "one_place"
    assert code_of(lambda: checks.log_disinfection(
        leader, agent="84", client_id="y", building=world.building_a,
        at=timezone.now() + dt.timedelta(hours=1))) == "in_the_future"
    with pytest.raises(NotAllowed):  # 17 is not the building leader's building
        checks.log_disinfection(leader, agent="84", client_id="z", building=world.building_b)
    area = CommonArea.objects.create(community=world.other_community, name="广场")
    with pytest.raises(NotAllowed):
        checks.log_disinfection(leader, agent="84", client_id="w", area=area)


# --- §7 garbage ------------------------------------------------------------------------------------------


def test_the_latest_garbage_word_of_the_day_is_the_door_s_state(world):
    leader = world.users["building_leader"]
    seal(world)
    assert [h.pk for h in checks.uncollected_households(leader, world.community, TODAY)] == [world.household_a1.pk]
    checks.log_garbage(leader, world.household_a1, GarbageStatus.NOT_OUT, "g1")
    checks.log_garbage(leader, world.household_a1, GarbageStatus.COLLECTED, "g2")
    _row, created = checks.log_garbage(leader, world.household_a1, GarbageStatus.NOT_OUT, "g1")  # sent again late
    assert not created and GarbageCollection.objects.count() == 2
    assert checks.uncollected_households(leader, world.community, TODAY) == []
    board = checks.garbage_today(leader, world.community, TODAY, world.building_a)
    assert [(line["household"], line["status"]) for line in board["lines"]] == [(world.household_a1, "collected")]


def test_garbage_refusals(world):
    leader = world.users["building_leader"]
    assert code_of(lambda: checks.log_garbage(leader, world.household_a1, "collected", "g")) == "not_sealed"
    seal(world)
    assert code_of(lambda: checks.log_garbage(leader, world.household_a1, "eaten", "g")) == "bad_status"
    assert code_of(lambda: checks.log_garbage(leader, world.household_a1, "collected", "")) == "client_id_required"
    seal(world, world.household_b1)
    with pytest.raises(NotAllowed):
        checks.log_garbage(leader, world.household_b1, "collected", "h")


# --- §4 the daily-five visit reaches seals and garbage; §5 rule tasks ---------------------------------------


def test_a_broken_seal_seen_on_a_visit_is_health_s_seal_check_and_a_task(world, cadre):
    leader = world.users["building_leader"]
    s = seal(world)
    services.tick_five(leader, world.household_a1, FiveItem.VISIT, "v1", seal_intact=False, garbage_collected=False)
    check = SealCheck.objects.get(seal=s, on=TODAY)
    assert check.result == SealResult.BROKEN and check.checked_by == leader
    assert s in health.broken_seals(leader, TODAY)
    assert GarbageCollection.objects.get().status == GarbageStatus.LEFT
    assert [h.pk for h in checks.uncollected_households(leader, world.community, TODAY)] == [world.household_a1.pk]
    task = Task.objects.get(source=TaskSource.RULE)
    assert task.owner_worker == cadre and task.due_on == TODAY and task.building == world.building_a
    # Checked broken again from health's own page the same day: still one task.
    health.check_seal(world.users["command_post"], s, SealResult.BROKEN)
    assert Task.objects.filter(source=TaskSource.RULE).count() == 1


def test_a_visit_to_an_unsealed_door_writes_no_seal_check_nor_garbage(world, cadre):
    services.tick_five(world.users["building_leader"], world.household_a1, FiveItem.VISIT, "v2",
                       seal_intact=True, garbage_collected=True)
    assert not SealCheck.objects.exists() and not GarbageCollection.objects.exists()


def test_a_seal_found_intact_on_a_visit_raises_no_task(world, cadre):
    s = seal(world)
    services.tick_five(world.users["building_leader"], world.household_a1, FiveItem.VISIT, "v3", seal_intact=True)
    assert SealCheck.objects.get(seal=s).result == SealResult.INTACT and not Task.objects.exists()


def test_missing_daily_reports_raise_one_task_per_building_a_day_after_noon(world, cadre):
    Measure.objects.create(community=world.community, person=world.person_a, kind=MeasureKind.HOME,
                           start=TODAY - dt.timedelta(days=2), end=TODAY + dt.timedelta(days=5))
    morning = timezone.make_aware(dt.datetime.combine(TODAY, dt.time(9)))
    evening = timezone.make_aware(dt.datetime.combine(TODAY, dt.time(18)))
    assert checks.tasks_for_missing_reports(world.community, TODAY, now=morning) == 0
    assert checks.tasks_for_missing_reports(world.community, TODAY, now=evening) == 1
    assert checks.tasks_for_missing_reports(world.community, TODAY, now=evening) == 0
    task = Task.objects.get(rule_key=f"report:{world.building_a.pk}:{TODAY}")
    assert task.owner_worker == cadre and task.status == TaskStatus.OPEN
    assert checks.tasks_for_missing_reports(world.other_community, TODAY, now=evening) == 0


# --- §2 who looks after this door -----------------------------------------------------------------------------


def test_the_key_person_register_s_responsible_is_the_assigned_worker(world):
    command = world.users["command_post"]
    other_user = world.users["grid_worker"]
    key = health.set_state(command, world.person_a, "close_contact")
    assert key.responsible == world.users["building_leader"]  # today's rule: the building leader
    w = worker(world, name="包保干部", user=other_user)
    services.assign(command, w, building=world.building_b)
    key_b = health.set_state(command, world.person_b, "close_contact")
    assert key_b.responsible == other_user


# --- pages --------------------------------------------------------------------------------------------------------


def test_the_garbage_page_answers_the_outbox_in_json(client, world):
    seal(world)
    client.force_login(world.users["building_leader"])
    page = client.get(reverse("garbage") + f"?building={world.building_a.pk}")
    assert page.status_code == 200 and 'data-fk-outbox="garbage"' in page.content.decode()
    headers = {"HTTP_X_FANGKONG_OUTBOX": "1"}
    ok = client.post(reverse("garbage_log"), {"household": world.household_a1.pk, "status": "refused",
                                              "client_id": "p1"}, **headers)
    assert ok.status_code == 200 and ok.json()["ok"]
    bad = client.post(reverse("garbage_log"), {"household": world.household_a1.pk, "status": "x",
                                               "client_id": "p2"}, **headers)
    assert bad.status_code == 400 and bad.json()["code"] == "bad_status"
    hidden = client.post(reverse("garbage_log"), {"household": world.household_c1.pk, "status": "collected",
                                                  "client_id": "p3"}, **headers)
    assert hidden.status_code == 400 and hidden.json()["code"] == "no_household"
    assert GarbageCollection.objects.get().status == GarbageStatus.REFUSED


def test_the_spot_check_and_disinfection_pages_work(client, world, cadre):
    client.force_login(world.users["command_post"])
    answer = client.post(reverse("spot_checks"), {"level": "unit_leader", "checker_name": "王部长", "door": "564",
                                                  "findings": "楼道堆放杂物\n", "client_id": "w1"})
    assert answer.status_code == 302 and Task.objects.get().title == "楼道堆放杂物"
    page = client.get(reverse("spot_checks"))
    assert "楼道堆放杂物" in page.content.decode()
    refused = client.post(reverse("spot_checks"), {"level": "unit_leader", "checker_name": "x", "door": "9999",
                                                   "client_id": "w2"}, HTTP_X_FANGKONG_OUTBOX="1")
    assert refused.status_code == 400 and refused.json()["field"] == "door"
    logged = client.post(reverse("disinfection_log"), {"kind": "building", "pk": world.building_a.pk,
                                                       "agent": "84消毒液", "client_id": "dz"},
                         HTTP_X_FANGKONG_OUTBOX="1")
    assert logged.json()["ok"] and "564" in client.get(reverse("disinfection")).content.decode()
    other = client.post(reverse("disinfection_log"), {"kind": "building", "pk": world.other_building.pk,
                                                      "agent": "84", "client_id": "dy"}, HTTP_X_FANGKONG_OUTBOX="1")
    assert other.status_code == 400 and other.json()["code"] == "one_place"


# --- scope ----------------------------------------------------------------------------------------------------------


def test_rounds_and_garbage_are_read_by_place_and_findings_by_grid(world, cadre):
    command, leader, grid_worker = (world.users[r] for r in ("command_post", "building_leader", "grid_worker"))
    checks.log_disinfection(command, agent="84", client_id="a", building=world.building_a)
    checks.log_disinfection(command, agent="84", client_id="c", building=world.building_c)
    mine = {p["name"]: p["done"] for p in checks.disinfection_today(leader, world.community, TODAY)["places"]}
    assert mine == {"564": 1}  # the building leader's one building, with its round
    seal(world)
    seal(world, world.household_c1)
    assert [h.pk for h in checks.uncollected_households(leader, world.community, TODAY)] == [world.household_a1.pk]
    other = worker(world, name="二网格干部", grid=world.grid2)
    services.assign(command, other, building=world.building_c)
    checks.record_spot_check(command, world.community, level=CheckLevel.FIRST_SECRETARY, checker_name="陈书记",
                             findings=["800栋楼道杂物"], client_id="s-c", building=world.building_c)
    checks.record_spot_check(command, world.community, level=CheckLevel.FIRST_SECRETARY, checker_name="陈书记",
                             findings=["564栋封条"], client_id="s-a", building=world.building_a)
    assert [t.title for t in checks.open_findings(world.community, TODAY, grid_worker)] == ["564栋封条"]
    assert len(checks.open_findings(world.community, TODAY)) == 2  # the dashboard reads the whole community
    assert checks.open_findings(world.other_community, TODAY) == []


def test_the_staff_page_counts_today_s_checks_and_speaks_chinese(client, world, cadre):
    seal(world)
    client.force_login(world.users["command_post"])
    text = client.get(reverse("staff_home")).content.decode()
    assert "1 户封控户垃圾未清运" in text
    assert f"还有 {3 * 3} 次消杀未做" in text  # three buildings, three rounds each
    chinese = client.get(reverse("garbage") + f"?building={world.building_a.pk}").content.decode()
    assert "封控户垃圾清运" in chinese and "今日未清运" in chinese


def test_a_round_sent_late_from_an_offline_phone_keeps_the_hour_it_was_done(client, world):
    client.force_login(world.users["command_post"])
    done_at = timezone.now() - dt.timedelta(hours=2)
    answer = client.post(reverse("disinfection_log"), {"kind": "building", "pk": world.building_a.pk, "agent": "84",
                                                       "client_id": "late", "at": done_at.isoformat()},
                         HTTP_X_FANGKONG_OUTBOX="1")
    assert answer.json()["ok"] and Disinfection.objects.get().at == done_at
