"""fangkong demo [--rebuild]: migrate, build the demo community if it is not there, list the accounts.

The generator lives in ``fangkong.core.demo``; this command only parses, times and prints.
"""

import time
import unicodedata

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.core import demo


def _width(text: str) -> int:
    """Columns a string takes in a terminal: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def format_table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(_width(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(_pad(cell, widths[i]) for i, cell in enumerate(row)).rstrip() for row in [header, *rows]]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


class Command(BaseCommand):
    help = gettext_lazy(
        "Migrate the database and build the demo community (浔美社区, about 6,000 persons) unless it is "
        "already there; then print the demo accounts."
    )

    def add_arguments(self, parser):
        parser.add_argument("--rebuild", action="store_true",
                            help=gettext_lazy("Delete the demo community and its accounts and build them again."))

    def handle(self, *args, rebuild=False, **options):
        call_command("migrate", interactive=False, verbosity=0)
        started = time.monotonic()
        try:
            community = None if rebuild else demo.find_demo()
            if community is not None:
                added = demo.ensure_accounts(community)
                self.stdout.write(_("The demo community %(name)s is already there; its data is kept "
                                    "(--rebuild builds it again).") % {"name": community.name})
                if added:
                    self.stdout.write(_("Accounts added again: %(names)s") % {"names": ", ".join(added)})
            else:
                community = demo.rebuild_demo() if rebuild else demo.build_demo()
                self._print_built(community, time.monotonic() - started)
        except demo.DemoError as error:
            raise CommandError(str(error)) from None
        self._print_accounts(community)

    def _print_built(self, community, seconds):
        counts = demo.demo_summary(community)
        self.stdout.write(self.style.SUCCESS(
            _("Built the demo community %(name)s (%(district)s) in %(seconds).1f s:") % {
                "name": community.name, "district": community.district, "seconds": seconds}))
        self.stdout.write("  " + _(
            "%(zones)d zones, %(grids)d grids, %(units)d units, %(buildings)d buildings, "
            "%(households)d households, %(persons)d persons (%(migrants)d migrants, "
            "%(special)d needing special care)") % counts)

    def _print_accounts(self, community):
        rows = demo.demo_accounts(community)
        self.stdout.write("")
        self.stdout.write(_("Demo accounts (password for all: %(password)s)") % {"password": demo.DEMO_PASSWORD})
        header = [_("Username"), _("Password"), _("Role"), _("Name"), _("Scope")]
        table = [[row["username"], row["password"], row["role"], row["name"], row["scope"]] for row in rows]
        self.stdout.write(format_table(header, table))
        self.stdout.write("")
        self.stdout.write(_("Start the server with “fangkong serve” (or “make run”) and log in at "
                            "http://127.0.0.1:8000/"))
