"""Which floor a room is on, from its number, the way Chinese buildings number rooms: the floor,
then two digits for the door on that floor (301 and 302 on floor 3, 1203 on floor 12).

The ledger import stores the floor it reads from the room (``Household.floor``); the occupancy
sheet places a household whose floor is unknown by the same rule, so a door that the import put
on floor 3 is printed on floor 3.
"""

import re
import unicodedata

# The room's own number: the digits at its end, after any unit or block prefix ("1-301",
# "2单元1203", "A301") and before a 室/房/号.
_ROOM_NUMBER = re.compile(r"(?:.*?\D)?(\d{3,4})\s*[室房号]?")


def floor_of(room: str) -> int | None:
    """301 -> 3, 1203 -> 12, 1-301 -> 3, ３０１室 -> 3. None when the number does not say: two
    digits or fewer (a bungalow's 2), five or more, floor 0 (001), no digits (A)."""
    text = unicodedata.normalize("NFKC", room or "").strip()
    match = _ROOM_NUMBER.fullmatch(text)
    if not match:
        return None
    floor = int(match.group(1)[:-2])
    return floor or None
