"""The testing rounds' REST API: scans, batches, results (JSON and files), coverage, scope."""

import io

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile

from fangkong.testing import scanning, services
from fangkong.testing.models import Sample, Tube


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


def test_a_scan_is_accepted_with_201(world, login, test_round, code_of):
    client = login(world.users["sampler"])
    response = post(client, f"/api/testrounds/{test_round.pk}/scan/",
                    {"tube_code": "T1", "person_code": code_of(world.person_a), "client_id": "a1"})
    assert response.status_code == 201 and response.json()["code"] == "accepted"
    again = post(client, f"/api/testrounds/{test_round.pk}/scan/",
                 {"tube_code": "T1", "person_code": code_of(world.person_a), "client_id": "a1"})
    assert again.status_code == 200 and again.json()["repeated"] is True
    assert Sample.objects.count() == 1


def test_a_refused_scan_answers_400_with_its_code(world, login, test_round, code_of):
    client = login(world.users["sampler"])
    post(client, f"/api/testrounds/{test_round.pk}/scan/",
         {"tube_code": "T1", "person_code": code_of(world.person_a), "client_id": "a1"})
    response = post(client, f"/api/testrounds/{test_round.pk}/scan/",
                    {"tube_code": "T2", "person_code": code_of(world.person_a), "client_id": "a2"})
    body = response.json()
    assert response.status_code == 400 and body["code"] == "already_sampled" and body["tube"] == "T1"


def test_a_batch_answers_each_scan_in_order(world, login, test_round, code_of):
    client = login(world.users["sampler"])
    response = post(client, f"/api/testrounds/{test_round.pk}/scans/", {"scans": [
        {"tube_code": "T1", "person_code": code_of(world.person_a), "client_id": "b1"},
        {"tube_code": "T1", "person_code": "bad", "client_id": "b2"},
        {"tube_code": "T1", "person_id": world.person_b.pk, "client_id": "b3"},
    ]})
    assert response.status_code == 200
    assert [a["code"] for a in response.json()["answers"]] == ["accepted", "unknown_code", "accepted"]


def test_a_round_of_another_community_is_not_found(world, login, command, code_of):
    other = services.create_round(world.users["outsider"], world.other_community, name="别处")
    client = login(world.users["sampler"])
    response = post(client, f"/api/testrounds/{other.pk}/scan/",
                    {"tube_code": "T1", "person_code": code_of(world.other_person), "client_id": "x"})
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    del command


def test_results_as_json_are_imported_and_unknown_tubes_reported(world, login, test_round, sampler, code_of):
    scanning.scan(test_round, "T1", code_of(world.person_a), "s1", sampler)
    client = login(world.users["command_post"])
    response = post(client, f"/api/testrounds/{test_round.pk}/results/", {"results": [
        {"tube": "T1", "result": "positive", "at": "2026-11-23 18:00"}, {"tube": "ZZ", "result": "negative"}]})
    body = response.json()
    assert response.status_code == 200 and body["taken"] == 1 and body["unknown"] == [{"row": 2, "tube": "ZZ"}]
    assert Tube.objects.get(code="T1").result == "positive"


def test_a_sampler_may_not_import_results(world, login, test_round):
    response = post(login(world.users["sampler"]), f"/api/testrounds/{test_round.pk}/results/", {"results": []})
    assert response.status_code == 403


def test_a_reading_role_is_refused_before_its_upload_is_read(world, login, test_round):
    """testing.import_results is asked before the body is read: a broken file from a role that may
    not import is 403 with the action's message, not a complaint about the file."""
    upload = SimpleUploadedFile("results.xlsx", b"not a workbook", content_type="application/octet-stream")
    response = login(world.users["sampler"]).post(f"/api/testrounds/{test_round.pk}/results/", {"file": upload})
    assert (response.status_code, response.json()["code"]) == (403, "not_allowed")
    refused = post(login(world.users["guard"]), f"/api/testrounds/{test_round.pk}/close-tube/", {"tube_code": "T1"})
    assert refused.status_code in (403, 404)  # the guard may not scan (and may not see the round)


def test_results_from_a_csv_file(world, login, test_round, sampler, code_of):
    scanning.scan(test_round, "T1", code_of(world.person_a), "s1", sampler)
    upload = SimpleUploadedFile("结果.csv", "试管条码,结果,检测时间\nT1,阴性,2026-11-23 18:00\nT9,阴性,\n"
                                .encode("gb18030"), content_type="text/csv")
    response = login(world.users["command_post"]).post(f"/api/testrounds/{test_round.pk}/results/",
                                                       {"file": upload})
    body = response.json()
    assert response.status_code == 200, body
    assert body["negative"] == 1 and body["unknown"] == [{"row": 3, "tube": "T9"}]


def test_results_from_an_xlsx_file_twice_change_nothing_the_second_time(world, login, test_round, sampler, code_of):
    scanning.scan(test_round, "T1", code_of(world.person_a), "s1", sampler)
    book = openpyxl.Workbook()
    book.active.append(["tube", "result", "time"])
    book.active.append(["T1", "positive", "2026-11-23 18:00"])
    raw = io.BytesIO()
    book.save(raw)
    client = login(world.users["command_post"])
    url = f"/api/testrounds/{test_round.pk}/results/"
    first = client.post(url, {"file": SimpleUploadedFile("r.xlsx", raw.getvalue())}).json()
    second = client.post(url, {"file": SimpleUploadedFile("r.xlsx", raw.getvalue())}).json()
    assert (first["taken"], first["retest_persons"]) == (1, 1)
    assert (second["taken"], second["unchanged"]) == (0, 1)


def test_coverage_through_the_api(world, login, test_round, sampler, code_of):
    scanning.scan(test_round, "T1", code_of(world.person_a), "s1", sampler)
    body = login(world.users["grid_leader"]).get(f"/api/testrounds/{test_round.pk}/coverage/").json()
    assert body["community"]["must"] == 2 and body["community"]["sampled"] == 1
    assert body["community"]["untested"] == 1
