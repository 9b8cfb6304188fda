"""Lab results files (.csv, .xlsx, .xls): tube code, result, time. Read with the ledger reader
(``registry.ledger.reader``: checks by content, streams rows, decodes GB18030 CSV).

The header row is found by its words (试管/条码/tube, 结果/result, 时间/time); a file without a
header is read as three columns in that order."""

from django.utils.translation import gettext as _

from fangkong.registry.ledger import reader

HEADERS = {
    "tube": ("试管", "条码", "管码", "tube", "barcode"),
    "result": ("结果", "result"),
    "at": ("时间", "time", "date", "日期"),
}


class ResultsFileError(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


def _columns(cells):
    found = {}
    for index, cell in enumerate(cells):
        text = str(cell or "").strip().lower()
        for name, words in HEADERS.items():
            if name not in found and any(word in text for word in words):
                found[name] = index
    return found if {"tube", "result"} <= set(found) else None


def _sources(path, name):
    try:
        checked = reader.check_file(path, name)
    except reader.LedgerError as error:
        raise ResultsFileError(error.message) from None
    if checked.kind == "xlsx":
        return reader.XlsxSource.sheets(path)
    if checked.kind == "xls":
        return reader.CalamineSource.sheets(path)
    return iter([reader.CsvSource(path, checked.encoding)])


def _cell(cells, index):
    return cells[index] if index is not None and index < len(cells) else None


def read_rows(path, name=""):
    """(row number, tube code, result, time) for each row of the first sheet."""
    source = next(iter(_sources(path, name)), None)
    if source is None:
        raise ResultsFileError(_("The file has no sheet."))
    try:
        columns = None
        for number, cells in source.rows():
            cells = list(cells or [])
            if not any(cell not in (None, "") for cell in cells):
                continue
            if columns is None:
                columns = _columns(cells)
                if columns is not None:
                    continue  # the header row
                columns = {"tube": 0, "result": 1, "at": 2}
            yield number, *(_cell(cells, columns.get(key)) for key in ("tube", "result", "at"))
    finally:
        source.close()
