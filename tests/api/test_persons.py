from fangkong.core.models import AuditAction, AuditEntry, Person, PersonTag, Residence
from tests.api.helpers import post
from tests.factories import id_number


def url(person=None, action=None):
    if person is None:
        return "/api/persons/"
    return f"/api/persons/{person.pk}/" + (f"{action}/" if action else "")


def new_person(world, **extra):
    return {"household": world.household_a1.pk, "name": "陈七", "id_number": id_number(55),
            "phone": "138 0000 1234", **extra}


# --- masking ----------------------------------------------------------------------------------


def test_list_masks_id_numbers_and_phones(as_user, world):
    response = as_user("command_post").get(url())
    assert response.status_code == 200
    rows = {row["name"]: row for row in response.json()["results"]}
    assert rows["张三"]["id_number"] == world.person_a.id_masked
    assert "*" * 8 in rows["张三"]["id_number"]
    assert rows["张三"]["phone"] == "138****5678"
    assert world.person_a.id_number not in response.content.decode()
    assert "13812345678" not in response.content.decode()


def test_detail_masks_id_number_and_phone_and_shows_door_and_room(as_user, world):
    data = as_user("grid_worker").get(url(world.person_a)).json()
    assert data["id_number"] == world.person_a.id_masked
    assert data["phone"] == "138****5678"
    assert (data["door_number"], data["room"], data["building"]) == ("564", "101", world.building_a.pk)
    assert data["version"] == 1


# --- reveal -----------------------------------------------------------------------------------


def test_reveal_with_permission_returns_value_and_writes_audit_with_reason(as_user, world):
    response = post(as_user("command_post"), url(world.person_a, "reveal"),
                    {"field": "id_number", "reason": "核对转运名单"})
    assert response.status_code == 200
    assert response.json() == {"field": "id_number", "value": world.person_a.id_number}
    assert response["Cache-Control"] == "no-store"
    entry = AuditEntry.objects.get(action=AuditAction.REVEAL)
    assert (entry.person, entry.fields, entry.reason, entry.user) == (
        world.person_a, "id_number", "核对转运名单", world.users["command_post"])


def test_reveal_phone(as_user, world):
    response = post(as_user("grid_leader"), url(world.person_b, "reveal"), {"field": "phone", "reason": "回访"})
    assert response.json()["value"] == "13912345679"


def test_reveal_without_permission_is_403_and_not_audited(as_user, world):
    response = post(as_user("grid_worker"), url(world.person_a, "reveal"), {"field": "phone", "reason": "想看"})
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert not AuditEntry.objects.filter(action=AuditAction.REVEAL).exists()


def test_reveal_without_reason_is_400(as_user, world):
    response = post(as_user("command_post"), url(world.person_a, "reveal"), {"field": "id_number"})
    assert response.status_code == 400
    assert response.json()["code"] == "reason_required"
    assert "reason" in response.json()["fields"]
    assert not AuditEntry.objects.filter(action=AuditAction.REVEAL).exists()


def test_reveal_unknown_field_is_400(as_user, world):
    response = post(as_user("command_post"), url(world.person_a, "reveal"), {"field": "name", "reason": "x y"})
    assert response.status_code == 400
    assert "field" in response.json()["fields"]


def test_reveal_out_of_scope_is_404(as_user, world):
    response = post(as_user("grid_leader"), url(world.person_c, "reveal"), {"field": "phone", "reason": "回访"})
    assert response.status_code == 404


# --- scope ------------------------------------------------------------------------------------


def test_building_leader_lists_only_own_persons(as_user, world):
    names = [row["name"] for row in as_user("building_leader").get(url()).json()["results"]]
    assert names == ["张三"]


def test_out_of_scope_detail_is_404(as_user, world):
    client = as_user("building_leader")
    assert client.get(url(world.person_b)).status_code == 404
    assert client.get(url(world.other_person)).status_code == 404
    response = as_user("outsider").get(url(world.person_a))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_out_of_scope_write_is_404_not_403(as_user, world):
    response = post(as_user("grid_worker"), url(world.person_c), {"note": "x", "version": 1}, "patch")
    assert response.status_code == 404


