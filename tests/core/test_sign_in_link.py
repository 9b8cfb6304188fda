"""The one-time sign-in link on a new account's slip (issue 10 §2): it signs in once, expires,
then asks the person to choose a password; used twice, expired or for a switched-off account it
is refused. Django's token machinery (core.accounts.SignInLinkTokens)."""

import re
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.test import Client

from fangkong.core import accounts
from fangkong.core.models import AuditEntry, Role


def new_account_link(world, login):
    client = login(world.users["command_post"])
    client.post(f"/setup/accounts/new/?community={world.community.pk}", {
        "full_name": "王芳", "phone": "139 0595 1234", "role": Role.BUILDING_LEADER,
        "buildings": [world.building_b.pk]})
    html = client.get("/setup/accounts/slips/").content.decode()
    link = re.search(r"data-link>([^<]+)<", html).group(1)
    assert link.startswith("http://testserver/accounts/link/")
    assert "data:image/svg+xml" in html
    return User.objects.get(first_name="王芳"), link.removeprefix("http://testserver")


def test_the_link_signs_in_once_then_asks_for_a_password(world, login):
    user, path = new_account_link(world, login)
    phone = Client()
    page = phone.get(path)
    assert page.status_code == 200 and "link-sign-in" in page.content.decode()
    assert "_auth_user_id" not in phone.session  # opening it (a link preview) does not sign in
    response = phone.post(path)
    assert response.status_code == 302 and response["Location"] == "/accounts/password/"
    assert phone.session["_auth_user_id"] == str(user.pk)
    assert phone.get("/").status_code == 302  # every page leads to choosing a password
    assert AuditEntry.objects.filter(object_type="user", object_id=str(user.pk), fields="last_login").exists()
    # Used twice: refused, in another browser and in the same one.
    other = Client()
    assert other.get(path).status_code == 410
    second = other.post(path)
    assert second.status_code == 410 and "_auth_user_id" not in other.session


def test_an_expired_link_is_refused(world, login, monkeypatch):
    user, path = new_account_link(world, login)
    now = datetime.now()
    tokens = accounts.sign_in_links
    monkeypatch.setattr(type(tokens), "_now", lambda self: now + timedelta(hours=accounts.SIGN_IN_LINK_HOURS - 1))
    assert accounts.account_for_link(*path.strip("/").split("/")[2:]) == user
    monkeypatch.setattr(type(tokens), "_now", lambda self: now + timedelta(hours=accounts.SIGN_IN_LINK_HOURS + 1))
    phone = Client()
    assert phone.post(path).status_code == 410 and "_auth_user_id" not in phone.session


def test_a_shorter_limit_in_the_settings_is_kept(world, login, settings, monkeypatch):
    user, path = new_account_link(world, login)
    settings.FANGKONG_SIGN_IN_LINK_HOURS = 1
    now = datetime.now()
    monkeypatch.setattr(type(accounts.sign_in_links), "_now", lambda self: now + timedelta(hours=2))
    assert accounts.account_for_link(*path.strip("/").split("/")[2:]) is None


def test_a_deactivated_account_s_link_is_refused(world, login):
    user, path = new_account_link(world, login)
    accounts.deactivate(world.users["command_post"], user, world.community, "已离岗")
    phone = Client()
    assert phone.post(path).status_code == 410 and "_auth_user_id" not in phone.session
    # Switched on again: the old link stays void (a new slip carries a new one).
    accounts.reactivate(world.users["command_post"], user, world.community)
    assert phone.post(path).status_code == 410


def test_a_password_reset_voids_the_old_link_and_a_tampered_one_is_refused(world, login):
    user, path = new_account_link(world, login)
    accounts.reset_password(world.users["command_post"], user, world.community)
    assert Client().post(path).status_code == 410
    fresh = accounts.sign_in_link_path(user)
    tampered = fresh[:-2] + ("0" if fresh[-2] != "0" else "1") + "/"
    assert Client().post(tampered).status_code == 410
    assert Client().post("/accounts/link/zzzz/abc-def/").status_code == 410
    assert Client().post(fresh).status_code == 302
