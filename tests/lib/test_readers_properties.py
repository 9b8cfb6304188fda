"""Property tests (hypothesis) for the readers of outside input: whatever the input, no crash,
every row or line accounted for, the same input twice reads the same."""

import csv
import io
import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fangkong.health.notice import parse_notice
from fangkong.lib import sheets
from fangkong.testing import results_file

CJK = ("高中低风险区调整为降新增划定解除封控小区号楼镇村县街道、，,：:;；。()（）"
       "除含其他区域不变特此通告自年月日时起0123456789")
cell = st.text(alphabet=CJK + string.ascii_letters + " -+", max_size=12)
table = st.lists(st.lists(cell, min_size=1, max_size=5), min_size=0, max_size=12)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def write_csv(path, rows):
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


@SETTINGS
@given(rows=table)
def test_the_sheet_reader_gives_every_row_of_a_csv_and_the_same_twice(tmp_path_factory, rows):
    path = tmp_path_factory.mktemp("csv") / "t.csv"
    write_csv(path, [["管号", "结果"], *rows])
    try:
        checked = sheets.check_file(path, "t.csv")
    except sheets.SheetError:
        return  # refused with a message: fine
    def read():
        source = next(iter(sheets.open_sources(path, checked)))
        try:
            return list(source.rows())
        finally:
            source.close()
    first = read()
    assert first == read()
    assert len(first) == 1 + len(rows)


@SETTINGS
@given(rows=table)
def test_the_results_reader_never_crashes_and_accounts_for_every_row(tmp_path_factory, rows):
    path = tmp_path_factory.mktemp("results") / "r.csv"
    write_csv(path, [["管号", "检测结果", "报告时间"], *rows])
    try:
        read = results_file.read(path, "r.csv")
    except results_file.ResultsFileError as error:
        assert error.message
        return
    non_blank = [r for r in rows if any(c.strip() for c in r)]
    assert len(read.rows) == len(non_blank)
    assert read.rows == results_file.read(path, "r.csv").rows


line = st.text(alphabet=CJK, max_size=40)


@settings(max_examples=200, deadline=None)
@given(lines=st.lists(line, max_size=12))
def test_the_notice_parser_never_crashes_and_loses_no_line(lines):
    text = "\n".join(lines)
    parsed = parse_notice(text)
    again = parse_notice(text)
    assert [(c.name, c.parent, c.new_level) for c in parsed.changes] == [
        (c.name, c.parent, c.new_level) for c in again.changes]
    assert parsed.unparsed == again.unparsed
    for unread in parsed.unparsed:
        assert (unread, "unread") in parsed.lines
    for change in parsed.changes:
        assert change.name and "风险等级不变" not in change.name and "其他区域" not in change.name


@SETTINGS
@given(rows=table)
def test_the_ledger_reader_gives_every_non_blank_row_and_the_same_twice(tmp_path_factory, rows):
    from fangkong.registry.ledger.reader import LedgerError, open_ledger

    path = tmp_path_factory.mktemp("ledger") / "l.csv"
    write_csv(path, [["姓名", "楼栋", "房号", "特殊人群"], *rows])

    def read():
        with open_ledger(path, "l.csv") as ledger:
            return list(ledger.rows())

    try:
        first = read()
    except LedgerError as error:
        assert error.message
        return
    assert first == read()
    assert len(first) == len([r for r in rows if any(c.strip() for c in r)])
