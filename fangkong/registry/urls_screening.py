"""Screening rounds (摸排), mounted at /screening/. Route names start with the model of their <pk>
(round_...), as the scope matrix test expects; the building or household a page is about travels
as a query parameter (?building=, ?household=) and is fetched through scope like the round."""

from django.urls import path

from . import views_screening as views

urlpatterns = [
    path("", views.round_list, name="round_list"),
    path("new/", views.round_create, name="round_create"),
    path("<int:pk>/", views.round_detail, name="round_detail"),
    path("<int:pk>/knock/", views.round_knock, name="round_knock"),
    path("<int:pk>/visit/", views.round_visit, name="round_visit"),
    path("<int:pk>/member/", views.round_member, name="round_member"),
    path("<int:pk>/add-person/", views.round_person_add, name="round_person_add"),
    path("<int:pk>/revisits/", views.round_revisits, name="round_revisits"),
    path("<int:pk>/coverage/", views.round_coverage, name="round_coverage"),
    path("<int:pk>/close/", views.round_close, name="round_close"),
]
