"""Lab results never lose a positive: rows that disagree, later files that would undo a result,
corrections by hand, and the header words labs write."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook

from fangkong.core.actions import NotAllowed
from fangkong.core.models import AuditEntry, TimelineEntry
from fangkong.health.models import KeyPerson, State
from fangkong.testing import results_file, scanning, services
from fangkong.testing.models import Sample, Tube

from .test_results import rows


class Named(list):
    """Rows as a results file gives them: with the file's name."""

    def __init__(self, name, items):
        super().__init__(items)
        self.name = name


@pytest.fixture(autouse=True)
def in_english():
    # The report's words are asserted in English; the site's default language is Chinese.
    with translation.override("en"):
        yield


@pytest.fixture
def sampled(world, test_round, sampler, code_of, cid):
    scanning.scan(test_round, "T1", code_of(world.person_a), cid(), sampler)
    scanning.scan(test_round, "T1", code_of(world.person_b), cid(), sampler)
    scanning.scan(test_round, "T2", code_of(world.person_c), cid(), sampler)
    return test_round


def test_a_tube_listed_positive_then_negative_stays_positive_and_is_held(world, sampled, command):
    report = services.import_results(command, sampled, rows(("T1", "阳性"), ("T1", "阴性")))
    assert report.conflicts == [{"tube": "T1", "rows": [{"row": 2, "result": "positive"},
                                                        {"row": 3, "result": "negative"}], "kept": "positive"}]
    tube = Tube.objects.get(code="T1")
    assert tube.result == "positive" and len(tube.result_conflict) == 2
    assert set(services.retest_persons(sampled)) == {world.person_a, world.person_b}
    assert list(services.held_conflicts(sampled)) == [tube]


def test_the_same_conflicting_file_twice_changes_nothing(world, sampled, command):
    services.import_results(command, sampled, rows(("T1", "阴性"), ("T1", "阳性")))
    audits = AuditEntry.objects.count()
    again = services.import_results(command, sampled, rows(("T1", "阴性"), ("T1", "阳性")))
    assert (again.taken, again.unchanged, len(again.conflicts)) == (0, 1, 1)
    assert AuditEntry.objects.count() == audits


def test_a_later_file_cannot_undo_a_positive(world, sampled, command):
    services.import_results(command, sampled, Named("lab-1.xlsx", rows(("T1", "阳性"))))
    report = services.import_results(command, sampled, Named("lab-2.xlsx", rows(("T2", "阴性"), ("T1", "阴性"))))
    assert report.taken == 1
    assert report.refused == [{"row": 3, "tube": "T1", "result": "negative", "current": "positive",
                               "since": "file lab-1.xlsx, row 2"}]
    assert Tube.objects.get(code="T1").result == "positive"
    assert KeyPerson.objects.get(person=world.person_a).state == State.POOL_POSITIVE
    assert world.person_a in services.retest_persons(sampled)


def test_a_later_positive_raises_an_earlier_negative_and_says_so(world, sampled, command):
    services.import_results(command, sampled, Named("lab-1.csv", rows(("T1", "阴性"))))
    report = services.import_results(command, sampled, Named("lab-2.csv", rows(("T1", "陽性"))))
    assert report.taken == 1 and report.raised[0]["was"] == "negative"
    assert world.person_a in services.retest_persons(sampled)


def test_a_correction_takes_a_positive_pool_off_the_retest_list_and_clears_its_people(world, sampled, command):
    services.import_results(command, sampled, rows(("T1", "阳性")))
    tube = services.correct_result(command, sampled, "t1", "阴性", "实验室复核报告更正")
    assert tube.result == "negative" and tube.correction_reason == "实验室复核报告更正"
    assert not services.retest_persons(sampled).exists()
    assert KeyPerson.objects.get(person=world.person_a).state == State.CLEARED
    entry = AuditEntry.objects.get(object_type="tube")
    assert entry.changes == {"result": ["positive", "negative"]} and entry.reason == "实验室复核报告更正"
    assert TimelineEntry.objects.filter(person=world.person_a, kind="test_correction").count() == 1


