"""Query filters of the API. Ids are plain numbers, never checked for existence: a filter on a
household outside the user's scope gives an empty list, not a hint that the id exists."""

import django_filters as filters
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


class ZoneFilterSet(filters.FilterSet):
    community = filters.NumberFilter(field_name="community_id")

    class Meta:
        model = Zone
        fields = ["community"]


class GridFilterSet(filters.FilterSet):
    community = filters.NumberFilter(field_name="community_id")
    zone = filters.NumberFilter(field_name="zone_id")

    class Meta:
        model = Grid
        fields = ["community", "zone"]


class UnitFilterSet(filters.FilterSet):
    community = filters.NumberFilter(field_name="community_id")
    grid = filters.NumberFilter(field_name="grid_id")

    class Meta:
        model = Unit
        fields = ["community", "grid"]


class BuildingFilterSet(filters.FilterSet):
    community = filters.NumberFilter(field_name="community_id")
    grid = filters.NumberFilter(field_name="grid_id")
    unit = filters.NumberFilter(field_name="unit_id")
    door_number = filters.CharFilter(field_name="door_number")
    control_status = filters.ChoiceFilter(choices=ControlStatus.choices)
    is_rental = filters.BooleanFilter()

    class Meta:
        model = Building
        fields = ["community", "grid", "unit", "door_number", "control_status", "is_rental"]


class HouseholdFilterSet(filters.FilterSet):
    community = filters.NumberFilter(field_name="community_id")
    building = filters.NumberFilter(field_name="building_id")
    grid = filters.NumberFilter(field_name="building__grid_id")
    status = filters.ChoiceFilter(choices=HouseholdStatus.choices)

    class Meta:
        model = Household
        fields = ["community", "building", "grid", "status"]


class PersonFilterSet(filters.FilterSet):
    q = filters.CharFilter(method="search", label=_("Search"),
                           help_text=_("Name, pinyin initials (zs), last 4 of ID or phone, or door number "
                                       "(564 or 564-101)."))
    community = filters.NumberFilter(field_name="community_id")
    household = filters.NumberFilter(field_name="household_id")
    building = filters.NumberFilter(field_name="household__building_id")
    grid = filters.NumberFilter(field_name="household__building__grid_id")
    residency = filters.ChoiceFilter(choices=Residency.choices)
    tag = filters.ChoiceFilter(field_name="tags__tag", choices=CareTag.choices)

    class Meta:
        model = Person
        fields = ["q", "community", "household", "building", "grid", "residency", "tag"]

    def search(self, queryset, name, value):
        return queryset.search(value)
