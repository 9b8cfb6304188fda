"""Who may do what in supplies and care (see fangkong/core/actions.py)."""

from django.utils.translation import gettext_lazy as _

from fangkong.core.actions import declare
from fangkong.core.models import Role

CP, GL, GW, BL, DV = (Role.COMMAND_POST, Role.GRID_LEADER, Role.GRID_WORKER, Role.BUILDING_LEADER,
                      Role.DELIVERY_VOLUNTEER)

ENTER_REQUEST = declare("supplies.enter_request", {CP, GL, GW, BL, DV},
                        _("Only staff of this building may enter its requests."), reach=True)
CANCEL_REQUEST = declare("supplies.cancel_request", {CP, GL, GW, BL},
                         _("Only staff of this building may cancel its requests."), reach=True)
RUN_CUTOFF = declare("supplies.run_cutoff", {CP}, _("Only the command post collects the requests."))
MANAGE_DELIVERY = declare("supplies.manage_delivery", {CP},
                          _("Only the command post sets up stations and delivery runs."))
RECORD_HANDOVER = declare("supplies.record_handover", {CP, DV},
                          _("Only the run's volunteer records hand-overs."))
MANAGE_CATALOGUE = declare("supplies.manage_catalogue", {CP}, _("Only the command post opens group purchases."))
PLACE_ORDER = declare("supplies.place_order", {CP, GL, GW, BL},
                      _("Only staff of this building may order for its households."), reach=True)
RECORD_PAYMENT = declare("supplies.record_payment", {CP}, _("Only the command post records payments."))
MOVE_STOCK = declare("supplies.move_stock", {CP}, _("Only the command post moves stock."))
MANAGE_MEALS = declare("supplies.manage_meals", {CP, DV}, _("Only the command post and volunteers record meals."))
EDIT_CARE_PLAN = declare("supplies.edit_care_plan", {CP, GL, GW},
                         _("Only grid staff and the command post write care plans."), reach=True)
RECORD_CONTACT = declare("supplies.record_contact", {CP, GL, GW, BL},
                         _("Only staff of this person's building record contacts."), reach=True)
PLAN_TRIP = declare("supplies.plan_trip", {CP, GL, GW}, _("Only grid staff and the command post plan medical trips."),
                    reach=True)
PLAN_MEALS = declare("supplies.plan_meals", {CP, GL, GW},
                     _("Only grid staff and the command post decide who gets meals."), reach=True)
REQUEST_COUNSELLING = declare("supplies.request_counselling", {CP, GL, GW, BL},
                              _("Only staff of this person's building ask for a counsellor."), reach=True)
ROUTE_COUNSELLING = declare("supplies.route_counselling", {CP},
                            _("Only the command post routes counselling to a counsellor."))
# A volunteer counsellor may hold any of these roles; the service checks they are this case's
# counsellor (or the command post).
RECORD_COUNSELLING_CALL = declare("supplies.record_counselling_call", {CP, GL, GW, BL, DV},
                                  _("Only the counsellor of this case records its calls."))
