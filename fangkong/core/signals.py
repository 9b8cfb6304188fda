"""Failed logins go to the audit log (django-axes also counts them to lock the account)."""

from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver

from .models import AuditAction, AuditEntry


@receiver(user_login_failed)
def record_failed_login(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    AuditEntry.objects.create(action=AuditAction.LOGIN_FAILED, object_type="user", object_repr=username,
                              username=username)
