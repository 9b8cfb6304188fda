"""Who may do what in a testing round (imported in TestingConfig.ready; the mechanism is
``fangkong.core.actions``)."""

from django.utils.translation import gettext_lazy as _

from fangkong.core.actions import declare
from fangkong.core.core_actions import MAY_NOT_CHANGE, STAFF
from fangkong.core.models import Role

# Running a round: the command post or a grid leader.
MANAGE = {Role.COMMAND_POST, Role.GRID_LEADER}
# Scanning swabs: the sampler and the staff; the round and scope still decide whom.
SCAN_ROLES = {Role.SAMPLER} | STAFF

CREATE_ROUND = declare("testing.create_round", MANAGE,
                       _("Only the command post or a grid leader starts a testing round."))
CREATE_RETEST_ROUND = declare("testing.create_retest_round", MANAGE,
                              _("Only the command post or a grid leader starts a testing round."))
IMPORT_RESULTS = declare("testing.import_results", MANAGE,
                         _("Only the command post or a grid leader imports results."))
CORRECT_RESULT = declare("testing.correct_result", MANAGE,
                         _("Only the command post or a grid leader corrects results."))
PLAN_SCHEDULE = declare("testing.plan_schedule", MANAGE,
                        _("Only the command post or a grid leader plans the schedule."))
SCAN = declare("testing.scan", SCAN_ROLES, _("Your role does not scan swabs."))
CLOSE_TUBE = declare("testing.close_tube", SCAN_ROLES, _("Your role does not scan swabs."))
# Exempting someone (in hospital, bedridden) and a building's antigen self-tests: the staff of
# the person's grid or building.
EXEMPT = declare("testing.exempt", STAFF, MAY_NOT_CHANGE, reach=True)
RECORD_ANTIGEN = declare("testing.record_antigen", STAFF, MAY_NOT_CHANGE, reach=True)
