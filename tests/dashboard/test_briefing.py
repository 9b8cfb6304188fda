import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import translation

from fangkong.core.actions import NotAllowed
from fangkong.core.models import AuditEntry, Person
from fangkong.dashboard import briefing as render
from fangkong.dashboard.models import Briefing, Problem, ProblemKind
from fangkong.dashboard.services import DashboardError, add_problem, issue_briefing

pytestmark = pytest.mark.django_db


def test_grid_leader_raises_a_problem_of_their_grid(day_world):
    problem = add_problem(day_world.users["grid_leader"], day_world.community, day_world.grid1, "  缺少防护服  ")
    assert problem.text == "缺少防护服"
    assert AuditEntry.objects.filter(object_type__icontains="problem", object_id=str(problem.pk)).exists()


def test_grid_leader_may_not_raise_for_another_grid(day_world):
    with pytest.raises(NotAllowed):
        add_problem(day_world.users["grid_leader"], day_world.community, day_world.grid2, "缺人手")
    assert not Problem.objects.exists()


def test_an_empty_or_long_problem_says_what_is_wrong(day_world):
    leader = day_world.users["grid_leader"]
    with pytest.raises(DashboardError) as empty:
        add_problem(leader, day_world.community, day_world.grid1, "   ")
    with pytest.raises(DashboardError) as long:
        add_problem(leader, day_world.community, day_world.grid1, "字" * 301)
    assert (empty.value.code, long.value.code) == ("empty", "too_long")
    assert not Problem.objects.exists()


def test_only_the_command_post_issues_the_briefing(day_world):
    with pytest.raises(NotAllowed):
        issue_briefing(day_world.users["grid_leader"], day_world.community)
    assert not Briefing.objects.exists()


def test_an_issued_briefing_keeps_its_figures_after_the_data_changed(day_world, today):
    yesterday = today - dt.timedelta(days=1)
    old = issue_briefing(day_world.users["command_post"], day_world.community, yesterday)
    Person.objects.create(community=day_world.community, household=day_world.household_a1, name="新住户")
    issue_briefing(day_world.users["command_post"], day_world.community, today)
    old.refresh_from_db()
    assert render.community_figures(old)["persons"] == 3
    new = Briefing.objects.get(day=today)
    assert render.community_figures(new)["persons"] == 4
    assert new.previous["community"]["persons"] == 3  # the change is against the issued one


def test_the_paste_text_has_the_four_sections_in_chinese(day_world, today):
    command = day_world.users["command_post"]
    add_problem(day_world.users["grid_leader"], day_world.community, day_world.grid1, "外出人员联系不上")
    add_problem(command, day_world.community, None, "需要增派核酸采样人员", kind=ProblemKind.NEED)
    issue_briefing(command, day_world.community, today - dt.timedelta(days=1))
    Person.objects.create(community=day_world.community, household=day_world.household_a1, name="新住户")
    issued = issue_briefing(command, day_world.community, today, tomorrow="第四轮全员核酸")
    with translation.override("zh-hans"):
        text = render.as_text(issued)
    headings = [line for line in text.splitlines() if line[:2] in ("一、", "二、", "三、", "四、")]
    assert headings == ["一、总体情况", "二、各网格", "三、存在问题", "四、明日安排"]
    assert "实有人口 4（较昨日+1）" in text
    assert "（一）第一网格：" in text and "（二）第二网格：" in text
    assert "1. 第一网格（问题）：外出人员联系不上" in text
    assert "2. 指挥部（需求）：需要增派核酸采样人员" in text
    assert "逾期任务：1" in text
    tomorrow = text.split("四、明日安排")[1]
    assert "第四轮全员核酸" in tomorrow and "明日到期解除隔离：1" in tomorrow


def test_the_paste_text_in_english(day_world, today):
    issued = issue_briefing(day_world.users["command_post"], day_world.community, today)
    with translation.override("en"):
        text = render.as_text(issued)
    assert "1. Overall" in text and "4. Tomorrow" in text and "(1) 第一网格:" in text


