"""Walk every URL pattern, pages and API alike, with every role, against an object inside the
role's scope and one outside it. Outside must answer 404 (never 403, never 200); inside must not.

A new route with an object in its URL needs an entry in MODELS below: the test fails until it
has one, so no route escapes the matrix."""

import importlib
import io
from pathlib import Path

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver
from openpyxl import Workbook

from fangkong.core.models import Building, Community, Grid, Household, Person, Unit, Zone
from fangkong.core.operations import refresh_reach
from fangkong.registry.models import ImportJob, ScreeningRound

MODELS = {
    "import": ImportJob, "round": ScreeningRound,
    "person": Person, "persons": Person, "household": Household, "households": Household,
    "building": Building, "buildings": Building, "grid": Grid, "grids": Grid, "community": Community,
    "communities": Community, "zone": Zone, "zones": Zone, "unit": Unit, "units": Unit,
}
# Routes with an object that is not a place or person, and routes outside the product.
# account_: the object is an account, not a place or person (tests/core/test_accounts_manage.py).
SKIP_PREFIXES = ("set_language", "login", "logout", "schema", "swagger", "redoc", "api-root", "account_")
FIELD_VALUES = {"field": "phone"}


def walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            yield entry.name, prefix + str(entry.pattern), entry


def object_routes():
    routes = []
    for name, route, pattern in walk(get_resolver().url_patterns):
        if name.startswith(SKIP_PREFIXES) or "format" in pattern.pattern.regex.groupindex:
            continue
        names = pattern.pattern.converters or pattern.pattern.regex.groupindex
        kwargs = [k for k in names if k not in FIELD_VALUES]
        if not kwargs:
            continue
        routes.append((name, route, kwargs))
    return routes


def model_for(name, kwarg):
    """The model behind a route's object: by the kwarg (building_pk) or the route name's first
    word (person_detail), through MODELS or a scoped model whose model_name or ``route_key``
    is that word (so a new app's routes are walked without editing this file)."""
    if kwarg != "pk":
        key = kwarg.removesuffix("_pk")
    else:
        key = name.replace("-", "_").split("_")[0]
    if key not in MODELS:
        for model in apps.get_models():
            if hasattr(model, "scope_paths") and key in (model._meta.model_name, getattr(model, "route_key", None)):
                return model
    assert key in MODELS, (f"route {name}: name it after its model, give the model route_key = '{key}', "
                           f"or add '{key}' to MODELS in tests/test_scope_matrix.py")
    return MODELS[key]


def build_url(route, values):
    import re

    url = "/" + route
    for key, value in {**FIELD_VALUES, **values}.items():
        url = re.sub(rf"\(\?P<{key}>[^)]*\)", str(value), url)
        url = re.sub(rf"<(?:\w+:)?{key}>", str(value), url)
    url = url.replace("^", "").replace("$", "").replace("\\Z", "").replace("\\.", ".")
    return url


ROLES = ["command_post", "grid_leader", "grid_worker", "building_leader", "sampler", "guard",
         "delivery_volunteer", "district_viewer", "outsider"]


