from django.urls import path

from . import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("figures.json", views.figures_json, name="dashboard_json"),
    path("c/<int:pk>/", views.dashboard, name="dashboard_community"),
    path("c/<int:pk>/figures.json", views.figures_json, name="dashboard_community_json"),
    path("c/<int:pk>/trend.json", views.trend_json, name="dashboard_trend"),
    path("c/<int:pk>/problems/", views.problems, name="dashboard_problems"),
    path("c/<int:pk>/briefings/", views.briefing_list, name="dashboard_briefings"),
    path("briefings/<int:pk>/", views.briefing_detail, name="dashboard_briefing"),
    path("briefings/<int:pk>/text/", views.briefing_text, name="dashboard_briefing_text"),
    path("briefings/<int:pk>/briefing.pdf", views.briefing_pdf, name="dashboard_briefing_pdf"),
    path("briefings/<int:pk>/briefing.xlsx", views.briefing_xlsx, name="dashboard_briefing_xlsx"),
]
