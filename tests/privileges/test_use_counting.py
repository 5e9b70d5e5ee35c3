"""Privileges that take effect outside privileges are counted where they do."""

from decimal import Decimal

import pytest
from django.utils import timezone

from points.actions import purchase_record
from privileges import actions
from privileges.models import Privilege, PrivilegeUse, TierGrant
from tests.factories.members import DealerFactory
from tests.factories.privileges import PrivilegeFactory, TierGrantFactory
from tiers.models import Tier

pytestmark = pytest.mark.django_db

ITEMS = [
    {
        "sku": "R-1",
        "name": "暖气片",
        "category": "radiator",
        "quantity": 1,
        "unit_price": Decimal("2000.00"),
    }
]


def _buy(member, dealer, order_no):
    return purchase_record(
        member_id=member.pk,
        order_no=order_no,
        purchased_at=timezone.now(),
        amount=Decimal("2000.00"),
        items=ITEMS,
        dealer_id=dealer.pk if dealer else None,
    )


def test_dealer_purchase_by_a_discounted_member_counts_one_discount_use(
    member, set_tier
):
    set_tier(member, "gold")
    dealer = DealerFactory()

    purchase = _buy(member, dealer, "A-1")

    use = PrivilegeUse.objects.get(member=member, ref_type="points.purchase")
    assert use.privilege.kind == Privilege.Kind.DISCOUNT_PERCENT
    assert use.ref_id == purchase.pk and use.tier_code == "gold"


def test_member_without_a_discount_or_a_purchase_without_dealer_counts_nothing(
    member, other_member, set_tier
):
    Privilege.objects.filter(kind=Privilege.Kind.DISCOUNT_PERCENT).update(
        is_active=False
    )
    _buy(member, DealerFactory(), "B-1")
    _buy(other_member, None, "B-2")

    assert not PrivilegeUse.objects.filter(ref_type="points.purchase").exists()


def test_counting_a_kind_is_idempotent_and_takes_the_best_parameter(member, set_tier):
    set_tier(member, "diamond")
    diamond = Tier.objects.get(code="diamond")
    smaller, larger = (
        TierGrantFactory(
            tier=diamond,
            value=months,
            privilege=PrivilegeFactory(kind=Privilege.Kind.WARRANTY_EXTENSION),
        ).privilege
        for months in ("6", "36")
    )

    first = actions.privilege_kind_use(
        member_id=member.pk, kind=Privilege.Kind.WARRANTY_EXTENSION, key="w1"
    )
    again = actions.privilege_kind_use(
        member_id=member.pk, kind=Privilege.Kind.WARRANTY_EXTENSION, key="w1"
    )

    assert first.pk == again.pk
    assert PrivilegeUse.objects.filter(key="w1").count() == 1
    assert first.privilege == larger != smaller


def test_a_used_up_quota_never_refuses_the_purchase_it_counts(member, set_tier):
    set_tier(member, "gold")
    TierGrant.objects.filter(
        tier__code="gold", privilege__kind=Privilege.Kind.DISCOUNT_PERCENT
    ).update(quota=1)
    dealer = DealerFactory()

    _buy(member, dealer, "Q-1")
    second = _buy(member, dealer, "Q-2")

    assert second.pk is not None
    assert PrivilegeUse.objects.filter(ref_type="points.purchase").count() == 1


def test_counting_a_kind_the_member_does_not_hold_writes_nothing(member):
    assert (
        actions.privilege_kind_use(
            member_id=member.pk, kind=Privilege.Kind.EMERGENCY_RESPONSE, key="e1"
        )
        is None
    )
    assert not PrivilegeUse.objects.filter(key="e1").exists()
