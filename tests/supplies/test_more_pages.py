"""The pages around the requests: stock per place and donations, free meals, medical trips, care
plans edited, new stations and group purchases, a request cancelled with its reason."""

import datetime as dt

import pytest
from django.utils import timezone

from fangkong.core.models import AuditEntry, PersonTag
from fangkong.supplies import services
from fangkong.supplies.models import (
    CarePlan,
    Catalogue,
    Donation,
    MealDelivery,
    MealPlan,
    MedicalTrip,
    Request,
    Status,
    StockItem,
    SupplyPoint,
    TransferStation,
)

from .conftest import enter

OUTBOX = {"HTTP_X_FANGKONG_OUTBOX": "1", "HTTP_ACCEPT": "application/json"}


@pytest.fixture
def command(world, client):
    client.force_login(world.users["command_post"])
    return client


# --- stock and donations -------------------------------------------------------------------------


def test_a_donation_fills_the_store_and_part_goes_to_a_station(world, command):
    rice = services.add_stock_item(world.users["command_post"], world.community, "大米", "斤", 500)
    station = services.create_station(world.users["command_post"], world.community, "东门中转站", [world.building_a])
    response = command.post("/supplies/donations/", {"community": world.community.pk, "donor": "某爱心企业",
                                                     "money": "50000", "item": [rice.pk, ""], "quantity": ["5000", ""]})
    assert response.status_code == 302
    donation = Donation.objects.get()
    assert donation.money == 50000 and donation.moves.get().delta == 5000
    command.post("/supplies/stock/", {"community": world.community.pk, "what": "send", "item": rice.pk,
                                      "station": station.pk, "quantity": "4600"})
    rice.refresh_from_db()
    at_station = StockItem.objects.get(station=station, name="大米")
    assert (rice.quantity, at_station.quantity) == (400, 4600)
    page = command.get(f"/supplies/stock/?community={world.community.pk}").content.decode()
    assert f'id="stock-{station.pk}"' in page and "table-warning" in page  # the store: 400 <= 500
    assert "某爱心企业" in command.get("/supplies/donations/").content.decode()


def test_sending_more_than_the_store_holds_changes_nothing(world, command):
    rice = services.add_stock_item(world.users["command_post"], world.community, "大米", "斤")
    station = services.create_station(world.users["command_post"], world.community, "东门中转站", [world.building_a])
    services.move_stock(world.users["command_post"], rice, 100)
    response = command.post("/supplies/stock/", {"community": world.community.pk, "what": "send", "item": rice.pk,
                                                 "station": station.pk, "quantity": "101"}, follow=True)
    assert "库存仅剩 100" in response.content.decode()
    rice.refresh_from_db()
    assert rice.quantity == 100 and not StockItem.objects.filter(station=station, quantity__gt=0).exists()


def test_a_bad_donation_is_refused_whole(world, command):
    rice = services.add_stock_item(world.users["command_post"], world.community, "大米", "斤")
    for money, quantity in [("-5", "10"), ("abc", "10"), ("0", "-3")]:
        command.post("/supplies/donations/", {"community": world.community.pk, "donor": "某人", "money": money,
                                              "item": [rice.pk], "quantity": [quantity]})
    rice.refresh_from_db()
    assert not Donation.objects.exists() and rice.quantity == 0


def test_a_grid_worker_reads_the_stock_but_cannot_move_it(world, client):
    rice = services.add_stock_item(world.users["command_post"], world.community, "大米", "斤")
    client.force_login(world.users["grid_worker"])
    assert 'id="move-form"' not in client.get("/supplies/stock/").content.decode()
    client.post("/supplies/stock/", {"what": "move", "item": rice.pk, "delta": "10"})
    rice.refresh_from_db()
    assert rice.quantity == 0


# --- free meals ------------------------------------------------------------------------------------


def test_a_household_gets_meals_and_a_tap_per_slot_is_one_delivery(world, command):
    response = command.post(f"/supplies/meals/new/?building={world.building_a.pk}",
                            {"household": world.household_a1.pk, "count": "2", "diet": "不放调料",
                             "times": "17:20, 11:30"})
    assert response.status_code == 302
    plan = MealPlan.objects.get()
    assert (plan.count, plan.times, plan.diet) == (2, "11:30,17:20", "不放调料")
    page = command.get("/supplies/meals/").content.decode()
    assert "不放调料" in page and 'data-fk-outbox="meals"' in page
    for _twice in range(2):  # the outbox sends again: still one delivery
        answer = command.post(f"/supplies/meals/{plan.pk}/deliver/", {"slot": "11:30", "client_id": "m1"}, **OUTBOX)
        assert answer.status_code == 200 and answer.json()["ok"]
    assert MealDelivery.objects.get().count == 2
    assert services.figures(world.community, timezone.localdate())["meals_delivered"] == 2
    answer = command.post(f"/supplies/meals/{plan.pk}/deliver/", {"slot": "09:00"}, **OUTBOX)
    assert answer.status_code == 400 and answer.json()["code"] == "bad_slot"


