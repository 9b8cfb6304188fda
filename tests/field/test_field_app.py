"""The field app's server side: each role's start page, the app's own error pages, impossible
dates as a 400, "signed out" as a JSON 401 the outbox can tell from an answer, the service worker
and manifest, compressed HTML."""

import gzip
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fangkong.health import services as health
from fangkong.health.models import MeasureKind, State
from fangkong.registry import screening
from fangkong.testing import services as testing
from tests.factories import PASSWORD

OUTBOX = {"HTTP_X_FANGKONG_OUTBOX": "1", "HTTP_ACCEPT": "application/json"}


@pytest.fixture
def day_world(world):
    command = world.users["command_post"]
    today = timezone.localdate()
    screening.create_round(command, world.community, name="第一轮", starts_at=timezone.now() - timedelta(hours=1))
    health.start_measure(command, world.person_a, MeasureKind.HOME, today, today + timedelta(days=6),
                         state=State.CLOSE_CONTACT, today=today)
    testing.create_round(command, world.community, name="核酸一轮", pool_size=5, sampling_points="村委会广场")
    return world


def test_signing_in_lands_on_my_work_today(client, world):
    response = client.post(reverse("login"), {"username": "buildingleader", "password": PASSWORD})
    assert settings.LOGIN_REDIRECT_URL == "start"
    assert response.status_code == 302 and response["Location"] == reverse("start")


def test_building_leader_sees_knocks_and_temperatures_of_their_building(login, day_world):
    page = login(day_world.users["building_leader"]).get(reverse("start")).content.decode()
    assert "564" in page and "data-fk-start-item" in page
    assert f"?building={day_world.building_a.pk}" in page
    assert "/health/reports/" in page  # 张三's temperature is still to enter
    assert "data-fk-offline" in page  # the pages are kept on the phone ahead


def test_sampler_sees_todays_round_and_its_point(login, day_world):
    page = login(day_world.users["sampler"]).get(reverse("start")).content.decode()
    assert "核酸一轮" in page and "村委会广场" in page and "/sampler/" in page


def test_guard_and_delivery_volunteer_are_told_what_they_can_do(login, day_world):
    for key in ("guard", "delivery_volunteer"):
        response = login(day_world.users[key]).get(reverse("start"))
        assert response.status_code == 200
        assert "data-fk-role-note" in response.content.decode()


def test_command_post_lands_on_the_community(login, day_world):
    response = login(day_world.users["command_post"]).get(reverse("start"))
    assert response.status_code == 302 and response["Location"] == reverse("home")


@pytest.mark.parametrize("name", ["ending_list", "tests_due_list", "area_list", "seal_list", "reception_list"])
def test_an_impossible_date_in_the_address_is_a_400_that_says_so(login, world, name):
    response = login(world.users["command_post"]).get(reverse(name) + "?day=2026-02-30")
    assert response.status_code == 400
    page = response.content.decode()
    assert "2026-02-30" in page and "YYYY-MM-DD" in page
    assert reverse("start") in page  # the navigation and a way back


def test_a_page_outside_my_places_is_the_apps_own_404_in_chinese(login, world):
    response = login(world.users["building_leader"]).get(reverse("person_detail", args=[world.person_c.pk]))
    assert response.status_code == 404
    page = response.content.decode()
    assert "fk-nav" in page and "data-fk-error=\"404\"" in page
    assert "找不到" in page or "不存在" in page


def test_a_signed_out_write_from_the_outbox_is_a_json_401_not_the_login_page(day_world):
    client = Client()
    url = reverse("round_visit", args=[1])
    plain = client.post(url, {"household": day_world.household_a1.pk, "outcome": "found"})
    assert plain.status_code == 302 and "/accounts/login/" in plain["Location"]
    fetched = client.post(url, {"household": day_world.household_a1.pk, "outcome": "found"}, **OUTBOX)
    assert fetched.status_code == 401 and fetched.json()["code"] == "not_authenticated"


def test_a_stale_csrf_token_tells_the_outbox_to_keep_the_write(day_world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(day_world.users["building_leader"])
    response = client.post(reverse("seal_list"), {}, **OUTBOX)
    assert response.status_code == 403 and response.json()["code"] == "csrf"


def test_a_bad_temperature_sent_by_the_outbox_is_refused_with_a_code(login, day_world):
    client = login(day_world.users["building_leader"])
    url = reverse("report_building") + f"?building={day_world.building_a.pk}"
    response = client.post(url, {f"t{day_world.person_a.pk}": "99.9"}, **OUTBOX)
    assert response.status_code == 400 and response.json()["code"] == "bad_temperature"
    assert "张三" in response.json()["message"]
    saved = client.post(url, {f"t{day_world.person_a.pk}": "36.6"}, **OUTBOX)
    assert saved.status_code == 200 and saved.json()["ok"] is True


def test_the_service_worker_and_manifest_are_served_for_the_whole_site(login, world):
    client = login(world.users["building_leader"])
    sw = client.get("/sw.js")
    assert sw.status_code == 200 and sw["Content-Type"].startswith("text/javascript")
    assert sw["Service-Worker-Allowed"] == "/" and "fk-shell-" in sw.content.decode()
    manifest = client.get("/manifest.webmanifest").json()
    assert manifest["start_url"] == reverse("start") and manifest["display"] == "standalone"
    assert {icon["sizes"] for icon in manifest["icons"]} == {"192x192", "512x512"}


def test_pages_are_sent_compressed(login, day_world):
    client = login(day_world.users["building_leader"])
    response = client.get(reverse("start"), HTTP_ACCEPT_ENCODING="gzip")
    assert response["Content-Encoding"] == "gzip"
    assert b"fk-start" in gzip.decompress(response.content)


def test_the_manual_fallback_finds_tubes_by_the_digits_still_readable(login, day_world):
    from fangkong.testing.models import TestRound, Tube

    round_ = TestRound.objects.get(name="核酸一轮")
    Tube.objects.create(community=day_world.community, round=round_, code="20221201007", pool_size=5)
    client = login(day_world.users["sampler"])
    found = client.get(reverse("testround_find", args=[round_.pk]) + "?q=1007").json()
    assert [t["code"] for t in found["tubes"]] == ["20221201007"]


def test_a_saved_fever_stays_visibly_a_fever_with_its_symptoms(login, day_world):
    client = login(day_world.users["building_leader"])
    url = reverse("report_building") + f"?building={day_world.building_a.pk}"
    client.post(url, {f"t{day_world.person_a.pk}": "37.3", f"s{day_world.person_a.pk}": ["cough"]})
    page = client.get(url).content.decode()
    assert "data-fk-fever" in page and "is-invalid" in page
    assert "<details class=\"mt-1\" open>" in page and 'value="cough" checked' in page


def test_codes_are_shown_as_words_in_chinese(db):
    from django.utils import translation

    from fangkong.core.templatetags.fk_labels import choice_label, field_label

    with translation.override("zh-hans"):
        assert "cough" not in str(choice_label("cough,sore_throat"))
        assert str(field_label("temperature")) != "temperature"
        assert str(choice_label("broken")) == "破损"
