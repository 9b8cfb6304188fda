"""Accounts: argon2, lockout after failed logins, idle sessions, security headers."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.urls import reverse

from fangkong.core.models import AuditEntry
from tests.factories import PASSWORD


def test_passwords_are_hashed_with_argon2(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    user = User.objects.create_user("hash", password="x-long-password")
    assert user.password.startswith("argon2")


def test_login_with_the_form_works(client, world):
    response = client.post(reverse("login"), {"username": "command", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_repeated_failed_logins_lock_the_account_and_are_logged(client, world):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "command", "password": "wrong"})
    locked = client.post(reverse("login"), {"username": "command", "password": PASSWORD})
    assert locked.status_code == 429
    assert not client.get("/").status_code == 200
    assert AuditEntry.objects.filter(action="login_failed", username="command").count() >= settings.AXES_FAILURE_LIMIT
    # another account from the same address is not locked
    assert client.post(reverse("login"), {"username": "gridworker", "password": PASSWORD}).status_code == 302


def test_sessions_end_after_idle_minutes():
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST


def test_pages_carry_a_content_security_policy(client, db):
    response = client.get(reverse("login"))
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert response.headers["X-Frame-Options"] == "DENY"


def test_static_files_are_served_locally(client, db):
    for path in ["/static/vendor/bootstrap.min.css", "/static/vendor/htmx.min.js", "/static/fangkong/app.css"]:
        response = client.get(path)
        assert response.status_code == 200, path
        b"".join(response.streaming_content if response.streaming else [response.content])
    html = client.get(reverse("login")).content.decode()
    assert "/static/vendor/bootstrap.min.css" in html and "http" not in html.split("<body")[0].replace(
        "http-equiv", "")


def test_production_settings_pass_check_deploy(tmp_path):
    env = dict(os.environ, FANGKONG_PRODUCTION="1", FANGKONG_SECRET_KEY="k" * 20 + "Zq8#vW2!xR5$tY7&uI9*oP0(aS3)dF6",
               FANGKONG_ALLOWED_HOSTS="fangkong.example.org", FANGKONG_DATA_DIR=str(tmp_path))
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser tests for their own process
    result = subprocess.run([sys.executable, "-m", "fangkong", "check", "--deploy", "--fail-level", "WARNING"],
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_secret_key(tmp_path):
    env = dict(os.environ, FANGKONG_PRODUCTION="1", FANGKONG_DATA_DIR=str(tmp_path))
    env.pop("FANGKONG_SECRET_KEY", None)
    result = subprocess.run([sys.executable, "-m", "fangkong", "check"], env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode != 0 and "FANGKONG_SECRET_KEY" in result.stderr


def test_a_yes_no_setting_it_cannot_read_stops_the_start(tmp_path):
    env = dict(os.environ, FANGKONG_PRODUCTION="ture", FANGKONG_DATA_DIR=str(tmp_path))
    result = subprocess.run([sys.executable, "-m", "fangkong", "check"], env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode != 0 and "FANGKONG_PRODUCTION='ture' is not a yes/no value" in result.stderr


def test_yes_no_settings_read_the_usual_words(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from fangkong.settings import envbool

    for word, meaning in [("1", True), ("Yes", True), (" on ", True), ("0", False), ("off", False), ("NO", False)]:
        monkeypatch.setenv("FANGKONG_TEST_FLAG", word)
        assert envbool("FANGKONG_TEST_FLAG") is meaning, word
    monkeypatch.setenv("FANGKONG_TEST_FLAG", "")
    assert envbool("FANGKONG_TEST_FLAG", True) is True
    monkeypatch.setenv("FANGKONG_TEST_FLAG", "y")
    with pytest.raises(ImproperlyConfigured):
        envbool("FANGKONG_TEST_FLAG")
