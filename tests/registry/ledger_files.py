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
