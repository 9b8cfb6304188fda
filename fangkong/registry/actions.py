"""Who may run screening rounds (摸排) and import or export ledgers (imported in
RegistryConfig.ready; the mechanism is ``fangkong.core.actions``)."""

from django.utils.translation import gettext_lazy as _

from fangkong.core.actions import declare
from fangkong.core.core_actions import MAY_NOT_CHANGE, STAFF
from fangkong.core.models import Role

# Starting and closing a round: the command post, or a grid leader (the service adds that a
# grid leader's round lies within the grids they lead).
CREATE_ROUND = declare("screening.create_round", {Role.COMMAND_POST, Role.GRID_LEADER},
                       _("Only the command post or a grid leader starts a screening round."))
CLOSE_ROUND = declare("screening.close_round", {Role.COMMAND_POST, Role.GRID_LEADER},
                      _("Only the command post, or the grid leader of the round's grids, closes it."))
# Knocking: the staff whose grids or buildings hold the door.
RECORD_VISIT = declare("screening.record_visit", STAFF, MAY_NOT_CHANGE, reach=True)
CHECK_MEMBERS = declare("screening.check_members", STAFF, MAY_NOT_CHANGE, reach=True)
# Ledgers: the importer keeps each row within the importer's own grids and buildings.
IMPORT_LEDGER = declare("registry.import_ledger", STAFF,
                        _("Only the command post, grid and building staff import and export ledgers."))
EXPORT_PEOPLE = declare("registry.export_people", STAFF,
                        _("Only the command post, grid and building staff import and export ledgers."))
# Beyond their grids: a round over the whole community, and closing a round before every door
# has an outcome (with a reason), are the command post's.
SCREEN_WHOLE_COMMUNITY = declare("screening.screen_whole_community", {Role.COMMAND_POST},
                                 _("Choose the grids or buildings of the round: only the command post "
                                   "screens the whole community."))
CLOSE_ROUND_EARLY = declare("screening.close_round_early", {Role.COMMAND_POST},
                            _("Only the command post closes a round before every door has an outcome."))
# The places sheet (grids, units, buildings, rooms) lays out the whole community: the command
# post's. Exporting it is for whoever sees the buildings (each sees their own).
IMPORT_PLACES = declare("registry.import_places", {Role.COMMAND_POST},
                        _("Only the command post imports the places sheet."))
EXPORT_PLACES = declare("registry.export_places", STAFF,
                        _("Only the command post, grid and building staff export the places sheet."))
