"""Reads other apps use to know a member's tier.

Foundation version: until member tier statuses exist, every member holds the
entry tier. The tiers issue replaces the bodies, never the signatures.
"""

from decimal import Decimal

from .models import Tier


def entry_tier() -> Tier:
    return Tier.objects.order_by("rank").first()


def tier_for_member(member_id: int) -> Tier:
    """The tier the member holds now."""
    return entry_tier()


def tiers_ordered() -> list[Tier]:
    return list(Tier.objects.order_by("rank"))


def earning_multiplier(member_id: int) -> Decimal:
    """The points earning multiplier of the member's current tier."""
    tier = tier_for_member(member_id)
    return tier.multiplier if tier else Decimal("1")
