import pytest

from points.rewards import registry
from tests.factories.rewards import RewardItemFactory


@pytest.fixture
def item(db):
    return RewardItemFactory()


@pytest.fixture
def clean_registry():
    """Leave the fulfiller registry as the apps set it up, whatever a test registers."""
    saved = dict(registry._fulfillers)
    yield registry
    registry._fulfillers.clear()
    registry._fulfillers.update(saved)
