from . import core_actions as can
from .actions import allowed
from .scope import reaches


def fangkong(request):
    user = getattr(request, "user", None)
    roles = sorted({reach.role for reach in reaches(user)}) if user else []
    # Menu entries only (the pages and services decide again): whether the user keeps the register
    # somewhere (the ledger pages, exports), and reads an audit log somewhere.
    return {"user_roles": roles,
            "user_writes": bool(user) and allowed(user, can.UPDATE_PERSON),
            "user_audits": bool(user) and allowed(user, can.READ_AUDIT_LOG)}
