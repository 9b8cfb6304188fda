"""Reading spreadsheets that come from outside: .xlsx, .xls and .csv, checked by content and
streamed row by row. Used by the ledger importer (``registry.ledger``) and the lab results reader
(``testing.results_file``); it knows nothing of what the columns mean.

Why a reader of our own for .xlsx: python-calamine loads a whole sheet into memory, and openpyxl's
read-only mode is flat but slow (a Python object per cell, several Python calls per XML node).
An .xlsx sheet is a zip member of plain XML with a regular shape, so this module decompresses it
in blocks and cuts rows and cells with a few compiled regular expressions, looking strings up in
a compact shared-string table. Memory stays flat as the file grows (the shared strings excepted:
they are packed into large joined blocks), and it is several times faster than openpyxl.

Merged cells (<mergeCells> comes after <sheetData>) are found by a first pass that only
decompresses and scans for ``<mergeCell``; the second pass then fills every cell of a merged
range with the value of its top-left cell, which is what a person reading the sheet sees
(Chinese ledgers merge the building and room columns down a family's rows).

.xls files (at most 65,536 rows by format) are read with python-calamine; .csv files are decoded
as UTF-8 (with or without BOM) or GB18030, tried strictly in that order, then UTF-16 with a BOM,
and charset-normalizer's best guess only if all of those fail.

Limits that make a file unreadable rather than a crash (``SheetError``, code ``too_odd``): a
cell longer than ``MAX_CELL`` characters (csv's own limit) and a column past ``MAX_COLUMNS``
(XFD, the last column Excel has).
"""

import codecs
import csv
import datetime as dt
import html
import io
import os
import re
import zipfile
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_START = ("=", "+", "-", "@")
MAX_CELL = 131_072
MAX_COLUMNS = 16_384

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
# A zip member that inflates more than this many times is a bomb, not a spreadsheet: ledger
# sheets compress 5 to 30 times.
ZIP_MAX_RATIO = 150
BLOCK = 1 << 22

EXTENSIONS = {".xlsx": "xlsx", ".xlsm": "xlsx", ".xls": "xls", ".csv": "csv", ".txt": "csv"}
KIND_NAMES = {"xlsx": "Excel .xlsx", "xls": "Excel 97-2003 .xls", "csv": "CSV"}


class SheetError(Exception):
    """The file cannot be read at all; the message says why, in the user's language."""

    def __init__(self, message: str, code: str = "unreadable"):
        super().__init__(message)
        self.message = message
        self.code = code


def too_wide(number: int) -> "SheetError":
    return SheetError(_("Row %(row)s has more than %(limit)s columns, more than a spreadsheet can hold: "
                        "the file cannot be read.") % {"row": number, "limit": f"{MAX_COLUMNS:,}"},
                      code="too_odd")


def open_sources(path, checked: "Checked"):
    """The sheets of a checked file, each a source with rows(), fraction() and close()."""
    if checked.kind == "xlsx":
        return XlsxSource.sheets(path)
    if checked.kind == "xls":
        return CalamineSource.sheets(path)
    return iter([CsvSource(path, checked.encoding)])


READ_ERRORS = (zipfile.BadZipFile, KeyError, ValueError, OSError, csv.Error, UnicodeDecodeError, EOFError)


def as_sheet_error(error: Exception) -> "SheetError | None":
    """The SheetError for an exception met while reading a file, or None if it is a bug of ours."""
    if isinstance(error, SheetError):
        return error
    if isinstance(error, READ_ERRORS) or type(error).__module__.startswith("python_calamine"):
        return SheetError(_("The file could not be read: %(error)s") % {"error": error}, code="unreadable")
    import zlib

    if isinstance(error, zlib.error):
        return SheetError(_("The file could not be read: %(error)s") % {"error": error}, code="bad_zip")
    return None


def zip_max_uncompressed() -> int:
    return getattr(settings, "FANGKONG_IMPORT_MAX_UNCOMPRESSED", 25 * settings.FANGKONG_IMPORT_MAX_BYTES)


# --- checking by content --------------------------------------------------------------------


@dataclass
class Checked:
    kind: str  # "xlsx", "xls" or "csv"
    size: int
    encoding: str = ""


