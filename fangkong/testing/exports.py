"""The untested list as a spreadsheet, for the building leader who works from Excel or forwards it.

Masked always (the whole numbers are the ledger export's job, with its reason and permission);
written to the audit log as an export of personal data; formula cells escaped."""

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook

from fangkong.core import services as core
from fangkong.core.models import AuditAction
from fangkong.lib.sheets import safe_row

from . import services


def untested_xlsx(round_, user, building=None) -> tuple[bytes, int]:
    """(the .xlsx's bytes, number of persons) of the round's untested persons the user may see."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Untested"))
    sheet.append([_("Building"), _("Room"), _("Name"), _("ID number"), _("Phone")])
    count = 0
    for place, persons in services.untested(round_, user, building=building):
        for person in persons:
            sheet.append(safe_row([place.door_number if place else "", person.household.room if place else "",
                                   person.name, person.id_masked, person.phone_masked]))
            count += 1
    out = io.BytesIO()
    workbook.save(out)
    core.audit(user, AuditAction.EXPORT, building or round_, community=round_.community,
               fields=["untested"], changes={"persons": ["", str(count)]})
    return out.getvalue(), count
