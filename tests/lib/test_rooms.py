"""Which floor a room is on (lib/rooms.py): one rule for the ledger import and the printed sheets."""

import pytest

from fangkong.lib.rooms import floor_of


@pytest.mark.parametrize("room, floor", [
    ("301", 3),          # floor and two digits
    ("1203", 12),
    ("0301", 3),
    ("301室", 3),        # the import read these (a suffix), the sheet did not
    ("1203号", 12),
    ("３０１", 3),       # full-width digits typed on a Chinese keyboard
    (" 302 ", 3),
    ("1-301", 3),        # a unit or block before the room
    ("2单元1203", 12),
    ("A301", 3),
])
def test_the_floor_is_the_room_number_without_its_last_two_digits(room, floor):
    assert floor_of(room) == floor


@pytest.mark.parametrize("room", [
    "2", "12",           # a bungalow's rooms, or a courtyard's: no floor in the number
    "12345",             # five digits: not floor + door (the import once read floor 123)
    "001",               # floor 0
    "A", "", "301A",     # no room number at the end
])
def test_a_room_number_that_does_not_say_has_no_floor(room):
    assert floor_of(room) is None
