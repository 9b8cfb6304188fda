from django.urls import include, path

urlpatterns = [
    path("", include("fangkong.core.urls")),
    path("api/", include("fangkong.api.urls")),
]
