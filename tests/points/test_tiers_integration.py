"""Points and tiers together: growth from purchases and refunds, upgrade gifts."""

from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from points import actions
from points.exceptions import PurchaseRejected
from points.models import Account, LedgerEntry
from tiers.models import GrowthEvent, Tier

pytestmark = pytest.mark.django_db


def _purchase(member, amount, order_no="T-1"):
    return actions.purchase_record(
        member_id=member.pk,
        order_no=order_no,
        purchased_at=timezone.now(),
        amount=Decimal(amount),
        items=[{"sku": "R", "category": "radiator", "unit_price": amount}],
    )


def test_purchase_and_refund_feed_tier_growth(member):
    purchase = _purchase(member, "800.00")
    assert GrowthEvent.objects.filter(key=f"purchase:{purchase.pk}").exists()

    actions.purchase_refund(purchase_id=purchase.pk, amount="300.00", reason="部分退货")

    refund = GrowthEvent.objects.get(key__startswith=f"purchase:{purchase.pk}:refund:")
    assert refund.spend == Decimal("-300.00")


def test_upgrade_gift_from_a_purchase_is_credited_once(member):
    top = Tier.objects.order_by("-rank").first()
    Tier.objects.exclude(pk=top.pk).update(upgrade_gift_points=0)
    Tier.objects.filter(pk=top.pk).update(
        upgrade_gift_points=777, min_spend=Decimal("1")
    )

    purchase = _purchase(member, "5000.00")
    _purchase(member, "100.00", order_no="T-2")

    gifts = LedgerEntry.objects.filter(
        account__member=member, source_type="tier_upgrade"
    )
    assert gifts.count() == 1 and gifts.get().points == 777
    total = LedgerEntry.objects.filter(account__member=member).aggregate(
        s=Sum("points")
    )
    assert Account.objects.get(member=member).balance == total["s"]
    assert total["s"] >= purchase.points_earned + 777


def test_purchase_crossing_a_threshold_earns_at_the_tier_held_before_it(member):
    tiers = list(Tier.objects.order_by("rank"))
    Tier.objects.filter(pk=tiers[0].pk).update(multiplier=Decimal("1"))
    Tier.objects.filter(pk=tiers[-1].pk).update(
        multiplier=Decimal("3"), min_spend=Decimal("1"), upgrade_gift_points=0
    )
    Tier.objects.filter(rank__gt=tiers[0].rank, rank__lt=tiers[-1].rank).update(
        min_spend=Decimal("999999"), min_growth=10**9
    )
    preview = actions.purchase_preview(
        member_id=member.pk,
        order_no="T-1",
        purchased_at=timezone.now(),
        amount=Decimal("800.00"),
        items=[{"sku": "R", "category": "radiator", "unit_price": "800.00"}],
    )

    purchase = _purchase(member, "800.00")
    second = _purchase(member, "800.00", order_no="T-2")

    assert purchase.points_earned == preview.points_earned
    assert second.points_earned > purchase.points_earned  # now at the top tier


def test_own_upgrade_gift_cannot_pay_for_the_purchase(member):
    top = Tier.objects.order_by("-rank").first()
    Tier.objects.filter(pk=top.pk).update(
        upgrade_gift_points=5000, min_spend=Decimal("1")
    )

    with pytest.raises(PurchaseRejected):
        actions.purchase_record(
            member_id=member.pk,
            order_no="G-1",
            purchased_at=timezone.now(),
            amount=Decimal("1000.00"),
            items=[],
            points_to_redeem=100,
        )

    assert not LedgerEntry.objects.filter(account__member=member).exists()
