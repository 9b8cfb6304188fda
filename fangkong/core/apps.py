from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "fangkong.core"
    verbose_name = _("Places and people")

    def ready(self):
        from . import core_actions, setup_actions, signals  # noqa: F401  (declares core's actions; connects the receivers)
