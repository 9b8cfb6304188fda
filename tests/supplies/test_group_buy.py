"""Group purchases: a catalogue open until a time, households' orders, the supplier's sheet."""

import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from fangkong.core.actions import NotAllowed
from fangkong.core.errors import ServiceError
from fangkong.supplies import services
from fangkong.supplies.models import GroupOrder, GroupOrderLine


@pytest.fixture
def catalogue(world, point):
    closes = timezone.now() + dt.timedelta(hours=3)
    return services.open_catalogue(world.users["command_post"], point, "周三团购", closes, [
        ("35元爱心菜", "份", "35", "白菜 土豆 萝卜 鸡蛋"), ("=HYPERLINK(\"x\")", "袋", "12.5", ""),
    ])


def items(catalogue):
    return list(catalogue.items.all())


def test_households_order_and_the_supplier_gets_totals(world, doors, catalogue):
    leader = world.users["building_leader"]
    bundle, rice = items(catalogue)
    services.place_order(leader, catalogue, doors["a101"], {bundle.pk: "2", rice.pk: "1"})
    services.place_order(leader, catalogue, doors["a201"], {bundle.pk: "1"})
    totals = {row["item__name"]: (row["ordered"], row["amount"]) for row in services.order_totals(catalogue)}
    assert totals["35元爱心菜"][0] == 3 and float(totals["35元爱心菜"][1]) == 105
    assert float(GroupOrder.objects.get(household=doors["a101"]).amount) == 82.5


def test_ordering_again_replaces_the_households_order(world, doors, catalogue):
    leader = world.users["building_leader"]
    bundle, rice = items(catalogue)
    services.place_order(leader, catalogue, doors["a101"], {bundle.pk: "2"})
    services.place_order(leader, catalogue, doors["a101"], {bundle.pk: "1"})
    assert GroupOrderLine.objects.count() == 1 and float(GroupOrder.objects.get().amount) == 35


def test_an_order_after_closing_is_refused_with_the_time(world, doors, catalogue):
    bundle, _rice = items(catalogue)
    late = catalogue.closes_at + dt.timedelta(minutes=1)
    with pytest.raises(ServiceError) as error:
        services.place_order(world.users["building_leader"], catalogue, doors["a101"], {bundle.pk: "1"}, now=late)
    assert error.value.code == "catalogue_closed"
    assert timezone.localtime(catalogue.closes_at).strftime("%H:%M") in error.value.message
    assert GroupOrder.objects.count() == 0


def test_a_negative_order_quantity_writes_nothing(world, doors, catalogue):
    bundle, rice = items(catalogue)
    with pytest.raises(ServiceError) as error:
        services.place_order(world.users["building_leader"], catalogue, doors["a101"], {bundle.pk: "1", rice.pk: "-2"})
    assert error.value.code == "bad_quantity"
    assert GroupOrder.objects.count() == 0


def test_building_leader_cannot_order_for_another_building(world, doors, catalogue):
    bundle, _rice = items(catalogue)
    with pytest.raises(NotAllowed):
        services.place_order(world.users["building_leader"], catalogue, doors["b101"], {bundle.pk: "1"})


def test_only_the_command_post_records_payment(world, doors, catalogue):
    bundle, _rice = items(catalogue)
    order = services.place_order(world.users["building_leader"], catalogue, doors["a101"], {bundle.pk: "1"})
    with pytest.raises(NotAllowed):
        services.set_paid(world.users["building_leader"], order, True)
    services.set_paid(world.users["command_post"], order, True)
    order.refresh_from_db()
    assert order.paid


def test_order_sheet_has_totals_and_households_and_escapes_formulas(world, doors, catalogue, login):
    bundle, rice = items(catalogue)
    services.place_order(world.users["building_leader"], catalogue, doors["a101"], {bundle.pk: "2", rice.pk: "1"})
    response = login(world.users["command_post"]).get(f"/supplies/catalogues/{catalogue.pk}/sheet.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    totals, households = book.worksheets
    names = [row[0] for row in totals.iter_rows(min_row=3, values_only=True)]
    assert names[:2] == ["35元爱心菜", "'=HYPERLINK(\"x\")"]
    assert totals.cell(row=5, column=5).value == 82.5
    assert list(households.iter_rows(min_row=2, values_only=True)) == [("564", "101", 82.5, "否")] or \
        list(households.iter_rows(min_row=2, values_only=True)) == [("564", "101", 82.5, "no")]


def test_order_page_posts_and_a_closed_catalogue_shows_the_refusal(world, doors, catalogue, login):
    bundle, _rice = items(catalogue)
    client = login(world.users["building_leader"])
    url = f"/supplies/catalogues/{catalogue.pk}/order/?household={doors['a101'].pk}"
    assert client.post(url, {f"q{bundle.pk}": "1"}).status_code == 302
    catalogue.closes_at = timezone.now() - dt.timedelta(minutes=1)
    catalogue.save()
    response = client.post(url, {f"q{bundle.pk}": "3"}, follow=True)
    assert "catalogue_closed" not in response.content.decode()
    assert float(GroupOrder.objects.get().amount) == 35
    assert client.get(f"/supplies/catalogues/{catalogue.pk}/order/?household={doors['b101'].pk}").status_code == 404
