from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TestingConfig(AppConfig):
    name = "fangkong.testing"
    verbose_name = _("Testing rounds")

    def ready(self):
        from fangkong.core import hooks

        hooks.register("start_item", "fangkong.testing.start.start_items", order=30)
