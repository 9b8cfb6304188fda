"""Who may do what with staff and duties: declared once, required by every service that writes."""

from django.utils.translation import gettext_lazy as _

from fangkong.core.actions import declare
from fangkong.core.models import Role

LEADERS = {Role.COMMAND_POST, Role.GRID_LEADER}
FIELD = {Role.COMMAND_POST, Role.GRID_LEADER, Role.GRID_WORKER, Role.BUILDING_LEADER, Role.SAMPLER, Role.GUARD,
         Role.DELIVERY_VOLUNTEER}

MANAGE_WORKER = declare("staff.manage_worker", LEADERS,
                        _("Only the command post and grid leaders keep the worker register."))
MANAGE_TEAM = declare("staff.manage_team", LEADERS, _("Only the command post and grid leaders form teams."))
DECIDE_SIGNUP = declare("staff.decide_signup", {Role.COMMAND_POST}, _("Only the command post approves volunteers."))
ASSIGN = declare("staff.assign", LEADERS, _("Only the command post and grid leaders assign buildings and households."),
                 reach=True)
MANAGE_ROSTER = declare("staff.manage_roster", LEADERS, _("Only the command post and grid leaders fill the roster."))
# A worker signs on at their own post and ticks their own households: the service checks that
# the duty or the household is theirs; the role only says they work in the field.
SIGN_DUTY = declare("staff.sign_duty", FIELD, _("Only field staff sign on at a post."))
TICK_FIVE = declare("staff.tick_five", FIELD, _("Only field staff record the daily five."))
MANAGE_TASK = declare("staff.manage_task", {Role.COMMAND_POST, Role.GRID_LEADER, Role.GRID_WORKER},
                      _("Only the command post and grid staff give tasks."))
CLOSE_TASK = declare("staff.close_task", FIELD, _("Only field staff close tasks."))
# Spot checks are the three levels' own: the command post (first secretary, unit leaders) and grid staff.
RECORD_SPOT_CHECK = declare("staff.record_spot_check", {Role.COMMAND_POST, Role.GRID_LEADER, Role.GRID_WORKER},
                            _("Only the command post and grid staff record spot checks."), reach=True)
LOG_DISINFECTION = declare("staff.log_disinfection", FIELD, _("Only field staff log disinfection."), reach=True)
LOG_GARBAGE = declare("staff.log_garbage", FIELD, _("Only field staff log garbage collection."), reach=True)
MANAGE_AREAS = declare("staff.manage_areas", LEADERS,
                       _("Only the command post and grid leaders keep common areas and the rounds a day."))
