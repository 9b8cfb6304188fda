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

        from fangkong.core import events

        events.answer("sealed_household_ids", "fangkong.health.answers.sealed_household_ids")
        events.answer("missing_reports", "fangkong.health.answers.missing_reports")
        events.answer("key_persons", "fangkong.health.answers.key_persons")
        from .answers import record_door_seen

        events.door_seen.connect(record_door_seen, dispatch_uid="health-door-seen")
        from .answers import refresh_responsible

        events.responsibility_changed.connect(refresh_responsible, dispatch_uid="health-refresh-responsible")
