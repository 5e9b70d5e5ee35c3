"""Points and tiers lock one member's rows in one order: tier status, then account.

A purchase used to lock the points account and then (through its tier growth)
the tier status, while an upgrade gift locks the status and then (through
``points_award_requested``) the account: run together, PostgreSQL could abort
one of them as a deadlock.
"""

from decimal import Decimal

import pytest
from django.utils import timezone

from points import actions
from points.models import LedgerEntry, Purchase
from tests.concurrency import run_concurrently
from tiers.actions import growth_record
from tiers.models import Tier, TierChange

from .conftest import assert_invariants

pytestmark = pytest.mark.django_db(transaction=True)


def _steep_tiers():
    """Each big interaction event moves the member up about one tier, with a gift."""
    tiers = list(Tier.objects.order_by("rank"))
    for n, tier in enumerate(tiers[1:], start=1):
        tier.min_growth = 1_000_000 * (2 * n - 1)
        tier.min_spend = Decimal("0")
        tier.upgrade_gift_points = 100 * n
        tier.save()


def test_concurrent_purchases_and_upgrade_gifts_do_not_deadlock(member, postgres):
    _steep_tiers()

    def op(i):
        if i % 2:
            return growth_record(
                member_id=member.pk,
                dimension="interaction",
                raw_value=20_000_000,
                source="activity",
                key=f"growth:{i}",
            )
        return actions.purchase_record(
            member_id=member.pk,
            order_no=f"LOCK-{i}",
            purchased_at=timezone.now(),
            amount=Decimal("300.00"),
            items=[],
        )

    results = run_concurrently(op, 12)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert Purchase.objects.filter(member=member).count() == 6
    upgrades = TierChange.objects.filter(
        member=member, reason=TierChange.Reason.UPGRADE
    ).select_related("to_tier")
    gifts = LedgerEntry.objects.filter(
        account__member=member, source_type="tier_upgrade"
    )
    assert upgrades.exists()
    assert sorted(g.points for g in gifts) == sorted(
        c.to_tier.upgrade_gift_points for c in upgrades
    )
    assert_invariants()


def test_concurrent_refunds_and_upgrade_gifts_do_not_deadlock(member, postgres):
    _steep_tiers()
    purchases = [
        actions.purchase_record(
            member_id=member.pk,
            order_no=f"REF-{n}",
            purchased_at=timezone.now(),
            amount=Decimal("300.00"),
            items=[],
        )
        for n in range(6)
    ]

    def op(i):
        if i % 2:
            return growth_record(
                member_id=member.pk,
                dimension="interaction",
                raw_value=20_000_000,
                source="activity",
                key=f"growth:{i}",
            )
        return actions.purchase_refund(purchase_id=purchases[i // 2].pk, reason="退货")

    results = run_concurrently(op, 12)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert Purchase.objects.filter(member=member, refund_state="full").count() == 6
    assert TierChange.objects.filter(
        member=member, reason=TierChange.Reason.UPGRADE
    ).exists()
    assert_invariants()
