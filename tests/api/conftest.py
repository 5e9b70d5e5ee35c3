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


@pytest.fixture(autouse=True)
def _api_urls(settings):
    settings.ROOT_URLCONF = "tests.api.urls"
