"""Exports: masked by default, whole only with the permission and a reason (audited), formula
cells escaped, scoped like the person list, and read back by the importer without a change."""

import io

import pytest

from fangkong.core.models import AuditEntry, Building, Person, PersonTag
from fangkong.registry.ledger.exporter import ExportRefused, ExportScope, export_people
from fangkong.registry.ledger.importer import import_people
from fangkong.registry.ledger.reader import open_ledger
from tests.factories import id_number

from .ledger_files import HEADER, person_row, read_xlsx, write_csv, write_xlsx


def download(response):
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return read_xlsx(io.BytesIO(b"".join(response.streaming_content)))


def names(rows):
    return {row[0] for row in rows[1:]}


def test_an_export_is_masked_by_default_and_audited(world, login):
    rows = download(login(world.users["command_post"]).get("/ledgers/export/?download=1"))
    assert names(rows) == {"张三", "李四", "王五"}
    text = str(rows)
    assert id_number(11) not in text and "13812345678" not in text
    assert "350503********0011"[:6] in text and "138****5678" in text
    entry = AuditEntry.objects.get(action="export")
    assert (entry.username, entry.fields, entry.reason) == ("command", "", "")


def test_whole_numbers_need_a_reason_and_are_written_to_the_audit_log(world, login):
    client = login(world.users["command_post"])
    refused = client.post("/ledgers/export/", {"mode": "reveal", "reason": ""})
    assert refused.status_code == 200 and not AuditEntry.objects.filter(action="export").exists()
    rows = download(client.post("/ledgers/export/", {"mode": "reveal", "reason": "核酸排查比对"}))
    assert id_number(11) in str(rows)
    entry = AuditEntry.objects.get(action="export")
    assert (entry.reason, entry.fields) == ("核酸排查比对", "id_number,phone,landlord_phone")


def test_a_user_without_the_permission_cannot_export_whole_numbers(world, login):
    client = login(world.users["grid_worker"])
    assert client.post("/ledgers/export/", {"mode": "reveal", "reason": "想看"}).status_code == 403
    with pytest.raises(ExportRefused):
        export_people(world.users["grid_worker"], ExportScope(), reveal_reason="想看")


def test_a_building_leader_exports_only_their_buildings(world, login):
    client = login(world.users["building_leader"])
    assert names(download(client.get("/ledgers/export/?download=1"))) == {"张三"}
    assert client.get(f"/ledgers/export/?building={world.building_c.pk}").status_code == 404


@pytest.mark.parametrize("role", ["sampler", "guard", "delivery_volunteer", "district_viewer", "nobody"])
def test_roles_that_do_not_write_cannot_export(world, login, role):
    assert login(world.users[role]).get("/ledgers/export/?download=1").status_code == 403


def test_an_export_is_filtered_like_the_person_list(world, login):
    PersonTag.objects.create(person=world.person_b, tag="pregnant")
    client = login(world.users["command_post"])
    assert names(download(client.get(f"/ledgers/export/?grid={world.grid2.pk}"))) == {"王五"}
    assert names(download(client.get("/ledgers/export/?tag=pregnant"))) == {"李四"}
    assert names(download(client.get("/ledgers/export/?residency=migrant"))) == {"张三"}
    assert names(download(client.get("/ledgers/export/?q=李"))) == {"李四"}


def test_cells_that_would_run_as_formulas_are_escaped(world, login):
    Person.objects.filter(pk=world.person_a.pk).update(note='=HYPERLINK("http://x","点我")', occupation="+1",
                                                      workplace="@SUM(A1)", relation="-2")
    rows = download(login(world.users["command_post"]).get(f"/ledgers/export/?building={world.building_a.pk}"))
    row = rows[1]
    assert row[-1] == "'=HYPERLINK(\"http://x\",\"点我\")"
    assert {"'+1", "'@SUM(A1)", "'-2"} <= set(row)


def test_the_error_report_escapes_formulas_too(world, tmp_path):
    path = write_csv(tmp_path / "l.csv", [[*person_row("陈一", 101, building="999"), "=cmd|' /C calc'!A0"]],
                     header=[*HEADER, "备注"])
    result = import_people(path, world.community, report_path=tmp_path / "e.xlsx")
    assert read_xlsx(result.error_report)[1][len(HEADER)] == "'=cmd|' /C calc'!A0"


def _complete_world(world, tmp_path):
    """Give the world's people the sex and birth date their ID numbers say, tags, a landlord."""
    path = write_xlsx(tmp_path / "seed.xlsx", [
        person_row("张三", 11, phone="13812345678", residency="流动", tags="独居老人、慢性病"),
        person_row("李四", 22, phone="13912345679", building="17"),
        person_row("王五", 33, phone="15012345670", building="800", grid="2")])
    assert import_people(path, world.community).reported == 0


@pytest.mark.parametrize("reveal", [False, True])
def test_export_then_import_changes_nothing(world, tmp_path, reveal):
    _complete_world(world, tmp_path)
    Person.objects.filter(pk=world.person_b.pk).update(note="=危险", occupation="教师")
    before = list(Person.objects.order_by("pk").values())
    audit_before = AuditEntry.objects.count()
    out = tmp_path / "export.xlsx"
    export_people(world.users["command_post"], ExportScope(community_id=world.community.pk),
                  reveal_reason="核对" if reveal else "", out=out)
    result = import_people(out, world.community)
    assert (result.rows, result.unchanged, result.created, result.updated, result.reported) == (3, 3, 0, 0, 0), \
        result.summary()
    assert list(Person.objects.order_by("pk").values()) == before
    assert AuditEntry.objects.count() == audit_before + 1  # the export itself


def test_the_blank_template_has_every_column_and_an_importable_example(world, login, tmp_path):
    response = login(world.users["command_post"]).get("/ledgers/template/")
    path = tmp_path / "template.xlsx"
    path.write_bytes(b"".join(response.streaming_content))
    with open_ledger(path) as ledger:
        assert len(ledger.mapping) == 19 and ledger.ignored == []
    Building.objects.create(community=world.community, grid=world.grid1, door_number="1")
    result = import_people(path, world.community, create_places=True)
    assert (result.created, result.reported) == (1, 0), result.summary()
