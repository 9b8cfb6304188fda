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

        # A broken seal is detected where health records the check, whichever page or phone sent
        # it: staff listens to core's event there and raises the task for whoever answers for the
        # door (§5); and it answers "who looks after this door" for the key-person register.
        from fangkong.core import events

        events.seal_checked.connect(_seal_checked, dispatch_uid="staff-broken-seal-task")
        events.answer("responsible_users", "fangkong.staff.services.responsible_users")
        events.answer("person_responsible_users", "fangkong.staff.services.person_responsible_users")


def _seal_checked(sender, household, on, broken, **kwargs):
    from .checks import task_for_broken_seal

    if broken:
        task_for_broken_seal(household, on)
