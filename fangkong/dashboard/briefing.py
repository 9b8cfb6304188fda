"""An issued briefing as the meeting uses it: the text pasted into the command group (in the
administrative style: 一、总体情况 二、各网格 三、存在问题 四、明日安排), a PDF and an .xlsx.

Everything here reads the frozen briefing only, never the live tables: yesterday's briefing
prints yesterday's figures."""

import io

from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .figures import BY_KEY, label
from .models import Briefing, ProblemKind

# The figures of the overall paragraph, by sentence, and the shorter line of each grid.
OVERALL = [
    ("persons", "households", "households_present", "households_away", "households_vacant"),
    ("screened", "screen_pending"),
    ("key_persons", "key_new", "key_red", "key_orange", "key_yellow", "confirmed", "fevers"),
    ("central", "home", "sealed", "seals_broken", "releases_today", "releases_tomorrow", "reports_missing"),
    ("to_test", "sampled", "untested", "retest", "positives"),
    ("tasks_open", "tasks_overdue"),
]
GRID_LINE = ("persons", "key_persons", "key_new", "central", "home", "sealed", "seals_broken", "untested",
             "reports_missing", "fevers", "tasks_overdue")
CHINESE_NUMBERS = "一二三四五六七八九十"


def ordinal(n: int) -> str:
    """（一）（二）… as in an administrative text (up to 99), in Chinese only."""
    if n <= 10:
        word = CHINESE_NUMBERS[n - 1]
    else:
        tens, ones = divmod(n, 10)
        word = ("" if tens == 1 else CHINESE_NUMBERS[tens - 1]) + "十" + (CHINESE_NUMBERS[ones - 1] if ones else "")
    return f"（{word}）"


def change(now: int, before: int | None) -> str:
    if before is None or now == before:
        return ""
    return f"{now - before:+d}"


def _phrase(values: dict, before: dict | None, keys) -> str:
    parts = []
    for key in keys:
        if key not in values:
            continue
        delta = change(values[key], (before or {}).get(key)) if before else ""
        since = _(" (%(delta)s on yesterday)") % {"delta": delta} if delta else ""
        parts.append(f"{label(key)} {values[key]}{since}")
    return _("; ").join(parts)


def for_viewer(briefing: Briefing, grid_ids) -> Briefing:
    """The briefing as grid staff see it: ``grid_ids`` None (the whole community) leaves it as it
    is; otherwise a copy (never saved) with their grids only, the overall figures the sum over
    them (then and the day before), and only their grids' problems and overdue tasks besides the
    command post's own. They never read a count from a grid they do not reach."""
    if grid_ids is None:
        return briefing
    import copy

    seen = {str(g) for g in grid_ids}
    view = copy.copy(briefing)
    figures = copy.deepcopy(briefing.figures or {})
    figures["grids"] = {gid: g for gid, g in figures.get("grids", {}).items() if gid in seen}
    names = {g["name"] for g in figures["grids"].values()}

    def total(grids):
        summed = {}
        for values in grids:
            for key, n in values.items():
                summed[key] = summed.get(key, 0) + n
        return summed

    community = figures.setdefault("communities", {}).setdefault(str(briefing.community_id), {})
    community["figures"] = total(g.get("figures", {}) for g in figures["grids"].values())
    view.figures = figures
    previous = copy.deepcopy(briefing.previous or {})
    if previous:
        previous["grids"] = {gid: g for gid, g in previous.get("grids", {}).items() if gid in seen}
        previous["community"] = total(previous["grids"].values())
    view.previous = previous

    def ours(item):
        if item.get("grid_id") is not None:
            return str(item["grid_id"]) in seen
        return not item.get("grid") or item["grid"] in names  # the command post's own, or frozen by name

    view.problems = [p for p in briefing.problems or [] if ours(p)]
    view.overdue = [t for t in briefing.overdue or [] if ours(t) and (t.get("grid") or t.get("grid_id"))]
    view.restricted = True
    return view


def community_figures(briefing: Briefing) -> dict:
    return briefing.figures.get("communities", {}).get(str(briefing.community_id), {}).get("figures", {})


def grids(briefing: Briefing) -> list[tuple[str, dict, dict | None]]:
    """(grid id, grid, its figures the day before or None), in grid order."""
    before = (briefing.previous or {}).get("grids", {})
    rows = sorted(briefing.figures.get("grids", {}).items(), key=lambda item: (item[1]["number"], item[0]))
    return [(gid, grid, before.get(gid)) for gid, grid in rows]


