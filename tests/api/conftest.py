import pytest

from tests.factories.api import api_client, dealer_token
from tests.factories.members import DealerFactory


@pytest.fixture
def token(db):
    return dealer_token()


@pytest.fixture
def api(token):
    """An API client authenticated as a staff user of ``token.user.dealer``."""
    return api_client(token)


@pytest.fixture
def our_dealer(token):
    return token.user.dealer


@pytest.fixture
def other_token(db):
    return dealer_token(DealerFactory())


@pytest.fixture
def other_api(other_token):
    return api_client(other_token)


@pytest.fixture(autouse=True)
def _entry_tier(db):
    """The default tiers come from a data migration; make sure the entry tier
    exists even when the suite runs with --no-migrations."""
    from tiers.models import Tier

    Tier.objects.get_or_create(
        rank=0,
        defaults={"code": "regular", "name_zh": "普通会员", "name_en": "Regular"},
    )


@pytest.fixture
def customer(api, our_dealer):
    """A customer this dealer enrolled, through the API."""
    from members.models import Member

    body = api.post(
        "/api/v1/customers/", {"phone": "13700137000", "name": "赵敏"}, format="json"
    ).json()
    return Member.objects.get(pk=body["id"])


def purchase_body(customer, **overrides):
    from django.utils import timezone

    body = {
        "customer_id": customer.pk,
        "order_no": "SO-1001",
        "purchased_at": (timezone.now()).isoformat(),
        "amount": "2598.00",
        "items": [
            {
                "sku": "RAD-600",
                "name": "钢制散热器 600",
                "category": "radiator",
                "quantity": 2,
                "unit_price": "1299.00",
                "serial_numbers": ["SN-A-1", "SN-A-2"],
            }
        ],
    }
    body.update(overrides)
    return body
