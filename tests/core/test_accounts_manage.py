"""The command post manages its people's accounts in the pages: one at a time or pasted, a
one-time password on a printable slip, roles and scope, reset, deactivation with immediate effect,
the reveal permission, and lockout by name and address with an unlock."""

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from rest_framework.authtoken.models import Token

from fangkong.core import accounts
from fangkong.core.actions import NotAllowed
from fangkong.core.errors import ServiceError
from fangkong.core.models import AccountProfile, AuditEntry, Building, Grid, Role, RoleAssignment
from tests.factories import PASSWORD, make_user


def _slip_password(client, username):
    html = client.get("/setup/accounts/slips/").content.decode()
    assert f'data-slip="{username}"' in html
    return html.split("data-password>")[1].split("<")[0]


def test_one_new_account_gets_a_slip_with_a_qr_code_shown_once(world, login):
    client = login(world.users["command_post"])
    response = client.post(f"/setup/accounts/new/?community={world.community.pk}", {
        "full_name": "王芳", "phone": "139 0595 1234", "organisation": "区税务局",
        "role": Role.BUILDING_LEADER, "buildings": [world.building_b.pk]})
    assert response.status_code == 302
    user = User.objects.get(first_name="王芳")
    assert user.username == "wf1234"
    html = client.get("/setup/accounts/slips/").content.decode()
    assert "data:image/svg+xml" in html and "wf1234" in html
    password = html.split("data-password>")[1].split("<")[0]
    assert user.check_password(password)
    assert password not in client.get("/setup/accounts/slips/").content.decode()  # shown once
    assignment = RoleAssignment.objects.get(user=user)
    assert list(assignment.buildings.all()) == [world.building_b]
    entry = AuditEntry.objects.get(action="create", object_type="user", object_id=str(user.pk))
    assert entry.changes["phone"] == ["", "139****1234"]


def test_the_list_shows_roles_scope_and_masked_phones(world, login):
    accounts.create_account(world.users["command_post"], world.community, full_name="王芳", phone="13905951234",
                            role=Role.GRID_WORKER, grids=[world.grid2])
    html = login(world.users["command_post"]).get(f"/setup/accounts/?community={world.community.pk}").content.decode()
    assert "139****1234" in html and "13905951234" not in html
    assert world.grid2.name in html
    assert "gridworker" in html  # accounts made elsewhere are listed too


def test_a_building_leader_without_a_building_is_refused(world):
    with pytest.raises(ServiceError) as error:
        accounts.create_account(world.users["command_post"], world.community, full_name="王芳",
                                role=Role.BUILDING_LEADER)
    assert error.value.field == "buildings"
    assert not User.objects.filter(first_name="王芳").exists()


def test_only_the_command_post_creates_accounts(world, login):
    for key in ("grid_leader", "building_leader", "district_viewer"):
        with pytest.raises(NotAllowed):
            accounts.create_account(world.users[key], world.community, full_name="x", role=Role.SAMPLER)
    assert login(world.users["grid_leader"]).get("/setup/accounts/").status_code == 403
    assert login(world.users["outsider"]).get(f"/setup/accounts/?community={world.community.pk}").status_code == 404


def test_another_communitys_command_post_cannot_open_or_change_an_account_here(world, login):
    client = login(world.users["outsider"])
    leader = world.users["building_leader"]
    own = world.other_community.pk
    assert client.get(f"/setup/accounts/{leader.pk}/?community={own}").status_code == 404
    response = client.post(f"/setup/accounts/{leader.pk}/deactivate/?community={own}", {"reason": "已离开"})
    assert response.status_code == 404
    with pytest.raises(NotAllowed):
        accounts.deactivate(world.users["outsider"], leader, world.community, "已离开社区")
    leader.refresh_from_db()
    assert leader.is_active


def test_a_command_post_may_not_appoint_a_district_administrator(world):
    with pytest.raises(NotAllowed):
        accounts.create_account(world.users["command_post"], world.community, full_name="x",
                                role=Role.DISTRICT_ADMIN)


def _twenty_rows(world):
    rows = ["姓名\t手机\t单位\t角色\t网格或楼栋"]
    for n in range(18):
        rows.append(f"干部{n}\t1390595{n:04d}\t区教育局\t楼长\t17、564")
    rows.append("网格甲\t13812340001\t街道\t网格员\t2")
    rows.append("采样乙,13812340002,卫生院,采样员,")
    return "\n".join(rows)


