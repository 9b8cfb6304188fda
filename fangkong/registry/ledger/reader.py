"""Reading ledger files: the sheet and the header row, found by the column names
(``columns``). The file itself (checking by content, streaming .xlsx/.xls/.csv rows, the text
encoding, the limits) is ``fangkong.lib.sheets``; its names are re-exported here for the
importer and the tests.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from fangkong.lib import sheets
from fangkong.lib.sheets import (  # noqa: F401 - the ledger's own names for them
    MAX_CELL,
    MAX_COLUMNS,
    CalamineSource,
    Checked,
    CsvSource,
    MergeFiller,
    StringTable,
    XlsxSource,
    check_file,
    detect_encoding,
    zip_max_uncompressed,
)
from fangkong.lib.sheets import SheetError as LedgerError

from . import columns

HEADER_SEARCH_ROWS = 30

# --- the ledger: header, mapping, rows ------------------------------------------------------


@dataclass
class Ledger:
    """An opened ledger: where its header is, what its columns mean, and its data rows."""

    kind: str
    encoding: str
    header_row: int
    header: list
    mapping: dict
    ignored: list
    sheet: str = ""
    _rows: Iterator = field(default=None, repr=False)
    _source: object = field(default=None, repr=False)

    def rows(self) -> Iterator[tuple[int, list]]:
        """(row number as the user sees it, cells) for each non-blank row below the header."""
        for number, cells in self._rows:
            if len(cells) > cells.count(None) + cells.count(""):
                yield number, cells

    def fraction(self) -> float:
        """How far through the file reading is, 0 to 1 (for the progress bar)."""
        return self._source.fraction() if self._source else 0.0

    def close(self):
        if self._source:
            self._source.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @property
    def missing(self) -> list[str]:
        replaced = columns.REPLACED_BY_ADDRESS if "address" in self.mapping else set()
        return [name for name in columns.REQUIRED if name not in self.mapping and name not in replaced]


def open_ledger(path, name: str = "", checked: Checked | None = None) -> Ledger:
    """Check the file, find the sheet and the header row. Raises LedgerError."""
    checked = checked or check_file(path, name)
    sources = sheets.open_sources(path, checked)
    try:
        for source in sources:
            found = _find_header(source)
            if found:
                number, header, rows = found
                mapping, ignored = columns.map_header(header)
                ledger = Ledger(checked.kind, checked.encoding, number, header, mapping, ignored,
                                getattr(source, "name", ""), rows, source)
                if ledger.missing:
                    ledger.close()
                    raise LedgerError(
                        _("The header row has no column for: %(columns)s.")
                        % {"columns": "、".join(str(columns.FIELD_LABELS[m]) for m in ledger.missing)},
                        code="missing_columns")
                return ledger
            source.close()
    except Exception as error:
        known = sheets.as_sheet_error(error)
        if known is None:
            raise
        raise known from error
    raise LedgerError(
        _("No header row was found: the ledger needs a row with the column names, at least 姓名 (name), "
          "楼栋 (building) and 房号 (room)."), code="no_header")


def _find_header(source):
    rows = iter(source.rows())
    seen = 0
    for number, cells in rows:
        if not any(cell not in (None, "") for cell in cells):
            continue
        if columns.looks_like_header(cells):
            return number, list(cells), rows
        seen += 1
        if seen >= HEADER_SEARCH_ROWS:
            return None
    return None


