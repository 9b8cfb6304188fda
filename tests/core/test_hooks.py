"""Apps plug into core's pages through hooks (core/hooks.py): core places what they registered,
in order, and names no app."""

import copy
from pathlib import Path

import pytest

from fangkong.core import hooks


def greeting(request, **kwargs):
    return f'<p id="greeting">hello {request.user.username}</p>'


def nothing_for_you(request, **kwargs):
    return None


def person_note(request, person):
    return f'<p id="person-note">note on {person.name}</p>'


def first(request, **kwargs):
    return '<p id="first"></p>'


@pytest.fixture
def registry(monkeypatch):
    """The registered hooks, restored after the test."""
    monkeypatch.setattr(hooks, "_HOOKS", copy.deepcopy(hooks._HOOKS))
    return hooks


def test_a_registered_home_panel_shows_on_the_home_page(world, login, registry):
    registry.register("home_panel", f"{__name__}.greeting", order=50)
    body = login(world.users["command_post"]).get("/").content.decode()
    assert '<p id="greeting">hello command</p>' in body


def test_a_hook_with_nothing_to_show_leaves_no_trace(world, login, registry):
    registry.register("home_panel", f"{__name__}.nothing_for_you")
    assert "None" not in "".join(registry.render("home_panel", _request(world.users["command_post"])))


def test_a_person_block_gets_the_person(world, login, registry):
    registry.register("person_block", f"{__name__}.person_note")
    body = login(world.users["command_post"]).get(f"/people/{world.person_a.pk}/").content.decode()
    assert "note on 张三" in body


def test_pieces_come_in_their_order(world, registry):
    registry.register("home_panel", f"{__name__}.greeting", order=50)
    registry.register("home_panel", f"{__name__}.first", order=1)
    pieces = registry.render("home_panel", _request(world.users["command_post"]))
    assert pieces[0] == '<p id="first"></p>'
    assert pieces.index('<p id="first"></p>') < pieces.index('<p id="greeting">hello command</p>')


def test_health_and_testing_register_their_blocks_in_their_own_apps():
    registered = {kind: [hook.path for hook in hooks.hooks(kind)] for kind in hooks.KINDS}
    assert "fangkong.health.panels.home_panel" in registered["home_panel"]
    assert "fangkong.testing.panels.home_panel" in registered["home_panel"]
    assert "fangkong.health.panels.household_block" in registered["household_block"]
    assert registered["person_block"].index("fangkong.health.panels.person_block") < \
        registered["person_block"].index("fangkong.testing.panels.person_block")


def test_core_templates_load_no_apps_tags():
    templates = Path(hooks.__file__).parent / "templates"
    for template in templates.rglob("*.html"):
        text = template.read_text()
        assert "health_tags" not in text and "testing_tags" not in text, template


def test_an_unknown_kind_is_refused(registry):
    with pytest.raises(ValueError):
        registry.register("sidebar", f"{__name__}.greeting")


def _request(user):
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = user
    return request
