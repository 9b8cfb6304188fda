"""The pages for places and people, as each role sees them."""

import pytest
from django.urls import reverse

from fangkong.core.models import AuditEntry, Household, Person, Residence
from tests.factories import id_number


def test_it_requires_login(client, world):
    response = client.get(reverse("person_detail", args=[world.person_a.pk]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_overview_shows_counts_at_each_level(login, world):
    response = login(world.users["command_post"]).get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-count="persons">3<' in html
    assert 'data-count="buildings">3<' in html
    assert 'data-count="grids">2<' in html
    assert "金沙社区" not in html


def test_building_leader_overview_counts_only_own_buildings(login, world):
    html = login(world.users["building_leader"]).get("/").content.decode()
    assert 'data-count="persons">1<' in html
    assert 'data-count="buildings">1<' in html


def test_building_list_is_in_natural_door_order(login, world):
    html = login(world.users["command_post"]).get(reverse("building_list")).content.decode()
    assert html.index('data-door="17"') < html.index('data-door="564"') < html.index('data-door="800"')


def test_building_leader_sees_only_own_buildings(login, world):
    html = login(world.users["building_leader"]).get(reverse("building_list")).content.decode()
    assert 'data-door="564"' in html
    assert 'data-door="17"' not in html
    assert 'data-door="800"' not in html


def test_out_of_scope_person_is_404(login, world):
    client = login(world.users["building_leader"])
    assert client.get(reverse("person_detail", args=[world.person_b.pk])).status_code == 404
    assert client.get(reverse("person_detail", args=[world.other_person.pk])).status_code == 404
    assert client.get(reverse("person_detail", args=[world.person_a.pk])).status_code == 200


def test_person_file_masks_id_and_phone(login, world):
    html = login(world.users["command_post"]).get(reverse("person_detail", args=[world.person_a.pk])).content.decode()
    assert world.person_a.id_number not in html
    assert world.person_a.phone not in html
    assert world.person_a.id_masked in html
    assert "138****5678" in html
    # the tenant's landlord is on the file
    assert "蔡建国" in html


@pytest.mark.parametrize("query", ["张三", "zs", "ZS"])
def test_search_by_name_and_pinyin_initials(login, world, query):
    html = login(world.users["command_post"]).get(reverse("person_list"), {"q": query}).content.decode()
    assert "张三" in html
    assert "李四" not in html


def test_search_by_last_four_of_id_and_phone_and_door(login, world):
    client = login(world.users["command_post"])
    by_id = client.get(reverse("person_list"), {"q": world.person_b.id_number[-4:]}).content.decode()
    assert "李四" in by_id and "张三" not in by_id
    by_phone = client.get(reverse("person_list"), {"q": "5670"}).content.decode()
    assert "王五" in by_phone and "李四" not in by_phone
    by_door = client.get(reverse("person_list"), {"q": "800"}).content.decode()
    assert "王五" in by_door and "张三" not in by_door


def test_search_stays_in_scope(login, world):
    response = login(world.users["building_leader"]).get(reverse("person_list"), {"q": "李四"})
    assert response.context["page"].paginator.count == 0
    assert world.person_b.get_absolute_url() not in response.content.decode()


def _person_post(**overrides):
    data = {"name": "陈七", "id_type": "resident_id", "id_number": id_number(55, birth="19910304"),
            "phone": "+86 138-0000-1111", "residency": "migrant", "relation": "租户", "occupation": "工人",
            "workplace": "", "note": "", "tags": ["dialysis"]}
    data.update(overrides)
    return data


def test_add_person_takes_sex_and_birth_date_from_id(login, world):
    client = login(world.users["building_leader"])
    response = client.post(reverse("person_create") + f"?household={world.household_a1.pk}", _person_post())
    person = Person.objects.get(name="陈七")
    assert response.status_code == 302
    assert person.sex == "M" and str(person.birth_date) == "1991-03-04"
    assert person.phone == "13800001111"
    assert person.household == world.household_a1
    assert person.tag_codes == ["dialysis"]
    assert Residence.objects.filter(person=person, moved_out__isnull=True).count() == 1
    assert AuditEntry.objects.filter(action="create", object_type="person", object_id=str(person.pk)).exists()


def test_wrong_id_and_phone_are_named_and_input_kept(login, world):
    client = login(world.users["command_post"])
    bad_id = id_number(55)[:-1] + ("0" if id_number(55)[-1] != "0" else "1")
    response = client.post(reverse("person_create"), _person_post(id_number=bad_id, phone="12345"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "陈七" in html  # what the user typed is kept
    form = response.context["form"]
    assert "id_number" in form.errors and "phone" in form.errors
    assert not Person.objects.filter(name="陈七").exists()


def test_duplicate_id_is_refused_with_link_to_existing(login, world):
    client = login(world.users["command_post"])
    response = client.post(reverse("person_create"), _person_post(id_number=world.person_b.id_number))
    assert response.status_code == 200
    assert reverse("person_detail", args=[world.person_b.pk]) in response.content.decode()
    assert Person.objects.filter(id_number=world.person_b.id_number).count() == 1


def test_person_without_document_can_be_recorded(login, world):
    client = login(world.users["command_post"])
    response = client.post(reverse("person_create"), _person_post(id_type="none", id_number="", tags=["infant"]))
    assert response.status_code == 302
    assert Person.objects.get(name="陈七").id_number == ""


def test_stale_edit_is_refused(login, world):
    client = login(world.users["command_post"])
    url = reverse("person_edit", args=[world.person_a.pk])
    stale_version = world.person_a.version
    first = client.post(url, _person_post(name="张三丰", id_number="", version=stale_version))
    assert first.status_code == 302
    second = client.post(url, _person_post(name="张三其", id_number="", version=stale_version))
    assert second.status_code == 200
    assert "Someone else changed" in second.content.decode() or "其他人" in second.content.decode() \
        or second.context["form"].non_field_errors()
    assert Person.objects.get(pk=world.person_a.pk).name == "张三丰"


def test_edit_with_empty_id_keeps_number_and_audits_masked(login, world):
    client = login(world.users["command_post"])
    url = reverse("person_edit", args=[world.person_a.pk])
    client.post(url, _person_post(name="张三", id_number="", phone="13800002222", version=1))
    person = Person.objects.get(pk=world.person_a.pk)
    assert person.id_number == world.person_a.id_number
    assert person.phone == "13800002222"
    entry = AuditEntry.objects.filter(action="change", object_id=str(person.pk)).latest("at")
    assert entry.changes["phone"] == ["138****5678", "138****2222"]


def test_read_only_role_cannot_edit(login, world):
    # The district viewer reads the file and may not edit it; the sampler does not even read it.
    client = login(world.users["district_viewer"])
    assert client.get(reverse("person_detail", args=[world.person_a.pk])).status_code == 200
    assert client.get(reverse("person_edit", args=[world.person_a.pk])).status_code == 403
    client = login(world.users["sampler"])
    assert client.get(reverse("person_detail", args=[world.person_a.pk])).status_code == 404


def test_move_keeps_history(login, world):
    client = login(world.users["grid_worker"])
    response = client.post(reverse("person_move", args=[world.person_a.pk]),
                           {"building": world.building_b.pk, "room": "101", "reason": "换房"})
    assert response.status_code == 302
    person = Person.objects.get(pk=world.person_a.pk)
    assert person.household == world.household_b1
    rows = list(Residence.objects.filter(person=person).order_by("moved_in"))
    assert [r.household for r in rows][-1] == world.household_b1
    assert person.timeline.filter(kind="moved").exists()


def test_move_to_unknown_room_says_so(login, world):
    client = login(world.users["grid_worker"])
    response = client.post(reverse("person_move", args=[world.person_a.pk]),
                           {"building": world.building_b.pk, "room": "999"})
    assert response.status_code == 200
    assert "room" in response.context["form"].errors


def test_move_outside_write_scope_is_refused(login, world):
    client = login(world.users["grid_worker"])
    response = client.post(reverse("person_move", args=[world.person_a.pk]),
                           {"building": world.building_c.pk, "room": "101"})
    assert response.status_code == 200
    assert "building" in response.context["form"].errors
    assert Person.objects.get(pk=world.person_a.pk).household == world.household_a1


def test_reveal_asks_reason_and_audits(login, world):
    client = login(world.users["command_post"])
    url = reverse("person_reveal", args=[world.person_a.pk, "id_number"])
    assert world.person_a.id_number not in client.get(url).content.decode()
    refused = client.post(url, {"reason": ""})
    assert world.person_a.id_number not in refused.content.decode()
    shown = client.post(url, {"reason": "核对核酸登记"}, HTTP_HX_REQUEST="true")
    assert world.person_a.id_number in shown.content.decode()
    entry = AuditEntry.objects.get(action="reveal")
    assert entry.person == world.person_a and entry.reason == "核对核酸登记" and entry.fields == "id_number"


def test_reveal_without_permission_is_403(login, world):
    client = login(world.users["building_leader"])
    response = client.post(reverse("person_reveal", args=[world.person_a.pk, "phone"]), {"reason": "x y"})
    assert response.status_code == 403
    assert not AuditEntry.objects.filter(action="reveal").exists()


def test_household_inherits_control_status_unless_set(world):
    world.building_a.control_status = "sealed"
    world.building_a.save()
    household = Household.objects.get(pk=world.household_a1.pk)
    assert household.effective_control_status == "sealed"
    household.control_status = "controlled"
    assert household.effective_control_status == "controlled"


def test_add_household_refuses_duplicate_room(login, world):
    client = login(world.users["building_leader"])
    url = reverse("household_create", args=[world.building_a.pk])
    assert client.post(url, {"room": "102", "floor": 1, "status": "occupied"}).status_code == 302
    again = client.post(url, {"room": "102", "floor": 1, "status": "occupied"})
    assert "room" in again.context["form"].errors


def test_audit_log_filters_by_person_and_user(login, world):
    client = login(world.users["command_post"])
    client.post(reverse("person_reveal", args=[world.person_b.pk, "phone"]), {"reason": "电话回访"})
    html = client.get(reverse("audit_log"), {"person": world.person_b.pk}).content.decode()
    assert "电话回访" in html
    assert client.get(reverse("audit_log"), {"user": "nobody-else"}).context["page"].paginator.count == 0
    assert login(world.users["grid_worker"]).get(reverse("audit_log")).status_code == 403


@pytest.mark.parametrize("language,text", [("zh-hans", "人员"), ("en", "People")])
def test_both_languages_render(login, world, language, text):
    client = login(world.users["command_post"])
    client.post(reverse("set_language"), {"language": language, "next": "/"})
    html = client.get(reverse("person_list")).content.decode()
    assert text in html


def test_chinese_is_the_default_whatever_the_browser_says(login, world):
    client = login(world.users["command_post"])
    html = client.get(reverse("person_list"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "人员" in html and 'lang="zh-hans"' in html


def test_search_in_traditional_characters_finds_the_simplified_name(login, world):
    html = login(world.users["command_post"]).get(reverse("person_list"), {"q": "張三"}).content.decode()
    assert "张三" in html
    assert "李四" not in html


def test_search_in_simplified_characters_finds_a_name_stored_in_traditional(world):
    from fangkong.core.models import Person

    Person.objects.filter(pk=world.person_a.pk).update(name="張三")
    assert list(Person.objects.search("张三")) == [Person.objects.get(pk=world.person_a.pk)]
    assert list(Person.objects.search("張三")) == [Person.objects.get(pk=world.person_a.pk)]


def test_a_masked_number_written_back_keeps_the_stored_one(world):
    from fangkong.core import services
    from fangkong.core.models import Person

    person = Person.objects.get(pk=world.person_a.pk)
    whole_id, whole_phone = person.id_number, person.phone
    services.update_person(world.users["command_post"], person,
                           {"id_number": person.id_masked, "phone": "138****5678", "occupation": "司机"})
    person.refresh_from_db()
    assert (person.id_number, person.phone, person.occupation) == (whole_id, whole_phone, "司机")


def test_the_person_service_refuses_a_duplicate_id_with_its_code(world):
    from fangkong.core import services

    with pytest.raises(services.DuplicateIdNumber) as refused:
        services.create_person(world.users["command_post"], world.community,
                               {"name": "重复", "id_number": world.person_b.id_number})
    assert refused.value.code == "duplicate_id_number"
