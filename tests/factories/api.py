"""Dealer API fixtures' building blocks: a dealer staff user with a token."""

from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from members.models import Dealer

from .members import DealerFactory, DealerStaffFactory


def dealer_token(dealer: Dealer | None = None) -> Token:
    """A staff user of ``dealer`` (a new dealer if None) and its API token."""
    dealer = dealer or DealerFactory()
    user = DealerStaffFactory(dealer=dealer)
    return Token.objects.create(user=user)


def api_client(token: Token | None = None) -> APIClient:
    client = APIClient()
    if token is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client
