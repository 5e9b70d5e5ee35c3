"""Routes of the dealer API; ``config/api_urls.py`` includes them under /api/v1/."""

from rest_framework.routers import SimpleRouter

from . import customers

router = SimpleRouter()
router.register("customers", customers.CustomerViewSet, basename="api-customer")

urlpatterns = router.urls
