"""The filters of core's lists, shared by the pages, the exports and the API (NetBox's filtersets).

``PersonFilterSet`` is the one person filter: the person list page, the ledger export ("export
these") and ``/api/persons/`` all narrow ``Person.objects.visible_to(user)`` through it, so what
you export is what you saw. Ids are plain numbers, never checked for existence: a filter on a
household outside the user's scope gives an empty list, not a hint that the id exists. The API
refuses a value it cannot read (400); a page ignores it, as it ignores a stale bookmark.
"""

import django_filters as filters
from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import (
    Building,
    CareTag,
    ControlStatus,
    Grid,
    Household,
    HouseholdStatus,
    Person,
    Residency,
    Unit,
    Zone,
)

# The largest id a database key holds (PostgreSQL bigint; SQLite's integer is the same 8 bytes):
# a larger number in a filter would fail in the database (a 500); the form refuses it first.
MAX_ID = 2**63 - 1


class IdField(forms.IntegerField):
    """A row id in a query: a whole number from 1 to MAX_ID ("1e19", "1.5" or "-3" are refused
    with a message, so the API answers 400 instead of the database failing)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class IdFilter(filters.NumberFilter):
    field_class = IdField


class ZoneFilterSet(filters.FilterSet):
    community = IdFilter(field_name="community_id")

    class Meta:
        model = Zone
        fields = ["community"]


class GridFilterSet(filters.FilterSet):
    community = IdFilter(field_name="community_id")
    zone = IdFilter(field_name="zone_id")

    class Meta:
        model = Grid
        fields = ["community", "zone"]


class UnitFilterSet(filters.FilterSet):
    community = IdFilter(field_name="community_id")
    grid = IdFilter(field_name="grid_id")

    class Meta:
        model = Unit
        fields = ["community", "grid"]


class BuildingFilterSet(filters.FilterSet):
    community = IdFilter(field_name="community_id")
    grid = IdFilter(field_name="grid_id")
    unit = IdFilter(field_name="unit_id")
    door_number = filters.CharFilter(field_name="door_number")
    control_status = filters.ChoiceFilter(choices=ControlStatus.choices)
    is_rental = filters.BooleanFilter()

    class Meta:
        model = Building
        fields = ["community", "grid", "unit", "door_number", "control_status", "is_rental"]


class HouseholdFilterSet(filters.FilterSet):
    community = IdFilter(field_name="community_id")
    building = IdFilter(field_name="building_id")
    grid = IdFilter(field_name="building__grid_id")
    status = filters.ChoiceFilter(choices=HouseholdStatus.choices)

    class Meta:
        model = Household
        fields = ["community", "building", "grid", "status"]


# The query parameters of the person filter, in the order a link carries them.
PERSON_PARAMS = ("q", "community", "household", "building", "grid", "residency", "tag")


class PersonFilterSet(filters.FilterSet):
    q = filters.CharFilter(method="search", label=_("Search"),
                           help_text=_("Name, pinyin initials (zs), last 4 of ID or phone, or door number "
                                       "(564 or 564-101)."))
    community = IdFilter(field_name="community_id")
    household = IdFilter(field_name="household_id")
    building = IdFilter(field_name="household__building_id")
    grid = IdFilter(field_name="household__building__grid_id")
    residency = filters.ChoiceFilter(choices=Residency.choices)
    tag = filters.ChoiceFilter(field_name="tags__tag", choices=CareTag.choices)

    class Meta:
        model = Person
        fields = list(PERSON_PARAMS)

    def search(self, queryset, name, value):
        return queryset.search(value[:100])

    def params(self) -> dict[str, str]:
        """The filter's valid, non-empty values as query parameters: for the link that exports
        these people, and for the audit entry of an export."""
        self.is_valid()  # reads the values; those that cannot be read are left out
        cleaned = getattr(self.form, "cleaned_data", {})
        return {name: str(cleaned[name]) for name in PERSON_PARAMS if cleaned.get(name) not in (None, "")}
