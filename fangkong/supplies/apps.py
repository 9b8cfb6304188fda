from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SuppliesConfig(AppConfig):
    name = "fangkong.supplies"
    verbose_name = _("Supplies and care")

    def ready(self):
        from fangkong.core import hooks

        from . import actions  # noqa: F401  (declares the app's actions)

        hooks.register("home_panel", "fangkong.supplies.panels.home_panel", order=30)
        hooks.register("start_item", "fangkong.supplies.panels.volunteer_runs", order=30)
        hooks.register("start_item", "fangkong.supplies.panels.leader_requests", order=31)
