"""fangkong setup: start a real community on an empty database (the demo is ``fangkong demo``).

Creates the community (name, code, where it sits) and the first account, which holds the
command post and district administrator roles in it; everything else (zones, grids, buildings,
accounts for the other people) is done in the pages. Interactive by default; for scripts:

    fangkong setup --no-input --community-name 南秦社区 --code nanqin --province 福建省 \\
        --city 泉州市 --district 石狮市 --street 湖滨街道 --admin-username zhang [--admin-password ...]

Without --admin-password a one-time password is printed; it must be changed at first sign-in.
"""

import getpass

from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from fangkong.core import accounts
from fangkong.core.errors import ServiceError
from fangkong.core.models import AccountProfile, AuditAction, Community, Role, RoleAssignment
from fangkong.core.places import _check_community_data
from fangkong.core.services import audit

FIELDS = [("community_name", "Community name (e.g. 南秦社区)"), ("code", "Code, letters and digits (e.g. nanqin)"),
          ("province", "Province"), ("city", "City"), ("district", "District"), ("street", "Street (街道)"),
          ("admin_username", "User name of the first account")]


class Command(BaseCommand):
    help = "Create a community and its first account (command post and district administrator)."

    def add_arguments(self, parser):
        for name, text in FIELDS:
            parser.add_argument("--" + name.replace("_", "-"), default="", help=text)
        parser.add_argument("--admin-name", default="", help="The first account's full name")
        parser.add_argument("--admin-password", default="",
                            help="Its password (otherwise a one-time password is printed)")
        parser.add_argument("--no-input", "--noinput", action="store_false", dest="interactive")

    def handle(self, *args, interactive=True, **options):
        call_command("migrate", interactive=False, verbosity=0)
        values = {name: (options.get(name) or "").strip() for name, _text in FIELDS}
        if interactive:
            for name, text in FIELDS:
                while not values[name]:
                    values[name] = input(f"{text}: ").strip()
                    if name in ("province", "city", "district", "street"):
                        break  # optional
            if not options["admin_password"]:
                entered = getpass.getpass("Password (empty: print a one-time password): ")
                options["admin_password"] = entered
        missing = [f"--{n.replace('_', '-')}" for n in ("community_name", "code", "admin_username") if not values[n]]
        if missing:
            raise CommandError("Missing: " + ", ".join(missing))
        if User.objects.filter(username__iexact=values["admin_username"]).exists():
            raise CommandError(f"The user name {values['admin_username']!r} is taken.")
        try:
            data = _check_community_data({"name": values["community_name"], "code": values["code"],
                                          **{k: values[k] for k in ("province", "city", "district", "street")}})
        except ServiceError as error:
            raise CommandError(error.message) from None
        password = options["admin_password"] or accounts.new_password()
        with transaction.atomic():
            community = Community.objects.create(**data)
            user = User.objects.create_user(values["admin_username"], password=password,
                                            first_name=options["admin_name"][:150])
            # Chosen by whoever ran the command: no need to change it; a printed one must be.
            AccountProfile.objects.create(user=user, must_set_password=not options["admin_password"])
            for role in (Role.COMMAND_POST, Role.DISTRICT_ADMIN):
                RoleAssignment.objects.create(user=user, role=role, community=community)
            audit(None, AuditAction.CREATE, community, changes={k: ["", v] for k, v in data.items()},
                  reason="fangkong setup")
            audit(None, AuditAction.CREATE, user, community=community, reason="fangkong setup",
                  changes={"role": ["", f"{Role.COMMAND_POST.label}, {Role.DISTRICT_ADMIN.label}"]})
        self.stdout.write(f"Community {community.name} ({community.code}) created.")
        self.stdout.write(f"Sign in as {user.username}" + ("" if options["admin_password"] else
                                                            f" with the one-time password {password}"
                                                            " (you choose your own at first sign-in)") + ".")
        self.stdout.write("Then open 设置 / Set-up to add zones, grids and buildings, and 账号 / Accounts.")
