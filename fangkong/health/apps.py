from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HealthConfig(AppConfig):
    name = "fangkong.health"
    verbose_name = _("Health control")

    def ready(self):
        from fangkong.core import hooks

        from . import actions  # noqa: F401  (declares who may do what)

        hooks.register("home_panel", "fangkong.health.panels.home_panel", order=10)
        hooks.register("person_block", "fangkong.health.panels.person_block", order=10)
        hooks.register("household_block", "fangkong.health.panels.household_block", order=10)
        hooks.register("start_item", "fangkong.health.start.start_items", order=20)
