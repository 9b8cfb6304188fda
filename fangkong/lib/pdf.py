"""PDF helpers for every app that prints: the Chinese font the sheets are set in
(``sheet_font``), and the download answer (``pdf_response``).

reportlab embeds (a subset of) a TrueType font into each PDF, so a sheet prints the same on any
printer and any viewer. It reads TrueType outlines only: Noto CJK and Source Han (CFF outlines
in .otf/.ttc) are refused, which is why we look for WenQuanYi or AR PL first.

Where we look, in order:
1. ``FANGKONG_PDF_FONT``: the path of a .ttf or .ttc (the first face of a collection is used;
   ``path.ttc#2`` picks another);
2. the places Debian, Ubuntu, Fedora, macOS and Windows put the usual TrueType CJK fonts
   (on Debian: ``apt-get install fonts-wqy-zenhei``).

When none is usable, the sheets fall back to reportlab's built-in CID font STSong-Light. It is
not embedded: the PDF shows Chinese only in viewers that have Adobe's Asian font pack. A warning
is logged once per process.
"""

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from threading import Lock
from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.pdfgen.canvas import Canvas

logger = logging.getLogger("fangkong.pdf")

ENV_VAR = "FANGKONG_PDF_FONT"
FALLBACK_CID_FONT = "STSong-Light"

# Known TrueType-outline CJK fonts, best first. Noto CJK is absent on purpose (CFF outlines).
KNOWN_PATHS = [
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",  # Debian/Ubuntu fonts-wqy-zenhei
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",  # fonts-wqy-microhei
    "/usr/share/fonts/truetype/arphic/uming.ttc",  # fonts-arphic-uming
    "/usr/share/fonts/truetype/arphic/ukai.ttc",  # fonts-arphic-ukai
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",  # fonts-droid-fallback
    "/usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc",  # Fedora
    "/usr/share/fonts/wqy-microhei/wqy-microhei.ttc",
    "/usr/share/fonts/TTF/wqy-zenhei.ttc",  # Arch
    "/Library/Fonts/Arial Unicode.ttf",  # macOS
    "/System/Library/Fonts/Supplemental/Arial Unicode.ttf",
    "C:/Windows/Fonts/simhei.ttf",  # Windows
    "C:/Windows/Fonts/simsun.ttc",
]

# A font is usable for the sheets only if it has these (the words on every sheet).
REQUIRED_CHARS = "实有住户统计表体温监测潯美社区楼层"


@dataclass(frozen=True)
class SheetFont:
    name: str  # the name registered with reportlab, for canvas.setFont
    embedded: bool  # True: a TrueType font embedded in the PDF; False: the CID fallback
    path: str = ""
    face_name: str = ""  # the font's PostScript name, as it appears (after a subset tag) in the PDF


_lock = Lock()
_font: SheetFont | None = None


def _split_index(spec: str) -> tuple[str, int]:
    path, sep, index = spec.rpartition("#")
    if sep and index.isdigit():
        return path, int(index)
    return spec, 0


def load_truetype(spec: str) -> SheetFont | None:
    """The font at ``spec`` (a path, optionally ``#index`` for a collection) registered with
    reportlab, or None (logged) when it is missing, not TrueType, or has no Chinese."""
    path, index = _split_index(spec)
    if not Path(path).is_file():
        return None
    try:
        font = TTFont(f"FangkongCJK-{Path(path).stem}-{index}", path, subfontIndex=index)
    except (TTFError, OSError, ValueError) as error:
        logger.warning("PDF font %s is not usable (%s): TrueType outlines are needed", path, error)
        return None
    missing = [ch for ch in REQUIRED_CHARS if ord(ch) not in font.face.charToGlyph]
    if missing:
        logger.warning("PDF font %s has no Chinese glyphs (%s missing)", path, "".join(missing[:5]))
        return None
    pdfmetrics.registerFont(font)
    face = font.face.name
    face = face.decode("latin-1") if isinstance(face, bytes) else str(face)
    return SheetFont(name=font.fontName, embedded=True, path=path, face_name=face)


