"""Points past their expiry date are never spendable, even before the nightly job."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from points import actions, tasks
from points.exceptions import InsufficientPoints, PurchaseRejected
from points.models import Account, LedgerEntry, Lot

pytestmark = pytest.mark.django_db


def _earn(member, points, key):
    return actions.points_earn(member_id=member.pk, points=points, reason="x", key=key)


def _after_expiry_of(entry):
    return Lot.objects.get(entry=entry).expires_at + dt.timedelta(minutes=1)


def test_spend_after_expiry_refuses_and_expires_exactly_once(member, invariants):
    entry = _earn(member, 100, "e")

    with time_machine.travel(_after_expiry_of(entry), tick=False):
        with pytest.raises(InsufficientPoints):
            actions.points_spend(member_id=member.pk, points=10, reason="x", key="s")

        expired = LedgerEntry.objects.filter(kind=LedgerEntry.Kind.EXPIRE)
        assert [e.points for e in expired] == [-100]
        assert Account.objects.get(member=member).balance == 0
        assert tasks.expire_due_points() == 0
        assert expired.count() == 1
    invariants()


def test_spend_takes_only_unexpired_points(member, invariants):
    old = _earn(member, 100, "old")
    with time_machine.travel(_after_expiry_of(old) - dt.timedelta(days=1)):
        _earn(member, 40, "new")

    with time_machine.travel(_after_expiry_of(old), tick=False):
        with pytest.raises(InsufficientPoints) as refused:
            actions.points_spend(member_id=member.pk, points=50, reason="x", key="a")
        assert refused.value.available == 40
        actions.points_spend(member_id=member.pk, points=40, reason="x", key="b")

        assert Account.objects.get(member=member).balance == 0
        assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.EXPIRE).count() == 1
        assert tasks.expire_due_points() == 0
    invariants()


def test_job_first_then_spend_expires_nothing_more(member, invariants):
    entry = _earn(member, 100, "e")

    with time_machine.travel(_after_expiry_of(entry), tick=False):
        assert tasks.expire_due_points() == 100
        with pytest.raises(InsufficientPoints):
            actions.points_spend(member_id=member.pk, points=1, reason="x", key="s")

    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.EXPIRE).count() == 1
    invariants()


def test_checkout_cannot_pay_with_expired_points(member, invariants):
    entry = _earn(member, 5000, "e")

    with time_machine.travel(_after_expiry_of(entry), tick=False):
        with pytest.raises(PurchaseRejected):
            actions.purchase_record(
                member_id=member.pk,
                order_no="X-1",
                purchased_at=timezone.now(),
                amount=Decimal("1000.00"),
                items=[],
                points_to_redeem=1000,
            )
        assert Account.objects.get(member=member).balance == 5000  # rolled back
        assert tasks.expire_due_points() == 5000

    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.EXPIRE).count() == 1
    invariants()


def test_spend_with_nothing_due_writes_no_expire_entry(member, invariants):
    _earn(member, 100, "e")

    actions.points_spend(member_id=member.pk, points=30, reason="x", key="s")

    assert not LedgerEntry.objects.filter(kind=LedgerEntry.Kind.EXPIRE).exists()
    invariants()
