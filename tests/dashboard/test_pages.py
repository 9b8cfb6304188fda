import pytest

from fangkong.dashboard.models import Briefing, BriefingJob, Problem
from fangkong.dashboard.services import issue_briefing

pytestmark = pytest.mark.django_db


def test_command_post_sees_tiles_by_grid(day_world, login):
    client = login(day_world.users["command_post"])
    page = client.get("/dashboard/").content.decode()
    assert "第一网格" in page and "第二网格" in page
    assert f'href="/testing/{day_world.testing.pk}/untested/?community={day_world.community.pk}"' in page
    assert "dashboard/dashboard.js" in page and "<script>" not in page


def test_the_json_has_the_same_figures(day_world, login):
    data = login(day_world.users["command_post"]).get("/dashboard/figures.json").json()
    tiles = {t["key"]: t["value"] for g in data["total"]["groups"] for t in g["tiles"]}
    assert tiles["persons"] == 3 and tiles["seals_broken"] == 1
    assert [c["name"] for c in data["columns"]] == ["第一网格", "第二网格"]


def test_grid_leader_sees_only_their_grid(day_world, login):
    data = login(day_world.users["grid_leader"]).get("/dashboard/figures.json").json()
    assert [c["name"] for c in data["columns"]] == ["第一网格"]
    tiles = {t["key"]: t["value"] for g in data["total"]["groups"] for t in g["tiles"]}
    assert tiles["persons"] == 2


def test_outside_the_scope_answers_404(day_world, login):
    leader = login(day_world.users["grid_leader"])
    assert leader.get(f"/dashboard/c/{day_world.other_community.pk}/").status_code == 404
    assert login(day_world.users["sampler"]).get("/dashboard/figures.json").status_code == 404
    briefing = issue_briefing(day_world.users["command_post"], day_world.community)
    outsider = login(day_world.users["outsider"])
    for suffix in ("", "text/", "briefing.pdf", "briefing.xlsx"):
        assert outsider.get(f"/dashboard/briefings/{briefing.pk}/{suffix}").status_code == 404


def test_district_viewer_sees_the_sum_and_each_community(day_world, login):
    data = login(day_world.users["district_viewer"]).get("/dashboard/figures.json").json()
    assert [c["name"] for c in data["columns"]] == ["潯美社区", "金沙社区"]
    tiles = {t["key"]: t["value"] for g in data["total"]["groups"] for t in g["tiles"]}
    assert tiles["persons"] == 4


def test_grid_leader_adds_a_problem_in_the_form(day_world, login):
    client = login(day_world.users["grid_leader"])
    url = f"/dashboard/c/{day_world.community.pk}/problems/"
    response = client.post(url, {"grid": day_world.grid1.pk, "kind": "need", "text": "需要口罩"}, follow=True)
    assert "需要口罩" in response.content.decode()
    assert Problem.objects.get().grid == day_world.grid1
    # A grid they do not reach is not offered, and posting it answers 404.
    assert client.post(url, {"grid": day_world.grid2.pk, "text": "x"}).status_code == 404