def check_file(path, name: str = "") -> Checked:
    """Decide what the file is from its bytes, refusing what must not be read: a file over the
    size limit, a renamed file, a zip bomb, text that is not text. Nothing is parsed yet."""
    path = Path(path)
    size = path.stat().st_size
    limit = settings.FANGKONG_IMPORT_MAX_BYTES
    if size > limit:
        raise SheetError(_("The file is %(size)s; files up to %(limit)s can be imported.")
                          % {"size": filesizeformat(size), "limit": filesizeformat(limit)}, code="too_big")
    if size == 0:
        raise SheetError(_("The file is empty."), code="empty")
    with open(path, "rb") as handle:
        head = handle.read(8)
    if head.startswith(ZIP_MAGIC):
        kind = "xlsx"
        _check_zip(path)
    elif head == OLE2_MAGIC:
        kind = "xls"
    else:
        kind = "csv"
    extension = EXTENSIONS.get(Path(name or path.name).suffix.lower())
    if extension and extension != kind:
        raise SheetError(
            _("This file is named %(name)s but it is not a %(expected)s file (its content is %(found)s). "
              "Open it in Excel and save it again as .xlsx.")
            % {"name": name or path.name, "expected": KIND_NAMES[extension],
               "found": KIND_NAMES[kind] if kind != "csv" else _("something else")},
            code="renamed",
        )
    checked = Checked(kind, size)
    if kind == "csv":
        checked.encoding = detect_encoding(path)
    return checked


def _check_zip(path):
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise SheetError(_("The file is a damaged zip archive, not a workbook."), code="bad_zip") from None
    with archive:
        infos = archive.infolist()
        names = {info.filename for info in infos}
        if "xl/workbook.xml" not in names:
            raise SheetError(_("The file is a zip archive but not an Excel workbook (a Word or other file "
                                "renamed?)."), code="renamed")
        total = sum(info.file_size for info in infos)
        packed = sum(info.compress_size for info in infos) or 1
        too_dense = any(info.file_size > 1 << 20 and info.file_size > ZIP_MAX_RATIO * max(info.compress_size, 1)
                        for info in infos)
        if total > zip_max_uncompressed() or too_dense or (total > 1 << 24 and total > ZIP_MAX_RATIO * packed):
            raise SheetError(_("The workbook would unpack to %(size)s: refused as a possible zip bomb.")
                              % {"size": filesizeformat(total)}, code="zip_bomb")


def detect_encoding(path) -> str:
    """UTF-8 (BOM or not) and GB18030 are tried strictly over the whole file; charset-normalizer
    guesses only when both fail. Binary content is refused."""
    with open(path, "rb") as handle:
        sample = handle.read(1 << 16)
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in sample:
        raise SheetError(_("The file is neither a workbook nor text: it cannot be a ledger."), code="binary")
    for encoding in ("utf-8-sig", "gb18030"):
        if _decodes(path, encoding):
            _check_text(sample.decode(encoding, errors="ignore"))
            return encoding
    from charset_normalizer import from_bytes

    best = from_bytes(sample).best()
    if best is None:
        raise SheetError(_("The text encoding of this file could not be recognised; save it as UTF-8 CSV."),
                          code="encoding")
    _check_text(str(best))
    return best.encoding


