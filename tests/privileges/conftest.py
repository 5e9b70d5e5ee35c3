import importlib

import pytest
from django.apps import apps

from privileges.models import Privilege
from tiers.models import Tier

# Data migrations whose rows these tests rely on. A transactional test (any
# app's) flushes every table when it ends, so they are re-applied when missing.
_DEFAULT_DATA = (
    "tiers.migrations.0002_default_tiers",
    "tiers.migrations.0004_default_weights",
    "privileges.migrations.0002_default_catalogue",
)


@pytest.fixture(autouse=True)
def default_catalogue(db):
    if not Tier.objects.exists() or not Privilege.objects.exists():
        for module in _DEFAULT_DATA:
            importlib.import_module(module).create(apps, None)


@pytest.fixture
def set_tier():
    """Put a member on a tier through the tiers app's own action (as an operator)."""
    from tiers import selectors as tier_selectors
    from tiers.actions import tier_change_manual

    def _set(member, code: str):
        tier = Tier.objects.get(code=code)
        if tier_selectors.tier_for_member(member.pk).pk != tier.pk:
            tier_change_manual(
                member_id=member.pk, tier_id=tier.pk, reason="test", actor_id=None
            )
        return tier

    return _set
