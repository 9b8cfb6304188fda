from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StaffConfig(AppConfig):
    name = "fangkong.staff"
    verbose_name = _("Staff and duties")

    def ready(self):
        from fangkong.core import hooks

        from . import actions  # noqa: F401  (declares the app's actions)

        hooks.register("home_panel", "fangkong.staff.panels.home_panel", order=30)
        hooks.register("start_item", "fangkong.staff.panels.my_shifts_item", order=30)
        hooks.register("start_item", "fangkong.staff.panels.my_five_item", order=31)
