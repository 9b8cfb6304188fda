from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HealthConfig(AppConfig):
    name = "fangkong.health"
    verbose_name = _("Health control")

    def ready(self):
        from . import actions  # noqa: F401  (declares who may do what)
