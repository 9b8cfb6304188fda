"""The sampling schedule (排班): buildings in consecutive slots at a point, each building's notice for
its chat group, the printed notices, and who may plan or read them. Also the untested list as .xlsx."""

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from fangkong.core.actions import NotAllowed
from fangkong.core.models import AuditAction, AuditEntry
from fangkong.testing import scanning, schedule, services
from fangkong.testing.models import SamplingSlot


@pytest.fixture
def planned(world, command, test_round):
    """Buildings 17 and 564 at 广场 from 8:00 in 30-minute slots, 800 at 3号楼下 at 9:00."""
    schedule.plan(command, test_round, [world.building_b, world.building_a], point="广场", start=dt.time(8, 0),
                  minutes=30)
    schedule.plan(command, test_round, [world.building_c], point="3号楼下", start=dt.time(9, 0), minutes=20)
    return test_round


def test_buildings_go_down_one_slot_after_another(world, planned):
    slots = {s.building.door_number: (s.point, s.starts, s.ends) for s in SamplingSlot.objects.filter(round=planned)}
    assert slots == {"17": ("广场", dt.time(8, 0), dt.time(8, 30)), "564": ("广场", dt.time(8, 30), dt.time(9, 0)),
                     "800": ("3号楼下", dt.time(9, 0), dt.time(9, 20))}


def test_several_buildings_may_share_a_slot(world, command, test_round):
    schedule.plan(command, test_round, [world.building_a, world.building_b, world.building_c], point="广场",
                  start=dt.time(7, 0), minutes=15, per_slot=2)
    starts = dict(SamplingSlot.objects.filter(round=test_round).values_list("building__door_number", "starts"))
    assert starts == {"564": dt.time(7, 0), "17": dt.time(7, 0), "800": dt.time(7, 15)}


def test_a_building_planned_again_moves_to_its_new_slot(world, command, planned):
    schedule.plan(command, planned, [world.building_a], point="3号楼下", start=dt.time(10, 0), minutes=30)
    slot = SamplingSlot.objects.get(round=planned, building=world.building_a)
    assert (slot.point, slot.starts) == ("3号楼下", dt.time(10, 0))
    assert SamplingSlot.objects.filter(round=planned).count() == 3


@pytest.mark.parametrize("kwargs, code", [
    ({"point": "操场"}, "point"),                       # not one of the round's points
    ({"point": ""}, "point"),
    ({"minutes": 2}, "minutes"),
    ({"start": dt.time(23, 50)}, "minutes"),            # would end after midnight
    ({"per_slot": 0}, "per_slot"),
])
def test_a_plan_that_makes_no_sense_is_refused_and_writes_nothing(world, command, test_round, kwargs, code):
    plan = {"point": "广场", "start": dt.time(8, 0), "minutes": 30, **kwargs}
    with pytest.raises(services.TestingError) as refused:
        schedule.plan(command, test_round, [world.building_a], **plan)
    assert refused.value.code == code
    assert not SamplingSlot.objects.exists()


def test_buildings_outside_the_round_are_refused_by_door_number(world, command):
    round_ = services.create_round(command, world.community, name="一网格", grids=[world.grid1],
                                   sampling_points="广场")
    with pytest.raises(services.TestingError) as refused:
        schedule.plan(command, round_, [world.building_a, world.building_c], point="广场", start=dt.time(8, 0),
                      minutes=30)
    assert refused.value.code == "buildings" and "800" in refused.value.message
    assert not SamplingSlot.objects.exists()


def test_only_the_command_post_or_a_grid_leader_plans(world, test_round):
    for role in ("building_leader", "sampler", "grid_worker"):
        with pytest.raises(NotAllowed) as refused:
            schedule.plan(world.users[role], test_round, [world.building_a], point="广场", start=dt.time(8, 0),
                          minutes=30)
        assert refused.value.code == "not_allowed"


def test_the_notice_says_when_where_and_what_to_bring(world, planned):
    slot = SamplingSlot.objects.get(round=planned, building=world.building_a)
    text = schedule.notice(slot)
    assert "08:30" in text and "09:00" in text and "564" in text and "广场" in text
    assert "预登记码" in text  # Chinese by default


def test_the_building_leader_sees_only_own_buildings_notices(world, login, planned):
    body = login(world.users["building_leader"]).get(f"/testing/{planned.pk}/schedule/").content.decode()
    assert 'data-building="564"' in body and 'data-building="17"' not in body and 'data-building="800"' not in body
    assert 'name="action" value="plan"' not in body  # reads, does not plan


