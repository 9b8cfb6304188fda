"""What the dashboard adds to core's pages: its entry in the top bar."""

from django.template.loader import render_to_string

from fangkong.core.actions import allowed

from .actions import VIEW_FIGURES


def nav_item(request, **kwargs):
    if not allowed(request.user, VIEW_FIGURES):
        return None
    return render_to_string("dashboard/_nav_item.html", request=request)
