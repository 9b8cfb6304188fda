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


def arrangements_pdf(community, day, plans, user, printed_at=None) -> bytes:
    """The evening's arrangements for ``day`` (每晚提前发出工作安排): one page per team (more when
    long), its duties by shift and its tasks with a box to tick. Names only, no phones."""
    from django.utils import timezone
    from reportlab.lib.units import mm

    from fangkong.lib.pdf import MARGIN, Sheet

    printed_at = printed_at or timezone.now()
    out = io.BytesIO()
    title = _("Work arrangements") + f" {day:%Y-%m-%d}"
    sheet = Sheet(out, A4, f"{community.name} {title}", user)
    width, height = A4
    row = 6.5 * mm
    pages = []  # (team name, lines) per printed page, counted first so that the footer says "of N"

    def lines_of(plan):
        lines = [("head", _("Duties"))]
        lines += [("duty", d) for d in plan["duties"]] or [("none", _("No duties."))]
        lines += [("gap", ""), ("head", _("Tasks"))]
        lines += [("task", (n, t)) for n, t in enumerate(plan["tasks"], 1)] or [("none", _("No tasks yet."))]
        return lines

    per_page = int((height - 2 * MARGIN - 30 * mm) // row)
    for plan in plans or [{"team": None, "leader": "", "members": 0, "duties": [], "tasks": []}]:
        lines = lines_of(plan)
        for start in range(0, len(lines), per_page):
            pages.append((plan, lines[start:start + per_page]))
    for number, (plan, lines) in enumerate(pages, 1):
        y = height - MARGIN - 6 * mm
        name = plan["team"].name if plan["team"] else _("No teams")
        sheet.text(MARGIN, y, f"{name} · {title}", 14, width=width - 2 * MARGIN)
        y -= 7 * mm
        if plan["team"]:
            sheet.text(MARGIN, y, _("Leader: %(name)s · %(n)d members") % {"name": plan["leader"] or "—",
                                                                        "n": plan["members"]}, 9, gray=0.3)
        y -= 10 * mm
        for kind, value in lines:
            if kind == "head":
                sheet.text(MARGIN, y, value, 11)
            elif kind == "none":
                sheet.text(MARGIN + 4 * mm, y, value, 9, gray=0.4)
            elif kind == "duty":
                sheet.text(MARGIN + 4 * mm, y, value["shift"], 10, width=30 * mm)
                sheet.text(MARGIN + 36 * mm, y, value["post"], 10, width=70 * mm)
                sheet.text(MARGIN + 110 * mm, y, value["worker"], 10, width=width - 2 * MARGIN - 110 * mm)
            elif kind == "task":
                n, task = value
                place = f" · {task['place']}" if task["place"] else ""
                sheet.text(MARGIN + 4 * mm, y, f"{n}. {task['title']}{place}", 10, width=110 * mm)
                sheet.text(MARGIN + 118 * mm, y, task["owner"], 9, width=36 * mm)
                sheet.text(MARGIN + 156 * mm, y, task["due_on"].strftime("%m-%d"), 9, gray=0.3)
                sheet.canvas.rect(width - MARGIN - 4 * mm, y - 1 * mm, 4 * mm, 4 * mm)
            y -= row
        sheet.footer(number, len(pages), printed_at, community.name)
        sheet.canvas.showPage()
    sheet.save()
    return out.getvalue()