# Every route with an object in its URL, by name: a route added, renamed or lost by the walker
# fails here (add a new one to this list once it answers 404 outside scope below).
OBJECT_ROUTES = {
    "area_detail", "arrival-decide", "arrival-detail", "arrival_create", "arrival_detail", "briefing_detail",
    "assignment-detail", "assignment-end", "assignment-hand-over", "briefing_pdf", "briefing_text", "briefing_xlsx",
    "briefingjob_detail", "building-detail", "building_detail", "building_edit", "building_entrances", "building_move",
    "building_occupancy_pdf", "building_temperature_pdf", "care_contact", "care_counselling", "care_edit",
    "catalogue-detail", "catalogue-order", "catalogue-totals", "catalogue_detail", "catalogue_order",
    "catalogue_sheet", "community-detail", "community_briefings", "community_dashboard", "community_figure_list",
    "community_figures_json", "community_map", "community_map_draw", "community_map_geojson", "community_map_layer",
    "community_map_pdf", "community_map_plan", "community_map_setup", "community_problems", "community_setup",
    "community_setup_add", "community_trend", "community_wall", "counselling_call", "counselling_route",
    "cutoff-detail", "cutoff-sums", "cutoff_detail", "duty-detail", "duty-sign-off", "duty-sign-on", "duty_remove",
    "duty_sign_off", "duty_sign_on", "entrance_edit", "grid-detail", "grid_assignments", "grid_detail", "grid_edit",
    "grid_occupancy_pdf", "health_household_seal", "health_person_measure", "health_person_state",
    "healthreport-detail", "household-detail", "household_create", "household_detail", "household_edit",
    "household_temperature_pdf", "import_detail", "import_errors", "import_progress", "import_start",
    "keyperson-detail", "keyperson_detail", "meal_deliver", "meal_edit", "measure-detail", "measure_receive",
    "measure_release", "measure_room", "order_paid", "person-detail", "person-move", "person-reveal", "person_detail",
    "person_edit", "person_move", "person_reveal", "request-cancel", "request-detail", "request_cancel",
    "round_close", "round_coverage", "round_detail", "round_knock", "round_member", "round_person_add",
    "round_revisits", "round_visit", "run-detail", "run-doors", "run-handover", "run_handover", "run_page",
    "screeninground-coverage", "screeninground-detail", "screeninground-visits", "seal-check", "seal-detail",
    "seal_check", "seal_remove", "signup_decide", "site_detail", "station-detail", "station-pick-list",
    "station-plan-run", "station_detail", "station_labels_pdf", "station_pick_pdf", "supplies_building_requests",
    "supplies_run_cutoff", "task-close", "task-detail", "task_close", "team-detail", "team-members", "team_detail",
    "testround-close-tube", "testround-coverage", "testround-detail", "testround-results", "testround-retest",
    "testround-scan", "testround-scans", "testround_correct", "testround_coverage", "testround_detail",
    "testround_find", "testround_home_sampling", "testround_results", "testround_retest_round", "testround_retests",
    "testround_sampler", "testround_schedule", "testround_schedule_print", "testround_untested",
    "testround_untested_xlsx", "transfer_detail", "trip_state", "unit-detail", "unit_edit", "violation_create",
    "worker-detail", "worker-health", "worker-leave", "worker_detail", "zone-detail", "zone_edit",
}


def test_every_route_with_an_object_is_in_the_matrix():
    walked = {name for name, _route, _kwargs in object_routes()}
    assert walked == OBJECT_ROUTES, (f"new: {sorted(walked - OBJECT_ROUTES)}; "
                                     f"gone: {sorted(OBJECT_ROUTES - walked)}")


def add_work(world):
    """A screening round and import jobs (with an error report) in both communities, so that
    their routes are walked too."""
    jobs = []
    for community, author in [(world.community, world.users["command_post"]),
                              (world.other_community, world.users["outsider"]),
                              (world.community, world.users["building_leader"])]:
        refresh_reach(ScreeningRound.objects.create(community=community, name="第一轮摸排", created_by=author))
        jobs.append(ImportJob.objects.create(community=community, created_by=author, original_name="台账.xlsx",
                                             status="done", reported=1))
    report = io.BytesIO()
    workbook = Workbook()
    workbook.active.append(["姓名", "身份证号"])
    workbook.active.append(["陈二", "110105194912310021"])
    workbook.save(report)
    for job in jobs:
        job.error_report.save("errors.xlsx", ContentFile(report.getvalue()), save=True)
    # Each app's tests may add its own objects: tests/<app>/scope_work.py with add_work(world),
    # making one object inside and one outside each role's scope.
    for path in sorted(Path(__file__).parent.glob("*/scope_work.py")):
        importlib.import_module(f"tests.{path.parent.name}.scope_work").add_work(world)