def _decodes(path, encoding) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    try:
        with open(path, "rb") as handle:
            while block := handle.read(BLOCK):
                decoder.decode(block)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _check_text(text: str):
    controls = sum(1 for ch in text if ch < " " and ch not in "\t\r\n\f")
    if controls > max(2, len(text) // 200):
        raise SheetError(_("The file is neither a workbook nor text: it cannot be a ledger."), code="binary")


class MergeFiller:
    """Give every cell of a merged range the value of its top-left cell, row by row.

    ``ranges`` are (first_row, first_col, last_row, last_col), rows 1-based, columns 0-based."""

    def __init__(self, ranges):
        self.pending = sorted(r for r in ranges if r[0] != r[2] or r[1] != r[3])
        self.active: list[list] = []  # [first_row, first_col, last_row, last_col, value]

    def __bool__(self):
        return bool(self.pending or self.active)

    def fill(self, number: int, cells: list) -> list:
        while self.pending and self.pending[0][0] <= number:
            r1, c1, r2, c2 = self.pending.pop(0)
            value = cells[c1] if r1 == number and c1 < len(cells) else None
            self.active.append([r1, c1, r2, c2, value])
        still = []
        for entry in self.active:
            r1, c1, r2, c2, value = entry
            if number > r2:
                continue
            still.append(entry)
            if value in (None, ""):
                continue
            if len(cells) <= c2:
                cells.extend([None] * (c2 + 1 - len(cells)))
            for col in range(c1, c2 + 1):
                if cells[col] in (None, ""):
                    cells[col] = value
        self.active = still
        return cells


# --- .xlsx ----------------------------------------------------------------------------------

_NS = r"(?:\w+:)?"
_ROW = re.compile(rf"<{_NS}row\b([^>]*?)(?:/>|>(.*?)</{_NS}row>)", re.S)
_CELL = re.compile(rf"<{_NS}c\b([^>]*?)(?:/>|>(.*?)</{_NS}c>)", re.S)
_V = re.compile(rf"<{_NS}v(?:\s[^>]*)?>(.*?)</{_NS}v>", re.S)
_T = re.compile(rf"<{_NS}t(?:\s[^>]*)?>(.*?)</{_NS}t>|<{_NS}t\s*/>", re.S)
_SI = re.compile(rf"<{_NS}si\b[^>]*?(?:/>|>(.*?)</{_NS}si>)", re.S)
_RPH = re.compile(rf"<{_NS}rPh\b.*?</{_NS}rPh>", re.S)
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?ref="\$?([A-Z]+)\$?(\d+):\$?([A-Z]+)\$?(\d+)"')
# The shapes Excel, WPS and openpyxl write for nearly every cell, in one expression: column letters,
# type, and the value or inline text. A row with any other shape takes the general path.
_FAST_CELL = re.compile(
    r'<c r="([A-Z]+)\d+"(?: s="\d+")?(?: t="(\w+)")?(?: s="\d+")?'
    r'(?: ?/>|>(?:<v>([^<]*)</v>|<is><t>([^<]*)</t></is>)</c>)'
)
_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")
_END_ROW = re.compile(rf"</{_NS}row>")


def _text(raw: str) -> str:
    if "&" in raw:
        raw = html.unescape(raw)
    if "_x" in raw:
        raw = _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), raw)
    return raw


def _string_item(body: str | None) -> str:
    if not body:
        return ""
    if body.startswith("<t>") and body.endswith("</t>") and body.count("<t") == 1:
        return _text(body[3:-4])
    if "rPh" in body:
        body = _RPH.sub("", body)
    return _text("".join(m.group(1) or "" for m in _T.finditer(body)))


class StringTable:
    """The shared strings, packed: blocks of joined text with offsets, not a million str objects."""

    BLOCK = 2048

    def __init__(self):
        self.blocks: list[tuple[str, array]] = []
        self.pending: list[str] = []

    def append(self, value: str):
        self.pending.append(value)
        if len(self.pending) == self.BLOCK:
            self._pack()

    def _pack(self):
        offsets = array("I", [0])
        total = 0
        for value in self.pending:
            total += len(value)
            offsets.append(total)
        self.blocks.append(("".join(self.pending), offsets))
        self.pending = []

    def __getitem__(self, index: int) -> str:
        block, item = divmod(index, self.BLOCK)
        if block < len(self.blocks):
            text, offsets = self.blocks[block]
            return text[offsets[item]:offsets[item + 1]]
        return self.pending[item]


def _col_index(letters: str, cache={}) -> int:  # noqa: B006 - a deliberate memo
    index = cache.get(letters)
    if index is None:
        index = 0
        for letter in letters:
            index = index * 26 + ord(letter) - 64
        index -= 1
        cache[letters] = index
    return index


def _split_ref(ref: str) -> tuple[str, int]:
    for i, ch in enumerate(ref):
        if ch.isdigit():
            return ref[:i], int(ref[i:])
    return ref, 0


def _xml_blocks(member) -> Iterator[str]:
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    while block := member.read(BLOCK):
        yield decoder.decode(block)
    tail = decoder.decode(b"", final=True)
    if tail:
        yield tail


