"""The health pages as their users see them: the register, the ending list, arrivals, notices,
the policy table, sites and transfers, seals, reception and the building's temperature screen."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from fangkong.core.models import AuditEntry, Household, Person
from fangkong.health import panels, services
from fangkong.health.models import (
    ArrivalStatus,
    HealthReport,
    KeyPerson,
    Level,
    LevelChange,
    Measure,
    MeasureKind,
    PolicyStep,
    QuarantineSite,
    RiskArea,
    SealCheck,
    SealResult,
    State,
    TransferStatus,
)

from .test_notice import NOTICE

DAY = timedelta(days=1)


@pytest.fixture
def command(world):
    return world.users["command_post"]


@pytest.fixture
def today():
    return timezone.localdate()


def home_quarantine(actor, person, today, state=State.CLOSE_CONTACT, days=7):
    return services.start_measure(actor, person, MeasureKind.HOME, today, today + (days - 1) * DAY, state=state,
                                  today=today)


# --- register ---------------------------------------------------------------------------------


def test_register_shows_one_line_per_person_with_colour_state_measure_and_days_left(world, command, login, today):
    home_quarantine(command, world.person_a, today)
    body = login(command).get(reverse("keyperson_list")).content.decode()
    assert "张三" in body and "fk-colour-orange" in body and "Close contact" in body
    assert "Home quarantine" in body and "6 days left" in body and "564-101" in body
    assert "buildingleader" in body  # responsible


def test_register_filters_by_colour_state_and_building(world, command, login, today):
    home_quarantine(command, world.person_a, today)
    home_quarantine(command, world.person_c, today, state=State.CONFIRMED)
    client = login(command)
    assert "王五" not in client.get(reverse("keyperson_list"), {"colour": "orange"}).content.decode()
    assert "张三" not in client.get(reverse("keyperson_list"), {"state": "confirmed"}).content.decode()
    body = client.get(reverse("keyperson_list"), {"building": world.building_c.pk}).content.decode()
    assert "王五" in body and "张三" not in body


def test_register_lists_in_a_fixed_number_of_queries(world, command, login, today, django_assert_max_num_queries):
    household = world.household_a1
    for n in range(30):
        person = Person.objects.create(community=world.community, household=household, name=f"人{n}")
        home_quarantine(command, person, today)
    client = login(command)
    services.catch_up()  # once a day, not per page
    with django_assert_max_num_queries(12):
        response = client.get(reverse("keyperson_list"))
    assert response.content.decode().count("fk-colour-orange") == 30


def test_building_leader_sees_only_key_persons_of_own_buildings(world, command, login, today):
    home_quarantine(command, world.person_a, today)
    home_quarantine(command, world.person_b, today)
    body = login(world.users["building_leader"]).get(reverse("keyperson_list")).content.decode()
    assert "张三" in body and "李四" not in body


def test_changing_a_state_on_the_page_is_recorded(world, command, login, today):
    response = login(command).post(reverse("health_person_state", args=[world.person_a.pk]),
                                   {"state": State.SUSPECTED, "on": today.isoformat(), "reason": "CT异常"})
    key = KeyPerson.objects.get(person=world.person_a)
    assert response.status_code == 302 and key.state == State.SUSPECTED and key.colour == "red"


def test_sampler_may_not_change_a_state(world, login):
    # The sampler reads no person file (core.scope.READ_ROLES): not found; the district viewer
    # reads it and may not change it.
    response = login(world.users["sampler"]).post(reverse("health_person_state", args=[world.person_a.pk]),
                                                  {"state": State.FEVER})
    assert response.status_code == 404 and not KeyPerson.objects.exists()
    response = login(world.users["district_viewer"]).post(reverse("health_person_state", args=[world.person_a.pk]),
                                                          {"state": State.FEVER})
    assert response.status_code == 403 and not KeyPerson.objects.exists()


def test_ending_page_lists_today_and_tomorrow(world, command, login, today):
    home_quarantine(command, world.person_a, today - 6 * DAY)
    home_quarantine(command, world.person_b, today - 5 * DAY)
    body = login(command).get(reverse("ending_list")).content.decode()
    today_part, tomorrow_part = body.split("Ending tomorrow")
    assert "张三" in today_part and "李四" in tomorrow_part


# --- arrivals ---------------------------------------------------------------------------------


@pytest.fixture
def high_area(world, command):
    area = services.get_or_create_area(world.community, "江滨壹号小区", "商州区城关街办郭村社区")
    services.record_level(command, area, Level.HIGH, timezone.now() - 10 * DAY, "第10号")
    return area


def test_arrival_form_proposes_and_confirm_starts_central_quarantine(world, command, login, today, high_area):
    client = login(command)
    response = client.post(reverse("arrival_create", args=[world.person_a.pk]), {
        "origin_area": high_area.pk, "travel_date": today.isoformat(), "arrival_date": today.isoformat(),
        "transport": "自驾"})
    report = world.person_a.arrivals.get()
    assert response.url == reverse("arrival_detail", args=[report.pk])
    assert "Central quarantine" in client.get(response.url).content.decode()
    client.post(response.url, {"action": "confirm"})
    assert list(Measure.objects.filter(person=world.person_a).values_list("kind", flat=True)) == [
        MeasureKind.CENTRAL, MeasureKind.MONITORING]


def test_arrival_from_unknown_place_asks_for_a_decision(world, command, login, today):
    client = login(command)
    response = client.post(reverse("arrival_create", args=[world.person_a.pk]), {
        "origin_text": "广州市某区", "travel_date": today.isoformat(), "arrival_date": today.isoformat()})
    page = client.get(response.url).content.decode()
    assert "choose the measure" in page
    client.post(response.url, {"action": "confirm"})
    assert not Measure.objects.exists()
    client.post(response.url, {"action": "override", "kind": MeasureKind.HOME, "start": today.isoformat(),
                               "end": (today + 6 * DAY).isoformat(), "reason": "广州当日有中风险区"})
    report = world.person_a.arrivals.get()
    assert report.status == ArrivalStatus.OVERRIDDEN and Measure.objects.get().kind == MeasureKind.HOME


def test_arrival_search_finds_people_in_scope_only(world, login):
    body = login(world.users["building_leader"]).get(reverse("arrival_list"), {"q": "李四"}).content.decode()
    assert reverse("arrival_create", args=[world.person_b.pk]) not in body


# --- notices, areas, policy -------------------------------------------------------------------


def test_pasted_notice_is_reviewed_then_confirmed_into_the_register(world, command, login):
    client = login(command)
    page = client.post(reverse("notice_import"), {"text": NOTICE})
    formset = page.context["formset"]
    assert formset.total_form_count() == 27
    data = {"confirm": "1", "number": "第20号", "form-TOTAL_FORMS": "27", "form-INITIAL_FORMS": "27"}
    for n, form in enumerate(formset):
        for name in ("name", "parent", "new_level"):
            data[f"form-{n}-{name}"] = form.initial[name]
        data[f"form-{n}-effective_from"] = form.initial["effective_from"].strftime("%Y-%m-%dT%H:%M")
        if n != 1:
            data[f"form-{n}-take"] = "on"
    response = client.post(reverse("notice_import"), data)
    assert response.status_code == 302
    assert RiskArea.objects.filter(community=world.community).count() == 26
    change = LevelChange.objects.get(area__name="君诚酒店")
    assert change.level == Level.MEDIUM and change.notice_number == "第20号"
    assert AuditEntry.objects.filter(object_type="riskarea", reason="第20号").count() == 26


def test_unreadable_lines_of_a_notice_are_shown_for_manual_entry(world, command, login):
    text = NOTICE.replace("一、高风险区降为中风险区(5个)", "一、以下区域调整管控措施(5个)")
    body = login(command).post(reverse("notice_import"), {"text": text}).content.decode()
    assert 'id="unparsed"' in body and "君诚酒店" in body.split('id="unparsed"')[1]


def test_only_the_command_post_imports_notices(world, login):
    assert login(world.users["grid_leader"]).get(reverse("notice_import")).status_code == 403


def test_area_page_shows_the_level_on_a_chosen_day(world, command, login, high_area):
    services.record_level(command, high_area, Level.LOW, timezone.now() - 2 * DAY, "第20号")
    client = login(command)
    earlier = (timezone.localdate() - 5 * DAY).isoformat()
    assert "fk-colour-red" in client.get(reverse("area_list"), {"day": earlier}).content.decode()
    assert "fk-colour-yellow" in client.get(reverse("area_list")).content.decode()


def test_command_post_edits_the_policy_table(world, command, login):
    data = {"form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "0", "form-0-level": "high", "form-0-order": "1",
            "form-0-kind": MeasureKind.CENTRAL, "form-0-days": "14", "form-0-test_days": "1,7,14"}
    response = login(command).post(reverse("policy_edit"), data)
    assert response.status_code == 302
    assert list(PolicyStep.objects.values_list("level", "days")) == [("high", 14)]


def test_grid_leader_may_read_but_not_save_the_policy(world, login):
    client = login(world.users["grid_leader"])
    assert client.get(reverse("policy_edit")).status_code == 200
    assert client.post(reverse("policy_edit"), {"form-TOTAL_FORMS": "0", "form-INITIAL_FORMS": "0"}).status_code == 403


# --- quarantine -------------------------------------------------------------------------------


@pytest.fixture
def site(world):
    return QuarantineSite.objects.create(community=world.community, name="君诚酒店", address="北新街", rooms=2,
                                         capacity=2, contact_name="王经理", contact_phone="13900000000")


def central(actor, person, today):
    return services.start_measure(actor, person, MeasureKind.CENTRAL, today, today + 6 * DAY,
                                  state=State.CLOSE_CONTACT, today=today)


def test_site_shows_occupancy_and_free_places(world, command, login, site, today):
    services.create_transfer(command, site, [central(command, world.person_a, today)], "陕H1", timezone.now())
    [row] = services.sites_with_occupancy(command, today)
    assert (row.occupied, row.free) == (1, 1)
    assert "1 free" in login(command).get(reverse("site_list")).content.decode()


def test_a_full_site_refuses_a_transfer(world, command, site, today):
    services.create_transfer(command, site, [central(command, p, today) for p in (world.person_a, world.person_b)],
                             "陕H1", timezone.now())
    with pytest.raises(services.HealthError) as error:
        services.create_transfer(command, site, [central(command, world.person_c, today)], "陕H2", timezone.now())
    assert error.value.code == "site_full"


def test_transfer_page_is_a_manifest_and_moves_everyone_on(world, command, login, site, today):
    client = login(command)
    measures = [central(command, p, today) for p in (world.person_a, world.person_b)]
    response = client.post(reverse("transfer_create"), {
        "site": site.pk, "vehicle": "陕H12345", "departs_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "measures": [m.pk for m in measures]})
    manifest = client.get(response.url).content.decode()
    assert "陕H12345" in manifest and "张三" in manifest and "李四" in manifest
    assert world.person_a.id_masked in manifest and world.person_a.id_number not in manifest
    client.post(response.url, {"status": TransferStatus.IN_TRANSIT})
    assert set(Measure.objects.values_list("transfer_status", flat=True)) == {TransferStatus.IN_TRANSIT}


def test_building_leader_checks_seals_and_a_broken_one_reaches_the_panel(world, command, login, today):
    seal = services.seal_household(command, world.household_a1)
    client = login(world.users["building_leader"])
    assert "Not checked" in client.get(reverse("seal_list")).content.decode()
    client.post(reverse("seal_check", args=[seal.pk]), {"result": SealResult.BROKEN})
    assert SealCheck.objects.get().result == SealResult.BROKEN
    client.post(reverse("seal_check", args=[seal.pk]), {"result": SealResult.BROKEN})
    assert SealCheck.objects.count() == 1
    assert [s.household for s in services.broken_seals(command, today)] == [world.household_a1]


def test_building_leader_cannot_check_another_buildings_seal(world, command, login):
    seal = services.seal_household(command, world.household_b1)
    response = login(world.users["building_leader"]).post(reverse("seal_check", args=[seal.pk]),
                                                          {"result": SealResult.INTACT})
    assert response.status_code == 404


def test_reception_lists_people_due_back_and_starts_monitoring(world, command, login, today):
    measure = services.start_measure(command, world.person_a, MeasureKind.CENTRAL, today - 7 * DAY, today - DAY,
                                     state=State.CLOSE_CONTACT, today=today - 7 * DAY)
    client = login(command)
    assert "张三" in client.get(reverse("reception_list")).content.decode()
    client.post(reverse("measure_receive", args=[measure.pk]), {"next_days": "3", "note": "核酸阴性"})
    monitoring = Measure.objects.get(kind=MeasureKind.MONITORING)
    assert (monitoring.start, monitoring.end) == (today, today + 2 * DAY)
    assert KeyPerson.objects.get(person=world.person_a).measure == monitoring
    assert "received" in client.get(reverse("reception_list")).content.decode()


def test_violation_is_recorded_with_what_was_done(world, command, login, today):
    login(command).post(reverse("violation_create", args=[world.person_a.pk]),
                        {"on": today.isoformat(), "what": "擅自外出", "action": "劝返并加强巡查"})
    assert AuditEntry.objects.filter(object_type="violation", person=world.person_a).exists()


# --- daily reports ----------------------------------------------------------------------------


def test_building_screen_saves_everyone_at_once_and_raises_fever(world, command, login, today):
    other = Person.objects.create(community=world.community, household=world.household_a1, name="张四")
    for person in (world.person_a, other):
        home_quarantine(command, person, today)
    client = login(world.users["building_leader"])
    url = reverse("report_building") + f"?building={world.building_a.pk}"
    page = client.get(url).content.decode()
    assert "张三" in page and "张四" in page
    client.post(url, {f"t{world.person_a.pk}": "365", f"t{other.pk}": "37.6"})
    assert HealthReport.objects.get(person=world.person_a).temperature == Decimal("36.5")
    assert KeyPerson.objects.get(person=other).state == State.FEVER
    client.post(url, {f"t{world.person_a.pk}": "36.7", f"t{other.pk}": "37.6"})
    assert HealthReport.objects.count() == 2


def test_a_temperature_that_cannot_be_one_is_refused_and_nothing_saved(world, command, login, today):
    home_quarantine(command, world.person_a, today)
    client = login(world.users["building_leader"])
    url = reverse("report_building") + f"?building={world.building_a.pk}"
    response = client.post(url, {f"t{world.person_a.pk}": "3.65"})
    assert response.status_code == 200 and "between 34 and 43" in response.content.decode()
    assert not HealthReport.objects.exists()


def test_missing_reports_page_counts_by_building(world, command, login, today):
    home_quarantine(command, world.person_a, today)
    home_quarantine(command, world.person_b, today)
    body = login(command).get(reverse("report_building")).content.decode()
    missing = body.split('id="missing"')[1].split("</div>")[0]
    assert "564" in missing and "17" in missing


# --- blocks for other pages -------------------------------------------------------------------


def render_block(block, user, **kwargs):
    request = RequestFactory().get("/")
    request.user = user
    return block(request, **kwargs)


def test_home_panel_shows_ending_fever_and_broken_seals(world, command, today):
    home_quarantine(command, world.person_a, today - 6 * DAY)
    services.set_state(command, world.person_b, State.FEVER)
    seal = services.seal_household(command, world.household_c1)
    services.check_seal(command, seal, SealResult.BROKEN)
    html = render_block(panels.home_panel, command)
    assert "张三" in html and "李四" in html and "800-101" in html and "1 broken seal today" in html


def test_home_panel_keeps_to_the_users_scope(world, command, today):
    home_quarantine(command, world.person_b, today - 6 * DAY)
    html = render_block(panels.home_panel, world.users["building_leader"])
    assert "李四" not in html


def test_person_block_shows_state_colour_and_measure(world, command, today):
    home_quarantine(command, world.person_a, today)
    html = render_block(panels.person_block, command, person=world.person_a)
    assert "fk-colour-orange" in html and "Home quarantine" in html and "Set state" in html


def test_sealing_a_household_from_its_page(world, command, login):
    login(command).post(reverse("health_household_seal", args=[world.household_a1.pk]), {"number": "F-001"})
    assert Household.objects.get(pk=world.household_a1.pk).seals.get().number == "F-001"


def test_home_panel_and_ending_page_take_a_fixed_number_of_queries(world, command, login, today,
                                                                    django_assert_max_num_queries):
    for n in range(20):
        person = Person.objects.create(community=world.community, household=world.household_b1, name=f"人{n}")
        home_quarantine(command, person, today - 6 * DAY)
        services.set_state(command, person, State.FEVER)
        services.check_seal(command, services.seal_household(command, Household.objects.create(
            community=world.community, building=world.building_b, room=f"2{n:02d}")), SealResult.BROKEN)
    services.catch_up()  # once a day, not per page
    with django_assert_max_num_queries(12):  # a count and a list for each of four blocks, and the roles
        html = render_block(panels.home_panel, command)
    assert "20 broken seals today" in html
    client = login(command)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("ending_list")).content.decode().count("Home quarantine") == 20


def test_command_post_recolours_a_state_on_the_colours_page(world, command, login, today):
    home_quarantine(command, world.person_a, today, state=State.FEVER)
    client = login(command)
    data = {state: colour for state, colour in services.colours(world.community).items()}
    data[State.FEVER] = "red"
    client.post(reverse("colour_edit"), data)
    assert KeyPerson.objects.get(person=world.person_a).colour == "red"
    assert AuditEntry.objects.filter(fields="state_colour").count() == 1


def test_grid_leader_cannot_recolour(world, login):
    assert login(world.users["grid_leader"]).post(reverse("colour_edit"), {"fever": "red"}).status_code == 403


def test_temperature_screen_has_no_inline_script(world, command, login, today):
    home_quarantine(command, world.person_a, today)
    body = login(world.users["building_leader"]).get(
        reverse("report_building") + f"?building={world.building_a.pk}").content.decode()
    assert "health/reports.js" in body and "<script>" not in body and "onclick" not in body


def test_command_post_gives_a_room_at_the_site(world, command, login, site, today):
    measure = central(command, world.person_a, today)
    services.create_transfer(command, site, [measure], "陕H1", timezone.now())
    client = login(command)
    client.post(reverse("measure_room", args=[measure.pk]), {"room": "8206"})
    measure.refresh_from_db()
    assert measure.room == "8206" and "8206" in client.get(reverse("site_detail", args=[site.pk])).content.decode()


def test_guard_records_a_reception_at_the_checkpoint(world, command, login, today):
    measure = services.start_measure(command, world.person_b, MeasureKind.CENTRAL, today - 7 * DAY, today - DAY,
                                     state=State.CLOSE_CONTACT, today=today - 7 * DAY)
    client = login(world.users["guard"])
    assert "李四" in client.get(reverse("reception_list")).content.decode()
    client.post(reverse("measure_receive", args=[measure.pk]), {"next_days": "0"})
    assert measure.receptions.get().received_by == world.users["guard"]


def test_delivery_volunteer_cannot_record_a_reception(world, command, login, today):
    measure = services.start_measure(command, world.person_a, MeasureKind.CENTRAL, today - 7 * DAY, today - DAY,
                                     today=today - 7 * DAY)
    # The volunteer reads no measure (core.scope.READ_ROLES): not found; the district viewer
    # reads it and may not record the return.
    response = login(world.users["delivery_volunteer"]).post(reverse("measure_receive", args=[measure.pk]), {})
    assert response.status_code == 404 and not measure.receptions.exists()
    response = login(world.users["district_viewer"]).post(reverse("measure_receive", args=[measure.pk]), {})
    assert response.status_code == 403 and not measure.receptions.exists()


def test_violations_page_shows_what_was_done_within_scope(world, command, login, today):
    services.record_violation(command, world.person_a, "擅自外出", "劝返并加强巡查")
    services.record_violation(command, world.person_c, "拒绝核酸", "民警上门")
    body = login(world.users["building_leader"]).get(reverse("violation_list")).content.decode()
    assert "擅自外出" in body and "劝返并加强巡查" in body and "拒绝核酸" not in body


def test_household_block_offers_to_seal_then_shows_the_seal(world, command, client, today):
    html = render_block(panels.household_block, command, household=world.household_a1)
    assert "Seal the door" in html
    seal = services.seal_household(command, world.household_a1, on=today)
    services.check_seal(command, seal, SealResult.INTACT)
    html = render_block(panels.household_block, command, household=world.household_a1)
    assert "Door sealed since" in html and "Intact" in html


def test_tests_due_page_lists_who_is_tested_today(world, command, login, today):
    services.start_measure(command, world.person_a, MeasureKind.HOME, today - 2 * DAY, today + 4 * DAY, "1,3,7",
                           today=today)
    services.start_measure(command, world.person_b, MeasureKind.HOME, today - DAY, today + 5 * DAY, "1,3,7",
                           today=today)
    body = login(command).get(reverse("tests_due_list")).content.decode()
    assert "张三" in body and "李四" not in body