@pytest.mark.parametrize("role", ROLES)
def test_out_of_scope_objects_answer_404_and_in_scope_do_not(client, world, role, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    add_work(world)
    user = world.users[role]
    client.force_login(user)
    checked = 0
    for name, route, kwargs in object_routes():
        model = model_for(name, kwargs[0])
        visible = model.objects.visible_to(user)
        inside = visible.order_by("pk").first()
        outside = model.objects.exclude(pk__in=visible.values("pk")).order_by("pk").first()
        if outside is not None:
            url = build_url(route, {k: outside.pk for k in kwargs})
            # A route may refuse a method it does not take (405): the same answer for every id, so
            # it tells nothing. But the method it takes must answer 404.
            codes = {method: getattr(client, method)(url).status_code for method in ("get", "post")}
            assert set(codes.values()) <= {404, 405} and 404 in codes.values(), \
                f"{role} {url} ({name}) outside scope: {codes}"
            checked += 1
        if inside is not None:
            url = build_url(route, {k: inside.pk for k in kwargs})
            response = client.get(url)
            assert response.status_code in (200, 302, 403, 405), f"{role} GET {url} ({name}): {response.status_code}"
            checked += 1
    assert checked > 0


@pytest.mark.parametrize("role", ROLES + ["nobody"])
def test_list_pages_show_nothing_outside_scope(client, world, role):
    user = world.users[role]
    client.force_login(user)
    invisible = Person.objects.exclude(pk__in=Person.objects.visible_to(user).values("pk"))
    for path in ["/", "/people/", "/buildings/", "/api/persons/", "/api/households/", "/api/buildings/"]:
        response = client.get(path)
        assert response.status_code in (200, 403), f"{role} {path}: {response.status_code}"
        body = response.content.decode()
        for person in invisible:
            assert f"/people/{person.pk}/" not in body, f"{role} sees {person} on {path}"
            assert person.name not in body, f"{role} sees {person.name} on {path}"


# What each role READS by object type (issue 10 §3, PIPL's minimum necessary): the same table as
# fangkong.core.scope.READ_ROLES, written out here so that widening one role's reads fails.
STAFF_READ = {"command_post", "grid_leader", "grid_worker", "building_leader", "district_viewer"}
SUPERVISORS = {"command_post", "grid_leader", "grid_worker", "district_viewer"}
EVERY_ROLE = set(ROLES) - {"outsider"}
EXPECTED_READS = {
    "core.person": STAFF_READ,
    "core.household": EVERY_ROLE,
    "core.building": EVERY_ROLE,
    "health.keyperson": STAFF_READ,
    "health.statechange": STAFF_READ,
    "health.arrivalreport": STAFF_READ,
    "health.healthreport": STAFF_READ,
    "health.violation": STAFF_READ,
    "health.seal": STAFF_READ,
    "health.sealcheck": STAFF_READ,
    "health.transfer": STAFF_READ,
    "health.measure": STAFF_READ | {"guard"},
    "health.reception": STAFF_READ | {"guard"},
    "health.riskarea": EVERY_ROLE,
    "health.quarantinesite": EVERY_ROLE,
    # Staff rows by place: those who run people; the others read only their own work.
    **{f"staff.{name}": SUPERVISORS for name in ("worker", "team", "volunteersignup", "assignment", "post", "duty",
                                                 "fivetick", "task", "spotcheck")},
    # Common areas, disinfection and garbage: every field role logs them (staff.log_disinfection).
    "staff.commonarea": EVERY_ROLE,
    "staff.disinfection": EVERY_ROLE,
    "staff.garbagecollection": EVERY_ROLE,
    # Supplies: the doors' needs for staff and the delivery volunteer, care and stock for staff.
    **{f"supplies.{name}": STAFF_READ | {"delivery_volunteer"}
       for name in ("transferstation", "deliveryrun", "cutoff", "request", "handover", "grouporder", "mealplan")},
    **{f"supplies.{name}": STAFF_READ for name in ("careplan", "medicaltrip", "stockitem", "donation",
                                                    "counselling", "counsellingcall")},
    "supplies.supplypoint": EVERY_ROLE,
    "supplies.catalogue": EVERY_ROLE,
}
# The roles that neither run people nor deliver read none of these (issue 10 §3).
NARROW_ROLES = {"sampler", "guard"}


def test_the_read_table_is_the_one_written_here():
    from fangkong.core.scope import READ_ROLES

    for label, roles in READ_ROLES.items():
        assert label in EXPECTED_READS, f"{label} is in READ_ROLES but not in this test's table"
        assert set(roles) == EXPECTED_READS[label] - {"outsider"}, label
    for label, readers in EXPECTED_READS.items():
        if readers != EVERY_ROLE:
            assert label in READ_ROLES, f"{label} is narrowed here but not in READ_ROLES"


def test_every_staff_and_supplies_row_type_is_in_the_read_table():
    """A new staff or supplies model must say who reads it (here and in READ_ROLES)."""
    for app in ("staff", "supplies"):
        for model in apps.get_app_config(app).get_models():
            if hasattr(model, "scope_paths") and model._meta.label_lower != "supplies.settings":
                assert model._meta.label_lower in EXPECTED_READS, model._meta.label_lower


@pytest.mark.parametrize("role", sorted(EVERY_ROLE))
def test_each_role_reads_only_the_object_types_its_work_needs(world, role, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    add_work(world)
    user = world.users[role]
    for label, readers in EXPECTED_READS.items():
        model = apps.get_model(label)
        rows = model.objects.filter(community=world.community) if label != "core.community" else model.objects
        if not rows.exists() or not hasattr(model.objects, "visible_to"):
            continue
        if label.startswith("staff.") and role not in readers:
            # Everyone reads their own work (the building leader here is a worker with a duty).
            from fangkong.staff.scope import own_work

            mine = own_work(user)[1]
            if "worker" in model.scope_paths:
                rows = rows.exclude(**{model.scope_paths["worker"] + "__in": mine})
        seen = model.objects.visible_to(user).filter(pk__in=rows.values("pk")).exists()
        if role not in readers:
            assert not seen, f"{role} reads {label}"
        elif label in ("health.riskarea", "health.quarantinesite"):
            # Not personal data: everyone in the community reads them, whatever binds their role.
            assert seen, f"{role} does not read {label}"


def test_the_sampler_finds_the_round_s_people_for_the_scan_but_opens_no_person_file(client, world):
    """The sampler's reads of persons are for the scan only (core.scope.SAMPLING): the person
    file, the person list and the API answer as for anyone outside; the scan and its manual search
    still find the round's people, with masked IDs."""
    from fangkong.core.scope import PURPOSE_READS, SAMPLING
    from fangkong.testing import codes, scanning, services

    assert PURPOSE_READS == {SAMPLING: {"core.person": frozenset({"sampler"})}}
    sampler = world.users["sampler"]
    person = world.person_a
    assert not Person.objects.visible_to(sampler).exists()
    assert Person.objects.visible_to(sampler, purpose=SAMPLING).filter(pk=person.pk).exists()
    # Nobody else gains anything by the purpose, and it widens no writes.
    assert not Person.objects.visible_to(world.users["guard"], purpose=SAMPLING).exists()
    with pytest.raises(ValueError):
        Person.objects.visible_to(sampler, write=True, purpose=SAMPLING)
    client.force_login(sampler)
    for url in [f"/people/{person.pk}/", f"/api/persons/{person.pk}/"]:
        assert client.get(url).status_code in (403, 404), url
    listing = client.get("/people/")
    assert listing.status_code in (200, 403) and person.name not in listing.content.decode()
    api = client.get("/api/persons/")
    assert api.status_code == 403 or person.name not in api.content.decode()

    round_ = services.create_round(world.users["command_post"], world.community, name="第一轮", pool_size=10)
    answer = scanning.scan(round_, "T1", codes.token(codes.code_for(person)), "c-1", sampler)
    assert answer.code == "accepted" and answer.person == person.name
    found = client.get(f"/testing/{round_.pk}/find/", {"q": person.name}).json()["persons"]
    assert [p["id"] for p in found] == [person.pk] and "*" in found[0]["id_masked"]


@pytest.mark.parametrize("role", sorted(NARROW_ROLES))
def test_sampler_and_guard_read_no_staff_or_supplies_row_beyond_their_own(world, role, settings, tmp_path):
    """Their community-wide role used to reach every colleague's record, every door's request and
    the special-care register: now none (each of these types has rows here, so each is checked)."""
    settings.MEDIA_ROOT = tmp_path
    add_work(world)
    user = world.users[role]
    checked = []
    for label, readers in EXPECTED_READS.items():
        if not label.startswith(("staff.", "supplies.")) or role in readers:
            continue
        model = apps.get_model(label)
        rows = model.objects.filter(community=world.community)
        if rows.exists():
            assert not model.objects.visible_to(user).exists(), f"{role} reads {label}"
            checked.append(label)
    assert {"staff.worker", "staff.task", "supplies.request", "supplies.careplan"} <= set(checked), checked
