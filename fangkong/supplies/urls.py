from django.urls import path

from . import views

urlpatterns = [
    path("", views.index, name="supplies_index"),
    path("buildings/<int:building_pk>/requests/", views.building_requests, name="supplies_building_requests"),
    path("communities/<int:community_pk>/cutoff/", views.run_cutoff, name="supplies_run_cutoff"),
    path("cutoffs/<int:pk>/", views.cutoff_detail, name="cutoff_detail"),
    path("stations/<int:pk>/", views.station_detail, name="station_detail"),
    path("stations/<int:pk>/pick-list.pdf", views.station_pick_pdf, name="station_pick_pdf"),
    path("stations/<int:pk>/labels.pdf", views.station_labels_pdf, name="station_labels_pdf"),
    path("runs/<int:pk>/", views.run_page, name="run_page"),
    path("runs/<int:pk>/handover/", views.run_handover, name="run_handover"),
    path("catalogues/<int:pk>/", views.catalogue_detail, name="catalogue_detail"),
    path("catalogues/<int:pk>/order/", views.catalogue_order, name="catalogue_order"),
    path("catalogues/<int:pk>/sheet.xlsx", views.catalogue_sheet, name="catalogue_sheet"),
    path("orders/<int:pk>/paid/", views.order_paid, name="order_paid"),
    path("care/", views.care_list, name="supplies_care"),
    path("care/<int:pk>/contact/", views.care_contact, name="care_contact"),
    path("stock/", views.stock, name="supplies_stock"),
]
