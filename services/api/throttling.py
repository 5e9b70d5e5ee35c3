"""Per-token throttling: 429 with ``Retry-After`` (seconds) when over the rate."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

DEFAULT_RATE = "600/min"


class DealerTokenThrottle(SimpleRateThrottle):
    """Counts requests per API token in the default cache.

    The rate comes from ``settings.DEALER_API_THROTTLE_RATE`` (default
    600/min), read on every request so tests and operators can change it.
    """

    scope = "dealer_token"

    def get_rate(self):
        return getattr(settings, "DEALER_API_THROTTLE_RATE", DEFAULT_RATE)

    def allow_request(self, request, view):
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        token = getattr(request, "auth", None)
        ident = getattr(token, "key", None) or self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def wait(self):
        """Seconds until the next request would be allowed (always > 0, so a
        429 always carries Retry-After, also after the rate was lowered)."""
        if len(self.history) >= self.num_requests > 0:
            freed_at = self.history[self.num_requests - 1] + self.duration
            return max(freed_at - self.now, 1)
        return 1
