from django.urls import path

from . import views_ledgers as views
from . import views_places

urlpatterns = [
    path("import/", views.ledger_import, name="ledger_import"),
    path("imports/", views.import_list, name="import_list"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("imports/<int:pk>/start/", views.import_start, name="import_start"),
    path("imports/<int:pk>/progress/", views.import_progress, name="import_progress"),
    path("imports/<int:pk>/errors/", views.import_errors, name="import_errors"),
    path("export/", views.ledger_export, name="ledger_export"),
    path("template/", views.ledger_template, name="ledger_template"),
    path("places/", views_places.places_import, name="places_import"),
    path("places/export/", views_places.places_export, name="places_export"),
    path("places/template/", views_places.places_template, name="places_template"),
]