def test_read_only_role_write_is_403(as_user, world):
    for key in ["sampler", "guard", "delivery_volunteer", "district_viewer"]:
        client = as_user(key)
        # The sampler, the guard and the volunteer read no person file (core.scope.READ_ROLES; the
        # sampler's scan reads persons for its purpose only): not found.
        hidden = key in ("sampler", "guard", "delivery_volunteer")
        assert client.get(url(world.person_a)).status_code == (404 if hidden else 200)
        response = post(client, url(world.person_a), {"note": "x", "version": 1}, "patch")
        assert response.status_code == (404 if hidden else 403), key
        assert response.json()["code"] == ("not_found" if hidden else "not_allowed")
        assert post(client, url(), new_person(world)).status_code == 403
        assert client.delete(url(world.person_a)).status_code == 405
    assert Person.objects.get(pk=world.person_a.pk).note == ""


def test_user_without_role_sees_empty_list(as_user, world):
    assert as_user("nobody").get(url()).json()["results"] == []


# --- filters ----------------------------------------------------------------------------------


def names(response):
    return sorted(row["name"] for row in response.json()["results"])


def test_search_by_name_initials_door_and_last_digits(as_user, world):
    client = as_user("command_post")
    assert names(client.get(url(), {"q": "zs"})) == ["张三"]
    assert names(client.get(url(), {"q": "564-101"})) == ["张三"]
    assert names(client.get(url(), {"q": "5679"})) == ["李四"]


def test_search_stays_in_scope(as_user, world):
    assert names(as_user("building_leader").get(url(), {"q": "李"})) == []


def test_filters_building_grid_household_residency_tag(as_user, world):
    PersonTag.objects.create(person=world.person_c, tag="elderly_alone")
    client = as_user("command_post")
    assert names(client.get(url(), {"building": world.building_b.pk})) == ["李四"]
    assert names(client.get(url(), {"grid": world.grid1.pk})) == ["张三", "李四"]
    assert names(client.get(url(), {"household": world.household_c1.pk})) == ["王五"]
    assert names(client.get(url(), {"residency": "migrant"})) == ["张三"]
    assert names(client.get(url(), {"tag": "elderly_alone"})) == ["王五"]
    # A filter on a place outside the scope finds nothing, and says nothing.
    assert names(client.get(url(), {"household": world.other_household.pk})) == []


# --- create -----------------------------------------------------------------------------------


def test_create_person_takes_sex_and_birth_date_from_id_and_audits(as_user, world):
    response = post(as_user("building_leader"), url(), new_person(world, tags=["pregnant"]))
    assert response.status_code == 201, response.json()
    data = response.json()
    person = Person.objects.get(pk=data["id"])
    assert person.id_number == id_number(55) and person.phone == "13800001234"
    assert (person.sex, str(person.birth_date), person.community) == ("M", "1980-01-01", world.community)
    assert data["id_number"] == person.id_masked and data["phone"] == "138****1234"
    assert data["tags"] == ["pregnant"]
    assert AuditEntry.objects.filter(action=AuditAction.CREATE, person=person).exists()
    assert Residence.objects.filter(person=person, household=world.household_a1).exists()


def test_create_person_with_bad_check_digit_is_400_naming_id_number(as_user, world):
    good = id_number(55)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    response = post(as_user("command_post"), url(), new_person(world, id_number=bad))
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert list(body["fields"]) == ["id_number"]
    assert body["message"] == body["fields"]["id_number"][0]
    assert not Person.objects.filter(name="陈七").exists()


def test_create_person_with_bad_phone_is_400_naming_phone(as_user, world):
    response = post(as_user("command_post"), url(), new_person(world, phone="12345"))
    assert response.status_code == 400
    assert "phone" in response.json()["fields"]


def test_create_person_with_passport_keeps_given_sex(as_user, world):
    data = new_person(world, id_type="passport", id_number="E12345678", sex="F")
    response = post(as_user("command_post"), url(), data)
    assert response.status_code == 201, response.json()
    assert Person.objects.get(pk=response.json()["id"]).sex == "F"


