"""Printed person codes (预登记码) for people without phones: A4, 3 x 4 cards a page, each with the
QR code, the name, the masked ID number and building-room, cut along the grey lines. Set in the
sheets' embedded Chinese font (lib.pdf)."""

import io

import segno
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from fangkong.lib.pdf import sheet_font

from . import codes

COLUMNS, ROWS = 3, 4
MARGIN = 10 * mm
QR_SIZE = 38 * mm


def _draw_qr(canvas, text, x, y, size):
    """The QR's dark modules as filled squares (vector: sharp on any printer)."""
    qr = segno.make(text, error="m", micro=False)
    matrix = [list(row) for row in qr.matrix]
    count = len(matrix)
    module = size / count
    canvas.setFillGray(0)
    for r, row in enumerate(matrix):
        c = 0
        while c < count:
            if row[c]:
                start = c
                while c < count and row[c]:
                    c += 1
                canvas.rect(x + start * module, y + size - (r + 1) * module, (c - start) * module, module,
                            stroke=0, fill=1)
            else:
                c += 1


def code_sheet(persons, person_codes) -> bytes:
    """The PDF's bytes. ``persons`` are already scoped; ``person_codes`` maps person id to its code row."""
    font = sheet_font()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1, initialFontName=font.name)
    canvas.setTitle(_("Person codes"))
    canvas.setCreator("Fangkong")
    width, height = A4
    cell_w = (width - 2 * MARGIN) / COLUMNS
    cell_h = (height - 2 * MARGIN) / ROWS
    per_page = COLUMNS * ROWS
    if not persons:
        canvas.setFont(font.name, 12)
        canvas.drawString(MARGIN, height - MARGIN - 12, _("Nobody to print."))
    for index, person in enumerate(persons):
        slot = index % per_page
        if index and slot == 0:
            canvas.showPage()
        col, row = slot % COLUMNS, slot // COLUMNS
        x = MARGIN + col * cell_w
        y = height - MARGIN - (row + 1) * cell_h
        canvas.setStrokeGray(0.7)
        canvas.setDash(2, 2)
        canvas.rect(x, y, cell_w, cell_h, stroke=1, fill=0)
        canvas.setDash()
        _draw_qr(canvas, codes.token(person_codes[person.pk]), x + (cell_w - QR_SIZE) / 2,
                 y + cell_h - QR_SIZE - 4 * mm, QR_SIZE)
        place = (f"{person.household.building.door_number}-{person.household.room}" if person.household_id else "")
        lines = [(person.name, 13), (person.id_masked, 8), (place, 10)]
        line_y = y + cell_h - QR_SIZE - 10 * mm
        for text, size in lines:
            if text:
                while stringWidth(text, font.name, size) > cell_w - 4 * mm and size > 5:
                    size -= 0.5
                canvas.setFont(font.name, size)
                canvas.setFillGray(0)
                canvas.drawCentredString(x + cell_w / 2, line_y, text)
            line_y -= size + 4
        canvas.setFont(font.name, 6)
        canvas.setFillGray(0.4)
        canvas.drawCentredString(x + cell_w / 2, y + 3 * mm, _("Person code: show it to the sampler"))
    canvas.save()
    return buffer.getvalue()
