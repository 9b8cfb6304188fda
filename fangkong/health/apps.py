from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HealthConfig(AppConfig):
    name = "fangkong.health"
    verbose_name = _("Health control")

    def ready(self):
        from fangkong.core import hooks

        hooks.register("start_item", "fangkong.health.start.start_items", order=20)