def test_create_person_without_document_needs_no_number(as_user, world):
    response = post(as_user("command_post"), url(), new_person(world, id_type="none", id_number=""))
    assert response.status_code == 201, response.json()


def test_duplicate_id_number_is_409_with_existing_person(as_user, world):
    response = post(as_user("command_post"), url(), new_person(world, id_number=world.person_c.id_number))
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "duplicate_id_number"
    assert body["existing"] == world.person_c.pk
    assert "id_number" in body["fields"]


def test_create_person_in_household_outside_scope_is_refused_naming_household(as_user, world):
    response = post(as_user("building_leader"), url(), new_person(world, household=world.household_b1.pk))
    assert response.status_code == 400
    assert "household" in response.json()["fields"]
    assert not Person.objects.filter(name="陈七").exists()


def test_create_person_without_household_out_of_reach_is_refused(as_user, world):
    # The building leader can see the community, but a person with no household would lie
    # outside his buildings: refused, and nothing (no audit entry either) is left behind.
    data = new_person(world, household=None, community=world.community.pk)
    response = post(as_user("building_leader"), url(), data)
    assert response.status_code == 400
    assert "community" in response.json()["fields"]
    assert not Person.objects.filter(name="陈七").exists()
    assert not AuditEntry.objects.filter(object_repr="陈七").exists()


def test_command_post_creates_person_without_household(as_user, world):
    data = new_person(world, household=None, community=world.community.pk)
    assert post(as_user("command_post"), url(), data).status_code == 201


# --- update -----------------------------------------------------------------------------------


def test_update_person_with_current_version_bumps_version_and_audits(as_user, world):
    response = post(as_user("grid_worker"), url(world.person_a),
                    {"occupation": "快递员", "phone": "13700001111", "version": 1}, "patch")
    assert response.status_code == 200, response.json()
    assert response.json()["version"] == 2
    assert response.json()["phone"] == "137****1111"
    entry = AuditEntry.objects.get(action=AuditAction.CHANGE, person=world.person_a)
    assert entry.changes["phone"] == ["138****5678", "137****1111"]


def test_stale_version_is_409(as_user, world):
    client = as_user("grid_worker")
    assert post(client, url(world.person_a), {"note": "第一次", "version": 1}, "patch").status_code == 200
    response = post(client, url(world.person_a), {"note": "第二次", "version": 1}, "patch")
    assert response.status_code == 409
    assert response.json()["code"] == "stale_edit"
    assert Person.objects.get(pk=world.person_a.pk).note == "第一次"


def test_update_without_version_is_400(as_user, world):
    response = post(as_user("grid_worker"), url(world.person_a), {"note": "x"}, "patch")
    assert response.status_code == 400
    assert "version" in response.json()["fields"]


def test_put_back_what_was_read_keeps_masked_values(as_user, world):
    client = as_user("command_post")
    data = client.get(url(world.person_a)).json()
    data["note"] = "复核"
    response = post(client, url(world.person_a), data, "put")
    assert response.status_code == 200, response.json()
    person = Person.objects.get(pk=world.person_a.pk)
    assert (person.id_number, person.phone, person.note) == (
        world.person_a.id_number, "13812345678", "复核")


def test_update_cannot_move_household(as_user, world):
    response = post(as_user("command_post"), url(world.person_a),
                    {"household": world.household_b1.pk, "version": 1}, "patch")
    assert response.status_code == 400
    assert "household" in response.json()["fields"]


def test_update_to_duplicate_id_is_409(as_user, world):
    response = post(as_user("command_post"), url(world.person_a),
                    {"id_number": world.person_b.id_number, "version": 1}, "patch")
    assert response.status_code == 409
    assert response.json()["existing"] == world.person_b.pk


