"""Lab results files (.csv, .xlsx, .xls): tube code, result, time, read with ``fangkong.lib.sheets``
(checks by content, streams rows, decodes GB18030 CSV).

The header row is found by its words, in simplified or traditional characters (管号, 试管编号,
条码, 检测结果, 结果, 报告时间 ...). A file whose first row is already data (a tube code, then a
result word) is read as three columns in that order, and the reading says so in its notes; a
first row that is neither a header we know nor such data is refused with the cells it holds,
never read by position silently.
"""

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _

from fangkong.lib import sheets, vocab

# Matched as substrings of the folded header cell; the first column that matches wins, so
# "检测结果" is a result and "报告时间" a time, and "管号"/"条码" the tube.
HEADERS = {
    "tube": ("试管编号", "试管条码", "试管", "管号", "管码", "条码", "条形码", "样本编号", "tube", "barcode"),
    "result": ("检测结果", "核酸结果", "结果", "result"),
    "at": ("报告时间", "检测时间", "时间", "日期", "time", "date"),
}
RESULT_WORDS = vocab.vocabulary({
    "negative": ("negative", "neg", "阴性", "阴", "-", "阴性(-)", "(-)"),
    "positive": ("positive", "pos", "阳性", "阳", "+", "阳性(+)", "(+)"),
    "invalid": ("invalid", "无效", "不合格", "样本不合格"),
})


class ResultsFileError(Exception):
    def __init__(self, message, code="unreadable"):
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass
class ResultRows:
    """The rows of a results file, (row number, tube code, result, time), and what the reading
    noticed about the file as a whole (no header row)."""

    rows: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    name: str = ""

    def __iter__(self):
        return iter(self.rows)

    def __len__(self):
        return len(self.rows)


def result_word(value) -> str | None:
    """negative / positive / invalid for the words labs write (阴性, 陽性, +, ...), or None."""
    return vocab.look_up(RESULT_WORDS, value)


def _columns(cells):
    found = {}
    for index, cell in enumerate(cells):
        text = vocab.fold(cell)
        if not text:
            continue
        for name, words in HEADERS.items():
            if name not in found and any(word in text for word in words):
                found[name] = index
                break
    return found if {"tube", "result"} <= set(found) else None


def _cell(cells, index):
    return cells[index] if index is not None and index < len(cells) else None


def read(path, name="") -> ResultRows:
    """Every non-blank row of the first sheet. Raises ResultsFileError when the file cannot be read."""
    try:
        checked = sheets.check_file(path, name)
        source = next(iter(sheets.open_sources(path, checked)), None)
        if source is None:
            raise ResultsFileError(_("The file has no sheet."), code="no_sheet")
        try:
            return _read(source, name)
        finally:
            source.close()
    except ResultsFileError:
        raise
    except Exception as error:
        known = sheets.as_sheet_error(error)
        if known is None:
            raise
        raise ResultsFileError(known.message, code=known.code) from None


def _read(source, name) -> ResultRows:
    found = ResultRows(name=name)
    columns = None
    for number, cells in source.rows():
        cells = list(cells or [])
        if not any(cell not in (None, "") for cell in cells):
            continue
        if columns is None:
            columns = _columns(cells)
            if columns is not None:
                continue  # the header row
            if len(cells) >= 2 and result_word(cells[1]) is not None:
                columns = {"tube": 0, "result": 1, "at": 2}
                found.notes.append(_("The file has no header row: its columns were read as tube barcode, "
                                     "result, time."))
            else:
                shown = "、".join(str(cell) for cell in cells[:6] if cell not in (None, ""))
                raise ResultsFileError(
                    _("Row %(row)s is not a header this reader knows (%(cells)s): the file needs a column for "
                      "the tube (管号, 试管编号 or 条码) and one for the result (检测结果 or 结果).")
                    % {"row": number, "cells": shown[:200]}, code="unknown_header")
        found.rows.append((number, *(_cell(cells, columns.get(key)) for key in ("tube", "result", "at"))))
    return found


def read_rows(path, name=""):
    """(row number, tube code, result, time) for each row of the first sheet."""
    return iter(read(path, name).rows)


def read_upload(upload) -> ResultRows:
    """An uploaded file (Django's UploadedFile), read from a temporary copy removed at once."""
    suffix = Path(upload.name or "").suffix.lower()
    with tempfile.NamedTemporaryFile(suffix=suffix) as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
        handle.flush()
        return read(handle.name, upload.name)