def test_the_pdf_carries_the_chinese_text(day_world, today):
    from pypdf import PdfReader

    add_problem(day_world.users["grid_leader"], day_world.community, day_world.grid1, "外出人员联系不上")
    issued = issue_briefing(day_world.users["command_post"], day_world.community, today)
    with translation.override("zh-hans"):
        content = render.as_pdf(issued)
    extracted = "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    for words in ("总体情况", "存在问题", "外出人员联系不上", "潯美社区"):
        assert words in extracted.replace(" ", "").replace("\n", "")


def test_the_workbook_has_every_figure_by_grid(day_world, today):
    from openpyxl import load_workbook

    issued = issue_briefing(day_world.users["command_post"], day_world.community, today)
    with translation.override("zh-hans"):
        book = load_workbook(io.BytesIO(render.as_xlsx(issued)))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0][:5] == ("指标", "潯美社区", "较昨日", "第一网格", "第二网格")
    assert ("实有人口", 3, None, 2, 1) in [row[:5] for row in rows]


def test_the_scheduler_command_issues_every_community(day_world, today):
    out = io.StringIO()
    call_command("issue_briefing", stdout=out)
    assert Briefing.objects.filter(day=today).count() == 2
    assert "xunmei" in out.getvalue()


def test_the_demo_has_yesterdays_briefing_and_todays_problems(day_world, today):
    from fangkong.dashboard import demo

    demo.add_demo(day_world.community, day_world.users["command_post"], today, seed=1)
    assert Briefing.objects.get().day == today - dt.timedelta(days=1)
    assert Problem.objects.filter(day=today).count() == 2  # the test world has two grids


def test_grid_staff_read_the_briefing_of_their_grids_only(day_world, login):
    w = day_world
    add_problem(w.users["grid_leader"], w.community, w.grid1, "独居老人无人照看")
    add_problem(w.users["command_post"], w.community, w.grid2, "第二网格缺少采样人员")
    briefing = issue_briefing(w.users["command_post"], w.community)
    client = login(w.users["grid_leader"])
    page = client.get(f"/dashboard/briefings/{briefing.pk}/").content.decode()
    assert "第一网格" in page and "第二网格" not in page
    assert "独居老人无人照看" in page and "第二网格缺少采样人员" not in page
    text = client.get(f"/dashboard/briefings/{briefing.pk}/text/").content.decode()
    # The overall figures are the sum over their grid: 2 residents, not the community's 3.
    with translation.override("en"):
        assert render.community_figures(render.for_viewer(briefing, {w.grid1.pk}))["persons"] == 2
    assert "第二网格" not in text
    listing = client.get(f"/dashboard/c/{w.community.pk}/briefings/").content.decode()
    assert f"/dashboard/briefings/{briefing.pk}/" in listing and "fk-issue-form" not in listing
    # The command post reads it whole; a sampler of the community not at all.
    assert "第二网格" in login(w.users["command_post"]).get(f"/dashboard/briefings/{briefing.pk}/").content.decode()
    assert login(w.users["sampler"]).get(f"/dashboard/briefings/{briefing.pk}/").status_code in (403, 404)


def test_a_failed_briefing_job_says_why(day_world, monkeypatch):
    from fangkong.dashboard import services
    from fangkong.dashboard.models import BriefingJob

    job = BriefingJob.objects.create(community=day_world.community, day=dt.date.today(),
                                     asked_by=day_world.users["command_post"])

    def broken(*args, **kwargs):
        raise RuntimeError("磁盘已满")

    monkeypatch.setattr(services, "issue_briefing", broken)
    with pytest.raises(RuntimeError):
        services.run_briefing_job(job.pk)
    job.refresh_from_db()
    assert (job.status, job.message) == ("failed", "磁盘已满")
    assert not Briefing.objects.exists()


def test_the_scheduler_issues_only_the_communities_named(day_world):
    call_command("issue_briefing", day_world.other_community.code, stdout=io.StringIO())
    assert list(Briefing.objects.values_list("community", flat=True)) == [day_world.other_community.pk]


def test_grid_staff_raise_problems_of_a_grid_not_the_command_posts(day_world):
    with pytest.raises(DashboardError) as refused:
        add_problem(day_world.users["grid_leader"], day_world.community, None, "缺人手")
    assert refused.value.code == "no_grid" and not Problem.objects.exists()
    assert add_problem(day_world.users["command_post"], day_world.community, None, "统筹调配").grid is None
