from django.urls import include, path

urlpatterns = [
    path("", include("fangkong.core.urls")),
    path("", include("fangkong.registry.urls")),
    path("sheets/", include("fangkong.documents.urls")),
    path("health/", include("fangkong.health.urls")),
    path("testing/", include("fangkong.testing.urls")),
    path("staff/", include("fangkong.staff.urls")),
    path("supplies/", include("fangkong.supplies.urls")),
    path("dashboard/", include("fangkong.dashboard.urls")),
    path("api/", include("fangkong.api.urls")),
]

handler400 = "fangkong.core.views.error_400"
handler403 = "fangkong.core.views.error_403"
handler404 = "fangkong.core.views.error_404"
handler500 = "fangkong.core.views.error_500"
