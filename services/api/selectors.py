"""Dealer-scoped reads the API views share.

Everything a dealer may see goes through a queryset scoped here, so another
dealer's object is simply not found (404). The per-customer facts (tier,
points balance, discount) come from the owning apps' selectors, in bulk when
the app offers a bulk selector, so a page of customers costs a fixed number
of queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Exists, OuterRef, QuerySet

from members.models import DealerCustomer, Member


@dataclass(frozen=True)
class CustomerFacts:
    tier_code: str
    tier_name: str
    points_balance: int
    discount_percent: Decimal


def customers_for_dealer(dealer_id: int) -> QuerySet[Member]:
    """Members the dealer enrolled or found by phone, with
    ``enrolled_by_this_dealer`` annotated."""
    return (
        Member.objects.filter(
            Exists(
                DealerCustomer.objects.filter(
                    dealer_id=dealer_id, member=OuterRef("pk")
                )
            )
        )
        .select_related("user")
        .annotate(
            enrolled_by_this_dealer=Exists(
                DealerCustomer.objects.filter(
                    dealer_id=dealer_id, member=OuterRef("pk"), enrolled=True
                )
            )
        )
    )


def customer_of_dealer(*, dealer_id: int, member_id: int) -> Member | None:
    return customers_for_dealer(dealer_id).filter(pk=member_id).first()


def _tiers(member_ids: list[int]) -> dict[int, object]:
    """Each member's tier in two queries: ``tiers.selectors.tiers_for_members``
    when tiers offers it; otherwise the members' TierStatus rows, and the
    entry tier for members without one (the rule TierStatus documents)."""
    from tiers import selectors as tiers_selectors

    bulk = getattr(tiers_selectors, "tiers_for_members", None)
    if bulk is not None:
        return dict(bulk(member_ids))
    try:
        from tiers.models import TierStatus
    except ImportError:
        return {mid: tiers_selectors.tier_for_member(mid) for mid in member_ids}
    held = {
        s.member_id: s.tier
        for s in TierStatus.objects.filter(member_id__in=member_ids).select_related(
            "tier"
        )
    }
    entry = tiers_selectors.entry_tier() if len(held) < len(member_ids) else None
    return {mid: held.get(mid, entry) for mid in member_ids}


def _balances(member_ids: list[int]) -> dict[int, int]:
    """Each member's points balance in one query (0 without an account)."""
    try:
        from points import selectors as points_selectors
    except ImportError:
        points_selectors = None
    bulk = getattr(points_selectors, "balances_for_members", None)
    if bulk is not None:
        found = dict(bulk(member_ids))
    else:
        from points.models import Account

        found = dict(
            Account.objects.filter(member_id__in=member_ids).values_list(
                "member_id", "balance"
            )
        )
    return {mid: int(found.get(mid, 0)) for mid in member_ids}


def _discounts(member_ids: list[int], tiers: dict[int, object]) -> dict[int, Decimal]:
    """Each member's discount through ``privileges.selectors.discount_percent``.

    The discount is a privilege of the member's tier, so it is asked once per
    distinct tier on the page (at most the number of tiers), for one member
    holding it, not once per member.
    """
    from privileges import selectors as privileges_selectors

    bulk = getattr(privileges_selectors, "discount_percents", None)
    if bulk is not None:
        found = dict(bulk(member_ids))
        return {mid: Decimal(found.get(mid, 0)) for mid in member_ids}
    by_tier: dict[object, Decimal] = {}
    result = {}
    for mid in member_ids:
        tier_id = getattr(tiers.get(mid), "pk", None)
        if tier_id not in by_tier:
            by_tier[tier_id] = Decimal(privileges_selectors.discount_percent(mid))
        result[mid] = by_tier[tier_id]
    return result


def customer_facts(member_ids: list[int]) -> dict[int, CustomerFacts]:
    """Tier, balance and discount of each member, from the apps that own them."""
    ids = list(dict.fromkeys(member_ids))
    tiers = _tiers(ids)
    balances, discounts = _balances(ids), _discounts(ids, tiers)
    facts = {}
    for mid in ids:
        tier = tiers.get(mid)
        facts[mid] = CustomerFacts(
            tier_code=getattr(tier, "code", ""),
            tier_name=str(getattr(tier, "name", "")),
            points_balance=balances[mid],
            discount_percent=discounts[mid],
        )
    return facts
