"""The status map (issue 15 §4): the site plan, buildings drawn or imported on it, the layers by
building (set-based, scoped), the printed sheet, and bad input refused whole."""

import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from PIL import Image

from fangkong.core.actions import NotAllowed
from fangkong.core.models import AuditEntry, Building, ControlStatus, Household, Person
from fangkong.dashboard import maps
from fangkong.dashboard.models import BuildingShape, SitePlan
from fangkong.supplies.models import Request

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """The services' messages read in English here (the pages are in Chinese first)."""
    with translation.override("en"):
        yield


def png(width=800, height=600, kind="PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (240, 240, 230)).save(buffer, kind)
    return buffer.getvalue()


SQUARE = [[100, 100], [200, 100], [200, 180], [100, 180]]


@pytest.fixture
def planned(day_world):
    """The day's world with an 800 × 600 plan and buildings A and C drawn (B not yet)."""
    w = day_world
    command = w.users["command_post"]
    maps.upload_plan(command, w.community, png(), "plan.png")
    maps.save_shape(command, w.building_a, "polygon", SQUARE)
    maps.save_shape(command, w.building_c, "point", [[400, 300]])
    return w


def by_door(data):
    return {b["door"]: b for b in data["buildings"]}


# --- the site plan --------------------------------------------------------------------------


def test_a_plan_is_stored_with_its_size_and_a_new_size_scales_the_outlines(planned):
    w = planned
    plan = SitePlan.objects.get()
    assert (plan.width, plan.height, plan.content_type) == (800, 600, "image/png")
    maps.upload_plan(w.users["command_post"], w.community, png(1600, 1200, "JPEG"), "scan.jpg")
    plan.refresh_from_db()
    assert (plan.width, plan.height, plan.content_type) == (1600, 1200, "image/jpeg")
    assert BuildingShape.objects.get(building=w.building_a).points[0] == [200, 200]
    assert SitePlan.objects.count() == 1


@pytest.mark.parametrize("data, code", [
    (b"%PDF-1.4 not a picture", "not_an_image"),
    (b"", "empty"),
    (png(100, 80), "too_small"),
])
def test_a_plan_that_is_not_a_usable_image_is_refused_and_nothing_changes(planned, data, code):
    w = planned
    with pytest.raises(maps.MapError) as error:
        maps.upload_plan(w.users["command_post"], w.community, data, "bad.png")
    assert error.value.code == code and "bad.png" in error.value.message or code == "empty"
    assert SitePlan.objects.get().width == 800


def test_a_plan_too_large_is_refused_before_it_is_read(planned, monkeypatch):
    monkeypatch.setattr(maps, "PLAN_MAX_BYTES", 1000)
    with pytest.raises(maps.MapError) as error:
        maps.upload_plan(planned.users["command_post"], planned.community, png(), "big.png")
    assert error.value.code == "too_large" and "big.png" in error.value.message


def test_a_plan_with_too_many_pixels_is_refused(planned, monkeypatch):
    monkeypatch.setattr(maps, "PLAN_MAX_PIXELS", 800 * 600 - 1)
    with pytest.raises(maps.MapError) as error:
        maps.upload_plan(planned.users["command_post"], planned.community, png(), "huge.png")
    assert error.value.code == "too_many_pixels"


def test_only_the_command_post_uploads_or_draws(planned):
    w = planned
    for role in ("grid_leader", "building_leader", "district_viewer"):
        with pytest.raises(NotAllowed):
            maps.upload_plan(w.users[role], w.community, png(), "x.png")
        with pytest.raises(NotAllowed):
            maps.save_shape(w.users[role], w.building_b, "polygon", SQUARE)
    with pytest.raises(NotAllowed):
        maps.save_shape(w.users["outsider"], w.building_b, "polygon", SQUARE)
    assert not BuildingShape.objects.filter(building=w.building_b).exists()


# --- drawing ----------------------------------------------------------------------------------


def test_drawing_a_building_twice_is_refused_unless_replacing(planned):
    w = planned
    command = w.users["command_post"]
    with pytest.raises(maps.MapError) as error:
        maps.save_shape(command, w.building_a, "polygon", [[0, 0], [50, 0], [50, 50]])
    assert error.value.code == "drawn_twice" and "564" in error.value.message
    assert BuildingShape.objects.get(building=w.building_a).points == SQUARE
    maps.save_shape(command, w.building_a, "polygon", [[0, 0], [50, 0], [50, 50]], replace=True)
    assert BuildingShape.objects.get(building=w.building_a).points == [[0, 0], [50, 0], [50, 50]]
    assert AuditEntry.objects.filter(object_type="building", object_id=str(w.building_a.pk)).count() == 2


@pytest.mark.parametrize("kind, points, code", [
    ("polygon", [[10, 10], [20, 20]], "too_few_corners"),
    ("polygon", [[10, 10], [20, 20], [30, 30]], "flat"),
    ("polygon", [[10, 10], [900, 10], [900, 90]], "outside"),
    ("polygon", [[10, -1], [90, 10], [90, 90]], "outside"),
    ("point", [[1, 1], [2, 2]], "bad_points"),
    ("polygon", [["a", 1], [2, 2], [3, 1]], "bad_points"),
    ("circle", [[1, 1]], "bad_kind"),
])
def test_bad_outlines_say_what_is_wrong_and_save_nothing(planned, kind, points, code):
    w = planned
    with pytest.raises(maps.MapError) as error:
        maps.save_shape(w.users["command_post"], w.building_b, kind, points)
    assert error.value.code == code and "17" in error.value.message
    assert not BuildingShape.objects.filter(building=w.building_b).exists()


def test_a_closed_ring_and_repeated_clicks_are_tidied(planned):
    shape = maps.save_shape(planned.users["command_post"], planned.building_b, "polygon",
                            [[10, 10], [60, 10], [60, 10], [60, 60], [10, 10]])
    assert shape.points == [[10, 10], [60, 10], [60, 60]]


def test_nothing_is_drawn_before_there_is_a_plan(day_world):
    with pytest.raises(maps.MapError) as error:
        maps.save_shape(day_world.users["command_post"], day_world.building_a, "polygon", SQUARE)
    assert error.value.code == "no_plan"


# --- GeoJSON ---------------------------------------------------------------------------------


def feature(props, geometry):
    return {"type": "Feature", "properties": props, "geometry": geometry}


def polygon(points):
    return {"type": "Polygon", "coordinates": [[*points, points[0]]]}


def collection(*features):
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


def test_geojson_draws_by_door_number_or_building_id(planned):
    w = planned
    result = maps.import_geojson(w.users["command_post"], w.community, collection(
        feature({"door_number": "17"}, polygon([[300, 300], [360, 300], [360, 350]])),
        feature({"building_id": w.building_c.pk}, polygon([[500, 500], [560, 500], [560, 550]]))), replace=True)
    assert (result.created, result.replaced) == (1, 1)
    assert BuildingShape.objects.get(building=w.building_b).points == [[300, 300], [360, 300], [360, 350]]
    assert BuildingShape.objects.get(building=w.building_c).kind == "polygon"


@pytest.mark.parametrize("features, code, where", [
    ([feature({"door_number": "17"}, {"type": "LineString", "coordinates": [[1, 1], [2, 2]]})],
     "not_a_polygon", "Feature 1 (building 17)"),
    ([feature({"door_number": "17"}, {"type": "MultiPolygon", "coordinates": []})], "not_a_polygon", "Feature 1"),
    ([feature({"door": "17"}, polygon([[10, 10], [20, 10], [20, 20]])),
      feature({"door": "999"}, polygon([[10, 10], [20, 10], [20, 20]]))], "unknown_building", "Feature 2"),
    ([feature({"door": "17"}, polygon([[10, 10], [20, 10], [20, 20]])),
      feature({"门牌号": "17"}, polygon([[30, 10], [40, 10], [40, 20]]))], "drawn_twice", "Feature 2"),
    ([feature({"door": "17"}, polygon([[10, 10], [2000, 10], [20, 20]]))], "outside", "Feature 1"),
    ([feature({"door": "564"}, polygon([[10, 10], [20, 10], [20, 20]]))], "drawn_twice", "already on the map"),
    ([feature({"name": "x"}, polygon([[10, 10], [20, 10], [20, 20]]))], "no_building", "Feature 1"),
])
def test_bad_geojson_is_refused_whole(planned, features, code, where):
    w = planned
    before = list(BuildingShape.objects.order_by("pk").values_list("building_id", "points"))
    with pytest.raises(maps.MapError) as error:
        maps.import_geojson(w.users["command_post"], w.community, collection(*features))
    assert error.value.code == code and where in error.value.message, error.value.message
    assert list(BuildingShape.objects.order_by("pk").values_list("building_id", "points")) == before


def test_a_building_of_another_community_cannot_be_imported(planned):
    w = planned
    with pytest.raises(maps.MapError) as error:
        maps.import_geojson(w.users["command_post"], w.community, collection(
            feature({"building_id": w.other_building.pk}, polygon([[10, 10], [20, 10], [20, 20]]))))
    assert error.value.code == "unknown_building"


@pytest.mark.parametrize("data, code", [(b"{not json", "not_json"), (b'{"type": "Polygon"}', "not_features"),
                                        (b'{"type": "FeatureCollection", "features": []}', "empty")])
def test_a_file_that_is_not_features_says_so(planned, data, code):
    with pytest.raises(maps.MapError) as error:
        maps.import_geojson(planned.users["command_post"], planned.community, data)
    assert error.value.code == code


def test_the_export_imports_back(planned):
    w = planned
    exported = maps.as_geojson(w.users["command_post"], w.community)
    assert [f["properties"]["door_number"] for f in exported["features"]] == ["564", "800"]
    BuildingShape.objects.all().delete()
    maps.import_geojson(w.users["command_post"], w.community, json.dumps(exported).encode())
    assert BuildingShape.objects.get(building=w.building_a).points == SQUARE


# --- the layers ------------------------------------------------------------------------------


def test_status_is_the_strictest_of_building_grid_and_community_with_sealed_households(planned):
    w = planned
    Building.objects.filter(pk=w.building_a.pk).update(control_status=ControlStatus.GUARDED)
    w.grid2.control_status = ControlStatus.CONTROLLED
    w.grid2.save()
    data = by_door(maps.building_layer(w.users["command_post"], w.community, "status"))
    assert data["564"]["cls"] == "guarded" and data["17"]["cls"] == "normal"
    # 800 is in grid 2 (controlled) and has one household sealed (the day's world).
    assert (data["800"]["cls"], data["800"]["n"]) == ("controlled", 1)
    assert data["564"]["phone"] == "139****1234" and data["17"]["points"] is None
    assert data["564"]["url"] == f"/buildings/{w.building_a.pk}/"


def test_cases_take_the_worst_colour_and_count_the_key_persons(planned):
    data = by_door(maps.building_layer(planned.users["command_post"], planned.community, "cases"))
    assert (data["564"]["cls"], data["564"]["n"]) == ("orange", 1)  # 张三, close contact
    assert (data["800"]["cls"], data["800"]["n"]) == ("yellow", 1)  # 王五, fever (yellow here)
    assert (data["17"]["cls"], data["17"]["n"]) == ("none", 0)


def test_untested_seals_broken_and_reports_missing(planned):
    w = planned
    user = w.users["command_post"]
    untested = by_door(maps.building_layer(user, w.community, "untested"))
    assert (untested["800"]["cls"], untested["800"]["n"]) == ("untested", 1)  # 王五 not sampled
    assert (untested["564"]["cls"], untested["564"]["n"]) == ("done", 0)
    broken = by_door(maps.building_layer(user, w.community, "seals_broken"))
    assert (broken["800"]["cls"], broken["800"]["n"]) == ("broken", 1) and broken["564"]["cls"] == "none"
    reports = by_door(maps.building_layer(user, w.community, "reports"))
    # 张三 under central quarantine (ends today) without a report; 王五 reported.
    assert (reports["564"]["cls"], reports["564"]["n"]) == ("missing", 1) and reports["800"]["n"] == 0


def test_deliveries_due_count_open_requests(planned):
    w = planned
    Request.objects.create(community=w.community, household=w.household_a1, kind="groceries")
    Request.objects.create(community=w.community, household=w.household_a1, kind="medicine", status="delivered")
    data = by_door(maps.building_layer(w.users["command_post"], w.community, "deliveries"))
    assert (data["564"]["cls"], data["564"]["n"]) == ("due", 1) and data["800"]["cls"] == "none"


def test_a_grid_leader_sees_their_grids_buildings_only(planned):
    data = maps.building_layer(planned.users["grid_leader"], planned.community, "cases")
    assert sorted(by_door(data)) == ["17", "564"]
    assert sum(row["buildings"] for row in data["legend"]) == 2


def test_a_delivery_volunteer_gets_no_health_layer(planned):
    w = planned
    keys = [layer.key for layer in maps.layers_for(w.users["delivery_volunteer"], w.community)]
    assert keys == ["status", "deliveries"]
    with pytest.raises(maps.MapError):
        maps.building_layer(w.users["delivery_volunteer"], w.community, "cases")
    data = by_door(maps.building_layer(w.users["delivery_volunteer"], w.community, "status"))
    assert list(data) == ["564"] and data["564"]["n"] == 0  # no seal count for a role that reads none


def test_a_delivery_volunteer_also_sees_the_doors_of_their_runs(planned):
    from django.utils import timezone

    from fangkong.supplies.models import DeliveryRun, TransferStation

    w = planned
    volunteer = w.users["delivery_volunteer"]
    station = TransferStation.objects.create(community=w.community, name="中转站")
    run = DeliveryRun.objects.create(community=w.community, station=station, departs_at=timezone.now(),
                                     volunteer=volunteer)
    Request.objects.create(community=w.community, household=w.household_c1, kind="gas", run=run)
    Request.objects.create(community=w.community, household=w.household_b1, kind="gas")  # on no run
    data = by_door(maps.building_layer(volunteer, w.community, "deliveries"))
    assert sorted(data) == ["564", "800"]
    assert (data["800"]["cls"], data["800"]["n"]) == ("due", 1) and data["564"]["n"] == 0


@pytest.mark.parametrize("layer", [layer.key for layer in maps.LAYERS])
def test_the_layer_takes_the_same_queries_whatever_the_number_of_buildings(planned, layer):
    w = planned
    user = w.users["command_post"]

    def queries():
        user.__dict__.pop("_fangkong_reaches", None)
        with CaptureQueriesContext(connection) as captured:
            maps.building_layer(user, w.community, layer)
        return len(captured)

    few = queries()
    for n in range(30):
        building = Building.objects.create(community=w.community, grid=w.grid2, door_number=f"9{n:02d}")
        household = Household.objects.create(community=w.community, building=building, room="101")
        Person.objects.create(community=w.community, household=household, name=f"居民{n}")
        BuildingShape.objects.create(community=w.community, building=building, points=[[n, n]], kind="point")
    assert queries() == few
    assert few <= 5


# --- pages -------------------------------------------------------------------------------------


def test_the_map_page_carries_the_layer_and_no_inline_script(planned, login):
    w = planned
    client = login(w.users["command_post"])
    page = client.get(f"/dashboard/c/{w.community.pk}/map/?layer=cases").content.decode()
    assert 'id="fk-map-data"' in page and "vendor/leaflet/leaflet.js" in page and "<script>" not in page
    assert 'id="fk-map-draw"' in page
    data = json.loads(page.split('id="fk-map-data" type="application/json">')[1].split("</script>")[0])
    assert data["layer"] == "cases"
    assert f'href="/dashboard/c/{w.community.pk}/map/"' in client.get("/dashboard/").content.decode()


def test_the_draw_form_is_only_for_the_command_post(planned, login):
    w = planned
    page = login(w.users["district_viewer"]).get(f"/dashboard/c/{w.community.pk}/map/").content.decode()
    assert 'id="fk-map-draw"' not in page and "fk-map-data" in page
    response = login(w.users["district_viewer"]).post(f"/dashboard/c/{w.community.pk}/map/draw/", {
        "building": w.building_b.pk, "kind": "polygon", "points": json.dumps(SQUARE)}, follow=True)
    assert "Only the command post" in response.content.decode() or "只有" in response.content.decode()
    assert not BuildingShape.objects.filter(building=w.building_b).exists()


def test_drawing_from_the_page_saves_and_a_second_time_says_so(planned, login):
    w = planned
    client = login(w.users["command_post"])
    url = f"/dashboard/c/{w.community.pk}/map/draw/"
    response = client.post(url, {"building": w.building_b.pk, "kind": "polygon", "points": json.dumps(SQUARE),
                                 "layer": "cases"})
    assert response.status_code == 302 and f"building={w.building_b.pk}" in response["Location"]
    assert BuildingShape.objects.get(building=w.building_b).points == SQUARE
    again = client.post(url, {"building": w.building_b.pk, "kind": "point", "points": "[[5, 5]]"}, follow=True)
    assert "17" in again.content.decode() and BuildingShape.objects.get(building=w.building_b).kind == "polygon"
    assert client.post(url, {"building": w.other_building.pk, "points": "[]"}).status_code == 404


def test_the_layer_json_and_a_layer_the_role_may_not_see(planned, login):
    w = planned
    data = login(w.users["grid_leader"]).get(f"/dashboard/c/{w.community.pk}/map/layer.json?layer=untested").json()
    assert [b["door"] for b in data["buildings"]] == ["17", "564"]
    response = login(w.users["delivery_volunteer"]).get(f"/dashboard/c/{w.community.pk}/map/layer.json?layer=cases")
    assert response.status_code == 400 and "cases" in response.json()["error"]
    assert login(w.users["sampler"]).get(f"/dashboard/c/{w.community.pk}/map/").status_code == 403


def test_every_way_into_the_map_asks_the_service_who_may_see_it(planned, login):
    """dashboard.view_map is required by the map's services, not decided in the views: the page,
    its layer, the plan image, the outlines and the PDF all refuse a role without it."""
    from fangkong.core.actions import NotAllowed
    from fangkong.dashboard import maps

    w = planned
    guard = login(w.users["guard"])
    base = f"/dashboard/c/{w.community.pk}/map/"
    for path in ("", "layer.json?layer=status", "plan", "outlines.geojson", "map.pdf?layer=status"):
        assert guard.get(base + path).status_code == 403, path
    for call in (maps.plan_for, maps.layers_for, maps.as_geojson):
        with pytest.raises(NotAllowed):
            call(w.users["guard"], w.community)


def test_upload_and_import_pages_refuse_bad_files_with_a_message(planned, login, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    w = planned
    client = login(w.users["command_post"])
    url = f"/dashboard/c/{w.community.pk}/map/setup/"
    response = client.post(url, {"what": "plan", "image": SimpleUploadedFile("notes.txt", b"hello")})
    assert response.status_code == 400 and "notes.txt" in response.content.decode()
    assert "不是图片" in response.content.decode()  # Chinese first, the file named
    bad = collection(feature({"door": "17"}, {"type": "LineString", "coordinates": [[1, 1], [2, 2]]}))
    response = client.post(url, {"what": "geojson", "file": SimpleUploadedFile("o.geojson", bad)})
    assert response.status_code == 400 and "LineString" in response.content.decode()
    assert SitePlan.objects.get().width == 800 and BuildingShape.objects.count() == 2
    response = client.post(url, {"what": "plan", "image": SimpleUploadedFile("p.png", png(1000, 700))})
    assert response.status_code == 302 and SitePlan.objects.get().width == 1000
    image = client.get(f"/dashboard/c/{w.community.pk}/map/plan")
    assert image["Content-Type"] == "image/png" and image.content == SitePlan.objects.get().image


def test_the_printed_sheet_is_a_pdf_in_the_embedded_font(planned, login):
    w = planned
    client = login(w.users["command_post"])
    for size in ("A4", "A3"):
        response = client.get(f"/dashboard/c/{w.community.pk}/map/map.pdf?layer=cases&size={size}")
        assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(response.content))
    width, height = (float(v) for v in reader.pages[0].mediabox.upper_right)
    assert round(width) == 1191 and round(height) == 842  # A3 landscape, as the plan is wide
    text = reader.pages[0].extract_text()
    assert "564" in text and "139****1234" in text and "13905951234" not in text


def test_the_start_page_offers_the_map_to_a_building_leader(planned, login):
    page = login(planned.users["building_leader"]).get("/start/").content.decode()
    assert 'href="/dashboard/map/"' in page
    response = login(planned.users["building_leader"]).get("/dashboard/map/")
    assert response.status_code == 302 and response["Location"] == f"/dashboard/c/{planned.community.pk}/map/"


def test_the_demo_plan_is_drawn_and_holds_every_building(day_world):
    from fangkong.dashboard.demo_map import add_demo_map

    w = day_world
    assert add_demo_map(w.community, w.users["command_post"]) == 3
    plan = SitePlan.objects.get(community=w.community)
    assert Image.open(io.BytesIO(bytes(plan.image))).size == (plan.width, plan.height)
    shapes = list(BuildingShape.objects.filter(community=w.community))
    assert {s.building_id for s in shapes} == {w.building_a.pk, w.building_b.pk, w.building_c.pk}
    assert all(0 <= x <= plan.width and 0 <= y <= plan.height for s in shapes for x, y in s.points)


def test_the_map_start_item_is_for_those_who_see_the_map_but_not_the_figures(planned, login):
    """dashboard.view_map without dashboard.view_figures: a building leader and a delivery
    volunteer find the map on their start page; grid staff reach it from the dashboard; a guard
    may not see it at all."""
    from django.test import RequestFactory

    from fangkong.dashboard.views_map import start_item

    def item(key):
        request = RequestFactory().get("/start/")
        request.user = planned.users[key]
        return start_item(request)

    assert "/dashboard/map/" in item("building_leader") and "/dashboard/map/" in item("delivery_volunteer")
    for key in ("grid_worker", "command_post", "guard", "sampler"):
        assert item(key) is None, key