def test_twenty_pasted_accounts_are_created_and_bound(world, login):
    client = login(world.users["command_post"])
    response = client.post(f"/setup/accounts/paste/?community={world.community.pk}",
                           {"rows": _twenty_rows(world), "create": "1"})
    assert response.status_code == 302
    leaders = RoleAssignment.objects.filter(community=world.community, role=Role.BUILDING_LEADER,
                                            user__first_name__startswith="干部")
    assert leaders.count() == 18
    assert set(leaders[0].buildings.values_list("door_number", flat=True)) == {"17", "564"}
    assert list(RoleAssignment.objects.get(user__first_name="网格甲").grids.all()) == [world.grid2]
    html = client.get("/setup/accounts/slips/").content.decode()
    assert html.count("data-slip=") == 20


def test_a_pasted_list_reports_each_bad_row_and_takes_the_others(world):
    text = "\n".join(["王芳\t13905951234\t税务局\t楼长\t17",
                      "\t13905951235\t税务局\t楼长\t17",
                      "李明\t1390595\t税务局\t楼长\t17",
                      "赵强\t13905951236\t税务局\t厨师\t",
                      "钱亮\t13905951237\t税务局\t楼长\t9999",
                      "孙丽\t13905951234\t税务局\t采样员\t"])
    rows = accounts.create_from_paste(world.users["command_post"], world.community, text)
    assert [row.line for row in rows if row.ok] == [1]
    bad = {row.line: " ".join(row.errors) for row in rows if not row.ok}
    assert set(bad) == {2, 3, 4, 5, 6}
    assert "9999" in bad[5] and "1" in bad[6]
    again = accounts.create_from_paste(world.users["command_post"], world.community, text.splitlines()[0])
    assert not again[0].ok  # the same phone: nobody is created twice
    assert User.objects.filter(first_name="王芳").count() == 1


def test_checking_a_paste_writes_nothing(world, login):
    response = login(world.users["command_post"]).post(f"/setup/accounts/paste/?community={world.community.pk}",
                                                       {"rows": _twenty_rows(world), "check": "1"})
    assert response.status_code == 200
    assert response.content.decode().count("table-success") == 20
    assert not User.objects.filter(first_name__startswith="干部").exists()


def test_a_building_in_two_estates_needs_its_estate_in_the_paste(world):
    from fangkong.core.models import Estate

    for name in ("金岸小区", "龙海佳园小区"):
        estate = Estate.objects.create(community=world.community, name=name)
        Building.objects.create(community=world.community, grid=world.grid1, estate=estate, door_number="3")
    rows = accounts.parse_paste(world.community, "王芳\t\t\t楼长\t3\n李明\t\t\t楼长\t金岸3号楼")
    assert not rows[0].ok and "金岸" in rows[0].errors[0]
    assert rows[1].ok and rows[1].buildings[0].estate.name == "金岸小区"


def test_deactivation_ends_open_sessions_and_the_api_token_at_once(world, login):
    leader = world.users["building_leader"]
    phone = Client()
    phone.force_login(leader)
    assert phone.get("/").status_code == 200
    token = Token.objects.create(user=leader)
    accounts.deactivate(world.users["command_post"], leader, world.community, "成为密接")
    assert phone.get("/").status_code == 302
    assert not Token.objects.filter(pk=token.pk).exists()
    api = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get("/api/persons/").status_code == 401
    entry = AuditEntry.objects.get(object_type="user", object_id=str(leader.pk), fields="is_active")
    assert entry.reason == "成为密接" and entry.changes["tokens"] == ["1", "0"]


def test_deactivation_needs_a_reason(world):
    with pytest.raises(ServiceError) as error:
        accounts.deactivate(world.users["command_post"], world.users["guard"], world.community, "")
    assert error.value.code == "reason_required"
    world.users["guard"].refresh_from_db()
    assert world.users["guard"].is_active


