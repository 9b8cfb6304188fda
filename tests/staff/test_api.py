"""Staff's API: reads through scope (phones masked), writes through the services (require: 403;
refusals: 400 naming the field)."""

import datetime as dt

import pytest
from django.utils import timezone

from fangkong.core.models import AuditEntry
from fangkong.staff import services
from fangkong.staff.models import Assignment, Duty, Task, TaskStatus, Team, TeamKind, TeamMember, Worker

from .helpers import TOMORROW, post, shifts, worker

pytestmark = pytest.mark.django_db


def rows(response):
    body = response.json()
    return body["results"] if isinstance(body, dict) and "results" in body else body


def test_workers_go_out_masked_and_only_in_scope(login, world):
    mine = worker(world, "蔡文彬")
    far = worker(world, "吴国庆", grid=world.grid2)
    body = login(world.users["grid_leader"]).get("/api/staff/workers/")
    assert body.status_code == 200
    listed = {row["id"]: row for row in rows(body)}
    assert set(listed) == {mine.pk}
    assert listed[mine.pk]["phone"] == "139****1111" and "13905951111" not in body.content.decode()
    assert login(world.users["grid_leader"]).get(f"/api/staff/workers/{far.pk}/").status_code == 404


def test_a_worker_is_added_through_the_service_and_a_read_role_is_refused(login, world):
    payload = {"community": world.community.pk, "name": "郑海峰", "phone": "13905958888", "grid": world.grid1.pk}
    response = login(world.users["command_post"]).post("/api/staff/workers/", payload, content_type="application/json")
    assert response.status_code == 201, response.content
    created = Worker.objects.get(pk=response.json()["id"])
    assert created.phone == "13905958888" and response.json()["phone"] == "139****8888"
    assert AuditEntry.objects.filter(object_type="worker", object_id=str(created.pk), action="create").exists()
    bad = login(world.users["command_post"]).post("/api/staff/workers/", {**payload, "phone": "12"},
                                                  content_type="application/json")
    assert bad.status_code == 400 and bad.json()["code"] == "bad_phone" and "phone" in bad.json()["fields"]
    refused = login(world.users["district_viewer"]).post("/api/staff/workers/", payload,
                                                         content_type="application/json")
    assert refused.status_code == 403 and refused.json()["code"] == "not_allowed"
    assert Worker.objects.filter(name="郑海峰").count() == 1


def test_assignments_are_made_ended_and_handed_over_through_the_api(login, world):
    client = login(world.users["command_post"])
    a, b = worker(world), worker(world, "黄丽娟")
    made = client.post("/api/staff/assignments/", {"worker": a.pk, "building": world.building_a.pk},
                       content_type="application/json")
    assert made.status_code == 201 and made.json()["door_number"] == world.building_a.door_number
    again = client.post("/api/staff/assignments/", {"worker": a.pk, "building": world.building_a.pk},
                        content_type="application/json")
    assert again.status_code == 400 and again.json()["code"] == "already_assigned"
    moved = client.post(f"/api/staff/assignments/{made.json()['id']}/hand-over/", {"worker": b.pk},
                        content_type="application/json")
    assert moved.status_code == 201 and moved.json()["worker"] == b.pk
    assert Assignment.objects.get(pk=made.json()["id"]).ended_on == timezone.localdate()
    assert services.responsible_for([world.building_a.pk]) == {world.building_a.pk: b}
    # A grid leader may not assign in another grid's building: it is not even found for them.
    outside = login(world.users["grid_leader"]).post(
        "/api/staff/assignments/", {"worker": a.pk, "building": world.building_c.pk}, content_type="application/json")
    assert outside.status_code == 400 and "building" in outside.json()["fields"]