def _resolve(base: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    parts = (base.rsplit("/", 1)[0] + "/" + target).split("/")
    out = []
    for part in parts:
        if part == "..":
            out and out.pop()
        elif part and part != ".":
            out.append(part)
    return "/".join(out)


def _split_rows(buffer: str, end: int) -> list[tuple[str, str]]:
    """(attributes, body) of each row in buffer[:end], which ends with a row's end: what
    _ROW.findall gives. The regular expression's lazy body spent about a fifth of a 20,000-row
    import looking for the row's end at every character, so rows written plainly (no namespace
    prefix, one row a piece) are cut with str.split; any other piece goes through _ROW."""
    pieces = buffer[:end].split("</row>")
    if pieces[-1]:  # rows with a namespace prefix (</x:row>): not split here
        return _ROW.findall(buffer, 0, end)
    found = []
    for piece in pieces[:-1]:
        start = piece.find("<row")
        close = piece.find(">", start)
        if (start < 0 or piece.find("<row", start + 4) >= 0 or piece[start + 4:start + 5] not in (" ", ">")
                or close < 0 or piece[close - 1] == "/"):
            found.extend(_ROW.findall(piece + "</row>"))
        else:
            found.append((piece[start + 4:close], piece[close + 1:]))
    return found


def _last_row_end(buffer: str) -> int:
    end = buffer.rfind("</row>")
    if end >= 0:
        return end + 6
    ends = [match.end() for match in _END_ROW.finditer(buffer)]  # a namespace prefix: </x:row>
    return ends[-1] if ends else -1


class XlsxSource:
    def __init__(self, path, sheet_path: str, name: str, strings: StringTable):
        self.archive = zipfile.ZipFile(path)
        self.sheet_path = sheet_path
        self.name = name
        self.strings = strings
        self.total = self.archive.getinfo(sheet_path).file_size or 1
        self.consumed = 0

    @classmethod
    def sheets(cls, path):
        with zipfile.ZipFile(path) as archive:
            workbook = archive.read("xl/workbook.xml").decode("utf-8", "replace")
            rels_path = "xl/_rels/workbook.xml.rels"
            rels = archive.read(rels_path).decode("utf-8", "replace") if rels_path in archive.namelist() else ""
            targets, strings_path = {}, None
            for match in re.finditer(r"<(?:\w+:)?Relationship\b([^>]*)/?>", rels):
                attrs = dict(re.findall(r'(\w+)="([^"]*)"', match.group(1)))
                target = _resolve("xl/workbook.xml", attrs.get("Target", ""))
                targets[attrs.get("Id")] = target
                if attrs.get("Type", "").endswith("/sharedStrings"):
                    strings_path = target
            sheets = []
            for match in re.finditer(r"<(?:\w+:)?sheet\b([^>]*)/?>", workbook):
                attrs = dict(re.findall(r'([\w:]+)="([^"]*)"', match.group(1)))
                rid = next((v for k, v in attrs.items() if k.endswith(":id")), None)
                if rid in targets and attrs.get("state", "visible") == "visible":
                    sheets.append((targets[rid], html.unescape(attrs.get("name", ""))))
            if not sheets and "xl/worksheets/sheet1.xml" in archive.namelist():
                sheets = [("xl/worksheets/sheet1.xml", "")]
            strings = StringTable()
            if strings_path is None and "xl/sharedStrings.xml" in archive.namelist():
                strings_path = "xl/sharedStrings.xml"
            if strings_path and strings_path in archive.namelist():
                with archive.open(strings_path) as member:
                    rest = ""
                    for block in _xml_blocks(member):
                        buffer = rest + block
                        end = buffer.rfind("</si>")
                        cut = end + 5 if end >= 0 else 0
                        for match in _SI.finditer(buffer, 0, cut):
                            strings.append(_string_item(match.group(1)))
                        rest = buffer[cut:]
                    for match in _SI.finditer(rest):
                        strings.append(_string_item(match.group(1)))
        for sheet_path, name in sheets:
            yield cls(path, sheet_path, name, strings)

    def merged_ranges(self):
        ranges = set()
        tail = b""
        with self.archive.open(self.sheet_path) as member:
            while block := member.read(BLOCK):
                data = tail + block
                if b"mergeCell" in data:
                    for c1, r1, c2, r2 in _MERGE.findall(data):
                        ranges.add((int(r1), _col_index(c1.decode()), int(r2), _col_index(c2.decode())))
                tail = data[-400:]
        return ranges

    def fraction(self) -> float:
        return min(1.0, self.consumed / self.total)

    def rows(self) -> Iterator[tuple[int, list]]:
        try:
            merges = MergeFiller(self.merged_ranges())
        except KeyError:
            raise SheetError(_("The workbook is damaged: a sheet it lists is missing. Open it in Excel and save "
                               "it again."), code="bad_zip") from None
        strings = self.strings
        number = 0
        rest = ""
        sheet_data = False
        with self.archive.open(self.sheet_path) as member:
            for block in _xml_blocks(member):
                self.consumed += len(block)
                sheet_data = sheet_data or "sheetData" in block or "sheetData" in rest[-20:] + block[:20]
                buffer = rest + block
                cut = _last_row_end(buffer)
                if cut < 0:
                    rest = buffer
                    continue
                rest = buffer[cut:]
                for attrs, body in _split_rows(buffer, cut):
                    number = self._row_number(attrs, number)
                    cells = self._cells(body, strings) if body else []
                    if len(cells) > MAX_COLUMNS:
                        raise too_wide(number)
                    yield number, merges.fill(number, cells) if merges else cells
            for attrs, body in _ROW.findall(rest):
                number = self._row_number(attrs, number)
                cells = self._cells(body, strings) if body else []
                yield number, merges.fill(number, cells) if merges else cells
        if not sheet_data:
            # Every sheet Excel, WPS or openpyxl writes has <sheetData>, even an empty one: without
            # it the file is damaged, not empty.
            raise SheetError(_("The workbook is damaged: its sheet has no cells part. Open it in Excel and save "
                               "it again."), code="bad_zip")

    @staticmethod
    def _row_number(attrs: str, previous: int) -> int:
        at = attrs.find(' r="')
        if at < 0:
            return previous + 1
        return int(attrs[at + 4:attrs.index('"', at + 4)])

    @staticmethod
    def _cells(body: str, strings) -> list:
        fast = _FAST_CELL.findall(body)
        if fast and len(fast) == body.count("<c "):
            return _fast_cells(fast, strings)
        cells: list = []
        position = 0
        for attrs, content in _CELL.findall(body):
            at = attrs.find(' r="')
            if at >= 0:
                letters, _row = _split_ref(attrs[at + 4:attrs.index('"', at + 4)])
                position = _col_index(letters)
            if not content:
                position += 1
                continue
            at = attrs.find(' t="')
            kind = attrs[at + 4:attrs.index('"', at + 4)] if at >= 0 else "n"
            if content.startswith("<v>"):
                raw = content[3:content.index("</v>")]
            elif kind == "inlineStr":
                raw = None
            else:
                match = _V.search(content)
                raw = match.group(1) if match else None
            if kind == "s":
                value = strings[int(raw)] if raw is not None else None
            elif kind == "inlineStr":
                value = _string_item(content)
            elif raw is None:
                value = None
            elif kind == "n":
                value = int(raw) if raw.isdigit() else float(raw)
            elif kind == "b":
                value = raw == "1"
            elif kind == "d":
                value = dt.datetime.fromisoformat(raw)
            else:  # "str" (a formula's text) and "e" (an error such as #N/A)
                value = _text(raw)
            if position >= len(cells):
                cells.extend([None] * (position + 1 - len(cells)))
            cells[position] = value
            position += 1
        return cells

    def close(self):
        self.archive.close()


# Column letters A to ZZ and their index, looked up without a call for each cell.
_COLUMNS = {letters: _col_index(letters) for letters in
            [chr(65 + a) for a in range(26)] + [chr(65 + a) + chr(65 + b) for a in range(26) for b in range(26)]}


def _fast_cells(found, strings) -> list:
    # One pass a cell, the commonest shapes first (inline strings as openpyxl writes them, then
    # shared strings as Excel and WPS do); a cell in its place (the usual case) is appended.
    cells: list = []
    append = cells.append
    columns_get = _COLUMNS.get
    for letters, kind, raw, inline in found:
        if not raw and not inline:
            continue
        if kind == "inlineStr":
            value = _text(inline) if ("&" in inline or "_x" in inline) else inline
        elif kind == "s":
            value = strings[int(raw)]
        elif not kind or kind == "n":
            value = int(raw) if raw.isdigit() else float(raw)
        elif kind == "b":
            value = raw == "1"
        elif kind == "d":
            value = dt.datetime.fromisoformat(raw)
        else:
            value = _text(raw)
        position = columns_get(letters)
        if position is None:
            position = _col_index(letters)
        if position == len(cells):
            append(value)
        elif position < len(cells):
            cells[position] = value
        else:
            cells.extend([None] * (position - len(cells)))
            append(value)
    return cells


# --- .xls -----------------------------------------------------------------------------------


class CalamineSource:
    """.xls through python-calamine (whole sheet in memory: .xls holds 65,536 rows at most)."""

    def __init__(self, workbook, index: int, name: str):
        self.workbook = workbook
        self.sheet = workbook.get_sheet_by_index(index)
        self.name = name
        self.done = 0

    @classmethod
    def sheets(cls, path):
        from python_calamine import CalamineWorkbook

        workbook = CalamineWorkbook.from_path(str(path))
        for index, meta in enumerate(workbook.sheets_metadata):
            if str(getattr(meta, "visible", "visible")).lower().endswith("visible"):
                yield cls(workbook, index, meta.name)

    def fraction(self) -> float:
        return min(1.0, self.done / max(1, self.sheet.height))

    def rows(self):
        start = self.sheet.start or (0, 0)
        ranges = [(r1 + 1, c1, r2 + 1, c2) for (r1, c1), (r2, c2) in (self.sheet.merged_cell_ranges or [])]
        merges = MergeFiller(ranges)
        pad = [None] * start[1]
        for offset, cells in enumerate(self.sheet.iter_rows()):
            self.done = offset + 1
            number = start[0] + offset + 1
            cells = pad + [None if cell == "" else cell for cell in cells]
            if len(cells) > MAX_COLUMNS:
                raise too_wide(number)
            yield number, merges.fill(number, cells) if merges else cells

    def close(self):
        self.workbook.close()


# --- .csv -----------------------------------------------------------------------------------


class CsvSource:
    name = ""

    def __init__(self, path, encoding: str):
        self.raw = open(path, "rb")  # noqa: SIM115 - closed by close()
        self.size = os.fstat(self.raw.fileno()).st_size or 1
        self.text = io.TextIOWrapper(self.raw, encoding=encoding, newline="")

    def fraction(self) -> float:
        try:
            return min(1.0, self.raw.tell() / self.size)
        except (OSError, ValueError):
            return 0.0

    def rows(self):
        with open(self.raw.name, encoding=self.text.encoding, errors="replace", newline="") as sample:
            lines = sample.read(1 << 16).splitlines()
        first = next((line for line in lines if line.strip()), "")
        counts = {sep: first.count(sep) for sep in (",", "\t", ";")}
        delimiter = max(counts, key=counts.get) if any(counts.values()) else ","
        try:
            for number, cells in enumerate(csv.reader(self.text, delimiter=delimiter), start=1):
                if len(cells) > MAX_COLUMNS:
                    raise too_wide(number)
                yield number, [cell if cell.strip() else None for cell in cells]
        except csv.Error:
            # csv's only error past the encoding: a cell over its field limit (MAX_CELL), or a
            # NUL byte; either way the file is not a table a person wrote.
            raise SheetError(_("A cell in this file is longer than %(limit)s characters (or the file is not "
                               "a table): it cannot be read. Check that it is the right file.")
                             % {"limit": f"{MAX_CELL:,}"}, code="too_odd") from None

    def close(self):
        self.text.close()


def escape_formula(value):
    """Cells that begin with = + - @ would run as formulas in Excel: prefix them with '."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def safe_row(cells) -> list:
    """Cells ready for a sheet: text that would start a formula is escaped."""
    return [escape_formula(cell) for cell in cells]


def xlsx_response(handle, filename: str):
    """A download of an .xlsx file (an open binary handle)."""
    from django.http import FileResponse

    return FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX_TYPE)