def test_a_meal_plan_with_a_bad_time_is_refused_and_a_second_plan_too(world, command):
    command.post("/supplies/meals/new/", {"household": world.household_a1.pk, "count": "1", "times": "noon"})
    assert not MealPlan.objects.exists()
    command.post("/supplies/meals/new/", {"household": world.household_a1.pk, "count": "1", "times": "11:30"})
    command.post("/supplies/meals/new/", {"household": world.household_a1.pk, "count": "3", "times": "11:30"})
    assert MealPlan.objects.get().count == 1
    plan = MealPlan.objects.get()
    command.post(f"/supplies/meals/{plan.pk}/", {"count": "3", "times": "11:30", "active": "0"})
    plan.refresh_from_db()
    assert plan.count == 3 and not plan.active


def test_a_building_leader_plans_no_meals_outside_and_a_volunteer_records_them(world, client):
    plan = services.save_meal_plan(world.users["command_post"], world.household_c1, 1, times="11:30")
    client.force_login(world.users["building_leader"])  # building 564 only: household c1 is in 800
    assert client.post(f"/supplies/meals/{plan.pk}/deliver/", {"slot": "11:30"}, **OUTBOX).status_code == 404
    volunteer = world.users["delivery_volunteer"]
    own = services.save_meal_plan(world.users["command_post"], world.household_a1, 1, times="11:30")
    client.force_login(volunteer)
    assert client.post(f"/supplies/meals/{own.pk}/deliver/", {"slot": "11:30"}, **OUTBOX).json()["ok"]
    assert MealDelivery.objects.get().plan == own


# --- medical trips ---------------------------------------------------------------------------------


@pytest.fixture
def dialysis(world):
    PersonTag.objects.create(person=world.person_a, tag="dialysis")
    services.ensure_care_plans(world.users["command_post"], world.community)
    return CarePlan.objects.get(person=world.person_a)


def test_a_series_of_trips_is_planned_and_one_is_done_then_the_rest_cancelled(world, command, dialysis):
    today = timezone.localdate()
    command.post("/supplies/trips/", {"community": world.community.pk, "plan": dialysis.pk, "kind": "ambulance",
                                      "what": "血液透析", "where": "市第一医院", "first_on": today.isoformat(),
                                      "time": "07:30", "every_days": "2", "times": "5"})
    trips = list(MedicalTrip.objects.order_by("on"))
    assert [t.on for t in trips] == [today + dt.timedelta(days=2 * k) for k in range(5)]
    assert trips[0].where == "市第一医院" and trips[0].kind == "ambulance"
    page = command.get("/supplies/trips/").content.decode()
    assert "血液透析" in page and "市第一医院" in page
    answer = command.post(f"/supplies/trips/{trips[0].pk}/state/", {"status": "done"}, **OUTBOX)
    assert answer.json()["ok"]
    answer = command.post(f"/supplies/trips/{trips[1].pk}/state/", {"status": "cancelled"}, **OUTBOX)
    assert answer.status_code == 400 and answer.json()["code"] == "no_reason"
    command.post(f"/supplies/trips/{trips[1].pk}/state/", {"status": "cancelled", "note": "转院", "series": "1"})
    assert list(MedicalTrip.objects.order_by("on").values_list("status", flat=True)) == \
        ["done"] + ["cancelled"] * 4


def test_a_trip_without_what_or_with_a_silly_frequency_is_refused(world, command, dialysis):
    for what, every, times in [("", "2", "3"), ("透析", "0", "3"), ("透析", "2", "61"), ("透析", "x", "3")]:
        command.post("/supplies/trips/", {"plan": dialysis.pk, "what": what, "every_days": every, "times": times})
    assert not MedicalTrip.objects.exists()


# --- care plans ------------------------------------------------------------------------------------


def test_a_care_plan_is_edited_with_its_items_and_frequency(world, command, dialysis):
    response = command.post(f"/supplies/care/{dialysis.pk}/edit/", {
        "needs": "每两天透析", "answerable": world.users["grid_worker"].pk, "every_days": "2",
        "item_kind": ["medicine", "escort", "meals"], "item_text": ["降压药", "120 接送", ""]})
    assert response.status_code == 302
    dialysis.refresh_from_db()
    assert (dialysis.needs, dialysis.every_days, dialysis.answerable) == ("每两天透析", 2, world.users["grid_worker"])
    assert sorted(dialysis.items.values_list("kind", flat=True)) == ["escort", "medicine"]
    command.post(f"/supplies/care/{dialysis.pk}/edit/", {"needs": "x", "every_days": "0"})
    dialysis.refresh_from_db()
    assert dialysis.every_days == 2 and dialysis.needs == "每两天透析"
    assert f"/supplies/care/{dialysis.pk}/edit/" in command.get("/supplies/care/").content.decode()


