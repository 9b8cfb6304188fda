from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TestingConfig(AppConfig):
    name = "fangkong.testing"
    verbose_name = _("Testing rounds")

    def ready(self):
        from fangkong.core import hooks

        from . import actions  # noqa: F401  (declares who may do what)

        hooks.register("home_panel", "fangkong.testing.panels.home_panel", order=20)
        hooks.register("person_block", "fangkong.testing.panels.person_block", order=20)
        hooks.register("start_item", "fangkong.testing.start.start_items", order=30)
