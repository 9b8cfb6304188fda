"""Where apps plug into core's pages without core naming them (pretix's plugin signals, kept
to plain registries).

An app registers, in its AppConfig.ready():

    from fangkong.core import hooks
    hooks.register("home_panel", "fangkong.health.panels.home_panel", order=10)
    hooks.register("person_block", "fangkong.health.panels.person_block", order=10)
    hooks.register("household_block", "fangkong.health.panels.household_block", order=10)

A hook is a callable ``(request, **kwargs) -> str | None`` (rendered HTML, or None to show
nothing: a role whose work does not need it). Core's templates place every registered piece
with ``{% load core_hooks %}{% hook "home_panel" %}`` (or ``{% hook "person_block" person=person %}``),
in ``order``. The demo's steps are found the same way, by each app's ``demo`` module.
"""

from dataclasses import dataclass

from django.utils.module_loading import import_string

# nav_item: an entry of the top bar (an <li class="nav-item">), for an app with a page of its own.
KINDS = ("home_panel", "person_block", "household_block", "building_block", "start_item", "nav_item")


@dataclass(frozen=True)
class Hook:
    kind: str
    path: str
    order: int

    def __call__(self, request, **kwargs):
        return import_string(self.path)(request, **kwargs)


_HOOKS: dict[str, list[Hook]] = {kind: [] for kind in KINDS}


def register(kind: str, path: str, order: int = 100) -> None:
    if kind not in _HOOKS:
        raise ValueError(f"unknown hook kind {kind}; known: {', '.join(KINDS)}")
    if any(hook.path == path for hook in _HOOKS[kind]):
        return  # ready() may run twice in tests
    _HOOKS[kind].append(Hook(kind, path, order))
    _HOOKS[kind].sort(key=lambda hook: (hook.order, hook.path))


def hooks(kind: str) -> list[Hook]:
    return list(_HOOKS[kind])


def render(kind: str, request, **kwargs) -> list[str]:
    """The HTML of every piece of this kind that has something to show, in order."""
    pieces = []
    for hook in _HOOKS[kind]:
        html = hook(request, **kwargs)
        if html:
            pieces.append(html)
    return pieces
