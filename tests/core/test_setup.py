"""fangkong setup: a real community and its first account on an empty database, no shell."""

import os
import re
import subprocess
import sys

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from fangkong.core.models import AccountProfile, AuditEntry, Community, Role, RoleAssignment

FLAGS = ["--no-input", "--community-name", "南秦社区", "--code", "nanqin", "--province", "福建省",
         "--city", "泉州市", "--district", "石狮市", "--street", "湖滨街道", "--admin-username", "zhang"]


def test_setup_on_a_fresh_data_folder_prints_a_one_time_password(tmp_path):
    env = dict(os.environ, FANGKONG_DATA_DIR=str(tmp_path))
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run([sys.executable, "-m", "fangkong", "setup", *FLAGS], env=env, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "南秦社区" in result.stdout
    assert re.search(r"one-time password [a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}", result.stdout)
    assert (tmp_path / "fangkong.sqlite3").exists()


def test_setup_creates_the_community_and_its_first_account(db, capsys):
    call_command("setup", *FLAGS)
    community = Community.objects.get(code="nanqin")
    assert (community.province, community.city, community.district, community.street) == (
        "福建省", "泉州市", "石狮市", "湖滨街道")
    user = User.objects.get(username="zhang")
    assert set(RoleAssignment.objects.filter(user=user, community=community).values_list("role", flat=True)) == {
        Role.COMMAND_POST, Role.DISTRICT_ADMIN}
    assert not user.is_superuser
    password = re.search(r"one-time password (\S+)", capsys.readouterr().out).group(1)
    assert user.check_password(password)
    assert AccountProfile.objects.get(user=user).must_set_password
    assert AuditEntry.objects.filter(community=community, object_type="user", action="create").exists()


def test_setup_with_a_chosen_password_does_not_ask_to_change_it(db, capsys):
    call_command("setup", *FLAGS, "--admin-password", "a-long-chosen-password")
    assert "one-time" not in capsys.readouterr().out
    assert not AccountProfile.objects.get(user__username="zhang").must_set_password


def test_setup_without_a_code_says_what_is_missing(db):
    with pytest.raises(CommandError, match="--code"):
        call_command("setup", "--no-input", "--community-name", "南秦社区", "--admin-username", "zhang")
    assert not Community.objects.exists()


def test_setup_refuses_a_taken_code_and_writes_nothing(db):
    call_command("setup", *FLAGS)
    flags = [f if f != "zhang" else "li" for f in FLAGS]
    with pytest.raises(CommandError, match="nanqin"):
        call_command("setup", *flags)
    assert not User.objects.filter(username="li").exists()


def test_first_sign_in_leads_to_choosing_ones_own_password(db, client, capsys):
    call_command("setup", *FLAGS)
    password = re.search(r"one-time password (\S+)", capsys.readouterr().out).group(1)
    response = client.post("/accounts/login/", {"username": "zhang", "password": password})
    assert response.status_code == 302
    assert client.get("/").url == "/accounts/password/"
    weak = client.post("/accounts/password/", {"password": "12345678", "password2": "12345678"})
    assert weak.status_code == 400
    response = client.post("/accounts/password/", {"password": "stairs-and-masks-42",
                                                   "password2": "stairs-and-masks-42"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert User.objects.get(username="zhang").check_password("stairs-and-masks-42")
    assert not AccountProfile.objects.get(user__username="zhang").must_set_password
