from .models import WRITING_ROLES
from .scope import reaches


def fangkong(request):
    user = getattr(request, "user", None)
    roles = sorted({reach.role for reach in reaches(user)}) if user else []
    # Whether the user changes anything anywhere: the top bar offers the ledger pages only then.
    return {"user_roles": roles, "user_writes": bool(WRITING_ROLES.intersection(roles))
            or getattr(user, "is_superuser", False)}
