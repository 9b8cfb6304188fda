"""The set-up page for a building's entrances (单元): added and renumbered by the command post,
audited, refused to everyone else (issue 10 §1b)."""

from django.urls import reverse

from fangkong.core.models import AuditEntry, Entrance


def test_the_command_post_adds_and_renumbers_an_entrance(world, login):
    client = login(world.users["command_post"])
    setup = client.get(reverse("community_setup", args=[world.community.pk])).content.decode()
    url = reverse("building_entrances", args=[world.building_a.pk])
    assert url in setup
    assert client.get(url).status_code == 200
    response = client.post(url, {"number": "2"})
    assert response.status_code == 302
    entrance = Entrance.objects.get(building=world.building_a)
    assert entrance.number == "2" and entrance.community_id == world.community.pk
    assert AuditEntry.objects.filter(action="create", object_type="entrance").exists()
    page = client.get(url).content.decode()
    assert 'data-entrance="2"' in page and reverse("entrance_edit", args=[entrance.pk]) in page

    response = client.post(reverse("entrance_edit", args=[entrance.pk]), {"number": "3"})
    assert response.status_code == 302
    entrance.refresh_from_db()
    assert entrance.number == "3"
    change = AuditEntry.objects.get(action="change", object_type="entrance")
    assert change.changes == {"number": ["2", "3"]}


def test_a_second_entrance_of_the_same_number_or_none_is_refused_on_the_page(world, login):
    client = login(world.users["command_post"])
    url = reverse("building_entrances", args=[world.building_a.pk])
    client.post(url, {"number": "1"})
    again = client.post(url, {"number": "1"})
    assert again.status_code == 400 and "已有此单元" in again.content.decode()
    assert client.post(url, {"number": "  "}).status_code == 400
    assert Entrance.objects.filter(building=world.building_a).count() == 1


def test_staff_who_do_not_set_up_are_refused(world, login):
    entrance = Entrance.objects.create(community=world.community, building=world.building_a, number="1")
    for role in ("grid_leader", "building_leader"):
        client = login(world.users[role])
        assert client.post(reverse("building_entrances", args=[world.building_a.pk]),
                           {"number": "9"}).status_code == 403
        assert client.post(reverse("entrance_edit", args=[entrance.pk]), {"number": "9"}).status_code == 403
    assert list(Entrance.objects.values_list("number", flat=True)) == ["1"]
    # Another community's command post does not learn the building exists.
    client = login(world.users["outsider"])
    assert client.get(reverse("building_entrances", args=[world.building_a.pk])).status_code == 404
