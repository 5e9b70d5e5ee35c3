"""The dealer API under /api/v1/ (see ../shared/API.md and docs/api.md)."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include("services.api.urls")),
    path("", include("services.api.vouchers")),  # rewards vouchers (issue 8)
]
