"""The week's roster printed (PDF, with the documents' Chinese font) and exported (.xlsx)."""

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfgen import canvas

from fangkong.lib.pdf import sheet_font


def _cell_text(cell) -> str:
    return "\n".join(f"{s['shift'].name[:5]} " + "、".join(d.worker.name for d in s["duties"])
                     for s in cell["shifts"] if s["duties"])


def _safe(value: str) -> str:
    # A cell that starts like a formula is written as text (exports escape formula cells).
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def roster_xlsx(community, monday, roster) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = str(monday)
    sheet.append([_safe(f"{community.name} · " + _("Duty roster") + f" {monday}")])
    sheet["A1"].font = Font(bold=True)
    sheet.append([_("Post")] + [day.strftime("%m-%d %a") for day in roster["days"]])
    for row in roster["rows"]:
        sheet.append([_safe(row["post"].name)] + [_safe(_cell_text(cell)) for cell in row["days"]])
    for column in "ABCDEFGH":
        sheet.column_dimensions[column].width = 22
    for line in sheet.iter_rows(min_row=3):
        for cell in line:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def roster_pdf(community, monday, roster, user) -> bytes:
    font = sheet_font().name
    out = io.BytesIO()
    width, height = landscape(A4)
    pdf = canvas.Canvas(out, pagesize=(width, height))
    pdf.setTitle(f"{community.name} {_('Duty roster')} {monday}")
    margin, col = 28, (width - 56 - 110) / 7

    def header():
        pdf.setFont(font, 14)
        pdf.drawString(margin, height - margin - 6, f"{community.name} · {_('Duty roster')} {monday}")
        pdf.setFont(font, 8)
        for index, day in enumerate(roster["days"]):
            pdf.drawString(margin + 110 + index * col + 2, height - margin - 26, day.strftime("%m-%d %a"))
        return height - margin - 32

    y = header()
    for row in roster["rows"]:
        texts = [_cell_text(cell).split("\n") for cell in row["days"]]
        lines = max([len(t) for t in texts] + [1])
        needed = 10 * lines + 6
        if y - needed < margin:
            pdf.showPage()
            y = header()
        pdf.line(margin, y, width - margin, y)
        pdf.setFont(font, 9)
        pdf.drawString(margin + 2, y - 11, row["post"].name[:16])
        pdf.setFont(font, 7)
        for index, text in enumerate(texts):
            for n, line in enumerate(text):
                pdf.drawString(margin + 110 + index * col + 2, y - 10 - 10 * n, line[:30])
        y -= needed
    pdf.setFont(font, 7)
    pdf.drawString(margin, margin - 12, _("Printed by %(user)s") % {"user": user.get_full_name() or user.username})
    pdf.save()
    return out.getvalue()
