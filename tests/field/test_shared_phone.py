"""A shared phone: a write queued by one user and sent while another is signed in is refused
(409 other_user, kept by the outbox for its maker), never recorded as the signed-in user's."""

import datetime as dt

import pytest
from django.utils import timezone

from fangkong.registry import screening
from fangkong.registry.models import Visit

OUTBOX = {"HTTP_X_FANGKONG_OUTBOX": "1", "HTTP_ACCEPT": "application/json"}


@pytest.fixture
def round_(world):
    return screening.create_round(world.users["command_post"], world.community, name="第一轮",
                                  starts_at=timezone.now() - dt.timedelta(hours=1))


def knock(client, round_, world, made_by, client_id):
    headers = dict(OUTBOX)
    if made_by is not None:
        headers["HTTP_X_FANGKONG_MADE_BY"] = str(made_by.pk)
    return client.post(f"/screening/{round_.pk}/visit/", {
        "household": world.household_a1.pk, "outcome": "nobody_home", "client_id": client_id}, **headers)


def test_a_write_made_by_another_user_is_refused_as_other_user_and_not_written(world, round_, login):
    leader, command = world.users["building_leader"], world.users["command_post"]
    client = login(command)
    response = knock(client, round_, world, leader, "queued-by-leader-1")
    assert response.status_code == 409 and response.json()["code"] == "other_user"
    assert not Visit.objects.exists()


def test_the_makers_own_write_and_a_write_without_a_maker_are_taken(world, round_, login):
    leader = world.users["building_leader"]
    client = login(leader)
    assert knock(client, round_, world, leader, "own-write-001").status_code == 200
    assert knock(client, round_, world, None, "older-phone-01").status_code == 200
    assert set(Visit.objects.values_list("by", flat=True)) == {leader.pk}


def test_signed_out_the_write_is_a_401_kept_for_signing_in(world, round_, client):
    response = knock(client, round_, world, world.users["building_leader"], "signed-out-001")
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"


def test_the_page_names_its_user_for_the_outbox(world, login):
    leader = world.users["building_leader"]
    html = login(leader).get("/start/").content.decode()
    assert f'data-fk-user="{leader.pk}"' in html and f'data-fk-username="{leader.username}"' in html
