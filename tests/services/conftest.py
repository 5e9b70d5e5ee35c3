import datetime as dt
from importlib import import_module

import pytest
from django.apps import apps
from django.utils import timezone

from services import integrations
from tests.factories.services import (
    ADDRESS,
    RegionFactory,
    SlotFactory,
    TechnicianFactory,
)


@pytest.fixture(autouse=True)
def _reference_data(db):
    """Default tiers and service types come from data migrations; a
    transactional test (ours or another app's) flushes them, so put them back."""
    from services.models import ServiceType
    from tiers.models import Tier

    if not Tier.objects.exists():
        import_module("tiers.migrations.0002_default_tiers").create(apps, None)
    if not ServiceType.objects.exists():
        import_module("services.migrations.0002_default_service_types").create(
            apps, None
        )


@pytest.fixture
def region(db):
    return RegionFactory(code="beijing", name="北京", cities="北京,廊坊")


@pytest.fixture
def slot(region):
    return SlotFactory(
        region=region, date=timezone.localdate() + dt.timedelta(days=3), capacity=3
    )


@pytest.fixture
def technician(region):
    return TechnicianFactory(regions=[region])


@pytest.fixture
def address():
    return dict(ADDRESS)


@pytest.fixture
def tier_rank(monkeypatch):
    """Set the tier rank every member is seen with."""

    def set_rank(rank: int):
        monkeypatch.setattr(integrations, "member_tier_rank", lambda member_id: rank)

    return set_rank


@pytest.fixture
def priority_days(monkeypatch):
    def set_days(days: int):
        monkeypatch.setattr(
            integrations, "priority_booking_days", lambda member_id: days
        )

    return set_days
