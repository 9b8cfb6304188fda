"""The error report: the rows an import did not take, as the user wrote them, with the reason.

It repeats the file's own header row, then each reported row's cells (merged cells already filled
in, so every row stands on its own), then its row number in the original file and the reason. The
two added columns are known to the importer and ignored when the fixed report is imported again.
Written with openpyxl's write-only mode: rows go to disk as they come, memory stays flat.
"""

import tempfile
from pathlib import Path

from django.utils.translation import gettext as _
from openpyxl import Workbook

from fangkong.lib.sheets import escape_formula, safe_row  # noqa: F401 - safe_row: the ledger's name for it


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
