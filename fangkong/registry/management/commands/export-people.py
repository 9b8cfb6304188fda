"""fangkong export-people --community CODE [--grid N] [--building DOOR] -o FILE

Masked, like every export. Whole ID numbers and phones need --user (a user with the permission
to reveal them) and --reveal-reason; the export is written to the audit log either way."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from fangkong.core.actions import NotAllowed
from fangkong.core.models import Building, Community, Grid
from fangkong.registry.ledger.exporter import ExportRefused, ExportScope, export_people


class Command(BaseCommand):
    help = "Export a community's people to an .xlsx ledger (masked)."

    def add_arguments(self, parser):
        parser.add_argument("--community", required=True, help="the community's code")
        parser.add_argument("--grid", type=int, help="grid number")
        parser.add_argument("--building", help="door number")
        parser.add_argument("-o", "--output", required=True, help="the .xlsx file to write")
        parser.add_argument("--user", help="export as this user (within that user's scope)")
        parser.add_argument("--reveal-reason", default="", help="show ID numbers and phones whole, for this reason")

    def handle(self, *args, **options):
        try:
            community = Community.objects.get(code=options["community"])
        except Community.DoesNotExist:
            raise CommandError(f"No community with the code {options['community']!r}.", returncode=2) from None
        scope = ExportScope(community_id=community.pk)
        if options["grid"] is not None:
            grid = Grid.objects.filter(community=community, number=options["grid"]).first()
            if grid is None:
                raise CommandError(f"No grid {options['grid']} in {community}.", returncode=2)
            scope.grid_id = grid.pk
        if options["building"]:
            building = Building.objects.filter(community=community, door_number=options["building"]).first()
            if building is None:
                raise CommandError(f"No building {options['building']} in {community}.", returncode=2)
            scope.building_id = building.pk
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"No user {options['user']!r}.", returncode=2)
        if options["reveal_reason"] and user is None:
            raise CommandError("--reveal-reason needs --user, a user allowed to see personal numbers whole.",
                               returncode=2)
        try:
            _out, count = export_people(user, scope, reveal_reason=options["reveal_reason"],
                                        out=options["output"])
        except (ExportRefused, NotAllowed) as error:
            raise CommandError(error.message, returncode=2) from None
        self.stdout.write(f"{count} → {options['output']}")
