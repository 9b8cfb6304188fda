"""Printed pick lists and door labels (PDF, the project's sheet font) for teams without phones,
and the group purchase's order sheet (.xlsx). Pure functions of rows already read through scope."""

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm

from fangkong.lib.pdf import Sheet, pdf_response

from . import services

MARGIN = 14 * mm
ROW = 7 * mm
FORMULA_START = ("=", "+", "-", "@")


def cell(value):
    """A text cell that Excel would run as a formula (= + - @) is written with a leading '."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _items_text(door) -> str:
    return door.text


def pick_list_pdf(station, door_list, user, printed_at=None) -> bytes:
    """Building, room and items, in door order, with a box to tick per door."""
    printed_at = printed_at or timezone.now()
    buffer = io.BytesIO()
    sheet = Sheet(buffer, A4, _("Pick list") + f" {station.name}", user)
    width, height = A4
    rows_per_page = int((height - 2 * MARGIN - 20 * mm) // ROW)
    pages = max(1, -(-len(door_list) // rows_per_page))
    for page in range(pages):
        y = height - MARGIN
        sheet.text(MARGIN, y - 6 * mm, _("Pick list") + f" · {station.name}", 14)
        sheet.text(width - MARGIN, y - 6 * mm, timezone.localtime(printed_at).strftime("%Y-%m-%d %H:%M"), 9,
                   anchor="right")
        y -= 16 * mm
        for label, x in ((_("Building"), MARGIN), (_("Room"), MARGIN + 22 * mm), (_("Items"), MARGIN + 42 * mm),
                         (_("Done"), width - MARGIN - 10 * mm)):
            sheet.text(x, y, label, 9, gray=0.3)
        y -= ROW
        for door in door_list[page * rows_per_page:(page + 1) * rows_per_page]:
            sheet.text(MARGIN, y, door.building.door_number, 10, width=20 * mm)
            sheet.text(MARGIN + 22 * mm, y, door.household.room, 10, width=18 * mm)
            urgent = "！" if door.urgency < 2 else ""
            sheet.text(MARGIN + 42 * mm, y, urgent + _items_text(door), 9, width=width - 2 * MARGIN - 56 * mm)
            sheet.canvas.rect(width - MARGIN - 8 * mm, y - 1 * mm, 4 * mm, 4 * mm)
            sheet.canvas.setStrokeGray(0.7)
            sheet.canvas.line(MARGIN, y - 2 * mm, width - MARGIN, y - 2 * mm)
            sheet.canvas.setStrokeGray(0)
            y -= ROW
        sheet.footer(page + 1, pages, printed_at, station.name)
        sheet.canvas.showPage()
    sheet.save()
    return buffer.getvalue()


def labels_pdf(station, door_list, user=None) -> bytes:
    """Door labels, 2 × 8 on A4, to stick on the bags: building-room large, items small."""
    buffer = io.BytesIO()
    sheet = Sheet(buffer, A4, _("Door labels") + f" {station.name}", user)
    width, height = A4
    cols, rows = 2, 8
    label_w, label_h = (width - 2 * MARGIN) / cols, (height - 2 * MARGIN) / rows
    per_page = cols * rows
    for start in range(0, max(1, len(door_list)), per_page):
        for index, door in enumerate(door_list[start:start + per_page]):
            col, row = index % cols, index // cols
            x = MARGIN + col * label_w
            top = height - MARGIN - row * label_h
            sheet.canvas.setStrokeGray(0.6)
            sheet.canvas.rect(x + 1 * mm, top - label_h + 1 * mm, label_w - 2 * mm, label_h - 2 * mm)
            sheet.text(x + 4 * mm, top - 11 * mm, f"{door.building.door_number}-{door.household.room}", 20,
                       width=label_w - 8 * mm)
            sheet.text(x + 4 * mm, top - 18 * mm, _items_text(door), 8, width=label_w - 8 * mm)
            sheet.text(x + 4 * mm, top - 24 * mm, station.name, 7, width=label_w - 8 * mm, gray=0.4)
        sheet.canvas.showPage()
    sheet.save()
    return buffer.getvalue()


def pick_list_response(station, door_list, user):
    return pdf_response(pick_list_pdf(station, door_list, user), f"pick-list-{station.pk}.pdf",
                        _("Pick list") + f"-{station.name}.pdf")


def labels_response(station, door_list):
    return pdf_response(labels_pdf(station, door_list), f"labels-{station.pk}.pdf",
                        _("Door labels") + f"-{station.name}.pdf")


def order_sheet_xlsx(catalogue, orders_in_scope) -> bytes:
    """Sheet 1, for the supplier: per item, quantity and amount. Sheet 2: each household's amount
    and whether it has paid."""
    book = Workbook()
    totals = book.active
    totals.title = _("Order sheet")[:31]
    totals.append([cell(catalogue.supply_point.name), cell(catalogue.title)])
    totals.append([_("Item"), pgettext("measure", "Unit"), _("Price"), _("Quantity"), _("Amount")])
    grand = 0
    for row in services.order_totals(catalogue):
        totals.append([cell(row["item__name"]), cell(row["item__unit"]), float(row["price"]), row["ordered"],
                       float(row["amount"])])
        grand += row["amount"]
    totals.append([_("Total"), "", "", "", float(grand)])
    households = book.create_sheet(_("Households")[:31])
    households.append([_("Building"), _("Room"), _("Amount"), _("Paid")])
    for order in (orders_in_scope.filter(catalogue=catalogue).select_related("household__building")
                  .order_by("household__building__door_sort", "household__room_sort")):
        households.append([cell(order.household.building.door_number), cell(order.household.room),
                           float(order.amount), _("yes") if order.paid else _("no")])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
