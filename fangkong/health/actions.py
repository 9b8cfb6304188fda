"""Who may do what in health control (imported in HealthConfig.ready; the mechanism is
``fangkong.core.actions``).

The community-wide decisions (risk levels, policy, colours, sites, transfers) are the command
post's; the work at a door (states, measures, seals, daily reports) is the staff's whose grids
or buildings hold it (reach=True).
"""

from django.utils.translation import gettext_lazy as _

from fangkong.core.actions import declare
from fangkong.core.core_actions import MAY_NOT_CHANGE, STAFF
from fangkong.core.models import Role

COMMAND_POST = {Role.COMMAND_POST}
ONLY_COMMAND_POST = _("Only the command post changes this.")

RECORD_LEVEL = declare("health.record_level", COMMAND_POST, ONLY_COMMAND_POST)
CHANGE_POLICY = declare("health.change_policy", COMMAND_POST, ONLY_COMMAND_POST)
CHANGE_COLOURS = declare("health.change_colours", COMMAND_POST, ONLY_COMMAND_POST)
CREATE_SITE = declare("health.create_site", COMMAND_POST, ONLY_COMMAND_POST)
ASSIGN_ROOM = declare("health.assign_room", COMMAND_POST, ONLY_COMMAND_POST)
CREATE_TRANSFER = declare("health.create_transfer", COMMAND_POST, ONLY_COMMAND_POST)
SET_TRANSFER_STATUS = declare("health.set_transfer_status", COMMAND_POST, ONLY_COMMAND_POST)

SET_STATE = declare("health.set_state", STAFF, MAY_NOT_CHANGE, reach=True)
START_MEASURE = declare("health.start_measure", STAFF, MAY_NOT_CHANGE, reach=True)
REPORT_ARRIVAL = declare("health.report_arrival", STAFF, MAY_NOT_CHANGE, reach=True)
DECIDE_ARRIVAL = declare("health.decide_arrival", STAFF, MAY_NOT_CHANGE, reach=True)
RECORD_VIOLATION = declare("health.record_violation", STAFF, MAY_NOT_CHANGE, reach=True)
SEAL_HOUSEHOLD = declare("health.seal_household", STAFF, MAY_NOT_CHANGE, reach=True)
REMOVE_SEAL = declare("health.remove_seal", STAFF, MAY_NOT_CHANGE, reach=True)
CHECK_SEAL = declare("health.check_seal", STAFF, MAY_NOT_CHANGE, reach=True)
RECORD_REPORTS = declare("health.record_reports", STAFF, MAY_NOT_CHANGE, reach=True)
# A person back from central quarantine is received at the checkpoint: by its guard, as well as
# by the staff of the person's building.
RECEIVE = declare("health.receive", STAFF | {Role.GUARD}, MAY_NOT_CHANGE, reach=True)
# Turning daily reports on for whole buildings, grids or the community is a command post decision.
REQUIRE_REPORTS = declare("health.require_reports", COMMAND_POST, ONLY_COMMAND_POST)
# Letting a person leave central quarantine before the measure's end date (a test cleared them,
# a transfer to hospital) is the command post's decision, with a reason; until then the gate
# refuses the return.
EARLY_RELEASE = declare("health.early_release", COMMAND_POST,
                        _("Only the command post releases someone before their quarantine ends."))
