"""Numbers in the query that no database key holds answer 400 with the JSON error body, never a
500: ids beyond bigint (SQLite overflows at 2**63 too), ids written as floats, and page limits and
offsets beyond what the database takes (issue 10 §4)."""

import pytest

MAX_LIMIT = 1000  # fangkong.core.rest.pagination.MAX_LIMIT

BAD = [
    "/api/persons/?community=1e19",
    "/api/persons/?grid=99999999999999999999",
    "/api/households/?building=9223372036854775808",
    "/api/buildings/?grid=-1",
    "/api/grids/?zone=1.5",
    f"/api/persons/?limit={10**30}",
    f"/api/persons/?offset={10**30}",
    f"/api/persons/?limit={MAX_LIMIT + 1}",
    "/api/persons/?limit=abc",
]


@pytest.mark.parametrize("path", BAD)
def test_an_out_of_range_number_answers_400_with_the_field_named(as_user, world, path):
    client = as_user("command_post")
    client.raise_request_exception = False
    response = client.get(path)
    assert response.status_code == 400, (path, response.status_code)
    body = response.json()
    assert body["code"] == "invalid"
    parameter = path.split("?")[1].split("=")[0]
    assert parameter in body["fields"], body


def test_the_largest_id_and_limit_still_answer(as_user, world):
    client = as_user("command_post")
    assert client.get("/api/persons/?community=9223372036854775807").json()["results"] == []
    assert client.get(f"/api/persons/?limit={MAX_LIMIT}").status_code == 200
    assert len(client.get("/api/persons/?limit=1").json()["results"]) == 1


def test_the_person_list_page_ignores_an_out_of_range_filter(as_user, world):
    client = as_user("command_post")
    assert client.get("/people/?grid=99999999999999999999&community=1e19").status_code == 200
