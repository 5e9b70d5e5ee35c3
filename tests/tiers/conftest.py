import importlib

import pytest
from django.apps import apps

from tiers.models import GrowthWeights, Tier
from tiers.signals import points_award_requested, tier_changed


@pytest.fixture
def tiers(db) -> dict[str, Tier]:
    """The default tiers by code (created by the data migration).

    A transactional test flushes the tables afterwards, data-migration rows
    included, so they are put back here when missing.
    """
    if not Tier.objects.exists():
        importlib.import_module("tiers.migrations.0002_default_tiers").create(
            apps, None
        )
    if not GrowthWeights.objects.exists():
        importlib.import_module("tiers.migrations.0004_default_weights").create(
            apps, None
        )
    return {t.code: t for t in Tier.objects.order_by("rank")}


class Recorder:
    def __init__(self):
        self.calls: list[dict] = []

    def __call__(self, sender, **kwargs):
        kwargs.pop("signal", None)
        self.calls.append(kwargs)


@pytest.fixture
def awards():
    """Every points_award_requested sent during the test (what points receives)."""
    rec = Recorder()
    points_award_requested.connect(rec, weak=False)
    yield rec.calls
    points_award_requested.disconnect(rec)


@pytest.fixture
def changes_announced():
    rec = Recorder()
    tier_changed.connect(rec, weak=False)
    yield rec.calls
    tier_changed.disconnect(rec)
