"""Who may call the API: dealer staff tokens only; throttling per token."""

import pytest
from rest_framework.authtoken.models import Token

from tests.factories.api import api_client, dealer_token
from tests.factories.members import StaffUserFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/customers/"


def test_no_token_is_401_with_a_message():
    response = api_client().get(URL)
    assert response.status_code == 401
    assert response.json()["detail"]
    assert response["WWW-Authenticate"] == "Token"


def test_unknown_token_is_401():
    client = api_client()
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert client.get(URL).status_code == 401


@pytest.mark.parametrize(
    "user_factory",
    [
        lambda: UserFactory(),  # a customer
        lambda: StaffUserFactory(),  # an operator without a dealer
    ],
)
def test_token_of_a_user_without_dealer_is_401(user_factory):
    token = Token.objects.create(user=user_factory())
    assert api_client(token).get(URL).status_code == 401


def test_token_of_an_inactive_dealer_is_401():
    token = dealer_token()
    token.user.dealer.is_active = False
    token.user.dealer.save()
    assert api_client(token).get(URL).status_code == 401


def test_token_of_an_inactive_staff_user_is_401():
    token = dealer_token()
    token.user.is_active = False
    token.user.save()
    assert api_client(token).get(URL).status_code == 401


def test_valid_dealer_token_is_accepted():
    assert api_client(dealer_token()).get(URL).status_code == 200


def test_throttled_token_gets_429_with_retry_after_and_others_do_not(settings):
    settings.DEALER_API_THROTTLE_RATE = "3/min"
    busy, calm = dealer_token(), dealer_token()
    statuses = [api_client(busy).get(URL).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    throttled = api_client(busy).get(URL)
    assert throttled.status_code == 429
    assert 0 < int(throttled["Retry-After"]) <= 60
    assert throttled.json()["detail"]
    assert api_client(calm).get(URL).status_code == 200
