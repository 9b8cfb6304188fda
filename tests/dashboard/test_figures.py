import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fangkong.core.models import Building, Household, Person
from fangkong.dashboard.figures import daily_figures, figure_url

pytestmark = pytest.mark.django_db


def test_each_figure_matches_the_hand_count(day_world, today):
    w = day_world
    figures = daily_figures(w.users["command_post"], today, [w.community])
    community = figures.communities[w.community.pk]["figures"]
    grid1 = figures.grids[w.grid1.pk]["figures"]
    grid2 = figures.grids[w.grid2.pk]["figures"]
    expected = {
        # key: (community, grid 1, grid 2)
        "persons": (3, 2, 1), "persons_present": (2, 1, 1), "persons_away": (1, 1, 0),
        "households": (4, 2, 2), "households_present": (2, 1, 1), "households_away": (1, 1, 0),
        "households_vacant": (1, 0, 1),
        "screened": (1, 1, 0), "screen_pending": (3, 1, 2),
        "key_persons": (2, 1, 1), "key_new": (1, 1, 0), "key_orange": (1, 1, 0), "key_yellow": (1, 0, 1),
        "key_red": (0, 0, 0), "confirmed": (0, 0, 0), "close_contacts": (1, 1, 0), "fevers": (1, 0, 1),
        "central": (1, 1, 0), "home": (1, 0, 1), "sealed": (1, 0, 1), "seals_broken": (1, 0, 1),
        "releases_today": (1, 1, 0), "releases_tomorrow": (1, 0, 1), "reports_missing": (1, 1, 0),
        "to_test": (3, 2, 1), "sampled": (2, 2, 0), "results_back": (2, 2, 0), "untested": (1, 0, 1),
        "positives": (1, 1, 0), "retest": (0, 0, 0),
        "tasks_open": (2, 1, 1), "tasks_overdue": (1, 0, 1),
    }
    got = {key: (community[key], grid1[key], grid2[key]) for key in expected}
    assert got == expected


def test_other_community_counts_nowhere(day_world, today):
    figures = daily_figures(day_world.users["command_post"], today)
    assert list(figures.communities) == [day_world.community.pk]
    assert figures.total["key_persons"] == 2  # the other community's confirmed case is not ours


def test_grid_leader_gets_only_their_grid_and_its_sum(day_world, today):
    figures = daily_figures(day_world.users["grid_leader"], today)
    assert list(figures.grids) == [day_world.grid1.pk]
    assert figures.communities[day_world.community.pk]["figures"]["persons"] == 2
    assert figures.communities[day_world.community.pk]["figures"]["tasks_overdue"] == 0


def test_district_viewer_sums_their_communities(day_world, today):
    figures = daily_figures(day_world.users["district_viewer"], today)
    assert set(figures.communities) == {day_world.community.pk, day_world.other_community.pk}
    assert figures.total["key_persons"] == 3
    assert figures.total["persons"] == 4


def test_roles_without_the_figures_see_nothing(day_world, today):
    for role in ("building_leader", "sampler", "guard", "nobody"):
        assert daily_figures(day_world.users[role], today).communities == {}, role


def test_each_figure_links_to_its_list(day_world, today):
    rounds = {"testing": day_world.testing.pk, "screening": day_world.screening.pk}
    assert figure_url("untested", rounds) == f"/testing/{day_world.testing.pk}/untested/"
    assert figure_url("key_red", rounds, 5) == "/health/?colour=red&community=5"
    assert figure_url("untested", {}) == ""


def _grow(world, n):
    """n more buildings with a household and a person each, spread over both grids."""
    for i in range(n):
        grid = world.grid1 if i % 2 else world.grid2
        building = Building.objects.create(community=world.community, grid=grid, door_number=f"9{i:03d}")
        household = Household.objects.create(community=world.community, building=building, room="101", floor=1)
        Person.objects.create(community=world.community, household=household, name=f"住户{i}")


def test_queries_do_not_grow_with_buildings(day_world, today):
    user = day_world.users["command_post"]
    daily_figures(user, today)  # the user's roles are read once and kept
    with CaptureQueriesContext(connection) as small:
        daily_figures(user, today)
    _grow(day_world, 12)
    with CaptureQueriesContext(connection) as large:
        figures = daily_figures(user, today)
    assert figures.communities[day_world.community.pk]["figures"]["persons"] == 15
    # Constant whatever the size; and a few per figure group: 17 for core, registry, health,
    # testing and staff, and the supplies app's own figures (4) with its community settings.
    assert len(large.captured_queries) == len(small.captured_queries) <= 24
