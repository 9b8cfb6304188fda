from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views, views_accounts, views_places

urlpatterns = [
    path("", views.home, name="home"),
    path("start/", views.start, name="start"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("accounts/login/", views_accounts.LoginView.as_view(), name="login"),
    path("accounts/password/", views_accounts.own_password, name="own_password"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("grids/<int:pk>/", views.grid_detail, name="grid_detail"),
    path("buildings/", views.building_list, name="building_list"),
    path("buildings/<int:pk>/", views.building_detail, name="building_detail"),
    path("buildings/<int:building_pk>/households/new/", views.household_create, name="household_create"),
    path("households/<int:pk>/", views.household_detail, name="household_detail"),
    path("households/<int:pk>/edit/", views.household_edit, name="household_edit"),
    path("people/", views.person_list, name="person_list"),
    path("people/new/", views.person_create, name="person_create"),
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
    path("people/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("people/<int:pk>/move/", views.person_move, name="person_move"),
    path("people/<int:pk>/reveal/<str:field>/", views.person_reveal, name="person_reveal"),
    path("audit/", views.audit_log, name="audit_log"),
    # Set-up (issue 10): places and accounts, for the command post and district administrators.
    path("setup/", views_places.places_page, name="setup_home"),
    path("setup/<int:pk>/", views_places.places_page, name="community_setup"),
    path("setup/<int:pk>/add/", views_places.places_add, name="community_setup_add"),
    path("setup/zones/<int:pk>/edit/", views_places.zone_edit, name="zone_edit"),
    path("setup/grids/<int:pk>/edit/", views_places.grid_edit, name="grid_edit"),
    path("setup/units/<int:pk>/edit/", views_places.unit_edit, name="unit_edit"),
    path("setup/buildings/<int:pk>/move/", views_places.building_move, name="building_move"),
    path("setup/communities/new/", views_places.community_create, name="community_create"),
    path("setup/accounts/", views_accounts.account_list, name="account_list"),
    path("setup/accounts/new/", views_accounts.account_create, name="account_create"),
    path("setup/accounts/paste/", views_accounts.account_paste, name="account_paste"),
    path("setup/accounts/slips/", views_accounts.account_slips, name="account_slips"),
    path("setup/accounts/<int:pk>/", views_accounts.account_detail, name="account_detail"),
    path("setup/accounts/<int:pk>/<str:what>/", views_accounts.account_action, name="account_action"),
]
