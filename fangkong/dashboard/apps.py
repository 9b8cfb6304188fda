from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    name = "fangkong.dashboard"
    verbose_name = _("Command: figures and briefing")

    def ready(self):
        from fangkong.core import hooks

        from . import actions  # noqa: F401  (declares the app's actions)

        hooks.register("nav_item", "fangkong.dashboard.panels.nav_item", order=5)
        hooks.register("start_item", "fangkong.dashboard.views_map.start_item", order=90)
