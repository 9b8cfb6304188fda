"""Addresses as people say and write them: 金岸小区 3号楼 2单元 301.

A community may be several estates, each numbering its buildings from 1 (南秦: 金岸小区 and
龙海佳园小区), and a building may have entrances (单元). Both are optional: the old village's
address is its door number and room. ``parse`` reads what a cadre types into the search box
("3-2-301", "金岸3号楼301", "3号楼2单元301") into its parts.
"""

import re
from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import pgettext

# A door number or entrance already written with its word (3号楼, 10栋, A座) is left as it is.
_HAS_WORD = re.compile(r"[\u4e00-\u9fff]$")


def building_label(door_number: str) -> str:
    door = (door_number or "").strip()
    if not door or _HAS_WORD.search(door):
        return door
    return pgettext("address", "Building %(door)s") % {"door": door}


def entrance_label(number: str) -> str:
    number = (number or "").strip()
    if not number or _HAS_WORD.search(number):
        return number
    return pgettext("address", "Entrance %(number)s") % {"number": number}


def building_address(building) -> str:
    parts = [building.estate.name if building.estate_id else "", building_label(building.door_number)]
    return " ".join(part for part in parts if part)


def household_address(household) -> str:
    parts = [building_address(household.building),
             str(household.entrance) if household.entrance_id else "", household.room]
    return " ".join(part for part in parts if part)


@dataclass(frozen=True)
class Address:
    estate: str = ""
    door: str = ""
    entrance: str = ""
    room: str = ""


_TOKEN = r"[0-9A-Za-z]+"
_DASHED = re.compile(rf"^(?P<door>{_TOKEN})-(?P<entrance>{_TOKEN})-(?P<room>{_TOKEN})$")
_WORDED = re.compile(
    rf"^(?P<estate>.*?)\s*(?P<door>{_TOKEN})\s*(?:号楼|号|栋|幢|楼|座)"
    rf"\s*(?:(?P<entrance>{_TOKEN})\s*单元)?\s*(?:(?P<room>{_TOKEN})\s*(?:室|号)?)?$"
)
_ESTATE_WORDS = ("小区", "花园", "家园", "佳园", "公寓")


def parse(text: str) -> Address | None:
    """The parts of an address typed as 3-2-301 (door-entrance-room) or with words
    (金岸3号楼2单元301); None when the text is not written as an address."""
    text = (text or "").strip()
    match = _DASHED.match(text)
    if match:
        return Address(door=match["door"], entrance=match["entrance"], room=match["room"])
    match = _WORDED.match(text)
    if match:
        estate = match["estate"].strip()
        for word in _ESTATE_WORDS:
            if estate.endswith(word) and len(estate) > len(word):
                estate = estate[: -len(word)]
                break
        return Address(estate=estate, door=match["door"], entrance=match["entrance"] or "",
                       room=match["room"] or "")
    return None


def household_q(address: Address, prefix: str = "") -> Q:
    """A Q on households (or, with ``prefix="household__"``, on persons) at this address."""
    condition = Q(**{f"{prefix}building__door_number": address.door})
    if address.estate:
        condition &= Q(**{f"{prefix}building__estate__name__icontains": address.estate})
    if address.entrance:
        condition &= Q(**{f"{prefix}entrance__number": address.entrance})
    if address.room:
        condition &= Q(**{f"{prefix}room": address.room})
    return condition


_ROOM_IN_ENTRANCE = re.compile(rf"^(?P<entrance>{_TOKEN})\s*(?:-|单元|單元)\s*(?P<room>{_TOKEN})\s*(?:室|号)?$")


def rooms_at(households, building, text: str):
    """The households of ``building`` (within the ``households`` queryset) a typed room means.
    Rooms are numbered per entrance: "301" is the room 301 in no entrance, or else 301 of any
    entrance (more than one when two entrances have a 301); "2-301" and "2单元301" are 301 of
    entrance 2. A room whose stored number is the text itself ("2-301") is found first."""
    text = " ".join((text or "").split())
    here = households.filter(building=building)
    exact = here.filter(room=text)
    bare = exact.filter(entrance__isnull=True)
    if bare.exists():
        return bare
    if exact.exists():
        return exact
    match = _ROOM_IN_ENTRANCE.match(text)
    if match:
        number = match["entrance"]
        return here.filter(room=match["room"]).filter(Q(entrance__number=number)
                                                      | Q(entrance__number=f"{number}单元"))
    return exact
