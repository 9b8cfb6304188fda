from .scope import reaches


def fangkong(request):
    user = getattr(request, "user", None)
    roles = sorted({reach.role for reach in reaches(user)}) if user else []
    return {"user_roles": roles}
