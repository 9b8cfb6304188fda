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
        # it: staff listens there and raises the task for whoever answers for the door (§5).
        from django.db.models.signals import post_save

        from fangkong.health.models import SealCheck

        post_save.connect(_seal_checked, sender=SealCheck, dispatch_uid="staff-broken-seal-task")


def _seal_checked(sender, instance, **kwargs):
    from fangkong.health.models import SealResult

    from .checks import task_for_broken_seal

    if instance.result == SealResult.BROKEN:
        task_for_broken_seal(instance.seal, instance.on)
