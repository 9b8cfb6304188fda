"""Tags for health's own pages. Its pieces of core's pages (home panel, person and household
blocks) are hooks: see health/panels.py."""


from django import template

register = template.Library()


@register.inclusion_tag("health/_key_line.html")
def key_person_line(key, today):
    """One line of the register: colour, name, state, measure, place, days left, responsible."""
    measure = key.measure
    days_left = None
    if measure and not measure.cancelled and measure.start <= today <= measure.end:
        days_left = (measure.end - today).days
    elif measure and measure.start > today:
        days_left = (measure.end - today).days
    return {"key": key, "measure": measure, "days_left": days_left}
