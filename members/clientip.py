"""Request helpers: the client IP the rate limits and lockouts count under."""

from django.conf import settings


def client_ip(request) -> str | None:
    """The client's IP address.

    Behind a reverse proxy set ``DJANGO_TRUSTED_PROXY_COUNT`` to the number of
    proxies that append to X-Forwarded-For; the address that many hops from
    the right is used. Otherwise REMOTE_ADDR (a client can forge the header).
    """
    hops = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    if hops:
        forwarded = [
            p.strip()
            for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if p.strip()
        ]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.META.get("REMOTE_ADDR") or None
