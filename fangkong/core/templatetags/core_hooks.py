"""{% hook "home_panel" %}: the pieces apps registered for this place (see core/hooks.py)."""

from django import template
from django.utils.safestring import mark_safe

from fangkong.core import hooks as registry

register = template.Library()


@register.simple_tag(takes_context=True)
def hook(context, kind, **kwargs):
    return mark_safe("".join(registry.render(kind, context["request"], **kwargs)))  # noqa: S308 (rendered templates)


@register.simple_tag(takes_context=True)
def allowed(context, action, obj=None):
    """{% allowed "testing.close_tube" round as can_close %}: for showing a button only to
    those who may press it. The service still decides with require()."""
    from fangkong.core.actions import allowed as _allowed

    return _allowed(context["request"].user, action, obj)