def test_a_correction_keeps_a_case_that_is_more_than_awaiting_retest(world, sampled, command):
    from fangkong.health import services as health

    services.import_results(command, sampled, rows(("T1", "阳性")))
    health.set_state(command, world.person_b, State.CONFIRMED)
    services.correct_result(command, sampled, "T1", "negative", "lab withdrew")
    assert KeyPerson.objects.get(person=world.person_b).state == State.CONFIRMED


def test_a_correction_to_positive_puts_the_pool_on_the_retest_list(world, sampled, command):
    services.import_results(command, sampled, rows(("T2", "阴性")))
    services.correct_result(command, sampled, "T2", "positive", "lab called")
    assert world.person_c in services.retest_persons(sampled)
    assert KeyPerson.objects.get(person=world.person_c).state == State.POOL_POSITIVE


def test_a_correction_needs_a_reason_and_a_tube_of_the_round(world, sampled, command):
    services.import_results(command, sampled, rows(("T1", "阳性")))
    with pytest.raises(services.TestingError) as refused:
        services.correct_result(command, sampled, "T1", "negative", "  ")
    assert refused.value.code == "reason_required"
    with pytest.raises(services.TestingError) as refused:
        services.correct_result(command, sampled, "NOPE", "negative", "why")
    assert refused.value.code == "unknown_tube"
    assert Tube.objects.get(code="T1").result == "positive"


def test_a_building_leader_cannot_correct_a_result(world, sampled, command):
    services.import_results(command, sampled, rows(("T1", "阳性")))
    with pytest.raises(NotAllowed) as refused:
        services.correct_result(world.users["building_leader"], sampled, "T1", "negative", "why")
    assert refused.value.code == "not_allowed"


def test_reimporting_the_old_file_after_a_correction_changes_nothing(world, sampled, command):
    services.import_results(command, sampled, rows(("T1", "阳性"), ("T1", "阴性")))
    services.correct_result(command, sampled, "T1", "negative", "single-tube retests all negative")
    again = services.import_results(command, sampled, rows(("T1", "阳性"), ("T1", "阴性")))
    assert again.taken == 0 and again.refused[0]["since"] == "a correction by hand"
    assert Tube.objects.get(code="T1").result == "negative"
    assert not services.held_conflicts(sampled).exists()


def test_a_correction_from_invalid_gives_the_samples_back(world, sampled, command):
    services.import_results(command, sampled, rows(("T1", "invalid")))
    services.correct_result(command, sampled, "T1", "negative", "lab re-ran the tube")
    assert Sample.objects.filter(tube__code="T1", void=False).count() == 2


# --- the file ---------------------------------------------------------------------------------


def xlsx(rows_):
    book = Workbook()
    for row in rows_:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize("header", [("管号", "检测结果", "报告时间"), ("试管编号", "结果", "时间"),
                                    ("條碼", "檢測結果", "報告時間"), ("序号", "条码", "检测结果")])
def test_the_header_words_labs_write_are_recognised(tmp_path, header):
    path = tmp_path / "r.xlsx"
    data = ["1", "T1", "陽性"] if header[0] == "序号" else ["T1", "陽性", "2026-11-23 18:00"]
    path.write_bytes(xlsx([header, data]))
    read = results_file.read(path, "r.xlsx")
    assert [(r[1], results_file.result_word(r[2])) for r in read.rows] == [("T1", "positive")]
    assert read.notes == []


