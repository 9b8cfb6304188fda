"""FiguresCache: the pages read the figures counted at most FANGKONG_FIGURES_MAX_AGE seconds ago;
a district's stale communities are shown as they are and refreshed in the background."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fangkong.core.models import Person
from fangkong.dashboard.figures import compute, daily_figures
from fangkong.dashboard.models import FiguresCache
from fangkong.dashboard.services import viewable_figures

pytestmark = pytest.mark.django_db


def _age(world, seconds):
    FiguresCache.objects.filter(community=world.community).update(
        computed_at=timezone.now() - dt.timedelta(seconds=seconds))


def test_a_page_reads_the_figures_counted_within_the_maximum_age(day_world, today, settings):
    settings.FANGKONG_FIGURES_MAX_AGE = 60
    user = day_world.users["command_post"]
    assert viewable_figures(user, today).communities[day_world.community.pk]["figures"]["persons"] == 3
    Person.objects.create(community=day_world.community, household=day_world.household_a1, name="新住户")
    _age(day_world, 50)
    assert viewable_figures(user, today).communities[day_world.community.pk]["figures"]["persons"] == 3
    _age(day_world, 61)  # older than a minute: one community is counted again, now
    figures = viewable_figures(user, today)
    assert figures.communities[day_world.community.pk]["figures"]["persons"] == 4
    assert (timezone.now() - FiguresCache.objects.get(community=day_world.community).computed_at).total_seconds() < 5


def test_the_grid_leaders_view_cut_from_the_cache_is_the_counted_one(day_world, today, settings):
    settings.FANGKONG_FIGURES_MAX_AGE = 60
    compute(today, [day_world.community.pk])
    leader = day_world.users["grid_leader"]
    cached = viewable_figures(leader, today)
    live = daily_figures(leader, today)
    assert list(cached.grids) == [day_world.grid1.pk]
    assert cached.communities[day_world.community.pk]["figures"] == live.communities[day_world.community.pk]["figures"]
    assert cached.communities[day_world.community.pk]["figures"]["persons"] == 2  # grid 1 only


def test_a_district_is_shown_as_cached_and_refreshed_in_the_background(
        day_world, today, settings, django_capture_on_commit_callbacks):
    settings.FANGKONG_FIGURES_MAX_AGE = 60
    viewer = day_world.users["district_viewer"]
    viewable_figures(viewer, today)  # none cached yet: counted now
    Person.objects.create(community=day_world.community, household=day_world.household_a1, name="新住户")
    _age(day_world, 120)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        figures = viewable_figures(viewer, today)
    assert figures.total["persons"] == 4  # 3 as cached two minutes ago, 1 in the other community
    assert len(queued) == 1 and FiguresCache.objects.get(community=day_world.community).refresh_asked_at
    with django_capture_on_commit_callbacks(execute=False) as again:
        viewable_figures(viewer, today)
    assert again == []  # asked once, whoever else looks meanwhile
    queued[0]()
    assert viewable_figures(viewer, today).total["persons"] == 5
    assert FiguresCache.objects.get(community=day_world.community).refresh_asked_at is None


def test_the_district_read_does_not_grow_with_the_communities(day_world, today, settings):
    settings.FANGKONG_FIGURES_MAX_AGE = 60
    viewer = day_world.users["district_viewer"]
    viewable_figures(viewer, today)
    with CaptureQueriesContext(connection) as queries:
        viewable_figures(viewer, today)
    assert len(queries.captured_queries) <= 3  # the cached rows and the communities' names


def test_the_scheduler_counts_every_community_into_the_cache(day_world, today):
    import io

    from django.core.management import CommandError, call_command

    out = io.StringIO()
    call_command("refresh_figures", stdout=out)
    assert "2 communities" in out.getvalue()
    assert FiguresCache.objects.get(community=day_world.community, day=today).total["persons"] == 3
    with pytest.raises(CommandError, match="no community with code nope"):
        call_command("refresh_figures", "nope")
    with pytest.raises(CommandError, match="not a date"):
        call_command("refresh_figures", "--day", "2026-13-01")
