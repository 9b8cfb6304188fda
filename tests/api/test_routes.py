"""One API pattern: every app lists its view sets in <app>/api (ROUTES) and the one router
collects them; the shared package fangkong/api names no app, so no app's API imports it in a cycle."""

import re
from pathlib import Path

import fangkong
from fangkong.api.routes import app_routes

API = Path(fangkong.__file__).parent / "api"
APPS = ("core", "registry", "documents", "health", "testing")


def test_every_app_api_is_collected_under_its_old_address(world):
    prefixes = [prefix for prefix, _viewset, _basename in app_routes()]
    for prefix in ("persons", "buildings", "testrounds", "keypersons", "screeningrounds", "seals"):
        assert prefix in prefixes
    assert len(prefixes) == len(set(prefixes))


def test_the_shared_api_package_imports_no_app():
    # Core's foundations (errors, actions, scope, models) are every app's; nothing else.
    pattern = re.compile(rf"^\s*(from|import)\s+fangkong\.({'|'.join(APPS)})\b(?!\.(errors|actions|scope|models)\b)",
                         re.M)
    offenders = [f"{path.name}: {m.group(0).strip()}" for path in API.glob("*.py")
                 for m in pattern.finditer(path.read_text())]
    assert offenders == []


def test_no_app_imports_the_api_views_of_another_app():
    for app in APPS:
        for path in (API.parent / app).rglob("*.py"):
            text = path.read_text()
            for other in APPS:
                if other != app:
                    assert f"fangkong.{other}.api" not in text, path
