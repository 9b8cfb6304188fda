"""Buttons only for what the role may do (issue 12 §5): a read-only role (the district viewer sees
the whole community and changes nothing) gets pages without the forms and links that write, while
the command post's pages have them. Checked by the write's URL, which a form or link must name."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from fangkong.health import services as health
from fangkong.health.models import MeasureKind, RiskArea, State
from fangkong.registry import screening

pytestmark = pytest.mark.django_db


def page(client, user, url):
    client.force_login(user)
    response = client.get(url)
    return response.status_code, response.content.decode()


@pytest.fixture
def sealed(world):
    command = world.users["command_post"]
    today = timezone.localdate()
    health.start_measure(command, world.person_a, MeasureKind.HOME, today, today + timedelta(days=6),
                         state=State.CLOSE_CONTACT, today=today)
    return health.seal_household(command, world.household_a1, number="F-1")


def test_health_pages_show_seal_checks_areas_and_sites_only_to_who_may_write(world, client, sealed):
    area = RiskArea.objects.create(community=world.community, name="东湖区")
    seals = reverse("seal_list") + f"?building={world.building_a.pk}"
    writes = {seals: reverse("seal_check", args=[sealed.pk]), reverse("area_list"): reverse("notice_import"),
              reverse("site_list"): reverse("transfer_create"), reverse("report_scopes"): 'id="report-scope-form"'}
    for url, write in writes.items():
        status, viewer = page(client, world.users["district_viewer"], url)
        assert status == 200 and write not in viewer, f"{url} offers {write} to a read-only role"
        assert write in page(client, world.users["command_post"], url)[1], f"{url} lacks {write}"
    detail = reverse("area_detail", args=[area.pk])
    form = 'method="post" class="fk-narrow"'
    assert form not in page(client, world.users["district_viewer"], detail)[1]
    assert form in page(client, world.users["command_post"], detail)[1]


def test_the_antigen_sheet_has_no_form_for_a_read_only_role(world, client):
    url = reverse("testing_antigen") + f"?building={world.building_a.pk}"
    status, viewer = page(client, world.users["district_viewer"], url)
    assert status == 200 and 'id="antigen-form"' not in viewer
    assert 'id="antigen-form"' in page(client, world.users["command_post"], url)[1]


def test_the_knock_round_offers_closing_and_knocking_only_to_the_command_post(world, client):
    command = world.users["command_post"]
    round_ = screening.create_round(command, world.community, name="第一轮",
                                    starts_at=timezone.now() - timedelta(hours=1))
    close, visit = reverse("round_close", args=[round_.pk]), reverse("round_visit", args=[round_.pk])
    knock = reverse("round_knock", args=[round_.pk]) + f"?building={world.building_a.pk}"
    _, viewer = page(client, world.users["district_viewer"], reverse("round_detail", args=[round_.pk]))
    assert close not in viewer
    assert close in page(client, command, reverse("round_detail", args=[round_.pk]))[1]
    status, viewer = page(client, world.users["district_viewer"], knock)
    assert visit not in viewer
    assert visit in page(client, command, knock)[1]


def test_the_person_and_household_pages_offer_edit_move_and_reveal_only_to_who_may(world, client):
    person = reverse("person_detail", args=[world.person_a.pk])
    household = reverse("household_detail", args=[world.household_a1.pk])
    person_writes = [reverse("person_edit", args=[world.person_a.pk]), reverse("person_move", args=[world.person_a.pk]),
                     reverse("person_reveal", args=[world.person_a.pk, "id_number"]),
                     reverse("health_person_state", args=[world.person_a.pk])]
    for role in ("district_viewer", "guard", "sampler"):
        _, viewer = page(client, world.users[role], person)
        assert not [w for w in person_writes if w in viewer], role
        _, viewer = page(client, world.users[role], household)
        assert reverse("household_edit", args=[world.household_a1.pk]) not in viewer
        assert reverse("health_household_seal", args=[world.household_a1.pk]) not in viewer
    _, command = page(client, world.users["command_post"], person)
    assert all(w in command for w in person_writes)
    _, command = page(client, world.users["command_post"], household)
    assert reverse("household_edit", args=[world.household_a1.pk]) in command
    assert reverse("health_household_seal", args=[world.household_a1.pk]) in command  # not sealed: the seal form
