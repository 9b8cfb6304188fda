from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TestingConfig(AppConfig):
    name = "fangkong.testing"
    verbose_name = _("Testing rounds")

    def ready(self):
        from . import actions  # noqa: F401  (declares who may do what)
