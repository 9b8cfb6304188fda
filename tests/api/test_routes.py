"""One API pattern: every app lists its view sets in <app>/api (ROUTES) and the one router
collects them (fangkong/api); the base they share is core's (fangkong/core/rest), so no cycle."""

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
    """fangkong/api only collects: it imports the REST base in core, and no app by name."""
    pattern = re.compile(r"^\s*(from|import)\s+fangkong\.(?!core\.rest\b)[a-z_]+", re.M)
    offenders = [f"{path.name}: {m.group(0).strip()}" for path in API.glob("*.py")
                 for m in pattern.finditer(path.read_text())]
    assert offenders == []


def test_nothing_but_the_url_configuration_imports_the_api_package_and_core_rest_looks_up_to_no_app():
    """No cycle: core's REST base imports core and lib only, and no module imports fangkong.api
    (the URL configuration names it as a string, ``include("fangkong.api.urls")``)."""
    root = API.parent
    importers = sorted(str(path.relative_to(root)) for path in root.rglob("*.py")
                       if re.search(r"^\s*(from|import)\s+fangkong\.api\b", path.read_text(), re.M)
                       and path.parent != API)
    assert importers == []
    assert 'include("fangkong.api.urls")' in (root / "urls.py").read_text()
    looks_up = re.compile(r"^\s*(from|import)\s+fangkong\.(?!core\b|lib\b)[a-z_]+", re.M)
    assert [path.name for path in (root / "core" / "rest").glob("*.py") if looks_up.search(path.read_text())] == []


def test_no_app_imports_the_api_views_of_another_app():
    for app in APPS:
        for path in (API.parent / app).rglob("*.py"):
            text = path.read_text()
            for other in APPS:
                if other != app:
                    assert f"fangkong.{other}.api" not in text, path
