from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "fangkong.registry"
    verbose_name = _("Ledgers and screening")

    def ready(self):
        from fangkong.core import hooks

        from . import actions  # noqa: F401  (declares who may do what)

        hooks.register("start_item", "fangkong.registry.start.start_items", order=10)
