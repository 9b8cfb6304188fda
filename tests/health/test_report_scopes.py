"""Temperatures for every household (issue 12 §6): the command post turns daily reports on for a
building, a grid or the community; the one-screen entry, the missing list and the fever rule then
cover those people, not only people under a measure."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from fangkong.core.actions import NotAllowed
from fangkong.core.models import AuditEntry, Person
from fangkong.health import services
from fangkong.health.models import HealthReport, KeyPerson, ReportMode, ReportScope, State

pytestmark = pytest.mark.django_db


@pytest.fixture
def today():
    return timezone.localdate()


def sheet_names(client, building):
    return client.get(reverse("report_building") + f"?building={building.pk}").content.decode()


def test_a_building_switched_on_puts_everyone_on_the_sheet_and_a_fever_is_raised(world, login, today):
    command = world.users["command_post"]
    client = login(world.users["building_leader"])
    assert "张三" not in sheet_names(client, world.building_a)  # nobody under a measure
    services.require_reports(command, world.community, building=world.building_a)
    page = sheet_names(client, world.building_a)
    assert "张三" in page
    url = reverse("report_building") + f"?building={world.building_a.pk}"
    client.post(url, {f"t{world.person_a.pk}": "37.3", f"s{world.person_a.pk}": "cough"})
    assert HealthReport.objects.get(person=world.person_a).temperature == Decimal("37.3")
    assert KeyPerson.objects.get(person=world.person_a).state == State.FEVER
    again = sheet_names(client, world.building_a)
    # A saved fever stays visibly one: a red badge, the symptom still ticked, no green tick.
    assert "data-fk-fever" in again and "✓ 37.3" not in again
    assert 'value="cough" checked' in again
    assert AuditEntry.objects.filter(object_type__icontains="reportscope").exists()


def test_one_per_household_asks_only_the_householder(world, login, today):
    command = world.users["command_post"]
    wife = Person.objects.create(community=world.community, household=world.household_a1, name="李梅",
                                 relation="配偶")
    head = Person.objects.create(community=world.community, household=world.household_a1, name="张大",
                                 relation="户主")
    services.require_reports(command, world.community, grid=world.grid1, mode=ReportMode.HOUSEHOLD)
    owed = set(services.to_report(command, today).values_list("name", flat=True))
    assert head.name in owed and wife.name not in owed and world.person_a.name not in owed
    assert world.person_b.name in owed  # building 17 is in grid 1 too; its only person reports
    assert world.person_c.name not in owed  # grid 2 was not switched on


def test_the_missing_list_counts_the_switched_on_community_and_stops_when_switched_off(world, login, today):
    command = world.users["command_post"]
    scope = services.require_reports(command, world.community)
    missing = {row["household__building__door_number"]: row["missing"]
               for row in services.missing_reports(command, today)}
    assert missing == {"564": 1, "17": 1, "800": 1}
    services.stop_reports(command, scope, today - timedelta(days=1))
    assert not list(services.missing_reports(command, today))


def test_only_the_command_post_switches_reports_on_and_sees_the_form(world, login):
    with pytest.raises(NotAllowed):
        services.require_reports(world.users["grid_leader"], world.community)
    page = login(world.users["grid_leader"]).get(reverse("report_scopes")).content.decode()
    assert 'id="report-scope-form"' not in page
    response = login(world.users["grid_leader"]).post(reverse("report_scopes"), {"place": "c", "mode": "everyone"})
    assert response.status_code == 403 and not ReportScope.objects.exists()
    client = login(world.users["command_post"])
    assert 'id="report-scope-form"' in client.get(reverse("report_scopes")).content.decode()
    client.post(reverse("report_scopes"), {"place": f"b{world.building_b.pk}", "mode": "everyone", "since": ""})
    assert ReportScope.objects.get().building == world.building_b


def test_a_scope_form_with_a_bad_date_says_so_and_saves_nothing(world, login):
    client = login(world.users["command_post"])
    response = client.post(reverse("report_scopes"), {"place": "c", "mode": "everyone", "since": "2026-02-30"})
    assert response.status_code == 400 and not ReportScope.objects.exists()
