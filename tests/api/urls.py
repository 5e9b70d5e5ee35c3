"""Only the dealer API, mounted where config/urls.py mounts it: the API tests
do not depend on the portal pages of the other apps."""

from django.urls import include, path

urlpatterns = [path("api/v1/", include("config.api_urls"))]
