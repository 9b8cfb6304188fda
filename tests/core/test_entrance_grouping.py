"""Where a building has entrances (单元), the knock page, the occupancy sheet and the person list
go entrance by entrance (issue 10 §1b); a building without any reads as before."""

import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from fangkong.core.models import Building, Entrance, Household, Person
from fangkong.documents import sheets
from fangkong.registry import screening
from tests.factories import id_number


@pytest.fixture
def stairwells(world):
    """Building 10 with entrances 1 and 2 (numbered so that 2 sorts before 10): three rooms each,
    and one room in no entrance (a room number is unique in its building)."""
    building = Building.objects.create(community=world.community, grid=world.grid1, door_number="10", floors=3)
    two = Entrance.objects.create(community=world.community, building=building, number="2")
    ten = Entrance.objects.create(community=world.community, building=building, number="10")
    rooms = {}
    for entrance, numbers in [(ten, ["101", "201", "301"]), (two, ["302", "102", "202"]), (None, ["401"])]:
        for room in numbers:
            household = Household.objects.create(community=world.community, building=building, entrance=entrance,
                                                 room=room, floor=int(room[0]))
            label = entrance.number if entrance else ""
            Person.objects.create(community=world.community, household=household, name=f"住户{room}-{label}",
                                  id_number=id_number(500 + len(rooms)))
            rooms[(entrance.number if entrance else "", room)] = household
    return building, rooms


def test_the_knock_page_goes_entrance_by_entrance_then_floor_by_floor(world, stairwells, login):
    building, rooms = stairwells
    command = world.users["command_post"]
    round_ = screening.create_round(command, world.community, name="摸排", starts_at=timezone.now())
    body = login(command).get(reverse("round_knock", args=[round_.pk]), {"building": building.pk}).content.decode()
    order = [int(pk) for pk in re.findall(r'fk-knock-row[^"]*" id="h(\d+)"', body)]
    by_pk = {h.pk: key for key, h in rooms.items()}
    assert [by_pk[pk] for pk in order] == [("2", "102"), ("2", "202"), ("2", "302"), ("10", "101"), ("10", "201"),
                                           ("10", "301"), ("", "401")]
    assert re.findall(r'data-entrance="(\d*)"', body) == ["2", "10", ""]


def test_a_building_without_entrances_has_no_entrance_headings_on_the_knock_page(world, login):
    command = world.users["command_post"]
    round_ = screening.create_round(command, world.community, name="摸排", starts_at=timezone.now())
    body = login(command).get(reverse("round_knock", args=[round_.pk]),
                              {"building": world.building_a.pk}).content.decode()
    assert "fk-knock-row" in body and "data-entrance" not in body


def test_the_occupancy_sheet_is_one_sheet_per_entrance(world, stairwells, login):
    building, _rooms = stairwells
    response = login(world.users["command_post"]).get(f"/sheets/buildings/{building.pk}/occupancy.pdf")
    assert response.status_code == 200
    texts = [page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages]
    assert len(texts) == 3
    assert "10-2" in texts[0] and "10-10" in texts[1] and "10-" not in texts[2]
    assert "共 3 户" in texts[0] and "共 3 户" in texts[1] and "共 1 户" in texts[2]
    assert "单元" in texts[0]


def test_by_entrance_keeps_a_building_without_entrances_on_one_sheet(world):
    households = list(Household.objects.filter(building=world.building_a).select_related("entrance"))
    assert sheets.by_entrance(households) == [(None, households)]


def test_the_person_list_of_a_building_goes_by_entrance_and_room(world, stairwells, login):
    building, rooms = stairwells
    body = login(world.users["command_post"]).get("/people/", {"building": building.pk}).content.decode()
    names = re.findall(r"<strong>(住户[^<]*)</strong>", body)
    assert names == ["住户102-2", "住户202-2", "住户302-2", "住户101-10", "住户201-10", "住户301-10", "住户401-"]
    assert re.findall(r'data-entrance="(\d+)"', body) == ["2", "10"]
    # Not narrowed to a place: by name, as before, without headings.
    body = login(world.users["command_post"]).get("/people/").content.decode()
    assert "data-entrance" not in body
