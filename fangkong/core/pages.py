"""What every app's pages share when they act: refuse early with the declared action's message,
and ask which community when the user works for several (never "the first")."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from .actions import allowed
from .models import Community


def may(request, action, obj):
    """Refuse a form page (its GET too, before anything is typed) to a user the service would
    refuse: the same declared action, asked here only to answer early."""
    if not allowed(request.user, action, obj):
        raise PermissionDenied(str(action.message))
    return obj


def chosen_community(request, action=None) -> Community:
    """The community a page acts on when no object says it: the user's only one where they may
    take ``action`` (None: that they see); with several, the one chosen by ``?community=``.
    Never "the first": with several and none chosen, CommunityChoice asks."""
    choices = [c for c in Community.objects.visible_to(request.user).order_by("name", "pk")
               if action is None or allowed(request.user, action, c)]
    if not choices:
        if action is None:
            raise PermissionDenied
        raise PermissionDenied(str(action.message))
    wanted = request.POST.get("community") or request.GET.get("community") or ""
    if len(choices) == 1 and not wanted:
        return choices[0]
    for community in choices:
        if str(community.pk) == str(wanted):
            return community
    raise CommunityChoice(choices)


class CommunityChoice(Exception):
    """The user acts for several communities and the page must ask which one."""

    def __init__(self, choices):
        super().__init__("choose a community")
        self.choices = choices


def community_choice(request, choices):
    """The page that asks which community (each a link to the same page with ?community=)."""
    query = request.GET.copy()
    links = []
    for community in choices:
        query["community"] = community.pk
        links.append((community, f"{request.path}?{query.urlencode()}"))
    return render(request, "core/community_choice.html", {"links": links})
