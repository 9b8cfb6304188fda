from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.api.helpers import post


def test_unauthenticated_is_401_json_with_code(client, world):
    response = client.get("/api/persons/")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == "Token"


def test_unauthenticated_api_root_is_401(client, world):
    response = client.get("/api/")
    assert (response.status_code, response.json()["code"]) == (401, "not_authenticated")


def test_bad_token_is_401(world):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Token nonsense")
    response = api.get("/api/persons/")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_403_404_405_400_are_json_with_code(as_user, world):
    client = as_user("district_viewer")
    forbidden = post(client, f"/api/persons/{world.person_a.pk}/", {"note": "x", "version": 1}, "patch")
    assert (forbidden.status_code, forbidden.json()["code"]) == (403, "not_allowed")  # the service refused
    assert forbidden.json()["message"]
    missing = client.get("/api/persons/999999/")
    assert (missing.status_code, missing.json()["code"]) == (404, "not_found")
    not_allowed = client.delete("/api/communities/1/")
    assert (not_allowed.status_code, not_allowed.json()["code"]) == (405, "method_not_allowed")
    client = as_user("command_post")
    invalid = post(client, "/api/persons/", {"household": world.household_a1.pk})
    assert invalid.status_code == 400
    body = invalid.json()
    assert body["code"] == "invalid" and "name" in body["fields"] and body["message"]


def test_unknown_api_address_is_json_404(as_user, world):
    response = as_user("command_post").get("/api/nothing/here/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_malformed_json_is_400_json(as_user, world):
    response = as_user("command_post").post("/api/persons/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_token_auth_works_and_keeps_scope(world):
    token = Token.objects.create(user=world.users["building_leader"])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = api.get("/api/persons/")
    assert response.status_code == 200
    assert [row["name"] for row in response.json()["results"]] == ["张三"]
    # Token requests are not subject to CSRF: a write goes through.
    response = api.patch(f"/api/persons/{world.person_a.pk}/", {"note": "x", "version": 1}, format="json")
    assert response.status_code == 200


def test_session_writes_need_csrf(world):
    api = APIClient(enforce_csrf_checks=True)
    api.force_login(world.users["command_post"])
    response = api.patch(f"/api/persons/{world.person_a.pk}/", {"note": "x", "version": 1}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def run_api_token(*args):
    out, err = StringIO(), StringIO()
    call_command("api_token", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def test_api_token_command_creates_prints_and_resets(world):
    key, _ = run_api_token("command")
    assert Token.objects.get(user=world.users["command_post"]).key == key
    assert run_api_token("command")[0] == key
    new_key, err = run_api_token("command", "--reset")
    assert new_key != key and "old one" in err
    assert Token.objects.get(user=world.users["command_post"]).key == new_key


def test_api_token_command_warns_about_user_without_role_and_refuses_unknown(world):
    _, err = run_api_token("nobody")
    assert "no role" in err
    with pytest.raises(CommandError):
        run_api_token("ghost")
