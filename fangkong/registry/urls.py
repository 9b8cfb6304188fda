from django.urls import include, path

urlpatterns = [
    path("ledgers/", include("fangkong.registry.urls_ledgers")),
    path("screening/", include("fangkong.registry.urls_screening")),
]
