from django.urls import include, path

urlpatterns = [
    path("", include("fangkong.core.urls")),
    path("", include("fangkong.registry.urls")),
    path("sheets/", include("fangkong.documents.urls")),
    path("health/", include("fangkong.health.urls")),
    path("testing/", include("fangkong.testing.urls")),
    path("supplies/", include("fangkong.supplies.urls")),
    path("api/", include("fangkong.api.urls")),
]
