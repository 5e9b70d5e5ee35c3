import pytest

from tiers.models import Tier


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
