from django.urls import path

from . import views, views_map

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("figures.json", views.figures_json, name="dashboard_json"),
    path("c/<int:pk>/", views.dashboard, name="community_dashboard"),
    path("c/<int:pk>/wall/", views.wall, name="community_wall"),
    path("wall/", views.wall, name="wall"),
    path("c/<int:pk>/list/", views.figure_list, name="community_figure_list"),
    path("c/<int:pk>/figures.json", views.figures_json, name="community_figures_json"),
    path("c/<int:pk>/trend.json", views.trend_json, name="community_trend"),
    path("c/<int:pk>/problems/", views.problems, name="community_problems"),
    path("c/<int:pk>/briefings/", views.briefing_list, name="community_briefings"),
    path("briefing-jobs/<int:pk>/", views.briefing_job, name="briefingjob_detail"),
    path("briefings/<int:pk>/", views.briefing_detail, name="briefing_detail"),
    path("briefings/<int:pk>/text/", views.briefing_text, name="briefing_text"),
    path("briefings/<int:pk>/briefing.pdf", views.briefing_pdf, name="briefing_pdf"),
    path("briefings/<int:pk>/briefing.xlsx", views.briefing_xlsx, name="briefing_xlsx"),
    path("map/", views_map.map_home, name="map_home"),
    path("c/<int:pk>/map/", views_map.map_page, name="community_map"),
    path("c/<int:pk>/map/layer.json", views_map.layer_json, name="community_map_layer"),
    path("c/<int:pk>/map/plan", views_map.plan_image, name="community_map_plan"),
    path("c/<int:pk>/map/setup/", views_map.setup, name="community_map_setup"),
    path("c/<int:pk>/map/draw/", views_map.draw, name="community_map_draw"),
    path("c/<int:pk>/map/outlines.geojson", views_map.outlines_geojson, name="community_map_geojson"),
    path("c/<int:pk>/map/map.pdf", views_map.map_pdf, name="community_map_pdf"),
]
