from django.urls import path

from . import views

urlpatterns = [
    path("", views.staff_home, name="staff_home"),
    path("join/", views.volunteer_join, name="volunteer_join"),
    path("workers/", views.worker_list, name="worker_list"),
    path("workers/<int:pk>/", views.worker_detail, name="worker_detail"),
    path("teams/", views.team_list, name="team_list"),
    path("teams/<int:pk>/", views.team_detail, name="team_detail"),
    path("signups/", views.signup_list, name="signup_list"),
    path("signups/<int:pk>/decide/", views.signup_decide, name="signup_decide"),
    path("coverage/", views.coverage_page, name="staff_coverage"),
    path("grids/<int:grid_pk>/assignments/", views.grid_assignments, name="grid_assignments"),
    path("roster/", views.roster_week, name="roster_week"),
    path("roster/copy/", views.roster_copy, name="roster_copy"),
    path("roster/roster.pdf", views.roster_pdf, name="roster_pdf"),
    path("roster/roster.xlsx", views.roster_xlsx, name="roster_xlsx"),
    path("my/", views.my_shifts, name="my_shifts"),
    path("duties/<int:pk>/remove/", views.duty_remove, name="duty_remove"),
    path("duties/<int:pk>/sign-on/", views.duty_sign_on, name="duty_sign_on"),
    path("duties/<int:pk>/sign-off/", views.duty_sign_off, name="duty_sign_off"),
    path("five/", views.five_mine, name="five_mine"),
    path("five/tick/", views.five_tick, name="five_tick"),
    path("five/today/", views.five_today, name="five_today"),
    path("tasks/", views.task_list, name="task_list"),
    path("tasks/<int:pk>/close/", views.task_close, name="task_close"),
]