def test_a_file_without_a_header_is_read_by_position_and_says_so(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("T1,阴性,2026-11-23 18:00\n", encoding="utf-8")
    read = results_file.read(path, "r.csv")
    assert read.rows == [(1, "T1", "阴性", "2026-11-23 18:00")] and len(read.notes) == 1


def test_an_unrecognised_header_is_refused_not_read_by_position(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("编码,状态,备注\nT1,阴性,\n", encoding="utf-8")
    with pytest.raises(results_file.ResultsFileError) as refused:
        results_file.read(path, "r.csv")
    assert refused.value.code == "unknown_header" and "编码" in refused.value.message


def test_a_corrupt_xlsx_is_refused(tmp_path):
    path = tmp_path / "r.xlsx"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("xl/workbook.xml", '<workbook><sheets><sheet name="a" r:id="rId1"/></sheets></workbook>')
        archive.writestr("xl/_rels/workbook.xml.rels",
                         '<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.xml"/></Relationships>')
        archive.writestr("xl/worksheets/sheet1.xml", "garbage, not a sheet")
    path.write_bytes(out.getvalue())
    with pytest.raises(results_file.ResultsFileError) as refused:
        results_file.read(path, "r.xlsx")
    assert refused.value.code == "bad_zip"


def test_a_truncated_xlsx_is_refused(tmp_path):
    path = tmp_path / "r.xlsx"
    path.write_bytes(xlsx([("管号", "结果"), ("T1", "阴性")])[:300])
    with pytest.raises(results_file.ResultsFileError):
        results_file.read(path, "r.xlsx")


def test_a_cell_over_the_csv_limit_is_refused_with_a_message(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("管号,结果\nT1," + "x" * 140_000 + "\n", encoding="utf-8")
    with pytest.raises(results_file.ResultsFileError) as refused:
        results_file.read(path, "r.csv")
    assert refused.value.code == "too_odd"


# --- the pages --------------------------------------------------------------------------------


def test_the_results_page_shows_held_rows_and_refusals(client, world, sampled, command):
    client.force_login(command)
    services.import_results(command, sampled, Named("lab-1.csv", rows(("T1", "阳性"))))
    upload = SimpleUploadedFile("lab-2.csv", "管号,结果\nT1,阴性\nT2,阳性\nT2,阴性\n".encode())
    page = client.post(reverse("testround_results", args=[sampled.pk]), {"file": upload})
    assert page.status_code == 200
    text = page.content.decode()
    assert 'id="results-refused"' in text and "lab-1.csv" in text
    assert 'id="results-held"' in text and "T2" in text


def test_the_results_page_refuses_an_unreadable_file_without_a_500(client, world, sampled, command):
    client.force_login(command)
    upload = SimpleUploadedFile("lab.csv", ("管号,结果\nT1," + "x" * 140_000).encode())
    page = client.post(reverse("testround_results", args=[sampled.pk]), {"file": upload})
    assert page.status_code == 200 and "131,072" in page.content.decode()


def test_the_correction_page_corrects_with_a_reason(client, world, sampled, command):
    client.force_login(command)
    services.import_results(command, sampled, rows(("T1", "阳性")))
    url = reverse("testround_correct", args=[sampled.pk])
    assert client.get(url + "?tube=T1").status_code == 200
    page = client.post(url, {"tube_code": "T1", "result": "negative", "reason": ""})
    assert page.status_code == 200 and Tube.objects.get(code="T1").result == "positive"
    page = client.post(url, {"tube_code": "T1", "result": "negative", "reason": "复核阴性"})
    assert page.status_code == 302 and Tube.objects.get(code="T1").result == "negative"


def test_the_results_api_answers_a_cell_over_the_limit_with_400_and_reports_conflicts(client, world, sampled,
                                                                                      command):
    client.force_login(command)
    url = f"/api/testrounds/{sampled.pk}/results/"
    upload = SimpleUploadedFile("lab.csv", ("管号,结果\nT1," + "x" * 140_000).encode(), content_type="text/csv")
    response = client.post(url, {"file": upload})
    assert response.status_code == 400 and "131,072" in response.content.decode()
    upload = SimpleUploadedFile("lab.csv", "管号,结果\nT1,阳性\nT1,阴性\n".encode(), content_type="text/csv")
    body = client.post(url, {"file": upload}).json()
    assert body["conflicts"][0]["kept"] == "positive" and body["positive"] == 1
