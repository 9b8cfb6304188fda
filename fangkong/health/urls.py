from django.urls import path

from . import views

urlpatterns = [
    path("", views.keyperson_list, name="keyperson_list"),
    path("keypersons/<int:pk>/", views.keyperson_detail, name="keyperson_detail"),
    path("ending/", views.ending_list, name="ending_list"),
    path("tests-due/", views.tests_due_list, name="tests_due_list"),
    path("people/<int:person_pk>/state/", views.person_state, name="health_person_state"),
    path("people/<int:person_pk>/measure/", views.person_measure, name="health_person_measure"),
    path("people/<int:person_pk>/violation/", views.violation_create, name="violation_create"),
    path("people/<int:person_pk>/arrival/", views.arrival_create, name="arrival_create"),
    path("violations/", views.violation_list, name="violation_list"),
    path("arrivals/", views.arrival_list, name="arrival_list"),
    path("arrivals/<int:pk>/", views.arrival_detail, name="arrival_detail"),
    path("areas/", views.area_list, name="area_list"),
    path("areas/<int:pk>/", views.area_detail, name="area_detail"),
    path("areas/notice/", views.notice_import, name="notice_import"),
    path("policy/", views.policy_edit, name="policy_edit"),
    path("colours/", views.colour_edit, name="colour_edit"),
    path("sites/", views.site_list, name="site_list"),
    path("sites/<int:pk>/", views.site_detail, name="site_detail"),
    path("transfers/new/", views.transfer_create, name="transfer_create"),
    path("transfers/<int:pk>/", views.transfer_detail, name="transfer_detail"),
    path("seals/", views.seal_list, name="seal_list"),
    path("seals/<int:pk>/check/", views.seal_check, name="seal_check"),
    path("seals/<int:pk>/remove/", views.seal_remove, name="seal_remove"),
    path("households/<int:household_pk>/seal/", views.household_seal, name="health_household_seal"),
    path("reception/", views.reception_list, name="reception_list"),
    path("measures/<int:pk>/receive/", views.measure_receive, name="measure_receive"),
    path("measures/<int:pk>/room/", views.measure_room, name="measure_room"),
    path("reports/", views.report_building, name="report_building"),
]
