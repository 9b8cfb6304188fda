"""fangkong api_token <username> [--reset]: print the user's API token, creating it if needed.

Laboratories and district platforms call the API with ``Authorization: Token <key>``; the token
sees exactly what the user's roles let the user see.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from rest_framework.authtoken.models import Token

from fangkong.core.scope import reaches


class Command(BaseCommand):
    help = "Print a user's API token (created on first use); --reset replaces it with a new one."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--reset", action="store_true",
                            help="Replace the token: clients holding the old one are refused from now on.")

    def handle(self, *args, username, reset=False, **options):
        User = get_user_model()
        try:
            user = User.objects.get(**{User.USERNAME_FIELD: username})
        except User.DoesNotExist:
            raise CommandError(f"No user named {username!r}.") from None
        if not user.is_active:
            raise CommandError(f"The user {username!r} is inactive.")
        if reset:
            Token.objects.filter(user=user).delete()
        token, created = Token.objects.get_or_create(user=user)
        if not user.is_superuser and not reaches(user):
            self.stderr.write(f"Note: {username!r} has no role, so the token will see nothing.")
        if reset or created:
            note = " (the old one no longer works)." if reset else "."
            self.stderr.write(f"New token for {username!r}{note}")
        self.stdout.write(token.key)
