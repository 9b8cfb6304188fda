"""Ledger files for the import and export tests, written the way offices write them."""

import csv
import io
import zipfile
from pathlib import Path

import openpyxl

from tests.factories import id_number

HEADER = ["姓名", "性别", "身份证号", "手机号", "网格", "楼栋", "房号", "人员类型", "特殊人群"]


def person_row(name="陈一", seq=101, phone="13800000101", grid="1", building="564", room="101",
               residency="常住", tags="", sex=None, birth="19800101"):
    number = id_number(seq, birth=birth) if seq else ""
    if sex is None:
        sex = ("男" if seq % 2 else "女") if seq else ""
    return [name, sex, number, phone, grid, building, room, residency, tags]


def write_xlsx(path, rows, header=HEADER, title_rows=(), merges=()):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for title in title_rows:
        sheet.append(title)
    if header is not None:
        sheet.append(header)
    for row in rows:
        sheet.append(row)
    for merge in merges:
        sheet.merge_cells(merge)
    workbook.save(path)
    return Path(path)


def write_csv(path, rows, header=HEADER, encoding="utf-8"):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if header is not None:
        writer.writerow(header)
    writer.writerows(rows)
    Path(path).write_bytes(buffer.getvalue().encode(encoding))
    return Path(path)


def read_xlsx(path) -> list[tuple]:
    workbook = openpyxl.load_workbook(path)
    return [tuple(row) for row in workbook.active.iter_rows(values_only=True)]


def write_zip_bomb(path, size=600 * 1024 * 1024):
    """A workbook-looking zip whose one sheet inflates to ``size`` bytes of nothing."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            block = b"\0" * (1 << 20)
            for _ in range(size >> 20):
                member.write(block)
    return Path(path)


def write_excel_style_xlsx(path, rows, prefix="", merges=()):
    """An .xlsx shaped as Excel and WPS write it (openpyxl writes inline strings instead): a
    shared-string table with rich text runs and phonetic runs, style attributes before the type,
    numbers without a type, and optionally a namespace prefix on every element."""
    from xml.sax.saxutils import escape

    p = f"{prefix}:" if prefix else ""
    ns = (f'xmlns{":" + prefix if prefix else ""}="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
          'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"')
    strings, index = [], {}
    sheet_rows = []
    for r, row in enumerate(rows, start=1):
        cells = []
        for c, value in enumerate(row):
            ref = f"{chr(65 + c)}{r}"
            if value is None:
                continue
            if isinstance(value, int | float):
                cells.append(f'<{p}c r="{ref}" s="1"><{p}v>{value}</{p}v></{p}c>')
                continue
            if value not in index:
                index[value] = len(strings)
                strings.append(value)
            cells.append(f'<{p}c r="{ref}" s="2" t="s"><{p}v>{index[value]}</{p}v></{p}c>')
        sheet_rows.append(f'<{p}row r="{r}" spans="1:{len(row)}">{"".join(cells)}</{p}row>')
    items = []
    for n, text in enumerate(strings):
        if n % 3 == 1 and len(text) > 1:  # rich text in two runs, with a phonetic run to skip
            items.append(f"<{p}si><{p}r><{p}rPr><{p}b/></{p}rPr><{p}t>{escape(text[:1])}</{p}t></{p}r>"
                         f"<{p}r><{p}t xml:space=\"preserve\">{escape(text[1:])}</{p}t></{p}r>"
                         f"<{p}rPh sb=\"0\" eb=\"1\"><{p}t>ピン</{p}t></{p}rPh></{p}si>")
        else:
            items.append(f"<{p}si><{p}t>{escape(text)}</{p}t></{p}si>")
    merge_xml = ""
    if merges:
        merge_xml = (f'<{p}mergeCells count="{len(merges)}">'
                     + "".join(f'<{p}mergeCell ref="{m}"/>' for m in merges) + f"</{p}mergeCells>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats'
                         '.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/>'
                         '</Types>')
        archive.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats'
                         '.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats'
                         '.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
                         '</Relationships>')
        archive.writestr("xl/workbook.xml", f'<?xml version="1.0"?><{p}workbook {ns}><{p}sheets>'
                         f'<{p}sheet name="台账" sheetId="1" r:id="rId1"/></{p}sheets></{p}workbook>')
        archive.writestr("xl/_rels/workbook.xml.rels",
                         '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                         'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                         'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
                         '<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                         'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
        archive.writestr("xl/sharedStrings.xml", f'<?xml version="1.0"?><{p}sst {ns} count="{len(strings)}">'
                         + "".join(items) + f"</{p}sst>")
        archive.writestr("xl/worksheets/sheet1.xml", f'<?xml version="1.0"?><{p}worksheet {ns}><{p}sheetData>'
                         + "".join(sheet_rows) + f"</{p}sheetData>{merge_xml}</{p}worksheet>")
    return Path(path)
