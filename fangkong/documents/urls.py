"""Printed sheets, mounted at /sheets/. Route names start with the model of the object in the URL
(the scope matrix in tests/test_scope_matrix.py reads them)."""

from django.urls import path

from . import views

urlpatterns = [
    path("buildings/<int:building_pk>/occupancy.pdf", views.building_occupancy_pdf, name="building_occupancy_pdf"),
    path("grids/<int:grid_pk>/occupancy.pdf", views.grid_occupancy_pdf, name="grid_occupancy_pdf"),
    path("households/<int:household_pk>/temperature.pdf", views.household_temperature_pdf,
         name="household_temperature_pdf"),
    path("buildings/<int:building_pk>/temperature.pdf", views.building_temperature_pdf,
         name="building_temperature_pdf"),
]