def test_update_tags(as_user, world):
    response = post(as_user("command_post"), url(world.person_a),
                    {"tags": ["dialysis", "chronic", "dialysis"], "version": 1}, "patch")
    assert response.json()["tags"] == ["chronic", "dialysis"]
    assert post(as_user("command_post"), url(world.person_a), {"tags": ["nonsense"], "version": 2},
                "patch").status_code == 400


# --- move and delete --------------------------------------------------------------------------


def test_move_person_to_another_household(as_user, world):
    response = post(as_user("grid_worker"), url(world.person_a, "move"),
                    {"household": world.household_b1.pk, "reason": "换租"})
    assert response.status_code == 200, response.json()
    assert (response.json()["household"], response.json()["door_number"]) == (world.household_b1.pk, "17")
    person = Person.objects.get(pk=world.person_a.pk)
    assert person.household == world.household_b1 and person.version == 2
    assert Residence.objects.get(person=person, moved_out__isnull=True).household == world.household_b1
    assert AuditEntry.objects.get(action=AuditAction.MOVE, person=person).reason == "换租"


def test_move_person_out(as_user, world):
    response = post(as_user("command_post"), url(world.person_c, "move"), {"household": None, "reason": "返乡"})
    assert response.status_code == 200
    assert response.json()["household"] is None


def test_move_to_household_outside_scope_is_refused(as_user, world):
    response = post(as_user("grid_worker"), url(world.person_a, "move"), {"household": world.household_c1.pk})
    assert response.status_code == 400
    assert "household" in response.json()["fields"]


def test_move_with_stale_version_is_409(as_user, world):
    response = post(as_user("grid_worker"), url(world.person_a, "move"),
                    {"household": world.household_b1.pk, "version": 7})
    assert response.status_code == 409


def test_read_only_role_move_is_403(as_user, world):
    # The district viewer reads the person and may not move them; the sampler reads no person file.
    response = post(as_user("district_viewer"), url(world.person_a, "move"), {"household": world.household_b1.pk})
    assert response.status_code == 403
    response = post(as_user("sampler"), url(world.person_a, "move"), {"household": world.household_b1.pk})
    assert response.status_code == 404


def test_nobody_deletes_a_person_through_the_api(as_user, world):
    """DELETE answers 405 for every role (the command post too): a person who leaves is moved out,
    which keeps the key-person record, measures and timeline (issue 10 §4)."""
    pk = world.person_a.pk
    for key in ["building_leader", "command_post", "grid_leader"]:
        response = as_user(key).delete(url(world.person_a))
        assert response.status_code == 405, key
        assert response.json()["code"] == "method_not_allowed"
    assert Person.objects.filter(pk=pk, household=world.person_a.household_id).exists()
    assert not AuditEntry.objects.filter(action=AuditAction.DELETE, object_type="person").exists()


def test_a_person_who_leaves_is_moved_out_and_keeps_their_file(as_user, world):
    response = post(as_user("building_leader"), url(world.person_a, "move"), {"household": None, "reason": "迁出"})
    assert response.status_code == 200, response.json()
    person = Person.objects.get(pk=world.person_a.pk)
    assert person.household_id is None
    assert AuditEntry.objects.filter(action=AuditAction.MOVE, object_id=str(person.pk), reason="迁出").exists()


def test_sex_and_birth_date_follow_a_resident_id(as_user, world):
    response = post(as_user("command_post"), url(world.person_b),
                    {"sex": "F", "birth_date": "1999-09-09", "note": "x", "version": 1}, "patch")
    assert response.status_code == 200
    person = Person.objects.get(pk=world.person_b.pk)
    assert (person.sex, person.note) == (world.person_b.sex, "x")


def test_a_persons_entrance_is_shown_beside_the_door_and_room(as_user, world):
    from fangkong.core.models import Entrance

    entrance = Entrance.objects.create(community=world.community, building=world.building_a, number="2")
    world.household_a1.entrance = entrance
    world.household_a1.save(update_fields=["entrance"])
    data = as_user("command_post").get(url(world.person_a)).json()
    assert (data["door_number"], data["entrance"], data["room"]) == ("564", "2", "101")
    assert as_user("command_post").get(url(world.person_b)).json()["entrance"] is None