def find_truetype() -> SheetFont | None:
    """The first usable TrueType CJK font: the environment variable first, then KNOWN_PATHS."""
    candidates = []
    configured = os.environ.get(ENV_VAR, "").strip()
    if configured:
        candidates.append(configured)
        if not Path(_split_index(configured)[0]).is_file():
            logger.warning("%s=%s: no such file", ENV_VAR, configured)
    candidates.extend(KNOWN_PATHS)
    for spec in candidates:
        font = load_truetype(spec)
        if font:
            return font
    return None


def sheet_font() -> SheetFont:
    """The font for every sheet, found once per process."""
    global _font
    if _font is None:
        with _lock:
            if _font is None:
                found = find_truetype()
                if found is None:
                    logger.warning(
                        "No TrueType Chinese font found (set %s or install fonts-wqy-zenhei): printed sheets "
                        "use %s, which is not embedded and shows only in viewers with Adobe's Asian fonts",
                        ENV_VAR, FALLBACK_CID_FONT,
                    )
                    pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_CID_FONT))
                    found = SheetFont(name=FALLBACK_CID_FONT, embedded=False, face_name=FALLBACK_CID_FONT)
                else:
                    logger.info("printed sheets use %s (%s)", found.face_name, found.path)
                _font = found
    return _font


def reset() -> None:
    """Forget the font found, so the next sheet looks again (tests change the environment)."""
    global _font
    with _lock:
        _font = None


def pdf_response(content: bytes, ascii_name: str, name: str) -> HttpResponse:
    """Shown in the browser (inline), saved under ``name`` (UTF-8, RFC 6266) or, by old
    clients, under ``ascii_name``."""
    response = HttpResponse(content, content_type="application/pdf")
    ascii_name = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_.") else "_" for ch in ascii_name)
    response["Content-Disposition"] = f"inline; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    # Personal data: no shared cache keeps a copy.
    response["Cache-Control"] = "private, no-store"
    return response


# --- drawing: the sheet every printed page of every app starts from ------------------------

MARGIN = 14 * mm


def display_name(user) -> str:
    """陈明 for last name 陈 and first name 明 (Chinese order), Ann Lee otherwise; else the username."""
    if user is None:
        return ""
    first, last = (user.first_name or "").strip(), (user.last_name or "").strip()
    if first and last and any(ord(ch) > 0x2E7F for ch in first + last):
        return f"{last}{first}"
    return user.get_full_name() or user.get_username()


class Sheet:
    """A reportlab canvas with the sheet font and a few text helpers."""

    def __init__(self, buffer, pagesize, title, user):
        self.font = sheet_font()
        # The sheet font from the first operator on: no unembedded Helvetica in the file.
        self.canvas = Canvas(buffer, pagesize=pagesize, pageCompression=1, initialFontName=self.font.name)
        self.canvas.setTitle(title)
        self.canvas.setAuthor("Fangkong")
        self.canvas.setCreator("Fangkong")
        self.width, self.height = pagesize
        self.user = user

    def fit(self, text, size, width, minimum=4.5):
        """The largest size up to ``size`` at which ``text`` fits in ``width`` points."""
        natural = stringWidth(text, self.font.name, size)
        if natural <= width or natural == 0:
            return size
        return max(minimum, size * width / natural)

    def text(self, x, y, text, size, anchor="left", width=None, gray=0.0):
        if not text:
            return
        if width is not None:
            size = self.fit(text, size, width)
            while len(text) > 1 and stringWidth(text, self.font.name, size) > width:
                text = text[:-2] + "…"
        c = self.canvas
        c.setFont(self.font.name, size)
        c.setFillGray(gray)
        if anchor == "center":
            c.drawCentredString(x, y, text)
        elif anchor == "right":
            c.drawRightString(x, y, text)
        else:
            c.drawString(x, y, text)

    def footer(self, page, pages, printed_at, note):
        who = display_name(self.user)
        when = timezone.localtime(printed_at).strftime("%Y-%m-%d %H:%M")
        left = _("Printed by %(user)s at %(time)s") % {"user": who, "time": when}
        y = MARGIN - 4 * mm
        self.text(MARGIN, y, left, 7, gray=0.3)
        self.text(self.width - MARGIN, y, _("Page %(page)d of %(pages)d") % {"page": page, "pages": pages}, 7,
                  anchor="right", gray=0.3)
        self.text(self.width / 2, y, note, 7, anchor="center", gray=0.3)

    def save(self) -> None:
        self.canvas.save()
