"""The REST API: one router under /api/ with every app's view sets (``ROUTES`` in each app's
``api``, collected by ``routes.collect``), its OpenAPI schema and the two documentation pages.

The documentation pages are served from drf-spectacular-sidecar (no CDN) and respect the
content security policy: Swagger UI loads its start-up script from ``/api/docs/?script`` instead
of an inline <script>; Redoc builds its styles at run time, so its page alone allows inline
styles (never inline scripts).
"""

from csp.decorators import csp_update
from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from fangkong.core.rest import views

from .routes import collect

router = collect(views.Router())

docs = SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="api/swagger_ui.html")
redoc = SpectacularRedocView.as_view(url_name="api-schema", template_name="api/redoc.html")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", docs, name="api-docs"),
    path("redoc/", csp_update({"style-src": ["'unsafe-inline'"], "worker-src": ["'self'", "blob:"]})(redoc),
         name="api-redoc"),
    *router.urls,
    # Anything else under /api/ (ending in a slash: CommonMiddleware still adds missing slashes)
    # answers 404 in the API's error format rather than as an HTML page.
    re_path(r"^.*/$", views.not_found),
]
