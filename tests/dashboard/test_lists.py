"""The list behind each tile of a grid has as many rows as the tile says."""

import pytest

from fangkong.dashboard.figures import BY_KEY, daily_figures
from fangkong.dashboard.lists import for_grid, rows

pytestmark = pytest.mark.django_db


def test_each_grids_list_counts_what_its_tile_says(day_world, today):
    w = day_world
    figures = daily_figures(w.users["command_post"], today, [w.community])
    rounds = figures.communities[w.community.pk]["rounds"]
    checked = 0
    for key in BY_KEY:
        found = rows(key, today, rounds)
        assert found is not None, key
        kind, queryset = found
        for grid in (w.grid1, w.grid2):
            n = for_grid(kind, queryset, w.community.pk, grid.pk).count()
            assert n == figures.grids[grid.pk]["figures"][key], (key, grid.name)
            checked += n
        assert for_grid(kind, queryset, w.community.pk, None).count() == \
            figures.communities[w.community.pk]["figures"][key], key
    assert checked > 30  # the hand-counted day is not empty


def test_a_grid_tile_opens_that_grids_list(day_world, login):
    w = day_world
    client = login(w.users["command_post"])
    data = client.get("/dashboard/figures.json").json()
    cell = next(t for g in data["columns"][1]["groups"] for t in g["tiles"] if t["key"] == "seals_broken")
    assert cell["url"] == f"/dashboard/c/{w.community.pk}/list/?figure=seals_broken&grid={w.grid2.pk}"
    page = client.get(cell["url"]).content.decode()
    assert '<span id="fk-list-count">1</span>' in page and "第二网格" in page
    untested = client.get(f"/dashboard/c/{w.community.pk}/list/?figure=untested&grid={w.grid2.pk}").content.decode()
    assert "王五" in untested and "张三" not in untested


def test_a_grid_leader_opens_only_their_grids_lists(day_world, login):
    w = day_world
    client = login(w.users["grid_leader"])
    url = f"/dashboard/c/{w.community.pk}/list/?figure=persons&grid="
    assert client.get(url + str(w.grid1.pk)).status_code == 200
    assert client.get(url + str(w.grid2.pk)).status_code == 404
    whole = client.get(f"/dashboard/c/{w.community.pk}/list/?figure=persons").content.decode()
    assert "张三" in whole and "王五" not in whole  # their grid's rows only
    assert client.get(f"/dashboard/c/{w.community.pk}/list/?figure=nope").status_code == 404