def test_the_command_post_plans_on_the_page_in_door_order(world, login, test_round):
    client = login(world.users["command_post"])
    page = client.get(f"/testing/{test_round.pk}/schedule/").content.decode()
    assert 'name="action" value="plan"' in page
    response = client.post(f"/testing/{test_round.pk}/schedule/", {
        "action": "plan", "point": "广场", "start": "07:30", "minutes": "20", "per_slot": "1",
        "buildings": [world.building_c.pk, world.building_a.pk, world.building_b.pk]})
    assert response.status_code == 302
    order = list(SamplingSlot.objects.filter(round=test_round).order_by("starts")
                 .values_list("building__door_number", flat=True))
    assert order == ["17", "564", "800"]  # natural door order, whatever the order of the boxes
    assert AuditEntry.objects.filter(action=AuditAction.CHANGE, object_type="testround", fields="schedule").exists()


def test_a_bad_plan_on_the_page_says_which_field(world, login, test_round, settings):
    client = login(world.users["command_post"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(f"/testing/{test_round.pk}/schedule/", {
        "action": "plan", "point": "广场", "start": "23:40", "minutes": "30", "per_slot": "1",
        "buildings": [world.building_a.pk]})
    assert response.status_code == 200
    assert "The last slot would end after midnight" in response.content.decode()
    assert response.context["form"].errors["start"]
    assert not SamplingSlot.objects.exists()


def test_a_building_leader_may_not_post_a_plan(world, login, test_round):
    response = login(world.users["building_leader"]).post(f"/testing/{test_round.pk}/schedule/", {
        "action": "plan", "point": "广场", "start": "08:00", "minutes": "30", "per_slot": "1",
        "buildings": [world.building_a.pk]})
    assert response.status_code == 403 and not SamplingSlot.objects.exists()


def test_removing_a_building_from_the_schedule(world, login, planned):
    client = login(world.users["command_post"])
    client.post(f"/testing/{planned.pk}/schedule/", {"action": "unplan", "building": world.building_a.pk})
    assert set(SamplingSlot.objects.filter(round=planned).values_list("building__door_number", flat=True)) == \
        {"17", "800"}


def test_printed_notices_one_per_building(world, login, planned):
    client = login(world.users["command_post"])
    body = client.get(f"/testing/{planned.pk}/schedule/print/").content.decode()
    assert body.count('class="notice"') == 3
    one = client.get(f"/testing/{planned.pk}/schedule/print/?building={world.building_c.pk}").content.decode()
    assert one.count('class="notice"') == 1 and "3号楼下" in one and "09:20" in one


def test_the_notice_is_in_english_when_asked(world, login, planned, settings):
    client = login(world.users["command_post"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = client.get(f"/testing/{planned.pk}/schedule/").content.decode()
    assert "please come down to 广场" in body


# --- the untested list as .xlsx ----------------------------------------------------------------


def test_the_untested_list_downloads_masked_and_audited(world, login, test_round, sampler, code_of):
    scanning.scan(test_round, "T1", code_of(world.person_a), "s1", sampler)
    response = login(world.users["grid_leader"]).get(f"/testing/{test_round.pk}/untested.xlsx")
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.values)
    assert rows[1:] == [("17", "101", "李四", world.person_b.id_masked, "139****5679")]  # 张三 sampled; 王五 other grid
    entry = AuditEntry.objects.get(action=AuditAction.EXPORT, fields="untested")
    assert entry.user == world.users["grid_leader"] and entry.changes == {"persons": ["", "1"]}


def test_the_untested_download_of_one_building(world, login, test_round):
    response = login(world.users["command_post"]).get(
        f"/testing/{test_round.pk}/untested.xlsx?building={world.building_c.pk}")
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.values)
    assert [r[2] for r in rows[1:]] == ["王五"]


def test_the_schedule_page_reads_a_fixed_number_of_queries(world, login, planned, django_assert_max_num_queries):
    client = login(world.users["command_post"])
    client.get(f"/testing/{planned.pk}/schedule/")
    with django_assert_max_num_queries(10):  # three slots; a query per slot would make it 13
        body = client.get(f"/testing/{planned.pk}/schedule/").content.decode()
    assert body.count('data-building="') == 3
