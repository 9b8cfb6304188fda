"""From nothing to a community in the browser: ``fangkong setup`` on an empty database, then the
command post signs in with its one-time password, chooses its own, lays out two grids and
buildings, moves a building to the other grid and pastes twenty accounts bound to grids and
buildings; then the same pages in English. No shell after the setup command."""

import re
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command

from fangkong.core.models import AuditEntry, Building, Community, Grid, Role, RoleAssignment

from .conftest import DESKTOP

pytestmark = [pytest.mark.browser]


def _submit(page, selector):
    with page.expect_navigation():
        page.click(selector)


def _add(page, kind, fields):
    page.click(f"section#{kind}s details summary")
    for name, value in fields.items():
        field = page.locator(f"#id_{kind}-{name}")
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(label=value)
        else:
            field.fill(value)
    _submit(page, f"form[data-form={kind}] [type=submit]")
    assert "/add/" not in page.url, page.inner_text("main")[:400]


def _paste_rows():
    rows = []
    for n in range(17):
        rows.append(f"楼长{n:02d}\t1390595{n:04d}\t区税务局\t楼长\t{'1' if n % 2 else '2'}")
    rows.append("网格员甲\t13812340001\t街道办\t网格员\t1")
    rows.append("网格长乙\t13812340002\t街道办\t网格长\t第2网格")
    rows.append("采样员丙,13812340003,卫生院,采样员,")
    return "\n".join(rows)


def test_a_command_post_sets_up_its_community_without_the_shell(live_server, transactional_db, new_page, capsys):
    call_command("setup", "--no-input", "--community-name", "南秦社区", "--code", "nanqin", "--province", "福建省",
                 "--city", "泉州市", "--district", "石狮市", "--street", "湖滨街道", "--admin-username", "zhang")
    password = re.search(r"one-time password (\S+)", capsys.readouterr().out).group(1)
    community = Community.objects.get(code="nanqin")
    page = new_page(DESKTOP)

    # First sign-in with the printed password leads to choosing one's own.
    page.goto(f"{live_server.url}/accounts/login/?username=zhang")
    assert page.input_value("input[name=username]") == "zhang"
    page.fill("input[name=password]", password)
    _submit(page, "form:has(input[name=password]) [type=submit]")
    assert urlsplit(page.url).path == "/accounts/password/"
    page.fill("#id_password", "stairs-and-masks-42")
    page.fill("#id_password2", "stairs-and-masks-42")
    _submit(page, "form:has(#id_password2) [type=submit]")
    assert urlsplit(page.url).path == "/"

    # Places: a zone, two grids, two buildings in grid 1.
    page.goto(f"{live_server.url}/setup/")
    _add(page, "zone", {"name": "一片区"})
    _add(page, "grid", {"number": "1", "name": "第一网格", "zone": "一片区"})
    _add(page, "grid", {"number": "2", "name": "第二网格"})
    _add(page, "estate", {"name": "金岸小区"})
    _add(page, "building", {"estate": "金岸小区", "door_number": "1", "grid": "第一网格"})
    _add(page, "building", {"estate": "金岸小区", "door_number": "2", "grid": "第一网格"})
    assert "金岸小区 2号楼" in page.inner_text("section#buildings")

    # Building 2 goes to grid 2.
    building = Building.objects.get(community=community, door_number="2")
    page.click(f"[data-building='{building.pk}'] a.btn[href$='/move/']")
    page.select_option("#id_grid", label="第二网格")
    page.fill("#id_reason", "按楼栋重新划分网格")
    _submit(page, "form:has(#id_grid) [type=submit]")
    assert "第二网格" in page.inner_text(f"[data-building='{building.pk}'] [data-building-grid]")

    # Twenty accounts, pasted as from Excel, checked and then created.
    page.goto(f"{live_server.url}/setup/accounts/paste/")
    page.fill("#id_rows", _paste_rows())
    _submit(page, "button[name=check]")
    assert page.locator("#paste-report tr.table-success").count() == 20
    _submit(page, "button[name=create]")
    assert page.locator("#slips [data-slip]").count() == 20
    assert page.locator("#slips img[src^='data:image/svg+xml']").count() == 20

    page.goto(f"{live_server.url}/setup/accounts/")
    assert page.locator("#accounts tbody tr").count() == 21
    text = page.inner_text("#accounts")
    assert "139****0003" in text and "13905950003" not in text

    # The same pages in English.
    page.click("form.fk-lang button[value=en]")
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/setup/")
    assert "Add a grid" in page.inner_text("main")

    grid1, grid2 = Grid.objects.get(community=community, number=1), Grid.objects.get(community=community, number=2)
    assert Building.objects.get(pk=building.pk).grid == grid2
    assert AuditEntry.objects.filter(action="move", object_type="building", object_id=str(building.pk)).exists()
    leaders = RoleAssignment.objects.filter(community=community, role=Role.BUILDING_LEADER)
    assert leaders.count() == 17
    assert set(leaders.filter(user__first_name="楼长01").values_list("buildings__door_number", flat=True)) == {"1"}
    assert list(RoleAssignment.objects.get(user__first_name="网格员甲").grids.all()) == [grid1]
    assert list(RoleAssignment.objects.get(user__first_name="网格长乙").grids.all()) == [grid2]
