"""Who may set a community up: its places and its accounts (issue 10).

Only the command post arranges its community's zones, grids, units and estates and manages the
accounts of the people who work in it; a district administrator creates communities and may do
the same in the communities it created. Imported from CoreConfig.ready().
"""

from django.utils.translation import gettext_lazy as _

from .actions import declare
from .models import WRITING_ROLES, Role

SETUP = {Role.COMMAND_POST, Role.DISTRICT_ADMIN}
_places = _("Only the command post arranges the community's places.")
_accounts = _("Only the command post manages the accounts of its community.")

COMMUNITY_CHANGE = declare("communities.change", SETUP, _places)
COMMUNITY_CREATE = declare("communities.create", {Role.DISTRICT_ADMIN},
                           _("Only a district administrator creates communities."))

ZONE_CREATE = declare("places.create_zone", SETUP, _places)
ZONE_CHANGE = declare("places.change_zone", SETUP, _places)
GRID_CREATE = declare("places.create_grid", SETUP, _places)
GRID_CHANGE = declare("places.change_grid", SETUP, _places)
UNIT_CREATE = declare("places.create_unit", SETUP, _places)
UNIT_CHANGE = declare("places.change_unit", SETUP, _places)
ESTATE_CREATE = declare("places.create_estate", SETUP, _places)
ENTRANCE_CREATE = declare("places.create_entrance", SETUP, _places)
# A grid's own leader and workers add a building they find on the ground (seed 002 counted
# buildings nobody had registered), in their grids only; arranging where buildings are (door
# numbers, estates, grids) stays with the command post.
BUILDING_CREATE = declare("places.create_building", SETUP | {Role.GRID_LEADER, Role.GRID_WORKER},
                          _("Only the command post, or the grid's own leader and workers, add buildings."),
                          reach=True)
BUILDING_RENUMBER = declare("places.renumber_building", SETUP, _places)
# Its details (landlord, floors, control status, outline) are filled in by whoever works there.
BUILDING_CHANGE = declare("places.change_building", WRITING_ROLES,
                          _("Your role may look at this building but not change it."), reach=True)
ENTRANCE_CHANGE = declare("places.change_entrance", SETUP, _places)
BUILDING_MOVE = declare("places.move_building", SETUP, _places)

ACCOUNTS_VIEW = declare("accounts.view", SETUP, _accounts)
ACCOUNT_CREATE = declare("accounts.create", SETUP, _accounts)
ACCOUNT_CHANGE_ROLES = declare("accounts.change_roles", SETUP, _accounts)
ACCOUNT_RESET_PASSWORD = declare("accounts.reset_password", SETUP, _accounts)
ACCOUNT_DEACTIVATE = declare("accounts.deactivate", SETUP, _accounts)
ACCOUNT_REACTIVATE = declare("accounts.reactivate", SETUP, _accounts)
ACCOUNT_UNLOCK = declare("accounts.unlock", SETUP, _accounts)
ACCOUNT_GRANT_REVEAL = declare("accounts.grant_reveal", SETUP, _accounts)
# Only a district administrator makes another: a command post cannot raise itself above its post.
ACCOUNT_GRANT_DISTRICT_ADMIN = declare("accounts.grant_district_admin", {Role.DISTRICT_ADMIN},
                                       _("Only a district administrator appoints another."))
