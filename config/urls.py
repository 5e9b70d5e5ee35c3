"""URL map: portal pages per app, the operator console, the dealer API."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api_urls")),
    path("", include("members.urls")),
    path("", include("tiers.urls")),
    path("", include("points.urls")),
    path("", include("points.rewards.urls")),
    path("", include("privileges.urls")),
    path("", include("services.urls")),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
