"""Who may do what with the figures and the briefing: declared once, required by the services."""

from django.utils.translation import gettext_lazy as _

from fangkong.core.actions import declare
from fangkong.core.models import Role

from .figures import VIEWING_ROLES

VIEW_FIGURES = declare("dashboard.view_figures", VIEWING_ROLES,
                       _("Only the command post, grid staff and the district see the figures."))
# A grid leader or worker raises the day's problems of their own grid; the command post of any.
ADD_PROBLEM = declare("dashboard.add_problem", {Role.COMMAND_POST, Role.GRID_LEADER, Role.GRID_WORKER},
                      _("Only the command post and grid staff raise problems for the briefing."), reach=True)
ISSUE_BRIEFING = declare("dashboard.issue_briefing", {Role.COMMAND_POST},
                         _("Only the command post issues the daily briefing."))
# The status map: everyone whose work is finding doors sees it (each within their reach); the
# command post uploads the site plan and draws or imports the buildings on it.
VIEW_MAP = declare("dashboard.view_map", {Role.COMMAND_POST, Role.GRID_LEADER, Role.GRID_WORKER,
                                          Role.BUILDING_LEADER, Role.DELIVERY_VOLUNTEER, Role.DISTRICT_VIEWER},
                   _("Only the command post, grid and building staff, delivery volunteers and the district "
                     "see the map."))
EDIT_MAP = declare("dashboard.edit_map", {Role.COMMAND_POST},
                   _("Only the command post uploads the site plan and draws the buildings on it."))