def test_command_post_issues_and_opens_the_briefing(day_world, login, django_capture_on_commit_callbacks):
    client = login(day_world.users["command_post"])
    url = f"/dashboard/c/{day_world.community.pk}/briefings/"
    with django_capture_on_commit_callbacks(execute=False) as queued:
        asked = client.post(url, {"tomorrow": "继续摸排"})
    # Generated in the background: the page waits on the job, which refreshes itself.
    job = BriefingJob.objects.get()
    assert asked["Location"] == f"/dashboard/briefing-jobs/{job.pk}/" and len(queued) == 1
    assert not Briefing.objects.exists()
    waiting = client.get(asked["Location"]).content.decode()
    assert 'hx-trigger="every 2s"' in waiting and 'data-status="pending"' in waiting
    queued[0]()  # the task runs (Celery, a thread, or here)
    response = client.get(asked["Location"], follow=True)
    briefing = Briefing.objects.get()
    assert BriefingJob.objects.get().status == "done"
    assert response.redirect_chain[-1][0] == f"/dashboard/briefings/{briefing.pk}/"
    page = response.content.decode()
    assert "继续摸排" in page
    pdf = client.get(f"/dashboard/briefings/{briefing.pk}/briefing.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    listing = client.get(f"/dashboard/c/{day_world.community.pk}/briefings/").content.decode()
    assert f"/dashboard/briefings/{briefing.pk}/" in listing


def test_grid_leader_cannot_issue_from_the_page(day_world, login):
    client = login(day_world.users["grid_leader"])
    client.post(f"/dashboard/c/{day_world.community.pk}/briefings/", {})
    assert not Briefing.objects.exists()


def test_the_top_bar_links_the_dashboard_for_those_who_see_it(day_world, login):
    assert 'href="/dashboard/"' in login(day_world.users["command_post"]).get("/").content.decode()
    assert 'href="/dashboard/"' not in login(day_world.users["sampler"]).get("/").content.decode()


def test_a_figure_over_the_days_of_the_briefings(day_world, login, today):
    import datetime as dt

    from fangkong.core.models import Person

    command = day_world.users["command_post"]
    issue_briefing(command, day_world.community, today - dt.timedelta(days=1))
    Person.objects.create(community=day_world.community, household=day_world.household_a1, name="新住户")
    issue_briefing(command, day_world.community, today)
    client = login(command)
    data = client.get(f"/dashboard/c/{day_world.community.pk}/trend.json?figure=persons").json()
    assert data["values"] == [3, 4] and data["days"][-1] == today.isoformat()
    assert client.get(f"/dashboard/c/{day_world.community.pk}/trend.json?figure=nope").status_code == 400
    # Grid staff: the sum over their grids (grid 1: 张三, 李四 and the newcomer), never the others'.
    assert login(day_world.users["grid_leader"]).get(
        f"/dashboard/c/{day_world.community.pk}/trend.json").json()["values"] == [2, 3]


def test_wall_mode_has_large_tiles_and_a_board_by_grid(day_world, login):
    w = day_world
    client = login(w.users["command_post"])
    assert f'href="/dashboard/c/{w.community.pk}/wall/"' in client.get("/dashboard/").content.decode()
    page = client.get(f"/dashboard/c/{w.community.pk}/wall/").content.decode()
    assert 'class="fk-wall-page"' in page and "dashboard/wall.js" in page and "<script>" not in page
    assert 'data-every="30"' in page and f'data-json="/dashboard/c/{w.community.pk}/figures.json?wall=1"' in page
    # Each grid's cell opens that grid's list, and the list leads back to the wall.
    link = f"/dashboard/c/{w.community.pk}/list/?figure=seals_broken&amp;grid={w.grid2.pk}&amp;from=wall"
    assert link in page
    back = client.get(link.replace("&amp;", "&")).content.decode()
    assert f'href="/dashboard/c/{w.community.pk}/wall/"' in back
    data = client.get(f"/dashboard/c/{w.community.pk}/figures.json?wall=1").json()
    assert all("from=wall" in t["url"] for g in data["columns"][0]["groups"] for t in g["tiles"] if t["url"])


def test_district_wall_is_by_community(day_world, login):
    page = login(day_world.users["district_viewer"]).get("/dashboard/wall/").content.decode()
    assert "潯美社区" in page and "金沙社区" in page and "第一网格" not in page
    assert login(day_world.users["sampler"]).get("/dashboard/wall/").status_code == 404


def test_grid_leader_is_not_offered_the_command_posts_own_problems(day_world, login):
    url = f"/dashboard/c/{day_world.community.pk}/problems/"
    option = '<option value="">'
    assert option not in login(day_world.users["grid_leader"]).get(url).content.decode()
    assert option in login(day_world.users["command_post"]).get(url).content.decode()