def sections(briefing: Briefing) -> list[tuple[str, list[str]]]:
    """The four sections, each a heading and its paragraphs."""
    values = community_figures(briefing)
    before = (briefing.previous or {}).get("community") or None
    day = date_format(briefing.day, "DATE_FORMAT")
    overall = [_("As of %(day)s:") % {"day": day}]
    overall += [_phrase(values, before, keys) + _(".") for keys in OVERALL if any(k in values for k in keys)]
    by_grid = []
    for n, (_gid, grid, grid_before) in enumerate(grids(briefing), 1):
        by_grid.append(_("%(n)s %(grid)s: %(figures)s.") % {
            "n": ordinal(n) if (get_language() or "").startswith("zh") else f"({n})", "grid": grid["name"],
            "figures": _phrase(grid["figures"], grid_before, GRID_LINE)})
    problems = []
    for n, problem in enumerate(briefing.problems, 1):
        kind = _("Need") if problem["kind"] == ProblemKind.NEED else _("Problem")
        where = problem["grid"] or _("Command post")
        problems.append(_("%(n)d. %(where)s (%(kind)s): %(text)s")
                        % {"n": n, "where": where, "kind": kind, "text": problem["text"]})
    if briefing.overdue:
        problems.append(_("Tasks overdue: %(n)d.") % {"n": len(briefing.overdue)} + " "
                        + _("; ").join(_("%(task)s (%(grid)s, due %(day)s)") % {
                                          "task": t["title"], "grid": t["grid"] or _("Command post"),
                                          "day": t["due_on"]}
                                      for t in briefing.overdue[:10]))
    if not problems:
        problems.append(_("No problems raised."))
    tomorrow = [line.strip() for line in briefing.tomorrow.splitlines() if line.strip()]
    if values.get("releases_tomorrow"):
        tomorrow.append(_("Releases due tomorrow: %(n)d; receive them at the checkpoint.")
                        % {"n": values["releases_tomorrow"]})
    if values.get("untested"):
        tomorrow.append(_("Untested in the current round: %(n)d; sample them.") % {"n": values["untested"]})
    if values.get("screen_pending"):
        tomorrow.append(_("Households not yet accounted for: %(n)d; knock again.") % {"n": values["screen_pending"]})
    if not tomorrow:
        tomorrow.append(_("As today."))
    return [(_("1. Overall"), overall), (_("2. The grids"), by_grid or [_("No grids.")]),
            (_("3. Problems"), problems), (_("4. Tomorrow"), tomorrow)]


def title(briefing: Briefing) -> str:
    text = _("%(community)s daily briefing, %(day)s") % {
        "community": briefing.community.name, "day": date_format(briefing.day, "DATE_FORMAT")}
    if getattr(briefing, "restricted", False):
        text += _(" (my grids)")
    return text


def as_text(briefing: Briefing) -> str:
    lines = [title(briefing), ""]
    for heading, paragraphs in sections(briefing):
        lines.append(heading)
        lines.extend(paragraphs)
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def as_pdf(briefing: Briefing) -> bytes:
    """A4, the Chinese font embedded (fangkong.lib.pdf.sheet_font)."""
    from xml.sax.saxutils import escape

    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    from fangkong.lib.pdf import sheet_font

    font = sheet_font().name
    body = ParagraphStyle("body", fontName=font, fontSize=10.5, leading=16, wordWrap="CJK")
    heading = ParagraphStyle("heading", parent=body, fontSize=12, leading=20, spaceBefore=6)
    top = ParagraphStyle("title", parent=body, fontSize=16, leading=24, alignment=1)
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm,
                            bottomMargin=16 * mm, title=title(briefing))
    story = [Paragraph(escape(title(briefing)), top), Spacer(1, 4 * mm)]
    for head, paragraphs in sections(briefing):
        story.append(Paragraph(escape(head), heading))
        story.extend(Paragraph(escape(text), body) for text in paragraphs)
    doc.build(story)
    return out.getvalue()


def as_xlsx(briefing: Briefing) -> bytes:
    """Sheet 1: every figure by community and grid with the change; sheet 2: the problems."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = _("Figures")[:31]
    rows = grids(briefing)
    sheet.append([_("Figure"), briefing.community.name, _("Change")] + [grid["name"] for _g, grid, _b in rows])
    values = community_figures(briefing)
    before = (briefing.previous or {}).get("community") or {}
    for key in briefing.figures.get("keys", []):
        if key not in BY_KEY and key not in values:
            continue
        delta = values.get(key, 0) - before[key] if key in before else None
        sheet.append([label(key), values.get(key, 0), delta] + [grid["figures"].get(key, 0) for _g, grid, _b in rows])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.column_dimensions["A"].width = 24
    problems = book.create_sheet(_("Problems")[:31])
    problems.append([_("Grid"), _("Kind"), _("What")])
    for problem in briefing.problems:
        problems.append([problem["grid"] or _("Command post"),
                         _("Need") if problem["kind"] == ProblemKind.NEED else _("Problem"), problem["text"]])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
