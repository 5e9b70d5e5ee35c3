"""The points section of the member's data export, and account closure."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from members import portal
from members.signals import member_closed
from points import actions
from points.models import Account, LedgerEntry, Lot, Purchase

pytestmark = pytest.mark.django_db


def _section():
    return next(s for s in portal.export_sections if s.name == "points")


def _pending_purchase(member, order_no="P-1"):
    return actions.purchase_record(
        member_id=member.pk,
        order_no=order_no,
        purchased_at=timezone.now(),
        amount=Decimal("300.00"),
        items=[],
        pending_until_installation=True,
    )


def test_export_has_balance_pending_lots_and_ledger(
    member, django_assert_max_num_queries
):
    for n in range(5):
        actions.points_earn(member_id=member.pk, points=10, reason=f"r{n}", key=f"e{n}")
    actions.points_spend(member_id=member.pk, points=15, reason="gift", key="s")
    _pending_purchase(member)
    pending = Purchase.objects.get().points_earned

    with django_assert_max_num_queries(4):
        data = _section().collect(member)

    assert data["balance"] == 35 and data["debt"] == 0
    assert data["pending"] == pending > 0
    assert len(data["lots"]) == 5
    assert sum(lot["remaining"] for lot in data["lots"]) == 35
    assert all(lot["expires_at"] for lot in data["lots"])
    assert [e["points"] for e in data["ledger"]] == [10] * 5 + [-15]
    assert data["ledger"][-1]["reason"] == "gift"


def test_export_of_member_without_points_is_empty(member):
    data = _section().collect(member)
    assert data == {"balance": 0, "debt": 0, "pending": 0, "lots": [], "ledger": []}


def test_closure_forfeits_balance_once_and_cancels_pending(
    member, other_member, invariants
):
    actions.points_earn(member_id=member.pk, points=120, reason="x", key="a")
    actions.points_earn(member_id=other_member.pk, points=70, reason="x", key="b")
    _pending_purchase(member)
    _pending_purchase(other_member, order_no="P-2")

    member_closed.send(sender=None, member_id=member.pk)
    member_closed.send(sender=None, member_id=member.pk)

    closed = LedgerEntry.objects.filter(
        account__member=member, key=f"closed:{member.pk}"
    )
    assert [(e.points, e.kind) for e in closed] == [(-120, LedgerEntry.Kind.EXPIRE)]
    assert Account.objects.get(member=member).balance == 0
    assert not Lot.objects.filter(account__member=member, remaining__gt=0).exists()
    assert Purchase.objects.get(member=member).pending_state == "cancelled"
    assert Account.objects.get(member=other_member).balance == 70
    assert Purchase.objects.get(member=other_member).pending_state == "pending"
    invariants()


def test_closure_leaves_a_debt_as_it_is(member, invariants):
    purchase = actions.purchase_record(
        member_id=member.pk,
        order_no="D-1",
        purchased_at=timezone.now() - dt.timedelta(minutes=1),
        amount=Decimal("500.00"),
        items=[],
    )
    earned = purchase.points_earned
    actions.points_spend(member_id=member.pk, points=earned, reason="x", key="s")
    actions.purchase_refund(purchase_id=purchase.pk, reason="refund")
    assert Account.objects.get(member=member).balance == -earned

    actions.points_account_close(member_id=member.pk)

    assert Account.objects.get(member=member).balance == -earned
    assert not LedgerEntry.objects.filter(key=f"closed:{member.pk}").exists()
    invariants()
