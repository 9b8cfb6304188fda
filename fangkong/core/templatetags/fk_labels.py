"""Words, not codes, in the interface: a stored field name ("seal_check") or choice value
("broken", "high", "cough") shown as its translated label. Built once from every model's fields;
a code that is nobody's field or choice is shown as it is."""

from functools import lru_cache

from django import template
from django.apps import apps

register = template.Library()


@lru_cache(maxsize=1)
def _labels():
    import inspect
    import sys

    from django.db import models

    fields, choices = {}, {}
    # Choices classes of the apps' models modules, also those no field names (a symptom list is
    # stored as "cough,fatigue" in one text field).
    for config in apps.get_app_configs():
        module = sys.modules.get(f"{config.name}.models")
        if not config.name.startswith("fangkong.") or module is None:
            continue
        for _name, member in inspect.getmembers(module, inspect.isclass):
            if issubclass(member, models.Choices) and member.__module__ == module.__name__:
                for value, label in member.choices:
                    if isinstance(value, str) and value:
                        choices.setdefault(value, label)
    for model in apps.get_models():
        if not model.__module__.startswith("fangkong."):
            continue
        for field in model._meta.get_fields():
            if getattr(field, "verbose_name", None) and getattr(field, "name", None):
                fields.setdefault(field.name, field.verbose_name)
            for value, label in getattr(field, "flatchoices", None) or ():
                if isinstance(value, str) and value:
                    choices.setdefault(value, label)
    return fields, choices


@register.filter
def field_label(name):
    return _labels()[0].get(str(name), name)


@register.filter
def choice_label(value):
    if isinstance(value, str) and "," in value:
        return "、".join(str(_labels()[1].get(v, v)) for v in value.split(",") if v)
    return _labels()[1].get(value, value) if isinstance(value, str) else value
