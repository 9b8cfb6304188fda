"""What core's services do to places and people, and who may (``fangkong.core.actions`` is the
mechanism; this module, imported in CoreConfig.ready, is core's list).

The staff roles change what lies under their grids or buildings (reach=True): a building
leader edits the people of their own buildings only. Revealing a number whole needs, on top of
a role that reaches the person, the per-person reveal permission (the service checks it).
"""

from django.utils.translation import gettext_lazy as _

from .actions import declare
from .models import WRITING_ROLES, Role

# The roles that keep the register of places and people (a sampler, a guard, a delivery
# volunteer and a district viewer look, they do not edit): the roles whose rows scope's
# ``visible_to(write=True)`` reaches, one set for both.
STAFF = frozenset(WRITING_ROLES)
MAY_NOT_CHANGE = _("Your role may look at this but not change it.")

CREATE_PERSON = declare("core.create_person", STAFF, _("Your role may not add people."), reach=True)
UPDATE_PERSON = declare("core.update_person", STAFF, MAY_NOT_CHANGE, reach=True)
MOVE_PERSON = declare("core.move_person", STAFF, MAY_NOT_CHANGE, reach=True)
CREATE_HOUSEHOLD = declare("core.create_household", STAFF, MAY_NOT_CHANGE, reach=True)
UPDATE_HOUSEHOLD = declare("core.update_household", STAFF, MAY_NOT_CHANGE, reach=True)
# No delete_person or delete_household: nothing hard-deletes a person or a household (a person
# moves out, a household is set vacant); the retention purge is the only deletion.
# Any role that sees the person may ask; the reveal permission (granted per person) decides.
REVEAL = declare("core.reveal", set(Role), _("Your role may not see personal numbers whole."), reach=True)
READ_AUDIT_LOG = declare("core.read_audit_log", {Role.COMMAND_POST}, _("Only the command post reads the audit log."))