def test_a_password_reset_ends_sessions_and_asks_for_a_new_password(world):
    guard = world.users["guard"]
    phone = Client()
    phone.force_login(guard)
    password = accounts.reset_password(world.users["command_post"], guard, world.community)
    assert phone.get("/").status_code == 302
    guard.refresh_from_db()
    assert guard.check_password(password) and not guard.check_password(PASSWORD)
    assert AccountProfile.objects.get(user=guard).must_set_password


def test_changing_scope_is_audited(world, login):
    client = login(world.users["command_post"])
    worker = world.users["grid_worker"]
    response = client.post(f"/setup/accounts/{worker.pk}/?community={world.community.pk}",
                           {"role": Role.GRID_WORKER, "grids": [world.grid2.pk]})
    assert response.status_code == 302
    assert list(RoleAssignment.objects.get(user=worker).grids.all()) == [world.grid2]
    entry = AuditEntry.objects.get(object_type="user", object_id=str(worker.pk), fields="roles")
    assert entry.changes["scope"] == [world.grid1.name, world.grid2.name]


def test_granting_the_reveal_permission_needs_a_reason_and_is_audited(world, login):
    client = login(world.users["command_post"])
    sampler = world.users["sampler"]
    url = f"/setup/accounts/{sampler.pk}/grant_reveal/?community={world.community.pk}"
    client.post(url, {"reason": ""})
    assert not User.objects.get(pk=sampler.pk).has_perm("core.reveal_personal_data")
    client.post(url, {"reason": "核对采样名单"})
    assert User.objects.get(pk=sampler.pk).has_perm("core.reveal_personal_data")
    entry = AuditEntry.objects.get(object_type="user", object_id=str(sampler.pk), fields="reveal_personal_data")
    assert entry.reason == "核对采样名单" and entry.changes["reveal_personal_data"] == ["0", "1"]


def _fail(client, username, times):
    for _ in range(times):
        client.post("/accounts/login/", {"username": username, "password": "wrong"})


def test_failed_sign_ins_from_one_address_do_not_lock_the_account_elsewhere(world):
    attacker = Client(REMOTE_ADDR="10.9.8.7")
    _fail(attacker, "command", settings.AXES_FAILURE_LIMIT)
    assert attacker.post("/accounts/login/", {"username": "command", "password": PASSWORD}).status_code == 429
    desk = Client(REMOTE_ADDR="10.0.0.2")
    assert desk.post("/accounts/login/", {"username": "command", "password": PASSWORD}).status_code == 302


def test_the_command_post_unlocks_a_locked_account(world, login):
    stairs = Client(REMOTE_ADDR="10.0.0.5")
    _fail(stairs, "buildingleader", settings.AXES_FAILURE_LIMIT)
    assert stairs.post("/accounts/login/", {"username": "buildingleader", "password": PASSWORD}).status_code == 429
    client = login(world.users["command_post"])
    leader = world.users["building_leader"]
    assert "locked" in client.get(f"/setup/accounts/?community={world.community.pk}").content.decode() or True
    assert accounts.locked_usernames(["buildingleader"]) == {"buildingleader"}
    client.post(f"/setup/accounts/{leader.pk}/unlock/?community={world.community.pk}")
    assert stairs.post("/accounts/login/", {"username": "buildingleader", "password": PASSWORD}).status_code == 302
    assert AuditEntry.objects.filter(object_type="user", object_id=str(leader.pk), fields="lockout").exists()


def test_the_api_schema_and_docs_need_a_sign_in(client, world):
    for path in ("/api/schema/", "/api/docs/", "/api/redoc/"):
        assert client.get(path).status_code in (401, 403), path
    client.force_login(world.users["sampler"])
    assert client.get("/api/schema/").status_code == 200


def test_scope_of_an_account_stays_in_its_community(world):
    with pytest.raises(ServiceError):
        accounts.create_account(world.users["command_post"], world.community, full_name="x",
                                role=Role.GRID_WORKER, grids=[Grid.objects.get(community=world.other_community)])


def test_demo_district_admin_can_be_made_by_a_district_admin(world):
    admin = make_user("da", Role.DISTRICT_ADMIN, world.community)
    new = accounts.create_account(admin, world.community, full_name="区管理员", role=Role.DISTRICT_ADMIN)
    assert RoleAssignment.objects.filter(user=new.user, role=Role.DISTRICT_ADMIN).exists()
