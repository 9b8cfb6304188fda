"""One person filter (core.filtersets.PersonFilterSet): the person list page, its "export these"
link and /api/persons/ give the same people for the same query, so an export is what you saw."""

import io
from urllib.parse import parse_qs, urlparse

import pytest

from fangkong.core.models import CareTag, PersonTag
from tests.registry.ledger_files import read_xlsx

QUERIES = [
    {},
    {"q": "张"},
    {"q": "564"},
    {"residency": "migrant"},
    {"tag": CareTag.ELDERLY_ALONE},
    {"grid": "GRID1"},
    {"building": "B"},
    {"household": "H"},
    {"grid": "GRID1", "q": "李"},
]


def resolve(world, query):
    values = {"GRID1": world.grid1.pk, "B": world.building_b.pk, "H": world.household_a1.pk}
    return {k: values.get(v, v) for k, v in query.items()}


def page_names(client, query):
    response = client.get("/people/", query)
    assert response.status_code == 200
    return {p.name for p in response.context["page"].object_list}, response.context["export_query"]


def export_names(client, export_query):
    response = client.get("/ledgers/export/?" + export_query)
    if response.status_code == 404:
        return set()  # a grid or building outside the user's scope: the export says not found
    assert response.status_code == 200
    rows = read_xlsx(io.BytesIO(b"".join(response.streaming_content)))
    return {row[0] for row in rows[1:]}


def api_names(client, query):
    response = client.get("/api/persons/", query)
    assert response.status_code == 200
    return {p["name"] for p in response.json()["results"]}


@pytest.mark.parametrize("role", ["command_post", "grid_worker", "building_leader"])
def test_the_list_its_export_and_the_api_give_the_same_people(world, login, role):
    PersonTag.objects.create(person=world.person_b, tag=CareTag.ELDERLY_ALONE)
    client = login(world.users[role])
    everyone, _link = page_names(client, {})
    assert everyone
    narrowed = False
    for query in QUERIES:
        query = resolve(world, query)
        on_page, export_query = page_names(client, query)
        assert export_names(client, export_query) == on_page, (role, query)
        assert api_names(client, query) == on_page, (role, query)
        narrowed |= on_page != everyone
    assert narrowed  # the queries do narrow: lists all equal to everyone would prove nothing


def test_the_export_link_carries_every_narrowing_of_the_list(world, login):
    client = login(world.users["command_post"])
    _names, export_query = page_names(client, {"building": world.building_a.pk, "q": "张", "tag": "nonsense"})
    carried = parse_qs(urlparse("?" + export_query).query)
    assert carried == {"download": ["1"], "building": [str(world.building_a.pk)], "q": ["张"]}


def test_a_narrowing_without_a_form_field_is_kept_when_typing(world, login):
    response = login(world.users["command_post"]).get("/people/", {"building": world.building_a.pk})
    assert f'name="building" value="{world.building_a.pk}"' in response.content.decode()