def test_a_building_leader_reads_but_does_not_edit_a_care_plan(world, client, dialysis):
    client.force_login(world.users["building_leader"])
    assert 'id="care-form"' not in client.get(f"/supplies/care/{dialysis.pk}/edit/").content.decode()
    client.post(f"/supplies/care/{dialysis.pk}/edit/", {"needs": "改", "every_days": "5"})
    dialysis.refresh_from_db()
    assert dialysis.every_days == 1


# --- stations, group purchases, cancelling --------------------------------------------------------------


def test_the_command_post_sets_up_a_station_from_the_supplies_page(world, command):
    assert "/supplies/stations/new/" in command.get("/supplies/").content.decode()
    response = command.post("/supplies/stations/new/", {"community": world.community.pk, "name": "北区中转站",
                                                        "place": "篮球场",
                                                        "buildings": [world.building_a.pk, world.building_b.pk]})
    station = TransferStation.objects.get()
    assert response.url == f"/supplies/stations/{station.pk}/"
    assert set(station.buildings.all()) == {world.building_a, world.building_b}
    command.post("/supplies/stations/new/", {"community": world.community.pk, "name": "外站",
                                             "buildings": [world.other_building.pk]})
    assert TransferStation.objects.count() == 1


def test_a_grid_leader_sets_up_no_station(world, client):
    client.force_login(world.users["grid_leader"])
    client.post("/supplies/stations/new/", {"name": "站", "buildings": [world.building_a.pk]})
    assert not TransferStation.objects.exists()


def test_a_group_purchase_is_opened_with_a_new_supply_point_and_bundles(world, command):
    closes = (timezone.localtime() + dt.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    response = command.post("/supplies/catalogues/new/", {
        "community": world.community.pk, "title": "今日团购", "new_point": "永辉超市", "closes_at": closes,
        "item_name": ["35元爱心菜", "牛奶", ""], "item_unit": ["份", "箱", "份"], "item_price": ["35", "48", ""],
        "item_contents": ["白菜 土豆 鸡蛋", "", ""]})
    catalogue = Catalogue.objects.get()
    assert response.url == f"/supplies/catalogues/{catalogue.pk}/"
    assert catalogue.supply_point.name == "永辉超市"
    assert list(catalogue.items.values_list("name", "price")) == [("35元爱心菜", 35), ("牛奶", 48)]


def test_a_group_purchase_closing_in_the_past_or_with_a_bad_price_writes_nothing(world, command):
    past = (timezone.localtime() - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    future = (timezone.localtime() + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    for closes, price in [(past, "35"), (future, "-1"), (future, "abc")]:
        command.post("/supplies/catalogues/new/", {"title": "团购", "new_point": "超市", "closes_at": closes,
                                                   "item_name": ["菜"], "item_unit": ["份"], "item_price": [price],
                                                   "item_contents": [""]})
    assert not Catalogue.objects.exists() and not SupplyPoint.objects.exists()


def test_a_request_is_cancelled_with_its_reason_and_audited(world, client, doors):
    leader = world.users["building_leader"]
    [request] = enter(leader, world.building_a, [doors["a101"]])
    client.force_login(leader)
    page = client.get(f"/supplies/buildings/{world.building_a.pk}/requests/").content.decode()
    assert f"/supplies/requests/{request.pk}/cancel/" in page
    client.post(f"/supplies/requests/{request.pk}/cancel/", {"reason": "  "})
    request.refresh_from_db()
    assert request.status == Status.ASKED
    response = client.post(f"/supplies/requests/{request.pk}/cancel/", {"reason": "已在别处买到"})
    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.status, request.cancel_reason, request.done_by) == (Status.CANCELLED, "已在别处买到", leader)
    entry = AuditEntry.objects.filter(object_type="request", action="change").get()
    assert "已在别处买到" in str(entry.changes) and Status.CANCELLED in str(entry.changes)


def test_a_request_on_its_way_or_outside_scope_is_not_cancelled(world, client, doors):
    command = world.users["command_post"]
    [on_way] = enter(command, world.building_a, [doors["a101"]])
    services.run_cutoff(command, world.community)
    station = services.create_station(command, world.community, "站", [world.building_a])
    services.plan_run(command, station, world.users["delivery_volunteer"], timezone.now())
    [elsewhere] = enter(command, world.building_c, [world.household_c1])
    client.force_login(world.users["building_leader"])
    client.post(f"/supplies/requests/{on_way.pk}/cancel/", {"reason": "不要了"})
    assert Request.objects.get(pk=on_way.pk).status == Status.OUT
    assert client.post(f"/supplies/requests/{elsewhere.pk}/cancel/", {"reason": "x"}).status_code == 404
