"""Core's API: the places (communities down to buildings), households and persons.

A package rather than one ``api.py`` because it passed a few hundred lines; the router in
``fangkong/api/urls.py`` reads ``ROUTES`` here as it does in every app's ``api``.
"""

from . import views

ROUTES = [
    ("communities", views.CommunityViewSet, "community"),
    ("zones", views.ZoneViewSet, "zone"),
    ("grids", views.GridViewSet, "grid"),
    ("units", views.UnitViewSet, "unit"),
    ("buildings", views.BuildingViewSet, "building"),
    ("households", views.HouseholdViewSet, "household"),
    ("persons", views.PersonViewSet, "person"),
]
