"""What the start page's items look like: apps build them with ``items_html`` and return the HTML
from their "start_item" hook, so that every item is one row, one tap, in the same form."""

from dataclasses import dataclass

from django.template.loader import render_to_string


@dataclass
class Item:
    title: str
    url: str
    detail: str = ""
    urgent: bool = False  # overdue, a fever, a broken seal: red, and first
    offline: bool = True  # kept on the phone ahead, for the stairs with no network


def items_html(heading: str, items: list[Item]) -> str | None:
    if not items:
        return None
    items = sorted(items, key=lambda item: not item.urgent)
    return render_to_string("core/_start_items.html", {"heading": heading, "items": items})
