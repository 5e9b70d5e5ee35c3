"""The policies every dealer API view shares (set per view, not in settings)."""

from rest_framework import viewsets
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from .auth import DealerTokenAuthentication, IsDealerStaff, request_dealer_id
from .errors import api_exception_handler
from .pagination import DealerPagination
from .throttling import DealerTokenThrottle


class DealerAPIMixin:
    """Token auth for dealer staff, per-token throttling, pagination, and the
    exception handler that answers every app's domain errors with a 4xx."""

    authentication_classes = [DealerTokenAuthentication]
    permission_classes = [IsDealerStaff]
    throttle_classes = [DealerTokenThrottle]
    pagination_class = DealerPagination
    parser_classes = [JSONParser]
    renderer_classes = [JSONRenderer]

    def get_exception_handler(self):
        return api_exception_handler

    @property
    def dealer_id(self) -> int:
        """The caller's dealer; 0 (matches nothing) while the schema is built."""
        if getattr(self, "swagger_fake_view", False):
            return 0
        return request_dealer_id(self.request)


class DealerAPIView(DealerAPIMixin, APIView):
    pass


class DealerViewSet(DealerAPIMixin, viewsets.GenericViewSet):
    """A viewset whose ``get_queryset`` must already be scoped to the dealer:
    another dealer's object is then simply not found (404, never 403).

    Any path segment reaches the view, so a malformed id is a JSON 404 too.
    """

    lookup_value_regex = "[^/]+"
