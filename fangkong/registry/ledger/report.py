"""The error report: the rows an import did not take, as the user wrote them, with the reason.

It repeats the file's own header row, then each reported row's cells (merged cells already filled
in, so every row stands on its own), then its row number in the original file and the reason. The
two added columns are known to the importer and ignored when the fixed report is imported again.
Written with openpyxl's write-only mode: rows go to disk as they come, memory stays flat.
"""

import re
import tempfile
from pathlib import Path

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook

from fangkong.lib.masking import mask_id, mask_phone
from fangkong.lib.sheets import escape_formula, safe_row  # noqa: F401 - safe_row: the ledger's name for it

from .columns import field_for_header


class ErrorReport:
    def __init__(self, header, path=None):
        self.header = list(header)
        self.path = Path(path) if path else None
        self.workbook = None
        self.count = 0

    def add(self, number: int, cells: list, reason: str):
        if self.workbook is None:
            self.workbook = Workbook(write_only=True)
            self.sheet = self.workbook.create_sheet(_("Reported rows"))
            width = len(self.header)
            self.sheet.append(safe_row(self.header) + [_("Source row"), _("Reason")])
            self.width = width
        cells = list(cells[: self.width]) + [None] * (self.width - len(cells))
        self.sheet.append(safe_row(cells) + [number, escape_formula(reason)])
        self.count += 1

    def discard(self):
        """Forget the rows reported so far (the import failed as a whole)."""
        self.workbook = None
        self.count = 0

    def close(self) -> Path | None:
        """Save the report; its path, or None when no row was reported."""
        if self.workbook is None:
            return None
        if self.path is None:
            handle = tempfile.NamedTemporaryFile(prefix="fangkong-errors-", suffix=".xlsx", delete=False)
            handle.close()
            self.path = Path(handle.name)
        self.workbook.save(self.path)
        self.workbook = None
        return self.path


# Personal numbers in a reported row: by its column (the header says ID number or phone) and by
# the look of the value, because a refused row is often refused for a number in the wrong column.
MASKED_FIELDS = {"id_number", "phone", "landlord_phone"}
_ID_LIKE = re.compile(r"^\d{15}$|^\d{17}[\dXx]$")
_PHONE_LIKE = re.compile(r"^(?:\+?86)?1\d{10}$")


def mask_cell(value, personal_column: bool = False):
    """A cell as the masked report shows it: ID numbers and phones with their middle starred."""
    if value is None:
        return None
    text = str(value).strip()
    compact = re.sub(r"[\s-]", "", text)
    if _ID_LIKE.match(compact):
        return mask_id(compact)
    if _PHONE_LIKE.match(compact):
        return mask_phone(compact[-11:])
    if personal_column and text:
        return mask_id(text) if len(compact) > 11 else mask_phone(text)
    return value


def masked_copy(source, out=None) -> Path:
    """Write a masked copy of an error report (a path or an open binary file) and return its path:
    what every download and the command line hand out, unless whole numbers are asked for with
    the reveal permission and a reason."""
    workbook = load_workbook(source, read_only=True)
    masked = Workbook(write_only=True)
    for sheet in workbook.worksheets:
        target = masked.create_sheet(sheet.title)
        personal: set[int] = set()
        for index, row in enumerate(sheet.iter_rows(values_only=True)):
            if index == 0:
                personal = {i for i, cell in enumerate(row) if field_for_header(cell) in MASKED_FIELDS}
                target.append(list(row))
                continue
            target.append([mask_cell(cell, i in personal) for i, cell in enumerate(row)])
    workbook.close()
    if out is None:
        handle = tempfile.NamedTemporaryFile(prefix="fangkong-errors-", suffix=".xlsx", delete=False)
        handle.close()
        out = handle.name
    masked.save(out)
    return Path(out)