def test_rosters_warn_refuse_and_sign_on_only_ones_own_duty(login, world):
    command = login(world.users["command_post"])
    lane, w = post(world), worker(world, user=world.users["building_leader"])
    morning = shifts(world)[1]
    made = command.post("/api/staff/duties/", {"post": lane.pk, "worker": w.pk, "on": str(TOMORROW),
                                               "shift": morning.pk}, content_type="application/json")
    assert made.status_code == 201 and made.json()["warnings"] == []
    twice = command.post("/api/staff/duties/", {"post": lane.pk, "worker": w.pk, "on": str(TOMORROW),
                                                "shift": morning.pk}, content_type="application/json")
    assert twice.status_code == 400 and twice.json()["code"] == "already_rostered"
    past = command.post("/api/staff/duties/", {"post": lane.pk, "worker": w.pk,
                                               "on": str(timezone.localdate() - dt.timedelta(days=1)),
                                               "shift": morning.pk}, content_type="application/json")
    assert past.status_code == 400 and "on" in past.json()["fields"]
    week = command.get(f"/api/staff/duties/?since={TOMORROW}&until={TOMORROW + dt.timedelta(days=6)}")
    assert [row["worker_name"] for row in rows(week)] == [w.name]
    # Not yet time: refused with a message naming the post; someone else's duty is not found.
    early = login(world.users["building_leader"]).post(f"/api/staff/duties/{made.json()['id']}/sign-on/")
    assert early.status_code == 400 and early.json()["code"] == "not_rostered"
    other = Duty.objects.create(community=world.community, post=lane, shift=morning, worker=worker(world, "吴国庆"),
                                on=TOMORROW, starts_at=timezone.now(), ends_at=timezone.now() + dt.timedelta(hours=8))
    assert login(world.users["building_leader"]).post(f"/api/staff/duties/{other.pk}/sign-on/").status_code == 404
    command = login(world.users["command_post"])  # the same test client: log back in
    assert command.delete(f"/api/staff/duties/{made.json()['id']}/").status_code == 204
    assert not Duty.objects.filter(pk=made.json()["id"]).exists()


def test_teams_and_tasks_for_a_team_leader(login, world):
    command = login(world.users["command_post"])
    me = worker(world, "蔡文彬", user=world.users["building_leader"])
    mate = worker(world, "黄丽娟")
    team = command.post("/api/staff/teams/", {"community": world.community.pk, "kind": TeamKind.GATE,
                                              "name": "卡口组", "leader": me.pk}, content_type="application/json")
    assert team.status_code == 201 and team.json()["members"] == [me.pk]
    joined = command.post(f"/api/staff/teams/{team.json()['id']}/members/", {"worker": mate.pk},
                          content_type="application/json")
    assert sorted(joined.json()["members"]) == sorted([me.pk, mate.pk])
    task = command.post("/api/staff/tasks/", {"community": world.community.pk, "title": "卡口登记表核对",
                                              "owner_team": team.json()["id"]}, content_type="application/json")
    assert task.status_code == 201 and task.json()["due_on"] == str(timezone.localdate())
    assert command.post("/api/staff/tasks/", {"community": world.community.pk, "title": "x"},
                        content_type="application/json").json()["code"] == "one_owner"
    leader = login(world.users["building_leader"])
    assert [row["id"] for row in rows(leader.get("/api/staff/tasks/"))] == [task.json()["id"]]
    assert [row["id"] for row in rows(leader.get("/api/staff/teams/"))] == [team.json()["id"]]
    closed = leader.post(f"/api/staff/tasks/{task.json()['id']}/close/")
    assert closed.status_code == 200 and closed.json()["status"] == TaskStatus.DONE
    assert Task.objects.get(pk=task.json()["id"]).status == TaskStatus.DONE
    assert TeamMember.objects.filter(team=Team.objects.get(pk=team.json()["id"])).count() == 2


def test_a_worker_falling_ill_comes_off_the_roster_through_the_api(login, world):
    command = login(world.users["command_post"])
    w = worker(world)
    services.add_duty(world.users["command_post"], post(world), w, TOMORROW, shifts(world)[1])
    response = command.post(f"/api/staff/workers/{w.pk}/health/", {"health": "close_contact"},
                            content_type="application/json")
    assert response.status_code == 200 and response.json()["available"] is False
    assert not Duty.objects.filter(worker=w).exists()
    assert command.post(f"/api/staff/workers/{w.pk}/health/", {"health": "fine"},
                        content_type="application/json").status_code == 400
