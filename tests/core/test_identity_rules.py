"""The identity rules live in the person service (check_identity, create_person, update_person):
a duplicate ID in the community is refused, and a masked number written back keeps the stored
one. The form, the API and the ledger importer answer the same input with the same machine code."""

from django.urls import reverse

from fangkong.core.models import Person
from fangkong.registry.ledger.importer import import_people
from tests.api.helpers import post
from tests.factories import id_number
from tests.registry.ledger_files import person_row, write_xlsx

DUPLICATE = "duplicate_id_number"


def _form_data(world, **overrides):
    return {"name": "陈七", "id_type": "resident_id", "id_number": id_number(55, birth="19910304"),
            "phone": "13800001111", "residency": "migrant", "relation": "", "occupation": "",
            "workplace": "", "note": "", **overrides}


def test_the_form_refuses_a_duplicate_id_with_the_service_code(login, world):
    response = login(world.users["command_post"]).post(
        reverse("person_create"), _form_data(world, id_number=world.person_b.id_number))
    codes = [error.code for error in response.context["form"].errors.as_data()["id_number"]]
    assert codes == [DUPLICATE]
    assert Person.objects.filter(id_number=world.person_b.id_number).count() == 1


def test_the_api_refuses_a_duplicate_id_with_the_service_code(client, world):
    client.force_login(world.users["command_post"])
    response = post(client, "/api/persons/", {"household": world.household_a1.pk, "name": "陈七",
                                              "id_number": world.person_b.id_number})
    assert (response.status_code, response.json()["code"]) == (409, DUPLICATE)


def test_the_importer_refuses_a_duplicate_id_with_the_service_code(world, tmp_path):
    path = write_xlsx(tmp_path / "l.xlsx", [person_row("陈一", 301), person_row("陈二", 301)])
    result = import_people(path, world.community, report_path=tmp_path / "e.xlsx")
    assert (result.created, result.reported) == (1, 1)
    assert [r["code"] for r in result.refusals] == [DUPLICATE]


def test_the_edit_form_keeps_the_stored_number_when_the_mask_is_sent_back(login, world):
    person = world.person_b
    stored = person.id_number
    response = login(world.users["command_post"]).post(
        reverse("person_edit", args=[person.pk]),
        _form_data(world, name=person.name, id_number=person.id_masked, version=person.version, occupation="司机"))
    assert response.status_code == 302, response.context["form"].errors
    person.refresh_from_db()
    assert (person.id_number, person.occupation) == (stored, "司机")


def test_the_api_keeps_the_stored_number_when_the_mask_is_sent_back_and_refuses_a_foreign_mask(client, world):
    client.force_login(world.users["command_post"])
    person = world.person_b
    stored = person.id_number
    kept = post(client, f"/api/persons/{person.pk}/", {"id_number": person.id_masked, "occupation": "司机",
                                                         "version": person.version}, method="patch")
    assert kept.status_code == 200, kept.json()
    person.refresh_from_db()
    assert (person.id_number, person.occupation) == (stored, "司机")
    foreign = post(client, f"/api/persons/{person.pk}/", {"id_number": "110105********0021",
                                                            "version": person.version}, method="patch")
    assert foreign.status_code == 400
    person.refresh_from_db()
    assert person.id_number == stored
