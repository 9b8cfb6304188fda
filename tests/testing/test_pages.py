"""The testing pages: rounds, the sampler page, coverage, untested, retests, results upload,
person codes and their printed sheets, pool size advice, antigen self-tests, the template tags."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory

from fangkong.core.models import AuditEntry, TimelineEntry
from fangkong.testing import codes, panels, scanning, services
from fangkong.testing.models import AntigenReport, TestRound


def test_the_command_post_starts_a_round(world, login):
    client = login(world.users["command_post"])
    response = client.post("/testing/new/", {"name": "第二轮", "date": "2026-11-24", "pool_size": "10",
                                             "sampling_points": "广场", "exempt_under_age": "0"})
    round_ = TestRound.objects.get(name="第二轮")
    assert response.status_code == 302 and response["Location"] == f"/testing/{round_.pk}/"
    assert round_.pool_size == 10 and round_.point_list == ["广场"]


def test_a_sampler_may_not_start_a_round(world, login):
    assert login(world.users["sampler"]).get("/testing/new/").status_code == 403


def test_the_sampler_page_fits_a_phone_and_has_no_inline_script(world, login, test_round):
    body = login(world.users["sampler"]).get(f"/testing/{test_round.pk}/sampler/").content.decode()
    assert 'id="sampler-input"' in body and "testing/sampler.js" in body
    assert "<script>" not in body and "onclick" not in body


def test_a_guard_has_no_sampler_page(world, login, test_round):
    assert login(world.users["guard"]).get(f"/testing/{test_round.pk}/sampler/").status_code == 403


def test_the_manual_fallback_answers_json(world, login, test_round):
    body = login(world.users["sampler"]).get(f"/testing/{test_round.pk}/find/?q=564-101").json()
    assert [p["name"] for p in body["persons"]] == ["张三"]
    assert "*" in body["persons"][0]["id_masked"]


def test_the_untested_list_shows_rooms_and_masked_phones(world, login, test_round, sampler, code_of):
    scanning.scan(test_round, "T1", code_of(world.person_a), "s1", sampler)
    body = login(world.users["grid_leader"]).get(f"/testing/{test_round.pk}/untested/").content.decode()
    assert "李四" in body and "139****5679" in body and "13912345679" not in body
    assert "张三" not in body and "王五" not in body  # sampled; other grid


def test_the_untested_list_of_one_building(world, login, test_round):
    body = login(world.users["command_post"]).get(
        f"/testing/{test_round.pk}/untested/?building={world.building_c.pk}").content.decode()
    assert "王五" in body and "李四" not in body


def test_coverage_page_queries_do_not_grow_with_buildings(world, login, test_round, django_assert_max_num_queries):
    client = login(world.users["command_post"])
    client.get(f"/testing/{test_round.pk}/coverage/")
    with django_assert_max_num_queries(12):
        response = client.get(f"/testing/{test_round.pk}/coverage/")
    assert response.status_code == 200 and 'id="testing-buildings"' in response.content.decode()


def test_results_upload_reports_unknown_tubes(world, login, test_round, sampler, code_of):
    scanning.scan(test_round, "T1", code_of(world.person_a), "s1", sampler)
    upload = SimpleUploadedFile("r.csv", b"tube,result,time\nT1,positive,2026-11-23 18:00\nT7,negative,\n")
    body = login(world.users["command_post"]).post(f"/testing/{test_round.pk}/results/",
                                                   {"file": upload}).content.decode()
    assert "T7" in body and 'id="results-report"' in body
    retests = login(world.users["command_post"]).get(f"/testing/{test_round.pk}/retests/").content.decode()
    assert "张三" in retests


def test_the_person_code_page_shows_a_qr(world, login):
    body = login(world.users["building_leader"]).get(f"/testing/code/?person={world.person_a.pk}").content.decode()
    assert 'id="person-qr"' in body and "data:image/svg+xml" in body


def test_the_person_code_of_someone_outside_scope_is_not_found(world, login):
    assert login(world.users["building_leader"]).get(f"/testing/code/?person={world.person_b.pk}").status_code == 404


def test_revoking_a_code_from_the_page(world, login, code_of):
    old = code_of(world.person_a)
    response = login(world.users["building_leader"]).post("/testing/code/revoke/", {"person": world.person_a.pk})
    assert response.status_code == 302
    assert codes.parse(old).version < world.person_a.test_code.__class__.objects.get(person=world.person_a).version


def test_the_code_sheet_of_a_building_is_a_pdf_and_audited(world, login):
    response = login(world.users["command_post"]).get(f"/testing/codes.pdf?building={world.building_a.pk}")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert AuditEntry.objects.filter(action="export", fields="person_codes").exists()


def test_the_code_sheet_of_a_household(world, login):
    response = login(world.users["command_post"]).get(f"/testing/codes.pdf?household={world.household_b1.pk}")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"


def test_the_code_sheet_of_a_building_outside_scope_is_not_found(world, login):
    response = login(world.users["building_leader"]).get(f"/testing/codes.pdf?building={world.building_c.pk}")
    assert response.status_code == 404


def test_the_pool_size_page_advises(world, login):
    body = login(world.users["command_post"]).get("/testing/pool-size/?p=5").content.decode()
    assert 'data-k="5"' in body and "426" in body


def test_a_building_leader_enters_a_whole_buildings_antigen_results(world, login):
    client = login(world.users["building_leader"])
    response = client.post("/testing/antigen/", {"building": world.building_a.pk,
                                                 f"r{world.person_a.pk}": "positive"})
    assert response.status_code == 302
    assert AntigenReport.objects.get(person=world.person_a).result == "positive"
    assert TimelineEntry.objects.filter(person=world.person_a, kind="antigen_positive").exists()


def test_a_building_leader_may_not_enter_another_buildings_results(world, login):
    response = login(world.users["building_leader"]).post("/testing/antigen/", {
        "building": world.building_b.pk, f"r{world.person_b.pk}": "positive"})
    assert response.status_code == 404


def _render(block, user, **kwargs):
    request = RequestFactory().get("/")
    request.user = user
    return block(request, **kwargs)


def test_the_home_panel_raises_antigen_positives(world):
    services.record_antigen(world.users["building_leader"], {world.person_a: "positive"})
    html = _render(panels.home_panel, world.users["command_post"])
    assert "张三" in html and "alert-danger" in html
    assert "张三" not in _render(panels.home_panel, world.users["outsider"])


def test_the_person_file_shows_the_retest_status(world, test_round, sampler, code_of, command):
    scanning.scan(test_round, "T1", code_of(world.person_a), "s1", sampler)
    services.import_results(command, test_round, [(2, "T1", "positive", "")])
    html = _render(panels.person_block, command, person=world.person_a)
    assert 'data-state="retest"' in html


def test_the_home_sampling_list_shows_bedridden_people_not_yet_sampled(world, login, test_round, sampler, code_of):
    from fangkong.core.models import PersonTag

    PersonTag.objects.create(person=world.person_b, tag="bedridden")
    PersonTag.objects.create(person=world.person_a, tag="bedridden")
    scanning.scan(test_round, "T1", code_of(world.person_a), "s1", sampler)
    body = login(world.users["command_post"]).get(f"/testing/{test_round.pk}/home-sampling/").content.decode()
    assert f'data-person="{world.person_b.pk}"' in body and f'data-person="{world.person_a.pk}"' not in body
    assert "王五" not in body  # not bedridden
