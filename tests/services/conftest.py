import datetime as dt

import pytest
from django.utils import timezone

from services import integrations
from tests.factories.services import (
    ADDRESS,
    RegionFactory,
    SlotFactory,
    TechnicianFactory,
)


@pytest.fixture(autouse=True)
def _english(settings):
    """Messages are asserted in English (the msgids); one test checks Chinese."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


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
