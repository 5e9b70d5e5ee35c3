"""Routes of the dealer API; ``config/api_urls.py`` includes them under /api/v1/."""

from rest_framework.routers import SimpleRouter

from . import bookings, catalogue, customers, purchases

router = SimpleRouter()
router.register("customers", customers.CustomerViewSet, basename="api-customer")
router.register("purchases", purchases.PurchaseViewSet, basename="api-purchase")

router.register(
    "service-types", catalogue.ServiceTypeViewSet, basename="api-service-type"
)
router.register("slots", catalogue.SlotViewSet, basename="api-slot")
router.register("bookings", bookings.BookingViewSet, basename="api-booking")

urlpatterns = router.urls
