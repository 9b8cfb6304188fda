"""Who sees which staff rows: one's own, one's team's, one's grid's; anything else answers 404."""

import pytest
from django.conf import settings

from fangkong.staff import services
from fangkong.staff.models import Duty, Task, Team, TeamKind, TeamMember, Worker

from .helpers import TOMORROW, post, shifts, worker

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(world):
    command = world.users["command_post"]
    me = worker(world, "蔡文彬", user=world.users["building_leader"])
    mate = worker(world, "黄丽娟")
    stranger = worker(world, "吴国庆", grid=world.grid2)
    lane, far = post(world), post(world, "第二网格巡逻", grid=world.grid2)
    morning = shifts(world)[1]
    duties = {w.name: services.add_duty(command, p, w, TOMORROW, morning)[0]
              for w, p in ((me, lane), (mate, lane), (stranger, far))}
    return {"me": me, "mate": mate, "stranger": stranger, "duties": duties}


def test_a_worker_sees_their_own_shift_and_not_a_colleagues(world, staff):
    user = world.users["building_leader"]
    assert set(Duty.objects.visible_to(user)) == {staff["duties"]["蔡文彬"]}
    assert set(Worker.objects.visible_to(user)) == {staff["me"]}


def test_a_team_leader_sees_their_teams_shifts_and_tasks(world, staff):
    team = Team.objects.create(community=world.community, kind=TeamKind.GATE, name="卡口组", leader=staff["me"])
    TeamMember.objects.create(community=world.community, team=team, worker=staff["mate"])
    task = services.create_task(world.users["command_post"], world.community, "卡口值守", owner_team=team)
    user = world.users["building_leader"]
    assert set(Duty.objects.visible_to(user)) == {staff["duties"]["蔡文彬"], staff["duties"]["黄丽娟"]}
    assert list(Task.objects.visible_to(user)) == [task]


def test_a_grid_leader_sees_their_grids_workers_only(world, staff):
    visible = set(Worker.objects.visible_to(world.users["grid_leader"]))
    assert staff["stranger"] not in visible and staff["mate"] in visible


def test_a_worker_page_outside_scope_answers_404(login, world, staff):
    client = login(world.users["grid_leader"])
    assert client.get(f"/staff/workers/{staff['stranger'].pk}/").status_code == 404
    assert client.get(f"/staff/workers/{staff['mate'].pk}/").status_code == 200
    assert login(world.users["outsider"]).get(f"/staff/workers/{staff['mate'].pk}/").status_code == 404


def test_signing_on_someone_elses_duty_answers_404(login, world, staff):
    client = login(world.users["building_leader"])
    assert client.post(f"/staff/duties/{staff['duties']['吴国庆'].pk}/sign-on/").status_code == 404


def test_command_post_pages_render(login, world, staff):
    client = login(world.users["command_post"])
    for url in ["/staff/", "/staff/workers/", "/staff/teams/", "/staff/coverage/", "/staff/roster/",
                f"/staff/grids/{world.grid1.pk}/assignments/", "/staff/five/today/", "/staff/tasks/",
                "/staff/signups/", "/staff/roster/roster.xlsx", "/staff/roster/roster.pdf"]:
        response = client.get(url)
        assert response.status_code == 200, url
    body = client.get("/staff/workers/").content.decode()
    assert "139****1111" in body and "13905951111" not in body
    assert "人员与值守" in client.get("/staff/").content.decode()  # Chinese first
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the top bar's English switch
    english = client.get("/staff/").content.decode()
    assert "Staff and duties" in english and "人员与值守" not in english


def test_the_public_form_takes_a_signup_and_shows_nothing_back(client, world):
    response = client.post(f"/staff/join/?c={world.community.code}", {"name": "郑海峰", "phone": "13905958888"})
    body = response.content.decode()
    assert response.status_code == 200 and "郑海峰" not in body and "13905958888" not in body
    assert client.post(f"/staff/join/?c={world.community.code}", {"name": "", "phone": "1"}).status_code == 400


def test_the_evening_arrangements_print_per_team_from_the_roster_page(login, world, staff):
    import io

    from pypdf import PdfReader

    command = world.users["command_post"]
    gate = Team.objects.create(community=world.community, kind=TeamKind.GATE, name="卡口组", leader=staff["me"])
    TeamMember.objects.create(community=world.community, team=gate, worker=staff["mate"])
    far = Team.objects.create(community=world.community, kind=TeamKind.PEOPLE, name="巡查组", grid=world.grid2,
                              leader=staff["stranger"])
    services.create_task(command, world.community, "核对卡口登记表", owner_team=gate, due_on=TOMORROW)
    client = login(command)
    page = client.get("/staff/roster/").content.decode()
    assert f'/staff/roster/arrangements.pdf?day={TOMORROW:%Y-%m-%d}' in page
    response = client.get(f"/staff/roster/arrangements.pdf?day={TOMORROW:%Y-%m-%d}")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    texts = [p.extract_text() for p in reader.pages]
    assert len(texts) == 2  # one page per team
    gate_page = next(t for t in texts if "卡口组" in t)
    assert "核对卡口登记表" in gate_page and "蔡文彬" in gate_page and "黄丽娟" in gate_page
    assert "吴国庆" not in gate_page  # the other team's duty is on the other team's page
    assert "13905951111" not in "".join(texts)  # names only, no phones
    # A team leader prints their own team; another team answers 404; a bad id too, never a 500.
    leader = login(world.users["building_leader"])
    assert leader.get(f"/staff/roster/arrangements.pdf?team={gate.pk}").status_code == 200
    assert leader.get(f"/staff/roster/arrangements.pdf?team={far.pk}").status_code == 404
    assert leader.get("/staff/roster/arrangements.pdf?team=x").status_code == 404
