"""The one router collects every app's API, as the admin collects ``admin.py``.

Each Fangkong app that has an API has an ``api`` module (``<app>/api.py``, or a package
``<app>/api/`` once it passes a few hundred lines) with ``ROUTES``: (prefix, view set,
basename) triples. The shared pieces (base view set, fields, errors) are in ``fangkong.core.rest``;
this package only collects, and nothing but the URL configuration imports it.
"""

from importlib import import_module

from django.apps import apps
from django.utils.module_loading import module_has_submodule

OWN_APPS = "fangkong."


def app_routes():
    """(prefix, view set, basename) of every installed Fangkong app, in INSTALLED_APPS order."""
    routes = []
    for config in apps.get_app_configs():
        if not config.name.startswith(OWN_APPS) or config.name == __package__:
            continue
        if module_has_submodule(config.module, "api"):
            routes += import_module(f"{config.name}.api").ROUTES
    return routes


def collect(router):
    for prefix, viewset, basename in app_routes():
        router.register(prefix, viewset, basename=basename)
    return router
